// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the stats reader on stats arrays in plain memory, written as the BPF side does. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "loader/stats_reader.h"
#include "model/hist.h"
#include "test.h"

#define SLOTS 8
#define BOTH_SPANS ((1U << KVMSTAT_SPAN_HANDLING) | (1U << KVMSTAT_SPAN_GUEST))

#include "fake_source.h"

static struct kvmstat_value *value_of(struct fake *f, __u32 slot)
{
	return (void *)(f->values + slot * f->src.stride);
}

/* A slot handed out (stats_used) whose key is not written yet: tid still 0. */
static void hand_out(struct fake *f, __u32 slot)
{
	if (f->used < slot + 1)
		f->used = slot + 1;
}

static void publish(struct fake *f, __u32 slot, __u32 vcpu)
{
	hand_out(f, slot);
	f->keys[slot] = (struct kvmstat_key){ .class = 0x24, .vm = 100, .vcpu = vcpu, .tid = 1000 + slot };
}

static void span_add(struct kvmstat_span_stats *s, __u64 ns)
{
	unsigned int b = 0;

	while (b + 1 < KVMSTAT_HIST_BUCKETS && hist_bucket_hi(b) <= ns)
		b++;
	if (!s->count || ns < s->min_ns)
		s->min_ns = ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	s->count++;
	s->sum_ns += ns;
	s->hist[b]++;
}

/* One exit of the slot's key, every enabled span measuring ns (packed, as the BPF side). */
static void exit_once(struct fake *f, __u32 slot, __u64 ns)
{
	struct kvmstat_value *v = value_of(f, slot);
	unsigned int i;

	v->exits++;
	for (i = 0; i < (unsigned int)__builtin_popcount(f->src.spans); i++)
		span_add(&v->span[i], ns);
}

static const struct sample *find(const struct snapshot *s, __u32 slot)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->samples[i].key.tid == 1000 + slot)
			return &s->samples[i];
	return NULL;
}

static __u64 exits_of(const struct snapshot *s, __u32 slot)
{
	const struct sample *smp = find(s, slot);

	return smp ? smp->val.exits : 0;
}

TEST(baseline_is_in_no_interval_and_not_since_start)
{
	struct fake f;
	struct stats_reader r;
	struct snapshot since, counts;

	fake_init(&f, BOTH_SPANS);
	publish(&f, 0, 0);
	exit_once(&f, 0, 100);
	exit_once(&f, 0, 100);
	f.drops[KVMSTAT_DROP_UNPAIRED] = 5;
	if (!ASSERT_EQ(stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, NULL), 0))
		return;
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(r.interval.nr, 0);
	exit_once(&f, 0, 300);
	f.drops[KVMSTAT_DROP_UNPAIRED] = 8;
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(exits_of(&r.interval, 0), 1);
	ASSERT_EQ(r.interval.samples[0].val.span[KVMSTAT_SPAN_GUEST].max_ns, 300);	/* moved: exact */
	ASSERT_EQ(r.interval.drops[KVMSTAT_DROP_UNPAIRED], 3);
	ASSERT_EQ(stats_reader_since_start(&r, &since), 0);
	ASSERT_EQ(exits_of(&since, 0), 1);
	ASSERT_EQ(since.drops[KVMSTAT_DROP_UNPAIRED], 3);
	ASSERT_EQ(stats_reader_counts(&r, &counts), 0);
	ASSERT_EQ(exits_of(&counts, 0), 3);	/* counters since load, for Prometheus */
	ASSERT_EQ(counts.samples[0].val.span[KVMSTAT_SPAN_HANDLING].min_ns, 100);
	ASSERT_EQ(counts.drops[KVMSTAT_DROP_UNPAIRED], 8);
	snapshot_free(&since);
	snapshot_free(&counts);
	stats_reader_free(&r);
	free(f.values);
}

