/* SPDX-License-Identifier: GPL-2.0 */
/* `kvmstat-bpf report`: saved NDJSON back into tables, histograms and merged totals. */
#ifndef KVMSTAT_REPORT_H
#define KVMSTAT_REPORT_H

#include <stdbool.h>
#include "model/filter.h"
#include "model/schema.h"

struct report_opts {
	char *const *files;		/* "-": stdin */
	int nr_files;
	enum grouping by;
	enum sort_key sort;
	__u32 spans;			/* 0: every span the input has */
	bool hist;
	bool intervals;			/* also a table per interval line */
	const char *json_path;		/* merged totals as one "total" line; "-": stdout */
	const char *html_path;		/* the page of charts over time (one FILE); "-": stdout */
	struct sample_filter filter;
	unsigned int detail_top;	/* keys shown per class row when the input has them */
};

/* 0, or 1 after a one-line error on stderr (unreadable, malformed or mixed input). */
int cmd_report(const struct report_opts *o);

#endif /* KVMSTAT_REPORT_H */
