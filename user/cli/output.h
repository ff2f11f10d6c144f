/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `run` writes from its reads of the stats arrays: per interval the tables
 * (and histograms), a JSON line, the Prometheus file and the exposition served
 * by run --listen; at the end the summary and the JSON total line. Apart from
 * run.c, which needs BPF and KVM exits, so the report round-trip test and the
 * loader benchmark drive this very code.
 *
 * A failed write is said on stderr (the first of each output: `failed to write
 * <what>: <why>`), counted, and the run goes on; run exits non-zero at the end.
 * Two exceptions: the JSON output stops at its first failure, cut back to its
 * last complete line (later lines after a gap would make report's sums wrong);
 * and stdout closed by its reader (EPIPE: `run | head`) ends the run, quietly.
 */
#ifndef KVMSTAT_OUTPUT_H
#define KVMSTAT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include "loader/stats_reader.h"
#include "ndjson/ndjson.h"
#include "model/slow.h"
#include "render/prom.h"
#include "render/slow.h"
#include "render/views.h"


enum output_kind {
	OUTPUT_TABLE,
	OUTPUT_JSON,
	OUTPUT_PROM,
	OUTPUT_HTTP,			/* the exposition published for run --listen */
	NR_OUTPUTS,
};

/* Takes a complete exposition in both formats (malloc'ed; also on error): run --listen. */
typedef int (*expo_publish_fn)(void *ctx, char *text, size_t text_len, char *om, size_t om_len);

struct run_output {
	FILE *table;			/* tables and histograms; NULL: none (JSON on stdout) */
	bool redraw;			/* a terminal: each interval replaces the last */
	bool cumulative;		/* interval tables since the start, not of the interval */
	struct view_opts view;		/* .final is set per call */
	FILE *json;			/* NULL: none */
	const char *json_path;		/* for messages */
	struct ndjson_meta meta;	/* .type is set per line */
	const char *prom_path;		/* NULL: none */
	expo_publish_fn publish;	/* run --listen; NULL: none */
	void *publish_ctx;
	struct prom_opts prom;
	/* --slow: the interval's records (run fills it, output shows and clears it); NULL: none */
	struct slow_list *slow;
	struct slow_text_opts slow_text;	/* .arch, .names, .threshold_ns */
	struct slow_line_meta slow_line;	/* .host, .kernel, .arch, .names, .keys */
	/* state */
	struct prom_state prom_state;	/* the exposition, updated with each read's changes */
	bool prom_started;
	unsigned long prom_reads;	/* the reader's reads it holds */
	__u64 prom_folded;		/* the reader's folded ended keys when the state was made */
	unsigned int failed[NR_OUTPUTS];	/* writes that failed */
	bool prom_failing;		/* the last Prometheus write failed */
	bool json_stopped;		/* after a failed JSON write: no more lines */
	long long json_good;		/* offset after the last complete JSON line, -1: not seekable */
	unsigned long json_lines;	/* complete JSON lines written */
	bool stdout_gone;		/* stdout's reader closed it: the run ends, nothing more there */
	struct slow_list slowest;	/* the run's slowest exits, for the summary */
	__u64 slow_recorded;		/* records of the run */
};

/* Before the first write: where the JSON output starts (it may be cut back to there). */
void output_start(struct run_output *o);

/* The exposition's state brought up to r's last read: output_prom without the file. 0 or -ENOMEM. */
int output_prom_update(struct run_output *o, const struct stats_reader *r);

/*
 * The Prometheus exposition of the counts since load (so counters only grow),
 * from the reads r made since the last call: the file, written atomically
 * (file_replace), and both formats published for the HTTP server (which only
 * ever serves what was published: it reads nothing else of run's).
 * 0, or the error, said on stderr.
 */
int output_prom(struct run_output *o, const struct stats_reader *r);

/*
 * After a read: the tables of r's interval (since the start with cumulative),
 * the JSON line of the interval, the Prometheus file. A failed write is said,
 * counted and left for the next interval. Returns 0 or -ENOMEM.
 */
int output_interval(struct run_output *o, const struct stats_reader *r);

/* At the end: the summary tables and the JSON total line, since the start.
 * Returns 0, -ENOMEM, or the error of a write (said). */
int output_summary(struct run_output *o, const struct stats_reader *r);

/* Writes that failed, all outputs; with say, one stderr line per output that failed. */
unsigned int output_failures(const struct run_output *o, bool say);

void output_free(struct run_output *o);

/*
 * Every interval allocates and frees buffers of the same large sizes (the
 * groupings of the keys that changed): keep freed memory in the heap instead of
 * returning it to the kernel, so the next interval does not fault the same pages
 * in again (measured: loader-bench).
 */
void output_reuse_heap(void);

#endif /* KVMSTAT_OUTPUT_H */