TEST(idle_slots_skipped_and_a_span_alone_seen)
{
	struct fake f;
	struct stats_reader r;
	const struct sample *s2;
	__u32 slot;

	fake_init(&f, BOTH_SPANS);
	for (slot = 0; slot < 3; slot++) {
		publish(&f, slot, slot);
		exit_once(&f, slot, 1000);
	}
	stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, NULL);
	ASSERT_EQ(stats_reader_update(&r), 0);
	value_of(&f, 1)->exits++;					/* an exit, its spans pending */
	span_add(&value_of(&f, 2)->span[0], 5000);			/* a span alone: exits unchanged */
	ASSERT_EQ(stats_reader_update(&r), 0);
	if (!ASSERT_EQ(r.interval.nr, 2))
		return;
	ASSERT_TRUE(!find(&r.interval, 0));
	ASSERT_EQ(exits_of(&r.interval, 1), 1);
	s2 = find(&r.interval, 2);
	if (!ASSERT_TRUE(s2))
		return;
	ASSERT_EQ(s2->val.exits, 0);
	ASSERT_EQ(s2->val.span[KVMSTAT_SPAN_HANDLING].count, 1);
	ASSERT_EQ(s2->val.span[KVMSTAT_SPAN_HANDLING].sum_ns, 5000);
	stats_reader_free(&r);
	free(f.values);
}

/* Counts are the test of a change: a write caught half done (sum before count) waits for its count. */
TEST(half_written_slot_waits_for_its_count)
{
	struct fake f;
	struct stats_reader r;
	struct kvmstat_value *v;

	fake_init(&f, 1U << KVMSTAT_SPAN_HANDLING);
	publish(&f, 0, 0);
	stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, NULL);
	ASSERT_EQ(stats_reader_update(&r), 0);
	v = value_of(&f, 0);
	v->exits = 1;
	v->span[0].sum_ns = 700;	/* count not yet */
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(exits_of(&r.interval, 0), 1);
	ASSERT_EQ(r.interval.samples[0].val.span[KVMSTAT_SPAN_HANDLING].count, 0);
	v->span[0].sum_ns = 900;	/* more of the same half-done write: counts unchanged */
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(r.interval.nr, 0);
	v->span[0].count = 1;		/* the write completes */
	v->span[0].min_ns = v->span[0].max_ns = 200;
	v->span[0].hist[7] = 1;
	ASSERT_EQ(stats_reader_update(&r), 0);
	if (!ASSERT_EQ(r.interval.nr, 1))
		return;
	/* what the skipped read saw is not lost: diffed against the value last copied */
	ASSERT_EQ(r.interval.samples[0].val.span[KVMSTAT_SPAN_HANDLING].sum_ns, 200);
	ASSERT_EQ(r.interval.samples[0].val.span[KVMSTAT_SPAN_HANDLING].count, 1);
	stats_reader_free(&r);
	free(f.values);
}

TEST(unpublished_slot_skipped)
{
	struct fake f;
	struct stats_reader r;

	fake_init(&f, BOTH_SPANS);
	publish(&f, 0, 0);
	hand_out(&f, 1);		/* taken, key not written yet */
	publish(&f, 2, 2);
	exit_once(&f, 0, 10);
	stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, NULL);
	ASSERT_EQ(stats_reader_update(&r), 0);
	exit_once(&f, 0, 10);
	exit_once(&f, 2, 10);
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(r.nr_slots, 3);
	ASSERT_EQ(r.interval.nr, 2);
	ASSERT_EQ(exits_of(&r.interval, 0), 1);
	ASSERT_EQ(exits_of(&r.interval, 2), 1);
	publish(&f, 1, 1);
	exit_once(&f, 1, 10);
	f.used = 1000;			/* the map full: stats_used runs past it */
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(r.nr_slots, SLOTS);
	ASSERT_EQ(r.interval.nr, 1);
	ASSERT_EQ(exits_of(&r.interval, 1), 1);
	stats_reader_free(&r);
	free(f.values);
}

