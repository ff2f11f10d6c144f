// SPDX-License-Identifier: GPL-2.0
#include "arch/arch.h"
#include "model/hist.h"
#include "ndjson/fields.h"
#include "ndjson/ndjson.h"

#define FIELD(type_, name_, T, member, ...) \
	{ .name = name_, .type = NDJSON_##type_, .offset = offsetof(T, member), __VA_ARGS__ }
#define NESTED(name_, which, ...) { .name = name_, .type = NDJSON_NESTED, .nested = which, __VA_ARGS__ }
#define DERIVED(name_, fn) { .name = name_, .type = NDJSON_DERIVED, .flags = NDJSON_UNREAD, .derive = fn }

static const struct ndjson_field interval_fields[] = {
	FIELD(TIME, "start", struct ndjson_line, start),
	FIELD(TIME, "end", struct ndjson_line, end),
	FIELD(U64, "start_mono_ns", struct ndjson_line, start_mono_ns),
	FIELD(U64, "end_mono_ns", struct ndjson_line, end_mono_ns),
	{},
};

static bool has_detail(const void *obj)
{
	return ((const struct ndjson_line *)obj)->detail_max;
}

static bool has_slow(const void *obj)
{
	return ((const struct ndjson_line *)obj)->slow_threshold_ns;
}

/* --slow: the threshold, the records sent and those not sent (rate limit, ring buffer full). */
static const struct ndjson_field slow_fields[] = {
	FIELD(U64, "threshold_ns", struct ndjson_line, slow_threshold_ns),
	FIELD(U64, "records", struct ndjson_line, slow_records),
	FIELD(U64, "suppressed", struct ndjson_line, drops[KVMSTAT_DROP_SLOW_SUPPRESSED]),
	FIELD(U64, "lost", struct ndjson_line, drops[KVMSTAT_DROP_SLOW_LOST]),
	{},
};

const struct ndjson_field ndjson_line_fields[] = {
	FIELD(U64, "schema_version", struct ndjson_line, schema_version),
	FIELD(STRING, "tool", struct ndjson_line, tool),
	FIELD(STRING, "version", struct ndjson_line, version, .flags = NDJSON_UNREAD),
	FIELD(ENUM, "type", struct ndjson_line, type, .names = &schema_record_types),
	FIELD(STRING, "host", struct ndjson_line, host),
	FIELD(STRING, "arch", struct ndjson_line, arch),
	FIELD(STRING, "kernel", struct ndjson_line, kernel),
	{ .name = "interval", .type = NDJSON_OBJECT, .sub = interval_fields },
	FIELD(SET, "spans", struct ndjson_line, spans, .names = &schema_spans),
	FIELD(ENUM, "grouping", struct ndjson_line, grouping, .names = &schema_groupings),
	FIELD(STRING, "vcpu_source", struct ndjson_line, vcpu_source),
	FIELD(COUNTERS, "drops", struct ndjson_line, drops, .names = &schema_drops),
	FIELD(U64, "detail_max", struct ndjson_line, detail_max, .flags = NDJSON_OPTIONAL,
	      .when = has_detail),
	{ .name = "slow", .type = NDJSON_OBJECT, .sub = slow_fields, .flags = NDJSON_OPTIONAL,
	  .when = has_slow },
	FIELD(U64, "exits", struct ndjson_line, exits, .flags = NDJSON_UNREAD),
	NESTED("classes", NESTED_CLASSES),
	NESTED("vms", NESTED_VMS),
	{},
};

const struct ndjson_field ndjson_vm_fields[] = {
	FIELD(ID, "pid", struct ndjson_vm, pid),
	FIELD(STRING_OR_NULL, "name", struct ndjson_vm, name),
	FIELD(STRING_OR_NULL, "vm_uuid", struct ndjson_vm, uuid, .flags = NDJSON_OPTIONAL),
	FIELD(STRING_OR_NULL, "vm_scope", struct ndjson_vm, scope, .flags = NDJSON_OPTIONAL),
	FIELD(U64, "exits", struct ndjson_vm, exits, .flags = NDJSON_UNREAD),
	NESTED("classes", NESTED_CLASSES),
	NESTED("vcpus", NESTED_VCPUS),
	{},
};

const struct ndjson_field ndjson_vcpu_fields[] = {
	FIELD(ID_OR_NULL, "vcpu", struct ndjson_vcpu, vcpu),
	/* derived from the thread name, which is read back */
	FIELD(ID_OR_NULL, "vcpu_index", struct ndjson_vcpu, vcpu_index, .flags = NDJSON_UNREAD),
	FIELD(ID, "tid", struct ndjson_vcpu, tid),
	FIELD(STRING_OR_NULL, "thread", struct ndjson_vcpu, thread),
	FIELD(U64, "exits", struct ndjson_vcpu, exits, .flags = NDJSON_UNREAD),
	NESTED("classes", NESTED_CLASSES),
	{},
};

static void class_code(struct json *j, const void *obj)
{
	const struct ndjson_class *c = obj;
	char buf[ARCH_NAME_LEN];

	json_string(j, arch_class_code(c->arch, c->class, buf, sizeof(buf)));
}

static void class_name(struct json *j, const void *obj)
{
	const struct ndjson_class *c = obj;
	char buf[ARCH_NAME_LEN];

	json_string(j, arch_class_name(c->arch, c->class, buf, sizeof(buf)));
}

const struct ndjson_field ndjson_class_fields[] = {
	FIELD(HEX, "class", struct ndjson_class, class),
	DERIVED("code", class_code),
	DERIVED("name", class_name),
	FIELD(ENUM, "origin", struct ndjson_class, origin, .names = &schema_origins),
	FIELD(U64, "exits", struct ndjson_class, exits),
	NESTED("(span)", NESTED_SPANS),	/* a member per enabled span, named by schema_spans */
	NESTED("keys", NESTED_KEYS, .flags = NDJSON_OPTIONAL),	/* with --detail */
	{},
};

static void key_name(struct json *j, const void *obj)
{
	const struct ndjson_key *k = obj;
	char buf[ARCH_DETAIL_LEN];

	if (k->kind == KEY_NAMED)
		json_string(j, arch_detail_name(k->arch, k->class, k->key, buf, sizeof(buf)));
	else
		json_string(j, schema_name(&schema_key_kinds, k->kind));
}

const struct ndjson_field ndjson_key_fields[] = {
	FIELD(HEX, "key", struct ndjson_key, key),
	FIELD(ENUM, "kind", struct ndjson_key, kind, .names = &schema_key_kinds),
	DERIVED("name", key_name),
	FIELD(U64, "exits", struct ndjson_key, exits),
	NESTED("(span)", NESTED_SPANS),
	{},
};

static void span_avg(struct json *j, const void *obj)
{
	const struct kvmstat_span_stats *s = obj;

	json_u64(j, s->count ? s->sum_ns / s->count : 0);
}

static void span_percentile_of(struct json *j, const struct kvmstat_span_stats *s, double p)
{
	json_u64(j, span_percentile(s, p));
}

static void span_p50(struct json *j, const void *obj) { span_percentile_of(j, obj, 50); }
static void span_p90(struct json *j, const void *obj) { span_percentile_of(j, obj, 90); }
static void span_p99(struct json *j, const void *obj) { span_percentile_of(j, obj, 99); }

const struct ndjson_field ndjson_span_fields[] = {
	FIELD(U64, "count", struct kvmstat_span_stats, count),
	FIELD(U64, "total_ns", struct kvmstat_span_stats, sum_ns),
	FIELD(U64, "min_ns", struct kvmstat_span_stats, min_ns),
	FIELD(U64, "max_ns", struct kvmstat_span_stats, max_ns),
	DERIVED("avg_ns", span_avg),
	DERIVED("p50_ns", span_p50),
	DERIVED("p90_ns", span_p90),
	DERIVED("p99_ns", span_p99),
	NESTED("buckets", NESTED_BUCKETS),
	{},
};

static void slow_code(struct json *j, const void *obj)
{
	const struct ndjson_slow *r = obj;
	char buf[ARCH_NAME_LEN];

	json_string(j, arch_class_code(r->arch_id, r->class, buf, sizeof(buf)));
}

static void slow_class_name(struct json *j, const void *obj)
{
	const struct ndjson_slow *r = obj;
	char buf[ARCH_NAME_LEN];

	json_string(j, arch_class_name(r->arch_id, r->class, buf, sizeof(buf)));
}

static void slow_key_name(struct json *j, const void *obj)
{
	const struct ndjson_slow *r = obj;
	struct ndjson_key k = { .key = r->key, .kind = r->key_kind, .arch = r->arch_id,
				.class = r->class };

	key_name(j, &k);
}

static bool slow_has_key(const void *obj)
{
	return ((const struct ndjson_slow *)obj)->has_key;
}

static const struct ndjson_field slow_key_fields[] = {
	FIELD(HEX, "key", struct ndjson_slow, key),
	FIELD(ENUM, "kind", struct ndjson_slow, key_kind, .names = &schema_key_kinds),
	DERIVED("name", slow_key_name),
	{},
};

const struct ndjson_field ndjson_slow_fields[] = {
	FIELD(U64, "schema_version", struct ndjson_slow, schema_version),
	FIELD(STRING, "tool", struct ndjson_slow, tool),
	FIELD(STRING, "version", struct ndjson_slow, version, .flags = NDJSON_UNREAD),
	FIELD(ENUM, "type", struct ndjson_slow, type, .names = &schema_record_types),
	FIELD(STRING, "host", struct ndjson_slow, host),
	FIELD(STRING, "arch", struct ndjson_slow, arch),
	FIELD(STRING, "kernel", struct ndjson_slow, kernel),
	FIELD(TIME, "time", struct ndjson_slow, time),
	FIELD(U64, "mono_ns", struct ndjson_slow, mono_ns),
	FIELD(ID, "vm", struct ndjson_slow, vm),
	FIELD(STRING_OR_NULL, "vm_name", struct ndjson_slow, vm_name),
	FIELD(ID_OR_NULL, "vcpu", struct ndjson_slow, vcpu),
	FIELD(ID, "tid", struct ndjson_slow, tid),
	FIELD(STRING_OR_NULL, "thread", struct ndjson_slow, thread),
	FIELD(ID, "cpu", struct ndjson_slow, cpu),
	FIELD(HEX, "class", struct ndjson_slow, class),
	DERIVED("code", slow_code),
	DERIVED("name", slow_class_name),
	FIELD(ENUM, "origin", struct ndjson_slow, origin, .names = &schema_origins),
	{ .name = "key", .type = NDJSON_OBJECT, .sub = slow_key_fields, .flags = NDJSON_OPTIONAL,
	  .when = slow_has_key },
	FIELD(HEX, "pc", struct ndjson_slow, pc),
	FIELD(U64, "handling_ns", struct ndjson_slow, handling_ns),
	FIELD(U64, "guest_ns", struct ndjson_slow, guest_ns),
	{},
};
