// SPDX-License-Identifier: GPL-2.0
/* Slow-exit record lines (run --slow): written and read back by one field list. */
#include <errno.h>
#include <string.h>
#include "arch/arch.h"
#include "lib/stream.h"
#include "ndjson/fields.h"
#include "ndjson/ndjson.h"

int ndjson_write_slow(FILE *out, const struct slow_exit *e, const struct slow_line_meta *m)
{
	const struct kvmstat_slow *r = &e->r;
	struct kvmstat_key k = { .flags = r->flags };
	struct ndjson_slow l = {
		.schema_version = KVMSTAT_SCHEMA_VERSION, .tool = "kvmstat-bpf",
		.version = KVMSTAT_VERSION, .type = RECORD_SLOW_EXIT, .host = m->host,
		.arch = arch_name(m->arch) ?: "unknown", .kernel = m->kernel,
		.time = e->time, .mono_ns = r->ts,
		.vm = r->vm, .vm_name = names_vm(m->names, r->vm), .vcpu = r->vcpu, .tid = r->tid,
		.thread = names_thread(m->names, r->vm, r->tid), .cpu = r->cpu, .class = r->class,
		.origin = key_origin(&k), .key = r->detail, .key_kind = key_kind_of(&k),
		.pc = r->pc, .handling_ns = r->handling_ns, .guest_ns = r->guest_ns,
		.arch_id = m->arch, .has_key = m->keys,
	};
	struct json j;

	json_init(&j, out);
	ndjson_write_object(&j, ndjson_slow_fields, &l);
	fputc('\n', out);
	return stream_flush(out);
}

bool record_is_slow(const struct jval *root)
{
	const struct jval *type = root->type == JVAL_OBJECT ? jval_get(root, "type") : NULL;

	return type && type->type == JVAL_STRING &&
	       !strcmp(type->str.s, schema_name(&schema_record_types, RECORD_SLOW_EXIT));
}

int slow_decode(const struct jval *root, struct slow_decoded *out, const struct record_names *names,
		char *err, size_t errlen)
{
	struct ndjson_slow l = {};
	struct kvmstat_key k = {};
	const struct jval *v = jval_get(root, "schema_version");
	int ret;

	memset(out, 0, sizeof(*out));
	if (!v || v->type != JVAL_NUMBER || !v->num.is_u64 || v->num.u > KVMSTAT_SCHEMA_VERSION) {
		snprintf(err, errlen, "schema_version: missing, or newer than this kvmstat-bpf reads (%d)",
			 KVMSTAT_SCHEMA_VERSION);
		return -EINVAL;
	}
	ret = ndjson_read_object(root, ndjson_slow_fields, &l, err, errlen);
	if (ret)
		return ret;
	out->arch = arch_from_name(l.arch);
	if (out->arch == KVMSTAT_ARCH_UNKNOWN) {
		snprintf(err, errlen, "arch: \"%.40s\": expected arm64, riscv or x86", l.arch);
		return -EINVAL;
	}
	k.flags = origin_flags(l.origin) | (jval_get(root, "key") ? key_kind_flags(l.key_kind) : 0);
	out->e.r = (struct kvmstat_slow){
		.ts = l.mono_ns, .class = l.class, .detail = l.key, .pc = l.pc,
		.handling_ns = l.handling_ns, .guest_ns = l.guest_ns, .vm = l.vm, .vcpu = l.vcpu,
		.tid = l.tid, .cpu = l.cpu, .flags = k.flags,
	};
	out->e.time = l.time;
	if (names && names->name) {
		if (l.vm_name)
			names->name(names->ctx, RECORD_VM_NAME, l.vm, 0, l.vm_name);
		if (l.thread)
			names->name(names->ctx, RECORD_THREAD_NAME, l.vm, l.tid, l.thread);
	}
	return 0;
}
