/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers: pure functions of a (grouped, sorted) snapshot. */
#ifndef KVMSTAT_RENDER_H
#define KVMSTAT_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include "model/snapshot.h"

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

/*
 * Latency histograms of o->span, one per row of the view (grouped and sorted as
 * for render_table): a line per power of two (range, count, bar), then count,
 * min, avg, max and p50/p90/p99 from the fine buckets (within 1/8 of the value).
 */
void render_hist(FILE *out, const struct snapshot *view, const struct table_opts *o);

struct prom_opts {
	__u32 spans;			/* bit per enum kvmstat_span: a histogram each */
	const struct names *names;
};

/*
 * Prometheus text exposition of a cumulative snapshot (not grouped): the
 * kvmstat_exits_total counter, a kvmstat_exit_<span>_seconds histogram per span
 * with exact coarse buckets, and kvmstat_drops_total. Returns 0 or -ENOMEM.
 */
int render_prom(FILE *out, const struct snapshot *cumulative, const struct prom_opts *o);

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
