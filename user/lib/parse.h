/* SPDX-License-Identifier: GPL-2.0 */
/* Option values typed by a user: integers and lists of integers, strictly (digits only). */
#ifndef KVMSTAT_PARSE_H
#define KVMSTAT_PARSE_H

#include <stddef.h>
#include <linux/types.h>

/* "42": decimal digits only (no sign, space or base prefix), 1..max. 0 or -EINVAL. */
int parse_uint(const char *s, unsigned long max, unsigned long *out);

/*
 * "0,2,5": decimal ids separated by single commas, each below limit, at most max_nr
 * of them (duplicates kept). 0 with *nr set, or -EINVAL (out partly written).
 */
int parse_uint_list(const char *s, __u32 limit, __u32 *out, size_t max_nr, size_t *nr);

#endif /* KVMSTAT_PARSE_H */
