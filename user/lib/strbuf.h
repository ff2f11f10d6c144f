/* SPDX-License-Identifier: GPL-2.0 */
/* A growing NUL-terminated string: text built in memory before it is kept or written. */
#ifndef KVMSTAT_STRBUF_H
#define KVMSTAT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct strbuf {
	char *s;		/* NULL until something is put */
	size_t len, cap;
};

/* Appends n bytes; false when out of memory (b keeps what it had). */
bool strbuf_put(struct strbuf *b, const void *data, size_t n);
bool strbuf_puts(struct strbuf *b, const char *s);
/* Room for n more bytes (and the NUL) without growing; false when out of memory. */
bool strbuf_reserve(struct strbuf *b, size_t n);
/* v in decimal. */
bool strbuf_put_u64(struct strbuf *b, __u64 v);
void strbuf_free(struct strbuf *b);

/* v in decimal at p, which has room for 20 digits; returns the end. */
char *put_decimal(char *p, __u64 v);

#endif /* KVMSTAT_STRBUF_H */
