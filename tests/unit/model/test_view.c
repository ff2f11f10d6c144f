// SPDX-License-Identifier: GPL-2.0
/* The grouped view: rows merged per grouping, in key order, with the vCPU of early samples resolved. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "model/view.h"
#include "fixtures.h"
#include "test.h"

/* g = the rows of s's view at one grouping, in key order, with their projected keys. */
static int snapshot_group(const struct snapshot *s, enum grouping by, struct snapshot *g)
{
	const struct view_level *l;
	struct view v;
	size_t i;
	int err = view_build(&v, s, by, 0);

	snapshot_init(g, s->arch);
	l = &v.level[by];
	for (i = 0; i < l->nr_rows && !err; i++)
		if (!snapshot_add(g, &l->keys[i], &l->rows[i]->val))
			err = -1;
	view_free(&v);
	return err;
}

/* Key order: vm, vcpu, tid, class, flags. */
static bool key_before(const struct kvmstat_key *a, const struct kvmstat_key *b)
{
	__u64 ka[] = { a->vm, a->vcpu, a->tid, a->class, a->flags };
	__u64 kb[] = { b->vm, b->vcpu, b->tid, b->class, b->flags };
	size_t i;

	for (i = 0; i < 5; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i];
	return false;
}

/* Hashing finds the groups, sorting orders them: check both against a brute-force sum. */
TEST(group_merges_every_sample_into_its_key_in_order)
{
	static const enum grouping bys[] = { GROUP_CLASS, GROUP_VM, GROUP_VCPU };
	struct snapshot s, g;
	__u64 x = 12345, sum, total = 0;
	size_t i, j, b;

	snapshot_init(&s, KVMSTAT_ARCH_X86);
	for (i = 0; i < 3000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;	/* LCG */
		add(&s, 100 + (x >> 40) % 7, (x >> 20) % 5, 1000 + (x >> 20) % 5, (x >> 8) % 23,
		    (x >> 30) & 1, i + 1, 1);
		total += i + 1;
	}
	for (b = 0; b < 3; b++) {
		if (!ASSERT_EQ(snapshot_group(&s, bys[b], &g), 0))
			return;
		ASSERT_TRUE(g.nr > 20 && g.nr < s.nr);
		for (i = 0, sum = 0; i < g.nr; i++) {
			const struct kvmstat_key *k = &g.samples[i].key;
			__u64 want = 0;

			if (i)
				ASSERT_TRUE(key_before(&g.samples[i - 1].key, k));
			for (j = 0; j < s.nr; j++) {
				const struct kvmstat_key *in = &s.samples[j].key;

				if (in->class == k->class && in->flags == k->flags &&
				    (bys[b] == GROUP_CLASS || in->vm == k->vm) &&
				    (bys[b] != GROUP_VCPU || (in->vcpu == k->vcpu && in->tid == k->tid)))
					want += s.samples[j].val.exits;
			}
			ASSERT_EQ(g.samples[i].val.exits, want);
			ASSERT_EQ(g.samples[i].val.span[0].count, want);
			sum += g.samples[i].val.exits;
		}
		ASSERT_EQ(sum, total);
		snapshot_free(&g);
	}
	snapshot_free(&s);
}

TEST(group_by_class_merges_vcpus_and_keeps_origin_apart)
{
	struct snapshot s, g;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	add(&s, 100, 0, 101, DABT_LOW, KVMSTAT_KEY_USER, 10, 1000);
	add(&s, 100, 1, 102, DABT_LOW, KVMSTAT_KEY_USER, 20, 4000);
	add(&s, 200, 0, 201, DABT_LOW, 0, 5, 100);
	if (!ASSERT_EQ(snapshot_group(&s, GROUP_CLASS, &g), 0) || !ASSERT_EQ(g.nr, 2))
		return;
	/* sorted by key: flags 0 first */
	ASSERT_EQ(g.samples[0].val.exits, 5);
	ASSERT_EQ(g.samples[1].val.exits, 30);
	ASSERT_EQ(g.samples[1].val.span[0].min_ns, 1000);
	ASSERT_EQ(g.samples[1].val.span[0].max_ns, 4000);
	ASSERT_EQ(g.samples[1].val.span[0].sum_ns, 90000);
	snapshot_free(&g);
	ASSERT_EQ(snapshot_group(&s, GROUP_VM, &g), 0);
	ASSERT_EQ(g.nr, 2);
	snapshot_free(&g);
	snapshot_free(&s);
}

TEST(group_by_vcpu_resolves_threads_seen_before_their_vcpu)
{
	struct snapshot s, g;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	add(&s, 100, KVMSTAT_VCPU_UNKNOWN, 101, DABT_LOW, 0, 4, 10);	/* before KVM_RUN was seen */
	add(&s, 100, 3, 101, DABT_LOW, 0, 6, 10);
	add(&s, 100, KVMSTAT_VCPU_UNKNOWN, 102, HVC64, 0, 2, 10);	/* never named: stays unknown */
	add(&s, 200, 3, 101, HVC64, 0, 1, 10);			/* same tid, other VM: not it */
	if (!ASSERT_EQ(snapshot_group(&s, GROUP_VCPU, &g), 0) || !ASSERT_EQ(g.nr, 3))
		return;
	ASSERT_EQ(g.samples[0].key.vcpu, 3);
	ASSERT_EQ(g.samples[0].key.tid, 101);
	ASSERT_EQ(g.samples[0].val.exits, 10);
	ASSERT_EQ(g.samples[1].key.vcpu, KVMSTAT_VCPU_UNKNOWN);
	ASSERT_EQ(g.samples[1].key.tid, 102);
	ASSERT_EQ(g.samples[2].key.vm, 200);
	snapshot_free(&g);
	snapshot_free(&s);
}

