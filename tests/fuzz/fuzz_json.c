// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: json_parse (lib/json_parse.c), report's JSON parser, on any
 * bytes. Besides memory errors, undefined behaviour and leaks (the sanitizers),
 * it checks what the parser promises of a tree it accepts: every string is
 * valid UTF-8 of its stated length (NULs only from \u0000), keys of an object
 * are unique and jval_get finds each, an exact u64 agrees with its double,
 * and the same text parses the same with whitespace around it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_parse.h"
#include "lib/utf8.h"

static void check_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n;

	if (s[len])
		abort();	/* NUL-terminated after len */
	while (p < end) {
		n = *p ? utf8_valid_len(p, end) : 1;
		if (!n)
			abort();
		p += n;
	}
}

static void check_tree(const struct jval *v, int depth)
{
	size_t i, k;

	if (depth > JSON_PARSE_MAX_DEPTH + 1)
		abort();
	switch (v->type) {
	case JVAL_STRING:
		check_utf8(v->str.s, v->str.len);
		break;
	case JVAL_NUMBER:
		if (v->num.is_u64 && (double)v->num.u != v->num.d)
			abort();
		break;
	case JVAL_ARRAY:
		for (i = 0; i < v->arr.nr; i++)
			check_tree(&v->arr.items[i], depth + 1);
		break;
	case JVAL_OBJECT:
		for (i = 0; i < v->obj.nr; i++) {
			const struct jmember *m = &v->obj.members[i];

			check_utf8(m->key, m->key_len);
			for (k = 0; k < i; k++)
				if (m->key_len == v->obj.members[k].key_len &&
				    !memcmp(m->key, v->obj.members[k].key, m->key_len))
					abort();	/* duplicate key accepted */
			/* jval_get compares C strings: a key with a NUL cannot be asked for */
			if (strlen(m->key) == m->key_len && jval_get(v, m->key) != &m->val)
				abort();
			check_tree(&m->val, depth + 1);
		}
		break;
	default:
		break;
	}
}

/* Same structure and values: parsing does not depend on surrounding whitespace. */
static int same(const struct jval *a, const struct jval *b)
{
	size_t i;

	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case JVAL_BOOL:
		return a->b == b->b;
	case JVAL_NUMBER:
		return a->num.is_u64 == b->num.is_u64 && a->num.u == b->num.u &&
		       !memcmp(&a->num.d, &b->num.d, sizeof(double));
	case JVAL_STRING:
		return a->str.len == b->str.len && !memcmp(a->str.s, b->str.s, a->str.len);
	case JVAL_ARRAY:
		if (a->arr.nr != b->arr.nr)
			return 0;
		for (i = 0; i < a->arr.nr; i++)
			if (!same(&a->arr.items[i], &b->arr.items[i]))
				return 0;
		return 1;
	case JVAL_OBJECT:
		if (a->obj.nr != b->obj.nr)
			return 0;
		for (i = 0; i < a->obj.nr; i++)
			if (a->obj.members[i].key_len != b->obj.members[i].key_len ||
			    memcmp(a->obj.members[i].key, b->obj.members[i].key, a->obj.members[i].key_len) ||
			    !same(&a->obj.members[i].val, &b->obj.members[i].val))
				return 0;
		return 1;
	default:
		return 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_error err;
	struct jval v, w;
	char *padded;
	int ret, ret2;

	/* An exact-size copy: the parser must not read past len (no terminator). */
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	ret = json_parse(text, size, &v, &err);
	if (ret && (err.offset > size || !memchr(err.msg, '\0', sizeof(err.msg))))
		abort();
	padded = malloc(size + 2);
	if (padded) {
		padded[0] = ' ';
		memcpy(padded + 1, data, size);
		padded[size + 1] = '\n';
		ret2 = json_parse(padded, size + 2, &w, &err);
		if ((ret == 0) != (ret2 == 0) && ret != -ENOMEM && ret2 != -ENOMEM)
			abort();
		if (!ret && !ret2 && !same(&v, &w))
			abort();
		if (!ret2)
			jval_free(&w);
		free(padded);
	}
	if (!ret) {
		check_tree(&v, 0);
		jval_free(&v);
	}
	free(text);
	return 0;
}
