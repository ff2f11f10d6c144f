// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "cli/name_sweep.h"
#include "host/proc_names.h"

struct name_ids {
	__u64 *ids;	/* pid << 32 | tid, and pid << 32 for the VM's names; sorted */
	size_t nr, cap;
};

static int push(struct name_ids *s, __u32 pid, __u32 tid)
{
	if (s->nr + 2 > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		__u64 *n = realloc(s->ids, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->ids = n;
		s->cap = cap;
	}
	s->ids[s->nr++] = (__u64)pid << 32 | tid;
	s->ids[s->nr++] = (__u64)pid << 32;
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static bool keep_name(void *ctx, __u32 pid, __u32 tid)
{
	const struct name_ids *s = ctx;
	__u64 id = (__u64)pid << 32 | tid;

	return s->nr && bsearch(&id, s->ids, s->nr, sizeof(id), id_cmp);	/* no NULL base */
}

static int collect(const struct stats_reader *r, struct name_ids *s)
{
	const struct kvmstat_key *k;
	const void *final, *base;
	size_t i;
	int err = 0;

	for (i = 0; !err && i < r->nr_slots && i < r->src->max_keys; i++)
		if (r->src->keys[i].tid)
			err = push(s, r->src->keys[i].vm, r->src->keys[i].tid);
	for (i = 0; !err && i < r->interval.nr; i++)	/* also of threads folded in this read */
		err = push(s, r->interval.samples[i].key.vm, r->interval.samples[i].key.tid);
	for (i = 0; !err && i < ended_keys_count(&r->ended); i++) {
		k = ended_keys_get(&r->ended, i, &final, &base);
		err = push(s, k->vm, k->tid);
	}
	return err;
}

int name_sweep(const struct stats_reader *r, size_t *kept)
{
	struct name_ids s = {};
	int err;

	if (names_cache_size() < 2 * *kept + NAME_SWEEP_SLACK)
		return 0;
	err = collect(r, &s);
	if (!err) {
		if (s.nr)
			qsort(s.ids, s.nr, sizeof(*s.ids), id_cmp);
		names_cache_sweep(keep_name, &s);
		*kept = names_cache_size();
	}
	free(s.ids);
	return err;
}
