/* SPDX-License-Identifier: GPL-2.0 */
/* A small streaming JSON writer: separators automatic, strings escaped per RFC 8259. */
#ifndef KVMSTAT_JSON_H
#define KVMSTAT_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, FILE *out);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_u64(struct json *j, __u64 v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key + value in one call */
void json_kv_string(struct json *j, const char *key, const char *s);	/* NULL: null */
void json_kv_u64(struct json *j, const char *key, __u64 v);
void json_kv_hex(struct json *j, const char *key, __u64 v);	/* "0x1f" */
void json_kv_double(struct json *j, const char *key, double v);
void json_kv_bool(struct json *j, const char *key, bool v);

/* Writes s as a JSON string literal: quotes, backslash and control characters
 * escaped, invalid UTF-8 replaced by U+FFFD. */
void json_write_escaped(FILE *out, const char *s);

#endif /* KVMSTAT_JSON_H */
