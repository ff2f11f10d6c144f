// SPDX-License-Identifier: GPL-2.0
/* The strict JSON parser (RFC 8259) on hand-written texts, and the writer's strings read back. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/json.h"
#include "lib/json_parse.h"
#include "test.h"


static bool parse(const char *text, struct jval *v)
{
	struct json_error e = {};
	int err = json_parse(text, strlen(text), v, &e);

	if (err)
		printf("parse error at %zu: %s\n", e.offset, e.msg);
	return ASSERT_EQ(err, 0);
}

TEST(scalars)
{
	struct jval v;

	if (parse(" true ", &v))
		ASSERT_TRUE(v.type == JVAL_BOOL && v.b);
	if (parse("false", &v))
		ASSERT_TRUE(v.type == JVAL_BOOL && !v.b);
	if (parse("null", &v))
		ASSERT_EQ(v.type, JVAL_NULL);
	if (parse("\t\r\n0\n", &v))
		ASSERT_TRUE(v.type == JVAL_NUMBER && v.num.is_u64 && v.num.u == 0);
}

TEST(numbers_u64_exact_else_double)
{
	struct jval v;

	if (parse("18446744073709551615", &v)) {
		ASSERT_TRUE(v.num.is_u64);
		ASSERT_TRUE(v.num.u == UINT64_MAX);
	}
	if (parse("18446744073709551616", &v)) {	/* 2^64: no longer a u64 */
		ASSERT_TRUE(!v.num.is_u64);
		ASSERT_TRUE(v.num.d == 18446744073709551616.0);
	}
	if (parse("9007199254740993", &v))	/* 2^53 + 1: not representable as a double */
		ASSERT_TRUE(v.num.is_u64 && v.num.u == 9007199254740993ULL);
	if (parse("-12", &v))
		ASSERT_TRUE(!v.num.is_u64 && v.num.d == -12.0);
	if (parse("1.5e3", &v))
		ASSERT_TRUE(!v.num.is_u64 && v.num.d == 1500.0);
	if (parse("1E-2", &v))
		ASSERT_TRUE(!v.num.is_u64 && v.num.d == 0.01);
	if (parse("-0.0", &v))
		ASSERT_TRUE(!v.num.is_u64 && v.num.d == 0.0);
}

TEST(string_escapes_and_surrogates)
{
	struct jval v;

	if (parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"", &v)) {
		ASSERT_STR(v.str.s, "q\" b\\ s/ \b\f\n\r\t");
		jval_free(&v);
	}
	/* A, e-acute, euro sign, U+1F600 (a surrogate pair), lower- and upper-case hex */
	if (parse("\"\\u0041\\u00e9\\u20AC\\ud83d\\uDE00\"", &v)) {
		ASSERT_STR(v.str.s, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
		ASSERT_EQ(v.str.len, 10);
		jval_free(&v);
	}
	if (parse("\"a\\u0000b\"", &v)) {	/* NUL kept, length tells */
		ASSERT_EQ(v.str.len, 3);
		ASSERT_TRUE(!memcmp(v.str.s, "a\0b", 4));
		jval_free(&v);
	}
	if (parse("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", &v)) {	/* raw UTF-8 passes through */
		ASSERT_STR(v.str.s, "caf\xc3\xa9 \xf0\x9f\x98\x80");
		jval_free(&v);
	}
}

TEST(nested_values_and_lookup)
{
	const struct jval *a, *b;
	struct jval v;

	if (!parse("{\"a\": [1, {\"b\": \"x\"}, [], {}], \"c\": null}", &v))
		return;
	a = jval_get(&v, "a");
	if (ASSERT_TRUE(a && a->type == JVAL_ARRAY) && ASSERT_EQ(a->arr.nr, 4)) {
		ASSERT_EQ(a->arr.items[0].num.u, 1);
		b = jval_get(&a->arr.items[1], "b");
		ASSERT_TRUE(b && b->type == JVAL_STRING && !strcmp(b->str.s, "x"));
		ASSERT_EQ(a->arr.items[2].arr.nr, 0);
		ASSERT_EQ(a->arr.items[3].obj.nr, 0);
	}
	ASSERT_TRUE(jval_get(&v, "c") && jval_get(&v, "c")->type == JVAL_NULL);
	ASSERT_TRUE(!jval_get(&v, "d"));
	ASSERT_TRUE(!jval_get(a, "a"));	/* not an object */
	jval_free(&v);
}

TEST(text_need_not_be_terminated)
{
	static const char text[] = { '[', '1', '2', ']', '3' };
	struct json_error e;
	struct jval v;

	if (ASSERT_EQ(json_parse(text, 4, &v, &e), 0)) {
		ASSERT_EQ(v.arr.items[0].num.u, 12);
		jval_free(&v);
	}
}

struct bad {
	const char *text;
	size_t len;		/* 0: strlen */
	size_t offset;
	const char *msg;	/* a substring of the message */
};

