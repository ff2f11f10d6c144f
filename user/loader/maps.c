// SPDX-License-Identifier: GPL-2.0
/* The loaded object's maps as user space sees them: the mmap-ed stats arrays, the per-CPU
 * loss counters, and what the maps cost the kernel (its own accounting, and the bound). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kvmstat.skel.h"
#include "loader/ended_threads.h"
#include "loader/loader.h"

/* The kernel's own accounting of a map's memory (fdinfo "memlock:"), 0 if unknown. */
unsigned long long loader_map_memlock(int fd)
{
	unsigned long long v = 0;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* The loss counters, summed over CPUs (a per-CPU array: not mmap-able). */
static int read_drops(const struct stats_source *src, __u64 drops[KVMSTAT_NR_DROPS])
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
		drops[i] = 0;
		if (bpf_map_lookup_elem(src->drops_fd, &i, per_cpu))
			continue;
		for (c = 0; c < n; c++)
			drops[i] += per_cpu[c];
	}
	free(per_cpu);
	return 0;
}

/* An array's element size: the kernel stores its values 8-byte aligned. */
static size_t array_stride(const struct bpf_map *map)
{
	return (bpf_map__value_size(map) + 7) & ~(size_t)7;
}

/* An mmap-able array's elements, read-only; *len: the page-rounded length mapped. */
static const void *map_array(const struct bpf_map *map, size_t *len)
{
	size_t page = sysconf(_SC_PAGESIZE);
	void *p;

	*len = ((size_t)bpf_map__max_entries(map) * array_stride(map) + page - 1) & ~(page - 1);
	p = mmap(NULL, *len, PROT_READ, MAP_SHARED, bpf_map__fd(map), 0);
	return p == MAP_FAILED ? NULL : p;
}

int stats_source_map(struct stats_source *src, struct kvmstat_bpf *skel, __u32 spans)
{
	struct ended_threads *ended;

	memset(src, 0, sizeof(*src));
	src->values = map_array(skel->maps.stats, &src->values_len);
	src->keys = src->values ? map_array(skel->maps.stats_keys, &src->keys_len) : NULL;
	if (!src->keys) {
		int err = -errno;

		stats_source_unmap(src);
		return err;
	}
	src->used = &skel->bss->stats_used;
	src->max_keys = bpf_map__max_entries(skel->maps.stats);
	src->stride = array_stride(skel->maps.stats);
	src->spans = spans;
	src->read_drops = read_drops;
	src->drops_fd = bpf_map__fd(skel->maps.drops);
	/* ended threads: their names kept, their map entries and slots freed */
	ended = malloc(sizeof(*ended));
	if (!ended || ended_threads_open(ended, skel, src)) {
		free(ended);
		stats_source_unmap(src);
		return -ENOMEM;
	}
	return 0;
}

void stats_source_unmap(struct stats_source *src)
{
	if (src->values)
		munmap((void *)src->values, src->values_len);
	if (src->keys)
		munmap((void *)src->keys, src->keys_len);
	if (src->ctx) {
		ended_threads_close(src->ctx);
		free(src->ctx);
	}
	memset(src, 0, sizeof(*src));
}

/* Rough per-element overheads of the kernel's hash and local-storage maps. */
#define HTAB_ELEM_OVERHEAD	48	/* struct htab_elem */
#define HTAB_BUCKET		16	/* per bucket; a hash has roundup_pow_of_two(entries) */
#define TASK_STORAGE_OVERHEAD	96
#define MAP_PAGE		4096	/* an mmap-able array's page rounding, a small map's floor */
#define ROUND8(x)		(((x) + 7) & ~7ULL)

