/* SPDX-License-Identifier: GPL-2.0 */
/* Names of VMs and vCPU threads from /proc, cached (processes may be gone by the summary). */
#ifndef KVMSTAT_PROC_NAMES_H
#define KVMSTAT_PROC_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define NAME_LEN 64
#define UUID_STR_LEN 37		/* "8-4-4-4-12" hex digits and the NUL */

/* QEMU's guest name from its command line as QEMU reads it (-name guest=NAME,... or -name
 * NAME; the last guest= of all -name options wins), else NULL. Reads no more than len bytes.
 * args: NUL-separated, as /proc/PID/cmdline. */
const char *qemu_guest_name(const char *args, size_t len, char *buf, size_t buflen);

/* QEMU's -uuid UUID in lowercase (the last -uuid, as QEMU takes it), else NULL (absent or not
 * a UUID). args as above. */
const char *qemu_vm_uuid(const char *args, size_t len, char *buf, size_t buflen);

/* libvirt's machine scope (systemd unit, e.g. "machine-qemu\x2d1\x2ddb.scope") in the
 * process's /proc/PID/cgroup text, else NULL. */
const char *libvirt_scope(const char *cgroup, char *buf, size_t buflen);

/* VM name: QEMU guest name, else comm; NULL if the process is unknown. */
const char *proc_vm_name(void *ctx, __u32 pid);
/* The VM's UUID (QEMU's -uuid), NULL if it has none or the process is unknown. */
const char *proc_vm_uuid(void *ctx, __u32 pid);
/* The VM's libvirt scope (libvirt_scope()), NULL if none or the process is unknown. */
const char *proc_vm_scope(void *ctx, __u32 pid);
/* Name (comm) of thread tid of process pid, e.g. "CPU 1/KVM"; NULL if unknown. A tid
 * reused by another process names that process's thread, never this one. */
const char *proc_thread_name(void *ctx, __u32 pid, __u32 tid);
void names_cache_free(void);
/* Names kept: pid and tid of a thread's, tid 0 for a VM's (name, UUID, scope). */
typedef bool (*names_keep_fn)(void *ctx, __u32 pid, __u32 tid);
/*
 * Forgets the names keep() no longer wants (those of VMs and threads no key refers to any
 * more: without it the cache grows with every VM a host ever ran). Names handed out before
 * may be freed: call it where none is held (between intervals). Forgotten names are read
 * again if asked (/proc, else the fallback).
 */
void names_cache_sweep(names_keep_fn keep, void *ctx);
size_t names_cache_size(void);

/* Asked when /proc no longer has the process: e.g. the kernel's record of its threads.
 * tid 0: the name of VM (process) pid, else of its thread tid. Returns buf or NULL. */
typedef const char *(*name_fallback_fn)(void *ctx, __u32 pid, __u32 tid, char *buf, size_t len);
void names_set_fallback(name_fallback_fn fn, void *ctx);

#endif /* KVMSTAT_PROC_NAMES_H */
