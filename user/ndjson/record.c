// SPDX-License-Identifier: GPL-2.0
/* Reading ndjson_write's lines back into snapshots, strictly: any doubt is an error. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "lib/time.h"
#include "model/hist.h"
#include "ndjson/fields.h"
#include "ndjson/ndjson.h"

#define PATH_LEN 160

struct dec {
	char *err;
	size_t errlen;
	const struct record_names *names;
	struct record *r;
	struct kvmstat_key base;		/* of the object being read: vm, vcpu, tid */
	struct kvmstat_value *val;		/* of the class (or key) being read */
	struct kvmstat_span_stats *span;	/* of the span being read */
	const struct ndjson_class *cls;		/* the class whose keys are read */
	__u64 key_exits;			/* of its keys read */
	size_t nr_keys;
};

static int read_fields(struct dec *d, const struct jval *obj, const char *where,
		       const struct ndjson_field *f, void *out, bool nested);

/* An object's plain members, then (knowing them) its nested ones. */
static int read_object(struct dec *d, const struct jval *obj, const char *where,
		       const struct ndjson_field *f, void *out)
{
	return read_fields(d, obj, where, f, out, false) ?: read_fields(d, obj, where, f, out, true);
}

#define MEMBER(obj, f, T) ((T *)((char *)(obj) + (f)->offset))

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

static int check_type(struct dec *d, const struct jval *v, const char *path, enum jval_type type)
{
	if (v->type != type)
		return bad(d, "%s: expected %s %s, got %s", path,
			   type == JVAL_ARRAY || type == JVAL_OBJECT ? "an" : "a",
			   jval_type_name(type), jval_type_name(v->type));
	return 0;
}

static int get_member(struct dec *d, const struct jval *obj, const char *where, const char *key,
		      enum jval_type type, const struct jval **out)
{
	char path[PATH_LEN];

	member_path(path, sizeof(path), where, key);
	*out = jval_get(obj, key);
	if (!*out)
		return bad(d, "%s: missing", path);
	return check_type(d, *out, path, type);
}

static int to_u64(struct dec *d, const struct jval *v, const char *path, __u64 *out)
{
	int err = check_type(d, v, path, JVAL_NUMBER);

	if (err)
		return err;
	if (!v->num.is_u64)
		return bad(d, "%s: expected an unsigned 64-bit integer, got %g", path, v->num.d);
	*out = v->num.u;
	return 0;
}

static int get_u64(struct dec *d, const struct jval *obj, const char *where, const char *key,
		   __u64 *out)
{
	const struct jval *v;
	char path[PATH_LEN];
	int err = get_member(d, obj, where, key, JVAL_NUMBER, &v);

	return err ?: to_u64(d, v, member_path(path, sizeof(path), where, key), out);
}

/* A pid, tid or vcpu id: below KVMSTAT_VCPU_UNKNOWN, which means "not known". */
static int to_id(struct dec *d, const struct jval *v, const char *path, __u32 *out)
{
	__u64 u = 0;
	int err = to_u64(d, v, path, &u);

	if (err)
		return err;
	if (u >= KVMSTAT_VCPU_UNKNOWN)
		return bad(d, "%s: %llu out of range", path, (unsigned long long)u);
	*out = u;
	return 0;
}

/* "0x200000024" -> 0x200000024: "0x" and 1 to 16 hex digits, nothing else. */
static int parse_hex(const char *s, __u64 *out)
{
	size_t n = strspn(s + 2 * (s[0] == '0' && s[1] == 'x'), "0123456789abcdefABCDEF");

	if (s[0] != '0' || s[1] != 'x' || !n || n > 16 || s[2 + n])
		return -EINVAL;
	*out = strtoull(s + 2, NULL, 16);
	return 0;
}

static int to_enum(struct dec *d, const struct jval *v, const char *path,
		   const struct schema_enum *e, int *out)
{
	char choices[128];
	int err = check_type(d, v, path, JVAL_STRING);

	if (err)
		return err;
	*out = schema_parse(e, v->str.s);
	if (*out < 0)
		return bad(d, "%s: \"%.40s\": expected %s", path, v->str.s,
			   schema_choices(e, false, choices, sizeof(choices)));
	return 0;
}

static int to_set(struct dec *d, const struct jval *v, const char *path,
		  const struct schema_enum *e, __u32 *out)
{
	const struct jval *it;
	char choices[128];
	int i, err = check_type(d, v, path, JVAL_ARRAY);
	size_t k;

	for (*out = 0, k = 0; !err && k < v->arr.nr; k++) {
		it = &v->arr.items[k];
		i = it->type == JVAL_STRING ? schema_parse(e, it->str.s) : -EINVAL;
		if (i < 0)
			return bad(d, "%s[%zu]: expected %s", path, k,
				   schema_choices(e, true, choices, sizeof(choices)));
		*out |= 1U << i;
	}
	return err;
}

