// SPDX-License-Identifier: GPL-2.0
/* The live view's keys on its frame in memory (no terminal): what each key changes. */
#include <string.h>
#include "cli/live.h"
#include "fixtures.h"
#include "test.h"

static struct snapshot total;	/* the source: intervals summed */

static int since_start(void *ctx, struct snapshot *out)
{
	(void)ctx;
	return snapshot_copy(out, &total);
}

/* Interval i: VM 100 (vCPUs 0, 1) and VM 200; IRQ grows, DABT_LOW/user stays. */
static void interval(struct snapshot *s, int i)
{
	snapshot_init(s, KVMSTAT_ARCH_ARM64);
	s->start_mono_ns = i * 1000000000ULL;
	s->end_mono_ns = (i + 1) * 1000000000ULL;
	add(s, 100, 0, 101, DABT_LOW, KVMSTAT_KEY_USER, 30, 4000);
	add(s, 100, 1, 102, HVC64, 0, 10, 1000);
	add(s, 200, 0, 201, IRQ, 0, 10 + 10 * i, 2000000);
}

static int feed(struct live *l, int i)
{
	struct snapshot s;
	int err;

	interval(&s, i);
	err = snapshot_accumulate(&total, &s) ?: live_update(l, &s);
	snapshot_free(&s);
	return err;
}

static bool start(struct live *l, __u32 spans)
{
	struct live_opts o = { .arch = KVMSTAT_ARCH_ARM64, .finest = GROUP_VCPU, .spans = spans,
			       .src = { since_start, NULL } };

	snapshot_free(&total);
	snapshot_init(&total, KVMSTAT_ARCH_ARM64);
	return ASSERT_EQ(live_init(l, &o, 80, 24), 0) && ASSERT_EQ(feed(l, 0), 0);
}

static int find(const struct live *l, const char *what)
{
	unsigned int r;

	for (r = 0; r < l->scr.rows; r++)
		if (strstr(screen_line(&l->scr, r), what))
			return r;
	return -1;
}

static const char *line(const struct live *l, int r)
{
	return r >= 0 ? screen_line(&l->scr, r) : "";
}

static bool key(struct live *l, int k)
{
	return ASSERT_EQ(live_key(l, k), 0) && ASSERT_EQ(live_render(l), 0);
}

TEST(grouping_span_sort_and_cumulative)
{
	struct live l;

	if (!start(&l, 1U << KVMSTAT_SPAN_HANDLING))
		goto out;
	ASSERT_EQ(find(&l, "VM 100"), -1);
	key(&l, 'b');		/* by VM: headings */
	ASSERT_TRUE(find(&l, " VM 100 (?)  40 exits") > 0 && find(&l, " VM 200 (?)  10 exits") > 0);
	key(&l, 'b');		/* by vCPU thread */
	ASSERT_TRUE(find(&l, " VM 100 (?) vCPU 1 thread 102 (?)  10 exits") > 0);
	key(&l, 'b');		/* back by class */
	ASSERT_EQ(find(&l, "VM 100"), -1);
	/* only the handling span: t says so and changes nothing */
	key(&l, 't');
	ASSERT_TRUE(find(&l, "no guest span") == 23 && find(&l, "handling time") == 0);
	/* by count: DABT_LOW/user 30 first; s: by time, IRQ (10 x 2 ms) first */
	ASSERT_TRUE(!strncmp(line(&l, 2), ">DABT_LOW/user ", 15));
	key(&l, 's');
	ASSERT_TRUE(!strncmp(line(&l, 2), " IRQ ", 5) && find(&l, "s:time") == 23);
	ASSERT_TRUE(find(&l, ">DABT_LOW/user ") == 3);	/* the selection goes with its row */
	ASSERT_EQ(feed(&l, 1), 0);	/* IRQ 20 in this interval, 30 in all */
	ASSERT_TRUE(strstr(line(&l, find(&l, "IRQ ")), " 20 "));
	key(&l, 'c');
	ASSERT_TRUE(strstr(line(&l, find(&l, "IRQ ")), " 30 ") && find(&l, "since start") == 0);
out:
	live_free(&l);
}

TEST(freeze_keeps_the_frame_while_counting_goes_on)
{
	char before[256];
	struct live l;
	int r;

	if (!start(&l, 1U << KVMSTAT_SPAN_HANDLING))
		goto out;
	key(&l, ' ');
	r = find(&l, "IRQ ");
	snprintf(before, sizeof(before), "%s", line(&l, r));
	ASSERT_EQ(feed(&l, 1), 0);
	ASSERT_EQ(feed(&l, 2), 0);
	ASSERT_STR(line(&l, r), before);
	ASSERT_TRUE(find(&l, "FROZEN #1 (now #3)") == 23);
	key(&l, 'c');		/* since the start, as it was when frozen: 10 IRQ exits */
	ASSERT_TRUE(strstr(line(&l, find(&l, "IRQ ")), " 10 "));
	key(&l, 'c');
	key(&l, 'p');		/* resume: the last interval, 30 IRQ exits */
	ASSERT_TRUE(strstr(line(&l, find(&l, "IRQ ")), " 30 ") && find(&l, "FROZEN") < 0);
out:
	live_free(&l);
}

TEST(histogram_and_filter)
{
	struct live l;

	if (!start(&l, 1U << KVMSTAT_SPAN_HANDLING | 1U << KVMSTAT_SPAN_GUEST))
		goto out;
	key(&l, TERM_KEY_DOWN);	/* second row by count: IRQ */
	key(&l, 'h');
	ASSERT_TRUE(find(&l, " IRQ  handling histogram") > 0);
	key(&l, 't');		/* the guest span: the fixtures time none */
	ASSERT_TRUE(find(&l, "guest time") == 0 && find(&l, "no guest time measured") > 0);
	key(&l, 't');
	key(&l, 'h');
	ASSERT_EQ(find(&l, "histogram"), -1);
	key(&l, 'f');		/* all, VM 100, its vCPU 0, vCPU 1, VM 200, its vCPU 0 */
	ASSERT_TRUE(find(&l, "Filter:") == 0 && find(&l, ">   vCPU") < 0);
	key(&l, 'j');
	key(&l, 'j');
	key(&l, 'j');
	ASSERT_TRUE(find(&l, ">   vCPU 1 thread 102") > 0);
	key(&l, '\r');
	ASSERT_TRUE(find(&l, "HVC64 ") > 0 && find(&l, "IRQ ") < 0 && find(&l, "DABT_LOW") < 0);
	ASSERT_TRUE(find(&l, "f:VM 100 vCPU 1") == 23);
	key(&l, 'F');
	ASSERT_TRUE(find(&l, "IRQ ") > 0 && find(&l, "f:all") == 23);
	key(&l, '?');
	ASSERT_TRUE(find(&l, "keys  (any key: back)") == 0);
	key(&l, 'x');
	ASSERT_EQ(find(&l, "any key: back"), -1);
	ASSERT_EQ(live_key(&l, 'q'), LIVE_QUIT);
out:
	live_free(&l);
}

TEST_MAIN(TEST_CASE(grouping_span_sort_and_cumulative),
	  TEST_CASE(freeze_keeps_the_frame_while_counting_goes_on), TEST_CASE(histogram_and_filter))
