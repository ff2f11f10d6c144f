/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slow-exit recorder (`run --slow`): at kvm_entry, an exit whose handling time
 * reached its class's threshold goes to user space as one struct kvmstat_slow in a
 * ring buffer. A token bucket per CPU limits the records; one it refuses is counted
 * as suppressed, one the ring buffer has no room for as lost (drops).
 * Everything here is under the targ_slow_ns rodata switch: 0, the verifier drops it.
 */
#ifndef KVMSTAT_SLOW_BPF_H
#define KVMSTAT_SLOW_BPF_H

#include "kvmstat.h"
#include "drops.bpf.h"

#define NSEC_PER_SEC 1000000000ULL

/* Set by the loader before load. */
const volatile __u64 targ_slow_ns = 0;		/* default threshold; 0: no recorder */
const volatile bool targ_slow_per_class = false;	/* slow_thresholds holds some classes' */
const volatile __u64 targ_slow_rate = KVMSTAT_SLOW_RATE_DEFAULT;	/* records/s per CPU */
const volatile __u64 targ_slow_burst = KVMSTAT_SLOW_BURST_DEFAULT;

/* class -> threshold ns, for the classes given their own (--slow ...,CLASS=T); sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u64);
} slow_thresholds SEC(".maps");

/* The records; the loader sizes it (4 KiB when there is no recorder). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} slow_records SEC(".maps");

/* Per CPU: credit in record-nanoseconds (a record costs NSEC_PER_SEC), and when it grew. */
struct slow_bucket {
	__u64 credit;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slow_bucket);
} slow_buckets SEC(".maps");

static __always_inline __u64 slow_threshold(__u64 class)
{
	__u64 *ns;

	if (!targ_slow_per_class)
		return targ_slow_ns;
	ns = bpf_map_lookup_elem(&slow_thresholds, &class);
	return ns ? *ns : targ_slow_ns;
}

/* A token for one record: credit grows by targ_slow_rate per second up to the burst. */
static __always_inline bool slow_token(__u64 now)
{
	__u32 zero = 0;
	struct slow_bucket *b = bpf_map_lookup_elem(&slow_buckets, &zero);
	__u64 cap = targ_slow_burst * NSEC_PER_SEC, credit, gap;

	if (!b)
		return false;
	gap = now - b->last_ns;
	/* a long gap fills the bucket (and gap * rate could overflow) */
	credit = !b->last_ns || gap >= cap / targ_slow_rate ? cap : b->credit + gap * targ_slow_rate;
	b->last_ns = now;
	if (credit > cap)
		credit = cap;
	if (credit < NSEC_PER_SEC) {
		b->credit = credit;
		return false;
	}
	b->credit = credit - NSEC_PER_SEC;
	return true;
}

/*
 * The exit of key (as it was before accounting) was handled in handling_ns: record
 * it when that reached its class's threshold and a token is left.
 */
static __always_inline void slow_check(const struct kvmstat_key *key, __u64 exit_ts,
				       __u64 handling_ns, __u64 guest_ns, __u64 pc, __u32 cpu,
				       __u64 now)
{
	struct kvmstat_slow *r;

	if (handling_ns < slow_threshold(key->class))
		return;
	if (!slow_token(now)) {
		count_drop(KVMSTAT_DROP_SLOW_SUPPRESSED);
		return;
	}
	r = bpf_ringbuf_reserve(&slow_records, sizeof(*r), 0);
	if (!r) {
		count_drop(KVMSTAT_DROP_SLOW_LOST);
		return;
	}
	r->ts = exit_ts;
	r->class = key->class;
	r->detail = key->detail;
	r->pc = pc;
	r->handling_ns = handling_ns;
	r->guest_ns = guest_ns;
	r->vm = key->vm;
	r->vcpu = key->vcpu;
	r->tid = key->tid;
	r->cpu = cpu;
	r->flags = key->flags;
	r->pad = 0;
	bpf_ringbuf_submit(r, 0);
}

#endif /* KVMSTAT_SLOW_BPF_H */
