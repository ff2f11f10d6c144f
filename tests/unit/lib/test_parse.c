// SPDX-License-Identifier: GPL-2.0
/* Option values: strict integers and id lists (lib/parse.c). */
#include <errno.h>
#include "lib/parse.h"
#include "test.h"

TEST(uint_accepts_digits_in_range)
{
	unsigned long v = 0;

	ASSERT_EQ(parse_uint("1", 10, &v), 0);
	ASSERT_EQ(v, 1);
	ASSERT_EQ(parse_uint("007", 10, &v), 0);
	ASSERT_EQ(v, 7);
	ASSERT_EQ(parse_uint("2147483647", 2147483647, &v), 0);
	ASSERT_EQ(v, 2147483647);
	ASSERT_EQ(parse_uint("18446744073709551614", (unsigned long)-2, &v), 0);
	ASSERT_EQ(v, (unsigned long)-2);
}

TEST(uint_refuses_what_is_not_plain_digits_in_range)
{
	static const char *const bad[] = {
		"", "0", "00", "11", "-1", "+1", " 1", "1 ", "1x", "0x1", "1e1", "1.0",
		"99999999999999999999999999", "18446744073709551616",
	};
	unsigned long v = 42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!ASSERT_EQ(parse_uint(bad[i], 10, &v), -EINVAL))
			printf("  input '%s'\n", bad[i]);
	ASSERT_EQ(v, 42);	/* untouched */
	ASSERT_EQ(parse_uint("2147483648", 2147483647, &v), -EINVAL);
}

TEST(list_parses_ids_below_limit)
{
	__u32 ids[4];
	size_t nr = 0;

	ASSERT_EQ(parse_uint_list("0,2,5", 8, ids, 4, &nr), 0);
	ASSERT_EQ(nr, 3);
	ASSERT_EQ(ids[0], 0);
	ASSERT_EQ(ids[1], 2);
	ASSERT_EQ(ids[2], 5);
	ASSERT_EQ(parse_uint_list("4294967294", 0xffffffffU, ids, 4, &nr), 0);
	ASSERT_EQ(ids[0], 4294967294U);
	ASSERT_EQ(parse_uint_list("1,1,1,1", 8, ids, 4, &nr), 0);
	ASSERT_EQ(nr, 4);
}

TEST(list_refuses_bad_separators_ranges_and_too_many)
{
	static const char *const bad[] = {
		"", ",", "1,", ",1", "1,,2", "1;2", "1 ,2", "-1", "8", "1,8", "a", "1,2,3,4,5",
	};
	__u32 ids[4];
	size_t nr, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!ASSERT_EQ(parse_uint_list(bad[i], 8, ids, 4, &nr), -EINVAL))
			printf("  input '%s'\n", bad[i]);
	ASSERT_EQ(parse_uint_list("4294967295", 0xffffffffU, ids, 4, &nr), -EINVAL);
}

TEST_MAIN(TEST_CASE(uint_accepts_digits_in_range),
	  TEST_CASE(uint_refuses_what_is_not_plain_digits_in_range),
	  TEST_CASE(list_parses_ids_below_limit),
	  TEST_CASE(list_refuses_bad_separators_ranges_and_too_many))
