/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small, strict JSON parser (RFC 8259) building a tree: what `report` reads
 * NDJSON with, so kvmstat-bpf needs no JSON library. Strict: UTF-8 only, no
 * trailing commas, comments, NaN or leading zeros; duplicate keys rejected;
 * nesting limited. Errors carry the byte offset where parsing stopped.
 */
#ifndef KVMSTAT_JSON_PARSE_H
#define KVMSTAT_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define JSON_PARSE_MAX_DEPTH 64

enum jval_type {
	JVAL_NULL,
	JVAL_BOOL,
	JVAL_NUMBER,
	JVAL_STRING,
	JVAL_ARRAY,
	JVAL_OBJECT,
};

struct jmember;

struct jval {
	enum jval_type type;
	union {
		bool b;
		struct {
			double d;	/* every number */
			__u64 u;	/* exact value when is_u64 */
			bool is_u64;	/* no sign, fraction or exponent, fits in 64 bits */
		} num;
		struct {
			char *s;	/* NUL-terminated; may hold NULs (\u0000) before len */
			size_t len;
		} str;
		struct {
			struct jval *items;
			size_t nr;
		} arr;
		struct {
			struct jmember *members;	/* in input order */
			size_t nr;
		} obj;
	};
};

struct jmember {
	char *key;
	size_t key_len;
	struct jval val;
};

struct json_error {
	size_t offset;		/* byte offset into the text */
	char msg[96];
};

/* Parses exactly one JSON text (surrounding whitespace allowed). 0 or -EINVAL/-ENOMEM
 * with err filled; on error *out holds nothing to free. */
int json_parse(const char *text, size_t len, struct jval *out, struct json_error *err);
void jval_free(struct jval *v);

/* Member of an object by key, NULL if absent or v is not an object. */
const struct jval *jval_get(const struct jval *v, const char *key);
/* "object", "array", ...: for error messages. */
const char *jval_type_name(enum jval_type t);

#endif /* KVMSTAT_JSON_PARSE_H */
