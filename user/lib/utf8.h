/* SPDX-License-Identifier: GPL-2.0 */
/* UTF-8 (RFC 3629) for the parser and for writers of names that come from anywhere. */
#ifndef KVMSTAT_UTF8_H
#define KVMSTAT_UTF8_H

#include <stddef.h>
#include <linux/types.h>

/* Length of the valid UTF-8 sequence at s (no overlongs, no surrogates, at most
 * U+10FFFF), looking at most end - s bytes; 0 if invalid. */
size_t utf8_valid_len(const unsigned char *s, const unsigned char *end);
/* Encodes code point cp (at most U+10FFFF) into out; returns its length, 1 to 4. */
size_t utf8_encode(__u32 cp, unsigned char out[4]);

#endif /* KVMSTAT_UTF8_H */
