// SPDX-License-Identifier: GPL-2.0
/*
 * Loader cost at scale and kernel memory: populate the real stats map with N keys
 * through the map API, then time what `run` does every interval: snapshot (batch
 * reads) + delta + decode/group/sort + render the table and a JSON line. Prints
 * Markdown tables. Needs root (loads the BPF object on this kernel).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../bpf/kvmstat.h"
#include "kvmstat.skel.h"
#include "../tests/bpf/test_object.h"
#include "../user/loader.h"
#include "../user/render.h"
#include "../user/snapshot.h"

#define ITERATIONS 7
#define CLASSES_PER_VCPU 8

static const __u64 arm64_classes[CLASSES_PER_VCPU] = {
	KVMSTAT_ARM64_CLASS(2, 0x24), KVMSTAT_ARM64_CLASS(2, 0x16), KVMSTAT_ARM64_CLASS(2, 0x18),
	KVMSTAT_ARM64_CLASS(2, 0x01), KVMSTAT_ARM64_CLASS(0, 0), KVMSTAT_ARM64_CLASS(2, 0x20),
	KVMSTAT_ARM64_CLASS(2, 0x17), KVMSTAT_ARM64_CLASS(2, 0x07),
};

static double now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Key i: 8 classes per vCPU thread, 64 vCPUs per VM. */
static void fake_sample(unsigned int i, unsigned int round, struct kvmstat_key *k, struct kvmstat_value *v)
{
	unsigned int t = i / CLASSES_PER_VCPU;

	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	k->class = arm64_classes[i % CLASSES_PER_VCPU];
	k->vm = 5000000 + t / 64;	/* above pid_max: no /proc entry, like a VM that is gone */
	k->vcpu = t % 64;
	k->tid = 6000000 + t;
	v->exits = 1000 * round + i;
	v->span[KVMSTAT_SPAN_HANDLING].count = v->exits;
	v->span[KVMSTAT_SPAN_HANDLING].sum_ns = v->exits * 5000;
	v->span[KVMSTAT_SPAN_HANDLING].min_ns = 900;
	v->span[KVMSTAT_SPAN_HANDLING].max_ns = 90000;
	v->span[KVMSTAT_SPAN_HANDLING].hist[40] = v->exits / 2;
	v->span[KVMSTAT_SPAN_HANDLING].hist[50] = v->exits - v->exits / 2;
}

static int populate(int fd, unsigned int n, unsigned int round)
{
	struct kvmstat_key k;
	struct kvmstat_value v;
	unsigned int i;

	for (i = 0; i < n; i++) {
		fake_sample(i, round, &k, &v);
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			return -1;
	}
	return 0;
}

