// SPDX-License-Identifier: GPL-2.0
/* Interval deltas of cumulative counts. */
#include <string.h>
#include "model/snapshot.h"
#include "test.h"

TEST(delta_min_max_bound_the_interval)
{
	struct kvmstat_span_stats p = {}, c, d;

	/* Before: 2 intervals of 100 and 5000 ns. After: plus 2 of 1000 and 1100 ns. */
	p.count = 2; p.sum_ns = 5100; p.min_ns = 100; p.max_ns = 5000;
	p.hist[4 * 5 + 2] = 1;		/* 100 = 64 + 2*16: octave 6, sub-bucket 2 */
	p.hist[4 * 11 + 1] = 1;		/* 5000 = 4096 + 1*1024 (+...) */
	c = p;
	c.count = 4; c.sum_ns = 7200;
	c.hist[4 * 8 + 3] = 2;		/* 1000 and 1100 in [896, 1024) and [1024, ...)? see below */
	span_delta(&p, &c, &d);
	/* Cumulative extremes did not move: bounded by the interval's own bucket [896, 1024). */
	ASSERT_EQ(d.min_ns, 896);
	ASSERT_EQ(d.max_ns, 1023);
	ASSERT_EQ(d.count, 2);
	ASSERT_EQ(d.sum_ns, 2100);
	/* A moved extreme happened in the interval: exact. */
	c.max_ns = 6000;
	span_delta(&p, &c, &d);
	ASSERT_EQ(d.max_ns, 6000);
}

TEST_MAIN(TEST_CASE(delta_min_max_bound_the_interval))
