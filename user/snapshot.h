/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory model every renderer consumes: one snapshot of the stats map
 * (cumulative since attach) or the difference of two (one interval), grouped
 * and sorted. Pure functions except snapshot_read().
 */
#ifndef KVMSTAT_SNAPSHOT_H
#define KVMSTAT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include "../bpf/kvmstat.h"

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
/* Room for cap samples without reallocating; 0 or -ENOMEM. */
int snapshot_reserve(struct snapshot *s, size_t cap);
/* Sorts the samples by key (snapshot_sample_cmp order); 0 or -ENOMEM. */
int snapshot_sort_by_key(struct snapshot *s);
/* Empties s but keeps its buffer: a buffer reused every interval is not faulted in again. */
void snapshot_clear(struct snapshot *s, enum kvmstat_arch arch);
void snapshot_swap(struct snapshot *a, struct snapshot *b);
/* Moves src into dst (dst freed first), leaving src empty. */
void snapshot_move(struct snapshot *dst, struct snapshot *src);

/*
 * out = cur - prev, per key: exact counts, sums and histograms of the interval.
 * Interval min/max are exact when the cumulative extreme moved in the interval,
 * else the bound of the interval's extreme histogram bucket (never tighter than
 * the truth: min <= every value <= max still holds). Keys with no exit and no
 * interval in the interval are left out. Both must be sorted by key (as read).
 * Returns 0 or -ENOMEM.
 */
int snapshot_delta(const struct snapshot *prev, const struct snapshot *cur, struct snapshot *out);

/* Adds src to dst (counts, sums, histograms; min/max combined). */
void span_merge(struct kvmstat_span_stats *dst, const struct kvmstat_span_stats *src);
void value_merge(struct kvmstat_value *dst, const struct kvmstat_value *src);

/*
 * out = in grouped: keys projected per grouping and merged. Per vCPU, a thread's
 * samples with an unknown vCPU (counted before its first KVM_RUN was seen) join
 * the vCPU the same thread is known to run. Returns 0 or -ENOMEM.
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

/* qsort/bsearch order of samples by key: the order snapshot_read() leaves. */
int snapshot_sample_cmp(const void *a, const void *b);

/* Reads the whole stats map (batch lookups, one-by-one fallback) and the drops.
 * spans: those the map's values hold (bit per enum kvmstat_span), as loaded. */
int snapshot_read(int stats_fd, int drops_fd, __u32 spans, struct snapshot *s);

#endif /* KVMSTAT_SNAPSHOT_H */