TEST(errors_name_the_byte_offset)
{
	static const struct bad bad[] = {
		{ "", 0, 0, "unexpected end of input, expected a value" },
		{ "   ", 0, 3, "unexpected end of input" },
		{ "[1,]", 0, 3, "unexpected ']', expected a value" },
		{ "[1 2]", 0, 3, "unexpected '2', expected ',' or ']'" },
		{ "{\"a\":1,}", 0, 7, "expected a string key" },
		{ "{\"a\" 1}", 0, 5, "expected ':'" },
		{ "{'a':1}", 0, 1, "unexpected ''', expected a string key" },
		{ "{\"a\":1,\"a\":2}", 0, 7, "duplicate key \"a\"" },
		{ "[1] x", 0, 4, "expected end of input after the value" },
		{ "01", 0, 1, "leading zero" },
		{ "1.", 0, 2, "expected a digit after '.'" },
		{ "1e+", 0, 3, "expected a digit in the exponent" },
		{ "-", 0, 1, "expected a digit" },
		{ "+1", 0, 0, "unexpected '+'" },
		{ "1e999", 0, 0, "number out of range" },
		{ "NaN", 0, 0, "unexpected 'N'" },
		{ "tru", 0, 0, "expected a value" },
		{ "\"abc", 0, 4, "unexpected end of input in string" },
		{ "\"a\x01\"", 0, 2, "control character 0x01" },
		{ "\"a\tb\"", 0, 2, "control character 0x09" },
		{ "\"\\x\"", 0, 1, "invalid escape" },
		{ "\"\\u12g4\"", 0, 5, "expected 4 hex digits" },
		{ "\"\\u12", 0, 5, "unexpected end of input in \\u escape" },
		{ "\"\\ud800\"", 0, 1, "high surrogate without a low one" },
		{ "\"\\ud800\\u0041\"", 0, 1, "high surrogate without a low one" },
		{ "\"\\udc00\"", 0, 1, "lone low surrogate" },
		{ "\"\xff\"", 0, 1, "invalid UTF-8" },
		{ "\"\xc0\xaf\"", 0, 1, "invalid UTF-8" },		/* overlong '/' */
		{ "\"\xed\xa0\x80\"", 0, 1, "invalid UTF-8" },	/* an encoded surrogate */
		{ "\"\xe2\x82\"", 0, 1, "invalid UTF-8" },		/* truncated sequence */
		{ "[\0]", 3, 1, "unexpected byte 0x00" },
		{ "{\"a\":[1,{\"b\":", 0, 13, "unexpected end of input, expected a value" },
	};
	struct json_error e;
	struct jval v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
		bool ok;

		memset(&e, 0, sizeof(e));
		ok = ASSERT_EQ(json_parse(bad[i].text, len, &v, &e), -EINVAL);
		ok = ok && ASSERT_EQ(e.offset, bad[i].offset);
		ok = ok && ASSERT_TRUE(strstr(e.msg, bad[i].msg));
		ok = ok && ASSERT_EQ(v.type, JVAL_NULL);
		if (!ok)
			printf("  case %zu: '%s' -> %zu: %s\n", i, bad[i].text, e.offset, e.msg);
	}
}

TEST(depth_limit)
{
	char deep[2 * JSON_PARSE_MAX_DEPTH + 3];
	struct json_error e;
	struct jval v;
	int n = JSON_PARSE_MAX_DEPTH;

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	if (ASSERT_EQ(json_parse(deep, 2 * n, &v, &e), 0))
		jval_free(&v);
	memmove(deep + 1, deep, 2 * n);	/* one level more */
	deep[2 * n + 1] = ']';
	deep[2 * n + 2] = '\0';
	ASSERT_EQ(json_parse(deep, 2 * n + 2, &v, &e), -EINVAL);
	ASSERT_EQ(e.offset, JSON_PARSE_MAX_DEPTH);
	ASSERT_TRUE(strstr(e.msg, "nesting deeper than 64"));
}

/* What the writer escapes, the parser restores. */
TEST(writer_strings_read_back)
{
	static const char *const strs[] = {
		"plain", "quote \" backslash \\ slash /", "\b\f\n\r\t\x01\x1f\x7f",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "",
	};
	char *buf;
	size_t len, i;
	struct jval v;
	FILE *f;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		buf = NULL;
		f = open_memstream(&buf, &len);
		json_write_escaped(f, strs[i]);
		fclose(f);
		if (parse(buf, &v)) {
			ASSERT_STR(v.str.s, strs[i]);
			jval_free(&v);
		}
		free(buf);
	}
}

TEST_MAIN(TEST_CASE(scalars),
	  TEST_CASE(numbers_u64_exact_else_double),
	  TEST_CASE(string_escapes_and_surrogates),
	  TEST_CASE(nested_values_and_lookup),
	  TEST_CASE(text_need_not_be_terminated),
	  TEST_CASE(errors_name_the_byte_offset),
	  TEST_CASE(depth_limit),
	  TEST_CASE(writer_strings_read_back))
