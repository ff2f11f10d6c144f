// SPDX-License-Identifier: GPL-2.0
/* Decoding render_json's lines back into snapshots, strictly: any doubt is an error. */
#define _GNU_SOURCE	/* strptime, timegm */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "arch/arch.h"
#include "ndjson/record.h"
#include "render/render.h"

#define PATH_LEN 160

struct dec {
	char *err;
	size_t errlen;
	__u32 spans;
	const struct record_names *names;
};

static int bad(struct dec *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, d->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A member's path for error messages; cut short if ever that deep, still telling. */
__attribute__((format(printf, 3, 4)))
static const char *path_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}

/* "where.key", or "key" at the top. */
static const char *member_path(char *buf, size_t len, const char *where, const char *key)
{
	return path_fmt(buf, len, "%s%s%s", where, *where ? "." : "", key);
}

static int get_member(struct dec *d, const struct jval *obj, const char *where, const char *key,
		      enum jval_type type, const struct jval **out)
{
	char path[PATH_LEN];

	*out = jval_get(obj, key);
	if (!*out)
		return bad(d, "%s: missing", member_path(path, sizeof(path), where, key));
	if ((*out)->type != type)
		return bad(d, "%s: expected %s %s, got %s", member_path(path, sizeof(path), where, key),
			   type == JVAL_ARRAY || type == JVAL_OBJECT ? "an" : "a",
			   jval_type_name(type), jval_type_name((*out)->type));
	return 0;
}

static int get_u64(struct dec *d, const struct jval *obj, const char *where, const char *key,
		   __u64 *out)
{
	const struct jval *v;
	char path[PATH_LEN];
	int err = get_member(d, obj, where, key, JVAL_NUMBER, &v);

	if (err)
		return err;
	if (!v->num.is_u64)
		return bad(d, "%s: expected an unsigned 64-bit integer, got %g",
			   member_path(path, sizeof(path), where, key), v->num.d);
	*out = v->num.u;
	return 0;
}

/* A pid, tid or vcpu id: below KVMSTAT_VCPU_UNKNOWN, which means "not known". */
static int get_id(struct dec *d, const struct jval *obj, const char *where, const char *key,
		  __u32 *out)
{
	char path[PATH_LEN];
	__u64 v = 0;
	int err = get_u64(d, obj, where, key, &v);

	if (err)
		return err;
	if (v >= KVMSTAT_VCPU_UNKNOWN)
		return bad(d, "%s: %llu out of range", member_path(path, sizeof(path), where, key),
			   (unsigned long long)v);
	*out = v;
	return 0;
}

static int get_str(struct dec *d, const struct jval *obj, const char *where, const char *key,
		   const char **out)
{
	const struct jval *v;
	int err = get_member(d, obj, where, key, JVAL_STRING, &v);

	if (!err)
		*out = v->str.s;
	return err;
}

/* A VM or thread name: a string, or null when /proc did not know it. */
static int get_name(struct dec *d, const struct jval *obj, const char *where, const char *key,
		    bool thread, __u32 id)
{
	const struct jval *v = jval_get(obj, key);
	char path[PATH_LEN];

	if (v && v->type == JVAL_NULL)
		return 0;
	if (!v || v->type != JVAL_STRING)
		return bad(d, "%s: expected a string or null", member_path(path, sizeof(path), where, key));
	if (d->names && d->names->name)
		d->names->name(d->names->ctx, thread, id, v->str.s);
	return 0;
}

/* Index of `name` in names[], -1 if absent. */
static int str_index(const char *name, const char *const *names, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

int hist_bucket_of_lo(__u64 lo_ns)
{
	unsigned int i;

	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++)
		if (hist_bucket_lo(i) == lo_ns)
			return i;
	return -1;
}

/* One {"lo_ns", "hi_ns", "count"} into s->hist, checked against the bucket layout. */
static int decode_bucket(struct dec *d, const struct jval *b, const char *where,
			 struct kvmstat_span_stats *s)
{
	const struct jval *hi = jval_get(b, "hi_ns");
	__u64 lo, count;
	int slot, err;

