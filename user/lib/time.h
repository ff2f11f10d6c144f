/* SPDX-License-Identifier: GPL-2.0 */
/* RFC 3339 UTC with nanoseconds ("2026-11-21T05:43:00.123456789Z"): the format and its parser. */
#ifndef KVMSTAT_TIME_H
#define KVMSTAT_TIME_H

#include <stddef.h>
#include <time.h>

#define RFC3339_LEN 32		/* 30 characters and the NUL, rounded up */

/* Formats ts (UTC) into buf; returns buf. */
const char *fmt_rfc3339(const struct timespec *ts, char *buf, size_t len);
/* The inverse: 0, or -EINVAL unless s is exactly what fmt_rfc3339 writes (fixed width). */
int parse_rfc3339(const char *s, struct timespec *ts);

#endif /* KVMSTAT_TIME_H */
