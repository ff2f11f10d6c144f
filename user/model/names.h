/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of VMs and vCPU threads, as renderers ask for them: looked up by the
 * caller (/proc and the kernel's record in `run`, the saved lines in `report`).
 */
#ifndef KVMSTAT_MODEL_NAMES_H
#define KVMSTAT_MODEL_NAMES_H

#include <stddef.h>
#include <linux/types.h>

struct names {
	const char *(*vm_name)(void *ctx, __u32 pid);		/* NULL if unknown */
	/* tid of process pid: a reused tid in another process is another thread */
	const char *(*thread_name)(void *ctx, __u32 pid, __u32 tid);	/* NULL if unknown */
	const char *(*vm_uuid)(void *ctx, __u32 pid);		/* NULL if unknown or none */
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

static inline const char *names_thread(const struct names *n, __u32 pid, __u32 tid)
{
	return n && n->thread_name ? n->thread_name(n->ctx, pid, tid) : NULL;
}

#endif /* KVMSTAT_MODEL_NAMES_H */
