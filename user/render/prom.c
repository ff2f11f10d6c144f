// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition (format 0.0.4) of a cumulative snapshot, for
 * node_exporter's textfile collector. Counters since attach, so they only grow.
 *
 * Series: one per (class, origin, VM, vCPU). A vCPU's threads are merged (a
 * VMM may move a vCPU to another thread); when the vCPU id is unknown (thread
 * fallback) the thread stands for it: vcpu="tid:<tid>".
 *
 * Histogram buckets: the 128 in-kernel buckets fold into 13 `le` bounds, every
 * power of 4 from 2^8 to 2^32 ns (256 ns .. 4.3 s), and +Inf. Every 2^k ns is a
 * fine-bucket boundary and durations are integer ns, so "<= (2^k - 1) ns" is
 * exactly the fine buckets below 2^k: le is written as 2^k - 1 ns, in seconds,
 * and every bucket count is exact, not interpolated.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "arch/arch.h"
#include "lib/utf8.h"
#include "render/render.h"

#define PROM_LE_FIRST_LOG2	8
#define PROM_LE_LAST_LOG2	32
#define PROM_LE_STEP_LOG2	2

static const char *const drop_reasons[KVMSTAT_NR_DROPS] = {
	[KVMSTAT_DROP_STATS_FULL] = "stats_full",
	[KVMSTAT_DROP_INFLIGHT] = "inflight",
	[KVMSTAT_DROP_UNPAIRED] = "unpaired",
};

/*
 * A label value: backslash, double quote and newline escaped, as the format
 * requires; invalid UTF-8 (a process name is any bytes) replaced by U+FFFD,
 * since one bad byte makes the collector drop the whole file.
 */
static void put_label_value(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + strlen(str);
	size_t n;

	fputc('"', out);
	while (s < end) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			fprintf(out, "\\%c", *s == '\n' ? 'n' : *s);
			s++;
			continue;
		}
		n = utf8_valid_len(s, end);
		if (n)
			fwrite(s, 1, n, out);
		else
			fputs("\xef\xbf\xbd", out);
		s += n ? n : 1;
	}
	fputc('"', out);
}

/* ns as exact decimal seconds: 255 -> "0.000000255", 1500000000 -> "1.5". */
static void put_seconds(FILE *out, __u64 ns)
{
	char frac[16];
	int n;

	n = snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)(ns % 1000000000ULL));
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	fprintf(out, "%llu%s%s", (unsigned long long)(ns / 1000000000ULL), n ? "." : "", frac);
}

static void put_labels(FILE *out, enum kvmstat_arch arch, const struct kvmstat_key *k,
		       const struct names *names)
{
	const char *vm = names && names->vm_name ? names->vm_name(names->ctx, k->vm) : NULL;
	char name[ARCH_NAME_LEN], num[32];

	fputs("{arch=", out);
	put_label_value(out, arch_name(arch) ?: "unknown");
	fputs(",class=", out);
	put_label_value(out, arch_class_name(arch, k->class, name, sizeof(name)));
	fprintf(out, ",origin=\"%s\",vm=\"%u\",vm_name=", k->flags & KVMSTAT_KEY_USER ? "user" : "kernel",
		k->vm);
	put_label_value(out, vm ?: "");
	if (k->vcpu == KVMSTAT_VCPU_UNKNOWN)
		snprintf(num, sizeof(num), "tid:%u", k->tid);
	else
		snprintf(num, sizeof(num), "%u", k->vcpu);
	fputs(",vcpu=", out);
	put_label_value(out, num);
}

static void put_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_exits(FILE *out, const struct snapshot *g, const struct names *names)
{
	size_t i;

	put_family(out, "kvmstat_exits_total", "counter",
		   "KVM guest exits since kvmstat-bpf attached, by exit class, origin (user: went "
		   "out to the VMM), VM (VMM pid) and vCPU.");
	for (i = 0; i < g->nr; i++) {
		fputs("kvmstat_exits_total", out);
		put_labels(out, g->arch, &g->samples[i].key, names);
		fprintf(out, "} %llu\n", (unsigned long long)g->samples[i].val.exits);
	}
}

