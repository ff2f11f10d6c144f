// SPDX-License-Identifier: GPL-2.0
/*
 * kvmstat-bpf: count and time KVM guest exits per class, VM and vCPU, in the kernel.
 *
 * One object for x86, arm64 and RISC-V hosts: the loader picks the programs of
 * the host arch; CO-RE flavours (___x86/___arm64/___riscv) give each arch's
 * tracepoint layout, and libbpf poisons the branches of the other arches.
 *
 * Per vCPU thread, a pending-exit store (inflight.bpf.h) keeps the pending exit.
 * An exit is accounted once, with a single stats lookup, when its thread next
 * enters the guest or returns to the VMM (kvm_userspace_exit fires on every
 * KVM_RUN return, so a thread's last exit is counted too). Every stats key
 * carries the thread, so each key has exactly one writer and plain (non-atomic)
 * updates are exact. A thread's state is freed when it exits (sched_process_exit).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kvmstat.h"
#include "bits.bpf.h"
#include "drops.bpf.h"
#include "inflight.bpf.h"
#include "detail.bpf.h"
#include "slow.bpf.h"

/* Per arch/arm64/include/asm/kvm_asm.h */
#define ARM_EXCEPTION_TRAP	2
#define ARM_EXCEPTION_CODE(x)	((x) & ~(1U << 31))	/* bit 31: SError pending */
#define ESR_ELx_EC_MASK		0x3f

/* Set by the loader before load. */
const volatile __u32 targ_spans = 1U << KVMSTAT_SPAN_HANDLING;	/* bit per enum kvmstat_span */
const volatile __u32 targ_vm_filter = 0;	/* only this VMM tgid when non-zero */
/* Time 1 exit in (mask + 1), count every one: the clock read is most of the cost. */
const volatile __u32 targ_time_mask = 0;
/* Entries of the stats arrays (--max-keys). */
const volatile __u32 targ_max_keys = 16384;

/*
 * Stats by slot (layout in kvmstat.h): an array, so the hot path's lookup is
 * inlined by the verifier, and mmap-able, so the loader reads values in place.
 * The loader sets max_entries of all three to --max-keys.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16384);
	/* sizes, not BTF types: the loader sizes values to the enabled spans */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct kvmstat_value));
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct kvmstat_key);
} stats_keys SEC(".maps");

/* key -> slot, only on a slot-cache miss (new key, or a class evicted from the cache). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct kvmstat_key);
	__type(value, __u32);
} stats_index SEC(".maps");

/* Slots handed out (see kvmstat.h); the loader reads it through the mapped .bss. */
__u32 stats_used = 0;

/* Slots of ended threads' keys the loader read for the last time and freed (kvmstat.h). */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16384);
	__type(value, __u32);
} free_slots SEC(".maps");

/*
 * The vCPU loaded on this CPU (virt/kvm/kvm_main.c, set by vcpu_load()): who a
 * thread that was already inside KVM_RUN at attach runs (an idle arm64 vCPU
 * never leaves KVM_RUN, so the fentry below never names it). A typed per-CPU
 * ksym: a kernel without CONFIG_KALLSYMS_ALL refuses any program using it, and
 * the loader then loads the flavours without it. Weak: only those programs need it.
 */
extern struct kvm_vcpu *kvm_running_vcpu __ksym __weak;

