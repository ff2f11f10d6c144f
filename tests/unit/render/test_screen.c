// SPDX-License-Identifier: GPL-2.0
/* The live view's frames on hand-written snapshots: widths, columns, cursor, pages. */
#include <stdlib.h>
#include <string.h>
#include "model/view.h"
#include "render/screen.h"
#include "fixtures.h"
#include "test.h"

static const char *vm_name(void *ctx, __u32 pid)
{
	(void)ctx;
	/* a control character, a wide character (U+4E2D) and a two-byte one (e acute) */
	return pid == 100 ? "web\tfront-\xe4\xb8\xad-caf\xc3\xa9-a-very-long-name-that-goes-on-and-on" : "db";
}

static const struct names names = { .vm_name = vm_name };

static void two_vms(struct snapshot *s)
{
	snapshot_init(s, KVMSTAT_ARCH_ARM64);
	s->end_mono_ns = 1000000000;
	add(s, 100, 0, 101, DABT_LOW, KVMSTAT_KEY_USER, 30, 4000);
	add(s, 100, 1, 102, HVC64, 0, 10, 1000);
	add(s, 200, 0, 201, IRQ, 0, 20, 2000000);
}

static int frame(struct screen *scr, unsigned int cols, unsigned int rows, const struct snapshot *s,
		 struct screen_state *st)
{
	struct view v;
	int err;

	if (!ASSERT_EQ(screen_resize(scr, cols, rows), 0))
		return -1;
	err = view_build(&v, s, st->by, 0) ?: screen_table(scr, &v, st);
	view_free(&v);
	return err;
}

/* The row (0-based) whose text holds what, -1 if none. */
static int find(const struct screen *scr, const char *what)
{
	unsigned int r;

	for (r = 0; r < scr->rows; r++)
		if (strstr(screen_line(scr, r), what))
			return r;
	return -1;
}

TEST(columns_drop_in_the_stated_order)
{
	static const enum screen_column order[] = { SCOL_RATE, SCOL_MIN, SCOL_TIME_PCT, SCOL_PCT, SCOL_MAX };
	bool shown[NR_SCOLS], before[NR_SCOLS];
	unsigned int w, label, dropped = 0, i;

	label = screen_columns(79, shown);	/* 80 columns */
	for (i = 0; i < NR_SCOLS; i++)
		ASSERT_TRUE(shown[i]);
	ASSERT_TRUE(label >= 12);
	label = screen_columns(59, shown);	/* 60 columns: RATE/s goes, MIN stays */
	ASSERT_TRUE(!shown[SCOL_RATE] && shown[SCOL_MIN] && shown[SCOL_MAX] && label >= 12);
	/* Narrower and narrower: each column that goes is the next of the order, never back. */
	screen_columns(200, before);
	for (w = 200; w >= 10; w--) {
		screen_columns(w, shown);
		for (i = 0; i < NR_SCOLS; i++)
			if (before[i] && !shown[i])
				ASSERT_EQ(i, order[dropped++]);
			else
				ASSERT_EQ(before[i], shown[i]);
		memcpy(before, shown, sizeof(shown));
	}
	ASSERT_EQ(dropped, 5);
	ASSERT_TRUE(shown[SCOL_COUNT] && shown[SCOL_AVG]);
}

TEST(no_line_wider_than_the_screen)
{
	static const unsigned int sizes[][2] = { { 80, 24 }, { 60, 20 }, { 40, 10 }, { 24, 6 }, { 10, 3 } };
	struct screen_state st = { .by = GROUP_VCPU, .span = KVMSTAT_SPAN_HANDLING, .hist = true,
				   .names = &names, .filter = "VM 100 vCPU 1 and a long label" };
	struct screen scr = {};
	struct snapshot s;
	unsigned int i, r;

	two_vms(&s);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (!ASSERT_EQ(frame(&scr, sizes[i][0], sizes[i][1], &s, &st), 0))
			break;
		for (r = 0; r < scr.rows; r++)
			if (!ASSERT_TRUE(screen_text_width(screen_line(&scr, r)) < sizes[i][0]))
				printf("%ux%u line %u: '%s'\n", sizes[i][0], sizes[i][1], r, screen_line(&scr, r));
	}
	screen_free(&scr);
	snapshot_free(&s);
}

