// SPDX-License-Identifier: GPL-2.0
/* Durations and seconds as people write them. */
#include "lib/format.h"
#include "test.h"

TEST(durations_and_seconds)
{
	char b[DURATION_LEN];
	__u64 ns;

	ASSERT_STR(fmt_duration(0, b, sizeof(b)), "0ns");
	ASSERT_STR(fmt_duration(999, b, sizeof(b)), "999ns");
	ASSERT_STR(fmt_duration(1234, b, sizeof(b)), "1.23us");
	ASSERT_STR(fmt_duration(45600, b, sizeof(b)), "45.6us");
	ASSERT_STR(fmt_duration(999999, b, sizeof(b)), "1.00ms");
	ASSERT_STR(fmt_duration(2500000000ULL, b, sizeof(b)), "2.50s");
	ASSERT_EQ(parse_seconds("0.2", &ns), 0);
	ASSERT_EQ(ns, 200000000);
	ASSERT_TRUE(parse_seconds("0", &ns) < 0);
	ASSERT_TRUE(parse_seconds("-1", &ns) < 0);
	ASSERT_TRUE(parse_seconds("1x", &ns) < 0);
	ASSERT_TRUE(parse_seconds("nan", &ns) < 0);
	ASSERT_TRUE(parse_seconds("", &ns) < 0);
}

TEST(durations_with_units)
{
	__u64 ns = 0;

	ASSERT_EQ(parse_duration("1ms", &ns), 0);
	ASSERT_EQ(ns, 1000000);
	ASSERT_EQ(parse_duration("500us", &ns), 0);
	ASSERT_EQ(ns, 500000);
	ASSERT_EQ(parse_duration("2.5s", &ns), 0);
	ASSERT_EQ(ns, 2500000000ULL);
	ASSERT_EQ(parse_duration("100ns", &ns), 0);
	ASSERT_EQ(ns, 100);
	ASSERT_TRUE(parse_duration("1", &ns) < 0);	/* a unit is required */
	ASSERT_TRUE(parse_duration("0ms", &ns) < 0);
	ASSERT_TRUE(parse_duration("-1ms", &ns) < 0);
	ASSERT_TRUE(parse_duration("1 ms", &ns) < 0);
	ASSERT_TRUE(parse_duration("1mss", &ns) < 0);
	ASSERT_TRUE(parse_duration("0.1ns", &ns) < 0);
	ASSERT_TRUE(parse_duration("2000000s", &ns) < 0);
	ASSERT_TRUE(parse_duration("ms", &ns) < 0);
}

TEST_MAIN(TEST_CASE(durations_and_seconds), TEST_CASE(durations_with_units))
