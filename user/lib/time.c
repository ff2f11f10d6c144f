// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE	/* strptime, timegm */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/time.h"

const char *fmt_rfc3339(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm = {};

	/* By hand: strftime's %Y does not pad years before 1000 to the 4 digits the reader wants. */
	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec);
	return buf;
}

int parse_rfc3339(const char *s, struct timespec *ts)
{
	struct tm tm = {};
	const char *rest;
	size_t i;

	/* Fixed width, so strptime's leniency (spaces, short fields) cannot slip through. */
	if (strlen(s) != 30 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != '.' || s[29] != 'Z')
		return -EINVAL;
	for (i = 0; i < 29; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && i != 19 &&
		    (s[i] < '0' || s[i] > '9'))
			return -EINVAL;
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest != s + 19)
		return -EINVAL;
	ts->tv_sec = timegm(&tm);
	ts->tv_nsec = strtol(s + 20, NULL, 10);
	return 0;
}
