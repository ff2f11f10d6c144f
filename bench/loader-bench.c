// SPDX-License-Identifier: GPL-2.0
/*
 * Loader cost at scale and kernel memory: populate the real stats arrays with N
 * keys through the map API, then time what `run` does every interval, stage by
 * stage, as cli/output.c calls them: read the mapped arrays (only slots whose
 * counts moved are copied and diffed), the table (view by class, sorted,
 * rendered), the JSON line (view per vCPU, written) and the Prometheus
 * exposition (the state updated with the interval, the text written); outputs
 * go to /dev/null, the Prometheus file's own write is timed apart. Prints
 * Markdown tables. Needs root (loads the BPF object on this kernel).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../bpf/kvmstat.h"
#include "kvmstat.skel.h"
#include "../tests/bpf/test_object.h"
#include "cli/output.h"
#include "lib/stream.h"
#include "loader/loader.h"
#include "render/table.h"

#define ITERATIONS 7
#define CLASSES_PER_VCPU 8
#define NR_SIZES 3

static const __u64 arm64_classes[CLASSES_PER_VCPU] = {
	KVMSTAT_ARM64_CLASS(2, 0x24), KVMSTAT_ARM64_CLASS(2, 0x16), KVMSTAT_ARM64_CLASS(2, 0x18),
	KVMSTAT_ARM64_CLASS(2, 0x01), KVMSTAT_ARM64_CLASS(0, 0), KVMSTAT_ARM64_CLASS(2, 0x20),
	KVMSTAT_ARM64_CLASS(2, 0x17), KVMSTAT_ARM64_CLASS(2, 0x07),
};

enum stage { READ, TABLE, JSON, PROM, PROM_FILE, NR_STAGES };

/*
 * The loader thread's CPU time (user and system, page faults included): what an interval
 * costs, and on this shared 2-core machine steadier than wall time, which on an idle
 * machine is the same.
 */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, ITERATIONS, sizeof(v[0]), cmp_double);
	return v[ITERATIONS / 2];
}

/* Names as run has them (looked up once and cached): a fixed name costs what a cache hit does. */
static const char *vm_name(void *ctx, __u32 pid)
{
	(void)ctx;
	(void)pid;
	return "bench-vm";
}

static const char *thread_name(void *ctx, __u32 pid, __u32 tid)
{
	(void)ctx;
	(void)pid;
	(void)tid;
	return "CPU 0/KVM";
}

static const struct names names = { .vm_name = vm_name, .thread_name = thread_name };

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

struct bench {
	struct stats_reader r;
	struct run_output out;		/* as run -b class --json F --prom-file P has it */
	FILE *sink;			/* /dev/null */
	const char *prom_path;
	double ms[NR_STAGES][ITERATIONS];
	double cpu_ms;			/* of output_interval, as run calls it: mean */
	long prom_bytes;
};

/* The table as run shows it by default: its own view by class. */
static int table_stage(struct bench *b)
{
	struct view v;
	int err = view_build(&v, &b->r.interval, GROUP_CLASS, view_totals_for(&b->out.view));

	err = err ?: render_views(b->sink, &v, &b->out.view);
	view_free(&v);
	return err;
}

/* The JSON line: a view per vCPU (run's default nesting) and the line. */
static int json_stage(struct bench *b)
{
	struct ndjson_meta m = b->out.meta;
	struct view v;
	int err = view_build(&v, &b->r.interval, GROUP_VCPU, 0);

	m.type = RECORD_INTERVAL;
	err = err ?: ndjson_write(b->sink, &v, &m);
	view_free(&v);
	return err;
}

static int write_prom(FILE *f, void *ctx)
{
	return prom_state_write(ctx, f);
}

/* One interval, each stage timed; the Prometheus state is output.c's own (output_prom). */
static int one_interval(struct bench *b, int it)
{
	double t0 = now_ms(), t1, t2, t3, t4;
	int err = stats_reader_update(&b->r);

	t1 = now_ms();
	err = err ?: table_stage(b);
	t2 = now_ms();
	err = err ?: json_stage(b);
	t3 = now_ms();
	err = err ?: output_prom_update(&b->out, &b->r);
	err = err ?: prom_state_write(&b->out.prom_state, b->sink);
	t4 = now_ms();
	err = err ?: file_replace(b->out.prom_path, write_prom, &b->out.prom_state);
	b->ms[READ][it] = t1 - t0;
	b->ms[TABLE][it] = t2 - t1;
	b->ms[JSON][it] = t3 - t2;
	b->ms[PROM][it] = t4 - t3;
	b->ms[PROM_FILE][it] = now_ms() - t4;
	return err;
}

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

struct result {
	double ms[2][NR_STAGES];	/* median per interval: a tenth changed, all changed */
	double cpu_tenth;		/* CPU ms of run's whole interval (output_interval), a tenth changed */
	long prom_bytes;
	unsigned long long memlock;	/* stats, stats_keys, stats_index */
};

/* ITERATIONS intervals with `changed` keys changed before each: the medians into ms. */
static int time_intervals(struct kvmstat_bpf *skel, struct bench *b, unsigned int changed,
			  unsigned int *round, double *ms)
{
	int i, s, err = 0;

	for (i = 0; i < ITERATIONS && !err; i++) {
		populate(skel, 0, changed, ++*round);
		err = one_interval(b, i);
	}
	for (s = 0; s < NR_STAGES; s++)
		ms[s] = median(b->ms[s]);
	return err;
}