/* What run does per interval; returns wall ms. */
static double one_interval(struct loader *l, struct snapshot *prev, struct snapshot *cur, FILE *sink)
{
	struct table_opts t = { .by = GROUP_CLASS, .span = KVMSTAT_SPAN_HANDLING };
	struct json_meta m = { .type = "interval", .host = "bench", .kernel = "bench",
			       .vcpu_source = "bench", .spans = 1, .by = GROUP_VCPU };
	struct snapshot delta, view;
	double t0 = now_ms(CLOCK_MONOTONIC);

	snapshot_clear(cur, KVMSTAT_ARCH_ARM64);
	snapshot_read(l->stats_fd, l->drops_fd, 1, cur);
	snapshot_delta(prev, cur, &delta);
	snapshot_group(&delta, GROUP_CLASS, &view);
	snapshot_sort(&view, GROUP_CLASS, SORT_COUNT, KVMSTAT_SPAN_HANDLING);
	render_table(sink, &view, &t);
	render_json(sink, &delta, &m);
	snapshot_free(&view);
	snapshot_free(&delta);
	snapshot_swap(prev, cur);	/* as run does: buffers reused */
	return now_ms(CLOCK_MONOTONIC) - t0;
}

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static unsigned long long map_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static int bench_keys(unsigned int n, FILE *sink, double *per_snapshot, double *cpu_per_snapshot,
		      unsigned long long *memlock)
{
	struct loader_opts o = { .arch = KVMSTAT_ARCH_ARM64, .spans = 1, .max_keys = n };
	double wall[ITERATIONS], cpu = 0, c0;
	struct snapshot prev, cur;
	struct loader l;
	int i;

	/* arm64 programs are not loadable here: load the object's test programs only. */
	memset(&l, 0, sizeof(l));
	l.skel = open_test_object();
	if (!l.skel)
		return -1;
	bpf_map__set_max_entries(l.skel->maps.stats, o.max_keys);
	/* as the loader sizes it for the default span (handling only) */
	bpf_map__set_value_size(l.skel->maps.stats, kvmstat_value_size(1));
	if (kvmstat_bpf__load(l.skel))
		return -1;
	l.stats_fd = bpf_map__fd(l.skel->maps.stats);
	l.drops_fd = bpf_map__fd(l.skel->maps.drops);
	if (populate(l.stats_fd, n, 1))
		return -1;
	*memlock = map_memlock(l.stats_fd);
	snapshot_init(&prev, KVMSTAT_ARCH_ARM64);
	snapshot_init(&cur, KVMSTAT_ARCH_ARM64);
	snapshot_read(l.stats_fd, l.drops_fd, 1, &prev);
	for (i = 0; i < ITERATIONS; i++) {
		populate(l.stats_fd, n / 10, 2 + i);	/* a tenth of the keys changed */
		c0 = cpu_ms();
		wall[i] = one_interval(&l, &prev, &cur, sink);
		cpu += cpu_ms() - c0;
	}
	*cpu_per_snapshot = cpu / ITERATIONS;
	qsort(wall, ITERATIONS, sizeof(wall[0]), cmp_double);
	*per_snapshot = wall[ITERATIONS / 2];
	snapshot_free(&prev);
	snapshot_free(&cur);
	kvmstat_bpf__destroy(l.skel);
	return 0;
}

int main(void)
{
	static const unsigned int sizes[] = { 1000, 10000, 100000 };
	FILE *sink = fopen("/dev/null", "w");
	unsigned long long mem[3];
	double ms[3], cpu[3];
	int i;

	libbpf_set_print(NULL);
	for (i = 0; i < 3; i++) {
		if (bench_keys(sizes[i], sink, &ms[i], &cpu[i], &mem[i])) {
			fprintf(stderr, "loader-bench: failed to set up %u keys\n", sizes[i]);
			return 1;
		}
	}
	printf("One interval of `run` (batch snapshot of the whole map, delta, group, sort, table and\n"
	       "a per-vCPU JSON line to /dev/null), median of %d, a tenth of the keys changed each time:\n\n",
	       ITERATIONS);
	printf("| populated keys | ms per interval | kernel memory of the stats map (fdinfo memlock) |\n");
	printf("|---|---|---|\n");
	for (i = 0; i < 3; i++)
		printf("| %u | %.2f | %.1f MiB (%llu B/key) |\n", sizes[i], ms[i], mem[i] / 1048576.0,
		       mem[i] / sizes[i]);
	/* At -i 1 an interval's CPU time is spent once per second. */
	printf("\nCPU of `run -i 1` with 1k keys: %.3f%% of one core (%.2f ms CPU per interval).\n",
	       cpu[0] / 1000.0 * 100.0, cpu[0]);
	{
		struct loader_opts o = { .spans = 1, .max_keys = 16384 };
		struct loader_opts big = { .spans = 1, .max_keys = 4096 * CLASSES_PER_VCPU };

		printf("\nKernel memory bound, 256 possible CPUs: default --max-keys 16384: %.1f MiB; "
		       "4096 vCPUs x %d classes (--max-keys %u): %.1f MiB (value %zu B with the default span, key %zu B).\n",
		       loader_map_memory(&o, 256, 4096) / 1048576.0, CLASSES_PER_VCPU, big.max_keys,
		       loader_map_memory(&big, 256, 4096) / 1048576.0, kvmstat_value_size(1),
		       sizeof(struct kvmstat_key));
	}
	fclose(sink);
	return 0;
}
