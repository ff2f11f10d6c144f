/* SPDX-License-Identifier: GPL-2.0 */
/* Hand-written samples for the unit tests of the model and the renderers. */
#ifndef KVMSTAT_TEST_FIXTURES_H
#define KVMSTAT_TEST_FIXTURES_H

#include "model/hist.h"
#include "model/snapshot.h"

#define DABT_LOW KVMSTAT_ARM64_CLASS(2, 0x24)
#define HVC64 KVMSTAT_ARM64_CLASS(2, 0x16)
#define IRQ KVMSTAT_ARM64_CLASS(0, 0)
#define SYS64 KVMSTAT_ARM64_CLASS(2, 0x18)

/* A sample of exits exits, each timed (handling span) at ns_each. */
static inline void add(struct snapshot *s, __u32 vm, __u32 vcpu, __u32 tid, __u64 class, __u32 flags,
		__u64 exits, __u64 ns_each)
{
	struct kvmstat_key k = { .class = class, .vm = vm, .vcpu = vcpu, .tid = tid, .flags = flags };
	struct kvmstat_value v = { .exits = exits };
	struct kvmstat_span_stats *sp = &v.span[KVMSTAT_SPAN_HANDLING];

	sp->count = exits;
	sp->sum_ns = exits * ns_each;
	sp->min_ns = sp->max_ns = ns_each;
	sp->hist[hist_bucket_of(ns_each)] = exits;
	snapshot_add(s, &k, &v);
}

/* The same for one second-level key of the class (--detail): flags say key, other or unknown. */
static inline void add_key(struct snapshot *s, __u32 vm, __u32 vcpu, __u32 tid, __u64 class,
			   __u32 flags, __u64 key, __u64 exits, __u64 ns_each)
{
	add(s, vm, vcpu, tid, class, flags, exits, ns_each);
	s->samples[s->nr - 1].key.detail = key;
}

#endif /* KVMSTAT_TEST_FIXTURES_H */