static int to_counters(struct dec *d, const struct jval *v, const char *path,
		       const struct schema_enum *e, __u64 *out)
{
	int err = check_type(d, v, path, JVAL_OBJECT);
	unsigned int i;

	for (i = 0; !err && i < e->nr; i++) {
		if (e->nr_required && i >= e->nr_required && !jval_get(v, schema_name(e, i))) {
			out[i] = 0;	/* added later: absent from older lines */
			continue;
		}
		err = get_u64(d, v, path, schema_name(e, i), &out[i]);
	}
	return err;
}

static int to_string(struct dec *d, const struct jval *v, const char *path, bool null_ok,
		     const char **out)
{
	if (null_ok && v->type == JVAL_NULL) {
		*out = NULL;
		return 0;
	}
	if (null_ok && v->type != JVAL_STRING)
		return bad(d, "%s: expected a string or null", path);
	if (check_type(d, v, path, JVAL_STRING))
		return -EINVAL;
	*out = v->str.s;
	return 0;
}

static int to_time(struct dec *d, const struct jval *v, const char *path, struct timespec *ts)
{
	int err = check_type(d, v, path, JVAL_STRING);

	if (!err && parse_rfc3339(v->str.s, ts))
		return bad(d, "%s: \"%.40s\" is not RFC 3339 UTC with nanoseconds", path, v->str.s);
	return err;
}

static int to_hex(struct dec *d, const struct jval *v, const char *path, __u64 *out)
{
	int err = check_type(d, v, path, JVAL_STRING);

	if (!err && parse_hex(v->str.s, out))
		return bad(d, "%s: \"%.40s\" is not a hex class code (0x...)", path, v->str.s);
	return err;
}

/* One member of a plain type into out's member. */
static int read_member(struct dec *d, const struct jval *v, const char *path,
		       const struct ndjson_field *f, void *out)
{
	switch (f->type) {
	case NDJSON_U64:
		return to_u64(d, v, path, MEMBER(out, f, __u64));
	case NDJSON_ID:
		return to_id(d, v, path, MEMBER(out, f, __u32));
	case NDJSON_ID_OR_NULL:
		if (v->type == JVAL_NULL) {
			*MEMBER(out, f, __u32) = KVMSTAT_VCPU_UNKNOWN;
			return 0;
		}
		return to_id(d, v, path, MEMBER(out, f, __u32));
	case NDJSON_STRING:
	case NDJSON_STRING_OR_NULL:
		return to_string(d, v, path, f->type == NDJSON_STRING_OR_NULL,
				 MEMBER(out, f, const char *));
	case NDJSON_HEX:
		return to_hex(d, v, path, MEMBER(out, f, __u64));
	case NDJSON_ENUM:
		return to_enum(d, v, path, f->names, MEMBER(out, f, int));
	case NDJSON_SET:
		return to_set(d, v, path, f->names, MEMBER(out, f, __u32));
	case NDJSON_COUNTERS:
		return to_counters(d, v, path, f->names, MEMBER(out, f, __u64));
	case NDJSON_TIME:
		return to_time(d, v, path, MEMBER(out, f, struct timespec));
	case NDJSON_OBJECT:
		return check_type(d, v, path, JVAL_OBJECT) ?:
		       read_fields(d, v, path, f->sub, out, false);
	case NDJSON_DERIVED:
	case NDJSON_NESTED:
		break;
	}
	return 0;
}

/* One {"lo_ns", "hi_ns", "count"} into s->hist, checked against the bucket layout. */
static int read_bucket(struct dec *d, const struct jval *b, const char *where,
		       struct kvmstat_span_stats *s)
{
	const struct jval *hi = jval_get(b, "hi_ns");
	__u64 lo, count;
	int bucket, err;

	err = get_u64(d, b, where, "lo_ns", &lo);
	err = err ?: get_u64(d, b, where, "count", &count);
	if (err)
		return err;
	bucket = hist_bucket_of_lo(lo);
	if (bucket < 0)
		return bad(d, "%s.lo_ns: %llu is not a bucket bound", where, (unsigned long long)lo);
	if (!hi || (bucket + 1 < KVMSTAT_HIST_BUCKETS ?
		    hi->type != JVAL_NUMBER || !hi->num.is_u64 || hi->num.u != hist_bucket_hi(bucket) :
		    hi->type != JVAL_NULL))
		return bad(d, "%s.hi_ns: not the upper bound of the bucket at %llu", where,
			   (unsigned long long)lo);
	if (s->hist[bucket])
		return bad(d, "%s: bucket at %llu listed twice", where, (unsigned long long)lo);
	if (!count)
		return bad(d, "%s.count: 0 (only non-empty buckets are listed)", where);
	s->hist[bucket] = count;
	return 0;
}