/* CO-RE flavours of the kvm_exit record, one per arch. */
struct trace_event_raw_kvm_exit___x86 {
	unsigned int exit_reason;
	unsigned long guest_rip;
	u32 isa;
	u64 info1;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_exit___arm64 {
	int ret;
	unsigned int esr_ec;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_exit___riscv {
	unsigned long scause;
} __attribute__((preserve_access_index));

/* RISC-V passes its trap to the kvm_exit tracepoint (arch/riscv/include/asm/kvm_host.h). */
struct kvm_cpu_trap___riscv {
	unsigned long sepc;
	unsigned long scause;
	unsigned long stval;
	unsigned long htval;
} __attribute__((preserve_access_index));

/* Where the vcpu keeps the registers some second-level keys are in (--detail). */
struct user_pt_regs___arm64 {
	__u64 regs[31];
} __attribute__((preserve_access_index));

struct kvm_cpu_context___arm64 {
	struct user_pt_regs___arm64 regs;
} __attribute__((preserve_access_index));

struct kvm_vcpu_arch___arm64 {
	struct kvm_cpu_context___arm64 ctxt;
} __attribute__((preserve_access_index));

struct kvm_vcpu___arm64 {
	struct kvm_vcpu_arch___arm64 arch;
} __attribute__((preserve_access_index));

struct kvm_cpu_context___riscv {
	unsigned long a6;
	unsigned long a7;
} __attribute__((preserve_access_index));

struct kvm_vcpu_arch___riscv {
	struct kvm_cpu_context___riscv guest_context;
} __attribute__((preserve_access_index));

struct kvm_vcpu___riscv {
	struct kvm_vcpu_arch___riscv arch;
} __attribute__((preserve_access_index));

/* arm64 raw args are not the record: mask like trace_kvm_exit's TP_fast_assign does. */
static __always_inline __u64 arm64_class(int ret, unsigned int esr_ec)
{
	__u32 type = ARM_EXCEPTION_CODE((__u32)ret);

	/* esr_ec of a non-trap exit is stale (the previous trap's class). */
	return KVMSTAT_ARM64_CLASS(type, type == ARM_EXCEPTION_TRAP ? esr_ec & ESR_ELx_EC_MASK : 0);
}

/*
 * vcpu_id from the kernel's struct kvm_vcpu, re-read only when the pointer changes.
 * The VM stays the thread's process: KVM refuses vCPU ioctls from any other, and
 * kvm->userspace_pid is the thread that created the VM, not always the VMM process.
 */
static __always_inline void inflight_set_vcpu(struct inflight *inf, struct kvm_vcpu *vcpu)
{
	if (!vcpu || inf->vcpu_ptr == (__u64)vcpu)
		return;
	inf->vcpu_ptr = (__u64)vcpu;
	inf->key.vcpu = BPF_CORE_READ(vcpu, vcpu_id);
	__builtin_memset(inf->cache_tag, 0, sizeof(inf->cache_tag));	/* slots of the old key */
}

/* Read only while the thread's vCPU is unknown: once per thread that was in KVM_RUN at attach. */
static __always_inline void inflight_learn_running_vcpu(struct inflight *inf)
{
	struct kvm_vcpu **running;

	if (inf->key.vcpu != KVMSTAT_VCPU_UNKNOWN)
		return;
	running = bpf_this_cpu_ptr(&kvm_running_vcpu);
	inflight_set_vcpu(inf, *running);
}

static __always_inline void span_add(struct kvmstat_span_stats *s, __u64 ns)
{
	__u32 slot = hist_slot(ns);

	if (!s->count || ns < s->min_ns)
		s->min_ns = ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	s->count++;
	s->sum_ns += ns;
	s->hist[slot & (KVMSTAT_HIST_BUCKETS - 1)]++;
}

/*
 * The loader sizes stats values to the spans it enabled (kvmstat_value_size()):
 * handling, when on, is span[0]; guest follows it, or is span[0] alone.
 */
static __always_inline struct kvmstat_span_stats *span_of(struct kvmstat_value *v,
							  enum kvmstat_span span)
{
	if (span == KVMSTAT_SPAN_GUEST && (targ_spans & (1U << KVMSTAT_SPAN_HANDLING)))
		return &v->span[1];
	return &v->span[0];
}

/*
 * Cache tag of a key's class and flags: bit 47 is free in every arch's class, so
 * never 0, and the tag is the key. With --detail the second-level key is mixed in:
 * keys are guest-chosen numbers (an MMIO address, a hypercall), so two keys can be
 * made to share a tag (or hit an empty entry's 0): a hit is checked against the
 * published key (stats_of), and a tag only says where to look.
 */
static __always_inline __u64 slot_tag(const struct kvmstat_key *key)
{
	__u64 tag = key->class ^ ((__u64)key->flags << 48) ^ (1ULL << 47);

	if (targ_detail)
		tag ^= key->detail * KVMSTAT_TAG_MIX;
	return tag;
}

/* A new key's slot: published in stats_keys (tid last, so a reader never sees half a key). */
static __always_inline __u32 slot_add(const struct kvmstat_key *key)
{
	struct kvmstat_key *k;
	__u32 slot;

	if (bpf_map_pop_elem(&free_slots, &slot)) {	/* none freed: a slot never used */
		if (stats_used >= targ_max_keys)
			return targ_max_keys;	/* full: checked first, so stats_used stops growing */
		slot = __sync_fetch_and_add(&stats_used, 1);
	}
	k = bpf_map_lookup_elem(&stats_keys, &slot);
	if (!k)
		return targ_max_keys;
	k->class = key->class;
	k->vm = key->vm;
	k->vcpu = key->vcpu;
	k->flags = key->flags;
	k->detail = key->detail;
	__sync_lock_test_and_set(&k->tid, key->tid);	/* xchg: a full barrier on every JIT */
	bpf_map_update_elem(&stats_index, key, &slot, BPF_NOEXIST);
	return slot;
}

/* --detail: the cached slot holds this very key (a tag can be shared, or the key folded). */
static __always_inline bool cached_key_is(__u32 slot, const struct kvmstat_key *key)
{
	struct kvmstat_key *k = bpf_map_lookup_elem(&stats_keys, &slot);	/* inlined */

	return k && key_same_exit(k, key);
}

/* The slot of a key the cache did not have: the index, else a new slot. */
static __always_inline __u32 slot_find(const struct kvmstat_key *key)
{
	__u32 *found = bpf_map_lookup_elem(&stats_index, key);

	return found ? *found : slot_add(key);
}

/*
 * --detail: the slot of the key as admitted, maybe its class's "other". The pending
 * key itself stays as the exit had it (a slow-exit record shows the real key), so
 * an exit beyond the bound misses the cache each time (cached_key_is).
 */
static __always_inline __u32 slot_find_admitted(const struct kvmstat_key *key)
{
	struct kvmstat_key k = *key;

	detail_admit(&k);
	return slot_find(&k);
}

/* The stats of the thread's pending exit: a cached slot, else the index, else a new slot;
 * NULL when the arrays are full. */
static __always_inline struct kvmstat_value *stats_of(struct inflight *inf)
{
	__u64 tag = slot_tag(&inf->key);
	__u32 i = ((tag * KVMSTAT_TAG_MIX) >> (64 - KVMSTAT_SLOT_CACHE_BITS)) &
		  ((1 << KVMSTAT_SLOT_CACHE_BITS) - 1);
	__u32 slot;

	if (inf->cache_tag[i] == tag &&
	    (!targ_detail || cached_key_is(inf->cache_slot[i], &inf->key))) {
		slot = inf->cache_slot[i];
	} else {
		slot = targ_detail ? slot_find_admitted(&inf->key) : slot_find(&inf->key);
		if (slot < targ_max_keys) {	/* full: asked again next time, a slot may be freed */
			inf->cache_tag[i] = tag;
			inf->cache_slot[i] = slot;
		}
	}
	return bpf_map_lookup_elem(&stats, &slot);	/* inlined: an array; NULL when full */
}

/* Account the pending exit: count and guest span unless done already, handling span if known. */
static __always_inline void account_exit(struct inflight *inf, __u64 handling_ns)
{
	struct kvmstat_value *v = stats_of(inf);

	if (!v) {
		/* Lost once: an exit out to the VMM comes here again at the next entry. */
		if (!inf->counted)
			count_drop(KVMSTAT_DROP_STATS_FULL);
		return;
	}
	if (!inf->counted) {
		v->exits++;
		if ((targ_spans & (1U << KVMSTAT_SPAN_GUEST)) && inf->guest_ns)
			span_add(span_of(v, KVMSTAT_SPAN_GUEST), inf->guest_ns);
	}
	if ((targ_spans & (1U << KVMSTAT_SPAN_HANDLING)) && handling_ns)
		span_add(span_of(v, KVMSTAT_SPAN_HANDLING), handling_ns);
}

/* -p PID: threads of other processes get no state at all. */
static __always_inline bool vm_filtered_out(__u64 id)
{
	return targ_vm_filter && (id >> 32) != targ_vm_filter;
}

/* Is the thread's next exit timed? Every one unless --time-every N. */
static __always_inline bool next_exit_timed(const struct inflight *inf)
{
	return !(inf->seq & targ_time_mask);
}

/* Exit classes with a second-level key the BPF side reads itself (kvmstat.h). */
#define ARM64_TRAP(ec)		KVMSTAT_ARM64_CLASS(ARM_EXCEPTION_TRAP, ec)
#define ARM64_WFX		ARM64_TRAP(0x01)
#define ARM64_HVC32		ARM64_TRAP(0x12)
#define ARM64_SMC32		ARM64_TRAP(0x13)
#define ARM64_HVC64		ARM64_TRAP(0x16)
#define ARM64_SMC64		ARM64_TRAP(0x17)
#define ARM64_SYS64		ARM64_TRAP(0x18)
#define ARM64_IABT_LOW		ARM64_TRAP(0x20)
#define ARM64_DABT_LOW		ARM64_TRAP(0x24)
#define ESR_ELx_WNR		(1ULL << 6)
#define RISCV_ECALL_VS		10
#define RISCV_INST_GPF		20
#define RISCV_LOAD_GPF		21
#define RISCV_VIRTUAL_INST	22
#define RISCV_STORE_GPF		23
#define VMX(reason)		KVMSTAT_X86_CLASS(KVMSTAT_X86_ISA_VMX, reason)
#define SVM(code)		KVMSTAT_X86_CLASS(KVMSTAT_X86_ISA_SVM, code)
#define VMX_CPUID		VMX(10)
#define VMX_VMCALL		VMX(18)
#define VMX_IO			VMX(30)
#define VMX_MSR_READ		VMX(31)
#define VMX_MSR_WRITE		VMX(32)
#define VMX_EPT_VIOLATION	VMX(48)
#define SVM_CPUID		SVM(0x72)
#define SVM_IOIO		SVM(0x7b)
#define SVM_MSR			SVM(0x7c)
#define SVM_VMMCALL		SVM(0x81)
#define SVM_NPF			SVM(0x400)

/* A key only the vcpu holds: read from the struct kvm_vcpu the thread's state caches. */
enum vcpu_key {
	VCPU_KEY_NONE = 0,
	VCPU_KEY_ARM64_X0,	/* SMC: the SMCCC function id in x0 */
	VCPU_KEY_RISCV_SBI,	/* ecall: the SBI extension in a7, function in a6 */
};

/* What an exit program knows beyond the class, for --detail and --slow. */
struct exit_extra {
	__u64 pc;		/* guest PC of the exit */
	__u64 detail;		/* the second-level key, when has_detail */
	bool has_detail;
	__u8 vcpu_key;		/* enum vcpu_key */
};

/* bpf_probe_read_kernel: the cached pointer is a number to the verifier. */
static __always_inline void read_vcpu_key(struct inflight *inf, enum vcpu_key which)
{
	struct kvm_vcpu___arm64 *arm64 = (void *)inf->vcpu_ptr;
	struct kvm_vcpu___riscv *riscv = (void *)inf->vcpu_ptr;
	__u64 x0 = 0;
	unsigned long a[2] = {};	/* a6, a7: adjacent in struct kvm_cpu_context */

	if (which == VCPU_KEY_ARM64_X0) {
		if (!bpf_core_read(&x0, sizeof(x0), &arm64->arch.ctxt.regs.regs[0]))
			detail_set(&inf->key, (__u32)x0);
	} else if (which == VCPU_KEY_RISCV_SBI) {
		if (!bpf_core_read(a, sizeof(a), &riscv->arch.guest_context.a6))
			detail_set(&inf->key, (__u64)(__u32)a[1] << 32 |
				   (a[1] < KVMSTAT_RISCV_SBI_LEGACY_END ? 0 : (__u32)a[0]));
	}
}

/* --detail at kvm_exit: the key if the exit program has it, else from the vcpu if known. */
static __always_inline void exit_detail(struct inflight *inf, const struct exit_extra *x)
{
	inf->key.detail = 0;
	if (!x)
		return;
	if (x->has_detail)
		detail_set(&inf->key, x->detail);
	else if (x->vcpu_key && inf->vcpu_ptr)
		read_vcpu_key(inf, x->vcpu_key);
}

/*
 * kvm_exit of thread id: remember the class, the time and the guest run that ended.
 * ts: 0 reads the clock when this exit or the guest run needs it (tests pass one).
 * x: what --detail and --slow use (NULL without them); the key may come later, from
 * the class's own tracepoint (pending_key).
 * learn_vcpu (a constant): the flavours that read kvm_running_vcpu.
 */
static __always_inline int handle_exit(__u64 id, __u64 class, __u64 ts,
				       const struct exit_extra *x, bool learn_vcpu)
{
	struct inflight *inf;
	bool timed;

	if (vm_filtered_out(id))
		return 0;
	inf = inflight_of(id);
	if (!inf)
		return 0;
	if (learn_vcpu)
		inflight_learn_running_vcpu(inf);
	timed = next_exit_timed(inf);
	if (targ_time_mask)	/* rodata: the verifier drops this when every exit is timed */
		inf->seq++;
	if (!ts && (timed || inf->entry_ts))
		ts = bpf_ktime_get_ns();
	inf->key.class = class;
	inf->key.flags = 0;
	if (targ_detail)	/* rodata, as the two below */
		exit_detail(inf, x);
	if (targ_slow_ns) {
		inf->exit_pc = x ? x->pc : 0;
		inf->exit_cpu = bpf_get_smp_processor_id();
	}
	inf->guest_ns = inf->entry_ts ? ts - inf->entry_ts : 0;
	inf->exit_ts = timed ? ts : 0;
	inf->pending = 1;
	inf->counted = 0;
	return 0;
}

/*
 * An event of the class's own tracepoint, during the pending exit's handling in its
 * thread: its second-level key, if the pending exit is of one of the given classes.
 */
static __always_inline int pending_key(__u64 key, __u64 class_a, __u64 class_b, __u64 class_c)
{
	__u64 id = current_id(), class;
	struct inflight *inf;

	if (vm_filtered_out(id))
		return 0;
	inf = inflight_of(id);
	if (!inf || !inf->pending || inf->counted)
		return 0;
	class = inf->key.class;
	if (class == class_a || class == class_b || class == class_c)
		detail_set(&inf->key, key);
	return 0;
}

/* kvm_entry: the pending exit is handled; account it and start the guest run. */
static __always_inline int handle_entry(__u64 id, struct kvm_vcpu *vcpu, __u64 ts)
{
	struct inflight *inf;
	bool guest_timed;

	if (vm_filtered_out(id))
		return 0;
	inf = inflight_of(id);
	if (!inf)
		return 0;
	inflight_set_vcpu(inf, vcpu);
	/* The guest run starting now is timed when the exit ending it will be (--slow records it). */
	guest_timed = ((targ_spans & (1U << KVMSTAT_SPAN_GUEST)) || targ_slow_ns) &&
		      next_exit_timed(inf);
	if (!ts && (inf->exit_ts || guest_timed))
		ts = bpf_ktime_get_ns();
	if (inf->pending) {
		__u64 handling_ns = inf->exit_ts ? ts - inf->exit_ts : 0;

		account_exit(inf, handling_ns);
		if (targ_slow_ns && handling_ns)	/* rodata: dropped without --slow */
			slow_check(&inf->key, inf->exit_ts, handling_ns, inf->guest_ns, inf->exit_pc,
				   inf->exit_cpu, ts);
		inf->pending = 0;
		inf->exit_ts = 0;
	} else {
		count_drop(KVMSTAT_DROP_UNPAIRED);
	}
	inf->entry_ts = guest_timed ? ts : 0;
	return 0;
}

/* kvm_userspace_exit: KVM_RUN returns to the VMM; count the exit now, time it at the next entry. */
static __always_inline int handle_userspace_exit(__u64 id)
{
	struct inflight *inf;

	if (vm_filtered_out(id))
		return 0;
	inf = inflight_of(id);
	if (!inf || !inf->pending || inf->counted)
		return 0;
	inf->key.flags |= KVMSTAT_KEY_USER;
	account_exit(inf, 0);
	inf->counted = 1;
	return 0;
}

/* --- attach points ------------------------------------------------------ */

/* arm64: SMC has no tracepoint of its own; the other keys come from theirs (pending_key). */
static __always_inline int arm64_exit(int ret, unsigned int esr_ec, __u64 vcpu_pc, bool learn_vcpu)
{
	__u64 class = arm64_class(ret, esr_ec);
	struct exit_extra x = { .pc = vcpu_pc };

	if (!targ_detail && !targ_slow_ns)	/* rodata: the default keeps this path only */
		return handle_exit(current_id(), class, 0, NULL, learn_vcpu);
	if (class == ARM64_SMC64 || class == ARM64_SMC32)
		x.vcpu_key = VCPU_KEY_ARM64_X0;
	return handle_exit(current_id(), class, 0, &x, learn_vcpu);
}

/* arm64 and RISC-V: the raw arguments carry the class. */
SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_btf_arm64, int ret, unsigned int esr_ec, unsigned long vcpu_pc)
{
	return arm64_exit(ret, esr_ec, vcpu_pc, false);
}

/* arm64 where the kernel takes the ksym: also names threads inside KVM_RUN at attach. */
SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_btf_arm64_running, int ret, unsigned int esr_ec, unsigned long vcpu_pc)
{
	return arm64_exit(ret, esr_ec, vcpu_pc, true);
}

