/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pending-exit stores: per vCPU thread, its vCPU identity and pending exit, found
 * from the thread's pid_tgid on every event (DESIGN.md, "Pending exits").
 *
 * Shipped (KVMSTAT_STORE_OVERFLOW): slot tid & mask of an array, claimed with a
 * compare-and-swap of its owner (0: free); a thread whose slot a live thread
 * holds keeps its state in a hash keyed by pid_tgid instead. The hot path is one
 * inlined array lookup and one compare. A slot is only written by its owner, and
 * goes back to the store when its thread exits (handle_thread_exit), so a thread
 * never sees another's state, and with at most --max-threads live vCPU threads
 * nothing is lost. The other stores are kept for `make bench`.
 */
#ifndef KVMSTAT_INFLIGHT_BPF_H
#define KVMSTAT_INFLIGHT_BPF_H

#include "kvmstat.h"
#include "drops.bpf.h"

/* Set by the loader before load. */
const volatile __u32 targ_inflight_store = KVMSTAT_STORE_OVERFLOW;	/* enum kvmstat_store */
const volatile __u32 targ_direct_mask = 2 * KVMSTAT_MAX_THREADS_DEFAULT - 1;	/* slots - 1 */


/* State of the vCPU a thread runs: identity and the pending exit. */
struct inflight {
	__u64 owner;		/* pid_tgid of the thread, 0: a free array slot */
	struct kvmstat_key key;	/* vm/vcpu/tid of the thread, class/flags of the pending exit */
	__u64 exit_ts;		/* when the pending exit happened, 0 when not timed */
	__u64 entry_ts;		/* start of the guest run, 0 when unknown */
	__u64 guest_ns;		/* guest run that ended in the pending exit, 0 when unknown */
	__u64 vcpu_ptr;		/* struct kvm_vcpu the identity was read from */
	__u32 seq;		/* exits of the thread: which ones are timed */
	__u8 pending;		/* an exit waits for its entry */
	__u8 counted;		/* pending exit already accounted at kvm_userspace_exit */
	__u16 exit_cpu;		/* --slow: host CPU of the pending exit's kvm_exit */
	/* Cached stats slots of this thread's keys, by slot_tag() of the key (0: empty). */
	__u64 cache_tag[1 << KVMSTAT_SLOT_CACHE_BITS];
	__u32 cache_slot[1 << KVMSTAT_SLOT_CACHE_BITS];
	__u64 exit_pc;		/* --slow: guest PC of the pending exit */
};

_Static_assert(sizeof(struct inflight) == KVMSTAT_INFLIGHT_SIZE, "update KVMSTAT_INFLIGHT_SIZE");

/* What a new hash entry starts from (a map value may come from .rodata). */
static const struct inflight zero_inflight = {};

/* Slots by tid & targ_direct_mask (overflow, direct and probe stores; else 1 entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * KVMSTAT_MAX_THREADS_DEFAULT);
	__type(key, __u32);
	__type(value, struct inflight);
} inflight_slots SEC(".maps");

/* pid_tgid -> state: the overflow of the shipped store, or the whole hash store. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KVMSTAT_MAX_THREADS_DEFAULT);
	__type(key, __u64);
	__type(value, struct inflight);
} inflight_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight_task SEC(".maps");

/* pid_tgid -> names, written when a thread gets its state (kvmstat.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * KVMSTAT_MAX_THREADS_DEFAULT);
	__type(key, __u64);
	__type(value, struct kvmstat_thread);
} threads SEC(".maps");

/* pid_tgid of each thread that had state and ended, for the loader (names, stats). */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, KVMSTAT_MAX_THREADS_DEFAULT);
	__type(value, __u64);
} dead_threads SEC(".maps");

/* Ended threads dead_threads had no room for (the loader reads it through .bss). */
__u64 dead_lost = 0;

/* current's pid_tgid: the arm64/x86 JITs inline current, so no helper call. */
static __always_inline __u64 current_id(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return ((__u64)task->tgid << 32) | (__u32)task->pid;
}

/* A thread gets state: keep its names, so a VM that ended is still named. */
static __always_inline void remember_thread(__u64 id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct kvmstat_thread t = { .tgid = id >> 32 };

	bpf_get_current_comm(t.comm, sizeof(t.comm));
	BPF_CORE_READ_STR_INTO(&t.leader_comm, task, group_leader, comm);
	bpf_map_update_elem(&threads, &id, &t, BPF_ANY);	/* full map: names from /proc only */
}

/* Fresh state for thread id; owner is left alone (zeroing it would free a claimed slot). */
static __always_inline void inflight_init(struct inflight *inf, __u64 id)
{
	remember_thread(id);
	__builtin_memset(&inf->key, 0, sizeof(*inf) - sizeof(inf->owner));
	inf->key.tid = (__u32)id;
	inf->key.vm = id >> 32;
	inf->key.vcpu = KVMSTAT_VCPU_UNKNOWN;
}

static __always_inline struct inflight *direct_slot(__u64 id, __u32 probe)
{
	__u32 idx = ((__u32)id + probe) & targ_direct_mask;

	return bpf_map_lookup_elem(&inflight_slots, &idx);	/* inlined: an array */
}

/* A free slot becomes id's: the CAS settles two new threads racing for it. */
static __always_inline bool slot_claim(struct inflight *inf, __u64 id)
{
	if (inf->owner || __sync_val_compare_and_swap(&inf->owner, 0, id))
		return false;
	inflight_init(inf, id);
	return true;
}

