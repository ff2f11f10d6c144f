// SPDX-License-Identifier: GPL-2.0
/* The live/summary table. */
#include <stdio.h>
#include <string.h>
#include "arch/arch.h"
#include "lib/format.h"
#include "render/render.h"

#define LABEL_WIDTH 28

const char *span_name(enum kvmstat_span span)
{
	return span == KVMSTAT_SPAN_GUEST ? "guest" : "handling";
}

static const char *span_title(enum kvmstat_span span)
{
	return span == KVMSTAT_SPAN_GUEST ? "guest time (kvm_entry -> kvm_exit)"
					  : "handling time (kvm_exit -> kvm_entry)";
}

const char *class_label(enum kvmstat_arch arch, const struct kvmstat_key *key, char *buf, size_t len)
{
	char tmp[ARCH_NAME_LEN];

	snprintf(buf, len, "%s%s", arch_class_name(arch, key->class, tmp, sizeof(tmp)),
		 key->flags & KVMSTAT_KEY_USER ? "/user" : "");
	return buf;
}

static double pct(__u64 part, __u64 whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

static void print_header(FILE *out)
{
	fprintf(out, "%-*s %10s %6s %10s %6s %8s %8s %8s\n", LABEL_WIDTH, "CLASS", "COUNT", "%",
		"RATE/s", "TIME%", "MIN", "AVG", "MAX");
}

static void print_row(FILE *out, const char *label, const struct kvmstat_value *v,
		      const struct kvmstat_value *total, double secs, enum kvmstat_span span)
{
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
	fprintf(out, "%-*s %10llu %6.1f %10.1f %6.1f %8s %8s %8s\n", LABEL_WIDTH, label,
		(unsigned long long)v->exits, pct(v->exits, total->exits),
		secs > 0 ? v->exits / secs : 0.0, pct(s->sum_ns, total->span[span].sum_ns), mn, avg, mx);
}

static bool same_group(const struct kvmstat_key *a, const struct kvmstat_key *b, enum grouping by)
{
	if (by == GROUP_CLASS)
		return true;
	if (a->vm != b->vm)
		return false;
	return by == GROUP_VM || (a->vcpu == b->vcpu && a->tid == b->tid);
}

static void print_group_title(FILE *out, const struct kvmstat_key *k, const struct table_opts *o)
{
	const struct names *n = o->names;
	const char *vm = n && n->vm_name ? n->vm_name(n->ctx, k->vm) : NULL;
	const char *thread = n && n->thread_name ? n->thread_name(n->ctx, k->tid) : NULL;

	fprintf(out, "\nVM %u (%s)", k->vm, vm ?: "?");
	if (o->by == GROUP_VCPU) {
		if (k->vcpu == KVMSTAT_VCPU_UNKNOWN)
			fprintf(out, "  vCPU ? thread %u (%s)", k->tid, thread ?: "?");
		else
			fprintf(out, "  vCPU %u thread %u (%s)", k->vcpu, k->tid, thread ?: "?");
	}
	fputc('\n', out);
}

static void print_title(FILE *out, const struct snapshot *v, const struct table_opts *o)
{
	double secs = (v->end_mono_ns - v->start_mono_ns) / 1e9;

	fprintf(out, "kvmstat-bpf  %s  %s  %s %.2fs\n", arch_name(v->arch) ?: "unknown-arch",
		span_title(o->span), o->final ? "whole run" : "interval", secs);
}

static void print_losses(FILE *out, const struct snapshot *v)
{
	fprintf(out, "lost: %llu exits (stats map full), %llu (pending-exit slot lost)   "
		"first entries (no exit seen before): %llu\n",
		(unsigned long long)v->drops[KVMSTAT_DROP_STATS_FULL],
		(unsigned long long)v->drops[KVMSTAT_DROP_INFLIGHT],
		(unsigned long long)v->drops[KVMSTAT_DROP_UNPAIRED]);
}

/* Sum of the rows of the group starting at i; returns the index after the group. */
static size_t group_total(const struct snapshot *v, size_t i, enum grouping by, struct kvmstat_value *t)
{
	size_t j;

	memset(t, 0, sizeof(*t));
	for (j = i; j < v->nr && same_group(&v->samples[i].key, &v->samples[j].key, by); j++)
		value_merge(t, &v->samples[j].val);
	return j;
}

void render_table(FILE *out, const struct snapshot *v, const struct table_opts *o)
{
	double secs = (v->end_mono_ns - v->start_mono_ns) / 1e9;
	struct kvmstat_value total, group;
	char label[64], name[48];
	size_t i, j, end;

	snapshot_total(v, &total);
	print_title(out, v, o);
	print_losses(out, v);
	for (i = 0; i < v->nr; i = end) {
		end = group_total(v, i, o->by, &group);
		if (o->by != GROUP_CLASS)
			print_group_title(out, &v->samples[i].key, o);
		if (o->by != GROUP_CLASS || i == 0)
			print_header(out);
		for (j = i; j < end; j++) {
			class_label(v->arch, &v->samples[j].key, name, sizeof(name));
			snprintf(label, sizeof(label), "%s%s", o->by == GROUP_CLASS ? "" : "  ", name);
			print_row(out, label, &v->samples[j].val, &total, secs, o->span);
		}
		if (o->by != GROUP_CLASS)
			print_row(out, "  group total", &group, &total, secs, o->span);
	}
	if (!v->nr)
		print_header(out);
	fputc('\n', out);
	print_row(out, "TOTAL", &total, &total, secs, o->span);
	fflush(out);
}
