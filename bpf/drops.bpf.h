/* SPDX-License-Identifier: GPL-2.0 */
/* Loss counters (enum kvmstat_drop): per CPU, so counting needs no atomics. */
#ifndef KVMSTAT_DROPS_BPF_H
#define KVMSTAT_DROPS_BPF_H

#include "kvmstat.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KVMSTAT_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(enum kvmstat_drop what)
{
	__u32 idx = what;
	__u64 *cnt = bpf_map_lookup_elem(&drops, &idx);

	if (cnt)
		(*cnt)++;	/* per-CPU slot: no other writer */
}

#endif /* KVMSTAT_DROPS_BPF_H */
