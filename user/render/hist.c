// SPDX-License-Identifier: GPL-2.0
/*
 * Latency histograms, one per row of a view, in the log2 layout of bcc's
 * print_log2_hist: one line per power of two with its range, count and a bar.
 * The 4 in-kernel sub-buckets of an octave fold exactly into its line; the
 * percentiles under it still come from the fine buckets.
 */
#include <string.h>
#include "arch/arch.h"
#include "lib/format.h"
#include "lib/stream.h"
#include "model/hist.h"
#include "render/hist.h"

#define HIST_ROWS	HIST_OCTAVE_ROWS
#define BAR_WIDTH	40

/* Line of a fine bucket: line 0 holds 0 ns, line r >= 1 holds [2^(r-1), 2^r) ns. */
static unsigned int row_of_bucket(unsigned int bucket)
{
	if (bucket < 2)
		return bucket;
	if (bucket < KVMSTAT_HIST_SUB)
		return 2;
	return bucket / KVMSTAT_HIST_SUB + 2;
}

void hist_octave_rows(const struct kvmstat_span_stats *s, __u64 rows[HIST_OCTAVE_ROWS])
{
	unsigned int i;

	memset(rows, 0, HIST_ROWS * sizeof(*rows));
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++)
		rows[row_of_bucket(i)] += s->hist[i];
}

static void print_row(FILE *out, unsigned int r, __u64 count, __u64 max)
{
	static const char stars[BAR_WIDTH + 1] = "****************************************";
	char lo[DURATION_LEN], hi[DURATION_LEN];
	int nr_stars = max ? (int)(count * BAR_WIDTH / max) : 0;

	fmt_duration(r ? 1ULL << (r - 1) : 0, lo, sizeof(lo));
	if (r + 1 < HIST_ROWS)
		fmt_duration(1ULL << r, hi, sizeof(hi));
	else
		strcpy(hi, "inf");	/* the last in-kernel bucket is open-ended */
	fprintf(out, "    %8s -> %-8s %10llu |%-*.*s|\n", lo, hi, (unsigned long long)count,
		BAR_WIDTH, nr_stars, stars);
}

/* The lines from the first to the last non-empty one (empty ones between kept). */
static void print_rows(FILE *out, const struct kvmstat_span_stats *s)
{
	__u64 rows[HIST_ROWS], max = 0;
	int first = -1, last = -1, r;

	hist_octave_rows(s, rows);
	for (r = 0; r < HIST_ROWS; r++) {
		if (!rows[r])
			continue;
		if (first < 0)
			first = r;
		last = r;
		if (rows[r] > max)
			max = rows[r];
	}
	fprintf(out, "    %-20s %10s  %s\n", "range", "count", "distribution");
	for (r = first; r >= 0 && r <= last; r++)
		print_row(out, r, rows[r], max);
}

static void print_stats(FILE *out, const struct kvmstat_span_stats *s)
{
	static const double percentiles[3] = { 50, 90, 99 };
	char mn[DURATION_LEN], avg[DURATION_LEN], mx[DURATION_LEN];
	char p50[DURATION_LEN], p90[DURATION_LEN], p99[DURATION_LEN];
	__u64 p[3];

	span_percentiles(s, percentiles, p, 3);
	fprintf(out, "    count %llu  min %s  avg %s  max %s  p50 %s  p90 %s  p99 %s\n",
		(unsigned long long)s->count, fmt_duration(s->min_ns, mn, sizeof(mn)),
		fmt_duration(s->sum_ns / s->count, avg, sizeof(avg)),
		fmt_duration(s->max_ns, mx, sizeof(mx)), fmt_duration(p[0], p50, sizeof(p50)),
		fmt_duration(p[1], p90, sizeof(p90)), fmt_duration(p[2], p99, sizeof(p99)));
}

/* One histogram: its title line, the lines and the stats. */
static void print_hist(FILE *out, const char *indent, const char *title,
		       const struct kvmstat_span_stats *s, enum kvmstat_span span)
{
	fprintf(out, "\n%s%s\n", indent, title);
	if (!s->count) {
		fprintf(out, "    no %s time measured\n", span_name(span));
		return;
	}
	print_rows(out, s);
	print_stats(out, s);
}

static void print_class_hist(FILE *out, enum kvmstat_arch arch, const struct group *g,
			     const struct sample *row, const struct table_opts *o)
{
	const char *indent = o->by == GROUP_CLASS ? "" : "  ";
	char name[48], key[ARCH_DETAIL_LEN], title[160];
	struct key_top t;
	size_t i;

	class_label(arch, &row->key, name, sizeof(name));
	print_hist(out, indent, name, &row->val.span[o->span], o->span);
	if (!text_keys_of(o, arch, g, row, &t))
		return;
	/* --detail: the histograms of its top keys (the other and unknown rows only in the table) */
	for (i = 0; i < t.nr; i++) {
		snprintf(title, sizeof(title), "%s / %s", name,
			 key_label(arch, &t.top[i]->key, key, sizeof(key)));
		print_hist(out, indent, title, &t.top[i]->val.span[o->span], o->span);
	}
}

int render_hist(FILE *out, const struct view *v, const struct table_opts *o)
{
	struct group_iter it;
	struct group g;
	char what[48];
	size_t i;

	snprintf(what, sizeof(what), "%s time histograms", span_name(o->span));
	text_title(out, v->snap, what, o->final);
	fprintf(out, "percentiles from the in-kernel buckets: within 1/8 of the value\n");
	view_groups(v, o->by, true, &it);
	while (group_next(&it, &g)) {
		if (o->by != GROUP_CLASS)
			text_group_title(out, &g, o);
		for (i = 0; i < g.nr; i++)
			print_class_hist(out, v->snap->arch, &g, g.rows[i], o);
	}
	if (!view_rows(v, o->by))
		fprintf(out, "\nno exits\n");
	return stream_flush(out);
}
