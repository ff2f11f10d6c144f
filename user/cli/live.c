// SPDX-License-Identifier: GPL-2.0
/* The live view: keys change what is shown; snapshots come in; frames go out. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cli/live.h"
#include "model/view.h"

#define CTRL(c) ((c) & 0x1f)

static const struct screen_key help_keys[] = {
	{ "b", "grouping: class, VM, vCPU thread (in turn)" },
	{ "t", "span: handling or guest time (runs with both spans)" },
	{ "s S", "sort: count, time, avg, max, min, class (next, previous)" },
	{ "c", "counts of the interval, or since the start" },
	{ "Up Down j k", "select a row (PgUp PgDn Home End too)" },
	{ "h Enter", "histogram of the selected row: show, hide" },
	{ "f F", "filter: pick a VM or vCPU thread from a list; F: all again" },
	{ "space p", "freeze the display (counting goes on); again: resume" },
	{ "Ctrl-L", "draw the screen again" },
	{ "?", "this help" },
	{ "q Ctrl-C", "quit (the summary of the run follows)" },
};

int live_init(struct live *l, const struct live_opts *o, unsigned int cols, unsigned int rows)
{
	memset(l, 0, sizeof(*l));
	l->o = *o;
	l->st = (struct screen_state){
		.by = o->by, .span = o->span, .sort = o->sort, .cumulative = o->cumulative,
		.hist = o->hist, .source = o->source, .names = o->names,
	};
	snapshot_init(&l->interval, o->arch);
	snapshot_init(&l->total, o->arch);
	snapshot_init(&l->frozen_interval, o->arch);
	snapshot_init(&l->frozen_total, o->arch);
	snapshot_init(&l->shown, o->arch);
	return screen_resize(&l->scr, cols, rows);
}

void live_free(struct live *l)
{
	live_end(l);
	screen_free(&l->scr);
	term_out_free(&l->out);
	snapshot_free(&l->interval);
	snapshot_free(&l->total);
	snapshot_free(&l->frozen_interval);
	snapshot_free(&l->frozen_total);
	snapshot_free(&l->shown);
}

/* l->total brought up to the last interval (asked of the source once per interval). */
static int fetch_total(struct live *l)
{
	int err;

	if (l->total_valid)
		return 0;
	err = l->o.src.since_start ? l->o.src.since_start(l->o.src.ctx, &l->total) : -EINVAL;
	l->total_valid = !err;
	return err;
}

/* The counts the table shows: frozen or the latest; interval or since the start. */
static int counts_shown(struct live *l, const struct snapshot **snap)
{
	int err = 0;

	if (l->st.frozen)
		*snap = l->st.cumulative ? &l->frozen_total : &l->frozen_interval;
	else if (l->st.cumulative && !(err = fetch_total(l)))
		*snap = &l->total;
	else
		*snap = &l->interval;
	return err;
}

static bool filter_match(const struct live *l, const struct kvmstat_key *k)
{
	return !l->filtered || (k->vm == l->filter.vm && (!l->filter.tid || k->tid == l->filter.tid));
}

/* s, or the filter's copy of it. */
static int filtered(struct live *l, const struct snapshot *s, const struct snapshot **out)
{
	size_t i;

	*out = s;
	if (!l->filtered)
		return 0;
	snapshot_clear(&l->shown, s->arch);
	for (i = 0; i < s->nr; i++)
		if (filter_match(l, &s->samples[i].key) &&
		    !snapshot_add(&l->shown, &s->samples[i].key, &s->samples[i].val))
			return -ENOMEM;
	l->shown.start_mono_ns = s->start_mono_ns;
	l->shown.end_mono_ns = s->end_mono_ns;
	l->shown.start_wall = s->start_wall;
	l->shown.end_wall = s->end_wall;
	memcpy(l->shown.drops, s->drops, sizeof(s->drops));
	*out = &l->shown;
	return 0;
}

/* Exits lost: every drop but the first entries of threads (no exit seen before: not a loss). */
static unsigned long long lost(const struct snapshot *s)
{
	unsigned long long n = 0;
	int i;

	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		n += i == KVMSTAT_DROP_UNPAIRED ? 0 : s->drops[i];
	return n;
}

static void fill_status(struct live *l, const struct snapshot *s)
{
	l->st.secs = (s->end_mono_ns - s->start_mono_ns) / 1e9;
	l->st.lost = lost(s);
	l->st.latest = l->updates;
	l->st.message = *l->message ? l->message : NULL;
	l->st.filter = l->filtered ? l->filter_label : NULL;
}

