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

TEST_MAIN(TEST_CASE(durations_and_seconds))
