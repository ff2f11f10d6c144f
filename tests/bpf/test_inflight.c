// SPDX-License-Identifier: GPL-2.0
/*
 * The pending-exit store, root, on the build machine's kernel, through
 * BPF_PROG_TEST_RUN: the test plays many vCPU threads by pid_tgid, with tids
 * that collide in the store's array, threads that end (sched_process_exit) and
 * tids that come back in other processes. Exact counts and handling times per
 * thread, drops only past --max-threads, and the ended threads reported to the
 * loader. The old direct-mapped store is run through the same collisions to show
 * they are real collisions (it loses exits there).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include "drive.h"

#define SLOTS		16384	/* the default array: loader_direct_slots(8192) */
#define VM_A		1000
#define VM_B		2000

/* Tids equal modulo every power of two up to SLOTS: the same home slot in each. */
#define TID		300
#define TID_ALIAS	(TID + SLOTS)

static const enum kvmstat_store exact_stores[] = {
	KVMSTAT_STORE_OVERFLOW, KVMSTAT_STORE_PROBE, KVMSTAT_STORE_HASH,
};
#define NR_EXACT (sizeof(exact_stores) / sizeof(exact_stores[0]))

static const char *store_name(enum kvmstat_store s)
{
	static const char *const names[] = { "overflow", "direct", "probe", "hash", "task" };

	return s < KVMSTAT_NR_STORES ? names[s] : "?";
}

/* Exits of class cls of thread id, and the sum of their handling times. */
static bool expect_class(__u64 id, __u64 cls, __u64 exits, __u64 handling_ns)
{
	struct kvmstat_value v;

	if (!lookup_of(id, cls, 0, &v)) {
		if (exits)
			printf("  %s: no key for thread %llx class %llx\n", store_name(test_store),
		       (unsigned long long)id, (unsigned long long)cls);
		return ASSERT_TRUE(exits == 0);
	}
	return ASSERT_EQ(v.exits, exits) &&
	       ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].sum_ns, handling_ns);
}

static bool no_drops(void)
{
	return ASSERT_EQ(drop_count(KVMSTAT_DROP_INFLIGHT), 0) &&
	       ASSERT_EQ(drop_count(KVMSTAT_DROP_THREADS_FULL), 0) &&
	       ASSERT_EQ(drop_count(KVMSTAT_DROP_STATS_FULL), 0);
}

/*
 * Two threads whose tids share a home slot, their exits and entries interleaved:
 * each pending exit must survive the other thread's events.
 */
static void interleave_colliding(__u64 a, __u64 b, int rounds)
{
	__u64 ts = 1000;
	int r;

	entry_of(a, ts);
	entry_of(b, ts);
	for (r = 0; r < rounds; r++) {
		class_exit_of(a, 10, ts += 100);
		class_exit_of(b, 20, ts += 100);
		entry_of(a, ts += 7);	/* a's exit handled in 107 ns */
		entry_of(b, ts += 11);	/* b's in 18 */
	}
}

static void colliding_threads_exact_with(enum kvmstat_store store)
{
	__u64 a = thread_id(VM_A, TID), b = thread_id(VM_B, TID_ALIAS);

	test_store = store;
	if (!load_test_object())
		goto out;
	interleave_colliding(a, b, 50);
	if (expect_class(a, 10, 50, 50 * 107) && expect_class(b, 20, 50, 50 * 18))
		no_drops();
	ASSERT_EQ(drop_count(KVMSTAT_DROP_UNPAIRED), 2);	/* the two first entries */
	unload();
out:
	test_store = KVMSTAT_STORE_OVERFLOW;
}

TEST(colliding_threads_exact)
{
	size_t i;

	for (i = 0; i < NR_EXACT && !test_failed; i++)
		colliding_threads_exact_with(exact_stores[i]);
}

