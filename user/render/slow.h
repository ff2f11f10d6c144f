/* SPDX-License-Identifier: GPL-2.0 */
/* Slow-exit records (`run --slow`) as text lines under a table. */
#ifndef KVMSTAT_RENDER_SLOW_H
#define KVMSTAT_RENDER_SLOW_H

#include <stdio.h>
#include <time.h>
#include "model/names.h"
#include "model/slow.h"

#define SLOW_LINES_INTERVAL	20	/* slow-exit lines under an interval's table */
#define SLOW_LINES_SUMMARY	10	/* the run's slowest, under the summary */

struct slow_text_opts {
	enum kvmstat_arch arch;
	const struct names *names;	/* as recorded: made printable here */
	__u64 threshold_ns;		/* the default threshold, for the heading */
	const char *title;		/* "in this interval", "slowest of the run", ... */
	__u64 recorded;			/* records sent (the list may hold fewer: the slowest) */
	__u64 suppressed, lost;		/* records not sent, counted in the kernel */
	size_t max_lines;		/* 0: every record */
};
/*
 * A heading ("slow exits (handling >= 1ms) TITLE: N recorded, S suppressed (rate
 * limit), L lost (ring buffer full)", N = o->recorded), then a line per record in
 * the list's order, at most o->max_lines and "... N more"; a blank line. 0 or a write error.
 */
int render_slow(FILE *out, const struct slow_list *l, const struct slow_text_opts *o);

#endif /* KVMSTAT_RENDER_SLOW_H */