TEST(names_shown_one_column_per_character)
{
	struct screen_state st = { .by = GROUP_VM, .span = KVMSTAT_SPAN_HANDLING, .names = &names };
	struct screen scr = {};
	struct snapshot s;
	int r;

	two_vms(&s);
	if (ASSERT_EQ(frame(&scr, 200, 24, &s, &st), 0)) {
		r = find(&scr, "VM 100 (");
		/* tab -> '?', U+4E2D (wide) -> '?', e acute kept */
		ASSERT_TRUE(r >= 0 && strstr(screen_line(&scr, r), "VM 100 (web?front-?-caf\xc3\xa9-a-very"));
	}
	screen_free(&scr);
	snapshot_free(&s);
}

TEST(header_and_rows_at_80_and_60_columns)
{
	struct screen_state st = { .by = GROUP_CLASS, .span = KVMSTAT_SPAN_HANDLING };
	struct screen scr = {};
	struct snapshot s;

	two_vms(&s);
	if (ASSERT_EQ(frame(&scr, 80, 24, &s, &st), 0)) {
		ASSERT_STR(screen_line(&scr, 1),
			   " CLASS                         COUNT     %    RATE/s TIME%    MIN    AVG    MAX");
		/* sorted by count: DABT_LOW/user (30) first, selected */
		ASSERT_STR(screen_line(&scr, 2),
			   ">DABT_LOW/user                    30  50.0      30.0   0.3 4.00us 4.00us 4.00us");
		ASSERT_EQ(find(&scr, " TOTAL "), 22);
		ASSERT_EQ(find(&scr, "#0 0.00s lost 0 | ?:help b:class"), 23);
	}
	if (ASSERT_EQ(frame(&scr, 60, 20, &s, &st), 0)) {
		ASSERT_STR(screen_line(&scr, 1), " CLASS               COUNT     % TIME%    MIN    AVG    MAX");
		ASSERT_TRUE(find(&scr, "RATE/s") < 0);
	}
	screen_free(&scr);
	snapshot_free(&s);
}

TEST(cursor_follows_its_row_when_the_order_changes)
{
	struct screen_state st = { .by = GROUP_CLASS, .span = KVMSTAT_SPAN_HANDLING, .cursor = 1 };
	struct screen scr = {};
	struct snapshot s;

	two_vms(&s);
	/* by count: DABT_LOW/user 30, IRQ 20, HVC64 10: the cursor on IRQ */
	if (ASSERT_EQ(frame(&scr, 80, 24, &s, &st), 0))
		ASSERT_TRUE(!strncmp(screen_line(&scr, 3), ">IRQ ", 5));
	ASSERT_TRUE(st.follow);
	st.sort = SORT_MAX;	/* IRQ (2 ms) first now: the cursor goes with it */
	if (ASSERT_EQ(frame(&scr, 80, 24, &s, &st), 0))
		ASSERT_TRUE(!strncmp(screen_line(&scr, 2), ">IRQ ", 5));
	ASSERT_EQ(st.cursor, 0);
	st.follow = false;
	st.cursor = 99;		/* past the end: the last row */
	if (ASSERT_EQ(frame(&scr, 80, 24, &s, &st), 0))
		ASSERT_TRUE(!strncmp(screen_line(&scr, 4), ">HVC64 ", 7));
	ASSERT_EQ(st.cursor, 2);
	screen_free(&scr);
	snapshot_free(&s);
}

