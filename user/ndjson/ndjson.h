/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NDJSON records (docs/kvmstat.schema.json): the line `run --json` writes per
 * interval and for the whole run, and `report`'s reading of it back into a
 * snapshot. Both follow one field list (ndjson/fields.h).
 */
#ifndef KVMSTAT_NDJSON_H
#define KVMSTAT_NDJSON_H

#include <stdbool.h>
#include <stdio.h>
#include "lib/json_parse.h"
#include "model/names.h"
#include "model/view.h"

#define KVMSTAT_SCHEMA_VERSION 1

/* What a line says about the run besides the counts. */
struct ndjson_meta {
	enum record_type type;
	const char *host;
	const char *kernel;
	const char *vcpu_source;
	__u32 spans;			/* bit per enum kvmstat_span */
	enum grouping by;		/* nesting: classes, per VM, per vCPU thread */
	const struct names *names;
};

/* One line for v (built to at least m->by). 0 or a write error (stream_flush). */
int ndjson_write(FILE *out, const struct view *v, const struct ndjson_meta *m);

#define RECORD_STR_LEN 256

/* A line read back: the samples at its grouping (the deepest level it has), with
 * their exact counts, sums, min/max and fine buckets; derived fields are not read. */
struct record {
	struct snapshot snap;
	bool total;			/* "type": "total" rather than "interval" */
	enum grouping level;
	__u32 spans;			/* bit per enum kvmstat_span */
	char host[RECORD_STR_LEN];
	char kernel[RECORD_STR_LEN];
	char vcpu_source[RECORD_STR_LEN];
};

/* What a name a record carries names. */
enum record_name {
	RECORD_VM_NAME,		/* of VM pid (tid 0) */
	RECORD_THREAD_NAME,	/* of thread tid of VM pid */
	RECORD_VM_UUID,		/* of VM pid (tid 0) */
	RECORD_VM_SCOPE,	/* of VM pid (tid 0) */
};

/* Told every name a record carries (name never NULL). */
struct record_names {
	void (*name)(void *ctx, enum record_name kind, __u32 pid, __u32 tid, const char *name);
	void *ctx;
};

/*
 * Decodes one parsed line. 0, or -EINVAL with a one-line reason in err naming
 * the member ("vms[0].vcpus[1].classes[0].handling.min_ns: expected ..."), or
 * -ENOMEM. A schema_version newer than KVMSTAT_SCHEMA_VERSION is refused first,
 * whatever else the line holds. r->snap is initialised either way: free it.
 */
int record_decode(const struct jval *root, struct record *r, const struct record_names *names,
		  char *err, size_t errlen);

/*
 * One line as getline reads it (n bytes, its newline if any), parsed and decoded.
 * 0; -EINVAL with a one-line reason in err (record_decode's, or "invalid JSON at
 * byte N: ...", plus " (truncated file?)" when the text ends early and no newline
 * follows); -ENOMEM. r->snap is initialised either way: free it.
 */
int record_read_line(const char *text, size_t n, struct record *r, const struct record_names *names,
		     char *err, size_t errlen);

#endif /* KVMSTAT_NDJSON_H */
