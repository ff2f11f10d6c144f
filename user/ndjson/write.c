// SPDX-License-Identifier: GPL-2.0
/* NDJSON export: one object per interval and one for the whole run (docs/kvmstat.schema.json). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "arch/arch.h"
#include "lib/json.h"
#include "render/render.h"

static const char *const drop_names[KVMSTAT_NR_DROPS] = {
	[KVMSTAT_DROP_STATS_FULL] = "stats_full",
	[KVMSTAT_DROP_INFLIGHT] = "inflight",
	[KVMSTAT_DROP_UNPAIRED] = "unpaired",
};

const char *fmt_rfc3339(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	char date[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", date, ts->tv_nsec);
	return buf;
}

static void json_hex(struct json *j, const char *key, __u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	json_kv_string(j, key, buf);
}

static void json_span(struct json *j, const char *name, const struct kvmstat_span_stats *s)
{
	static const double percentiles[3] = { 50, 90, 99 };
	__u64 pct[3];
	unsigned int i;

	json_key(j, name);
	json_object_begin(j);
	json_kv_u64(j, "count", s->count);
	json_kv_u64(j, "total_ns", s->sum_ns);
	json_kv_u64(j, "min_ns", s->min_ns);
	json_kv_u64(j, "max_ns", s->max_ns);
	json_kv_u64(j, "avg_ns", s->count ? s->sum_ns / s->count : 0);
	span_percentiles(s, percentiles, pct, 3);
	json_kv_u64(j, "p50_ns", pct[0]);
	json_kv_u64(j, "p90_ns", pct[1]);
	json_kv_u64(j, "p99_ns", pct[2]);
	json_key(j, "buckets");
	json_array_begin(j);
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++) {
		if (!s->hist[i])
			continue;
		json_object_begin(j);
		json_kv_u64(j, "lo_ns", hist_bucket_lo(i));
		json_key(j, "hi_ns");
		if (i + 1 < KVMSTAT_HIST_BUCKETS)
			json_u64(j, hist_bucket_hi(i));
		else
			json_null(j);	/* open-ended last bucket */
		json_kv_u64(j, "count", s->hist[i]);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void json_class(struct json *j, enum kvmstat_arch arch, const struct sample *smp, __u32 spans)
{
	char name[ARCH_NAME_LEN], code[ARCH_NAME_LEN];
	int s;

	json_object_begin(j);
	json_hex(j, "class", smp->key.class);
	json_kv_string(j, "code", arch_class_code(arch, smp->key.class, code, sizeof(code)));
	json_kv_string(j, "name", arch_class_name(arch, smp->key.class, name, sizeof(name)));
	json_kv_string(j, "origin", smp->key.flags & KVMSTAT_KEY_USER ? "user" : "kernel");
	json_kv_u64(j, "exits", smp->val.exits);
	for (s = 0; s < KVMSTAT_NR_SPANS; s++)
		if (spans & (1U << s))
			json_span(j, span_name(s), &smp->val.span[s]);
	json_object_end(j);
}

/* The classes of samples [from, to) of a grouped snapshot. */
static void json_classes(struct json *j, const struct snapshot *g, size_t from, size_t to, __u32 spans)
{
	size_t i;

	json_key(j, "classes");
	json_array_begin(j);
	for (i = from; i < to; i++)
		json_class(j, g->arch, &g->samples[i], spans);
	json_array_end(j);
}

static __u64 exits_of(const struct snapshot *g, size_t from, size_t to)
{
	__u64 n = 0;

	for (; from < to; from++)
		n += g->samples[from].val.exits;
	return n;
}

static size_t vcpu_end(const struct snapshot *g, size_t i)
{
	const struct kvmstat_key *k = &g->samples[i].key;
	size_t e = i;

	while (e < g->nr && g->samples[e].key.vm == k->vm && g->samples[e].key.vcpu == k->vcpu &&
	       g->samples[e].key.tid == k->tid)
		e++;
	return e;
}

static void json_vcpus(struct json *j, const struct snapshot *g, size_t from, size_t to,
		       const struct json_meta *m)
{
	const char *thread;
	size_t i, e;

	json_key(j, "vcpus");
	json_array_begin(j);
	for (i = from; i < to; i = e) {
		const struct kvmstat_key *k = &g->samples[i].key;

		e = vcpu_end(g, i);
		json_object_begin(j);
		json_key(j, "vcpu");
		if (k->vcpu == KVMSTAT_VCPU_UNKNOWN)
			json_null(j);
		else
			json_u64(j, k->vcpu);
		json_kv_u64(j, "tid", k->tid);
		thread = m->names && m->names->thread_name ? m->names->thread_name(m->names->ctx, k->tid) : NULL;
		json_kv_string(j, "thread", thread);
		json_kv_u64(j, "exits", exits_of(g, i, e));
		json_classes(j, g, i, e, m->spans);
		json_object_end(j);
	}
	json_array_end(j);
}