/* RISC-V: the trap holds the instruction (stval) and the faulting GPA (htval). */
static __always_inline void riscv_exit_key(const struct kvm_cpu_trap___riscv *trap,
					   struct exit_extra *x)
{
	__u64 stval = trap->stval;

	switch (trap->scause) {
	case RISCV_ECALL_VS:
		x->vcpu_key = VCPU_KEY_RISCV_SBI;
		break;
	case RISCV_VIRTUAL_INST:
		x->detail = (stval & KVMSTAT_RISCV_INSN_MASK) |
			    ((stval >> 15) & 0x1f ? KVMSTAT_RISCV_INSN_WRITE : 0);
		x->has_detail = true;
		break;
	case RISCV_INST_GPF:
	case RISCV_LOAD_GPF:
	case RISCV_STORE_GPF:
		x->detail = (__u64)trap->htval << 2 | (stval & 3);
		x->has_detail = true;
		break;
	}
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_btf_riscv, struct kvm_cpu_trap___riscv *trap)
{
	struct exit_extra x = {};

	if (!trap)	/* "maybe NULL" to the verifier on 6.12 */
		return 0;
	if (!targ_detail && !targ_slow_ns)	/* rodata: the default keeps this path only */
		return handle_exit(current_id(), trap->scause, 0, NULL, false);
	x.pc = trap->sepc;
	if (targ_detail)
		riscv_exit_key(trap, &x);
	return handle_exit(current_id(), trap->scause, 0, &x, false);
}

