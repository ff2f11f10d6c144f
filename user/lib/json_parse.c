// SPDX-License-Identifier: GPL-2.0
/* Strict RFC 8259 parser: recursive descent over a byte buffer, depth-limited. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_parse.h"
#include "lib/strbuf.h"
#include "lib/utf8.h"

struct parser {
	const unsigned char *start, *p, *end;
	int depth;
	struct json_error *err;
};

static int parse_value(struct parser *ps, struct jval *v);

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	ps->err->offset = ps->p - ps->start;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int fail_nomem(struct parser *ps)
{
	fail(ps, "out of memory");
	return -ENOMEM;
}

/* "unexpected 'x'" or "unexpected byte 0x01" or "unexpected end of input". */
static int fail_unexpected(struct parser *ps, const char *expected)
{
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end of input, expected %s", expected);
	if (*ps->p >= 0x20 && *ps->p < 0x7f)
		return fail(ps, "unexpected '%c', expected %s", *ps->p, expected);
	return fail(ps, "unexpected byte 0x%02x, expected %s", *ps->p, expected);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool sbuf_put_utf8(struct strbuf *b, __u32 cp)
{
	unsigned char u[4];

	return strbuf_put(b, u, utf8_encode(cp, u));
}

/* The 4 hex digits after "\u"; ps->p at the first digit, left after the last. */
static int parse_hex4(struct parser *ps, __u32 *out)
{
	__u32 v = 0;
	int i, d;

	for (i = 0; i < 4; i++, ps->p++) {
		if (ps->p >= ps->end)
			return fail(ps, "unexpected end of input in \\u escape");
		d = *ps->p;
		if (d >= '0' && d <= '9')
			d -= '0';
		else if (d >= 'a' && d <= 'f')
			d -= 'a' - 10;
		else if (d >= 'A' && d <= 'F')
			d -= 'A' - 10;
		else
			return fail(ps, "invalid \\u escape: expected 4 hex digits");
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* \uXXXX, with a UTF-16 surrogate pair as one code point; ps->p at the 'u'. */
static int parse_unicode_escape(struct parser *ps, struct strbuf *b)
{
	const unsigned char *esc = ps->p - 1;
	__u32 cp, lo;
	int err;

	ps->p++;
	err = parse_hex4(ps, &cp);
	if (err)
		return err;
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		ps->p = esc;
		return fail(ps, "invalid \\u escape: lone low surrogate");
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
			ps->p = esc;
			return fail(ps, "invalid \\u escape: high surrogate without a low one");
		}
		ps->p += 2;
		err = parse_hex4(ps, &lo);
		if (err)
			return err;
		if (lo < 0xdc00 || lo > 0xdfff) {
			ps->p = esc;
			return fail(ps, "invalid \\u escape: high surrogate without a low one");
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return sbuf_put_utf8(b, cp) ? 0 : fail_nomem(ps);
}

/* One escape sequence; ps->p at the backslash. */
static int parse_escape(struct parser *ps, struct strbuf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;

	ps->p++;
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end of input in escape");
	if (*ps->p == 'u')
		return parse_unicode_escape(ps, b);
	hit = *ps->p ? strchr(from, *ps->p) : NULL;
	if (!hit) {
		ps->p--;
		return fail(ps, "invalid escape");
	}
	ps->p++;
	return strbuf_put(b, &to[hit - from], 1) ? 0 : fail_nomem(ps);
}

/* A run of bytes that need no decoding, checked as UTF-8 without control characters. */
static int parse_plain_run(struct parser *ps, struct strbuf *b)
{
	const unsigned char *run = ps->p;
	size_t n;

	while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\') {
		if (*ps->p < 0x20)
			return fail(ps, "control character 0x%02x in string: must be escaped", *ps->p);
		n = utf8_valid_len(ps->p, ps->end);
		if (!n)
			return fail(ps, "invalid UTF-8 in string");
		ps->p += n;
	}
	return strbuf_put(b, run, ps->p - run) ? 0 : fail_nomem(ps);
}

/* A string; ps->p at the opening quote. */
static int parse_string(struct parser *ps, char **s, size_t *len)
{
	struct strbuf b = {};
	int err;

	ps->p++;
	if (!strbuf_put(&b, "", 0))
		return fail_nomem(ps);
	for (;;) {
		err = parse_plain_run(ps, &b);
		if (err)
			break;
		if (ps->p >= ps->end) {
			err = fail(ps, "unexpected end of input in string");
			break;
		}
		if (*ps->p == '"') {
			ps->p++;
			*s = b.s;
			*len = b.len;
			return 0;
		}
		err = parse_escape(ps, &b);
		if (err)
			break;
	}
	free(b.s);
	return err;
}

static bool is_digit(const struct parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

/* Checks the number grammar, leaving ps->p after it; *integer: digits only. */
static int scan_number(struct parser *ps, bool *integer)
{
	*integer = *ps->p != '-';
	if (*ps->p == '-')
		ps->p++;
	if (!is_digit(ps))
		return fail_unexpected(ps, "a digit");
	if (*ps->p++ == '0' && is_digit(ps))
		return fail(ps, "leading zero in number");
	while (is_digit(ps))
		ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		*integer = false;
		ps->p++;
		if (!is_digit(ps))
			return fail_unexpected(ps, "a digit after '.'");
		while (is_digit(ps))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		*integer = false;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps))
			return fail_unexpected(ps, "a digit in the exponent");
		while (is_digit(ps))
			ps->p++;
	}
	return 0;
}

