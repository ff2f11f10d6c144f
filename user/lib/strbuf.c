// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "lib/strbuf.h"

bool strbuf_reserve(struct strbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 16;
	char *s;

	if (b->len + n + 1 <= b->cap)
		return true;
	while (cap < b->len + n + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s)
		return false;
	b->s = s;
	b->cap = cap;
	return true;
}

bool strbuf_put(struct strbuf *b, const void *data, size_t n)
{
	if (!strbuf_reserve(b, n))
		return false;
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
	return true;
}

bool strbuf_puts(struct strbuf *b, const char *s)
{
	return strbuf_put(b, s, strlen(s));
}

char *put_decimal(char *p, __u64 v)
{
	char buf[20], *d = buf + sizeof(buf);	/* UINT64_MAX has 20 digits */
	size_t n;

	do
		*--d = '0' + v % 10;
	while (v /= 10);
	n = buf + sizeof(buf) - d;
	memcpy(p, d, n);
	return p + n;
}

bool strbuf_put_u64(struct strbuf *b, __u64 v)
{
	if (!strbuf_reserve(b, 20))
		return false;
	b->len = put_decimal(b->s + b->len, v) - b->s;
	b->s[b->len] = '\0';
	return true;
}

void strbuf_free(struct strbuf *b)
{
	free(b->s);
	*b = (struct strbuf){};
}