static __u64 pow2_at_least(__u64 n)
{
	__u64 p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* A preallocated hash: an element per entry and per possible CPU (the kernel's spares), buckets. */
static __u64 hash_memory(__u64 entries, size_t key, size_t value, unsigned int ncpus)
{
	return (entries + ncpus) * (HTAB_ELEM_OVERHEAD + ROUND8(key) + ROUND8(value)) +
	       pow2_at_least(entries) * HTAB_BUCKET;
}

/* An mmap-able array: page rounded, plus a page. */
static __u64 mmap_array_memory(__u64 entries, size_t value)
{
	return (entries * ROUND8(value) + MAP_PAGE - 1) / MAP_PAGE * MAP_PAGE + MAP_PAGE;
}

/* The store's maps; task storage grows with the threads that have state (nthreads). */
static __u64 inflight_memory(const struct loader_opts *o, unsigned int ncpus, unsigned int nthreads)
{
	__u64 array = (__u64)loader_direct_slots(o->max_threads) * KVMSTAT_INFLIGHT_SIZE + MAP_PAGE;
	__u64 hash = hash_memory(loader_max_threads(o), sizeof(__u64), KVMSTAT_INFLIGHT_SIZE, ncpus);
	__u64 one_hash = hash_memory(1, sizeof(__u64), KVMSTAT_INFLIGHT_SIZE, ncpus);
	__u64 one_slot = KVMSTAT_INFLIGHT_SIZE + MAP_PAGE;

	switch (o->store) {
	case KVMSTAT_STORE_OVERFLOW:
		return array + hash;
	case KVMSTAT_STORE_HASH:
		return one_slot + hash;
	case KVMSTAT_STORE_TASK:
		return one_slot + one_hash + (__u64)nthreads * (KVMSTAT_INFLIGHT_SIZE + TASK_STORAGE_OVERHEAD);
	default:	/* direct, probe: the array alone */
		return array + one_hash;
	}
}

/* --detail's bound and --slow's maps (one-entry maps and a page of ring buffer without them). */
static __u64 detail_slow_memory(const struct loader_opts *o, unsigned int ncpus)
{
	__u64 max = o->detail_max ? o->detail_max : KVMSTAT_DETAIL_MAX_DEFAULT;
	__u64 seen = hash_memory(o->detail ? max * KVMSTAT_DETAIL_CLASSES : 1, 16, 1, ncpus);
	__u64 classes = hash_memory(o->detail ? KVMSTAT_DETAIL_CLASSES : 1, 8, 4, ncpus);
	__u64 thresholds = hash_memory(o->nr_slow_classes ? o->nr_slow_classes : 1, 8, 8, ncpus);
	/* ring buffer: its data and a few pages of header (the kernel maps the data twice) */
	__u64 records = (o->slow_ns ? KVMSTAT_SLOW_RB_DEFAULT : MAP_PAGE) + 4 * MAP_PAGE;
	__u64 buckets = 16ULL * ncpus + MAP_PAGE;

	return seen + classes + thresholds + records + buckets;
}

__u64 loader_map_memory(const struct loader_opts *o, unsigned int ncpus, unsigned int nthreads)
{
	size_t value = kvmstat_value_size(__builtin_popcount(o->spans));
	size_t key = sizeof(struct kvmstat_key);
	__u64 stats = mmap_array_memory(o->max_keys, value) + mmap_array_memory(o->max_keys, key) +
		      hash_memory(o->max_keys, key, sizeof(__u32), ncpus) +
		      ((__u64)o->max_keys + 1) * sizeof(__u32) + MAP_PAGE;	/* free_slots */
	__u64 drops = (__u64)KVMSTAT_NR_DROPS * 8 * ncpus + MAP_PAGE;
	__u64 max_threads = loader_max_threads(o);
	__u64 threads = hash_memory(2 * max_threads, sizeof(__u64), sizeof(struct kvmstat_thread), ncpus);
	__u64 dead = (max_threads + 1) * sizeof(__u64) + MAP_PAGE;	/* queue: one spare slot */
	__u64 inflight = inflight_memory(o, ncpus, nthreads);
	__u64 globals = 2 * mmap_array_memory(1, MAP_PAGE);	/* .rodata and .bss, a page each */

	return stats + drops + threads + dead + inflight + globals + detail_slow_memory(o, ncpus);
}