static int parse_number(struct parser *ps, struct jval *v)
{
	const unsigned char *num = ps->p, *q;
	char buf[64], *copy = buf;
	size_t n;
	bool integer;
	int err = scan_number(ps, &integer);

	if (err)
		return err;
	v->type = JVAL_NUMBER;
	v->num.u = 0;
	v->num.is_u64 = integer;
	for (q = num; integer && q < ps->p; q++) {
		if (v->num.u > (~0ULL - (*q - '0')) / 10)
			v->num.is_u64 = false;	/* too big for u64: a double only */
		v->num.u = v->num.u * 10 + (*q - '0');
	}
	/* strtod needs a NUL-terminated copy: the text need not be terminated. */
	n = ps->p - num;
	if (n >= sizeof(buf) && !(copy = malloc(n + 1)))
		return fail_nomem(ps);
	memcpy(copy, num, n);
	copy[n] = '\0';
	v->num.d = strtod(copy, NULL);
	if (copy != buf)
		free(copy);
	if (!v->num.is_u64)
		v->num.u = 0;
	if (!isfinite(v->num.d)) {
		ps->p = num;
		return fail(ps, "number out of range");
	}
	return 0;
}

static int parse_literal(struct parser *ps, const char *word, struct jval *v, enum jval_type t, bool b)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return fail_unexpected(ps, "a value");
	ps->p += n;
	v->type = t;
	v->b = b;
	return 0;
}

/* Room for one more element of a growing array of size `size`. */
static void *grow(void *items, size_t nr, size_t *cap, size_t size)
{
	size_t c = *cap ? *cap * 2 : 4;
	void *n;

	if (nr < *cap)
		return items;
	n = realloc(items, c * size);
	if (n)
		*cap = c;
	return n;
}

static int enter(struct parser *ps)
{
	if (++ps->depth > JSON_PARSE_MAX_DEPTH)
		return fail(ps, "nesting deeper than %d", JSON_PARSE_MAX_DEPTH);
	ps->p++;
	skip_ws(ps);
	return 0;
}

/* After an element: ',' (more follow: true) or the closing bracket (false). */
static int next_element(struct parser *ps, char close, bool *more, const char *expected)
{
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		skip_ws(ps);
		*more = true;
		return 0;
	}
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		*more = false;
		return 0;
	}
	return fail_unexpected(ps, expected);
}

static int parse_array(struct parser *ps, struct jval *v)
{
	size_t cap = 0;
	struct jval *items;
	bool more = true;
	int err = enter(ps);

	v->type = JVAL_ARRAY;
	v->arr.items = NULL;
	v->arr.nr = 0;
	if (err)
		return err;
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		more = false;
	}
	while (more) {
		items = grow(v->arr.items, v->arr.nr, &cap, sizeof(*items));
		if (!items)
			return fail_nomem(ps);
		v->arr.items = items;
		items[v->arr.nr].type = JVAL_NULL;
		/* Owned by v from here: a half-built element is freed with it on error. */
		err = parse_value(ps, &items[v->arr.nr++]);
		if (err)
			return err;
		err = next_element(ps, ']', &more, "',' or ']'");
		if (err)
			return err;
	}
	ps->depth--;
	return 0;
}

static bool has_key(const struct jval *obj, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < obj->obj.nr; i++)
		if (obj->obj.members[i].key_len == len && !memcmp(obj->obj.members[i].key, key, len))
			return true;
	return false;
}

