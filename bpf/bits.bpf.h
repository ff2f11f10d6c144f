/* SPDX-License-Identifier: GPL-2.0 */
/* Branch-free log2 and histogram slot, run on every guest exit. */
#ifndef KVMSTAT_BITS_BPF_H
#define KVMSTAT_BITS_BPF_H

#include "kvmstat.h"

/* floor(log2(v)) for v > 0, without loops (after bcc's libbpf-tools/bits.bpf.h). */
static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32(v);
}

/* Histogram bucket of a duration: see KVMSTAT_HIST_* in kvmstat.h. */
static __always_inline __u32 hist_slot(__u64 ns)
{
	__u32 k, slot;

	if (ns < KVMSTAT_HIST_SUB)
		return ns;
	k = log2_u64(ns);
	slot = ((k - 1) << KVMSTAT_HIST_SUB_BITS) |
	       ((ns >> (k - KVMSTAT_HIST_SUB_BITS)) & (KVMSTAT_HIST_SUB - 1));
	return slot < KVMSTAT_HIST_BUCKETS ? slot : KVMSTAT_HIST_BUCKETS - 1;
}

#endif /* KVMSTAT_BITS_BPF_H */
