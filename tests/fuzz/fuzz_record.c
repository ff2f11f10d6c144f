// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: one NDJSON line through the reader of report and run --replay
 * (record_read_line: json_parse, then record_decode, ndjson/record.c). Besides the
 * sanitizers' memory errors, undefined behaviour and leaks, a line the reader
 * accepts must survive the round trip through run's writer: ndjson_write of the
 * decoded snapshot, decoded again, holds the same samples (grouped as the line
 * was), drops, times, arch, spans, header strings and names. This is the promise
 * `report` relies on: whatever it accepts, it would have written the same.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/view.h"
#include "ndjson/ndjson.h"

#define MAX_NAMES 64
#define NR_KINDS 3	/* enum record_name */

struct name_map {
	size_t nr;
	bool full;
	struct { enum record_name kind; __u64 id; char *name; } e[MAX_NAMES];	/* id: pid << 32 | tid */
};

static void remember(void *ctx, enum record_name kind, __u32 pid, __u32 tid, const char *name)
{
	struct name_map *m = ctx;
	__u64 id = (__u64)pid << 32 | tid;
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (m->e[i].kind == kind && m->e[i].id == id)
			break;
	if (i == MAX_NAMES) {
		m->full = true;
		return;
	}
	if (i == m->nr)
		m->nr++;
	else
		free(m->e[i].name);
	m->e[i].kind = kind;
	m->e[i].id = id;
	m->e[i].name = strdup(name);
}

static const char *lookup(const struct name_map *m, enum record_name kind, __u64 id)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (m->e[i].kind == kind && m->e[i].id == id)
			return m->e[i].name;
	return NULL;
}

static const char *vm_name(void *ctx, __u32 pid) { return lookup(ctx, RECORD_VM_NAME, (__u64)pid << 32); }
static const char *vm_uuid(void *ctx, __u32 pid) { return lookup(ctx, RECORD_VM_UUID, (__u64)pid << 32); }
static const char *vm_scope(void *ctx, __u32 pid) { return lookup(ctx, RECORD_VM_SCOPE, (__u64)pid << 32); }

static const char *thread_name(void *ctx, __u32 pid, __u32 tid)
{
	return lookup(ctx, RECORD_THREAD_NAME, (__u64)pid << 32 | tid);
}

static void free_names(struct name_map *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		free(m->e[i].name);
	m->nr = 0;
}

/* Reads one line as report and replay do (record_read_line); 0 with r filled, else nonzero.
 * r->snap needs freeing either way. */
static int decode(const char *text, size_t len, struct record *r, struct name_map *names)
{
	const struct record_names rn = { remember, names };
	char msg[256];
	int err = record_read_line(text, len, r, &rn, msg, sizeof(msg));

	if (err == RECORD_SLOW_LINE)
		return err;	/* a slow_exit line: not a record (report decodes it apart) */
	if (err && (!memchr(msg, '\0', sizeof(msg)) || !msg[0]))
		abort();	/* a refusal says why, in a bounded line */
	return err;
}

static bool same_rows(const struct view_level *a, const struct view_level *b)
{
	size_t i;

	if (a->nr_rows != b->nr_rows)
		return false;
	for (i = 0; i < a->nr_rows; i++)
		if (memcmp(&a->keys[i], &b->keys[i], sizeof(a->keys[i])) ||
		    memcmp(&a->rows[i]->val, &b->rows[i]->val, sizeof(a->rows[i]->val)))
			return false;
	return true;
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "round trip: %s differs\n", what);
		abort();
	}
}

/* Is a VM (or thread) of a row, at a level that writes its names? */
static bool named_in(const struct view_level *l, enum grouping level, enum record_name kind,
		     __u64 id)
{
	bool thread = kind == RECORD_THREAD_NAME;
	size_t i;

	if (level == GROUP_CLASS || (thread && level != GROUP_VCPU))
		return false;
	for (i = 0; i < l->nr_rows; i++)
		if (l->keys[i].vm == id >> 32 && (!thread || l->keys[i].tid == (__u32)id))
			return true;
	return false;
}

static void compare(const struct record *r, const struct name_map *names, const struct view *v1,
		    const struct record *r2, const struct name_map *names2, const struct view *v2)
{
	const struct view_level *l = &v1->level[r->level];
	size_t i;

	check(same_rows(l, &v2->level[r->level]), "samples");
	check(r2->level == r->level && r2->spans == r->spans && r2->total == r->total, "header");
	check(r2->snap.arch == r->snap.arch, "arch");
	check(!memcmp(r2->snap.drops, r->snap.drops, sizeof(r->snap.drops)), "drops");
	check(r2->snap.start_mono_ns == r->snap.start_mono_ns &&
	      r2->snap.end_mono_ns == r->snap.end_mono_ns, "mono times");
	check(r2->snap.start_wall.tv_sec == r->snap.start_wall.tv_sec &&
	      r2->snap.start_wall.tv_nsec == r->snap.start_wall.tv_nsec &&
	      r2->snap.end_wall.tv_sec == r->snap.end_wall.tv_sec &&
	      r2->snap.end_wall.tv_nsec == r->snap.end_wall.tv_nsec, "wall times");
	check(!strcmp(r2->host, r->host) && !strcmp(r2->kernel, r->kernel) &&
	      !strcmp(r2->vcpu_source, r->vcpu_source), "host, kernel or vcpu_source");
	for (i = 0; i < names->nr && !names->full; i++)
		if (named_in(l, r->level, names->e[i].kind, names->e[i].id))
			check(!strcmp(names->e[i].name,
				      lookup(names2, names->e[i].kind, names->e[i].id) ?: "(none)"),
			      "a name");
}

/* r decoded from the input: written again by run's writer and read back. */
static void round_trip(struct record *r, struct name_map *names)
{
	const struct names n = { .vm_name = vm_name, .thread_name = thread_name, .vm_uuid = vm_uuid,
				 .vm_scope = vm_scope, .ctx = names };
	const struct ndjson_meta m = {
		.type = r->total ? RECORD_TOTAL : RECORD_INTERVAL, .host = r->host,
		.kernel = r->kernel, .vcpu_source = r->vcpu_source, .spans = r->spans,
		.by = r->level, .names = &n, .detail_max = r->detail_max,
		.slow_threshold_ns = r->slow_threshold_ns, .slow_records = r->slow_records,
	};
	struct name_map names2 = {};
	struct view v1, v2;
	struct record r2;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (view_build(&v1, &r->snap, r->level, 0)) {
		view_free(&v1);
		return;
	}
	f = open_memstream(&text, &len);
	if (f && !ndjson_write(f, &v1, &m) && !fclose(f)) {
		if (decode(text, len, &r2, &names2))
			check(false, "decoding the rewritten line");
		if (!view_build(&v2, &r2.snap, r->level, 0))
			compare(r, names, &v1, &r2, &names2, &v2);
		view_free(&v2);
		snapshot_free(&r2.snap);
	} else if (f) {
		fclose(f);
	}
	view_free(&v1);
	free_names(&names2);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct name_map names = {};
	struct record r;
	char *text = malloc(size ? size : 1);	/* exact size: no terminator to lean on */

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (!decode(text, size, &r, &names))
		round_trip(&r, &names);
	snapshot_free(&r.snap);
	free_names(&names);
	free(text);
	return 0;
}
