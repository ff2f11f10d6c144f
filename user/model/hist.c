// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include "model/hist.h"
#include "bpf/bits.bpf.h"	/* hist_slot(): the very function the kernel side buckets with */

__u64 hist_bucket_lo(unsigned int bucket)
{
	unsigned int k, sub;

	if (bucket < KVMSTAT_HIST_SUB)
		return bucket;
	k = bucket / KVMSTAT_HIST_SUB + 1;
	sub = bucket % KVMSTAT_HIST_SUB;
	return (1ULL << k) + ((__u64)sub << (k - KVMSTAT_HIST_SUB_BITS));
}

__u64 hist_bucket_hi(unsigned int bucket)
{
	if (bucket + 1 >= KVMSTAT_HIST_BUCKETS)
		return UINT64_MAX;
	return hist_bucket_lo(bucket + 1);
}

unsigned int hist_bucket_of(__u64 ns)
{
	return hist_slot(ns);
}

int hist_bucket_of_lo(__u64 lo_ns)
{
	unsigned int b = hist_bucket_of(lo_ns);

	return hist_bucket_lo(b) == lo_ns ? (int)b : -1;
}

bool hist_range(const struct kvmstat_span_stats *s, unsigned int *first, unsigned int *last)
{
	if (!s->count)
		return false;
	*first = hist_bucket_of(s->min_ns);
	*last = hist_bucket_of(s->max_ns);
	return *first <= *last;
}

/* The midpoint of bucket i, clamped to what was seen. */
static __u64 bucket_mid(const struct kvmstat_span_stats *s, unsigned int i)
{
	__u64 lo = hist_bucket_lo(i);
	__u64 hi = i + 1 < KVMSTAT_HIST_BUCKETS ? hist_bucket_hi(i) : s->max_ns + 1;
	__u64 mid = lo + (hi - 1 - lo) / 2;

	if (mid < s->min_ns)
		mid = s->min_ns;
	if (mid > s->max_ns)
		mid = s->max_ns;
	return mid;
}

void span_percentiles(const struct kvmstat_span_stats *s, const double *p, __u64 *out,
		      unsigned int n)
{
	__u64 rank, seen = 0;
	unsigned int i = 0, last, k;

	hist_range(s, &i, &last);	/* the buckets below the range are empty */
	for (k = 0; k < n; k++) {
		if (!s->count) {
			out[k] = 0;
			continue;
		}
		rank = (__u64)(p[k] / 100.0 * s->count + 0.999999);
		if (rank < 1)
			rank = 1;
		/* the walk goes on from the previous percentile's bucket */
		while (i < KVMSTAT_HIST_BUCKETS && seen + s->hist[i] < rank)
			seen += s->hist[i++];
		out[k] = i == KVMSTAT_HIST_BUCKETS ? s->max_ns : bucket_mid(s, i);
	}
}

__u64 span_percentile(const struct kvmstat_span_stats *s, double p)
{
	__u64 v;

	span_percentiles(s, &p, &v, 1);
	return v;
}