/* A key of thread tid (VM 100) in slot, as the BPF side publishes it. */
static void publish_key(struct fake *f, __u32 slot, __u32 tid, __u64 class)
{
	hand_out(f, slot);
	f->keys[slot] = (struct kvmstat_key){ .class = class, .vm = 100, .vcpu = 0, .tid = tid };
}

static void end_thread(struct fake *f, __u32 tid)
{
	f->ended[f->nr_ended++] = (__u64)100 << 32 | tid;
}

/* Exits of (tid, class) in s, 0 if absent. */
static __u64 exits_of_key(const struct snapshot *s, __u32 vm, __u32 tid, __u64 class)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->samples[i].key.vm == vm && s->samples[i].key.tid == tid &&
		    s->samples[i].key.class == class)
			n += s->samples[i].val.exits;
	return n;
}

/*
 * Thread 7 (slots 0 and 1) ends after one more exit: that exit is in the interval
 * of the read that learns of its end, its slots go back, its keys stay in the totals.
 * A new thread takes slot 0: its counts start from nothing.
 */
TEST(ended_thread_last_delta_reported_slots_freed)
{
	struct fake f;
	struct stats_reader r;
	struct snapshot since, counts;

	fake_init(&f, BOTH_SPANS);
	publish_key(&f, 0, 7, 0x24);
	publish_key(&f, 1, 7, 0x16);
	publish_key(&f, 2, 8, 0x24);
	exit_once(&f, 0, 10);		/* before the baseline */
	stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, NULL);
	ASSERT_EQ(stats_reader_update(&r), 0);
	exit_once(&f, 0, 10);
	exit_once(&f, 1, 10);
	exit_once(&f, 2, 10);
	ASSERT_EQ(stats_reader_update(&r), 0);
	exit_once(&f, 1, 10);		/* thread 7's last */
	end_thread(&f, 7);
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(exits_of_key(&r.interval, 100, 7, 0x16), 1);
	if (ASSERT_EQ(f.nr_freed, 2)) {
		ASSERT_EQ(f.freed[0], 0);
		ASSERT_EQ(f.freed[1], 1);
	}
	ASSERT_EQ(r.ended.nr, 2);
	publish_key(&f, 0, 9, 0x18);	/* the kernel takes the freed slot */
	exit_once(&f, 0, 10);
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(r.interval.nr, 1);
	ASSERT_EQ(exits_of_key(&r.interval, 100, 9, 0x18), 1);
	ASSERT_EQ(stats_reader_since_start(&r, &since), 0);
	ASSERT_EQ(exits_of_key(&since, 100, 7, 0x24), 1);	/* less the baseline's */
	ASSERT_EQ(exits_of_key(&since, 100, 7, 0x16), 2);
	ASSERT_EQ(exits_of_key(&since, 100, 8, 0x24), 1);
	ASSERT_EQ(exits_of_key(&since, 100, 9, 0x18), 1);
	ASSERT_EQ(stats_reader_counts(&r, &counts), 0);
	ASSERT_EQ(exits_of_key(&counts, 100, 7, 0x24), 2);	/* since load: counters only grow */
	ASSERT_EQ(exits_of_key(&counts, 100, 9, 0x18), 1);
	snapshot_free(&since);
	snapshot_free(&counts);
	stats_reader_free(&r);
	free(f.values);
}

/*
 * Threads coming and going through 2 slots, many more keys than slots: every
 * interval sums to the totals, and past --keep-ended the oldest keys fold into
 * VM 0 with their exits.
 */