/* The since-start counts as the picker lists them: every VM and vCPU thread seen. */
static int picker_view(struct live *l, struct view *v)
{
	const struct snapshot *s = &l->frozen_total;
	int err = l->st.frozen ? 0 : fetch_total(l);

	if (!l->st.frozen)
		s = &l->total;
	return err ?: view_build(v, s, GROUP_VCPU, 0);
}

int live_render(struct live *l)
{
	const struct snapshot *s, *f;
	struct view v = {};
	int err = counts_shown(l, &s);

	if (err)
		return err;
	fill_status(l, s);
	switch (l->page) {
	case LIVE_HELP:
		screen_help(&l->scr, help_keys, sizeof(help_keys) / sizeof(help_keys[0]), &l->st);
		return 0;
	case LIVE_PICK:
		err = picker_view(l, &v);
		if (!err)
			screen_picker(&l->scr, &v, &l->pick_cursor, &l->st);
		break;
	case LIVE_TABLE:
		err = filtered(l, s, &f) ?: view_build(&v, f, l->st.by, 0);
		if (!err)
			err = screen_table(&l->scr, &v, &l->st);
		break;
	}
	view_free(&v);
	return err;
}

static int draw(struct live *l)
{
	int err = live_render(l);

	if (!err && l->on_terminal) {
		err = term_draw(&l->out, &l->scr, l->full_redraw);
		l->full_redraw = false;
	}
	return err;
}

static void say(struct live *l, const char *msg)
{
	snprintf(l->message, sizeof(l->message), "%s", msg);
}

/* What freezing keeps: the interval and the since-start counts shown at that moment. */
static int freeze(struct live *l)
{
	int err = fetch_total(l) ?: snapshot_copy(&l->frozen_interval, &l->interval) ?:
		  snapshot_copy(&l->frozen_total, &l->total);

	if (!err)
		l->st.frozen = true;
	return err;
}

static void switch_span(struct live *l)
{
	enum kvmstat_span other = l->st.span == KVMSTAT_SPAN_HANDLING ? KVMSTAT_SPAN_GUEST
								      : KVMSTAT_SPAN_HANDLING;

	if (l->o.spans & (1U << other))
		l->st.span = other;
	else
		say(l, other == KVMSTAT_SPAN_GUEST ? "no guest span: this run counts handling time only (run --span both)"
						   : "no handling span: this run counts guest time only (run --span both)");
}

static void set_filter(struct live *l, const struct kvmstat_key *k)
{
	l->filtered = k->vm != 0;
	l->filter = *k;
	if (!k->vm)
		return;
	if (!k->tid)
		snprintf(l->filter_label, sizeof(l->filter_label), "VM %u", k->vm);
	else if (k->vcpu == KVMSTAT_VCPU_UNKNOWN)
		snprintf(l->filter_label, sizeof(l->filter_label), "VM %u thread %u", k->vm, k->tid);
	else
		snprintf(l->filter_label, sizeof(l->filter_label), "VM %u vCPU %u", k->vm, k->vcpu);
}

static int pick_key(struct live *l, int key)
{
	struct kvmstat_key k;
	struct view v;
	int err;

	switch (key) {
	case TERM_KEY_UP: case 'k':
		l->pick_cursor -= l->pick_cursor > 0;
		break;
	case TERM_KEY_DOWN: case 'j':
		l->pick_cursor++;	/* clamped when drawn */
		break;
	case TERM_KEY_HOME: case 'g':
		l->pick_cursor = 0;
		break;
	case TERM_KEY_END: case 'G':
		l->pick_cursor = SIZE_MAX;
		break;
	case '\r': case '\n':
		err = picker_view(l, &v);
		if (!err && screen_pick(&v, l->pick_cursor < screen_picks(&v) ? l->pick_cursor :
					screen_picks(&v) - 1, &k))
			set_filter(l, &k);
		view_free(&v);
		if (err)
			return err;
		l->page = LIVE_TABLE;
		break;
	case TERM_KEY_ESC: case 'q': case 'f':
		l->page = LIVE_TABLE;
		break;
	}
	return 0;
}

