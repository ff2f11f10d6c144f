/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMSTAT_RENDER_HIST_H
#define KVMSTAT_RENDER_HIST_H

#include "render/text.h"

/* Octave lines of a histogram: line 0 holds 0 ns, line r >= 1 [2^(r-1), 2^r) ns (the last is
 * open-ended). The 4 in-kernel sub-buckets of an octave fold exactly into its line. */
#define HIST_OCTAVE_ROWS	(KVMSTAT_HIST_BUCKETS / KVMSTAT_HIST_SUB + 2)
void hist_octave_rows(const struct kvmstat_span_stats *s, __u64 rows[HIST_OCTAVE_ROWS]);

/*
 * Latency histograms of o->span, one per row of level o->by (grouped and sorted
 * as for render_table): a line per power of two (range, count, bar), then count,
 * min, avg, max and p50/p90/p99 from the fine buckets (within 1/8 of the value).
 * 0 or a write error (stream_flush).
 */
int render_hist(FILE *out, const struct view *v, const struct table_opts *o);

#endif /* KVMSTAT_RENDER_HIST_H */
