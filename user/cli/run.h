/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMSTAT_RUN_H
#define KVMSTAT_RUN_H

#include <stdbool.h>
#include "cli/http_parse.h"
#include "loader/loader.h"
#include "model/filter.h"
#include "model/schema.h"

#define RUN_SLOW_CLASSES_MAX 32

struct run_opts {
	struct loader_opts loader;
	__u64 interval_ns;
	__u64 duration_ns;		/* 0: until SIGINT/SIGTERM */
	enum sort_key sort;
	enum grouping by;		/* table */
	enum grouping json_by;		/* JSON nesting */
	const char *json_path;		/* NULL: no JSON; "-": stdout */
	bool json_stdout;
	bool quiet_table;		/* JSON on stdout replaces the table */
	bool hist;			/* latency histograms under each table */
	bool cumulative;		/* tables and histograms since attach, not per interval */
	const char *prom_path;		/* Prometheus textfile, rewritten every interval */
	bool listen;			/* serve /metrics over HTTP on listen_addr */
	struct listen_addr listen_addr;
	struct sample_filter filter;	/* --vcpu, in user space (-p is filtered in the kernel) */
	bool batch;			/* no live view on a terminal: the tables as elsewhere */
	const char *replay;		/* a saved run (NDJSON) shown in the live view; NULL: attach */
	double speed;			/* --replay: times as fast as it was recorded */
	__u32 keep_ended;		/* keys of ended threads kept one by one (then folded) */
	unsigned int detail_top;	/* --detail: keys shown per class row */
	struct slow_threshold slow_classes[RUN_SLOW_CLASSES_MAX];	/* --slow CLASS=T */
};

int cmd_run(const struct run_opts *o);
/* run's command line (argv[0] "kvmstat-bpf run"): parsed, then cmd_run or cmd_replay. */
int cmd_run_main(int argc, char **argv);
/* run --replay: the live view of a saved run's interval lines (cli/replay.c). */
int cmd_replay(const struct run_opts *o);

#endif /* KVMSTAT_RUN_H */