/* A random snapshot: 7 VMs, threads with known and unknown vCPUs, 23 classes, both origins. */
static void random_snapshot(struct snapshot *s, size_t n)
{
	__u64 x = 4242;
	size_t i;

	snapshot_init(s, KVMSTAT_ARCH_X86);
	for (i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		add(s, 100 + (x >> 40) % 7, (x >> 50) % 9 ? (x >> 20) % 5 : KVMSTAT_VCPU_UNKNOWN,
		    1000 + (x >> 20) % 5, (x >> 8) % 23, (x >> 30) & 1, 1 + (x >> 44) % 50, 1 + (x >> 12) % 5000);
	}
}

/* Does sample k belong to the group g of level by (its VM, or its thread)? */
static bool in_group(const struct kvmstat_key *k, const struct kvmstat_key *g, enum grouping by)
{
	return by == GROUP_CLASS || (k->vm == g->vm && (by == GROUP_VM || k->tid == g->tid));
}

/* Each group's totals and exits are the sums of its samples; a VM's children are its threads. */
TEST(groups_totals_and_children)
{
	struct snapshot s;
	struct group_iter it, ci;
	struct group g, c;
	struct view v;
	size_t i, nr_vcpu_groups;
	int by;

	random_snapshot(&s, 2000);
	if (!ASSERT_EQ(view_build(&v, &s, GROUP_VCPU, 7), 0))
		return;
	for (by = GROUP_CLASS; by <= GROUP_VCPU; by++) {
		view_groups(&v, by, false, &it);
		while (group_next(&it, &g)) {
			struct kvmstat_value want = {};
			__u64 rows = 0;

			for (i = 0; i < s.nr; i++)
				if (in_group(&s.samples[i].key, g.key, by))
					value_merge(&want, &s.samples[i].val);
			for (i = 0; i < g.nr; i++)
				rows += g.rows[i]->val.exits;
			ASSERT_EQ(g.exits, want.exits);
			ASSERT_EQ(rows, want.exits);
			if (!ASSERT_TRUE(g.total != NULL))
				goto out;
			ASSERT_EQ(g.total->exits, want.exits);
			ASSERT_EQ(g.total->span[0].sum_ns, want.span[0].sum_ns);
			ASSERT_EQ(g.total->span[0].min_ns, want.span[0].min_ns);
			ASSERT_EQ(g.total->span[0].max_ns, want.span[0].max_ns);
			ASSERT_TRUE(!memcmp(g.total->span[0].hist, want.span[0].hist, sizeof(want.span[0].hist)));
		}
	}
	ASSERT_EQ(v.total.exits, v.level[GROUP_CLASS].groups[0].exits);
	nr_vcpu_groups = 0;
	view_groups(&v, GROUP_VM, false, &it);
	while (group_next(&it, &g)) {
		view_children(&v, GROUP_VM, &g, &ci);
		while (group_next(&ci, &c)) {
			ASSERT_EQ(c.key->vm, g.key->vm);
			nr_vcpu_groups++;
		}
	}
	ASSERT_EQ(nr_vcpu_groups, v.level[GROUP_VCPU].nr_groups);
out:
	view_free(&v);
	snapshot_free(&s);
}

/* Sorting orders the rows within each group and leaves the groups where they were. */
TEST(sort_keeps_groups_together)
{
	struct snapshot s;
	struct group_iter it, sorted;
	struct group g, h;
	struct view v;
	size_t i;

	random_snapshot(&s, 500);
	if (!ASSERT_EQ(view_build(&v, &s, GROUP_VM, 0), 0))
		return;
	view_sort(&v, GROUP_VM, SORT_COUNT, KVMSTAT_SPAN_HANDLING);
	view_groups(&v, GROUP_VM, false, &it);
	view_groups(&v, GROUP_VM, true, &sorted);
	while (group_next(&it, &g) && group_next(&sorted, &h)) {
		ASSERT_EQ(g.key->vm, h.key->vm);
		ASSERT_EQ(g.nr, h.nr);
		for (i = 1; i < h.nr; i++)
			ASSERT_TRUE(h.rows[i - 1]->val.exits >= h.rows[i]->val.exits);
		for (i = 1; i < g.nr; i++)	/* key order: class, then origin */
			ASSERT_TRUE(g.rows[i - 1]->key.class <= g.rows[i]->key.class);
	}
	view_free(&v);
	snapshot_free(&s);
}

TEST_MAIN(TEST_CASE(group_merges_every_sample_into_its_key_in_order),
	  TEST_CASE(group_by_class_merges_vcpus_and_keeps_origin_apart),
	  TEST_CASE(group_by_vcpu_resolves_threads_seen_before_their_vcpu),
	  TEST_CASE(groups_totals_and_children),
	  TEST_CASE(sort_keeps_groups_together))