TEST(ended_keys_fold_past_the_cap_totals_exact)
{
	struct fake f;
	struct stats_reader r;
	struct snapshot since;
	__u64 want[2] = {}, seen = 0, folded, kept;
	__u32 tid;
	size_t i;

	fake_init(&f, BOTH_SPANS);
	stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, NULL);
	r.ended.cap = 3;
	ASSERT_EQ(stats_reader_update(&r), 0);
	for (tid = 1; tid <= 20; tid++) {
		__u32 slot = f.nr_freed ? f.freed[--f.nr_freed] : tid - 1;	/* reused once free */

		publish_key(&f, slot, tid, 0x20 + tid % 2);
		for (i = 0; i < tid; i++)
			exit_once(&f, slot, 10 * i);
		want[tid % 2] += tid;
		ASSERT_EQ(stats_reader_update(&r), 0);
		end_thread(&f, tid);
		ASSERT_EQ(stats_reader_update(&r), 0);
		for (i = 0; i < r.interval.nr; i++)
			seen += r.interval.samples[i].val.exits;
	}
	ASSERT_EQ(f.used, 1);		/* one slot, taken again and again */
	ASSERT_EQ(seen, 0);		/* every exit was read before its thread ended */
	ASSERT_EQ(r.ended.nr, 3);
	ASSERT_EQ(r.ended.nr_ended, 20);
	ASSERT_EQ(stats_reader_since_start(&r, &since), 0);
	folded = exits_of_key(&since, 0, 0, 0x20) + exits_of_key(&since, 0, 0, 0x21);
	kept = exits_of_key(&since, 100, 18, 0x20) + exits_of_key(&since, 100, 19, 0x21) +
	       exits_of_key(&since, 100, 20, 0x20);
	ASSERT_EQ(kept, 18 + 19 + 20);
	ASSERT_EQ(folded + kept, want[0] + want[1]);
	ASSERT_EQ(exits_of_key(&since, 0, 0, 0x21), want[1] - 19);
	ASSERT_EQ(since.nr, 5);		/* 3 kept, 2 folded classes */
	snapshot_free(&since);
	stats_reader_free(&r);
	free(f.values);
}

TEST(intervals_sum_to_since_start)
{
	struct kvmstat_value sum[SLOTS] = {};
	struct fake f;
	struct stats_reader r;
	struct snapshot since;
	const struct sample *smp;
	__u64 x = 99, drops = 0;
	int round, i, s;
	__u32 slot;
	size_t k;

	fake_init(&f, BOTH_SPANS);
	publish(&f, 0, 0);
	exit_once(&f, 0, 5);		/* before the baseline */
	stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, NULL);
	ASSERT_EQ(stats_reader_update(&r), 0);
	for (round = 0; round < 30; round++) {
		for (i = 0; i < 20; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			slot = (x >> 33) % SLOTS;
			if (f.keys[slot].tid || slot == f.used) {	/* new keys in slot order */
				publish(&f, slot, slot % 3);
				exit_once(&f, slot, (x >> 40) % 100000);
			}
		}
		f.drops[KVMSTAT_DROP_INFLIGHT] += round % 3;
		ASSERT_EQ(stats_reader_update(&r), 0);
		drops += r.interval.drops[KVMSTAT_DROP_INFLIGHT];
		for (k = 0; k < r.interval.nr; k++)
			value_merge(&sum[r.interval.samples[k].key.tid - 1000], &r.interval.samples[k].val);
	}
	if (!ASSERT_EQ(stats_reader_since_start(&r, &since), 0))
		return;
	ASSERT_TRUE(since.nr > 4);
	ASSERT_EQ(since.drops[KVMSTAT_DROP_INFLIGHT], drops);
	for (k = 0; k < since.nr; k++) {
		smp = &since.samples[k];
		slot = smp->key.tid - 1000;
		ASSERT_EQ(smp->val.exits, sum[slot].exits);
		for (s = 0; s < KVMSTAT_NR_SPANS; s++) {
			ASSERT_EQ(smp->val.span[s].count, sum[slot].span[s].count);
			ASSERT_EQ(smp->val.span[s].sum_ns, sum[slot].span[s].sum_ns);
			ASSERT_TRUE(!memcmp(smp->val.span[s].hist, sum[slot].span[s].hist,
					    sizeof(sum[slot].span[s].hist)));
		}
	}
	snapshot_free(&since);
	stats_reader_free(&r);
	free(f.values);
}

