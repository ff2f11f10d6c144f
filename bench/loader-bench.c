// SPDX-License-Identifier: GPL-2.0
/*
 * Loader cost at scale and kernel memory: populate the real stats arrays with N
 * keys through the map API, then time what `run` does every interval: read the
 * mapped arrays (only slots whose counts moved are copied and diffed), group,
 * sort, render the table and a JSON line (output_interval, as run calls it).
 * Prints Markdown tables. Needs root (loads the BPF object on this kernel).
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
#include "loader/loader.h"
#include "cli/output.h"
#include "loader/stats_reader.h"

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

/* Keys [from, to) at the given round: slot i holds key i, as the BPF side hands slots out. */
static int populate(struct kvmstat_bpf *skel, unsigned int from, unsigned int to, unsigned int round)
{
	int keys_fd = bpf_map__fd(skel->maps.stats_keys), stats_fd = bpf_map__fd(skel->maps.stats);
	struct kvmstat_key k;
	struct kvmstat_value v;	/* the map takes its first kvmstat_value_size(1) bytes: packed */
	unsigned int i;

	for (i = from; i < to; i++) {
		fake_sample(i, round, &k, &v);
		if (bpf_map_update_elem(stats_fd, &i, &v, BPF_ANY) ||
		    bpf_map_update_elem(keys_fd, &i, &k, BPF_ANY))
			return -1;
	}
	if (skel->bss->stats_used < to)
		skel->bss->stats_used = to;
	return 0;
}

/* What run does per interval: read, then the table and the JSON line; returns wall ms,
 * *read_ms the part spent reading and diffing the arrays. */
static double one_interval(struct stats_reader *r, const struct run_output *out, double *read_ms)
{
	double t0 = now_ms(CLOCK_MONOTONIC);
	int err = stats_reader_update(r);

	*read_ms = now_ms(CLOCK_MONOTONIC) - t0;
	if (err || output_interval(out, r))
		fprintf(stderr, "loader-bench: failed to read or show an interval\n");
	return now_ms(CLOCK_MONOTONIC) - t0;
}

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

struct result {
	double ms_tenth, ms_all;	/* median wall ms per interval */
	double read_tenth, read_all;	/* of which reading and diffing (median) */
	double cpu_tenth;		/* mean CPU ms per interval, a tenth changed */
	unsigned long long memlock;	/* stats, stats_keys, stats_index */
};

static double median(double *v)
{
	qsort(v, ITERATIONS, sizeof(v[0]), cmp_double);
	return v[ITERATIONS / 2];
}

/* Median wall ms of ITERATIONS intervals, `changed` keys changed before each; *read_ms: median
 * of the reading part; *cpu: mean CPU ms. */
static double time_intervals(struct kvmstat_bpf *skel, struct stats_reader *r,
			     const struct run_output *out, unsigned int changed, double *read_ms,
			     double *cpu)
{
	double wall[ITERATIONS], read[ITERATIONS], c0;
	int i;

	*cpu = 0;
	for (i = 0; i < ITERATIONS; i++) {
		populate(skel, 0, changed, 2 + i);
		c0 = cpu_ms();
		wall[i] = one_interval(r, out, &read[i]);
		*cpu += cpu_ms() - c0;
	}
	*cpu /= ITERATIONS;
	*read_ms = median(read);
	return median(wall);
}

static int bench_keys(unsigned int n, FILE *sink, struct result *res)
{
	struct loader_opts o = { .arch = KVMSTAT_ARCH_ARM64, .spans = 1, .max_keys = n };
	struct run_output out = {
		.table = sink,
		.view = { .by = GROUP_CLASS, .sort = SORT_COUNT, .spans = 1 },
		.json = sink,
		.meta = { .host = "bench", .kernel = "bench", .vcpu_source = "bench", .spans = 1,
			  .by = GROUP_VCPU },
	};
	struct kvmstat_bpf *skel;
	struct stats_source src;
	struct stats_reader r;
	double cpu_all;
	int err;

	/* arm64 programs are not loadable here: load the object's test programs only. */
	skel = open_test_object();
	if (!skel)
		return -1;
	loader_size_stats(skel, &o);
	err = kvmstat_bpf__load(skel) || stats_source_map(&src, skel, o.spans);
	if (err) {
		kvmstat_bpf__destroy(skel);
		return -1;
	}
	res->memlock = loader_map_memlock(bpf_map__fd(skel->maps.stats)) +
		       loader_map_memlock(bpf_map__fd(skel->maps.stats_keys)) +
		       loader_map_memlock(bpf_map__fd(skel->maps.stats_index));
	/* As run: the baseline right after load (empty), then every key new at the first read. */
	err = stats_reader_init(&r, &src, KVMSTAT_ARCH_ARM64, NULL) ?: stats_reader_update(&r) ?:
	      populate(skel, 0, n, 1) ?: stats_reader_update(&r);
	if (!err) {
		res->ms_tenth = time_intervals(skel, &r, &out, n / 10, &res->read_tenth, &res->cpu_tenth);
		res->ms_all = time_intervals(skel, &r, &out, n, &res->read_all, &cpu_all);
	}
	stats_reader_free(&r);
	stats_source_unmap(&src);
	kvmstat_bpf__destroy(skel);
	return err;
}

int main(void)
{
	static const unsigned int sizes[] = { 1000, 10000, 100000 };
	FILE *sink = fopen("/dev/null", "w");
	struct result res[3];
	size_t last;
	int i;

	libbpf_set_print(NULL);
	output_reuse_heap();	/* as run does */
	for (i = 0; i < 3; i++) {
		if (bench_keys(sizes[i], sink, &res[i])) {
			fprintf(stderr, "loader-bench: failed to set up %u keys\n", sizes[i]);
			return 1;
		}
	}
	printf("One interval of `run` (read the mapped stats arrays: idle slots skipped by their counts,\n"
	       "moved ones copied and diffed; then group, sort, table and a per-vCPU JSON line to\n"
	       "/dev/null), median of %d, with a tenth of the keys changed each time, and with all:\n\n",
	       ITERATIONS);
	printf("| populated keys | ms per interval, a tenth changed (of which reading) | "
	       "ms per interval, all changed (of which reading) | "
	       "kernel memory of the stats maps (fdinfo memlock) |\n");
	printf("|---|---|---|---|\n");
	for (i = 0; i < 3; i++)
		printf("| %u | %.2f (%.2f) | %.2f (%.2f) | %.1f MiB (%llu B/key) |\n", sizes[i],
		       res[i].ms_tenth, res[i].read_tenth, res[i].ms_all, res[i].read_all,
		       res[i].memlock / 1048576.0, res[i].memlock / sizes[i]);
	/* At -i 1 an interval's CPU time is spent once per second. */
	printf("\nCPU of `run -i 1` with 1k keys, a tenth changed: %.3f%% of one core (%.2f ms CPU per interval).\n",
	       res[0].cpu_tenth / 1000.0 * 100.0, res[0].cpu_tenth);
	/* per key: its value as last read and its counts apart (stats_reader.last, .counts) */
	last = kvmstat_value_size(1) + 2 * sizeof(__u64);
	printf("\nLoader memory: %zu B per key (its value and counts as last read) and %zu B per key\n"
	       "changed in an interval (the interval's samples; the buffer is kept for the next), so\n"
	       "%zu B/key with a tenth changed, %zu B/key with all; an interval's groupings take up to\n"
	       "as much again while it is shown.\n", last, sizeof(struct sample),
	       last + sizeof(struct sample) / 10, last + sizeof(struct sample));
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
