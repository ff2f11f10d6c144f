/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keys of vCPU threads that ended: read a last time from the stats arrays, whose
 * slots then went back to the kernel (kvmstat.h "Stats layout"). Kept here so the
 * run's totals keep them. One by one up to a cap (run --keep-ended); beyond it the
 * oldest are folded into one key per (class, origin) of VM 0, tid 0: totals stay
 * exact, the per-VM and per-thread split of the folded ones is gone. Pure code.
 */
#ifndef KVMSTAT_ENDED_KEYS_H
#define KVMSTAT_ENDED_KEYS_H

#include <stddef.h>
#include <linux/types.h>
#include "bpf/kvmstat.h"

#define ENDED_KEYS_DEFAULT_CAP	16384

struct ended_key {
	struct kvmstat_key key;
	void *base;		/* packed value at the run's first read, NULL if it had none */
};

struct ended_keys {
	__u32 spans;		/* bit per enum kvmstat_span: those a packed value holds */
	size_t value_size;	/* packed: kvmstat_value_size(popcount(spans)) */
	size_t cap;		/* kept one by one; the oldest beyond are folded */
	size_t nr, alloc;
	struct ended_key *keys;	/* oldest first */
	char *finals;		/* packed value of keys[i] when it ended (since load) */
	size_t nr_folded;
	struct ended_key *folded;	/* per (class, flags): vm 0, tid 0, vcpu unknown */
	char *folded_finals;
	__u64 nr_ended;		/* keys that ended, folded or not */
};

void ended_keys_init(struct ended_keys *e, __u32 spans, size_t cap);
void ended_keys_free(struct ended_keys *e);
/* Keeps key's last value (packed; base: its value at the first read, or NULL). 0 or -ENOMEM. */
int ended_keys_add(struct ended_keys *e, const struct kvmstat_key *key, const void *final,
		   const void *base);
/* Kept keys, then folded ones: i < ended_keys_count(). */
size_t ended_keys_count(const struct ended_keys *e);
/* The i-th key, its packed value since load and at the first read (NULL: none). */
const struct kvmstat_key *ended_keys_get(const struct ended_keys *e, size_t i, const void **final,
					 const void **base);

#endif /* KVMSTAT_ENDED_KEYS_H */
