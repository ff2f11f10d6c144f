// SPDX-License-Identifier: GPL-2.0
/* Slow-exit records as user space keeps them: by time, the slowest kept, filtered, timed. */
#include "model/slow.h"
#include "test.h"

static struct slow_exit rec(__u64 ts, __u32 tid, __u64 handling_ns, __u32 vm, __u32 vcpu)
{
	return (struct slow_exit){ .r = { .ts = ts, .tid = tid, .handling_ns = handling_ns, .vm = vm,
					  .vcpu = vcpu } };
}

TEST(sorted_by_time_then_thread)
{
	struct slow_list l = {};
	struct slow_exit e[] = { rec(30, 1, 5, 1, 0), rec(10, 2, 5, 1, 0), rec(10, 1, 5, 1, 0) };
	size_t i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(slow_list_add(&l, &e[i]), 0);
	slow_list_sort(&l);
	ASSERT_EQ(l.e[0].r.ts, 10);
	ASSERT_EQ(l.e[0].r.tid, 1);
	ASSERT_EQ(l.e[1].r.tid, 2);
	ASSERT_EQ(l.e[2].r.ts, 30);
	slow_list_free(&l);
}

/* Over 200 adds of 100 records each, the list holds the 10 slowest of all of them. */
TEST(keeps_the_slowest_of_all)
{
	struct slow_list keep = {}, add = {};
	__u64 x = 99, max[10] = {};
	size_t round, i, j;

	for (round = 0; round < 200; round++) {
		slow_list_clear(&add);
		for (i = 0; i < 100; i++) {
			struct slow_exit e;

			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			e = rec(round * 100 + i, 1, x >> 20, 1, 0);
			ASSERT_EQ(slow_list_add(&add, &e), 0);
			for (j = 0; j < 10 && max[j] >= e.r.handling_ns; j++)	/* insert, descending */
				;
			if (j < 10) {
				memmove(&max[j + 1], &max[j], (9 - j) * sizeof(max[0]));
				max[j] = e.r.handling_ns;
			}
		}
		if (!ASSERT_EQ(slow_list_keep_slowest(&keep, &add, 10), 0))
			break;
	}
	if (ASSERT_EQ(keep.nr, 10))
		for (i = 0; i < 10; i++)
			ASSERT_EQ(keep.e[i].r.handling_ns, max[i]);
	slow_list_free(&keep);
	slow_list_free(&add);
}

TEST(filter_by_vm_and_vcpu)
{
	struct slow_list l = {};
	struct slow_exit e[] = { rec(1, 1, 5, 7, 0), rec(2, 2, 5, 7, 1), rec(3, 3, 5, 8, 1),
				 rec(4, 4, 5, 7, KVMSTAT_VCPU_UNKNOWN) };
	struct sample_filter f = { .vm = 7, .nr_vcpus = 1, .vcpus = { 1 } };
	size_t i;

	for (i = 0; i < 4; i++)
		slow_list_add(&l, &e[i]);
	slow_list_filter(&l, &f);
	if (ASSERT_EQ(l.nr, 1))
		ASSERT_EQ(l.e[0].r.tid, 2);
	slow_list_free(&l);
}

/* A monotonic instant in wall-clock time: across a second, and before the reference. */
TEST(wall_time_of_a_monotonic_instant)
{
	struct timespec ref = { .tv_sec = 1700000000, .tv_nsec = 900000000 }, t;

	t = slow_wall_time(5200000000ULL, 5000000000ULL, ref);
	ASSERT_EQ(t.tv_sec, 1700000001);
	ASSERT_EQ(t.tv_nsec, 100000000);
	t = slow_wall_time(4000000001ULL, 5000000000ULL, ref);
	ASSERT_EQ(t.tv_sec, 1699999999);
	ASSERT_EQ(t.tv_nsec, 900000001);
}

TEST_MAIN(TEST_CASE(sorted_by_time_then_thread),
	  TEST_CASE(keeps_the_slowest_of_all),
	  TEST_CASE(filter_by_vm_and_vcpu),
	  TEST_CASE(wall_time_of_a_monotonic_instant))
