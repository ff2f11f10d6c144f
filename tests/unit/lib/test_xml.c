// SPDX-License-Identifier: GPL-2.0
/* Text escaped for XML and HTML. */
#include <stdlib.h>
#include "lib/xml.h"
#include "test.h"

static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	xml_text(f, s);
	fclose(f);
	return buf;
}

TEST(markup_characters_escaped)
{
	char *s = escaped("<a href=\"x\">&'b'</a>");

	ASSERT_STR(s, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;b&#39;&lt;/a&gt;");
	free(s);
}

TEST(what_xml_cannot_hold_becomes_a_question_mark)
{
	/* a control character, DEL, a lone continuation byte, a truncated sequence; UTF-8 kept */
	char *s = escaped("a\x01" "b\x7f" "c\x80" "d caf\xc3\xa9 \xe4\xb8\xad\tx\xe4\xb8");

	ASSERT_STR(s, "a?b?c?d caf\xc3\xa9 \xe4\xb8\xad\tx??");
	free(s);
}

TEST_MAIN(TEST_CASE(markup_characters_escaped), TEST_CASE(what_xml_cannot_hold_becomes_a_question_mark))
