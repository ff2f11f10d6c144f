/* SPDX-License-Identifier: GPL-2.0 */
/* Text into XML and HTML (the report page, its SVG): escaped, always well-formed. */
#ifndef KVMSTAT_XML_H
#define KVMSTAT_XML_H

#include <stdio.h>

/*
 * s as character data or an attribute value: & < > " ' escaped; what XML 1.0
 * cannot hold (control characters but tab and newline) and bytes that are not
 * UTF-8 written as '?'. Errors show in the stream (ferror).
 */
void xml_text(FILE *f, const char *s);

#endif /* KVMSTAT_XML_H */
