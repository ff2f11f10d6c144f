// SPDX-License-Identifier: GPL-2.0
/* NDJSON export: one object per interval and one for the whole run, walking ndjson/fields.h. */
#include <string.h>
#include "arch/arch.h"
#include "lib/stream.h"
#include "lib/time.h"
#include "model/hist.h"
#include "model/keys.h"
#include "ndjson/fields.h"
#include "ndjson/ndjson.h"

struct writer {
	struct json j;
	const struct view *v;
	const struct ndjson_meta *m;
	struct group group;			/* whose classes a "classes" array lists */
	enum grouping level;			/* the group's */
	const struct sample *row;		/* the class (or key) being written */
	const struct kvmstat_span_stats *span;	/* the span being written */
	struct key_rows keys[NR_GROUPINGS];	/* --detail: per level written */
};

static void write_fields(struct writer *w, const struct ndjson_field *f, const void *obj);

/* T must not start with const (clang: duplicate specifier): the member is read-only anyway. */
#define MEMBER(obj, f, T) ((const T *)((const char *)(obj) + (f)->offset))

static void write_set(struct writer *w, const struct ndjson_field *f, __u32 set)
{
	unsigned int i;

	json_array_begin(&w->j);
	for (i = 0; i < f->names->nr; i++)
		if (set & (1U << i))
			json_string(&w->j, schema_name(f->names, i));
	json_array_end(&w->j);
}

static void write_counters(struct writer *w, const struct ndjson_field *f, const __u64 *v)
{
	unsigned int i;

	json_object_begin(&w->j);
	for (i = 0; i < f->names->nr; i++)
		json_kv_u64(&w->j, schema_name(f->names, i), v[i]);
	json_object_end(&w->j);
}

/* A member of a plain type: its key, then its value. */
static void write_member(struct writer *w, const struct ndjson_field *f, const void *obj)
{
	char buf[RFC3339_LEN];
	const char *s;

	json_key(&w->j, f->name);
	switch (f->type) {
	case NDJSON_U64:
		json_u64(&w->j, *MEMBER(obj, f, __u64));
		break;
	case NDJSON_ID:
		json_u64(&w->j, *MEMBER(obj, f, __u32));
		break;
	case NDJSON_ID_OR_NULL:
		if (*MEMBER(obj, f, __u32) == KVMSTAT_VCPU_UNKNOWN)
			json_null(&w->j);
		else
			json_u64(&w->j, *MEMBER(obj, f, __u32));
		break;
	case NDJSON_STRING:
		json_string(&w->j, *MEMBER(obj, f, char *) ?: "");
		break;
	case NDJSON_STRING_OR_NULL:
		s = *MEMBER(obj, f, char *);
		if (s)
			json_string(&w->j, s);
		else
			json_null(&w->j);
		break;
	case NDJSON_HEX:
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)*MEMBER(obj, f, __u64));
		json_string(&w->j, buf);
		break;
	case NDJSON_ENUM:
		json_string(&w->j, schema_name(f->names, *MEMBER(obj, f, int)));
		break;
	case NDJSON_SET:
		write_set(w, f, *MEMBER(obj, f, __u32));
		break;
	case NDJSON_COUNTERS:
		write_counters(w, f, MEMBER(obj, f, __u64));
		break;
	case NDJSON_TIME:
		json_string(&w->j, fmt_rfc3339(MEMBER(obj, f, struct timespec), buf, sizeof(buf)));
		break;
	case NDJSON_OBJECT:
		json_object_begin(&w->j);
		write_fields(w, f->sub, obj);
		json_object_end(&w->j);
		break;
	case NDJSON_DERIVED:
		f->derive(&w->j, obj);
		break;
	case NDJSON_NESTED:
		break;
	}
}

/* --detail: every key the kernel kept for the class row, its other and unknown rows. */
static void write_keys(struct writer *w)
{
	const struct sample *class_row = w->row, *rows;
	struct ndjson_key k;
	size_t i, n;

	if (!w->m->detail_max || !arch_detail_kind(w->v->snap->arch, class_row->key.class))
		return;
	rows = key_rows_of(&w->keys[w->level], w->group.key, &class_row->key, &n);
	json_key(&w->j, "keys");
	json_array_begin(&w->j);
	for (i = 0; i < n; i++) {
		k = (struct ndjson_key){
			.key = rows[i].key.detail, .kind = key_kind_of(&rows[i].key),
			.exits = rows[i].val.exits, .arch = w->v->snap->arch, .class = class_row->key.class,
		};
		w->row = &rows[i];
		json_object_begin(&w->j);
		write_fields(w, ndjson_key_fields, &k);
		json_object_end(&w->j);
	}
	json_array_end(&w->j);
	w->row = class_row;
}

static void write_class(struct writer *w, const struct sample *row)
{
	struct ndjson_class c = {
		.class = row->key.class, .origin = key_origin(&row->key), .exits = row->val.exits,
		.arch = w->v->snap->arch,
	};

	w->row = row;
	json_object_begin(&w->j);
	write_fields(w, ndjson_class_fields, &c);
	json_object_end(&w->j);
}

static void write_classes(struct writer *w)
{
	size_t i;

	json_key(&w->j, "classes");
	json_array_begin(&w->j);
	for (i = 0; i < w->group.nr; i++)
		write_class(w, w->group.rows[i]);
	json_array_end(&w->j);
}

