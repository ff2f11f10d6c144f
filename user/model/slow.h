/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Slow-exit records (`run --slow`) as user space keeps them: those of an interval,
 * in the order read, and the slowest of a run for its summary.
 */
#ifndef KVMSTAT_MODEL_SLOW_H
#define KVMSTAT_MODEL_SLOW_H

#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include "bpf/kvmstat.h"
#include "model/filter.h"

/* A record and its wall-clock time, fixed once when it is read (the table and JSON agree). */
struct slow_exit {
	struct kvmstat_slow r;
	struct timespec time;	/* of r.ts (CLOCK_MONOTONIC), UTC */
};

struct slow_list {
	struct slow_exit *e;
	size_t nr, cap;
};

/* 0 or -ENOMEM. */
int slow_list_add(struct slow_list *l, const struct slow_exit *e);
/* The wall-clock time of a CLOCK_MONOTONIC instant, by a reference pair taken together. */
struct timespec slow_wall_time(__u64 mono_ns, __u64 ref_mono_ns, struct timespec ref_wall);
void slow_list_clear(struct slow_list *l);
void slow_list_free(struct slow_list *l);
/* By exit time (then thread): the order the lines are shown in. */
void slow_list_sort(struct slow_list *l);
/*
 * Keeps in l the max slowest (by handling time) of l and the records of add:
 * a bounded list of the run's slowest exits. 0 or -ENOMEM.
 */
int slow_list_keep_slowest(struct slow_list *l, const struct slow_list *add, size_t max);
/* Leaves out the records f leaves out (-p, --vcpu), as snapshot_filter does for samples. */
void slow_list_filter(struct slow_list *l, const struct sample_filter *f);

#endif /* KVMSTAT_MODEL_SLOW_H */
