/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `run` writes from its reads of the stats arrays: per interval the tables
 * (and histograms), a JSON line and the Prometheus file; at the end the summary
 * and the JSON total line. Apart from run.c, which needs BPF and KVM exits, so
 * the report round-trip test drives this very code with synthetic exits.
 */
#ifndef KVMSTAT_OUTPUT_H
#define KVMSTAT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include "render/render.h"
#include "model/snapshot.h"
#include "loader/stats_reader.h"
#include "render/views.h"

struct run_output {
	FILE *table;			/* tables and histograms; NULL: none (JSON on stdout) */
	bool redraw;			/* a terminal: each interval replaces the last */
	bool cumulative;		/* interval tables since the start, not of the interval */
	struct view_opts view;		/* .final is set per call */
	FILE *json;			/* NULL: none */
	struct json_meta meta;		/* .type is set per line */
	const char *prom_path;		/* NULL: none */
	struct prom_opts prom;
};

/* The Prometheus file of the counts since load (so counters only grow); errors said on stderr. */
int output_prom(const struct run_output *o, const struct stats_reader *r);

/*
 * After a read: the tables of r's interval (since the start with cumulative),
 * the JSON line of the interval, the Prometheus file. A failed Prometheus
 * write is said and left for the next interval. Returns 0 or -ENOMEM.
 */
int output_interval(const struct run_output *o, const struct stats_reader *r);

/* At the end: the summary tables and the JSON total line, since the start. */
int output_summary(const struct run_output *o, const struct stats_reader *r);

/*
 * Every interval allocates and frees buffers of the same large sizes (samples of the keys that
 * changed, their groupings): keep freed memory in the heap instead of returning it to the
 * kernel, so the next interval does not fault the same pages in again (measured: loader-bench).
 */
void output_reuse_heap(void);

#endif /* KVMSTAT_OUTPUT_H */
