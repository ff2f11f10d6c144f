// SPDX-License-Identifier: GPL-2.0
/*
 * Latency histograms, one per row of a view, in the log2 layout of bcc's
 * print_log2_hist: one line per power of two with its range, count and a bar.
 * The 4 in-kernel sub-buckets of an octave fold exactly into its line; the
 * percentiles under it still come from the fine buckets.
 */
#include <stdio.h>
#include <string.h>
#include "arch/arch.h"
#include "lib/format.h"
#include "render/render.h"

#define HIST_ROWS	(KVMSTAT_HIST_BUCKETS / KVMSTAT_HIST_SUB + 2)
#define BAR_WIDTH	40

/* Line of a fine bucket: line 0 holds 0 ns, line r >= 1 holds [2^(r-1), 2^r) ns. */
static unsigned int row_of_slot(unsigned int slot)
{
	if (slot < 2)
		return slot;
	if (slot < KVMSTAT_HIST_SUB)
		return 2;
	return slot / KVMSTAT_HIST_SUB + 2;
}

static void fold_rows(const struct kvmstat_span_stats *s, __u64 *rows)
{
	unsigned int i;

	memset(rows, 0, HIST_ROWS * sizeof(*rows));
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++)
		rows[row_of_slot(i)] += s->hist[i];
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

	fold_rows(s, rows);
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
	char mn[DURATION_LEN], avg[DURATION_LEN], mx[DURATION_LEN];
	char p50[DURATION_LEN], p90[DURATION_LEN], p99[DURATION_LEN];

	fprintf(out, "    count %llu  min %s  avg %s  max %s  p50 %s  p90 %s  p99 %s\n",
		(unsigned long long)s->count, fmt_duration(s->min_ns, mn, sizeof(mn)),
		fmt_duration(s->sum_ns / s->count, avg, sizeof(avg)),
		fmt_duration(s->max_ns, mx, sizeof(mx)),
		fmt_duration(span_percentile(s, 50), p50, sizeof(p50)),
		fmt_duration(span_percentile(s, 90), p90, sizeof(p90)),
		fmt_duration(span_percentile(s, 99), p99, sizeof(p99)));
}

static void print_class_hist(FILE *out, const struct snapshot *v, const struct sample *smp,
			     const struct table_opts *o)
{
	const struct kvmstat_span_stats *s = &smp->val.span[o->span];
	char name[48];

	fprintf(out, "\n%s%s\n", o->by == GROUP_CLASS ? "" : "  ",
		class_label(v->arch, &smp->key, name, sizeof(name)));
	if (!s->count) {
		fprintf(out, "    no %s time measured\n", span_name(o->span));
		return;
	}
	print_rows(out, s);
	print_stats(out, s);
}

static bool new_group(const struct snapshot *v, size_t i, enum grouping by)
{
	const struct kvmstat_key *a, *b;

	if (by == GROUP_CLASS)
		return false;
	if (i == 0)
		return true;
	a = &v->samples[i - 1].key;
	b = &v->samples[i].key;
	return a->vm != b->vm || (by == GROUP_VCPU && (a->vcpu != b->vcpu || a->tid != b->tid));
}

static void print_group_title(FILE *out, const struct kvmstat_key *k, const struct table_opts *o)
{
	const struct names *n = o->names;
	const char *vm = n && n->vm_name ? n->vm_name(n->ctx, k->vm) : NULL;
	const char *thread = n && n->thread_name ? n->thread_name(n->ctx, k->tid) : NULL;

	fprintf(out, "\nVM %u (%s)", k->vm, vm ?: "?");
	if (o->by == GROUP_VCPU && k->vcpu == KVMSTAT_VCPU_UNKNOWN)
		fprintf(out, "  vCPU ? thread %u (%s)", k->tid, thread ?: "?");
	else if (o->by == GROUP_VCPU)
		fprintf(out, "  vCPU %u thread %u (%s)", k->vcpu, k->tid, thread ?: "?");
	fputc('\n', out);
}

void render_hist(FILE *out, const struct snapshot *v, const struct table_opts *o)
{
	double secs = (v->end_mono_ns - v->start_mono_ns) / 1e9;
	size_t i;

	fprintf(out, "kvmstat-bpf  %s  %s time histograms  %s %.2fs\n", arch_name(v->arch) ?: "unknown-arch",
		span_name(o->span), o->final ? "whole run" : "interval", secs);
	fprintf(out, "percentiles from the in-kernel buckets: within 1/8 of the value\n");
	for (i = 0; i < v->nr; i++) {
		if (new_group(v, i, o->by))
			print_group_title(out, &v->samples[i].key, o);
		print_class_hist(out, v, &v->samples[i], o);
	}
	if (!v->nr)
		fprintf(out, "\nno exits\n");
	fflush(out);
}