/* The old store in the same sequence: the collision is real, and it lost exits. */
TEST(direct_store_loses_colliding_exits)
{
	__u64 a = thread_id(VM_A, TID), b = thread_id(VM_B, TID_ALIAS);
	struct kvmstat_value v;

	test_store = KVMSTAT_STORE_DIRECT;
	if (load_test_object()) {
		interleave_colliding(a, b, 50);
		ASSERT_TRUE(drop_count(KVMSTAT_DROP_INFLIGHT) > 0);
		ASSERT_TRUE(!lookup_of(a, 10, 0, &v) || v.exits < 50);
		unload();
	}
	test_store = KVMSTAT_STORE_OVERFLOW;
}

/* Pops every ended thread the kernel reported, in order; returns how many (at most max). */
static int pop_dead(__u64 *ids, int max)
{
	int fd = bpf_map__fd(skel->maps.dead_threads), n = 0;
	__u64 id;

	while (!bpf_map_lookup_and_delete_elem(fd, NULL, &id))
		if (n < max)
			ids[n++] = id;
	return n;
}

/*
 * The shipped store's overflow: b comes while a holds the shared slot, so b's state
 * is in the hash. a ends: b keeps its pending exit; c, new, takes the freed slot
 * while b stays where it is. Every ended thread that had state is reported once.
 */
TEST(overflow_thread_keeps_state_when_slot_holder_ends)
{
	__u64 a = thread_id(VM_A, TID), b = thread_id(VM_B, TID_ALIAS);
	__u64 c = thread_id(VM_B + 1, TID + 2 * SLOTS), never = thread_id(77, 77), dead[8];

	if (!load_test_object())
		return;
	entry_of(a, 100);
	entry_of(b, 100);
	class_exit_of(b, 30, 200);	/* pending while a ends */
	class_exit_of(a, 10, 210);
	entry_of(a, 215);
	thread_exit_of(a);
	thread_exit_of(never);		/* no state: not reported */
	entry_of(c, 300);
	class_exit_of(c, 40, 400);
	entry_of(b, 500);		/* b's exit handled in 300 ns */
	entry_of(c, 450);
	class_exit_of(b, 30, 600);
	entry_of(b, 650);
	thread_exit_of(b);
	thread_exit_of(c);
	expect_class(a, 10, 1, 5);
	expect_class(b, 30, 2, 300 + 50);
	expect_class(c, 40, 1, 50);
	no_drops();
	if (ASSERT_EQ(pop_dead(dead, 8), 3)) {
		ASSERT_EQ(dead[0], a);
		ASSERT_EQ(dead[1], b);
		ASSERT_EQ(dead[2], c);
	}
	ASSERT_EQ(skel->bss->dead_lost, 0);
	unload();
}

/*
 * A thread ends with an exit pending; its tid comes back in another process, then
 * (pid wrap) in the same one. Neither new thread inherits the pending exit: their
 * first entries pair with nothing, and the old thread's exit is never accounted
 * under them. Names are kept per pid_tgid, one entry each.
 */
static void reused_tid_starts_fresh_with(enum kvmstat_store store)
{
	__u64 old = thread_id(VM_A, TID), other = thread_id(VM_B, TID);
	struct kvmstat_thread t;
	struct kvmstat_value v;

	test_store = store;
	if (!load_test_object())
		goto out;
	entry_of(old, 100);
	class_exit_of(old, 10, 200);	/* never entered again */
	thread_exit_of(old);
	entry_of(other, 300);		/* a new thread: nothing pending */
	class_exit_of(other, 20, 400);
	entry_of(other, 420);
	thread_exit_of(other);
	entry_of(old, 500);		/* the same pid_tgid again, a new thread */
	class_exit_of(old, 20, 600);
	entry_of(old, 630);
	ASSERT_TRUE(!lookup_of(old, 10, 0, &v));	/* the lost exit was never entered */
	expect_class(other, 20, 1, 20);
	expect_class(old, 20, 1, 30);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_UNPAIRED), 3);
	no_drops();
	ASSERT_EQ(bpf_map__lookup_elem(skel->maps.threads, &other, sizeof(other), &t, sizeof(t), 0), 0);
	ASSERT_EQ(t.tgid, VM_B);
	ASSERT_EQ(bpf_map__lookup_elem(skel->maps.threads, &old, sizeof(old), &t, sizeof(t), 0), 0);
	ASSERT_EQ(t.tgid, VM_A);
	unload();
