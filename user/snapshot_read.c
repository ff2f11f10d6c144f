// SPDX-License-Identifier: GPL-2.0
/* Reading the kernel's maps into a snapshot: batch lookups, one-by-one fallback. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "snapshot.h"

#define BATCH 256

struct map_shape {
	int fd;
	unsigned int ncpus;	/* value copies per key: possible CPUs for per-CPU maps, else 1 */
	size_t value_size;	/* bytes per copy: exits and the enabled spans */
	__u32 spans;
};

static int shape_of(int fd, struct map_shape *shape, __u32 *max_entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int n;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	shape->fd = fd;
	shape->ncpus = 1;
	shape->value_size = info.value_size;
	*max_entries = info.max_entries;
	if (info.value_size != kvmstat_value_size(__builtin_popcount(shape->spans)))
		return -EINVAL;	/* not the layout the spans say */
	if (info.type == BPF_MAP_TYPE_PERCPU_HASH || info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		n = libbpf_num_possible_cpus();
		if (n <= 0)
			return n ? n : -EINVAL;
		shape->ncpus = n;
	}
	return 0;
}

/* A map value (exits, then the enabled spans in order) as a full kvmstat_value. */
static void expand_value(const void *raw, __u32 spans, struct kvmstat_value *v)
{
	const struct kvmstat_value *packed = raw;	/* same prefix layout */
	int s, i = 0;

	memset(v, 0, sizeof(*v));
	v->exits = packed->exits;
	for (s = 0; s < KVMSTAT_NR_SPANS; s++)
		if (spans & (1U << s))
			v->span[s] = packed->span[i++];
}

/* Adds a key's value (summed over CPUs for per-CPU maps) to the snapshot. */
static int add_value(struct snapshot *s, const struct kvmstat_key *key, const char *vals,
		     const struct map_shape *m)
{
	struct kvmstat_value v;
	struct sample *smp;
	unsigned int c;

	expand_value(vals, m->spans, &v);
	smp = snapshot_add(s, key, &v);
	if (!smp)
		return -ENOMEM;
	for (c = 1; c < m->ncpus; c++) {
		expand_value(vals + (size_t)c * m->value_size, m->spans, &v);
		value_merge(&smp->val, &v);
	}
	return 0;
}

static int read_batched(const struct map_shape *m, struct snapshot *s)
{
	struct kvmstat_key *keys = calloc(BATCH, sizeof(*keys));
	char *vals = calloc((size_t)BATCH * m->ncpus, m->value_size);
	struct kvmstat_key in, out;
	void *in_p = NULL;
	__u32 count, i;
	int err = 0;
	bool done = false;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (!done) {
		count = BATCH;
		err = bpf_map_lookup_batch(m->fd, in_p, &out, keys, vals, &count, NULL);
		if (err) {
			err = -errno;
			if (err != -ENOENT)
				goto cleanup;
			done = true;	/* last batch, count holds what it returned */
			err = 0;
		}
		for (i = 0; i < count && !err; i++)
			err = add_value(s, &keys[i], vals + (size_t)i * m->ncpus * m->value_size, m);
		if (err)
			goto cleanup;
		in = out;
		in_p = &in;
	}
cleanup:
	free(keys);
	free(vals);
	return err;
}

static int read_one_by_one(const struct map_shape *m, struct snapshot *s)
{
	char *vals = calloc(m->ncpus, m->value_size);
	struct kvmstat_key key, next, *prev = NULL;
	int err = 0;

	if (!vals)
		return -ENOMEM;
	while (!bpf_map_get_next_key(m->fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->fd, &key, vals))
			continue;	/* deleted meanwhile */
		err = add_value(s, &key, vals, m);
		if (err)
			break;
	}
	free(vals);
	return err;
}

static int read_drops(int fd, struct snapshot *s)
{
	int n = libbpf_num_possible_cpus();
	__u64 *per_cpu;
	__u32 i;
	int c;

	if (n <= 0)
		return n ? n : -EINVAL;
	per_cpu = calloc(n, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	for (i = 0; i < KVMSTAT_NR_DROPS; i++) {
		s->drops[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, per_cpu))
			continue;
		for (c = 0; c < n; c++)
			s->drops[i] += per_cpu[c];
	}
	free(per_cpu);
	return 0;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int snapshot_read(int stats_fd, int drops_fd, __u32 spans, struct snapshot *s)
{
	struct map_shape m = { .spans = spans };
	size_t before = s->nr;
	__u32 max_entries = 0;
	int err;

	s->end_mono_ns = mono_ns();
	clock_gettime(CLOCK_REALTIME, &s->end_wall);
	err = shape_of(stats_fd, &m, &max_entries);
	if (!err)	/* one allocation: growing by copies would move every ~2 KiB sample */
		err = snapshot_reserve(s, before + max_entries);
	if (err)
		return err;
	err = read_batched(&m, s);
	if (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP) {
		s->nr = before;	/* kernel without batch ops for this map */
		err = read_one_by_one(&m, s);
	}
	if (err)
		return err;
	/* Sorted by key: snapshot_delta() looks keys up by bisection. */
	err = snapshot_sort_by_key(s);
	return err ? err : read_drops(drops_fd, s);
}
