/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Second-level keys (`run --detail`, encodings in kvmstat.h): what the exit of a
 * class was about. The key is part of the stats key, so it has the attribution,
 * spans and histogram of any key, and one writer. Bounded per class: the first
 * targ_detail_max distinct keys the kernel sees are admitted; an exit with any
 * other key is accounted under the class's "other" key (KVMSTAT_KEY_OTHER).
 * Everything here is under the targ_detail rodata switch: off, the verifier drops it.
 */
#ifndef KVMSTAT_DETAIL_BPF_H
#define KVMSTAT_DETAIL_BPF_H

#include "kvmstat.h"

/* Set by the loader before load. */
const volatile bool targ_detail = false;
const volatile __u32 targ_detail_max = KVMSTAT_DETAIL_MAX_DEFAULT;

struct detail_seen_key {
	__u64 class;
	__u64 detail;
};

/* Admitted (class, key) pairs: the loader sizes it to targ_detail_max x KVMSTAT_DETAIL_CLASSES. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct detail_seen_key);
	__type(value, __u8);
} detail_seen SEC(".maps");

/* class -> keys admitted (or being admitted) for it: the bound, kept under races (sized, too). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u32);
} detail_classes SEC(".maps");

/* The pending exit's key: set at kvm_exit or by the class's own tracepoint after it. */
static __always_inline void detail_set(struct kvmstat_key *key, __u64 detail)
{
	key->detail = detail;
	key->flags |= KVMSTAT_KEY_DETAIL;
}

/*
 * On a slot-cache miss: keep the key if its (class, key) is admitted or can be
 * (the class has fewer than targ_detail_max), else make it the class's "other".
 * Two threads admitting one new key at once both take a number: at worst the
 * class ends with fewer than targ_detail_max keys, never more.
 */
static __always_inline void detail_admit(struct kvmstat_key *key)
{
	struct detail_seen_key seen = { .class = key->class, .detail = key->detail };
	static const __u32 none;
	static const __u8 one = 1;
	__u32 *n;

	if (!(key->flags & KVMSTAT_KEY_DETAIL) || bpf_map_lookup_elem(&detail_seen, &seen))
		return;
	n = bpf_map_lookup_elem(&detail_classes, &key->class);
	if (!n) {
		bpf_map_update_elem(&detail_classes, &key->class, &none, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&detail_classes, &key->class);
	}
	/* checked first: past the bound, n stops growing */
	if (n && *n < targ_detail_max && __sync_fetch_and_add(n, 1) < targ_detail_max) {
		/* EEXIST: another thread admitted it just now, which is as good */
		bpf_map_update_elem(&detail_seen, &seen, &one, BPF_NOEXIST);
		return;
	}
	key->detail = 0;
	key->flags = (key->flags & ~KVMSTAT_KEY_DETAIL) | KVMSTAT_KEY_OTHER;
}

/*
 * A cached slot is the pending key's: the thread's cache holds only its own keys, so
 * class, flags and key decide. Needed with keys because a tag then only hints.
 */
static __always_inline bool key_same_exit(const struct kvmstat_key *a, const struct kvmstat_key *b)
{
	return a->class == b->class && a->flags == b->flags && a->detail == b->detail;
}

#endif /* KVMSTAT_DETAIL_BPF_H */
