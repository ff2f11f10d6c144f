/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The grouped view of one snapshot: built once per interval (or summary, or
 * report) and walked by every renderer through one group iterator.
 *
 * A view has a level per grouping from class up to the finest one asked for,
 * each built from the level below it (the snapshot for the finest): rows with
 * the keys projected to the grouping and equal ones merged, in key order,
 * split into groups (the whole level by class, a VM, a vCPU thread) with
 * their exits, totals when asked for, and their groups one level finer.
 * A row that merges a single sample is that sample (no copy): a view lives no
 * longer than its snapshot.
 */
#ifndef KVMSTAT_VIEW_H
#define KVMSTAT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include "model/schema.h"
#include "model/snapshot.h"

struct view_group {
	struct kvmstat_key key;		/* what the grouping keeps of the rows' keys (class 0) */
	size_t first, nr;		/* its rows */
	__u64 exits;
	size_t child_first, child_nr;	/* its groups one level finer, when that level is built */
};

struct view_level {
	const struct sample **rows;	/* in key order */
	const struct sample **sorted;	/* the same rows sorted within each group (view_sort) */
	struct kvmstat_key *keys;	/* per row: its key projected to the grouping */
	size_t nr_rows;
	struct view_group *groups;
	size_t nr_groups;
	struct kvmstat_value *totals;	/* per group, when built with them; else NULL */
	struct snapshot merged;		/* the rows that merge more than one sample */
};

struct view {
	const struct snapshot *snap;	/* arch, what the counts cover, drops */
	enum grouping finest;
	struct view_level level[NR_GROUPINGS];
	struct kvmstat_value total;
};

/*
 * Builds v from s: levels GROUP_CLASS .. finest, group totals for the levels
 * whose bit (1U << grouping) is in totals. Per vCPU, a thread's samples with an
 * unknown vCPU (counted before its first KVM_RUN was seen) join the vCPU the
 * same thread is known to run. 0 or -ENOMEM (v is then empty: view_free it).
 */
int view_build(struct view *v, const struct snapshot *s, enum grouping finest, __u32 totals);
/*
 * What a grouping keeps of a key: class and origin always, the VM, the vCPU thread.
 * Never the second-level key: a class row sums its keys (model/keys.h shows them).
 */
struct kvmstat_key view_project_key(const struct kvmstat_key *k, enum grouping by);
void view_free(struct view *v);
/* Sorts each group's rows of level by: descending by key (ascending for SORT_CLASS). */
void view_sort(struct view *v, enum grouping by, enum sort_key key, enum kvmstat_span span);

/* One group as the iterator hands it out. */
struct group {
	const struct kvmstat_key *key;		/* vm, vcpu, tid as the grouping keeps them */
	const struct sample *const *rows;	/* rows[i]->val; class and origin: rows[i]->key */
	size_t nr;
	__u64 exits;
	const struct kvmstat_value *total;	/* NULL unless built with the level's totals */
	size_t index;				/* in its level */
};

struct group_iter {
	const struct view *v;
	enum grouping by;
	bool sorted;
	size_t next, end;
};

/* The groups of level by, rows in key order or (sorted) as view_sort left them. */
void view_groups(const struct view *v, enum grouping by, bool sorted, struct group_iter *it);
/* The groups one level finer that parent (of level by) holds, rows in key order. */
void view_children(const struct view *v, enum grouping by, const struct group *parent,
		   struct group_iter *it);
bool group_next(struct group_iter *it, struct group *g);

/* A level's rows in all (view->level[by].nr_rows): how many rows the renderers will show. */
static inline size_t view_rows(const struct view *v, enum grouping by)
{
	return v->level[by].nr_rows;
}

#endif /* KVMSTAT_VIEW_H */