/* The buckets, then what they must agree with: the count, and min/max (model/hist.h). */
static int read_buckets(struct dec *d, const struct jval *span, const char *where)
{
	struct kvmstat_span_stats *s = d->span;
	const struct jval *buckets;
	unsigned int first = 1, last = 0;
	char bpath[PATH_LEN];
	__u64 sum = 0;
	size_t i;
	int err = get_member(d, span, where, "buckets", JVAL_ARRAY, &buckets);

	for (i = 0; !err && i < buckets->arr.nr; i++) {
		path_fmt(bpath, sizeof(bpath), "%s.buckets[%zu]", where, i);
		err = check_type(d, &buckets->arr.items[i], bpath, JVAL_OBJECT) ?:
		      read_bucket(d, &buckets->arr.items[i], bpath, s);
	}
	if (err)
		return err;
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++)
		sum += s->hist[i];
	if (sum != s->count)
		return bad(d, "%s: bucket counts sum to %llu, count is %llu", where,
			   (unsigned long long)sum, (unsigned long long)s->count);
	hist_range(s, &first, &last);
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++)
		if (s->hist[i] && (i < first || i > last))
			return bad(d, "%s: bucket at %llu outside [min_ns, max_ns]", where,
				   (unsigned long long)hist_bucket_lo(i));
	return 0;
}

/* Each span of the line, a member of the class named after it. */
static int read_spans(struct dec *d, const struct jval *cls, const char *where)
{
	const struct jval *span;
	char path[PATH_LEN];
	int s, err = 0;

	for (s = 0; s < KVMSTAT_NR_SPANS && !err; s++) {
		if (!(d->r->spans & (1U << s)))
			continue;
		d->span = &d->val->span[s];
		member_path(path, sizeof(path), where, span_name(s));
		err = get_member(d, cls, where, span_name(s), JVAL_OBJECT, &span) ?:
		      read_object(d, span, path, ndjson_span_fields, d->span);
	}
	return err;
}

/* The array at key, each item an object read by fn. */
static int read_array(struct dec *d, const struct jval *parent, const char *where, const char *key,
		      int (*fn)(struct dec *d, const struct jval *item, const char *path))
{
	const struct jval *arr;
	char path[PATH_LEN];
	size_t i;
	int err = get_member(d, parent, where, key, JVAL_ARRAY, &arr);

	for (i = 0; !err && i < arr->arr.nr; i++) {
		path_fmt(path, sizeof(path), "%s%s%s[%zu]", where, *where ? "." : "", key, i);
		err = check_type(d, &arr->arr.items[i], path, JVAL_OBJECT) ?:
		      fn(d, &arr->arr.items[i], path);
	}
	return err;
}

/* A second-level key of the class being read (--detail): a sample of its own. */
static int read_key(struct dec *d, const struct jval *o, const char *where)
{
	struct kvmstat_value *class_val = d->val, v = {};
	struct ndjson_key key = {};
	struct kvmstat_key k = d->base;
	int err;

	d->val = &v;
	err = read_object(d, o, where, ndjson_key_fields, &key);
	d->val = class_val;
	if (err)
		return err;
	if (key.kind != KEY_NAMED && key.key)
		return bad(d, "%s.key: not 0x0 for kind %s", where,
			   schema_name(&schema_key_kinds, key.kind));
	v.exits = key.exits;
	k.class = d->cls->class;
	k.flags = origin_flags(d->cls->origin) | key_kind_flags(key.kind);
	k.detail = key.key;
	d->key_exits += key.exits;
	d->nr_keys++;
	return snapshot_add(&d->r->snap, &k, &v) ? 0 : -ENOMEM;
}

/*
 * A class of the object being read: a sample with its key; with --detail keys,
 * a sample per key instead (the class is their sum, checked).
 */
