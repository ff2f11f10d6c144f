/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers: pure functions of a (grouped, sorted) snapshot. */
#ifndef KVMSTAT_RENDER_H
#define KVMSTAT_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include "snapshot.h"

/* Names of VMs and vCPU threads, looked up by the caller (from /proc in `run`). */
struct names {
	const char *(*vm_name)(void *ctx, __u32 pid);	/* NULL if unknown */
	const char *(*thread_name)(void *ctx, __u32 tid);	/* NULL if unknown */
	void *ctx;
};

struct table_opts {
	enum grouping by;
	enum kvmstat_span span;
	bool final;		/* the whole-run summary rather than one interval */
	const struct names *names;
};

/* Name of a span as printed: "handling" / "guest". */
const char *span_name(enum kvmstat_span span);
/* "DABT_LOW" or "DABT_LOW/user" for exits that went out to the VMM. */
const char *class_label(enum kvmstat_arch arch, const struct kvmstat_key *key, char *buf, size_t len);

/* The table: one row per class (per group when grouped), totals, losses. */
void render_table(FILE *out, const struct snapshot *view, const struct table_opts *o);

/* What a JSON line says about the run besides the counts. */
struct json_meta {
	const char *type;		/* "interval" or "total" */
	const char *host;
	const char *kernel;
	const char *vcpu_source;
	__u32 spans;			/* bit per enum kvmstat_span */
	enum grouping by;
	const struct names *names;
};

#define KVMSTAT_SCHEMA_VERSION 1
#define KVMSTAT_VERSION "0.1.0"

/* "2026-11-21T05:43:00.123456789Z" */
const char *fmt_rfc3339(const struct timespec *ts, char *buf, size_t len);

/* One NDJSON line for a snapshot (sorted by key, not grouped). */
void render_json(FILE *out, const struct snapshot *s, const struct json_meta *m);

#endif /* KVMSTAT_RENDER_H */