static void move_cursor(struct live *l, int key)
{
	size_t page = l->scr.rows > 6 ? l->scr.rows - 6 : 1;

	l->st.follow = false;
	switch (key) {
	case TERM_KEY_UP: case 'k':
		l->st.cursor -= l->st.cursor > 0;
		break;
	case TERM_KEY_DOWN: case 'j':
		l->st.cursor++;		/* clamped when drawn */
		break;
	case TERM_KEY_PGUP:
		l->st.cursor = l->st.cursor > page ? l->st.cursor - page : 0;
		break;
	case TERM_KEY_PGDN:
		l->st.cursor += page;
		break;
	case TERM_KEY_HOME: case 'g':
		l->st.cursor = 0;
		break;
	case TERM_KEY_END: case 'G':
		l->st.cursor = SIZE_MAX;
		break;
	}
}

static int table_key(struct live *l, int key)
{
	switch (key) {
	case 'q':
		return LIVE_QUIT;
	case '?':
		l->page = LIVE_HELP;
		break;
	case 'b':
		l->st.by = l->st.by < l->o.finest ? l->st.by + 1 : GROUP_CLASS;
		if (l->o.finest == GROUP_CLASS)
			say(l, "the saved lines are grouped by class: no VM or vCPU detail");
		break;
	case 't':
		switch_span(l);
		break;
	case 's':
		l->st.sort = (l->st.sort + 1) % NR_SORT_KEYS;
		break;
	case 'S':
		l->st.sort = (l->st.sort + NR_SORT_KEYS - 1) % NR_SORT_KEYS;
		break;
	case 'c':
		l->st.cumulative = !l->st.cumulative;
		break;
	case 'h': case '\r': case '\n':
		l->st.hist = !l->st.hist;
		break;
	case 'f':
		if (l->o.finest < GROUP_VCPU) {
			say(l, "the saved lines have no vCPU detail to filter by (run -b vcpu --json)");
			break;
		}
		l->page = LIVE_PICK;
		l->pick_cursor = 0;
		break;
	case 'F':
		set_filter(l, &(struct kvmstat_key){});
		break;
	case ' ': case 'p':
		if (l->st.frozen)
			l->st.frozen = false;
		else
			return freeze(l);
		break;
	case CTRL('l'):
		l->full_redraw = true;
		break;
	default:
		move_cursor(l, key);
		break;
	}
	return 0;
}

int live_key(struct live *l, int key)
{
	*l->message = '\0';
	switch (l->page) {
	case LIVE_HELP:
		l->page = LIVE_TABLE;	/* any key: back */
		return 0;
	case LIVE_PICK:
		return pick_key(l, key);
	case LIVE_TABLE:
		break;
	}
	return table_key(l, key);
}

int live_start(struct live *l)
{
	unsigned int cols, rows;
	int err;

	if (term_size(&cols, &rows)) {
		err = screen_resize(&l->scr, cols, rows);
		if (err)
			return err;
	}
	err = term_enter();
	if (err)
		return err;
	l->on_terminal = true;
	l->full_redraw = true;
	return draw(l);
}

int live_update(struct live *l, const struct snapshot *interval)
{
	int err = snapshot_copy(&l->interval, interval);

	if (err)
		return err;
	l->updates++;
	l->total_valid = false;
	if (!l->st.frozen)
		l->st.shown = l->updates;
	*l->message = '\0';
	return draw(l);
}

int live_set_ended(struct live *l)
{
	l->st.ended = true;
	return draw(l);
}

/* The terminal's new size (SIGWINCH), or the terminal back after Ctrl-Z: all again. */
static int redraw_all(struct live *l)
{
	unsigned int cols, rows;
	int err;

	if (term_size(&cols, &rows) && (cols != l->scr.cols || rows != l->scr.rows)) {
		err = screen_resize(&l->scr, cols, rows);
		if (err)
			return err;
	}
	l->full_redraw = true;
	return draw(l);
}

int live_wait(struct live *l, __u64 deadline_ns, volatile sig_atomic_t *stop)
{
	int keys[32], n, i, err;

	for (;;) {
		if (term_take_redraw()) {
			err = redraw_all(l);
			if (err)
				return err;
		}
		switch (term_wait(deadline_ns, stop)) {
		case TERM_TIMEOUT:
			return LIVE_TIMEOUT;
		case TERM_SIGNAL:
			if (*stop)
				return LIVE_STOP;
			continue;
		case TERM_INPUT:
			break;
		}
		n = term_read_keys(keys, sizeof(keys) / sizeof(keys[0]));
		if (n < 0)
			return LIVE_QUIT;	/* the terminal is gone */
		for (i = 0; i < n; i++) {
			err = live_key(l, keys[i]);
			if (err)
				return err;
		}
		err = draw(l);
		if (err)
			return err;
	}
}

void live_end(struct live *l)
{
	if (!l->on_terminal)
		return;
	term_leave();
	l->on_terminal = false;
}
