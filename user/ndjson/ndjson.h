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
#include "model/slow.h"
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
	__u32 detail_max;		/* --detail: keys per class kept in the kernel; 0: none */
	__u64 slow_threshold_ns;	/* --slow's default threshold; 0: none */
	__u64 slow_records;		/* slow-exit records sent in the line's interval */
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
	__u32 detail_max;		/* the run's --detail-max, 0 without --detail */
	__u64 slow_threshold_ns;	/* the run's --slow threshold, 0 without --slow */
	__u64 slow_records;		/* slow-exit records sent in the line's interval */
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
 * follows); -ENOMEM; RECORD_SLOW_LINE for a "slow_exit" line (not decoded: slow_decode).
 * r->snap is initialised either way: free it.
 */
int record_read_line(const char *text, size_t n, struct record *r, const struct record_names *names,
		     char *err, size_t errlen);
#define RECORD_SLOW_LINE 1
/* What a slow-exit line says besides its record (run --slow). */
struct slow_line_meta {
	const char *host;
	const char *kernel;
	enum kvmstat_arch arch;
	const struct names *names;
	bool keys;			/* the run had --detail: the record's key is written */
};

/* One "slow_exit" line. 0 or a write error (stream_flush). */
int ndjson_write_slow(FILE *out, const struct slow_exit *e, const struct slow_line_meta *m);

/* A slow-exit line read back. */
struct slow_decoded {
	struct slow_exit e;
	enum kvmstat_arch arch;
};

/* Is a parsed line a "slow_exit" one (else an interval or total line: record_decode)? */
bool record_is_slow(const struct jval *root);
/* Decodes a "slow_exit" line: 0, or -EINVAL with a one-line reason in err. */
int slow_decode(const struct jval *root, struct slow_decoded *out, const struct record_names *names,
		char *err, size_t errlen);

#endif /* KVMSTAT_NDJSON_H */