static int read_class(struct dec *d, const struct jval *c, const char *where)
{
	struct ndjson_class cls = {};
	struct kvmstat_value v = {};
	struct kvmstat_key k = d->base;
	int err;

	d->val = &v;
	d->cls = &cls;
	d->key_exits = 0;
	d->nr_keys = 0;
	err = read_object(d, c, where, ndjson_class_fields, &cls);
	if (err)
		return err;
	if (d->nr_keys && d->key_exits != cls.exits)
		return bad(d, "%s.keys: exits sum to %llu, the class has %llu", where,
			   (unsigned long long)d->key_exits, (unsigned long long)cls.exits);
	if (d->nr_keys)
		return 0;
	v.exits = cls.exits;
	k.class = cls.class;
	k.flags = origin_flags(cls.origin);
	return snapshot_add(&d->r->snap, &k, &v) ? 0 : -ENOMEM;
}

static void tell_name(struct dec *d, enum record_name kind, __u32 pid, __u32 tid, const char *name)
{
	if (name && d->names && d->names->name)
		d->names->name(d->names->ctx, kind, pid, tid, name);
}

static int read_vcpu(struct dec *d, const struct jval *c, const char *where)
{
	struct ndjson_vcpu vcpu = {};
	int err = read_fields(d, c, where, ndjson_vcpu_fields, &vcpu, false);

	if (err)
		return err;
	tell_name(d, RECORD_THREAD_NAME, d->base.vm, vcpu.tid, vcpu.thread);
	d->base.vcpu = vcpu.vcpu;
	d->base.tid = vcpu.tid;
	return read_fields(d, c, where, ndjson_vcpu_fields, &vcpu, true);
}

static int read_vm(struct dec *d, const struct jval *o, const char *where)
{
	struct ndjson_vm vm = {};
	int err = read_fields(d, o, where, ndjson_vm_fields, &vm, false);

	if (err)
		return err;
	tell_name(d, RECORD_VM_NAME, vm.pid, 0, vm.name);
	tell_name(d, RECORD_VM_UUID, vm.pid, 0, vm.uuid);
	tell_name(d, RECORD_VM_SCOPE, vm.pid, 0, vm.scope);
	d->base = (struct kvmstat_key){ .vm = vm.pid };
	return read_fields(d, o, where, ndjson_vm_fields, &vm, true);
}

/*
 * The samples come from the deepest level the line has: its classes by class,
 * the VMs' classes per VM, the vCPUs' classes per vCPU; the other levels'
 * classes are sums of those, not read.
 */
static int read_nested(struct dec *d, const struct jval *obj, const char *where,
		       const struct ndjson_field *f, enum grouping level)
{
	switch (f->nested) {
	case NESTED_CLASSES:
		return level == d->r->level ? read_array(d, obj, where, f->name, read_class) : 0;
	case NESTED_VMS:
		return d->r->level > GROUP_CLASS ? read_array(d, obj, where, f->name, read_vm) : 0;
	case NESTED_VCPUS:
		return d->r->level == GROUP_VCPU ? read_array(d, obj, where, f->name, read_vcpu) : 0;
	case NESTED_SPANS:
		return read_spans(d, obj, where);
	case NESTED_BUCKETS:
		return read_buckets(d, obj, where);
	case NESTED_KEYS:
		return jval_get(obj, f->name) ? read_array(d, obj, where, f->name, read_key) : 0;
	}
	return 0;
}

/* The grouping whose classes an object of these fields lists. */
static enum grouping level_of(const struct ndjson_field *fields)
{
	return fields == ndjson_vcpu_fields ? GROUP_VCPU :
	       fields == ndjson_vm_fields ? GROUP_VM : GROUP_CLASS;
}

/* The members of obj named in f: the plain ones into out, or (nested) the nested ones. */
static int read_fields(struct dec *d, const struct jval *obj, const char *where,
		       const struct ndjson_field *f, void *out, bool nested)
{
	const struct ndjson_field *fields = f;
	const struct jval *v;
	char path[PATH_LEN];
	int err = 0;

	for (; f->name && !err; f++) {
		if ((f->type == NDJSON_NESTED) != nested || (f->flags & NDJSON_UNREAD))
			continue;
		if (nested) {
			err = read_nested(d, obj, where, f, level_of(fields));
			continue;
		}
		member_path(path, sizeof(path), where, f->name);
		v = jval_get(obj, f->name);
		if (!v && (f->flags & NDJSON_OPTIONAL))
			continue;
		if (!v && f->type == NDJSON_STRING_OR_NULL)
			err = bad(d, "%s: expected a string or null", path);
		else if (!v)
			err = bad(d, "%s: missing", path);
		else
			err = read_member(d, v, path, f, out);
	}
	return err;
}

