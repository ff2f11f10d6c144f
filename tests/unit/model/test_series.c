// SPDX-License-Identifier: GPL-2.0
/* A run over time: one column per interval, merged pairwise past the width, cells exact. */
#include <string.h>
#include "model/series.h"
#include "fixtures.h"
#include "test.h"

/* Interval i: vCPU thread 101 of VM 100 makes i + 1 HVC64 exits of (i + 1) us; IRQ only when i is even. */
static int add_interval(struct series *s, int i)
{
	struct snapshot snap;
	struct view v;
	int err;

	snapshot_init(&snap, KVMSTAT_ARCH_ARM64);
	snap.start_mono_ns = i * 1000000000ULL;
	snap.end_mono_ns = (i + 1) * 1000000000ULL;
	add(&snap, 100, 0, 101, HVC64, 0, i + 1, (i + 1) * 1000ULL);
	if (i % 2 == 0)
		add(&snap, 100, 0, 101, IRQ, 0, 1, 5);
	err = view_build(&v, &snap, GROUP_VCPU, 0) ?: series_add(s, &v);
	view_free(&v);
	snapshot_free(&snap);
	return err;
}

static const struct series_row *row_of(const struct series *s, __u64 class)
{
	size_t r;

	for (r = 0; r < s->nr_rows; r++)
		if (s->rows[r].key.class == class)
			return &s->rows[r];
	return NULL;
}

TEST(one_column_per_interval)
{
	struct series s;
	const struct series_row *hvc, *irq;
	struct kvmstat_span_stats sp;
	int i;

	series_init(&s, GROUP_CLASS, 1U << KVMSTAT_SPAN_HANDLING);
	for (i = 0; i < 5; i++)
		if (!ASSERT_EQ(add_interval(&s, i), 0))
			goto out;
	ASSERT_EQ(s.nr_columns, 5);
	ASSERT_EQ(s.nr_intervals, 5);
	ASSERT_EQ(s.nr_rows, 2);
	hvc = row_of(&s, HVC64);
	irq = row_of(&s, IRQ);
	if (!ASSERT_TRUE(hvc && irq))
		goto out;
	ASSERT_EQ(hvc->key.vm, 0);	/* by class: the group of all VMs */
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(hvc->cells[i].exits, i + 1);
		ASSERT_EQ(irq->cells[i].exits, i % 2 == 0);
		series_span_expand(&hvc->cells[i].span[KVMSTAT_SPAN_HANDLING], &sp);
		ASSERT_EQ(sp.hist[hist_bucket_of((i + 1) * 1000ULL)], i + 1);
		ASSERT_EQ(sp.min_ns, (i + 1) * 1000ULL);
		ASSERT_EQ(s.columns[i].start_mono_ns, i * 1000000000ULL);
		ASSERT_EQ(s.columns[i].intervals, 1);
	}
	ASSERT_EQ(hvc->total.exits, 15);
	/* the guest span was not asked for: no buckets kept */
	ASSERT_EQ(hvc->cells[0].span[KVMSTAT_SPAN_GUEST].nr, 0);
out:
	series_free(&s);
}

TEST(columns_merge_pairwise_past_the_width)
{
	int i, n = SERIES_MAX_COLUMNS * 2 + 3;	/* two halvings: 4 lines per column */
	const struct series_row *hvc;
	struct kvmstat_span_stats sp;
	__u64 exits, want;
	struct series s;
	size_t c;

	series_init(&s, GROUP_VCPU, 1U << KVMSTAT_SPAN_HANDLING);
	for (i = 0; i < n; i++)
		if (!ASSERT_EQ(add_interval(&s, i), 0))
			goto out;
	ASSERT_EQ(s.per_column, 4);
	ASSERT_EQ(s.nr_columns, (n + 3) / 4);
	ASSERT_TRUE(s.nr_columns <= SERIES_MAX_COLUMNS);
	hvc = row_of(&s, HVC64);
	if (!ASSERT_TRUE(hvc) || !ASSERT_EQ(hvc->key.tid, 101))
		goto out;
	for (c = 0, exits = 0; c < s.nr_columns; c++) {
		/* column c: lines 4c .. 4c+3, which made 4c+1 .. 4c+4 exits */
		want = 0;
		for (i = 4 * c; i < n && i < (int)(4 * c + 4); i++)
			want += i + 1;
		if (!ASSERT_EQ(hvc->cells[c].exits, want))
			break;
		series_span_expand(&hvc->cells[c].span[KVMSTAT_SPAN_HANDLING], &sp);
		ASSERT_EQ(sp.count, want);
		ASSERT_EQ(sp.min_ns, (4 * c + 1) * 1000ULL);
		ASSERT_EQ(s.columns[c].start_mono_ns, 4 * c * 1000000000ULL);
		exits += hvc->cells[c].exits;
	}
	ASSERT_EQ(exits, (__u64)n * (n + 1) / 2);
	ASSERT_EQ(s.columns[s.nr_columns - 1].intervals, n % 4 ? n % 4 : 4);
out:
	series_free(&s);
}

TEST_MAIN(TEST_CASE(one_column_per_interval), TEST_CASE(columns_merge_pairwise_past_the_width))