TEST(filter_leaves_keys_out_of_every_snapshot)
{
	struct sample_filter only1 = { .nr_vcpus = 1, .vcpus = { 1 } };
	struct fake f;
	struct stats_reader r;
	struct snapshot since, counts;

	fake_init(&f, BOTH_SPANS);
	publish(&f, 0, 0);
	publish(&f, 1, 1);
	stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, &only1);
	ASSERT_EQ(stats_reader_update(&r), 0);
	exit_once(&f, 0, 10);
	exit_once(&f, 1, 10);
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(r.interval.nr, 1);
	ASSERT_EQ(exits_of(&r.interval, 1), 1);
	ASSERT_EQ(stats_reader_since_start(&r, &since), 0);
	ASSERT_EQ(since.nr, 1);
	ASSERT_EQ(stats_reader_counts(&r, &counts), 0);
	ASSERT_EQ(counts.nr, 1);
	snapshot_free(&since);
	snapshot_free(&counts);
	stats_reader_free(&r);
	free(f.values);
}

/* Guest alone: packed as span[0] of a 1064 B value, shown as span[GUEST]. */
TEST(packed_single_span_lands_in_its_span)
{
	struct fake f;
	struct stats_reader r;

	fake_init(&f, 1U << KVMSTAT_SPAN_GUEST);
	publish(&f, 0, 0);
	publish(&f, 1, 1);
	stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, NULL);
	ASSERT_EQ(stats_reader_update(&r), 0);
	exit_once(&f, 1, 4096);
	ASSERT_EQ(stats_reader_update(&r), 0);
	if (!ASSERT_EQ(r.interval.nr, 1))
		return;
	ASSERT_EQ(r.interval.samples[0].key.tid, 1001);	/* slot 1 found at its stride */
	ASSERT_EQ(r.interval.samples[0].val.span[KVMSTAT_SPAN_GUEST].count, 1);
	ASSERT_EQ(r.interval.samples[0].val.span[KVMSTAT_SPAN_GUEST].max_ns, 4096);
	ASSERT_EQ(r.interval.samples[0].val.span[KVMSTAT_SPAN_HANDLING].count, 0);
	stats_reader_free(&r);
	free(f.values);
}

/* Every bucket of s outside [bucket of min, bucket of max] is empty, and the buckets hold count. */
static bool holds_only_its_range(const struct kvmstat_span_stats *s)
{
	unsigned int b, first = 1, last = 0;
	__u64 sum = 0;

	hist_range(s, &first, &last);
	for (b = 0; b < KVMSTAT_HIST_BUCKETS; b++) {
		if (s->hist[b] && (b < first || b > last))
			return false;
		sum += s->hist[b];
	}
	return sum == s->count;
}

/*
 * The reader writes a changed slot's buckets only over their range, into a
 * buffer it keeps zero elsewhere: with other slots changing each read (so a
 * sample's place held another slot's buckets before), nothing is left over.
 */
TEST(interval_samples_hold_nothing_outside_their_range)
{
	struct fake f;
	struct stats_reader r;
	__u64 x = 7, ns;
	int round, i, s;
	__u32 slot;
	size_t k;

	fake_init(&f, 1U << KVMSTAT_SPAN_GUEST);
	for (slot = 0; slot < SLOTS; slot++)
		publish(&f, slot, slot);
	stats_reader_init(&r, &f.src, KVMSTAT_ARCH_RISCV, NULL);
	ASSERT_EQ(stats_reader_update(&r), 0);
	for (round = 0; round < 40; round++) {
		for (i = 0; i < 1 + round % 5; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			ns = 1ULL << ((x >> 40) % 34);		/* 1 ns .. 8 s: ranges far apart */
			exit_once(&f, (x >> 33) % SLOTS, ns + (x >> 20) % ns);
		}
		ASSERT_EQ(stats_reader_update(&r), 0);
		for (k = 0; k < r.interval.nr; k++)
			for (s = 0; s < KVMSTAT_NR_SPANS; s++)
				if (!ASSERT_TRUE(holds_only_its_range(&r.interval.samples[k].val.span[s])))
					goto out;
	}
out:
	stats_reader_free(&r);
	free(f.values);
}

