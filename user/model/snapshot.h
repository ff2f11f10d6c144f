/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory model every renderer consumes: the counts of some keys over a
 * span of time (one interval, or since attach), grouped and sorted. Pure
 * functions; stats_reader.h makes them from the kernel's maps.
 */
#ifndef KVMSTAT_SNAPSHOT_H
#define KVMSTAT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include "bpf/kvmstat.h"

struct sample {
	struct kvmstat_key key;
	struct kvmstat_value val;
};

struct snapshot {
	enum kvmstat_arch arch;
	__u64 start_mono_ns;		/* what the counts cover: (start, end] */
	__u64 end_mono_ns;
	struct timespec start_wall;
	struct timespec end_wall;
	__u64 drops[KVMSTAT_NR_DROPS];
	size_t nr;
	size_t cap;
	struct sample *samples;
};

enum grouping {
	GROUP_CLASS,	/* class and origin over all VMs and vCPUs */
	GROUP_VM,	/* per VM, then class */
	GROUP_VCPU,	/* per VM and vCPU thread, then class */
};

enum sort_key {
	SORT_COUNT,
	SORT_TIME,	/* total time of the span */
	SORT_AVG,
	SORT_MAX,
	SORT_MIN,
	SORT_CLASS,
};

void snapshot_init(struct snapshot *s, enum kvmstat_arch arch);
void snapshot_free(struct snapshot *s);
/* Appends a copy of one sample; returns it, NULL when out of memory. */
struct sample *snapshot_add(struct snapshot *s, const struct kvmstat_key *key,
			    const struct kvmstat_value *val);
/* Room for one more sample at s->samples[s->nr], filled in place and kept by s->nr++
 * (no 2 KiB copy); NULL when out of memory. */
struct sample *snapshot_next(struct snapshot *s);
/* Room for cap samples without reallocating; 0 or -ENOMEM. */
int snapshot_reserve(struct snapshot *s, size_t cap);
/* Empties s but keeps its buffer: a buffer reused every interval is not faulted in again. */
void snapshot_clear(struct snapshot *s, enum kvmstat_arch arch);

/*
 * d = c - p, two cumulative readings of one key's span: exact count, sum and
 * histogram of what happened between them. Its min/max are exact when the
 * cumulative extreme moved, else the bound of the extreme histogram bucket
 * (never tighter than the truth: min <= every value <= max still holds).
 */
void span_delta(const struct kvmstat_span_stats *p, const struct kvmstat_span_stats *c,
		struct kvmstat_span_stats *d);
/* No exit and no span interval: a delta worth leaving out. */
bool value_empty(const struct kvmstat_value *v);

/* Adds src to dst (counts, sums, histograms; min/max combined). */
void span_merge(struct kvmstat_span_stats *dst, const struct kvmstat_span_stats *src);
void value_merge(struct kvmstat_value *dst, const struct kvmstat_value *src);

/*
 * out = in grouped: keys projected per grouping and merged. Per vCPU, a thread's
 * samples with an unknown vCPU (counted before its first KVM_RUN was seen) join
 * the vCPU the same thread is known to run. In key order (vm, vcpu, tid, class,
 * flags), whatever the order of in. Returns 0 or -ENOMEM.
 */
int snapshot_group(const struct snapshot *in, enum grouping by, struct snapshot *out);

/* Sorts descending by key (ascending for SORT_CLASS), groups kept together. */
void snapshot_sort(struct snapshot *s, enum grouping by, enum sort_key key, enum kvmstat_span span);

/* Totals over all samples. */
void snapshot_total(const struct snapshot *s, struct kvmstat_value *total);

/* Histogram bucket bounds [lo, hi) in ns; the last bucket's hi is UINT64_MAX. */
__u64 hist_bucket_lo(unsigned int slot);
__u64 hist_bucket_hi(unsigned int slot);
/* Percentile p (0..100] from the buckets: the midpoint of the bucket holding the
 * rank, clamped to [min, max]; within 1/8 of the exact value. 0 if empty. */
__u64 span_percentile(const struct kvmstat_span_stats *s, double p);
/* out[k] = span_percentile(s, p[k]) for p ascending, in one walk of the buckets. */
void span_percentiles(const struct kvmstat_span_stats *s, const double *p, __u64 *out,
		      unsigned int n);

#endif /* KVMSTAT_SNAPSHOT_H */