/* x86: the port of an I/O exit is in the record (VMX exit qualification, SVM exit_info_1). */
static __always_inline void x86_exit_key(__u64 class, __u64 info1, struct exit_extra *x)
{
	if (class == VMX_IO) {
		x->detail = ((info1 >> 16) & 0xffff) | (info1 & 8 ? KVMSTAT_X86_DETAIL_IN : 0);
		x->has_detail = true;
	} else if (class == SVM_IOIO) {
		x->detail = ((info1 >> 16) & 0xffff) | (info1 & 1 ? KVMSTAT_X86_DETAIL_IN : 0);
		x->has_detail = true;
	}
}

/*
 * The classic kvm_exit record: the class per arch; x86's also holds the guest rip and the
 * I/O port (--detail and --slow; refused with --classic on the others).
 */
static __always_inline int classic_exit(void *ctx, bool learn_vcpu)
{
	struct trace_event_raw_kvm_exit___x86 *x86 = ctx;
	struct trace_event_raw_kvm_exit___arm64 *arm64 = ctx;
	struct trace_event_raw_kvm_exit___riscv *riscv = ctx;
	struct exit_extra x = {};
	__u64 class;

	if (bpf_core_field_exists(x86->isa)) {
		class = KVMSTAT_X86_CLASS(x86->isa, x86->exit_reason);
		if (!targ_detail && !targ_slow_ns)	/* rodata: the default keeps this path only */
			return handle_exit(current_id(), class, 0, NULL, learn_vcpu);
		x.pc = x86->guest_rip;
		if (targ_detail)
			x86_exit_key(class, x86->info1, &x);
		return handle_exit(current_id(), class, 0, &x, learn_vcpu);
	}
	if (bpf_core_field_exists(arm64->esr_ec))
		class = arm64_class(arm64->ret, arm64->esr_ec);
	else
		class = riscv->scause;
	return handle_exit(current_id(), class, 0, NULL, learn_vcpu);
}