/*
 * A thread already inside KVM_RUN at attach counts under an unknown vCPU in the kernel; the
 * host found its vCPU in /proc (thread_vcpus): every snapshot and the --vcpu filter see the
 * key with that vCPU, other unknown threads stay unknown.
 */
TEST(unknown_vcpu_named_by_the_host_table)
{
	struct thread_vcpus t = { 0 };
	struct sample_filter keep7 = { .nr_vcpus = 1, .vcpus = { 7 } };
	struct stats_reader r, rf;
	struct snapshot since;
	struct fake f;

	fake_init(&f, BOTH_SPANS);
	publish(&f, 0, KVMSTAT_VCPU_UNKNOWN);
	publish(&f, 1, KVMSTAT_VCPU_UNKNOWN);
	publish(&f, 2, 5);
	ASSERT_EQ(thread_vcpus_add(&t, 100, 1002, 6), 0);	/* a known key keeps its own */
	ASSERT_EQ(thread_vcpus_add(&t, 100, 1000, 7), 0);
	ASSERT_EQ(thread_vcpus_add(&t, 101, 1001, 8), 0);	/* another VM's thread 1001 */
	thread_vcpus_sort(&t);
	if (!ASSERT_EQ(stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, NULL), 0) ||
	    !ASSERT_EQ(stats_reader_init(&rf, &f.src, KVMSTAT_ARCH_ARM64, &keep7), 0))
		return;
	r.thread_vcpus = rf.thread_vcpus = &t;
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(stats_reader_update(&rf), 0);
	exit_once(&f, 0, 100);
	exit_once(&f, 1, 100);
	exit_once(&f, 2, 100);
	ASSERT_EQ(stats_reader_update(&r), 0);
	ASSERT_EQ(stats_reader_update(&rf), 0);
	ASSERT_EQ(r.interval.nr, 3);
	ASSERT_EQ(find(&r.interval, 0)->key.vcpu, 7);
	ASSERT_EQ(find(&r.interval, 1)->key.vcpu, KVMSTAT_VCPU_UNKNOWN);
	ASSERT_EQ(find(&r.interval, 2)->key.vcpu, 5);
	ASSERT_EQ(stats_reader_since_start(&r, &since), 0);
	ASSERT_EQ(find(&since, 0)->key.vcpu, 7);
	ASSERT_EQ(rf.interval.nr, 1);
	ASSERT_EQ(exits_of(&rf.interval, 0), 1);
	snapshot_free(&since);
	stats_reader_free(&r);
	stats_reader_free(&rf);
	thread_vcpus_free(&t);
	free(f.values);
}

TEST_MAIN(TEST_CASE(baseline_is_in_no_interval_and_not_since_start),
	  TEST_CASE(idle_slots_skipped_and_a_span_alone_seen),
	  TEST_CASE(half_written_slot_waits_for_its_count),
	  TEST_CASE(unpublished_slot_skipped),
	  TEST_CASE(ended_thread_last_delta_reported_slots_freed),
	  TEST_CASE(ended_keys_fold_past_the_cap_totals_exact),
	  TEST_CASE(intervals_sum_to_since_start),
	  TEST_CASE(filter_leaves_keys_out_of_every_snapshot),
	  TEST_CASE(packed_single_span_lands_in_its_span),
	  TEST_CASE(interval_samples_hold_nothing_outside_their_range),
	  TEST_CASE(unknown_vcpu_named_by_the_host_table))