	err = get_u64(d, b, where, "lo_ns", &lo);
	err = err ?: get_u64(d, b, where, "count", &count);
	if (err)
		return err;
	slot = hist_bucket_of_lo(lo);
	if (slot < 0)
		return bad(d, "%s.lo_ns: %llu is not a bucket bound", where, (unsigned long long)lo);
	if (!hi || (slot + 1 < KVMSTAT_HIST_BUCKETS ?
		    hi->type != JVAL_NUMBER || !hi->num.is_u64 || hi->num.u != hist_bucket_hi(slot) :
		    hi->type != JVAL_NULL))
		return bad(d, "%s.hi_ns: not the upper bound of the bucket at %llu", where,
			   (unsigned long long)lo);
	if (s->hist[slot])
		return bad(d, "%s: bucket at %llu listed twice", where, (unsigned long long)lo);
	if (!count)
		return bad(d, "%s.count: 0 (only non-empty buckets are listed)", where);
	s->hist[slot] = count;
	return 0;
}

static int decode_span(struct dec *d, const struct jval *cls, const char *where, const char *name,
		       struct kvmstat_span_stats *s)
{
	const struct jval *span, *buckets;
	char path[PATH_LEN], bpath[PATH_LEN];
	__u64 sum = 0;
	size_t i;
	int err = get_member(d, cls, where, name, JVAL_OBJECT, &span);

	member_path(path, sizeof(path), where, name);
	err = err ?: get_u64(d, span, path, "count", &s->count);
	err = err ?: get_u64(d, span, path, "total_ns", &s->sum_ns);
	err = err ?: get_u64(d, span, path, "min_ns", &s->min_ns);
	err = err ?: get_u64(d, span, path, "max_ns", &s->max_ns);
	err = err ?: get_member(d, span, path, "buckets", JVAL_ARRAY, &buckets);
	for (i = 0; !err && i < buckets->arr.nr; i++) {
		path_fmt(bpath, sizeof(bpath), "%s.buckets[%zu]", path, i);
		if (buckets->arr.items[i].type != JVAL_OBJECT)
			return bad(d, "%s: expected an object", bpath);
		err = decode_bucket(d, &buckets->arr.items[i], bpath, s);
	}
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++)
		sum += s->hist[i];
	if (!err && sum != s->count)
		return bad(d, "%s: bucket counts sum to %llu, count is %llu", path,
			   (unsigned long long)sum, (unsigned long long)s->count);
	return err;
}

/* "0x200000024" -> 0x200000024: "0x" and 1 to 16 hex digits, nothing else. */
static int parse_class(const char *s, __u64 *out)
{
	size_t n = strspn(s + 2 * (s[0] == '0' && s[1] == 'x'), "0123456789abcdefABCDEF");

	if (s[0] != '0' || s[1] != 'x' || !n || n > 16 || s[2 + n])
		return -EINVAL;
	*out = strtoull(s + 2, NULL, 16);
	return 0;
}

static int decode_class(struct dec *d, const struct jval *c, const char *where,
			struct kvmstat_key *k, struct kvmstat_value *v)
{
	static const char *const origins[] = { "kernel", "user" };
	const char *cls, *origin;
	int span, o, err;

	memset(v, 0, sizeof(*v));
	err = get_str(d, c, where, "class", &cls);
	err = err ?: get_str(d, c, where, "origin", &origin);
	err = err ?: get_u64(d, c, where, "exits", &v->exits);
	if (err)
		return err;
	if (parse_class(cls, &k->class))
		return bad(d, "%s.class: \"%.40s\" is not a hex class code (0x...)", where, cls);
	o = str_index(origin, origins, 2);
	if (o < 0)
		return bad(d, "%s.origin: \"%.40s\": expected kernel or user", where, origin);
	k->flags = o ? KVMSTAT_KEY_USER : 0;
	for (span = 0; span < KVMSTAT_NR_SPANS && !err; span++)
		if (d->spans & (1U << span))
			err = decode_span(d, c, where, span_name(span), &v->span[span]);
	return err;
}

/* parent's "classes" as samples of key base (class and origin filled in). */
static int decode_classes(struct dec *d, const struct jval *parent, const char *where,
			  const struct kvmstat_key *base, struct snapshot *s)
{
	const struct jval *classes;
	struct kvmstat_value v;
	struct kvmstat_key k;
	char path[PATH_LEN];
	size_t i;
	int err = get_member(d, parent, where, "classes", JVAL_ARRAY, &classes);

	for (i = 0; !err && i < classes->arr.nr; i++) {
		path_fmt(path, sizeof(path), "%s%sclasses[%zu]", where, *where ? "." : "", i);
		if (classes->arr.items[i].type != JVAL_OBJECT)
			return bad(d, "%s: expected an object", path);
		k = *base;
		err = decode_class(d, &classes->arr.items[i], path, &k, &v);
		if (!err && !snapshot_add(s, &k, &v))
			err = -ENOMEM;
	}
	return err;
}

