/* SPDX-License-Identifier: GPL-2.0 */
/* Types and constants shared by the BPF object and the loader (__u32/__u64 only). */
#ifndef KVMSTAT_H
#define KVMSTAT_H

/*
 * Exit class encoding in struct kvmstat_key.class, per host arch:
 *   arm64: ((u64)exit_type << 32) | esr_ec   exit_type = ARM_EXCEPTION_CODE(ret),
 *          esr_ec only when exit_type == ARM_EXCEPTION_TRAP, else 0
 *   riscv: scause, bit 63 set for interrupts (never collides with exceptions)
 *   x86:   ((u64)isa << 32) | exit_reason     isa 1 = VMX, 2 = SVM
 */
#define KVMSTAT_ARM64_CLASS(type, ec)	(((__u64)(type) << 32) | (ec))
#define KVMSTAT_ARM64_TYPE(cls)		((__u32)((cls) >> 32))
#define KVMSTAT_ARM64_EC(cls)		((__u32)(cls) & 0x3f)
#define KVMSTAT_RISCV_INTR_BIT		(1ULL << 63)
#define KVMSTAT_X86_CLASS(isa, reason)	(((__u64)(isa) << 32) | (reason))
#define KVMSTAT_X86_ISA(cls)		((__u32)((cls) >> 32))
#define KVMSTAT_X86_REASON(cls)		((__u32)(cls))
#define KVMSTAT_X86_ISA_VMX		1
#define KVMSTAT_X86_ISA_SVM		2

/*
 * Second-level keys (kvmstat_key.detail with KVMSTAT_KEY_DETAIL, `run --detail`): what,
 * within a class, the exit was about, and where the BPF side takes it (DESIGN.md):
 *   arm64 SYS64 (EC 0x18)      ESR ISS & (KVMSTAT_ARM64_SYSREG_MASK | READ): Op0 [21:20],
 *                              Op2 [19:17], Op1 [16:14], CRn [13:10], CRm [4:1] (Rt [9:5]
 *                              masked out); bit 0 set for a read (MRS). kvm_handle_sys_reg
 *         HVC64/32             the SMCCC function id (w0). kvm_hvc_arm64
 *         SMC64/32             the same, from the vcpu's x0 at kvm_exit (no tracepoint)
 *         DABT_LOW, IABT_LOW   IPA (HPFAR page | FAR[11:0]); KVMSTAT_DETAIL_WRITE for a
 *                              write (ISS WnR). kvm_guest_fault
 *         WFx                  0 WFI, 1 WFE (ESR ISS TI; WFIT/WFET count as WFI/WFE).
 *                              kvm_wfx_arm64
 *   riscv ECALL_VS (10)        SBI extension << 32 | function (a7, a6; function 0 for the
 *                              legacy extensions < 0x10, which have none), from the vcpu
 *         VIRTUAL_INST (22)    the instruction (trap stval) & KVMSTAT_RISCV_INSN_MASK (rd
 *                              and rs1 masked out); KVMSTAT_RISCV_INSN_WRITE when rs1 != 0
 *         guest page faults (20, 21, 23)  GPA: htval << 2 | (stval & 3), from the trap
 *   x86   IO (VMX 30, SVM 0x7b)           port; KVMSTAT_X86_DETAIL_IN for IN. The record
 *         MSR (VMX 31/32, SVM 0x7c)       ECX; KVMSTAT_X86_DETAIL_WRMSR for a write. kvm_msr
 *         NPF (SVM 0x400), EPT violation (VMX 48)  GPA; KVMSTAT_DETAIL_WRITE for a write.
 *                                         kvm_page_fault
 *         CPUID (VMX 10, SVM 0x72)        leaf (EAX). kvm_cpuid
 *         VMCALL (VMX 18), VMMCALL (SVM 0x81)  hypercall number (RAX). kvm_hypercall
 */
#define KVMSTAT_ARM64_SYSREG_MASK	0x3ffc1eULL	/* ESR_ELx_SYS64_ISS_SYS_MASK */
#define KVMSTAT_ARM64_SYSREG_READ	0x1ULL		/* ESR_ELx_SYS64_ISS_DIR_READ */
#define KVMSTAT_ARM64_WFX_TI_MASK	0x3ULL
#define KVMSTAT_DETAIL_WRITE		(1ULL << 63)	/* a guest address written */
#define KVMSTAT_RISCV_INSN_MASK		0xfff0707fULL	/* all but rd [11:7] and rs1 [19:15] */
#define KVMSTAT_RISCV_INSN_WRITE	(1ULL << 7)	/* in rd's place: rs1/uimm != 0 */
#define KVMSTAT_RISCV_SBI_LEGACY_END	0x10		/* SBI_EXT_BASE: legacy ids are below */
#define KVMSTAT_X86_DETAIL_IN		(1ULL << 16)
#define KVMSTAT_X86_DETAIL_WRMSR	(1ULL << 32)

