/* SPDX-License-Identifier: GPL-2.0 */
/* Human units for durations and rates. */
#ifndef KVMSTAT_FORMAT_H
#define KVMSTAT_FORMAT_H

#include <stddef.h>
#include <linux/types.h>

#define DURATION_LEN 16

/* "0ns", "950ns", "1.23us", "12.3us", "123us", "1.23ms", ..., "1.23s", "123s". */
const char *fmt_duration(__u64 ns, char *buf, size_t len);
/* Parses seconds ("1", "0.2", "2.5") into ns; -EINVAL unless 0 < value <= 1e6 s. */
int parse_seconds(const char *s, __u64 *ns);
/* Parses a duration with its unit ("1ms", "500us", "2.5s", "100ns") into ns; -EINVAL
 * without a unit, or unless 0 < value <= 1e6 s. */
int parse_duration(const char *s, __u64 *ns);

#endif /* KVMSTAT_FORMAT_H */
