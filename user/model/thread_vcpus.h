/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which vCPU a thread runs, known outside the BPF programs (user/host/vcpu_threads.h finds it
 * from /proc at attach): a small table sorted by (VMM pid, tid). Pure.
 */
#ifndef KVMSTAT_THREAD_VCPUS_H
#define KVMSTAT_THREAD_VCPUS_H

#include <stddef.h>
#include <linux/types.h>

struct thread_vcpu {
	__u32 vm;	/* VMM process (tgid) */
	__u32 tid;	/* vCPU thread */
	__u32 vcpu;	/* KVM vcpu_id */
};

struct thread_vcpus {
	struct thread_vcpu *v;
	size_t nr, cap;
};

/* Appends one; 0 or -ENOMEM. Call thread_vcpus_sort() before the first find. */
int thread_vcpus_add(struct thread_vcpus *t, __u32 vm, __u32 tid, __u32 vcpu);
void thread_vcpus_sort(struct thread_vcpus *t);
/* The thread's vcpu_id, or KVMSTAT_VCPU_UNKNOWN (t may be NULL). */
__u32 thread_vcpus_find(const struct thread_vcpus *t, __u32 vm, __u32 tid);
void thread_vcpus_free(struct thread_vcpus *t);

#endif /* KVMSTAT_THREAD_VCPUS_H */