/* Per VM: its classes (byvm: grouped per VM) and, grouped per vCPU, its vCPUs' (byvcpu). */
static void json_vms(struct json *j, const struct snapshot *byvcpu, const struct snapshot *byvm,
		     const struct json_meta *m)
{
	const struct snapshot *g = byvcpu;
	const char *name;
	size_t i, e, c = 0, ce;

	json_key(j, "vms");
	json_array_begin(j);
	for (i = 0; i < g->nr; i = e) {
		__u32 vm = g->samples[i].key.vm;

		for (e = i; e < g->nr && g->samples[e].key.vm == vm; e++)
			;
		for (ce = c; ce < byvm->nr && byvm->samples[ce].key.vm == vm; ce++)
			;
		json_object_begin(j);
		json_kv_u64(j, "pid", vm);
		name = m->names && m->names->vm_name ? m->names->vm_name(m->names->ctx, vm) : NULL;
		json_kv_string(j, "name", name);
		json_kv_u64(j, "exits", exits_of(g, i, e));
		json_classes(j, byvm, c, ce, m->spans);
		if (m->by == GROUP_VCPU)
			json_vcpus(j, g, i, e, m);
		json_object_end(j);
		c = ce;
	}
	json_array_end(j);
}

static void json_header(struct json *j, const struct snapshot *s, const struct json_meta *m)
{
	char buf[48];
	int i;

	json_kv_u64(j, "schema_version", KVMSTAT_SCHEMA_VERSION);
	json_kv_string(j, "tool", "kvmstat-bpf");
	json_kv_string(j, "version", KVMSTAT_VERSION);
	json_kv_string(j, "type", m->type);
	json_kv_string(j, "host", m->host ?: "");
	json_kv_string(j, "arch", arch_name(s->arch) ?: "unknown");
	json_kv_string(j, "kernel", m->kernel ?: "");
	json_key(j, "interval");
	json_object_begin(j);
	json_kv_string(j, "start", fmt_rfc3339(&s->start_wall, buf, sizeof(buf)));
	json_kv_string(j, "end", fmt_rfc3339(&s->end_wall, buf, sizeof(buf)));
	json_kv_u64(j, "start_mono_ns", s->start_mono_ns);
	json_kv_u64(j, "end_mono_ns", s->end_mono_ns);
	json_object_end(j);
	json_key(j, "spans");
	json_array_begin(j);
	for (i = 0; i < KVMSTAT_NR_SPANS; i++)
		if (m->spans & (1U << i))
			json_string(j, span_name(i));
	json_array_end(j);
	json_kv_string(j, "grouping", m->by == GROUP_VCPU ? "vcpu" : m->by == GROUP_VM ? "vm" : "class");
	json_kv_string(j, "vcpu_source", m->vcpu_source ?: "thread");
	json_key(j, "drops");
	json_object_begin(j);
	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		json_kv_u64(j, drop_names[i], s->drops[i]);
	json_object_end(j);
}

/*
 * Each grouping from the one before (vCPU, then VM, then class), not from s: the
 * samples of a busy interval are merged once, the later groupings are small.
 */
static int group_for_json(const struct snapshot *s, const struct json_meta *m,
			  struct snapshot *byvcpu, struct snapshot *byvm, struct snapshot *byclass)
{
	if (m->by == GROUP_CLASS)
		return snapshot_group(s, GROUP_CLASS, byclass);
	return snapshot_group(s, GROUP_VCPU, byvcpu) ?: snapshot_group(byvcpu, GROUP_VM, byvm) ?:
	       snapshot_group(byvm, GROUP_CLASS, byclass);
}

void render_json(FILE *out, const struct snapshot *s, const struct json_meta *m)
{
	struct snapshot byclass, byvm, byvcpu;
	struct kvmstat_value total;
	struct json j;

	snapshot_init(&byclass, s->arch);
	snapshot_init(&byvm, s->arch);
	snapshot_init(&byvcpu, s->arch);
	if (group_for_json(s, m, &byvcpu, &byvm, &byclass))
		goto cleanup;
	snapshot_total(&byclass, &total);
	json_init(&j, out);
	json_object_begin(&j);
	json_header(&j, s, m);
	json_kv_u64(&j, "exits", total.exits);
	json_classes(&j, &byclass, 0, byclass.nr, m->spans);
	if (m->by != GROUP_CLASS)
		json_vms(&j, &byvcpu, &byvm, m);
	json_object_end(&j);
	fputc('\n', out);
	fflush(out);
cleanup:
	snapshot_free(&byclass);
	snapshot_free(&byvm);
	snapshot_free(&byvcpu);
}