out:
	test_store = KVMSTAT_STORE_OVERFLOW;
}

TEST(reused_tid_starts_fresh)
{
	size_t i;

	for (i = 0; i < NR_EXACT && !test_failed; i++)
		reused_tid_starts_fresh_with(exact_stores[i]);
}

/*
 * --max-threads 4 (array of 8): six threads with the same home slot. The shipped
 * store holds one in the slot and four in the hash; the sixth is past the stated
 * capacity and each of its events is counted. When one ends, there is room again.
 */
TEST(max_threads_exceeded_counted_then_freed)
{
	__u64 ids[6], ts = 1000;
	int i;

	test_max_threads = 4;
	if (!load_test_object())
		goto out;
	for (i = 0; i < 6; i++)
		ids[i] = thread_id(VM_A + i, 7 + 8 * i);	/* all equal modulo 8 */
	for (i = 0; i < 6; i++) {
		class_exit_of(ids[i], 50, ts += 10);
		entry_of(ids[i], ts += 10);
	}
	ASSERT_EQ(drop_count(KVMSTAT_DROP_THREADS_FULL), 2);	/* ids[5]'s exit and entry */
	for (i = 0; i < 5; i++)
		expect_class(ids[i], 50, 1, 10);
	expect_class(ids[5], 50, 0, 0);
	thread_exit_of(ids[2]);		/* a hashed one */
	class_exit_of(ids[5], 50, ts += 10);
	entry_of(ids[5], ts += 10);
	expect_class(ids[5], 50, 1, 10);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_THREADS_FULL), 2);
	unload();
out:
	test_max_threads = 0;
}

/*
 * The same under open addressing: KVMSTAT_PROBES threads fit in one home's window,
 * the next is counted; its capacity is per window, not --max-threads.
 */
TEST(probe_window_full_counted)
{
	__u64 ids[KVMSTAT_PROBES + 1], ts = 1000;
	int i;

	test_store = KVMSTAT_STORE_PROBE;
	if (!load_test_object())
		goto out;
	for (i = 0; i <= KVMSTAT_PROBES; i++) {
		ids[i] = thread_id(VM_A, TID + SLOTS * i);
		class_exit_of(ids[i], 60, ts += 10);
		entry_of(ids[i], ts += 10);
	}
	for (i = 0; i < KVMSTAT_PROBES; i++)
		expect_class(ids[i], 60, 1, 10);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_THREADS_FULL), 2);
	unload();
out:
	test_store = KVMSTAT_STORE_OVERFLOW;
}

/* --- two CPUs at once ------------------------------------------------------ */

#define RACE_ROUNDS	200
#define RACE_PAIRS	40

struct racer {
	int cpu;
	__u32 tgid, tid_base;
	__u64 cls;
	pthread_barrier_t *start;
	bool ok;
};

/* Per round, a new thread (fresh pid_tgid) on this CPU, born at once with the other's. */
static void *race(void *arg)
{
	struct racer *r = arg;
	cpu_set_t set;
	__u64 ts = 1000;
	int round, i;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	r->ok = !pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (round = 0; round < RACE_ROUNDS && r->ok; round++) {
		__u64 id = thread_id(r->tgid, r->tid_base + round);

		pthread_barrier_wait(r->start);
		for (i = 0; i < RACE_PAIRS && r->ok; i++) {
			r->ok = class_exit_of(id, r->cls, ts += 100);
			r->ok = r->ok && entry_of(id, ts += 3);
		}
		r->ok = r->ok && thread_exit_of(id);
	}
	return NULL;
}

