/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the test VMMs (vmm-arm64.c, vmm-riscv.c, vmm-x86.c) share: the command
 * line, the VM and vCPU plumbing, the vCPU threads and the machine-readable
 * "VMM ..." lines that tests/vmtest/check.py parses. Arch-independent: each
 * vmm-<arch>.c keeps its guest, register setup, exit handling and expected
 * classes, describes itself in `vmm_arch` and has its own main().
 *
 * Command line (options take one dash too, as QEMU's do): --name NAME (the
 * process name, by which the tool under test names the VM), -uuid UUID
 * (carried only: it is in /proc/PID/cmdline, where the tool reads QEMU's
 * -uuid), --vcpus N, the arch's per-vCPU exit counts ("--mmio A,B,..":
 * vCPUs past the list keep their defaults), --spin N (busy-loop iterations
 * before each exit) and, where the arch takes them:
 *   --wfi-us US        a timer period for each wfi
 *   --vcpu-ids A,B,..  vCPU i is created with KVM vcpu_id i, or the i-th of
 *                      these; the output names vCPUs by that id (vcpu=)
 *   --vm-thread        the VM is created from a thread that then ends, as VMMs
 *                      that run KVM_CREATE_VM off their main thread do (KVM's
 *                      kvm->userspace_pid is then that thread's id, not the
 *                      process's)
 * and on every arch:
 *   --tids A,B,..      vCPU i's thread gets tid A, B, ..: the next pid is set
 *                      through /proc/sys/kernel/ns_last_pid (root), under a lock
 *                      the VMMs share, and a thread that got another tid (a fork
 *                      elsewhere took it) ends and is created again. For tids that
 *                      collide in a table, or come back after a VMM ended.
 *   --start-file PATH  the vCPUs start their guests once PATH exists, so VMMs
 *                      started one by one run together ("VMM ... running" is
 *                      printed when the vCPU threads exist)
 *
 * Output: "VMM vm_pid= name= start [uuid=] ..." before the vCPUs run, "... end
 * seconds=" after, then per vCPU "VMM vm_pid= name= vcpu= tid= " followed by
 * "expect class= count=" per deterministic exit class, "user ..." (what user
 * space saw) and "kvmstat name=value ..." (every u64 statistic KVM keeps for
 * the vCPU, KVM_GET_STATS_FD).
 */
#ifndef VMM_COMMON_H
#define VMM_COMMON_H

#include <linux/kvm.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VMM_MAX_VCPUS	8
#define VMM_MAX_COUNTS	8	/* per-vCPU count options of one arch */

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/*
 * One per-vCPU count option, e.g. "--mmio A,B,..". vCPU i defaults to
 * base + step * i: defaults differ per vCPU (and between kinds), so a
 * per-vCPU mix-up shows.
 */
struct vmm_count_option {
	const char *flag;	/* with its "--": the error messages name it so */
	uint64_t base, step;
};

/* The optional options, in struct vmm_arch.options. */
#define VMM_OPT_WFI_US		(1U << 0)	/* also wfi_us and wfi_ticks on the start line */
#define VMM_OPT_VCPU_IDS	(1U << 1)
#define VMM_OPT_VM_THREAD	(1U << 2)
#define VMM_OPT_KEYS		(1U << 3)	/* --keys: vary second-level keys (kvmstat-bpf --detail) */

struct vmm_vcpu;

/* What a vmm-<arch>.c tells the shared code; each defines one `vmm_arch`. */
struct vmm_arch {
	const char *prog;		/* "vmm-arm64": message prefix and default --name */
	const char *usage;		/* printed after a usage error, from "usage:" on */
	const struct vmm_count_option *counts;
	int nr_counts;
	unsigned int options;		/* VMM_OPT_* */
	uint64_t max_value;		/* of any number on the command line */
	uint64_t default_wfi_us;
	const char *first_stat;		/* KVM stat printed first; NULL: all in KVM's order */
	/*
	 * The VM's first instruction fetch maps a code page all vCPUs share (one
	 * fault per VM). With this, vCPU 0 runs alone until its first exit to
	 * user space, which comes after that fetch, so the fault is always
	 * vCPU 0's.
	 */
	bool vcpu0_runs_first;
	/* One exit to user space: 0 to run on, 1 when the guest is done, -1 on failure. */
	int (*handle_exit)(struct vmm_vcpu *v);
	/* Optional, after the vCPU's thread ended without failing: nonzero on a mismatch. */
	int (*check_user_exits)(struct vmm_vcpu *v);
	/* The vCPU's "expect" and "user" lines (vmm_print_expect(), vmm_print_vcpu_line()). */
	void (*report_vcpu)(struct vmm_vcpu *v);
};

extern const struct vmm_arch vmm_arch;

/* Each arch's guest program, position independent, copied into guest RAM as bytes. */
extern const unsigned char guest_code_start[], guest_code_end[];
/* The instruction that waits (arm64/riscv wfi, x86 hlt): its guest PC is printed ("pc wfi="). */
extern const unsigned char guest_wfi[];

struct vmm_options {
	const char *name;
	const char *uuid;		/* -uuid, carried in argv only; NULL: none */
	int nr_vcpus;
	bool vm_thread;
	bool keys;
	uint64_t wfi_us;
	uint64_t spin;
	uint64_t ids[VMM_MAX_VCPUS];	/* KVM vcpu_id of each vCPU, default its index */
	uint64_t tids[VMM_MAX_VCPUS];	/* --tids: the thread id of each vCPU, 0: any */
	const char *start_file;		/* --start-file */
	uint64_t counts[VMM_MAX_COUNTS][VMM_MAX_VCPUS];	/* [option in vmm_arch.counts][vCPU] */
};

struct vmm_vm {
	int fd;
	size_t run_size;
	const char *name;		/* --name, for the output lines */
	struct vmm_vcpu *vcpus[VMM_MAX_VCPUS];	/* in creation order */
	int nr_vcpus;
	/* vcpu0_runs_first: the other vCPUs wait on this. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool vcpu0_exited;
	bool started;			/* the vCPU threads may run their guests */
};

/* Embedded in each arch's struct vcpu, which container_of() gets back. */
struct vmm_vcpu {
	struct vmm_vm *vm;
	int index;		/* position: its list option values, guest addresses */
	int id;			/* KVM's vcpu_id (KVM_CREATE_VCPU), printed as vcpu= */
	int fd;
	int stats_fd;		/* KVM_GET_STATS_FD */
	struct kvm_run *run;
	pid_t tid;
	pid_t want_tid;		/* --tids, 0: any */
	bool tid_ok;		/* the thread got want_tid (set before tid_checked is posted) */
	sem_t tid_checked;
	int failed;
};

/* "<prog>: failed to <what> <object>: <errno text>", exit 1. */
void vmm_die(const char *what, const char *object) __attribute__((noreturn));
/* "<prog>: <msg>" and the usage, exit 2. */
void vmm_usage_error(const char *msg) __attribute__((noreturn));
/* "<prog>: <fmt ...>\n" on stderr. */
void vmm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses the command line (exits on errors), then names the process after --name. */
void vmm_setup(int argc, char **argv, struct vmm_options *o);
/* Exits unless the guest program is at most `room` bytes. */
void vmm_check_guest_fits(size_t room);

/* KVM_CREATE_VM, from a thread of its own with --vm-thread. */
void vmm_create_vm(struct vmm_vm *vm, const struct vmm_options *o);
/* KVM_CREATE_VCPU, its kvm_run and stats fd; registers and init are the arch's. */
void vmm_create_vcpu(struct vmm_vm *vm, struct vmm_vcpu *v, int index, int id);
/* Anonymous private memory for guest RAM; flags are added to MAP_PRIVATE | MAP_ANONYMOUS. */
void *vmm_map_ram(size_t size, int flags);
/* Makes ram the guest's memory at gpa (memslot 0). */
void vmm_set_ram_slot(const struct vmm_vm *vm, uint64_t gpa, void *ram, size_t size);
/* KVM_SET_ONE_REG of a 64-bit register; name is for the error message. */
void vmm_set_one_reg(int vcpu_fd, uint64_t id, uint64_t value, const char *name);
/* Where the named statistic's value is in a stats fd (read it with pread). */
off_t vmm_stat_offset(int stats_fd, const char *name);

/* "VMM vm_pid= name= vcpu= tid= " and then fmt. */
void vmm_print_vcpu_line(const struct vmm_vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "expect_key class=0x.. key=0x.. count=N # what": a second-level key's count. */
void vmm_print_key(const struct vmm_vcpu *v, uint64_t cls, uint64_t key, uint64_t count,
		   const char *what);
void vmm_print_expect(const struct vmm_vcpu *v, uint64_t cls, uint64_t count, const char *what);

/*
 * Runs every vCPU in a thread of its own until its guest is done, printing
 * the start, end and per-vCPU lines; returns the exit status.
 */
int vmm_run(struct vmm_vm *vm, const struct vmm_options *o, uint64_t wfi_ticks);

#endif
