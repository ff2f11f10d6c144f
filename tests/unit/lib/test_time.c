// SPDX-License-Identifier: GPL-2.0
/* RFC 3339 with nanoseconds: what fmt_rfc3339 writes, parse_rfc3339 reads back, and nothing else. */
#include <errno.h>
#include "lib/time.h"
#include "test.h"

TEST(format_and_parse_are_inverse)
{
	static const struct timespec times[] = {
		{ 0, 0 }, { 1700000000, 5 }, { 1700000001, 123456789 }, { 4102444799, 999999999 },
	};
	struct timespec back;
	char buf[RFC3339_LEN];
	unsigned int i;

	ASSERT_STR(fmt_rfc3339(&times[1], buf, sizeof(buf)), "2023-11-14T22:13:20.000000005Z");
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		ASSERT_EQ(parse_rfc3339(fmt_rfc3339(&times[i], buf, sizeof(buf)), &back), 0);
		ASSERT_EQ(back.tv_sec, times[i].tv_sec);
		ASSERT_EQ(back.tv_nsec, times[i].tv_nsec);
	}
}

TEST(parse_takes_only_the_exact_form)
{
	static const char *const bad[] = {
		"2023-11-14T22:13:20Z", "2023-11-14T22:13:20.00000005Z", "2023-11-14 22:13:20.000000005Z",
		"2023-11-14T22:13:20.000000005", "2023-1-14T22:13:20.0000000050Z", "x023-11-14T22:13:20.000000005Z",
		"2023-11-14T22:13:2 .000000005Z", "",
	};
	struct timespec ts;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!ASSERT_EQ(parse_rfc3339(bad[i], &ts), -EINVAL))
			printf("accepted '%s'\n", bad[i]);
}

TEST_MAIN(TEST_CASE(format_and_parse_are_inverse),
	  TEST_CASE(parse_takes_only_the_exact_form))
