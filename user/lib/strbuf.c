// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "lib/strbuf.h"

bool strbuf_put(struct strbuf *b, const void *data, size_t n)
{
	char *s;

	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16;

		while (cap < b->len + n + 1)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s)
			return false;
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
	return true;
}

bool strbuf_puts(struct strbuf *b, const char *s)
{
	return strbuf_put(b, s, strlen(s));
}

bool strbuf_put_u64(struct strbuf *b, __u64 v)
{
	char buf[20], *p = buf + sizeof(buf);	/* UINT64_MAX has 20 digits */

	do
		*--p = '0' + v % 10;
	while (v /= 10);
	return strbuf_put(b, p, buf + sizeof(buf) - p);
}

void strbuf_free(struct strbuf *b)
{
	free(b->s);
	*b = (struct strbuf){};
}