/* "key": value, appended to v; ps->p at the key's quote. */
static int parse_member(struct parser *ps, struct jval *v, size_t *cap)
{
	const unsigned char *at = ps->p;
	struct jmember *m, *members;
	int err;

	if (ps->p >= ps->end || *ps->p != '"')
		return fail_unexpected(ps, "a string key");
	members = grow(v->obj.members, v->obj.nr, cap, sizeof(*members));
	if (!members)
		return fail_nomem(ps);
	v->obj.members = members;
	m = &members[v->obj.nr];
	err = parse_string(ps, &m->key, &m->key_len);
	if (err)
		return err;
	if (has_key(v, m->key, m->key_len)) {
		ps->p = at;
		err = fail(ps, "duplicate key \"%.40s\"", m->key);
		free(m->key);
		return err;
	}
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != ':') {
		free(m->key);
		return fail_unexpected(ps, "':'");
	}
	ps->p++;
	skip_ws(ps);
	m->val.type = JVAL_NULL;
	v->obj.nr++;	/* owned by v from here: freed with it on error */
	return parse_value(ps, &m->val);
}

static int parse_object(struct parser *ps, struct jval *v)
{
	size_t cap = 0;
	bool more = true;
	int err = enter(ps);

	v->type = JVAL_OBJECT;
	v->obj.members = NULL;
	v->obj.nr = 0;
	if (err)
		return err;
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		more = false;
	}
	while (more) {
		err = parse_member(ps, v, &cap);
		if (err)
			return err;
		err = next_element(ps, '}', &more, "',' or '}'");
		if (err)
			return err;
	}
	ps->depth--;
	return 0;
}

static int parse_value(struct parser *ps, struct jval *v)
{
	v->type = JVAL_NULL;
	if (ps->p >= ps->end)
		return fail_unexpected(ps, "a value");
	switch (*ps->p) {
	case '{':
		return parse_object(ps, v);
	case '[':
		return parse_array(ps, v);
	case '"':
		v->type = JVAL_STRING;
		v->str.s = NULL;
		return parse_string(ps, &v->str.s, &v->str.len);
	case 't':
		return parse_literal(ps, "true", v, JVAL_BOOL, true);
	case 'f':
		return parse_literal(ps, "false", v, JVAL_BOOL, false);
	case 'n':
		return parse_literal(ps, "null", v, JVAL_NULL, false);
	}
	if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
		return parse_number(ps, v);
	return fail_unexpected(ps, "a value");
}

int json_parse(const char *text, size_t len, struct jval *out, struct json_error *err)
{
	struct parser ps = {
		.start = (const unsigned char *)text,
		.p = (const unsigned char *)text,
		.end = (const unsigned char *)text + len,
		.err = err,
	};
	int ret;

	skip_ws(&ps);
	ret = parse_value(&ps, out);
	if (!ret) {
		skip_ws(&ps);
		if (ps.p < ps.end)
			ret = fail_unexpected(&ps, "end of input after the value");
	}
	if (ret) {
		jval_free(out);
		out->type = JVAL_NULL;
	}
	return ret;
}

void jval_free(struct jval *v)
{
	size_t i;

	switch (v->type) {
	case JVAL_STRING:
		free(v->str.s);
		break;
	case JVAL_ARRAY:
		for (i = 0; i < v->arr.nr; i++)
			jval_free(&v->arr.items[i]);
		free(v->arr.items);
		break;
	case JVAL_OBJECT:
		for (i = 0; i < v->obj.nr; i++) {
			free(v->obj.members[i].key);
			jval_free(&v->obj.members[i].val);
		}
		free(v->obj.members);
		break;
	default:
		break;
	}
	v->type = JVAL_NULL;
}

const struct jval *jval_get(const struct jval *v, const char *key)
{
	size_t i, len = strlen(key);

	if (v->type != JVAL_OBJECT)
		return NULL;
	for (i = 0; i < v->obj.nr; i++)
		if (v->obj.members[i].key_len == len && !memcmp(v->obj.members[i].key, key, len))
			return &v->obj.members[i].val;
	return NULL;
}

const char *jval_type_name(enum jval_type t)
{
	static const char *const names[] = {
		[JVAL_NULL] = "null", [JVAL_BOOL] = "boolean", [JVAL_NUMBER] = "number",
		[JVAL_STRING] = "string", [JVAL_ARRAY] = "array", [JVAL_OBJECT] = "object",
	};

	return names[t];
}
