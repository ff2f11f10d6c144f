/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stats_source in plain memory for the unit tests, written as the BPF side does: the
 * stats arrays, the drops, the ended threads' queue and the slots given back. The includer
 * defines SLOTS (the arrays' size) first.
 */
#ifndef KVMSTAT_TEST_FAKE_SOURCE_H
#define KVMSTAT_TEST_FAKE_SOURCE_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "loader/stats_reader.h"

struct fake {
	struct stats_source src;	/* first: the callbacks find the fake from it */
	struct kvmstat_key keys[SLOTS];
	__u32 used;
	__u64 drops[KVMSTAT_NR_DROPS];
	char *values;
	__u64 ended[SLOTS];		/* threads ended since the last read */
	int nr_ended;
	__u32 freed[SLOTS];		/* slots given back, in order */
	int nr_freed;
};

static int fake_read_drops(const struct stats_source *src, __u64 drops[KVMSTAT_NR_DROPS])
{
	memcpy(drops, ((const struct fake *)src)->drops, sizeof(((struct fake *)0)->drops));
	return 0;
}

static int fake_pop_ended(const struct stats_source *src, __u64 *ids, size_t max)
{
	struct fake *f = (struct fake *)src;
	int n = f->nr_ended < (int)max ? f->nr_ended : (int)max;

	memcpy(ids, f->ended, n * sizeof(*ids));
	memmove(f->ended, f->ended + n, (f->nr_ended - n) * sizeof(*ids));
	f->nr_ended -= n;
	return n;
}

/* As the loader does: the key unpublished, the value zeroed, the slot queued. */
static int fake_free_slot(const struct stats_source *src, __u32 slot, const struct kvmstat_key *key)
{
	struct fake *f = (struct fake *)src;

	if (memcmp(key, &f->keys[slot], sizeof(*key)))
		return -EINVAL;
	memset(&f->keys[slot], 0, sizeof(*key));
	memset(f->values + slot * f->src.stride, 0, f->src.stride);
	f->freed[f->nr_freed++] = slot;
	return 0;
}

static void fake_init(struct fake *f, __u32 spans)
{
	memset(f, 0, sizeof(*f));
	f->src.stride = kvmstat_value_size(__builtin_popcount(spans));	/* a multiple of 8 */
	f->values = calloc(SLOTS, f->src.stride);
	f->src.values = f->values;
	f->src.keys = f->keys;
	f->src.used = &f->used;
	f->src.max_keys = SLOTS;
	f->src.spans = spans;
	f->src.read_drops = fake_read_drops;
	f->src.pop_ended = fake_pop_ended;
	f->src.free_slot = fake_free_slot;
}

#endif /* KVMSTAT_TEST_FAKE_SOURCE_H */
