/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A run over time, for charts (report --html): per row of a grouping (a class
 * of a group: all VMs, a VM, a vCPU thread) one cell per column of the time
 * axis. A column is one interval line; past SERIES_MAX_COLUMNS, neighbouring
 * columns merge pairwise (2, 4, ... lines each), so a chart keeps its width and
 * the memory its bound whatever the run's length. Built from the views of the
 * interval lines, one after the other; a cell keeps the exits and, per span,
 * count, sum, min, max and only the buckets of its range.
 */
#ifndef KVMSTAT_SERIES_H
#define KVMSTAT_SERIES_H

#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include "model/view.h"

#define SERIES_MAX_COLUMNS 720

struct series_span {
	__u64 count, sum_ns, min_ns, max_ns;
	unsigned int first, nr;		/* its buckets: [first, first + nr) */
	__u64 *hist;			/* nr counts; NULL when nr is 0 */
};

struct series_cell {
	__u64 exits;
	struct series_span span[KVMSTAT_NR_SPANS];
};

struct series_column {
	__u64 start_mono_ns, end_mono_ns;	/* what its lines cover */
	unsigned int intervals;			/* interval lines merged into it */
};

struct series_row {
	struct kvmstat_key key;		/* projected to the grouping: its group, class and origin */
	struct series_cell *cells;	/* one per column */
	struct kvmstat_value total;	/* every column's */
};

struct series {
	enum kvmstat_arch arch;
	enum grouping by;
	__u32 spans;			/* bit per enum kvmstat_span: the spans kept */
	struct series_column *columns;
	size_t nr_columns, cap_columns;
	unsigned int per_column;	/* interval lines per full column: 1, 2, 4, ... */
	size_t nr_intervals;
	struct series_row *rows;	/* in key order: a group's rows are neighbours */
	size_t nr_rows, cap_rows;
	__u64 drops[KVMSTAT_NR_DROPS];
	struct timespec start_wall, end_wall;
};

void series_init(struct series *s, enum grouping by, __u32 spans);
void series_free(struct series *s);
/* The next interval line: v, its view built to at least s->by. 0 or -ENOMEM. */
int series_add(struct series *s, const struct view *v);
/* A cell's span as the model's stats (for percentiles); out's buckets outside its range are 0. */
void series_span_expand(const struct series_span *c, struct kvmstat_span_stats *out);

/* Whether two rows' keys are of one group (VM and vCPU thread; everything by class). */
static inline bool series_same_group(const struct kvmstat_key *a, const struct kvmstat_key *b)
{
	return a->vm == b->vm && a->vcpu == b->vcpu && a->tid == b->tid;
}

#endif /* KVMSTAT_SERIES_H */