/* x86 (exit reason only in the record), and the classic fallback on every arch. */
SEC("tp/kvm/kvm_exit")
int kvm_exit_tp(void *ctx)
{
	return classic_exit(ctx, false);
}

/* Classic, where the kernel takes the ksym (--classic names vCPUs by the fentry, as arm64). */
SEC("tp/kvm/kvm_exit")
int kvm_exit_tp_running(void *ctx)
{
	return classic_exit(ctx, true);
}

/* RISC-V and x86 pass the vcpu to kvm_entry; arm64 passes the guest pc. */
SEC("tp_btf/kvm_entry")
int BPF_PROG(kvm_entry_btf, struct kvm_vcpu *vcpu)
{
	return handle_entry(current_id(), vcpu, 0);
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(kvm_entry_btf_novcpu)
{
	return handle_entry(current_id(), NULL, 0);
}

SEC("tp/kvm/kvm_entry")
int kvm_entry_tp(void *ctx)
{
	return handle_entry(current_id(), NULL, 0);
}

SEC("tp_btf/kvm_userspace_exit")
int BPF_PROG(kvm_userspace_exit_btf)
{
	return handle_userspace_exit(current_id());
}

SEC("tp/kvm/kvm_userspace_exit")
int kvm_userspace_exit_tp(void *ctx)
{
	return handle_userspace_exit(current_id());
}

/*
 * --detail: the second-level keys of the classes that have their own tracepoint,
 * fired while the exit is handled (attached only with --detail, per host arch).
 */
SEC("tp_btf/kvm_hvc_arm64")
int BPF_PROG(key_hvc_arm64, unsigned long vcpu_pc, unsigned long r0)
{
	return pending_key((__u32)r0, ARM64_HVC64, ARM64_HVC32, ARM64_HVC64);
}

SEC("tp_btf/kvm_handle_sys_reg")
int BPF_PROG(key_sys_reg_arm64, unsigned long hsr)
{
	return pending_key(hsr & (KVMSTAT_ARM64_SYSREG_MASK | KVMSTAT_ARM64_SYSREG_READ),
			   ARM64_SYS64, ARM64_SYS64, ARM64_SYS64);
}

SEC("tp_btf/kvm_wfx_arm64")
int BPF_PROG(key_wfx_arm64, unsigned long vcpu_pc, bool is_wfe)
{
	return pending_key(is_wfe, ARM64_WFX, ARM64_WFX, ARM64_WFX);
}

/* Every guest abort: ipa is HPFAR's page, hxfar the faulting address (its page offset). */
SEC("tp_btf/kvm_guest_fault")
int BPF_PROG(key_guest_fault_arm64, unsigned long vcpu_pc, unsigned long hsr, unsigned long hxfar,
	     unsigned long long ipa)
{
	__u64 addr = ipa | (hxfar & 0xfff);

	pending_key(addr | (hsr & ESR_ELx_WNR ? KVMSTAT_DETAIL_WRITE : 0), ARM64_DABT_LOW,
		    ARM64_DABT_LOW, ARM64_DABT_LOW);
	return pending_key(addr, ARM64_IABT_LOW, ARM64_IABT_LOW, ARM64_IABT_LOW);
}

SEC("tp_btf/kvm_msr")
int BPF_PROG(key_msr_x86, unsigned int write, u32 ecx)
{
	return pending_key(ecx | (write ? KVMSTAT_X86_DETAIL_WRMSR : 0), SVM_MSR, VMX_MSR_READ,
			   VMX_MSR_WRITE);
}

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(key_cpuid_x86, unsigned int function)
{
	return pending_key(function, SVM_CPUID, VMX_CPUID, VMX_CPUID);
}

SEC("tp_btf/kvm_hypercall")
int BPF_PROG(key_hypercall_x86, unsigned long nr)
{
	return pending_key(nr, SVM_VMMCALL, VMX_VMCALL, VMX_VMCALL);
}

/* NPF and EPT violation: the GPA (in VMX's record it is not); error code bit 1: a write. */
SEC("tp_btf/kvm_page_fault")
int BPF_PROG(key_page_fault_x86, struct kvm_vcpu *vcpu, u64 fault_address, u64 error_code)
{
	return pending_key(fault_address | (error_code & 2 ? KVMSTAT_DETAIL_WRITE : 0), SVM_NPF,
			   VMX_EPT_VIOLATION, VMX_EPT_VIOLATION);
}

/* Once per KVM_RUN: which vcpu this thread runs (arm64 has no vcpu in its tracepoints). */
SEC("fentry/kvm_arch_vcpu_ioctl_run")
int BPF_PROG(vcpu_run_fentry, struct kvm_vcpu *vcpu)
{
	__u64 id = current_id();
	struct inflight *inf;

	if (vm_filtered_out(id))
		return 0;
	inf = inflight_of(id);
	if (inf)
		inflight_set_vcpu(inf, vcpu);
	return 0;
}

/*
 * Every ending thread: a vCPU thread's state goes back to the store. Attached
 * before the KVM programs, so every thread that gets state is seen ending.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(thread_exit_btf)
{
	return handle_thread_exit(current_id());
}

SEC("tp/sched/sched_process_exit")
int thread_exit_tp(void *ctx)
{
	return handle_thread_exit(current_id());
}

/* --- test entry points (BPF_PROG_TEST_RUN, never attached) ---------------- */
/*
 * Same inline functions as above. ts: the timestamp, 0 reads the clock as the
 * attached programs do; id: the thread (pid_tgid), 0 for the caller, so one
 * process can play many threads (not with task storage: that is the caller's).
 */

SEC("raw_tp")
int BPF_PROG(test_exit_arm64, __u64 ret, __u64 esr_ec, __u64 ts, __u64 id)
{
	return handle_exit(id ?: current_id(), arm64_class((int)ret, (unsigned int)esr_ec), ts, NULL, false);
}

SEC("raw_tp")
int BPF_PROG(test_exit_class, __u64 class, __u64 ts, __u64 id)
{
	return handle_exit(id ?: current_id(), class, ts, NULL, false);
}

/* An exit whose program has its key (has_detail) and guest pc, as the x86/RISC-V ones do. */
SEC("raw_tp")
int BPF_PROG(test_exit_key, __u64 class, __u64 key, __u64 pc, __u64 ts, __u64 id)
{
	struct exit_extra x = { .pc = pc, .detail = key, .has_detail = true };

	return handle_exit(id ?: current_id(), class, ts, &x, false);
}

/* A companion tracepoint's key for the caller's pending exit of class. */
SEC("raw_tp")
int BPF_PROG(test_pending_key, __u64 key, __u64 class)
{
	return pending_key(key, class, class, class);
}

SEC("raw_tp")
int BPF_PROG(test_entry, __u64 ts, __u64 id)
{
	return handle_entry(id ?: current_id(), NULL, ts);
}

SEC("raw_tp")
int BPF_PROG(test_userspace_exit, __u64 id)
{
	return handle_userspace_exit(id ?: current_id());
}

SEC("raw_tp")
int BPF_PROG(test_thread_exit, __u64 id)
{
	return handle_thread_exit(id ?: current_id());
}

char LICENSE[] SEC("license") = "GPL";
