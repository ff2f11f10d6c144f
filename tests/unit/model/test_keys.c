// SPDX-License-Identifier: GPL-2.0
/* Second-level key rows (--detail): merged per grouping, most exits first, top N and "other". */
#include <stdlib.h>
#include "model/keys.h"
#include "fixtures.h"
#include "test.h"

#define KEY	KVMSTAT_KEY_DETAIL
#define OTHER	KVMSTAT_KEY_OTHER

/* Two threads of one VM: SYS64 keys 0x10 (3 + 4 exits), 0x20 (6), 0x30 (1), the kernel's other (2), unknown (5). */
static void fill(struct snapshot *s)
{
	snapshot_init(s, KVMSTAT_ARCH_ARM64);
	add_key(s, 7, 0, 100, SYS64, KEY, 0x10, 3, 1000);
	add_key(s, 7, 1, 101, SYS64, KEY, 0x10, 4, 1000);
	add_key(s, 7, 1, 101, SYS64, KEY, 0x20, 6, 2000);
	add_key(s, 7, 0, 100, SYS64, KEY, 0x30, 1, 500);
	add_key(s, 7, 0, 100, SYS64, OTHER, 0, 2, 100);
	add_key(s, 7, 1, 101, SYS64, 0, 0, 5, 100);
	add_key(s, 7, 0, 100, HVC64, KEY, 0x84000000, 9, 100);
}

TEST(vm_rows_merge_threads_and_order_by_count)
{
	struct kvmstat_key group = { .vm = 7 }, row = { .class = SYS64 };
	struct snapshot s;
	struct key_rows kr;
	const struct sample *r;
	size_t n;

	fill(&s);
	if (!ASSERT_EQ(key_rows_build(&kr, &s, GROUP_VM), 0))
		return;
	r = key_rows_of(&kr, &group, &row, &n);
	if (!ASSERT_EQ(n, 5))
		goto out;
	ASSERT_EQ(r[0].key.detail, 0x10);	/* 7 exits: both threads' */
	ASSERT_EQ(r[0].val.exits, 7);
	ASSERT_EQ(r[0].val.span[KVMSTAT_SPAN_HANDLING].sum_ns, 7000);
	ASSERT_EQ(r[1].key.detail, 0x20);
	ASSERT_EQ(r[1].val.exits, 6);
	ASSERT_EQ(r[2].key.flags, 0);	/* unknown, 5 */
	ASSERT_EQ(r[3].key.flags, OTHER);	/* 2 */
	ASSERT_EQ(r[4].key.detail, 0x30);
	row.class = HVC64;
	r = key_rows_of(&kr, &group, &row, &n);
	if (ASSERT_EQ(n, 1))
		ASSERT_EQ(r[0].key.detail, 0x84000000);
	group.vm = 8;
	ASSERT_TRUE(!key_rows_of(&kr, &group, &row, &n) && n == 0);
out:
	key_rows_free(&kr);
	snapshot_free(&s);
}

TEST(vcpu_rows_keep_threads_apart)
{
	struct kvmstat_key group = { .vm = 7, .vcpu = 1, .tid = 101 }, row = { .class = SYS64 };
	struct snapshot s;
	struct key_rows kr;
	const struct sample *r;
	size_t n;

	fill(&s);
	if (!ASSERT_EQ(key_rows_build(&kr, &s, GROUP_VCPU), 0))
		return;
	r = key_rows_of(&kr, &group, &row, &n);
	if (ASSERT_EQ(n, 3)) {
		ASSERT_EQ(r[0].key.detail, 0x20);
		ASSERT_EQ(r[1].val.exits, 5);	/* unknown */
		ASSERT_EQ(r[2].val.exits, 4);
	}
	key_rows_free(&kr);
	snapshot_free(&s);
}

/* Top 2: the rest of the named keys and the kernel's other in one other; unknown apart. */
TEST(top_n_sums_the_rest_into_other)
{
	struct kvmstat_key group = {}, row = { .class = SYS64 };	/* by class: no VM */
	struct snapshot s;
	struct key_rows kr;
	struct key_top t;
	const struct sample *r;
	size_t n;

	fill(&s);
	if (!ASSERT_EQ(key_rows_build(&kr, &s, GROUP_CLASS), 0))
		return;
	r = key_rows_of(&kr, &group, &row, &n);
	key_top(r, n, 2, &t);
	if (!ASSERT_EQ(t.nr, 2))
		goto out;
	ASSERT_EQ(t.top[0]->val.exits, 7);
	ASSERT_EQ(t.top[1]->val.exits, 6);
	ASSERT_TRUE(t.has_other);
	ASSERT_EQ(t.other.exits, 3);	/* 0x30 and the kernel's other */
	ASSERT_EQ(t.other_keys, 1);
	ASSERT_TRUE(t.kernel_other);
	ASSERT_EQ(t.other.span[KVMSTAT_SPAN_HANDLING].sum_ns, 700);
	ASSERT_TRUE(t.has_unknown);
	ASSERT_EQ(t.unknown.exits, 5);
	key_top(r, n, 5, &t);	/* all fit: other is the kernel's alone */
	ASSERT_EQ(t.nr, 3);
	ASSERT_EQ(t.other.exits, 2);
	ASSERT_EQ(t.other_keys, 0);
	key_top(r, n, 0, &t);
	ASSERT_EQ(t.nr, 0);
	ASSERT_EQ(t.other.exits, 16);
	ASSERT_EQ(t.other_keys, 3);
out:
	key_rows_free(&kr);
	snapshot_free(&s);
}

/* Every exit of a class is in exactly one of its key rows. */
TEST(key_rows_sum_to_the_class)
{
	struct kvmstat_key group = {}, row = { .class = SYS64 };
	struct snapshot s;
	struct key_rows kr;
	const struct sample *r;
	__u64 sum = 0;
	size_t n, i;

	fill(&s);
	if (!ASSERT_EQ(key_rows_build(&kr, &s, GROUP_CLASS), 0))
		return;
	r = key_rows_of(&kr, &group, &row, &n);
	for (i = 0; i < n; i++)
		sum += r[i].val.exits;
	ASSERT_EQ(sum, 3 + 4 + 6 + 1 + 2 + 5);
	key_rows_free(&kr);
	snapshot_free(&s);
}

TEST_MAIN(TEST_CASE(vm_rows_merge_threads_and_order_by_count),
	  TEST_CASE(vcpu_rows_keep_threads_apart),
	  TEST_CASE(top_n_sums_the_rest_into_other),
	  TEST_CASE(key_rows_sum_to_the_class))