/* Host arch of the data, recorded with every snapshot so it decodes anywhere. */
enum kvmstat_arch {
	KVMSTAT_ARCH_UNKNOWN = 0,
	KVMSTAT_ARCH_X86 = 1,
	KVMSTAT_ARCH_ARM64 = 2,
	KVMSTAT_ARCH_RISCV = 3,
};

/* Time spans: what an interval measures. */
enum kvmstat_span {
	KVMSTAT_SPAN_HANDLING = 0,	/* kvm_exit -> next kvm_entry: host time spent on the exit */
	KVMSTAT_SPAN_GUEST = 1,		/* kvm_entry -> kvm_exit: guest run time ending in the class */
	KVMSTAT_NR_SPANS = 2,
};

/*
 * Latency histogram: log2 octaves split into 4 linear sub-buckets.
 * Values 0..3 ns have a bucket each; v >= 4 with k = floor(log2 v) goes to
 * 4 * (k - 1) + the two bits below the leading one. A bucket is 1/4 of its
 * octave wide, so its midpoint is within 1/8 of any value in it.
 * The last bucket (127) also takes everything above its lower bound, 2^32 + 3 * 2^30 ns
 * = 7516192768 ns (~7.5 s: hist_bucket_lo(127), tested in tests/unit/model/test_hist.c).
 */
#define KVMSTAT_HIST_SUB_BITS	2
#define KVMSTAT_HIST_SUB	(1 << KVMSTAT_HIST_SUB_BITS)
#define KVMSTAT_HIST_BUCKETS	128

/*
 * Pending-exit stores: where each vCPU thread keeps its pending exit (DESIGN.md,
 * "Pending exits"). The loader sets targ_inflight_store; the others are kept for
 * `make bench`, which measures them side by side.
 */
enum kvmstat_store {
	KVMSTAT_STORE_OVERFLOW = 0,	/* direct slot tid & mask claimed by CAS, else a hash (shipped) */
	KVMSTAT_STORE_DIRECT = 1,	/* direct slot tid & mask, taken over on collision: lossy */
	KVMSTAT_STORE_PROBE = 2,	/* open addressing from tid & mask, KVMSTAT_PROBES slots, CAS */
	KVMSTAT_STORE_HASH = 3,		/* a hash keyed by pid_tgid */
	KVMSTAT_STORE_TASK = 4,		/* task storage */
	KVMSTAT_NR_STORES = 5,
};
#define KVMSTAT_PROBES		8	/* open addressing: slots a thread may take, from its home */

/*
 * --max-threads: vCPU threads alive at once that the store holds without loss
 * (the overflow and hash stores guarantee it; a thread past it is counted in
 * drops.threads_full). The direct array has the power of two >= 2 x that.
 */
#define KVMSTAT_MAX_THREADS_DEFAULT	8192
#define KVMSTAT_INFLIGHT_SIZE	184	/* sizeof(struct inflight), checked in kvmstat.bpf.c */
/* Per-thread cache of (class, flags) -> stats slot: the hot path never hashes a key. */
#define KVMSTAT_SLOT_CACHE_BITS	3
#define KVMSTAT_TAG_MIX		0x9E3779B97F4A7C15ULL	/* odd: multiplying by it is a bijection */

/*
 * Stats layout, shared with the loader, which maps both arrays read-only:
 *   stats_keys[slot]  struct kvmstat_key; key.tid is 0 until the key is published
 *                     (written last, with a full barrier, before any count), and
 *                     again once the loader has freed the slot.
 *   stats[slot]       the key's value (kvmstat_value_size(enabled spans) bytes).
 *   stats_used (.bss) slots handed out, in order; can exceed max entries when full.
 *   free_slots        slots the loader freed, taken before a new one.
 * Keys carry the thread, whose events are their only writer. When it has ended
 * (dead_threads), the loader reads its keys a last time, deletes them from
 * stats_index, zeroes their values, unpublishes them and queues their slots in
 * free_slots (syscall map updates): a new key gets a slot the loader is done with.
 */

/* key.flags */
#define KVMSTAT_KEY_USER	(1U << 0)	/* the exit went out to the VMM (kvm_userspace_exit) */
#define KVMSTAT_KEY_OTHER	(1U << 1)	/* a key beyond its class's first --detail-max: "other" */
#define KVMSTAT_KEY_DETAIL	(1U << 2)	/* detail holds the exit's second-level key */

