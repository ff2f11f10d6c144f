/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMSTAT_RUN_H
#define KVMSTAT_RUN_H

#include <stdbool.h>
#include "loader.h"
#include "snapshot.h"

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
};

int cmd_run(const struct run_opts *o);

#endif /* KVMSTAT_RUN_H */
