// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "lib/parse.h"

/* Digits at *s up to the first non-digit, into *v (capped at max + 1); advances *s. */
static int take_digits(const char **s, unsigned long max, unsigned long *v)
{
	const char *p = *s;

	*v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = *p - '0';

		if (*v > max)
			continue;	/* already too big: refused, whatever follows */
		*v = d > max || *v > (max - d) / 10 ? max + 1 : *v * 10 + d;
	}
	if (p == *s)
		return -EINVAL;
	*s = p;
	return 0;
}

int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;

	if (max == (unsigned long)-1 || take_digits(&s, max, &v) || *s || !v || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_uint_list(const char *s, __u32 limit, __u32 *out, size_t max_nr, size_t *nr)
{
	unsigned long v;

	if (!limit)
		return -EINVAL;
	for (*nr = 0;; s++) {
		if (*nr == max_nr || take_digits(&s, limit - 1, &v) || v >= limit)
			return -EINVAL;
		out[(*nr)++] = v;
		if (!*s)
			return 0;
		if (*s != ',')
			return -EINVAL;
	}
}