/*
 * Two threads on CPU 0 and 1, per round two new colliding vCPU threads, one on each,
 * claiming the same home slot at the same moment and then running side by side:
 * per thread every exit is there, with its own handling time.
 */
static void two_cpus_with(enum kvmstat_store store)
{
	pthread_barrier_t start;
	struct racer r[2] = {
		{ .cpu = 0, .tgid = VM_A, .tid_base = TID, .cls = 70, .start = &start },
		{ .cpu = 1, .tgid = VM_B, .tid_base = TID_ALIAS, .cls = 80, .start = &start },
	};
	pthread_t t[2];
	int i, round;

	test_store = store;
	if (!load_test_object())
		goto out;
	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, race, &r[i]);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	if (ASSERT_TRUE(r[0].ok && r[1].ok))
		for (round = 0; round < RACE_ROUNDS && !test_failed; round++)
			for (i = 0; i < 2 && !test_failed; i++)
				expect_class(thread_id(r[i].tgid, r[i].tid_base + round), r[i].cls,
					     RACE_PAIRS, RACE_PAIRS * 3);
	no_drops();
	unload();
out:
	test_store = KVMSTAT_STORE_OVERFLOW;
}

TEST(colliding_threads_on_two_cpus_exact)
{
	size_t i;

	if (libbpf_num_possible_cpus() < 2)
		TEST_SKIP("needs two CPUs");
	for (i = 0; i < NR_EXACT && !test_failed; i++)
		two_cpus_with(exact_stores[i]);
}

/* --- the attached hook ------------------------------------------------------- */

static void *exit_with_state(void *arg)
{
	__u64 *id = arg;

	*id = self_id();
	class_exit_of(0, 90, 100);	/* state for this thread, then it ends */
	return NULL;
}

static void *exit_without_state(void *arg)
{
	(void)arg;
	return NULL;
}

/*
 * The real sched_process_exit hook, attached: a thread that got state frees its slot
 * when it ends and is reported; a thread that had none (like every other thread
 * ending on this host meanwhile) is not.
 */
TEST(attached_exit_hook_frees_and_reports)
{
	struct bpf_link *link = NULL;
	__u64 id = 0, dead[4];
	char slot[KVMSTAT_INFLIGHT_SIZE];
	__u32 idx;
	pthread_t t;

	skel = open_test_object();
	if (!ASSERT_TRUE(skel))
		return;
	bpf_program__set_autoload(skel->progs.thread_exit_btf, true);
	if (!ASSERT_EQ(kvmstat_bpf__load(skel), 0))
		goto out;
	link = bpf_program__attach(skel->progs.thread_exit_btf);
	if (!ASSERT_TRUE(link))
		goto out;
	pthread_create(&t, NULL, exit_without_state, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, exit_with_state, &id);
	pthread_join(t, NULL);
	if (ASSERT_EQ(pop_dead(dead, 4), 1))
		ASSERT_EQ(dead[0], id);
	idx = (__u32)id & (SLOTS - 1);
	if (ASSERT_EQ(bpf_map__lookup_elem(skel->maps.inflight_slots, &idx, sizeof(idx), slot,
					   sizeof(slot), 0), 0))
		ASSERT_EQ(*(__u64 *)slot, 0);	/* owner: free again */
out:
	bpf_link__destroy(link);
	unload();
}

TEST_MAIN(TEST_CASE(colliding_threads_exact),
	  TEST_CASE(direct_store_loses_colliding_exits),
	  TEST_CASE(overflow_thread_keeps_state_when_slot_holder_ends),
	  TEST_CASE(reused_tid_starts_fresh),
	  TEST_CASE(max_threads_exceeded_counted_then_freed),
	  TEST_CASE(probe_window_full_counted),
	  TEST_CASE(colliding_threads_on_two_cpus_exact),
	  TEST_CASE(attached_exit_hook_frees_and_reports))
