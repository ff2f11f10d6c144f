// SPDX-License-Identifier: GPL-2.0
/* The live view's frame: lines cut to the width, the table page and its status line. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "lib/format.h"
#include "lib/utf8.h"
#include "render/screen.h"
#include "render/text.h"

#define MARK_WIDTH	1	/* '>' on the selected row */
#define LABEL_MIN	12
#define LABEL_MAX	32

static const struct {
	const char *title;
	unsigned int width;
} columns[NR_SCOLS] = {
	[SCOL_COUNT] = { "COUNT", 9 },
	[SCOL_PCT] = { "%", 5 },
	[SCOL_RATE] = { "RATE/s", 9 },
	[SCOL_TIME_PCT] = { "TIME%", 5 },
	[SCOL_MIN] = { "MIN", 6 },	/* fmt_duration: at most 6 ("44.4ms") below ~28 h */
	[SCOL_AVG] = { "AVG", 6 },
	[SCOL_MAX] = { "MAX", 6 },
};

/* On a narrow screen, columns go in this order (COUNT and AVG stay). */
static const enum screen_column drop_order[] = { SCOL_RATE, SCOL_MIN, SCOL_TIME_PCT, SCOL_PCT, SCOL_MAX };

int screen_resize(struct screen *s, unsigned int cols, unsigned int rows)
{
	char *text;
	unsigned char *attr;

	cols = cols < 2 ? 2 : cols > SCREEN_MAX_COLS ? SCREEN_MAX_COLS : cols;
	rows = rows < 1 ? 1 : rows > SCREEN_MAX_ROWS ? SCREEN_MAX_ROWS : rows;
	text = calloc(rows, (cols - 1) * 3 + 1);
	attr = calloc(rows, 1);
	if (!text || !attr) {
		free(text);
		free(attr);
		return -ENOMEM;
	}
	screen_free(s);
	*s = (struct screen){ .cols = cols, .rows = rows, .width = cols - 1,
			      .line_bytes = (cols - 1) * 3 + 1, .text = text, .attr = attr };
	return 0;
}

void screen_free(struct screen *s)
{
	free(s->text);
	free(s->attr);
	memset(s, 0, sizeof(*s));
}

void screen_clear(struct screen *s)
{
	memset(s->text, 0, s->rows * s->line_bytes);
	memset(s->attr, 0, s->rows);
}

/* A 3-byte sequence's code point. */
static __u32 code_point3(const unsigned char *p)
{
	return (p[0] & 0x0f) << 12 | (p[1] & 0x3f) << 6 | (p[2] & 0x3f);
}

/* dst = src cut to width columns; what could take other than one column becomes '?'. */
static void fit(char *dst, const char *src, unsigned int width)
{
	const unsigned char *p = (const unsigned char *)src, *end = p + strlen(src);
	unsigned int cols = 0;
	size_t n, len = 0;

	for (; p < end && cols < width; cols++, p += n ? n : 1) {
		n = utf8_valid_len(p, end);
		if (!n || *p < 0x20 || *p == 0x7f || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) ||
		    n == 4 || (n == 3 && code_point3(p) >= 0x1100)) {
			dst[len++] = '?';
			continue;
		}
		memcpy(dst + len, p, n);
		len += n;
	}
	dst[len] = '\0';
}

void screen_put(struct screen *s, unsigned int row, enum screen_attr attr, const char *fmt, ...)
{
	char tmp[SCREEN_MAX_COLS * 4 + 1];
	va_list ap;

	if (row >= s->rows)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	fit(s->text + row * s->line_bytes, tmp, s->width);
	s->attr[row] = attr;
}

unsigned int screen_text_width(const char *text)
{
	unsigned int n = 0;

	for (; *text; text++)
		n += ((unsigned char)*text & 0xc0) != 0x80;
	return n;
}

unsigned int screen_columns(unsigned int width, bool shown[NR_SCOLS])
{
	unsigned int used = MARK_WIDTH, label, i, d = 0;

	for (i = 0; i < NR_SCOLS; i++) {
		shown[i] = true;
		used += 1 + columns[i].width;
	}
	while (used + LABEL_MIN > width && d < sizeof(drop_order) / sizeof(drop_order[0])) {
		shown[drop_order[d]] = false;
		used -= 1 + columns[drop_order[d++]].width;
	}
	label = width > used ? width - used : 0;
	return label > LABEL_MAX ? LABEL_MAX : label;
}

const char *screen_column_title(enum screen_column c)
{
	return c < NR_SCOLS ? columns[c].title : "?";
}

void screen_status(struct screen *s, const struct screen_state *st)
{
	char left[96], now[32] = "";

	if (st->frozen)
		snprintf(now, sizeof(now), " (now #%lu)", st->latest);
	snprintf(left, sizeof(left), "%s#%lu%s %s%.2fs lost %llu%s", st->frozen ? "FROZEN " : "",
		 st->shown, now, st->cumulative ? "total " : "", st->secs, st->lost,
		 st->ended ? " END" : "");
	if (st->message)
		screen_put(s, s->rows - 1, SCREEN_REVERSE, "%s | %s", left, st->message);
	else	/* what is cut on a narrow screen: the right end */
		screen_put(s, s->rows - 1, SCREEN_REVERSE,
			   "%s | ?:help b:%s t:%s s:%s c:%s f:%s q:quit", left,
			   schema_name(&schema_groupings, st->by), span_name(st->span),
			   schema_name(&schema_sort_keys, st->sort),
			   st->cumulative ? "total" : "interval", st->filter ?: "all");
}

