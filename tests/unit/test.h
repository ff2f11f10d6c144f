/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny unit test framework: one binary per tests/unit/test_*.c.
 *
 *	TEST(parses_empty) { if (!ASSERT_EQ(parse(""), 0)) return; ... }
 *	TEST_MAIN(TEST_CASE(parses_empty), TEST_CASE(parses_list))
 *
 * ASSERT_* print file:line and both values when they fail, mark the running
 * test failed and return false, so a test can stop early (selftests style).
 * main prints "ok NAME" or "FAIL NAME" per test and "N passed, N failed",
 * all on stdout; it exits 1 if a test failed. Arguments: run only these tests.
 */
#ifndef KVMSTAT_TEST_H
#define KVMSTAT_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

static bool test_failed;	/* set by a failing ASSERT_* in the running test */
static const char *test_skip_reason;	/* set by TEST_SKIP: neither passed nor failed */

/* Skip the running test, saying why (e.g. a kernel or cache it needs is missing). */
#define TEST_SKIP(reason) do { test_skip_reason = (reason); return; } while (0)

static inline bool test_check(bool ok, const char *file, int line)
{
	if (!ok) {
		printf("%s:%d: ", file, line);
		test_failed = true;
	}
	return ok;
}

#define ASSERT_TRUE(cond) ({						\
	bool ___ok = test_check(!!(cond), __FILE__, __LINE__);		\
	if (!___ok)							\
		printf("%s is false\n", #cond);		\
	___ok; })

#define ASSERT_EQ(a, b) ({						\
	long long ___a = (long long)(a), ___b = (long long)(b);	\
	bool ___ok = test_check(___a == ___b, __FILE__, __LINE__);	\
	if (!___ok)							\
		printf("%s == %s: %lld (0x%llx) != %lld (0x%llx)\n", \
			#a, #b, ___a, (unsigned long long)___a,		\
			___b, (unsigned long long)___b);		\
	___ok; })

#define ASSERT_STR(a, b) ({						\
	const char *___a = (a), *___b = (b);				\
	bool ___ok = test_check(___a && ___b && strcmp(___a, ___b) == 0, \
				__FILE__, __LINE__);			\
	if (!___ok)							\
		printf("%s == %s: \"%s\" != \"%s\"\n", #a, #b,	\
			___a ? ___a : "(null)", ___b ? ___b : "(null)");	\
	___ok; })

#define TEST(name) static void test_##name(void)

/* With no arguments every test runs. */
static inline bool test_selected(const char *name, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return argc <= 1;
}

static inline int test_run_all(const struct test_case *tests, size_t nr, int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	size_t i;

	for (i = 0; i < nr; i++) {
		if (!test_selected(tests[i].name, argc, argv))
			continue;
		test_failed = false;
		test_skip_reason = NULL;
		tests[i].fn();
		if (test_skip_reason && !test_failed) {
			printf("skip %s: %s\n", tests[i].name, test_skip_reason);
			skipped++;
			continue;
		}
		printf("%s %s\n", test_failed ? "FAIL" : "ok", tests[i].name);
		fflush(stdout);
		failed += test_failed;
		passed += !test_failed;
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}

#define TEST_CASE(name) { #name, test_##name }
/* TEST_MAIN(TEST_CASE(a), TEST_CASE(b), ...): the tests, in run order. */
#define TEST_MAIN(...)							\
int main(int argc, char **argv)					\
{									\
	static const struct test_case tests[] = { __VA_ARGS__ };	\
	return test_run_all(tests, sizeof(tests) / sizeof(tests[0]), argc, argv); \
}

#endif /* KVMSTAT_TEST_H */
