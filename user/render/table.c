// SPDX-License-Identifier: GPL-2.0
/* The live/summary table. */
#include <errno.h>
#include <string.h>
#include "arch/arch.h"
#include "lib/format.h"
#include "lib/stream.h"
#include "render/table.h"

#define LABEL_WIDTH 28
#define KEYS_LABEL_WIDTH 40	/* with --detail: key names are longer than class names */

static const char *span_title(enum kvmstat_span span)
{
	return span == KVMSTAT_SPAN_GUEST ? "guest time (kvm_entry -> kvm_exit)"
					  : "handling time (kvm_exit -> kvm_entry)";
}

static double pct(__u64 part, __u64 whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

static int label_width(const struct table_opts *o)
{
	return o->keys ? KEYS_LABEL_WIDTH : LABEL_WIDTH;
}

static void print_header(FILE *out, const struct table_opts *o)
{
	fprintf(out, "%-*s %10s %6s %10s %6s %8s %8s %8s\n", label_width(o),
		o->keys ? "CLASS / KEY" : "CLASS", "COUNT", "%", "RATE/s", "TIME%", "MIN", "AVG", "MAX");
}

static void print_row(FILE *out, const char *label, const struct kvmstat_value *v,
		      const struct kvmstat_value *total, double secs, const struct table_opts *o)
{
	enum kvmstat_span span = o->span;
	const struct kvmstat_span_stats *s = &v->span[span];
	char mn[DURATION_LEN], avg[DURATION_LEN], mx[DURATION_LEN];

	if (s->count) {
		fmt_duration(s->min_ns, mn, sizeof(mn));
		fmt_duration(s->sum_ns / s->count, avg, sizeof(avg));
		fmt_duration(s->max_ns, mx, sizeof(mx));
	} else {
		strcpy(mn, "-");
		strcpy(avg, "-");
		strcpy(mx, "-");
	}
	fprintf(out, "%-*s %10llu %6.1f %10.1f %6.1f %8s %8s %8s\n", label_width(o), label,
		(unsigned long long)v->exits, pct(v->exits, total->exits),
		secs > 0 ? v->exits / secs : 0.0, pct(s->sum_ns, total->span[span].sum_ns), mn, avg, mx);
}

/* --detail: under a class row, its top keys, then what they leave (other, unknown). */
static void print_keys(FILE *out, const struct view *v, const struct group *g,
		       const struct sample *row, const struct table_opts *o, double secs)
{
	const char *indent = o->by == GROUP_CLASS ? "  " : "    ";
	char label[96], name[ARCH_DETAIL_LEN];
	struct key_top t;
	size_t i;

	if (!text_keys_of(o, v->snap->arch, g, row, &t))
		return;
	for (i = 0; i < t.nr; i++) {
		snprintf(label, sizeof(label), "%s%s", indent,
			 key_label(v->snap->arch, &t.top[i]->key, name, sizeof(name)));
		print_row(out, label, &t.top[i]->val, &v->total, secs, o);
	}
	if (t.has_other) {
		snprintf(label, sizeof(label), "%s%s", indent, other_label(&t, name, sizeof(name)));
		print_row(out, label, &t.other, &v->total, secs, o);
	}
	if (t.has_unknown) {
		snprintf(label, sizeof(label), "%s%s", indent, UNKNOWN_KEY_LABEL);
		print_row(out, label, &t.unknown, &v->total, secs, o);
	}
}

static void print_losses(FILE *out, const struct snapshot *s)
{
	fprintf(out, "lost: %llu exits (stats map full), %llu (pending-exit slot lost), %llu events "
		"(over --max-threads)   first entries (no exit seen before): %llu\n",
		(unsigned long long)s->drops[KVMSTAT_DROP_STATS_FULL],
		(unsigned long long)s->drops[KVMSTAT_DROP_INFLIGHT],
		(unsigned long long)s->drops[KVMSTAT_DROP_THREADS_FULL],
		(unsigned long long)s->drops[KVMSTAT_DROP_UNPAIRED]);
}

static void print_group(FILE *out, const struct view *v, const struct group *g,
			const struct table_opts *o, double secs)
{
	char label[64], name[48];
	size_t i;

	if (o->by != GROUP_CLASS)
		text_group_title(out, g, o);
	print_header(out, o);
	for (i = 0; i < g->nr; i++) {
		class_label(v->snap->arch, &g->rows[i]->key, name, sizeof(name));
		snprintf(label, sizeof(label), "%s%s", o->by == GROUP_CLASS ? "" : "  ", name);
		print_row(out, label, &g->rows[i]->val, &v->total, secs, o);
		print_keys(out, v, g, g->rows[i], o, secs);
	}
	if (o->by != GROUP_CLASS)
		print_row(out, "  group total", g->total, &v->total, secs, o);
}

int render_table(FILE *out, const struct view *v, const struct table_opts *o)
{
	const struct snapshot *s = v->snap;
	double secs = (s->end_mono_ns - s->start_mono_ns) / 1e9;
	struct group_iter it;
	struct group g;

	if (o->by != GROUP_CLASS && view_rows(v, o->by) && !v->level[o->by].totals)
		return -EINVAL;
	text_title(out, s, span_title(o->span), o->final);
	print_losses(out, s);
	view_groups(v, o->by, true, &it);
	while (group_next(&it, &g))
		print_group(out, v, &g, o, secs);
	if (!view_rows(v, o->by))
		print_header(out, o);
	fputc('\n', out);
	print_row(out, "TOTAL", &v->total, &v->total, secs, o);
	return stream_flush(out);
}
