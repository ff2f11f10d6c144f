/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of VMs and vCPU threads, as renderers ask for them: looked up by the
 * caller (/proc and the kernel's record in `run`, the saved lines in `report`).
 */
#ifndef KVMSTAT_MODEL_NAMES_H
#define KVMSTAT_MODEL_NAMES_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>

struct names {
	const char *(*vm_name)(void *ctx, __u32 pid);		/* NULL if unknown */
	/* tid of process pid: a reused tid in another process is another thread */
	const char *(*thread_name)(void *ctx, __u32 pid, __u32 tid);	/* NULL if unknown */
	const char *(*vm_uuid)(void *ctx, __u32 pid);		/* NULL if unknown or none */
	const char *(*vm_scope)(void *ctx, __u32 pid);		/* NULL if unknown or none */
	void *ctx;
};

/* The name, or NULL when unknown or nobody looks names up (n or its function NULL). */
static inline const char *names_vm(const struct names *n, __u32 pid)
{
	return n && n->vm_name ? n->vm_name(n->ctx, pid) : NULL;
}

static inline const char *names_vm_uuid(const struct names *n, __u32 pid)
{
	return n && n->vm_uuid ? n->vm_uuid(n->ctx, pid) : NULL;
}

/* libvirt's systemd scope of the VM, e.g. "machine-qemu\x2d1\x2ddb.scope". */
static inline const char *names_vm_scope(const struct names *n, __u32 pid)
{
	return n && n->vm_scope ? n->vm_scope(n->ctx, pid) : NULL;
}

static inline const char *names_thread(const struct names *n, __u32 pid, __u32 tid)
{
	return n && n->thread_name ? n->thread_name(n->ctx, pid, tid) : NULL;
}

/*
 * The vCPU index QEMU puts in a vCPU thread's name ("CPU N/KVM", -name ...,debug-threads=on,
 * as libvirt starts it), or -1: who a thread is when the kernel's vCPU id is not known. QEMU's
 * index, not KVM's vcpu_id (the same on arm64 and RISC-V, the APIC id on x86).
 */
static inline int vcpu_index_of_thread_name(const char *name)
{
	const char *p = name;
	long n = 0;

	/* Exactly QEMU's "CPU %d/KVM": no sign, space or leading zero that sscanf would let by. */
	if (!name || strncmp(p, "CPU ", 4))
		return -1;
	p += 4;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] != '/'))
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((n = n * 10 + (*p - '0')) > 0x7fffffff)
			return -1;
	return strcmp(p, "/KVM") ? -1 : (int)n;
}

#endif /* KVMSTAT_MODEL_NAMES_H */
