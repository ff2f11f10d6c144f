/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which vCPU a thread already inside KVM_RUN runs, from /proc alone (no kernel support needed):
 * /proc/PID/task/TID/syscall shows ioctl(FD, KVM_RUN), and /proc/PID/fd/FD links to
 * "anon_inode:kvm-vcpu:ID", ID the vcpu_id (virt/kvm/kvm_main.c names vCPU fds so).
 */
#ifndef KVMSTAT_VCPU_THREADS_H
#define KVMSTAT_VCPU_THREADS_H

#include <stdbool.h>
#include "model/thread_vcpus.h"

/* The fd of an ioctl(fd, KVM_RUN) a /proc/TID/syscall line shows (host arch's ioctl), or -1. */
int kvm_run_fd(const char *syscall_line);
/* The vcpu_id in a vCPU fd's link target ("anon_inode:kvm-vcpu:ID"), or -1. */
int vcpu_id_of_link(const char *target);

struct vcpu_scan_stats {
	unsigned int threads;		/* threads seen */
	unsigned int reads;		/* syscall files read (running threads more than once) */
	unsigned int in_kvm_run;	/* threads found blocked in KVM_RUN */
	unsigned int running;		/* on a CPU at the first read: read again until blocked */
	unsigned int still_running;	/* still on a CPU after the retries: not named */
};

/*
 * Adds every thread under proc_root ("/proc") now inside KVM_RUN to out (sorted after). A thread
 * on a CPU shows no syscall: it is read again, 1 ms apart, for up to 20 ms, until it blocks.
 * Processes and threads that end meanwhile are skipped. 0 or -errno (proc_root unreadable,
 * no memory).
 */
int scan_vcpu_threads(const char *proc_root, struct thread_vcpus *out, struct vcpu_scan_stats *st);

#endif /* KVMSTAT_VCPU_THREADS_H */
