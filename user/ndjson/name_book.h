/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names saved lines carry (VM names and UUIDs, thread names), kept as they
 * are read so renderers can look them up (model/names.h). The latest name a
 * line gives wins: a process may rename itself.
 */
#ifndef KVMSTAT_NAME_BOOK_H
#define KVMSTAT_NAME_BOOK_H

#include <stddef.h>
#include "model/names.h"
#include "ndjson/ndjson.h"

struct name_book {
	struct name_entry *entries;
	size_t nr;
	struct names names;	/* looks up in this book */
};

/* An empty book; the record_names that fill it, and its lookups. */
void name_book_init(struct name_book *b);
struct record_names name_book_filler(struct name_book *b);
static inline const struct names *name_book_names(const struct name_book *b)
{
	return &b->names;
}
void name_book_free(struct name_book *b);

#endif /* KVMSTAT_NAME_BOOK_H */
