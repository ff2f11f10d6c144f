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
	u32 isa;
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
	unsigned long scause;
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
	__builtin_memset(inf->cache, 0, sizeof(inf->cache));	/* slots of the old key */
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

/* Cache tag of a key's class and flags: bit 47 is free in every arch's class, so never 0. */
static __always_inline __u64 slot_tag(const struct kvmstat_key *key)
{
	return key->class ^ ((__u64)key->flags << 48) ^ (1ULL << 47);
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
	__sync_lock_test_and_set(&k->tid, key->tid);	/* xchg: a full barrier on every JIT */
	bpf_map_update_elem(&stats_index, key, &slot, BPF_NOEXIST);
	return slot;
}

/* The stats of the thread's pending exit: a cached slot, else the index, else a new slot;
 * NULL when the arrays are full. */
static __always_inline struct kvmstat_value *stats_of(struct inflight *inf)
{
	__u64 tag = slot_tag(&inf->key);
	__u32 i = (tag * 0x9E3779B97F4A7C15ULL) >> (64 - KVMSTAT_SLOT_CACHE_BITS);
	struct slot_cache *c = &inf->cache[i & ((1 << KVMSTAT_SLOT_CACHE_BITS) - 1)];
	__u32 slot, *found;

	if (c->tag == tag) {
		slot = c->slot;
	} else {
		found = bpf_map_lookup_elem(&stats_index, &inf->key);
		slot = found ? *found : slot_add(&inf->key);
		if (slot < targ_max_keys) {	/* full: asked again next time, a slot may be freed */
			c->tag = tag;
			c->slot = slot;
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

/*
 * kvm_exit of thread id: remember the class, the time and the guest run that ended.
 * ts: 0 reads the clock when this exit or the guest run needs it (tests pass one).
 * learn_vcpu (a constant): the flavours that read kvm_running_vcpu.
 */
static __always_inline int handle_exit(__u64 id, __u64 class, __u64 ts, bool learn_vcpu)
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
	inf->guest_ns = inf->entry_ts ? ts - inf->entry_ts : 0;
	inf->exit_ts = timed ? ts : 0;
	inf->pending = 1;
	inf->counted = 0;
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
	/* The guest run starting now is timed when the exit ending it will be. */
	guest_timed = (targ_spans & (1U << KVMSTAT_SPAN_GUEST)) && next_exit_timed(inf);
	if (!ts && (inf->exit_ts || guest_timed))
		ts = bpf_ktime_get_ns();
	if (inf->pending) {
		account_exit(inf, inf->exit_ts ? ts - inf->exit_ts : 0);
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

/* arm64 and RISC-V: the raw arguments carry the class. */
SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_btf_arm64, int ret, unsigned int esr_ec)
{
	return handle_exit(current_id(), arm64_class(ret, esr_ec), 0, false);
}

/* arm64 where the kernel takes the ksym: also names threads inside KVM_RUN at attach. */
SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_btf_arm64_running, int ret, unsigned int esr_ec)
{
	return handle_exit(current_id(), arm64_class(ret, esr_ec), 0, true);
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_btf_riscv, struct kvm_cpu_trap___riscv *trap)
{
	if (!trap)	/* "maybe NULL" to the verifier on 6.12 */
		return 0;
	return handle_exit(current_id(), trap->scause, 0, false);
}

/* The class in the classic kvm_exit record, per arch. */
static __always_inline __u64 record_class(void *ctx)
{
	struct trace_event_raw_kvm_exit___x86 *x86 = ctx;
	struct trace_event_raw_kvm_exit___arm64 *arm64 = ctx;
	struct trace_event_raw_kvm_exit___riscv *riscv = ctx;

	if (bpf_core_field_exists(x86->isa))
		return KVMSTAT_X86_CLASS(x86->isa, x86->exit_reason);
	if (bpf_core_field_exists(arm64->esr_ec))
		return arm64_class(arm64->ret, arm64->esr_ec);
	return riscv->scause;
}

/* x86 (exit reason only in the record), and the classic fallback on every arch. */
SEC("tp/kvm/kvm_exit")
int kvm_exit_tp(void *ctx)
{
	return handle_exit(current_id(), record_class(ctx), 0, false);
}

/* Classic, where the kernel takes the ksym (--classic names vCPUs by the fentry, as arm64). */
SEC("tp/kvm/kvm_exit")
int kvm_exit_tp_running(void *ctx)
{
	return handle_exit(current_id(), record_class(ctx), 0, true);
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
	return handle_exit(id ?: current_id(), arm64_class((int)ret, (unsigned int)esr_ec), ts, false);
}

SEC("raw_tp")
int BPF_PROG(test_exit_class, __u64 class, __u64 ts, __u64 id)
{
	return handle_exit(id ?: current_id(), class, ts, false);
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
