// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "arch/arch.h"
#include "lib/utf8.h"
#include "render/text.h"

const char *class_label(enum kvmstat_arch arch, const struct kvmstat_key *key, char *buf, size_t len)
{
	char tmp[ARCH_NAME_LEN];

	snprintf(buf, len, "%s%s%s", arch_class_name(arch, key->class, tmp, sizeof(tmp)),
		 key_origin(key) == ORIGIN_USER ? "/" : "",
		 key_origin(key) == ORIGIN_USER ? schema_name(&schema_origins, ORIGIN_USER) : "");
	return buf;
}

const char *key_label(enum kvmstat_arch arch, const struct kvmstat_key *key, char *buf, size_t len)
{
	return arch_detail_name(arch, key->class, key->detail, buf, len);
}

const char *other_label(const struct key_top *t, char *buf, size_t len)
{
	/* the kernel's other holds one key or more, unnamed */
	__u64 keys = t->other_keys + t->kernel_other;

	snprintf(buf, len, "other (%llu%s key%s)", (unsigned long long)keys, t->kernel_other ? "+" : "",
		 keys == 1 && !t->kernel_other ? "" : "s");
	return buf;
}

const struct key_top *text_keys_of(const struct table_opts *o, enum kvmstat_arch arch,
				   const struct group *g, const struct sample *row,
				   struct key_top *t)
{
	const struct sample *rows;
	size_t n;

	if (!o->keys || !arch_detail_kind(arch, row->key.class))
		return NULL;
	rows = key_rows_of(o->keys, g->key, &row->key, &n);
	key_top(rows, n, o->detail_top, t);
	return t;
}

void text_title(FILE *out, const struct snapshot *s, const char *what, bool final)
{
	double secs = (s->end_mono_ns - s->start_mono_ns) / 1e9;

	fprintf(out, "kvmstat-bpf  %s  %s  %s %.2fs\n", arch_name(s->arch) ?: "unknown-arch", what,
		final ? "whole run" : "interval", secs);
}

void text_group_title(FILE *out, const struct group *g, const struct table_opts *o)
{
	const struct kvmstat_key *k = g->key;
	const char *vm = names_vm(o->names, k->vm);
	const char *uuid = names_vm_uuid(o->names, k->vm);
	const char *scope = names_vm_scope(o->names, k->vm);
	const char *thread = names_thread(o->names, k->vm, k->tid);
	int index = vcpu_index_of_thread_name(thread);

	fprintf(out, "\nVM %u (%s%s%s%s%s)", k->vm, vm ?: "?", uuid ? ", uuid " : "", uuid ?: "",
		scope ? ", " : "", scope ?: "");
	if (o->by == GROUP_VCPU && k->vcpu == KVMSTAT_VCPU_UNKNOWN && index >= 0)
		fprintf(out, "  vCPU ? (QEMU index %d) thread %u (%s)", index, k->tid, thread);
	else if (o->by == GROUP_VCPU && k->vcpu == KVMSTAT_VCPU_UNKNOWN)
		fprintf(out, "  vCPU ? thread %u (%s)", k->tid, thread ?: "?");
	else if (o->by == GROUP_VCPU)
		fprintf(out, "  vCPU %u thread %u (%s)", k->vcpu, k->tid, thread ?: "?");
	fputc('\n', out);
}

static const char *printable(const char *name, char *buf)
{
	const unsigned char *s = (const unsigned char *)name, *end;
	size_t n, len = 0;

	if (!name)
		return NULL;
	end = s + strlen(name);
	while (s < end && len + 4 < TEXT_NAME_LEN) {
		n = utf8_valid_len(s, end);
		/* C0 and DEL, C1 (U+0080..U+009F: 0xc2 0x80..0x9f), invalid bytes */
		if (!n || *s < 0x20 || *s == 0x7f || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)) {
			buf[len++] = '?';
			s += n ? n : 1;
			continue;
		}
		memcpy(buf + len, s, n);
		len += n;
		s += n;
	}
	buf[len] = '\0';
	return buf;
}

static const char *printable_vm_name(void *ctx, __u32 pid)
{
	struct printable_names *p = ctx;

	return printable(names_vm(p->raw, pid), p->vm);
}

static const char *printable_thread_name(void *ctx, __u32 pid, __u32 tid)
{
	struct printable_names *p = ctx;

	return printable(names_thread(p->raw, pid, tid), p->thread);
}

static const char *printable_vm_uuid(void *ctx, __u32 pid)
{
	struct printable_names *p = ctx;

	return printable(names_vm_uuid(p->raw, pid), p->uuid);
}

static const char *printable_vm_scope(void *ctx, __u32 pid)
{
	struct printable_names *p = ctx;

	return printable(names_vm_scope(p->raw, pid), p->scope);
}

const struct names *printable_names(struct printable_names *p, const struct names *raw)
{
	p->raw = raw;
	p->names = (struct names){ .vm_name = printable_vm_name, .thread_name = printable_thread_name,
				   .vm_uuid = printable_vm_uuid, .vm_scope = printable_vm_scope,
				   .ctx = p };
	return raw ? &p->names : NULL;
}