/* Observations below 2^log2 ns: the fine buckets that end at or below it. */
static __u64 count_below(const struct kvmstat_span_stats *s, unsigned int log2)
{
	__u64 n = 0;
	unsigned int i;

	for (i = 0; i < KVMSTAT_HIST_BUCKETS && hist_bucket_hi(i) <= 1ULL << log2; i++)
		n += s->hist[i];
	return n;
}

static void put_histogram(FILE *out, const char *metric, const struct snapshot *g,
			  const struct sample *smp, enum kvmstat_span span, const struct names *names)
{
	const struct kvmstat_span_stats *s = &smp->val.span[span];
	unsigned int k;

	for (k = PROM_LE_FIRST_LOG2; k <= PROM_LE_LAST_LOG2; k += PROM_LE_STEP_LOG2) {
		fprintf(out, "%s_bucket", metric);
		put_labels(out, g->arch, &smp->key, names);
		fputs(",le=\"", out);
		put_seconds(out, (1ULL << k) - 1);
		fprintf(out, "\"} %llu\n", (unsigned long long)count_below(s, k));
	}
	fprintf(out, "%s_bucket", metric);
	put_labels(out, g->arch, &smp->key, names);
	fprintf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)s->count);
	fprintf(out, "%s_sum", metric);
	put_labels(out, g->arch, &smp->key, names);
	fputs("} ", out);
	put_seconds(out, s->sum_ns);
	fprintf(out, "\n%s_count", metric);
	put_labels(out, g->arch, &smp->key, names);
	fprintf(out, "} %llu\n", (unsigned long long)s->count);
}

static void put_span(FILE *out, const struct snapshot *g, enum kvmstat_span span,
		     const struct names *names)
{
	const char *metric = span == KVMSTAT_SPAN_GUEST ? "kvmstat_exit_guest_seconds"
							: "kvmstat_exit_handling_seconds";
	size_t i;

	put_family(out, metric, "histogram", span == KVMSTAT_SPAN_GUEST ?
		   "Guest run time from kvm_entry to the kvm_exit of the class. le bounds are "
		   "2^k-1 ns: exact sums of the in-kernel buckets." :
		   "Host time from kvm_exit to the next kvm_entry of the vCPU. le bounds are "
		   "2^k-1 ns: exact sums of the in-kernel buckets.");
	for (i = 0; i < g->nr; i++)
		put_histogram(out, metric, g, &g->samples[i], span, names);
}

static void put_drops(FILE *out, const struct snapshot *s)
{
	int i;

	put_family(out, "kvmstat_drops_total", "counter",
		   "Events kvmstat-bpf could not count: stats_full (exit not counted, map full), "
		   "inflight (interval not timed), unpaired (entry without a seen exit).");
	for (i = 0; i < KVMSTAT_NR_DROPS; i++) {
		fputs("kvmstat_drops_total{arch=", out);
		put_label_value(out, arch_name(s->arch) ?: "unknown");
		fprintf(out, ",reason=\"%s\"} %llu\n", drop_reasons[i], (unsigned long long)s->drops[i]);
	}
}

/* The series keys: the vCPU's threads merged when its id is known. */
static int series_of(const struct snapshot *s, struct snapshot *g)
{
	struct snapshot proj;
	struct sample *n;
	size_t i;
	int err = 0;

	snapshot_init(&proj, s->arch);
	for (i = 0; i < s->nr && !err; i++) {
		n = snapshot_add(&proj, &s->samples[i].key, &s->samples[i].val);
		if (!n)
			err = -ENOMEM;
		else if (n->key.vcpu != KVMSTAT_VCPU_UNKNOWN)
			n->key.tid = 0;
	}
	if (!err)
		err = snapshot_group(&proj, GROUP_VCPU, g);	/* sorts and merges equal keys */
	snapshot_free(&proj);
	return err;
}

int render_prom(FILE *out, const struct snapshot *s, const struct prom_opts *o)
{
	struct snapshot g;
	int span, err;

	snapshot_init(&g, s->arch);
	err = series_of(s, &g);
	if (!err) {
		put_exits(out, &g, o->names);
		for (span = 0; span < KVMSTAT_NR_SPANS; span++)
			if (o->spans & (1U << span))
				put_span(out, &g, span, o->names);
		put_drops(out, s);
	}
	snapshot_free(&g);
	return err;
}
