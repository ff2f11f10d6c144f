// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: parsers of values a user types or a file carries, each
 * against an independent oracle written here:
 * - parse_uint (-p, --max-keys, --time-every): accepted exactly when the text is
 *   decimal digits whose value is in 1..max (digit-string comparison, no strtoul);
 * - parse_uint_list (--vcpu): exactly when every comma-separated item is such a
 *   number below the limit and there are at most max_nr, with those values;
 * - parse_seconds (-i, -d): a value accepted is 1 ns .. 1e6 s;
 * - parse_rfc3339 (the NDJSON "interval" times): a time accepted formats back
 *   to the same text when its fields are in range, and parses again to itself.
 * The first byte chooses the parser, the rest is the value (a C string).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/format.h"
#include "lib/parse.h"
#include "lib/time.h"

/* Does the digit string d (len n, no sign) denote a value <= max? Compared as text. */
static bool digits_le(const char *d, size_t n, unsigned long max)
{
	char m[24];
	size_t mn;

	while (n > 1 && *d == '0')
		d++, n--;
	mn = snprintf(m, sizeof(m), "%lu", max);
	return n < mn || (n == mn && memcmp(d, m, n) <= 0);
}

static bool all_digits(const char *s, size_t n)
{
	return n && strspn(s, "0123456789") >= n;
}

static bool is_zero(const char *s, size_t n)
{
	return strspn(s, "0") >= n;
}

/* The value of a digit string known to fit. */
static unsigned long value_of(const char *s, size_t n)
{
	unsigned long v = 0;

	while (n--)
		v = v * 10 + (*s++ - '0');
	return v;
}

static void check_uint(const char *s, unsigned long max)
{
	size_t n = strlen(s);
	bool want = all_digits(s, n) && !is_zero(s, n) && digits_le(s, n, max);
	unsigned long v = 0;
	int err = parse_uint(s, max, &v);

	if ((err == 0) != want || (want && v != value_of(s, n)))
		abort();
}

static void check_list(const char *s, __u32 limit, size_t max_nr)
{
	__u32 ids[256], want_ids[256];
	size_t nr = 0, want_nr = 0, n;
	const char *p = s, *comma;
	bool want = true;

	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (!all_digits(p, n) || !digits_le(p, n, limit - 1) || want_nr == max_nr) {
			want = false;
			break;
		}
		want_ids[want_nr++] = value_of(p, n);
		if (!comma)
			break;
		p = comma + 1;
	}
	if ((parse_uint_list(s, limit, ids, max_nr, &nr) == 0) != want)
		abort();
	if (want && (nr != want_nr || memcmp(ids, want_ids, nr * sizeof(ids[0]))))
		abort();
}

static void check_seconds(const char *s)
{
	__u64 ns = 0;

	if (!parse_seconds(s, &ns) && (ns == 0 || ns > 1000000ULL * 1000000000ULL))
		abort();
}

static int days_in(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* Fields of "YYYY-MM-DDTHH:MM:SS" in range (no Feb 30, no leap second): formats back the same. */
static bool canonical(const char *s)
{
	int y, mo, d, h, mi, sec;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
		return false;
	return mo >= 1 && mo <= 12 && d >= 1 && d <= days_in(y, mo) && h <= 23 && mi <= 59 &&
	       sec <= 59;
}

static void check_rfc3339(const char *s)
{
	struct timespec ts, ts2;
	char buf[64];

	if (parse_rfc3339(s, &ts))
		return;
	if (ts.tv_nsec < 0 || ts.tv_nsec > 999999999)
		abort();
	fmt_rfc3339(&ts, buf, sizeof(buf));
	if (canonical(s) && strcmp(buf, s))
		abort();
	if (parse_rfc3339(buf, &ts2) || ts2.tv_sec != ts.tv_sec || ts2.tv_nsec != ts.tv_nsec)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (!size)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 8) {
	case 0: check_uint(s, INT_MAX); break;		/* -p */
	case 1: check_uint(s, 1U << 24); break;		/* --max-keys */
	case 2: check_uint(s, ULONG_MAX - 1); break;
	case 3: check_list(s, 0xffffffffU, 256); break;	/* --vcpu */
	case 4: check_list(s, 8, 4); break;
	case 5: check_seconds(s); break;		/* -i, -d */
	default: check_rfc3339(s); break;
	}
	free(s);
	return 0;
}
