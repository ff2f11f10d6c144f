// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU threads coming and going, root, on the build machine's kernel: the test plays
 * rounds of threads (BPF_PROG_TEST_RUN with their pid_tgid) that make exits and end
 * (the sched_process_exit entry point), each round's threads on the previous round's
 * tids in new processes, far more keys over the run than the stats arrays hold. The
 * loader's reader, on the real maps, reads each round and frees the ended threads'
 * slots and names: no drop, every count exact per (VM, thread, class), the threads
 * map holding only threads that did not end yet.
 */
#include <stdlib.h>
#include "drive.h"
#include "loader/ended_threads.h"
#include "loader/stats_reader.h"

#define ROUNDS		40
#define THREADS		8	/* alive at once */
#define CLASSES		2	/* keys per thread: 16 alive at once, 640 over the run */
#define MAX_KEYS	32

static __u32 vm_of(int round)
{
	return 3000 + round;
}

static __u32 tid_of(int t)
{
	return 500 + t;	/* the same tids every round */
}

static __u64 exits_of(int round, int t, int c)
{
	return 1 + (round + 3 * t + 7 * c) % 5;
}

static int threads_in_map(void)
{
	int fd = bpf_map__fd(skel->maps.threads), n = 0;
	__u64 key, next, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

/* One round: its threads run side by side, then all end. */
static void play_round(int round)
{
	__u64 ts = 1000;
	int t, c;
	__u64 i;

	for (t = 0; t < THREADS; t++)
		entry_of(thread_id(vm_of(round), tid_of(t)), ts);
	for (c = 0; c < CLASSES; c++)
		for (t = 0; t < THREADS; t++)
			for (i = 0; i < exits_of(round, t, c); i++) {
				__u64 id = thread_id(vm_of(round), tid_of(t));

				class_exit_of(id, 0x40 + c, ts += 10);
				entry_of(id, ts += 5);
			}
	for (t = 0; t < THREADS; t++)
		thread_exit_of(thread_id(vm_of(round), tid_of(t)));
}

static __u64 exits_in(const struct snapshot *s, __u32 vm, __u32 tid, __u64 class)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->samples[i].key.vm == vm && s->samples[i].key.tid == tid &&
		    s->samples[i].key.class == class)
			n += s->samples[i].val.exits;
	return n;
}

static void check_totals(const struct stats_reader *r)
{
	struct snapshot since;
	int round, t, c, bad = 0;

	if (!ASSERT_EQ(stats_reader_since_start(r, &since), 0))
		return;
	ASSERT_EQ(since.nr, ROUNDS * THREADS * CLASSES);
	for (round = 0; round < ROUNDS; round++)
		for (t = 0; t < THREADS; t++)
			for (c = 0; c < CLASSES; c++)
				bad += exits_in(&since, vm_of(round), tid_of(t), 0x40 + c) !=
				       exits_of(round, t, c);
	ASSERT_EQ(bad, 0);
	snapshot_free(&since);
}

TEST(churn_reuses_slots_names_and_counts_exact)
{
	struct stats_source src;
	struct stats_reader r;
	const struct kvmstat_thread *name;
	int round, most = 0;

	test_max_threads = THREADS;
	if (!load_test_object_sized(0, MAX_KEYS))
		goto out;
	if (!ASSERT_EQ(stats_source_map(&src, skel, skel->rodata->targ_spans), 0))
		goto unload;
	if (!ASSERT_EQ(stats_reader_init(&r, &src, KVMSTAT_ARCH_ARM64, NULL), 0))
		goto unmap;
	ASSERT_EQ(stats_reader_update(&r), 0);
	for (round = 0; round < ROUNDS && !test_failed; round++) {
		play_round(round);
		if (threads_in_map() > most)
			most = threads_in_map();
		ASSERT_EQ(stats_reader_update(&r), 0);
		ASSERT_EQ(threads_in_map(), 0);	/* every ended thread's entry deleted */
	}
	ASSERT_EQ(most, THREADS);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_STATS_FULL), 0);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_THREADS_FULL), 0);
	ASSERT_EQ(skel->bss->dead_lost, 0);
	ASSERT_TRUE(skel->bss->stats_used <= THREADS * CLASSES);	/* freed slots taken again */
	ASSERT_EQ(r.ended.nr_ended, ROUNDS * THREADS * CLASSES);
	check_totals(&r);
	/* an ended thread of the first round is still named, by what the kernel recorded */
	name = ended_threads_find(src.ctx, vm_of(0), tid_of(3));
	ASSERT_TRUE(name && name->tgid == vm_of(0));
	stats_reader_free(&r);
unmap:
	stats_source_unmap(&src);
unload:
	unload();
out:
	test_max_threads = 0;
}

/* The same with the old store's behaviour of never freeing a slot: the arrays fill up. */
TEST(without_freeing_the_stats_arrays_fill)
{
	int round;

	test_max_threads = THREADS;
	if (!load_test_object_sized(0, MAX_KEYS))
		goto out;
	for (round = 0; round < ROUNDS && !test_failed; round++)
		play_round(round);	/* no reader: nothing is freed */
	ASSERT_TRUE(drop_count(KVMSTAT_DROP_STATS_FULL) > 0);
	unload();
out:
	test_max_threads = 0;
}

TEST_MAIN(TEST_CASE(churn_reuses_slots_names_and_counts_exact),
	  TEST_CASE(without_freeing_the_stats_arrays_fill))