/* CPU of run's own interval (read, then output_interval: table, JSON line, Prometheus file). */
static int time_run_cpu(struct kvmstat_bpf *skel, struct bench *b, unsigned int changed,
			unsigned int *round, double *cpu)
{
	double c0;
	int i, err = 0;

	*cpu = 0;
	for (i = 0; i < ITERATIONS && !err; i++) {
		populate(skel, 0, changed, ++*round);
		c0 = cpu_ms();
		err = stats_reader_update(&b->r) ?: output_interval(&b->out, &b->r);
		*cpu += cpu_ms() - c0;
	}
	*cpu /= ITERATIONS;
	return err;
}

static void bench_init(struct bench *b, FILE *sink, const char *prom_path)
{
	memset(b, 0, sizeof(*b));
	b->sink = sink;
	b->out = (struct run_output){
		.table = sink,
		.view = { .by = GROUP_CLASS, .sort = SORT_COUNT, .spans = 1, .names = &names },
		.json = sink,
		.meta = { .host = "bench", .kernel = "bench", .vcpu_source = "bench", .spans = 1,
			  .by = GROUP_VCPU, .names = &names },
		.prom_path = prom_path,
		.prom = { .spans = 1, .names = &names },
	};
}

static int bench_keys(unsigned int n, FILE *sink, const char *prom_path, struct result *res)
{
	struct loader_opts o = { .arch = KVMSTAT_ARCH_ARM64, .spans = 1, .max_keys = n };
	struct kvmstat_bpf *skel;
	struct stats_source src;
	unsigned int round = 1;
	struct stat st;
	struct bench b;
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
	bench_init(&b, sink, prom_path);
	/* As run: the baseline right after load (empty), the first Prometheus file, then every
	 * key new at the first read. */
	err = stats_reader_init(&b.r, &src, KVMSTAT_ARCH_ARM64, NULL) ?: stats_reader_update(&b.r) ?:
	      output_prom(&b.out, &b.r) ?: populate(skel, 0, n, round) ?: one_interval(&b, 0);
	err = err ?: time_intervals(skel, &b, n / 10, &round, res->ms[0]);
	err = err ?: time_intervals(skel, &b, n, &round, res->ms[1]);
	err = err ?: time_run_cpu(skel, &b, n / 10, &round, &res->cpu_tenth);
	res->prom_bytes = stat(prom_path, &st) ? -1 : st.st_size;
	output_free(&b.out);
	stats_reader_free(&b.r);
	stats_source_unmap(&src);
	kvmstat_bpf__destroy(skel);
	return err;
}

static void print_stages(const unsigned int *sizes, const struct result *res)
{
	static const char *const changed[2] = { "a tenth", "all" };
	int i, c, s;

	printf("| keys | changed | read | table | JSON | Prometheus | read + table + Prometheus | "
	       "Prometheus file write |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < NR_SIZES; i++)
		for (c = 0; c < 2; c++) {
			const double *ms = res[i].ms[c];

			printf("| %u | %s |", sizes[i], changed[c]);
			for (s = READ; s <= PROM; s++)
				printf(" %.2f |", ms[s]);
			printf(" **%.2f** | %.2f (%.1f MB) |\n", ms[READ] + ms[TABLE] + ms[PROM],
			       ms[PROM_FILE], res[i].prom_bytes / 1e6);
		}
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[NR_SIZES] = { 1000, 10000, 100000 };
	const char *prom_path = argc > 1 ? argv[1] : "/tmp/loader-bench.prom";
	FILE *sink = fopen("/dev/null", "w");
	struct result res[NR_SIZES];
	size_t last;
	int i;

	libbpf_set_print(NULL);
	output_reuse_heap();	/* as run does */
	for (i = 0; i < NR_SIZES; i++) {
		if (bench_keys(sizes[i], sink, prom_path, &res[i])) {
			fprintf(stderr, "loader-bench: failed at %u keys\n", sizes[i]);
			return 1;
		}
	}
	unlink(prom_path);
	printf("One interval of `run`, stage by stage, in ms of CPU (median of %d), with a tenth of the keys\n"
	       "changed each time and with all: read the mapped stats arrays (idle slots skipped by their\n"
	       "counts, moved ones diffed over their buckets' range), the table (a view by class, sorted,\n"
	       "rendered), the JSON line (a view per vCPU, written), Prometheus (the state updated with\n"
	       "the interval and the exposition formatted), all to /dev/null; then writing the\n"
	       "Prometheus file itself (%s, atomically) with its size.\n\n", ITERATIONS, prom_path);
	print_stages(sizes, res);
	printf("\n| populated keys | kernel memory of the stats maps (fdinfo memlock) |\n|---|---|\n");
	for (i = 0; i < NR_SIZES; i++)
		printf("| %u | %.1f MiB (%llu B/key) |\n", sizes[i], res[i].memlock / 1048576.0,
		       res[i].memlock / sizes[i]);
	/* At -i 1 an interval's CPU time is spent once per second. */
	printf("\nCPU of `run -i 1 --json F --prom-file P` with 1k keys, a tenth changed: %.3f%% of one "
	       "core (%.2f ms CPU per interval).\n", res[0].cpu_tenth / 1000.0 * 100.0, res[0].cpu_tenth);
	/* per key: its value as last read and its counts apart (stats_reader.last, .counts) */
	last = kvmstat_value_size(1) + 2 * sizeof(__u64);
	printf("\nLoader memory: %zu B per key (its value and counts as last read), %zu B per key\n"
	       "changed in an interval (the interval's samples; the buffer is kept for the next) and,\n"
	       "with --prom-file, %zu B per series plus its text (~%ld B with one span); an interval's\n"
	       "views take a pointer per row and a merged value per group.\n", last,
	       sizeof(struct sample), sizeof(struct prom_series),
	       res[NR_SIZES - 1].prom_bytes / sizes[NR_SIZES - 1]);
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
