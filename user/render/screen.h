/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frames of the live view (`run` on a terminal): lines of text no wider than
 * the screen, each with one attribute, made from a view. Pure: a frame is
 * built in memory (cli/term.c puts it on the terminal), so tests read exactly
 * what the terminal would show.
 *
 * Width: a line uses at most cols - 1 columns, so no terminal wraps or
 * scrolls whatever it does with the last column. Text is UTF-8; a control
 * character, an invalid byte or a code point from U+1100 on (where wide
 * characters begin) is shown as '?', so every shown character is one column.
 */
#ifndef KVMSTAT_SCREEN_H
#define KVMSTAT_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include "model/names.h"
#include "model/view.h"

#define SCREEN_MAX_COLS 1000
#define SCREEN_MAX_ROWS 500
/* Smaller than this, a frame only says so. */
#define SCREEN_MIN_COLS 24
#define SCREEN_MIN_ROWS 6

enum screen_attr {
	SCREEN_PLAIN,
	SCREEN_BOLD,		/* titles, group headings */
	SCREEN_REVERSE,		/* the header, the selected row, the status line */
};

struct screen {
	unsigned int cols, rows;	/* the terminal's size */
	unsigned int width;		/* columns a line may use: cols - 1 */
	size_t line_bytes;		/* room per line: 3 bytes per column and the NUL */
	char *text;			/* rows lines */
	unsigned char *attr;		/* per line: enum screen_attr */
};

/* Room for a cols x rows terminal (clamped to the limits); 0 or -ENOMEM. The frame is blank. */
int screen_resize(struct screen *s, unsigned int cols, unsigned int rows);
void screen_free(struct screen *s);
void screen_clear(struct screen *s);
static inline const char *screen_line(const struct screen *s, unsigned int row)
{
	return s->text + row * s->line_bytes;
}
/* Line row becomes the formatted text, cut to the width (see above). */
void screen_put(struct screen *s, unsigned int row, enum screen_attr attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Columns a line of the frame takes (its code points). */
unsigned int screen_text_width(const char *text);

/* The table's columns besides the class. */
enum screen_column {
	SCOL_COUNT,
	SCOL_PCT,
	SCOL_RATE,
	SCOL_TIME_PCT,
	SCOL_MIN,
	SCOL_AVG,
	SCOL_MAX,
	NR_SCOLS,
};

/*
 * Which columns a width shows: all when the class label gets its minimum,
 * else they drop in this order until it does: RATE/s, MIN, TIME%, %, MAX
 * (COUNT and AVG always stay). Returns the label's width.
 */
unsigned int screen_columns(unsigned int width, bool shown[NR_SCOLS]);
const char *screen_column_title(enum screen_column c);

/* What the live view shows, and how (cli/live.c keeps it). */
struct screen_state {
	enum grouping by;
	enum kvmstat_span span;
	enum sort_key sort;
	bool cumulative;		/* since the start, else the interval */
	bool hist;			/* the selected row's histogram under the table */
	bool frozen;
	const char *source;		/* "live", "replay" */
	bool ended;			/* nothing more will come (a replay's end) */
	unsigned long shown, latest;	/* interval numbers: the one shown, the last read */
	const char *filter;		/* "all", or the VM or vCPU thread kept */
	const char *message;		/* for one frame instead of the keys, or NULL */
	double secs;			/* what the shown counts cover */
	unsigned long long lost;	/* exits lost in it (drops that are losses) */
	const struct names *names;	/* raw; made printable here */
	/* The selected row, in display order. In: index, or (follow) the row whose key
	 * is key. Out: both, of the row now selected (index clamped). */
	size_t cursor;
	struct kvmstat_key cursor_key;
	bool follow;
};

/*
 * The table of st->span for v (built to st->by; sorted here), a cursor on one
 * row, the selected row's histogram when st->hist, the status line. 0 or -ENOMEM.
 */
int screen_table(struct screen *s, struct view *v, struct screen_state *st);

/* A key and what it does, for the help page. */
struct screen_key {
	const char *keys;
	const char *what;
};
void screen_help(struct screen *s, const struct screen_key *keys, size_t n,
		 const struct screen_state *st);

/*
 * The filter's choices from v (built to GROUP_VCPU): entry 0 "all", then each
 * VM followed by its vCPU threads. screen_pick: entry i's key (vm and, for a
 * vCPU thread, vcpu and tid; all zero for "all"); false past the last.
 */
size_t screen_picks(const struct view *v);
bool screen_pick(const struct view *v, size_t i, struct kvmstat_key *key);
/* The list with a cursor on entry *cursor (clamped). */
void screen_picker(struct screen *s, const struct view *v, size_t *cursor,
		   const struct screen_state *st);
/* "VM 4242 (web)", "VM 4242 (web) vCPU 0 thread 4243 (CPU 0/KVM)" or "all". */
const char *screen_pick_label(const struct kvmstat_key *key, bool vcpu, const struct names *names,
			      char *buf, size_t len);

/* Parts of the pages (render/screen*.c). */
/* The status line (the last): interval, losses, and the keys with what they are set to. */
void screen_status(struct screen *s, const struct screen_state *st);
/* Lines the histogram pane of row wants on s (NULL: no row), within half the table's room. */
unsigned int screen_hist_lines(const struct screen *s, const struct sample *row, enum kvmstat_span span);
/* The pane: lines [top, top + lines) for row's span st->span. */
void screen_hist_pane(struct screen *s, unsigned int top, unsigned int lines, enum kvmstat_arch arch,
		      const struct sample *row, const struct screen_state *st);

#endif /* KVMSTAT_SCREEN_H */