static int decode_vcpu(struct dec *d, const struct jval *c, const char *where, __u32 vm,
		       struct snapshot *s)
{
	struct kvmstat_key base = { .vm = vm };
	const struct jval *id = jval_get(c, "vcpu");
	int err = 0;

	if (id && id->type == JVAL_NULL)
		base.vcpu = KVMSTAT_VCPU_UNKNOWN;
	else
		err = get_id(d, c, where, "vcpu", &base.vcpu);
	err = err ?: get_id(d, c, where, "tid", &base.tid);
	err = err ?: get_name(d, c, where, "thread", true, base.tid);
	return err ?: decode_classes(d, c, where, &base, s);
}

static int decode_vm(struct dec *d, const struct jval *vm, const char *where, enum grouping level,
		     struct snapshot *s)
{
	struct kvmstat_key base = {};
	const struct jval *vcpus;
	char path[PATH_LEN];
	size_t i;
	int err = get_id(d, vm, where, "pid", &base.vm);

	err = err ?: get_name(d, vm, where, "name", false, base.vm);
	if (err || level == GROUP_VM)
		return err ?: decode_classes(d, vm, where, &base, s);
	err = get_member(d, vm, where, "vcpus", JVAL_ARRAY, &vcpus);
	for (i = 0; !err && i < vcpus->arr.nr; i++) {
		path_fmt(path, sizeof(path), "%s.vcpus[%zu]", where, i);
		if (vcpus->arr.items[i].type != JVAL_OBJECT)
			return bad(d, "%s: expected an object", path);
		err = decode_vcpu(d, &vcpus->arr.items[i], path, base.vm, s);
	}
	return err;
}

/* The samples at the record's grouping: the deepest level it has. */
static int decode_samples(struct dec *d, const struct jval *root, struct record *r)
{
	static const struct kvmstat_key top;
	const struct jval *vms;
	char path[PATH_LEN];
	size_t i;
	int err;

	if (r->level == GROUP_CLASS)
		return decode_classes(d, root, "", &top, &r->snap);
	err = get_member(d, root, "", "vms", JVAL_ARRAY, &vms);
	for (i = 0; !err && i < vms->arr.nr; i++) {
		path_fmt(path, sizeof(path), "vms[%zu]", i);
		if (vms->arr.items[i].type != JVAL_OBJECT)
			return bad(d, "%s: expected an object", path);
		err = decode_vm(d, &vms->arr.items[i], path, r->level, &r->snap);
	}
	return err;
}

int parse_rfc3339(const char *s, struct timespec *ts)
{
	struct tm tm = {};
	const char *rest;
	size_t i;

	/* Fixed width, so strptime's leniency (spaces, short fields) cannot slip through. */
	if (strlen(s) != 30 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != '.' || s[29] != 'Z')
		return -EINVAL;
	for (i = 0; i < 29; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && i != 19 &&
		    (s[i] < '0' || s[i] > '9'))
			return -EINVAL;
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest != s + 19)
		return -EINVAL;
	ts->tv_sec = timegm(&tm);
	ts->tv_nsec = strtol(s + 20, NULL, 10);
	return 0;
}

static int decode_time(struct dec *d, const struct jval *iv, const char *key, struct timespec *ts)
{
	const char *s;
	int err = get_str(d, iv, "interval", key, &s);

	if (!err && parse_rfc3339(s, ts))
		return bad(d, "interval.%s: \"%.40s\" is not RFC 3339 UTC with nanoseconds", key, s);
	return err;
}

static int decode_interval(struct dec *d, const struct jval *root, struct snapshot *s)
{
	const struct jval *iv;
	int err = get_member(d, root, "", "interval", JVAL_OBJECT, &iv);

	err = err ?: decode_time(d, iv, "start", &s->start_wall);
	err = err ?: decode_time(d, iv, "end", &s->end_wall);
	err = err ?: get_u64(d, iv, "interval", "start_mono_ns", &s->start_mono_ns);
	err = err ?: get_u64(d, iv, "interval", "end_mono_ns", &s->end_mono_ns);
	if (!err && s->end_mono_ns < s->start_mono_ns)
		return bad(d, "interval: end_mono_ns before start_mono_ns");
	return err;
}

