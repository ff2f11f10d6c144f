/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Second-level key rows (`--detail`): the snapshot's samples with their key kept,
 * merged per (group, class, origin, key) for one grouping, each class's keys in
 * descending count. A class row of the view (model/view.h) is the sum of its key
 * rows; what a renderer shows of them is key_top(): the first N, the rest summed
 * with the kernel's "other" (keys beyond --detail-max), and the exits whose key
 * was not known.
 */
#ifndef KVMSTAT_KEYS_H
#define KVMSTAT_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include "model/schema.h"
#include "model/snapshot.h"

struct key_rows {
	enum grouping by;
	struct sample *rows;	/* keys projected to the grouping; by group, class, origin, count */
	size_t nr;
};

/* 0, or -ENOMEM (kr is then empty: key_rows_free it). */
int key_rows_build(struct key_rows *kr, const struct snapshot *s, enum grouping by);
void key_rows_free(struct key_rows *kr);
/*
 * The key rows of one class row of a group: *n of them from the returned one (NULL,
 * *n = 0: none). group: the group's key (vm, vcpu, tid as the grouping keeps them);
 * class_row: the row's key (class and origin count).
 */
const struct sample *key_rows_of(const struct key_rows *kr, const struct kvmstat_key *group,
				 const struct kvmstat_key *class_row, size_t *n);

/* What a renderer shows of a class row's keys. */
struct key_top {
	const struct sample *top[KVMSTAT_DETAIL_MAX_DEFAULT];	/* named keys, most exits first */
	size_t nr;
	struct kvmstat_value other;	/* beyond the first nr, and the kernel's "other" */
	__u64 other_keys;		/* how many named keys went into other (not the kernel's) */
	bool kernel_other;		/* the kernel's other (1 or more keys) is in other */
	bool has_other;
	struct kvmstat_value unknown;	/* exits whose key was not known (e.g. no vcpu yet) */
	bool has_unknown;
};

/* Up to max named keys of rows[0..n) (as key_rows_of gives them), the rest in other. */
void key_top(const struct sample *rows, size_t n, size_t max, struct key_top *t);

#endif /* KVMSTAT_KEYS_H */