/* One table line: the mark, the label cut or padded to its width, the shown columns. */
static void put_row(struct screen *s, unsigned int row, enum screen_attr attr, char mark,
		    const char *label, unsigned int label_width, const bool shown[NR_SCOLS],
		    char cells[NR_SCOLS][24])
{
	char line[SCREEN_MAX_COLS + 64];
	int i, len = snprintf(line, sizeof(line), "%c%-*.*s", mark, label_width, label_width, label);

	for (i = 0; i < NR_SCOLS && len < (int)sizeof(line) - 32; i++)
		if (shown[i])
			len += snprintf(line + len, sizeof(line) - len, " %*s", columns[i].width, cells[i]);
	screen_put(s, row, attr, "%s", line);
}

static double pct(__u64 part, __u64 whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

/* A row's cells: what the columns say of v (of the view's total). */
static void row_cells(const struct kvmstat_value *v, const struct kvmstat_value *total, double secs,
		      enum kvmstat_span span, char cells[NR_SCOLS][24])
{
	const struct kvmstat_span_stats *sp = &v->span[span];

	snprintf(cells[SCOL_COUNT], 24, "%llu", (unsigned long long)v->exits);
	snprintf(cells[SCOL_PCT], 24, "%.1f", pct(v->exits, total->exits));
	snprintf(cells[SCOL_RATE], 24, "%.1f", secs > 0 ? v->exits / secs : 0.0);
	snprintf(cells[SCOL_TIME_PCT], 24, "%.1f", pct(sp->sum_ns, total->span[span].sum_ns));
	if (!sp->count) {
		strcpy(cells[SCOL_MIN], "-");
		strcpy(cells[SCOL_AVG], "-");
		strcpy(cells[SCOL_MAX], "-");
		return;
	}
	fmt_duration(sp->min_ns, cells[SCOL_MIN], 24);
	fmt_duration(sp->sum_ns / sp->count, cells[SCOL_AVG], 24);
	fmt_duration(sp->max_ns, cells[SCOL_MAX], 24);
}

/* What the table's body lists, in display order: group headings and rows. */
struct item {
	size_t group;		/* in groups[] */
	size_t row;		/* in its group; SIZE_MAX: the group's heading */
};

struct body {
	struct group *groups;
	size_t nr_groups;
	struct item *items;
	size_t nr_items, nr_rows;
};

static int list_body(struct view *v, const struct screen_state *st, struct body *b)
{
	size_t n = view_rows(v, st->by), g, r;
	struct group_iter it;

	memset(b, 0, sizeof(*b));
	b->groups = malloc((n ? n : 1) * sizeof(*b->groups));
	b->items = malloc((n ? 2 * n : 1) * sizeof(*b->items));
	if (!b->groups || !b->items)
		return -ENOMEM;
	view_groups(v, st->by, true, &it);
	while (group_next(&it, &b->groups[b->nr_groups]))
		b->nr_groups++;
	for (g = 0; g < b->nr_groups; g++) {
		if (st->by != GROUP_CLASS)
			b->items[b->nr_items++] = (struct item){ g, SIZE_MAX };
		for (r = 0; r < b->groups[g].nr; r++)
			b->items[b->nr_items++] = (struct item){ g, r };
	}
	b->nr_rows = n;
	return 0;
}

static struct kvmstat_key item_key(const struct body *b, const struct item *it)
{
	const struct group *g = &b->groups[it->group];
	struct kvmstat_key k = *g->key;

	k.class = g->rows[it->row]->key.class;
	k.flags = g->rows[it->row]->key.flags;
	return k;
}

/* The item of the selected row: the one of st's key when following it, else the one at
 * st's index (the last row when past it). Its index and key go back into st. */
static size_t place_cursor(const struct body *b, struct screen_state *st)
{
	size_t i, row = 0, at_index = SIZE_MAX, last = SIZE_MAX, pick = SIZE_MAX;
	struct kvmstat_key k;

	for (i = 0; i < b->nr_items && pick == SIZE_MAX; i++) {
		if (b->items[i].row == SIZE_MAX)
			continue;
		k = item_key(b, &b->items[i]);
		if (st->follow && !key_cmp(&k, &st->cursor_key))
			pick = i;
		if (row++ == st->cursor)
			at_index = i;
		last = i;
	}
	if (pick == SIZE_MAX)
		pick = at_index != SIZE_MAX ? at_index : last;
	for (row = 0, i = 0; i < pick; i++)
		row += b->items[i].row != SIZE_MAX;
	st->cursor = row;
	st->cursor_key = item_key(b, &b->items[pick]);
	return pick;
}

static void put_heading(struct screen *s, unsigned int line, const struct group *g,
			const struct screen_state *st, const struct names *names)
{
	char label[2 * TEXT_NAME_LEN + 64];

	screen_pick_label(g->key, st->by == GROUP_VCPU, names, label, sizeof(label));
	screen_put(s, line, SCREEN_BOLD, " %s  %llu exits", label, (unsigned long long)g->exits);
}

/* Body lines [top, end): the items around the cursor's. */
static void put_body(struct screen *s, unsigned int top, unsigned int end, const struct body *b,
		     size_t cursor_item, const struct view *v, const struct screen_state *st,
		     const struct names *names)
{
	size_t first = 0, i, lines = end - top;
	double secs = (v->snap->end_mono_ns - v->snap->start_mono_ns) / 1e9;
	char cells[NR_SCOLS][24], label[64], name[48];
	unsigned int label_width;
	bool shown[NR_SCOLS];
	const struct sample *row;

	label_width = screen_columns(s->width, shown);
	if (cursor_item != SIZE_MAX && cursor_item >= lines)
		first = cursor_item - lines + 1;
	for (i = first; i < b->nr_items && i - first < lines; i++) {
		const struct item *it = &b->items[i];

		if (it->row == SIZE_MAX) {
			put_heading(s, top + i - first, &b->groups[it->group], st, names);
			continue;
		}
		row = b->groups[it->group].rows[it->row];
		class_label(v->snap->arch, &row->key, name, sizeof(name));
		snprintf(label, sizeof(label), "%s%s", st->by == GROUP_CLASS ? "" : "  ", name);
		row_cells(&row->val, &v->total, secs, st->span, cells);
		put_row(s, top + i - first, i == cursor_item ? SCREEN_REVERSE : SCREEN_PLAIN,
			i == cursor_item ? '>' : ' ', label, label_width, shown, cells);
	}
	if (!b->nr_items)
		screen_put(s, top, SCREEN_PLAIN, " no exits %s", st->cumulative ? "yet" : "in this interval");
}

static const char *const span_titles[KVMSTAT_NR_SPANS] = {
	[KVMSTAT_SPAN_HANDLING] = "handling time (exit->entry)",
	[KVMSTAT_SPAN_GUEST] = "guest time (entry->exit)",
};

static void put_header(struct screen *s, unsigned int line)
{
	char cells[NR_SCOLS][24];
	bool shown[NR_SCOLS];
	unsigned int w = screen_columns(s->width, shown);
	int i;

	for (i = 0; i < NR_SCOLS; i++)
		snprintf(cells[i], sizeof(cells[i]), "%s", columns[i].title);
	put_row(s, line, SCREEN_REVERSE, ' ', "CLASS", w, shown, cells);
}

int screen_table(struct screen *s, struct view *v, struct screen_state *st)
{
	struct printable_names pn;
	const struct names *names = printable_names(&pn, st->names);
	double secs = (v->snap->end_mono_ns - v->snap->start_mono_ns) / 1e9;
	unsigned int pane = 0, total_line;
	char cells[NR_SCOLS][24];
	bool shown[NR_SCOLS];
	size_t cursor_item = SIZE_MAX;
	struct body b;
	int err;

	screen_clear(s);
	if (s->cols < SCREEN_MIN_COLS || s->rows < SCREEN_MIN_ROWS) {
		screen_put(s, 0, SCREEN_PLAIN, "terminal too small (%ux%u): %ux%u at least; q quits",
			   s->cols, s->rows, SCREEN_MIN_COLS, SCREEN_MIN_ROWS);
		return 0;
	}
	view_sort(v, st->by, st->sort, st->span);
	err = list_body(v, st, &b);
	if (!err && b.nr_rows) {
		cursor_item = place_cursor(&b, st);
		st->follow = true;	/* the next frame keeps this row, wherever it sorts */
	}
	if (!err) {
		screen_put(s, 0, SCREEN_BOLD, "kvmstat-bpf %s  %s  %s %.2fs%s%s",
			   arch_name(v->snap->arch) ?: "unknown-arch", span_titles[st->span],
			   st->cumulative ? "since start" : "interval", secs,
			   st->source ? "  " : "", st->source ?: "");
		put_header(s, 1);
		if (st->hist)
			pane = screen_hist_lines(s, cursor_item == SIZE_MAX ? NULL :
						 b.groups[b.items[cursor_item].group].rows[b.items[cursor_item].row],
						 st->span);
		total_line = s->rows - 2 - pane;
		put_body(s, 2, total_line, &b, cursor_item, v, st, names);
		row_cells(&v->total, &v->total, secs, st->span, cells);
		put_row(s, total_line, SCREEN_BOLD, ' ', "TOTAL", screen_columns(s->width, shown), shown, cells);
		if (pane)
			screen_hist_pane(s, total_line + 1, pane, v->snap->arch,
					 cursor_item == SIZE_MAX ? NULL :
					 b.groups[b.items[cursor_item].group].rows[b.items[cursor_item].row],
					 st);
		screen_status(s, st);
	}
	free(b.groups);
	free(b.items);
	return err;
}