#define KVMSTAT_VCPU_UNKNOWN	0xffffffffU	/* vcpu_id not known (fallback: by thread) */

/* One writer per key: the vCPU thread (tid), so updates need no atomics. */
struct kvmstat_key {
	__u64 class;	/* per-arch encoding above */
	__u32 vm;	/* VMM process: the vCPU thread's tgid */
	__u32 vcpu;	/* vcpu_id, KVMSTAT_VCPU_UNKNOWN when not known */
	__u32 tid;	/* vCPU thread */
	__u32 flags;	/* KVMSTAT_KEY_* */
	__u64 detail;	/* second-level key with KVMSTAT_KEY_DETAIL, else 0 */
};

struct kvmstat_span_stats {
	__u64 count;	/* intervals measured */
	__u64 sum_ns;
	__u64 min_ns;	/* 0 until the first interval */
	__u64 max_ns;
	__u64 hist[KVMSTAT_HIST_BUCKETS];
};

struct kvmstat_value {
	__u64 exits;	/* kvm_exit events of this class */
	struct kvmstat_span_stats span[KVMSTAT_NR_SPANS];
};

/*
 * In the map a value holds only the enabled spans, in enum order (handling, then
 * guest): a value is 1 KiB smaller with one span on. The loader expands it.
 */
#define kvmstat_value_size(nr_spans) \
	(sizeof(__u64) + (nr_spans) * sizeof(struct kvmstat_span_stats))

/*
 * Names of a vCPU thread, taken when it is first seen: they outlive the process.
 * Keyed by pid_tgid (tgid << 32 | tid), so a reused tid in another process has
 * its own entry. The loader deletes the entries of threads that ended (reported
 * in dead_threads) once it has read them: the map holds the live threads and
 * those that ended since the last read (2 x --max-threads entries).
 */
#define KVMSTAT_COMM_LEN 16
struct kvmstat_thread {
	char comm[KVMSTAT_COMM_LEN];		/* the thread's, e.g. "CPU 0/KVM" */
	char leader_comm[KVMSTAT_COMM_LEN];	/* its process's, e.g. "qemu-system-aar" */
	__u32 tgid;
	__u32 pad;
};

/* Loss counters, index into the `drops` per-CPU array. */
enum kvmstat_drop {
	KVMSTAT_DROP_STATS_FULL = 0,	/* stats map full: exit not counted */
	KVMSTAT_DROP_INFLIGHT = 1,	/* pending exit lost: its slot taken over (direct store only) */
	KVMSTAT_DROP_UNPAIRED = 2,	/* entry with no preceding exit (attach time, lost state) */
	KVMSTAT_DROP_THREADS_FULL = 3,	/* event of a thread past --max-threads: no pending-exit slot */
	/* not exits: slow-exit records (--slow) not sent; they stay last */
	KVMSTAT_DROP_SLOW_SUPPRESSED = 4,	/* refused by the rate limit */
	KVMSTAT_DROP_SLOW_LOST = 5,	/* the ring buffer had no room */
	KVMSTAT_NR_DROPS = 6,
};
#define KVMSTAT_NR_EXIT_DROPS	KVMSTAT_DROP_SLOW_SUPPRESSED	/* the drops that lose exits */

/*
 * --detail: at most this many distinct second-level keys per class are kept (the
 * first seen since attach); the exits of any other key go to the class's "other".
 * The classes that have keys (KVMSTAT_DETAIL_CLASSES at most) count them.
 */
#define KVMSTAT_DETAIL_MAX_DEFAULT	64
#define KVMSTAT_DETAIL_CLASSES		32

/*
 * --slow: one record per exit whose handling time (exit -> next entry) reached its
 * class's threshold, through the slow_records ring buffer, rate-limited per CPU.
 */
struct kvmstat_slow {
	__u64 ts;		/* kvm_exit, bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u64 class;
	__u64 detail;		/* second-level key as the exit had it, with --detail */
	__u64 pc;		/* guest PC of the exit */
	__u64 handling_ns;	/* kvm_exit -> kvm_entry */
	__u64 guest_ns;		/* the guest run that ended in the exit, 0 when unknown */
	__u32 vm, vcpu, tid;	/* as in struct kvmstat_key */
	__u32 cpu;		/* host CPU of the kvm_exit */
	__u32 flags;		/* KVMSTAT_KEY_* of the exit */
	__u32 pad;
};
#define KVMSTAT_SLOW_RB_DEFAULT		(256 * 1024)	/* ring buffer bytes */
#define KVMSTAT_SLOW_RATE_DEFAULT	100	/* records per second and CPU */
#define KVMSTAT_SLOW_BURST_DEFAULT	50	/* records a CPU may send at once */

#endif /* KVMSTAT_H */
