// SPDX-License-Identifier: GPL-2.0
/* Interval deltas of cumulative counts. */
#include <string.h>
#include "model/snapshot.h"
#include "fixtures.h"
#include "test.h"

TEST(delta_min_max_bound_the_interval)
{
	struct kvmstat_span_stats p = {}, c, d;

	/* Before: 2 intervals of 100 and 5000 ns. After: plus 2 of 1000 and 1100 ns. */
	p.count = 2; p.sum_ns = 5100; p.min_ns = 100; p.max_ns = 5000;
	p.hist[4 * 5 + 2] = 1;		/* 100 = 64 + 2*16: octave 6, sub-bucket 2 */
	p.hist[4 * 11 + 1] = 1;		/* 5000 = 4096 + 1*1024 (+...) */
	c = p;
	c.count = 4; c.sum_ns = 7200;
	c.hist[4 * 8 + 3] = 2;		/* 1000 and 1100 in [896, 1024) and [1024, ...)? see below */
	span_delta(&p, &c, &d);
	/* Cumulative extremes did not move: bounded by the interval's own bucket [896, 1024). */
	ASSERT_EQ(d.min_ns, 896);
	ASSERT_EQ(d.max_ns, 1023);
	ASSERT_EQ(d.count, 2);
	ASSERT_EQ(d.sum_ns, 2100);
	/* A moved extreme happened in the interval: exact. */
	c.max_ns = 6000;
	span_delta(&p, &c, &d);
	ASSERT_EQ(d.max_ns, 6000);
}

/* The sample of key (vm, tid, class) in s, NULL if none. */
static const struct sample *find(const struct snapshot *s, __u32 vm, __u32 tid, __u64 class)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->samples[i].key.vm == vm && s->samples[i].key.tid == tid &&
		    s->samples[i].key.class == class)
			return &s->samples[i];
	return NULL;
}

TEST(accumulate_merges_equal_keys_and_adds_new_ones)
{
	struct snapshot total, a, b;
	const struct sample *x;

	snapshot_init(&total, KVMSTAT_ARCH_UNKNOWN);
	snapshot_init(&a, KVMSTAT_ARCH_ARM64);
	snapshot_init(&b, KVMSTAT_ARCH_ARM64);
	a.start_mono_ns = 10, a.end_mono_ns = 20, a.drops[KVMSTAT_DROP_INFLIGHT] = 1;
	add(&a, 200, 0, 201, IRQ, 0, 5, 1000);
	add(&a, 100, 0, 101, HVC64, 0, 3, 100);
	b.start_mono_ns = 20, b.end_mono_ns = 30, b.drops[KVMSTAT_DROP_INFLIGHT] = 2;
	add(&b, 100, 0, 101, HVC64, 0, 4, 200);
	add(&b, 150, 0, 151, IRQ, 0, 1, 50);
	add(&b, 150, 0, 151, IRQ, 0, 2, 60);	/* twice in one snapshot: one key in the total */
	ASSERT_EQ(snapshot_accumulate(&total, &a), 0);
	ASSERT_EQ(snapshot_accumulate(&total, &b), 0);
	ASSERT_EQ(total.nr, 3);
	ASSERT_EQ(total.arch, KVMSTAT_ARCH_ARM64);
	ASSERT_EQ(total.start_mono_ns, 10);
	ASSERT_EQ(total.end_mono_ns, 30);
	ASSERT_EQ(total.drops[KVMSTAT_DROP_INFLIGHT], 3);
	x = find(&total, 100, 101, HVC64);
	ASSERT_TRUE(x && x->val.exits == 7 && x->val.span[0].sum_ns == 3 * 100 + 4 * 200 &&
		    x->val.span[0].min_ns == 100 && x->val.span[0].max_ns == 200);
	x = find(&total, 150, 151, IRQ);
	ASSERT_TRUE(x && x->val.exits == 3 && x->val.span[0].count == 3);
	ASSERT_TRUE(key_cmp(&total.samples[0].key, &total.samples[1].key) < 0 &&
		    key_cmp(&total.samples[1].key, &total.samples[2].key) < 0);
	snapshot_free(&total);
	snapshot_free(&a);
	snapshot_free(&b);
}

TEST(copy_is_equal_and_apart)
{
	struct snapshot a, c;

	snapshot_init(&a, KVMSTAT_ARCH_RISCV);
	snapshot_init(&c, KVMSTAT_ARCH_UNKNOWN);
	a.end_mono_ns = 5;
	add(&a, 100, 0, 101, HVC64, 0, 3, 100);
	ASSERT_EQ(snapshot_copy(&c, &a), 0);
	ASSERT_TRUE(c.nr == 1 && c.arch == KVMSTAT_ARCH_RISCV && c.end_mono_ns == 5 &&
		    c.samples != a.samples && !memcmp(c.samples, a.samples, sizeof(*a.samples)));
	snapshot_free(&a);
	snapshot_free(&c);
}

TEST_MAIN(TEST_CASE(delta_min_max_bound_the_interval),
	  TEST_CASE(accumulate_merges_equal_keys_and_adds_new_ones), TEST_CASE(copy_is_equal_and_apart))
