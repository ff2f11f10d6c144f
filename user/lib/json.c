// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <string.h>
#include "lib/json.h"
#include "lib/utf8.h"

/*
 * Characters go out with putc_unlocked, numbers are formatted by hand: a line of
 * many vCPUs is mostly short tokens, where a locked call per character or a
 * printf per number shows. A line is written by one thread.
 */

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma[0] = false;
	j->after_key = false;
}

/* Separator before a value or key at the current depth. */
static void json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		putc_unlocked(',', j->out);
	j->need_comma[j->depth] = true;
}

static void json_open(struct json *j, char c)
{
	json_sep(j);
	putc_unlocked(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void json_close(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	putc_unlocked(c, j->out);
}

void json_object_begin(struct json *j) { json_open(j, '{'); }
void json_object_end(struct json *j) { json_close(j, '}'); }
void json_array_begin(struct json *j) { json_open(j, '['); }
void json_array_end(struct json *j) { json_close(j, ']'); }

/* Byte by byte: for the short keys and numbers of a line, cheaper than a call to fwrite. */
static void put_bytes(FILE *out, const char *s, size_t n)
{
	while (n--)
		putc_unlocked(*s++, out);
}

void json_write_escaped(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + strlen(str);
	size_t n;

	putc_unlocked('"', out);
	while (*s) {
		if (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\') {
			putc_unlocked(*s++, out);
			continue;
		}
		switch (*s) {
		case '"': fputs("\\\"", out); s++; continue;
		case '\\': fputs("\\\\", out); s++; continue;
		case '\b': fputs("\\b", out); s++; continue;
		case '\f': fputs("\\f", out); s++; continue;
		case '\n': fputs("\\n", out); s++; continue;
		case '\r': fputs("\\r", out); s++; continue;
		case '\t': fputs("\\t", out); s++; continue;
		}
		if (*s < 0x20) {
			fprintf(out, "\\u%04x", *s++);
			continue;
		}
		n = utf8_valid_len(s, end);
		if (!n) {
			fputs("\\ufffd", out);
			s++;
			continue;
		}
		put_bytes(out, (const char *)s, n);
		s += n;
	}
	putc_unlocked('"', out);
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_write_escaped(j->out, key);
	putc_unlocked(':', j->out);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	json_sep(j);
	json_write_escaped(j->out, s);
}

void json_u64(struct json *j, __u64 v)
{
	char buf[20], *p = buf + sizeof(buf);	/* UINT64_MAX has 20 digits */

	json_sep(j);
	do
		*--p = '0' + v % 10;
	while (v /= 10);
	put_bytes(j->out, p, buf + sizeof(buf) - p);
}

void json_double(struct json *j, double v)
{
	json_sep(j);
	if (isfinite(v))
		fprintf(j->out, "%.17g", v);
	else
		fputs("null", j->out);	/* JSON has no NaN/Inf */
}

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	json_sep(j);
	fputs("null", j->out);
}

void json_kv_hex(struct json *j, const char *key, __u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	json_kv_string(j, key, buf);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s)
		json_string(j, s);
	else
		json_null(j);
}

void json_kv_u64(struct json *j, const char *key, __u64 v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_kv_double(struct json *j, const char *key, double v)
{
	json_key(j, key);
	json_double(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
