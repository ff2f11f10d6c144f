/* SPDX-License-Identifier: GPL-2.0 */
/* The shipped BPF object with only its raw_tp test entry points to load (BPF_PROG_TEST_RUN). */
#ifndef KVMSTAT_TEST_OBJECT_H
#define KVMSTAT_TEST_OBJECT_H

#include <string.h>
#include <bpf/libbpf.h>
#include "../../bpf/kvmstat.h"
#include "kvmstat.skel.h"

/* Opened, not loaded: the caller sets rodata and map sizes, then loads. NULL on failure. */
static inline struct kvmstat_bpf *open_test_object(void)
{
	struct kvmstat_bpf *skel = kvmstat_bpf__open();
	struct bpf_program *prog;

	if (!skel)
		return NULL;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, !strncmp(bpf_program__name(prog), "test_", 5));
	return skel;
}

/* Published stats slots: stats_used, clamped to the arrays' size. */
static inline __u32 test_stats_used(struct kvmstat_bpf *skel)
{
	__u32 used = skel->bss->stats_used, max = bpf_map__max_entries(skel->maps.stats);

	return used < max ? used : max;
}

/*
 * The value of key, found the way the loader finds it: by scanning the published
 * keys (stats_keys) in slot order, not through the BPF-side index. Returns the
 * slot, or -1 when the key is not published or appears twice (a key has one slot).
 */
static inline int test_stats_lookup(struct kvmstat_bpf *skel, const struct kvmstat_key *key,
				    void *value, size_t value_size)
{
	__u32 slot, used = test_stats_used(skel);
	struct kvmstat_key k;
	int found = -1;

	for (slot = 0; slot < used; slot++) {
		if (bpf_map__lookup_elem(skel->maps.stats_keys, &slot, sizeof(slot), &k, sizeof(k), 0))
			return -1;
		if (memcmp(&k, key, sizeof(k)))
			continue;
		if (found >= 0)
			return -1;
		found = slot;
	}
	if (found < 0 || bpf_map__lookup_elem(skel->maps.stats, &found, sizeof(__u32), value,
					      value_size, 0))
		return -1;
	return found;
}

#endif /* KVMSTAT_TEST_OBJECT_H */