static void write_vcpus(struct writer *w)
{
	struct group vm = w->group;
	struct group_iter it;
	struct ndjson_vcpu c;

	if (w->m->by != GROUP_VCPU)
		return;
	json_key(&w->j, "vcpus");
	json_array_begin(&w->j);
	view_children(w->v, GROUP_VM, &vm, &it);
	w->level = GROUP_VCPU;
	while (group_next(&it, &w->group)) {
		int index;

		c = (struct ndjson_vcpu){
			.vcpu = w->group.key->vcpu, .tid = w->group.key->tid, .exits = w->group.exits,
			.thread = names_thread(w->m->names, w->group.key->vm, w->group.key->tid),
		};
		index = vcpu_index_of_thread_name(c.thread);
		c.vcpu_index = index < 0 ? KVMSTAT_VCPU_UNKNOWN : (__u32)index;
		json_object_begin(&w->j);
		write_fields(w, ndjson_vcpu_fields, &c);
		json_object_end(&w->j);
	}
	json_array_end(&w->j);
	w->group = vm;
	w->level = GROUP_VM;
}

static void write_vms(struct writer *w)
{
	struct group_iter it;
	struct ndjson_vm vm;

	if (w->m->by == GROUP_CLASS)
		return;
	json_key(&w->j, "vms");
	json_array_begin(&w->j);
	view_groups(w->v, GROUP_VM, false, &it);
	w->level = GROUP_VM;
	while (group_next(&it, &w->group)) {
		vm = (struct ndjson_vm){
			.pid = w->group.key->vm, .exits = w->group.exits,
			.name = names_vm(w->m->names, w->group.key->vm),
			.uuid = names_vm_uuid(w->m->names, w->group.key->vm),
			.scope = names_vm_scope(w->m->names, w->group.key->vm),
		};
		json_object_begin(&w->j);
		write_fields(w, ndjson_vm_fields, &vm);
		json_object_end(&w->j);
	}
	json_array_end(&w->j);
}

static void write_spans(struct writer *w)
{
	int s;

	for (s = 0; s < KVMSTAT_NR_SPANS; s++) {
		if (!(w->m->spans & (1U << s)))
			continue;
		w->span = &w->row->val.span[s];
		json_key(&w->j, span_name(s));
		json_object_begin(&w->j);
		write_fields(w, ndjson_span_fields, w->span);
		json_object_end(&w->j);
	}
}

/* The non-empty buckets with their bounds; the last one's upper bound is open (null). */
static void write_buckets(struct writer *w)
{
	const struct kvmstat_span_stats *s = w->span;
	unsigned int i, first, last;
	bool any = hist_range(s, &first, &last);

	json_key(&w->j, "buckets");
	json_array_begin(&w->j);
	for (i = first; any && i <= last; i++) {
		if (!s->hist[i])
			continue;
		json_object_begin(&w->j);
		json_kv_u64(&w->j, "lo_ns", hist_bucket_lo(i));
		json_key(&w->j, "hi_ns");
		if (i + 1 < KVMSTAT_HIST_BUCKETS)
			json_u64(&w->j, hist_bucket_hi(i));
		else
			json_null(&w->j);
		json_kv_u64(&w->j, "count", s->hist[i]);
		json_object_end(&w->j);
	}
	json_array_end(&w->j);
}

static void write_nested(struct writer *w, const struct ndjson_field *f)
{
	switch (f->nested) {
	case NESTED_CLASSES:
		write_classes(w);
		break;
	case NESTED_VMS:
		write_vms(w);
		break;
	case NESTED_VCPUS:
		write_vcpus(w);
		break;
	case NESTED_SPANS:
		write_spans(w);
		break;
	case NESTED_BUCKETS:
		write_buckets(w);
		break;
	case NESTED_KEYS:
		write_keys(w);
		break;
	}
}

static void write_fields(struct writer *w, const struct ndjson_field *f, const void *obj)
{
	for (; f->name; f++) {
		if (f->when && !f->when(obj))
			continue;
		if (f->type == NDJSON_NESTED)
			write_nested(w, f);
		else
			write_member(w, f, obj);
	}
}

int ndjson_write(FILE *out, const struct view *v, const struct ndjson_meta *m)
{
	const struct snapshot *s = v->snap;
	struct ndjson_line line = {
		.schema_version = KVMSTAT_SCHEMA_VERSION, .tool = "kvmstat-bpf",
		.version = KVMSTAT_VERSION, .type = m->type, .host = m->host,
		.arch = arch_name(s->arch) ?: "unknown", .kernel = m->kernel,
		.start = s->start_wall, .end = s->end_wall,
		.start_mono_ns = s->start_mono_ns, .end_mono_ns = s->end_mono_ns,
		.spans = m->spans, .grouping = m->by, .vcpu_source = m->vcpu_source ?: "thread",
		.exits = v->total.exits, .detail_max = m->detail_max,
		.slow_threshold_ns = m->slow_threshold_ns, .slow_records = m->slow_records,
	};
	struct writer w = { .v = v, .m = m, .level = GROUP_CLASS };
	struct group_iter it;
	int by, err = 0;

	for (by = GROUP_CLASS; by <= (int)m->by && m->detail_max && !err; by++)
		err = key_rows_build(&w.keys[by], s, by);
	if (err)
		goto out;
	memcpy(line.drops, s->drops, sizeof(line.drops));
	view_groups(v, GROUP_CLASS, false, &it);
	group_next(&it, &w.group);	/* every class (none when the view is empty) */
	json_init(&w.j, out);
	json_object_begin(&w.j);
	write_fields(&w, ndjson_line_fields, &line);
	json_object_end(&w.j);
	fputc('\n', out);
	err = stream_flush(out);
out:
	for (by = GROUP_CLASS; by < NR_GROUPINGS; by++)
		key_rows_free(&w.keys[by]);
	return err;
}

void ndjson_write_object(struct json *j, const struct ndjson_field *f, const void *obj)
{
	struct writer w = { .j = *j };

	json_object_begin(&w.j);
	write_fields(&w, f, obj);
	json_object_end(&w.j);
	*j = w.j;
}
