// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "ndjson/name_book.h"

/* A VM's name or UUID (tid 0), or the name of its thread tid (a tid is its process's). */
struct name_entry {
	__u32 pid, tid;
	enum record_name kind;
	char *name;
};

static struct name_entry *find(const struct name_book *b, enum record_name kind, __u32 pid,
			       __u32 tid)
{
	size_t i;

	for (i = 0; i < b->nr; i++)
		if (b->entries[i].pid == pid && b->entries[i].tid == tid && b->entries[i].kind == kind)
			return &b->entries[i];
	return NULL;
}

static void remember(void *ctx, enum record_name kind, __u32 pid, __u32 tid, const char *name)
{
	struct name_book *b = ctx;
	struct name_entry *e = find(b, kind, pid, tid), *n;
	char *copy = strdup(name);

	if (!copy)
		return;		/* the name stays unknown: "?" */
	if (e) {
		free(e->name);
		e->name = copy;
		return;
	}
	n = realloc(b->entries, (b->nr + 1) * sizeof(*n));
	if (!n) {
		free(copy);
		return;
	}
	b->entries = n;
	b->entries[b->nr++] = (struct name_entry){ pid, tid, kind, copy };
}

static const char *lookup(void *ctx, enum record_name kind, __u32 pid, __u32 tid)
{
	struct name_entry *e = find(ctx, kind, pid, tid);

	return e ? e->name : NULL;
}

static const char *vm_name(void *ctx, __u32 pid)
{
	return lookup(ctx, RECORD_VM_NAME, pid, 0);
}

static const char *vm_uuid(void *ctx, __u32 pid)
{
	return lookup(ctx, RECORD_VM_UUID, pid, 0);
}

static const char *vm_scope(void *ctx, __u32 pid)
{
	return lookup(ctx, RECORD_VM_SCOPE, pid, 0);
}

static const char *thread_name(void *ctx, __u32 pid, __u32 tid)
{
	return lookup(ctx, RECORD_THREAD_NAME, pid, tid);
}

void name_book_init(struct name_book *b)
{
	memset(b, 0, sizeof(*b));
	b->names = (struct names){ .vm_name = vm_name, .thread_name = thread_name, .vm_uuid = vm_uuid,
				   .vm_scope = vm_scope, .ctx = b };
}

struct record_names name_book_filler(struct name_book *b)
{
	return (struct record_names){ remember, b };
}

void name_book_free(struct name_book *b)
{
	size_t i;

	for (i = 0; i < b->nr; i++)
		free(b->entries[i].name);
	free(b->entries);
	name_book_init(b);
}
