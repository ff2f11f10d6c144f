/* SPDX-License-Identifier: GPL-2.0 */
/* What `run` and `report` show of a snapshot: filters, tables and histograms, files. */
#ifndef KVMSTAT_VIEW_H
#define KVMSTAT_VIEW_H

#include <stdbool.h>
#include <stdio.h>
#include "render/render.h"
#include "model/snapshot.h"

#define FILTER_MAX_VCPUS 256

/* Which samples to keep. */
struct sample_filter {
	__u32 vm;			/* VMM pid, 0: every VM */
	size_t nr_vcpus;		/* 0: every vCPU */
	__u32 vcpus[FILTER_MAX_VCPUS];	/* vcpu ids; an unknown id (thread fallback) never matches */
};

bool sample_filter_match(const struct sample_filter *f, const struct kvmstat_key *k);
/* Drops the samples f does not keep, in place (order kept). */
void snapshot_filter(struct snapshot *s, const struct sample_filter *f);

struct view_opts {
	enum grouping by;
	enum sort_key sort;
	__u32 spans;			/* bit per enum kvmstat_span: a table (and histograms) each */
	bool hist;			/* histograms after each table */
	bool final;			/* the whole-run summary rather than one interval */
	const struct names *names;
};

/* Per span: the table, then the histograms with o->hist, of a snapshot (not grouped).
 * Returns 0 or -ENOMEM. */
int render_views(FILE *out, const struct snapshot *s, const struct view_opts *o);

/* Writes the Prometheus exposition of s to path atomically: path.tmp, then rename,
 * so a collector never reads half a file. Returns 0 or -errno. */
int prom_write_file(const char *path, const struct snapshot *s, const struct prom_opts *o);

#endif /* KVMSTAT_VIEW_H */