static int decode_spans(struct dec *d, const struct jval *root, __u32 *spans)
{
	const struct jval *arr, *it;
	size_t i;
	int span, err = get_member(d, root, "", "spans", JVAL_ARRAY, &arr);

	for (*spans = 0, i = 0; !err && i < arr->arr.nr; i++) {
		it = &arr->arr.items[i];
		for (span = 0; span < KVMSTAT_NR_SPANS; span++)
			if (it->type == JVAL_STRING && !strcmp(it->str.s, span_name(span)))
				break;
		if (span == KVMSTAT_NR_SPANS)
			return bad(d, "spans[%zu]: expected \"handling\" or \"guest\"", i);
		*spans |= 1U << span;
	}
	return err;
}

static int decode_drops(struct dec *d, const struct jval *root, struct snapshot *s)
{
	static const char *const names[KVMSTAT_NR_DROPS] = {
		[KVMSTAT_DROP_STATS_FULL] = "stats_full",
		[KVMSTAT_DROP_INFLIGHT] = "inflight",
		[KVMSTAT_DROP_UNPAIRED] = "unpaired",
	};
	const struct jval *drops;
	int i, err = get_member(d, root, "", "drops", JVAL_OBJECT, &drops);

	for (i = 0; !err && i < KVMSTAT_NR_DROPS; i++)
		err = get_u64(d, drops, "drops", names[i], &s->drops[i]);
	return err;
}

static int copy_str(struct dec *d, const struct jval *root, const char *key, char *buf, size_t len)
{
	const char *s;
	int err = get_str(d, root, "", key, &s);

	if (!err)
		snprintf(buf, len, "%s", s);
	return err;
}

/* Who wrote the line: refuse what is not ours, or newer than we read, before anything else. */
static int decode_version(struct dec *d, const struct jval *root)
{
	const char *tool;
	__u64 v;

	if (root->type != JVAL_OBJECT)
		return bad(d, "expected a JSON object, got %s: not a kvmstat-bpf record",
			   jval_type_name(root->type));
	if (!jval_get(root, "schema_version"))
		return bad(d, "no schema_version: not a kvmstat-bpf record");
	if (get_u64(d, root, "", "schema_version", &v) || get_str(d, root, "", "tool", &tool))
		return -EINVAL;
	if (strcmp(tool, "kvmstat-bpf"))
		return bad(d, "tool \"%.40s\": not a kvmstat-bpf record", tool);
	if (v > KVMSTAT_SCHEMA_VERSION)
		return bad(d, "schema_version %llu is newer than this kvmstat-bpf reads (%d): "
			   "use a newer kvmstat-bpf", (unsigned long long)v, KVMSTAT_SCHEMA_VERSION);
	if (v < 1)
		return bad(d, "schema_version 0 is not valid");
	return 0;
}

static int decode_header(struct dec *d, const struct jval *root, struct record *r)
{
	static const char *const types[] = { "interval", "total" };
	static const char *const groups[] = { "class", "vm", "vcpu" };
	const char *type, *arch, *grouping;
	int t, g, err;

	err = get_str(d, root, "", "type", &type);
	err = err ?: get_str(d, root, "", "arch", &arch);
	err = err ?: get_str(d, root, "", "grouping", &grouping);
	err = err ?: copy_str(d, root, "host", r->host, sizeof(r->host));
	err = err ?: copy_str(d, root, "kernel", r->kernel, sizeof(r->kernel));
	err = err ?: copy_str(d, root, "vcpu_source", r->vcpu_source, sizeof(r->vcpu_source));
	if (err)
		return err;
	t = str_index(type, types, 2);
	if (t < 0)
		return bad(d, "type: \"%.40s\": expected interval or total", type);
	r->total = t == 1;
	g = str_index(grouping, groups, 3);
	if (g < 0)
		return bad(d, "grouping: \"%.40s\": expected class, vm or vcpu", grouping);
	r->level = g;
	r->snap.arch = arch_from_name(arch);
	if (r->snap.arch == KVMSTAT_ARCH_UNKNOWN)
		return bad(d, "arch: \"%.40s\": expected arm64, riscv or x86", arch);
	err = decode_interval(d, root, &r->snap);
	err = err ?: decode_spans(d, root, &r->spans);
	return err ?: decode_drops(d, root, &r->snap);
}

int record_decode(const struct jval *root, struct record *r, const struct record_names *names,
		  char *err, size_t errlen)
{
	struct dec d = { .err = err, .errlen = errlen, .names = names };
	int ret;

	memset(r, 0, sizeof(*r));
	snapshot_init(&r->snap, KVMSTAT_ARCH_UNKNOWN);
	ret = decode_version(&d, root);
	ret = ret ?: decode_header(&d, root, r);
	d.spans = r->spans;
	ret = ret ?: decode_samples(&d, root, r);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return ret;
}
