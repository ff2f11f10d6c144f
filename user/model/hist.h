/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel latency histogram (kvmstat.h: log2 octaves, 4 linear
 * sub-buckets): bucket bounds and their inverses, percentiles.
 *
 * Invariant every span holds (the kernel's, deltas', merges', decoded lines'):
 * its non-empty buckets lie between the buckets of its min_ns and max_ns, and
 * a span with count 0 has none. hist_range() gives those bounds, so hot loops
 * walk a few dozen buckets, not all 128.
 */
#ifndef KVMSTAT_HIST_H
#define KVMSTAT_HIST_H

#include <stdbool.h>
#include <linux/types.h>
#include "bpf/kvmstat.h"

/* Bucket bounds [lo, hi) in ns; the last bucket's hi is UINT64_MAX (open-ended). */
__u64 hist_bucket_lo(unsigned int bucket);
__u64 hist_bucket_hi(unsigned int bucket);
/* The bucket a duration falls in: the kernel's own hist_slot(). */
unsigned int hist_bucket_of(__u64 ns);
/* The bucket whose lower bound is lo_ns, -1 if none (hist_bucket_lo inverted). */
int hist_bucket_of_lo(__u64 lo_ns);

/* The buckets that can be non-empty, [*first, *last]; false when the span has none. */
bool hist_range(const struct kvmstat_span_stats *s, unsigned int *first, unsigned int *last);

/* Percentile p (0..100] from the buckets: the midpoint of the bucket holding the
 * rank, clamped to [min, max]; within 1/8 of the exact value. 0 if empty. */
__u64 span_percentile(const struct kvmstat_span_stats *s, double p);
/* out[k] = span_percentile(s, p[k]) for p ascending, in one walk of the buckets. */
void span_percentiles(const struct kvmstat_span_stats *s, const double *p, __u64 *out,
		      unsigned int n);

#endif /* KVMSTAT_HIST_H */
