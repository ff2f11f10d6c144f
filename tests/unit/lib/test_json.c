// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: escaping and separators. */
#include <stdlib.h>
#include <string.h>
#include "lib/json.h"
#include "test.h"

static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_write_escaped(f, s);
	fclose(f);
	return buf;
}

TEST(json_escapes_per_rfc8259)
{
	char *e;

	e = escaped("vm \"a\\b\"");
	ASSERT_STR(e, "\"vm \\\"a\\\\b\\\"\"");
	free(e);
	e = escaped("tab\there\nnl\x01\x1f\x7f'");
	ASSERT_STR(e, "\"tab\\there\\nnl\\u0001\\u001f\x7f'\"");
	free(e);
	e = escaped("caf\xc3\xa9 \xff\xc0\xaf \xed\xa0\x80");	/* valid é; invalid, overlong, surrogate */
	ASSERT_STR(e, "\"caf\xc3\xa9 \\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd\"");
	free(e);
}

TEST(json_writer_separators)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_object_begin(&j);
	json_kv_u64(&j, "a", 1);
	json_key(&j, "b");
	json_array_begin(&j);
	json_u64(&j, 2);
	json_object_begin(&j);
	json_object_end(&j);
	json_null(&j);
	json_array_end(&j);
	json_kv_string(&j, "c", "x");
	json_object_end(&j);
	fclose(f);
	ASSERT_STR(buf, "{\"a\":1,\"b\":[2,{},null],\"c\":\"x\"}");
	free(buf);
}

TEST_MAIN(TEST_CASE(json_escapes_per_rfc8259),
	  TEST_CASE(json_writer_separators))