/* Who wrote the line: refuse what is not ours, or newer than we read, before anything else. */
static int read_version(struct dec *d, const struct jval *root)
{
	const char *tool;
	const struct jval *v;
	__u64 version;

	if (root->type != JVAL_OBJECT)
		return bad(d, "expected a JSON object, got %s: not a kvmstat-bpf record",
			   jval_type_name(root->type));
	if (!jval_get(root, "schema_version"))
		return bad(d, "no schema_version: not a kvmstat-bpf record");
	if (get_u64(d, root, "", "schema_version", &version) ||
	    get_member(d, root, "", "tool", JVAL_STRING, &v))
		return -EINVAL;
	tool = v->str.s;
	if (strcmp(tool, "kvmstat-bpf"))
		return bad(d, "tool \"%.40s\": not a kvmstat-bpf record", tool);
	if (version > KVMSTAT_SCHEMA_VERSION)
		return bad(d, "schema_version %llu is newer than this kvmstat-bpf reads (%d): "
			   "use a newer kvmstat-bpf", (unsigned long long)version, KVMSTAT_SCHEMA_VERSION);
	if (version < 1)
		return bad(d, "schema_version 0 is not valid");
	return 0;
}

/* A header string cut to fit at a character boundary: written again, it stays the same. */
static void copy_str(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n >= len)
		for (n = len - 1; n && (s[n] & 0xc0) == 0x80; n--)
			;	/* s is valid UTF-8: back to the start of the cut character */
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* The line's own fields into r and its snapshot's header. */
static int read_header(struct dec *d, const struct jval *root, struct record *r)
{
	struct ndjson_line line = {};
	int err = read_fields(d, root, "", ndjson_line_fields, &line, false);

	if (err)
		return err;
	r->snap.arch = arch_from_name(line.arch);
	if (r->snap.arch == KVMSTAT_ARCH_UNKNOWN)
		return bad(d, "arch: \"%.40s\": expected arm64, riscv or x86", line.arch);
	if (line.end_mono_ns < line.start_mono_ns)
		return bad(d, "interval: end_mono_ns before start_mono_ns");
	r->total = line.type == RECORD_TOTAL;
	r->level = line.grouping;
	r->spans = line.spans;
	copy_str(r->host, sizeof(r->host), line.host);
	copy_str(r->kernel, sizeof(r->kernel), line.kernel);
	copy_str(r->vcpu_source, sizeof(r->vcpu_source), line.vcpu_source);
	r->detail_max = line.detail_max;
	r->slow_threshold_ns = line.slow_threshold_ns;
	r->slow_records = line.slow_records;
	r->snap.start_wall = line.start;
	r->snap.end_wall = line.end;
	r->snap.start_mono_ns = line.start_mono_ns;
	r->snap.end_mono_ns = line.end_mono_ns;
	memcpy(r->snap.drops, line.drops, sizeof(r->snap.drops));
	return 0;
}

int record_decode(const struct jval *root, struct record *r, const struct record_names *names,
		  char *err, size_t errlen)
{
	struct dec d = { .err = err, .errlen = errlen, .names = names, .r = r };
	int ret;

	memset(r, 0, sizeof(*r));
	snapshot_init(&r->snap, KVMSTAT_ARCH_UNKNOWN);
	ret = read_version(&d, root);
	ret = ret ?: read_header(&d, root, r);
	ret = ret ?: read_fields(&d, root, "", ndjson_line_fields, NULL, true);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return ret;
}

int record_read_line(const char *text, size_t n, struct record *r, const struct record_names *names,
		     char *err, size_t errlen)
{
	bool newline = n && text[n - 1] == '\n';
	struct json_error jerr;
	struct jval root;
	int ret;

	memset(r, 0, sizeof(*r));
	snapshot_init(&r->snap, KVMSTAT_ARCH_UNKNOWN);
	ret = json_parse(text, n, &root, &jerr);
	if (ret == -EINVAL)
		snprintf(err, errlen, "invalid JSON at byte %zu: %s%s", jerr.offset, jerr.msg,
			 !newline && jerr.offset >= n ? " (truncated file?)" : "");
	if (ret)
		return ret;
	if (record_is_slow(&root)) {
		jval_free(&root);
		return RECORD_SLOW_LINE;
	}
	ret = record_decode(&root, r, names, err, errlen);
	jval_free(&root);
	return ret;
}

int ndjson_read_object(const struct jval *obj, const struct ndjson_field *f, void *out,
		       char *err, size_t errlen)
{
	struct dec d = { .err = err, .errlen = errlen };

	return check_type(&d, obj, "(line)", JVAL_OBJECT) ?: read_fields(&d, obj, "", f, out, false);
}