TEST(histogram_pane_of_the_selected_row)
{
	struct screen_state st = { .by = GROUP_VCPU, .span = KVMSTAT_SPAN_HANDLING, .hist = true,
				   .cursor = 1, .names = &names };
	struct screen scr = {};
	struct snapshot s;
	int r;

	two_vms(&s);
	/* rows: VM 100 vCPU 0: DABT_LOW/user; VM 100 vCPU 1: HVC64 (the cursor); VM 200: IRQ.
	 * Wide enough for VM 100's long name. */
	if (ASSERT_EQ(frame(&scr, 160, 24, &s, &st), 0)) {
		r = find(&scr, "HVC64  handling histogram  VM 100 (");
		ASSERT_TRUE(r > 0 && strstr(screen_line(&scr, r), "vCPU 1 thread 102"));
		/* 10 exits of 1000 ns: the octave [512ns, 1.02us) */
		ASSERT_TRUE(r > 0 && strstr(screen_line(&scr, r + 1), "512ns - 1.02us         10 |####"));
		ASSERT_TRUE(find(&scr, "count 10  avg 1.00us  p50 1.00us") > r);
	}
	st.hist = false;
	if (ASSERT_EQ(frame(&scr, 80, 24, &s, &st), 0))
		ASSERT_EQ(find(&scr, "histogram"), -1);
	screen_free(&scr);
	snapshot_free(&s);
}

TEST(picker_lists_vms_then_their_vcpu_threads)
{
	struct screen_state st = { .names = &names };
	struct screen scr = {};
	struct kvmstat_key k;
	struct snapshot s;
	size_t cursor = 3;
	struct view v;

	two_vms(&s);
	if (!ASSERT_EQ(view_build(&v, &s, GROUP_VCPU, 0), 0) || !ASSERT_EQ(screen_resize(&scr, 80, 24), 0))
		goto out;
	ASSERT_EQ(screen_picks(&v), 1 + 2 + 3);
	ASSERT_TRUE(screen_pick(&v, 0, &k) && k.vm == 0);
	ASSERT_TRUE(screen_pick(&v, 1, &k) && k.vm == 100 && k.tid == 0);
	ASSERT_TRUE(screen_pick(&v, 3, &k) && k.vm == 100 && k.vcpu == 1 && k.tid == 102);
	ASSERT_TRUE(screen_pick(&v, 4, &k) && k.vm == 200 && k.tid == 0);
	ASSERT_TRUE(screen_pick(&v, 5, &k) && k.vm == 200 && k.tid == 201);
	ASSERT_TRUE(!screen_pick(&v, 6, &k));
	screen_picker(&scr, &v, &cursor, &st);
	ASSERT_STR(screen_line(&scr, 2), "  all VMs and vCPU threads");
	ASSERT_STR(screen_line(&scr, 5), ">   vCPU 1 thread 102 (?)  10 exits");
	ASSERT_STR(screen_line(&scr, 6), "  VM 200 (db)  20 exits");
out:
	view_free(&v);
	screen_free(&scr);
	snapshot_free(&s);
}

TEST(too_small_says_so)
{
	struct screen_state st = { .by = GROUP_CLASS };
	struct screen scr = {};
	struct snapshot s;

	two_vms(&s);
	if (ASSERT_EQ(frame(&scr, 20, 5, &s, &st), 0))
		ASSERT_TRUE(strstr(screen_line(&scr, 0), "terminal too"));
	screen_free(&scr);
	snapshot_free(&s);
}

TEST_MAIN(TEST_CASE(columns_drop_in_the_stated_order), TEST_CASE(no_line_wider_than_the_screen),
	  TEST_CASE(names_shown_one_column_per_character), TEST_CASE(header_and_rows_at_80_and_60_columns),
	  TEST_CASE(cursor_follows_its_row_when_the_order_changes),
	  TEST_CASE(histogram_pane_of_the_selected_row), TEST_CASE(picker_lists_vms_then_their_vcpu_threads),
	  TEST_CASE(too_small_says_so))