/* A hash entry for a new thread; none left: the thread is past --max-threads. */
static __always_inline struct inflight *hash_new(__u64 id)
{
	struct inflight *inf = NULL;

	if (!bpf_map_update_elem(&inflight_hash, &id, &zero_inflight, BPF_NOEXIST))
		inf = bpf_map_lookup_elem(&inflight_hash, &id);
	if (!inf) {
		count_drop(KVMSTAT_DROP_THREADS_FULL);
		return NULL;
	}
	inf->owner = id;
	inflight_init(inf, id);
	return inf;
}

/* Shipped: the direct slot if the thread owns or can claim it, else the hash. */
static __always_inline struct inflight *overflow_of(__u64 id)
{
	struct inflight *direct = direct_slot(id, 0), *inf;

	if (direct && direct->owner == id)
		return direct;
	inf = bpf_map_lookup_elem(&inflight_hash, &id);
	if (inf)
		return inf;	/* its direct slot was a live thread's when it came */
	if (direct && slot_claim(direct, id))
		return direct;
	return hash_new(id);
}

/* The old store: a colliding thread takes the slot over and the pending exit is lost. */
static __always_inline struct inflight *direct_of(__u64 id)
{
	struct inflight *inf = direct_slot(id, 0);

	if (!inf || inf->owner == id)
		return inf;
	if (inf->owner && inf->pending && !inf->counted)
		count_drop(KVMSTAT_DROP_INFLIGHT);
	inf->owner = id;
	inflight_init(inf, id);
	return inf;
}

/* Open addressing: the thread's slot among KVMSTAT_PROBES from its home, else a free one. */
static __always_inline struct inflight *probe_of(__u64 id)
{
	struct inflight *inf;
	__u32 i;

#pragma unroll
	for (i = 0; i < KVMSTAT_PROBES; i++) {
		inf = direct_slot(id, i);
		if (inf && inf->owner == id)
			return inf;
	}
#pragma unroll
	for (i = 0; i < KVMSTAT_PROBES; i++) {
		inf = direct_slot(id, i);
		if (inf && slot_claim(inf, id))
			return inf;
	}
	count_drop(KVMSTAT_DROP_THREADS_FULL);
	return NULL;
}

static __always_inline struct inflight *hash_of(__u64 id)
{
	struct inflight *inf = bpf_map_lookup_elem(&inflight_hash, &id);

	return inf ? inf : hash_new(id);
}

/* Task storage is current's: id is only its pid_tgid. */
static __always_inline struct inflight *task_of(__u64 id)
{
	struct inflight *inf = bpf_task_storage_get(&inflight_task, bpf_get_current_task_btf(), 0,
						    BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!inf) {
		count_drop(KVMSTAT_DROP_THREADS_FULL);
		return NULL;
	}
	if (inf->owner != id) {	/* new: created zeroed */
		inf->owner = id;
		inflight_init(inf, id);
	}
	return inf;
}

/* State of thread id (pid_tgid), created on first use; NULL: counted as a drop. */
static __always_inline struct inflight *inflight_of(__u64 id)
{
	/* rodata: the verifier keeps only the store in use */
	if (targ_inflight_store == KVMSTAT_STORE_OVERFLOW)
		return overflow_of(id);
	if (targ_inflight_store == KVMSTAT_STORE_DIRECT)
		return direct_of(id);
	if (targ_inflight_store == KVMSTAT_STORE_PROBE)
		return probe_of(id);
	if (targ_inflight_store == KVMSTAT_STORE_HASH)
		return hash_of(id);
	return task_of(id);
}

/* Frees an array slot the thread owns: xchg orders its last writes before the next owner's. */
static __always_inline bool slot_release(__u64 id, __u32 probe)
{
	struct inflight *inf = direct_slot(id, probe);

	if (!inf || inf->owner != id)
		return false;
	__sync_lock_test_and_set(&inf->owner, 0);
	return true;
}

/* The ending thread's state back to its store; true if it had some. */
static __always_inline bool inflight_release(__u64 id)
{
	__u32 i;

	if (targ_inflight_store == KVMSTAT_STORE_TASK)
		return !bpf_task_storage_delete(&inflight_task, bpf_get_current_task_btf());
	if (targ_inflight_store == KVMSTAT_STORE_HASH)
		return !bpf_map_delete_elem(&inflight_hash, &id);
	if (targ_inflight_store == KVMSTAT_STORE_PROBE) {
#pragma unroll
		for (i = 0; i < KVMSTAT_PROBES; i++)
			if (slot_release(id, i))
				return true;
		return false;
	}
	if (slot_release(id, 0))
		return true;
	return targ_inflight_store == KVMSTAT_STORE_OVERFLOW &&
	       !bpf_map_delete_elem(&inflight_hash, &id);
}

/*
 * A thread ends (every thread of the host passes here, once): only one that had
 * state does more, it frees its slot and is reported to the loader. No event of
 * the thread can follow: its tid is freed only after this.
 */
static __always_inline int handle_thread_exit(__u64 id)
{
	if (!inflight_release(id))
		return 0;
	if (bpf_map_push_elem(&dead_threads, &id, 0))
		__sync_fetch_and_add(&dead_lost, 1);
	return 0;
}

#endif /* KVMSTAT_INFLIGHT_BPF_H */
