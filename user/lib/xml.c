// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "lib/utf8.h"
#include "lib/xml.h"

void xml_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	size_t n;

	for (; p < end; p += n ? n : 1) {
		n = utf8_valid_len(p, end);
		if (!n || (*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f) {
			fputc('?', f);
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fwrite(p, 1, n, f); break;
		}
	}
}
