// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/format.h"

/* Three significant digits, unit chosen so the number is below 1000. */
const char *fmt_duration(__u64 ns, char *buf, size_t len)
{
	static const char *units[] = { "ns", "us", "ms", "s" };
	double v = ns;
	unsigned int u = 0;

	while (v >= 999.5 && u < 3) {
		v /= 1000;
		u++;
	}
	if (u == 0 || v >= 99.95)
		snprintf(buf, len, "%.0f%s", v, units[u]);
	else if (v >= 9.995)
		snprintf(buf, len, "%.1f%s", v, units[u]);
	else
		snprintf(buf, len, "%.2f%s", v, units[u]);
	return buf;
}

int parse_seconds(const char *s, __u64 *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 1e6)
		return -EINVAL;
	*ns = (__u64)(v * 1e9 + 0.5);
	return *ns ? 0 : -EINVAL;
}

int parse_duration(const char *s, __u64 *ns)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0 || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (v * units[i].ns > 1e15 || v * units[i].ns < 0.5)
			return -EINVAL;
		*ns = (__u64)(v * units[i].ns + 0.5);
		return 0;
	}
	return -EINVAL;
}
