// SPDX-License-Identifier: GPL-2.0
/* Histogram bucket bounds and percentiles. */
#include <stdint.h>
#include "model/hist.h"
#include "test.h"

TEST(histogram_bucket_bounds)
{
	ASSERT_EQ(hist_bucket_lo(3), 3);
	ASSERT_EQ(hist_bucket_hi(3), 4);
	ASSERT_EQ(hist_bucket_lo(4), 4);
	ASSERT_EQ(hist_bucket_lo(8), 8);
	ASSERT_EQ(hist_bucket_lo(9), 10);
	ASSERT_EQ(hist_bucket_lo(35), 896);
	ASSERT_EQ(hist_bucket_hi(35), 1024);
	ASSERT_EQ(hist_bucket_hi(KVMSTAT_HIST_BUCKETS - 1), UINT64_MAX);
}

TEST(percentile_from_buckets)
{
	struct kvmstat_span_stats s = { .count = 100, .min_ns = 900, .max_ns = 1900 };

	s.hist[35] = 50;	/* [896, 1024) */
	s.hist[39] = 50;	/* [1792, 2048) */
	ASSERT_EQ(span_percentile(&s, 50), 959);	/* midpoint of [896, 1023], not below min */
	ASSERT_EQ(span_percentile(&s, 51), 1900);	/* midpoint 1919 clamped to max */
	ASSERT_EQ(span_percentile(&s, 99), 1900);
	s.count = 0;
	ASSERT_EQ(span_percentile(&s, 50), 0);
}

/* The bucket the kernel puts a duration in (hist_slot) is the one whose bounds hold it, and
 * each lower bound maps back to its bucket: function and inverse agree everywhere. */
TEST(bucket_of_agrees_with_the_bounds)
{
	__u64 x = 3, ns;
	unsigned int b;
	int i;

	for (b = 0; b < KVMSTAT_HIST_BUCKETS; b++) {
		ASSERT_EQ(hist_bucket_of(hist_bucket_lo(b)), b);
		ASSERT_EQ(hist_bucket_of_lo(hist_bucket_lo(b)), (int)b);
		if (b + 1 < KVMSTAT_HIST_BUCKETS)
			ASSERT_EQ(hist_bucket_of(hist_bucket_hi(b) - 1), b);
		if (hist_bucket_hi(b) - hist_bucket_lo(b) > 1)
			ASSERT_EQ(hist_bucket_of_lo(hist_bucket_lo(b) + 1), -1);
	}
	ASSERT_EQ(hist_bucket_of(UINT64_MAX), KVMSTAT_HIST_BUCKETS - 1);	/* open-ended */
	ASSERT_EQ(hist_bucket_lo(KVMSTAT_HIST_BUCKETS - 1), 7516192768ULL);	/* kvmstat.h: ~7.5 s */
	for (i = 0; i < 100000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		ns = x >> (x % 64);
		b = hist_bucket_of(ns);
		if (!ASSERT_TRUE(hist_bucket_lo(b) <= ns && (ns < hist_bucket_hi(b) ||
							    b == KVMSTAT_HIST_BUCKETS - 1)))
			break;
	}
}

/* The buckets that can hold anything: those of min and max; none without a count. */
TEST(range_from_min_and_max)
{
	struct kvmstat_span_stats s = { .count = 2, .min_ns = 900, .max_ns = 5000 };
	unsigned int first, last;

	ASSERT_TRUE(hist_range(&s, &first, &last));
	ASSERT_EQ(first, 35);		/* [896, 1024) */
	ASSERT_EQ(last, 44);		/* [4096, 5120) */
	s.count = 0;
	ASSERT_TRUE(!hist_range(&s, &first, &last));
}

TEST_MAIN(TEST_CASE(histogram_bucket_bounds),
	  TEST_CASE(percentile_from_buckets),
	  TEST_CASE(bucket_of_agrees_with_the_bounds),
	  TEST_CASE(range_from_min_and_max))
