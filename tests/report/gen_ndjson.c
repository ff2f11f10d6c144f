// SPDX-License-Identifier: GPL-2.0
/*
 * gen-ndjson PREFIX [class|vm|vcpu [MAX_KEYS]]: what `run --json` would write
 * for a run with synthetic exits, for the report round-trip test on a machine
 * without KVM guests (root: it loads BPF). MAX_KEYS sizes the stats arrays as
 * --max-keys does (default 16384): a few make the map full mid-run.
 *
 * It loads the BPF object with only its raw_tp test entry points, and vCPU
 * threads (one "VM": this process) feed exits of fixed-seed random classes and
 * durations (ns to ms) through BPF_PROG_TEST_RUN, so the kernel side
 * aggregates them exactly as for a guest. Each interval is then read from the
 * mapped stats arrays by run's reader and written by run's own output code
 * (cli/output.c), as
 * `run --span both --hist -b GROUPING --json --prom-file` with stdout not a tty:
 *   PREFIX.ndjson        one line per interval, then the total line
 *   PREFIX.run.txt       what run prints: tables and histograms per interval,
 *                        "=== summary ===", the summary
 *   PREFIX.cumulative.txt  the same with --cumulative
 *   PREFIX.N.prom        the Prometheus file after interval N (1-based)
 *   PREFIX.truth         what was fed after the baseline read, counted here and
 *                        not by the kernel: "TID CLASS ORIGIN EXITS" per key
 */
#define _GNU_SOURCE	/* gettid */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../bpf/kvmstat.h"
#include "kvmstat.skel.h"
#include "../bpf/test_object.h"
#include "cli/output.h"
#include "loader/loader.h"

#define NR_THREADS	3
#define NR_INTERVALS	4
#define EXITS_PER_STEP	700	/* per thread and interval: 8400 exits in all */
#define TRAP		2U
#define GEN_VM_UUID	"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"	/* tests/report/test_report.sh */

static struct kvmstat_bpf *skel;
static pthread_barrier_t go, done;
static int failed;
static __u32 max_keys = 16384;

/* What a vCPU thread fed, per key (class, origin): the truth a full map is checked against. */
#define TRUTH_KEYS 32
struct truth {
	__u32 tid;
	size_t nr;
	struct { __u64 class; bool user; __u64 exits; } key[TRUTH_KEYS];
};

static struct truth truths[NR_THREADS];

static void truth_count(struct truth *t, __u64 class, bool user)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (t->key[i].class == class && t->key[i].user == user)
			break;
	if (i == TRUTH_KEYS) {
		__atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
		return;
	}
	if (i == t->nr) {
		t->key[t->nr].class = class;
		t->key[t->nr++].user = user;
	}
	t->key[i].exits++;
}

/* xorshift64*: the same sequence on every machine. */
static __u64 next_rand(__u64 *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ULL;
}

/* Log-uniform from 2^4 to 2^21 ns (16 ns .. 2 ms): every octave about as likely. */
static __u64 rand_duration(__u64 *state)
{
	unsigned int octave = 4 + next_rand(state) % 17;

	return (1ULL << octave) + next_rand(state) % (1ULL << octave);
}

static void run_prog(struct bpf_program *prog, const __u64 *args, size_t nr)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = nr * sizeof(*args));

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) || opts.retval)
		__atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
}

/* One guest exit of a random arm64 class, its handling, and the next entry (counted in t). */
static void one_exit(__u64 *state, __u64 *ts, struct truth *t)
{
	static const __u32 ecs[] = { 0x24, 0x24, 0x24, 0x16, 0x18, 0x01, 0x20 };
	__u64 r = next_rand(state), exit_args[4] = {}, entry_args[2] = {}, none[1] = {};
	bool irq = r % 8 == 0, user;

	*ts += rand_duration(state);	/* guest time */
	exit_args[0] = irq ? 0 : TRAP;	/* ARM_EXCEPTION_IRQ or _TRAP */
	exit_args[1] = ecs[(r >> 8) % 7];
	exit_args[2] = *ts;
	run_prog(skel->progs.test_exit_arm64, exit_args, 4);	/* id 0: this thread */
	user = !irq && exit_args[1] == 0x24 && (r >> 16) % 3 == 0;
	if (user)
		run_prog(skel->progs.test_userspace_exit, none, 1);	/* MMIO out to the VMM */
	if (t)	/* the class as the kernel side records it: no exception class for an IRQ */
		truth_count(t, KVMSTAT_ARM64_CLASS(exit_args[0], irq ? 0 : exit_args[1]), user);
	*ts += rand_duration(state);	/* handling time */
	entry_args[0] = *ts;
	run_prog(skel->progs.test_entry, entry_args, 2);
}

static void *vcpu_thread(void *arg)
{
	__u64 state = 0x9e3779b97f4a7c15ULL * ((long)arg + 1), ts = 1000000000ULL, args[2] = {};
	struct truth *t = &truths[(long)arg];
	int i, n;

	t->tid = gettid();
	args[0] = ts;
	run_prog(skel->progs.test_entry, args, 2);	/* the first entry: unpaired */
	for (i = 0; i < NR_INTERVALS; i++) {
		pthread_barrier_wait(&go);
		for (n = 0; n < EXITS_PER_STEP; n++)
			one_exit(&state, &ts, t);
		pthread_barrier_wait(&done);
	}
	return NULL;
}

static bool load(void)
{
	struct loader_opts o = { .spans = (1U << KVMSTAT_SPAN_HANDLING) | (1U << KVMSTAT_SPAN_GUEST),
				 .max_keys = max_keys };

	skel = open_test_object();
	if (!skel)
		return false;
	skel->rodata->targ_spans = o.spans;
	loader_size_stats(skel, &o);	/* as run sizes them */
	return !kvmstat_bpf__load(skel);
}

/* Names with every character JSON and Prometheus must escape. */
static const char *vm_name(void *ctx, __u32 pid)
{
	(void)ctx;
	(void)pid;
	return "guest \"a\\b\"\n\tcaf\xc3\xa9";
}

static const char *thread_name(void *ctx, __u32 pid, __u32 tid)
{
	(void)ctx;
	(void)pid;
	(void)tid;
	return "CPU ?/KVM";
}

static const char *vm_uuid(void *ctx, __u32 pid)
{
	(void)ctx;
	(void)pid;
	return GEN_VM_UUID;
}

static const struct names names = { .vm_name = vm_name, .thread_name = thread_name, .vm_uuid = vm_uuid };

/* run's loop, the intervals driven by the vCPU threads instead of a timer; cum: --cumulative. */
static int generate(struct stats_reader *r, struct run_output *out, struct run_output *cum,
		    const char *prefix)
{
	pthread_t th[NR_THREADS];
	__u64 state = 42, ts = 1000000000ULL;
	char prom[4096];
	int i, err;

	/* Exits before the baseline read (a reader's first): in no line. */
	for (i = 0; i < 50; i++)
		one_exit(&state, &ts, NULL);
	for (i = 0; i < NR_THREADS; i++)
		pthread_create(&th[i], NULL, vcpu_thread, (void *)(long)i);
	err = stats_reader_update(r);	/* the baseline */
	for (i = 0; i < NR_INTERVALS && !err; i++) {
		pthread_barrier_wait(&go);
		pthread_barrier_wait(&done);
		snprintf(prom, sizeof(prom), "%s.%d.prom", prefix, i + 1);
		out->prom_path = prom;	/* run rewrites one file; keep each for the test */
		err = stats_reader_update(r) ?: output_interval(out, r);
		err = err ?: output_interval(cum, r);
	}
	err = err ?: output_summary(out, r);
	err = err ?: output_summary(cum, r);
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(th[i], NULL);
	return err;
}

/* run's reader on the object's mapped stats arrays, then its loop. */
static int generate_mapped(struct run_output *out, struct run_output *cum, const char *prefix)
{
	struct stats_source src;
	struct stats_reader r;
	int err = stats_source_map(&src, skel, skel->rodata->targ_spans);

	if (err)
		return err;
	err = stats_reader_init(&r, &src, KVMSTAT_ARCH_ARM64, NULL);
	err = err ?: generate(&r, out, cum, prefix);
	stats_reader_free(&r);
	stats_source_unmap(&src);
	return err;
}

static FILE *open_out(const char *prefix, const char *suffix);

static int write_truth(const char *prefix)
{
	FILE *f = open_out(prefix, ".truth");
	size_t t, k;

	if (!f)
		return -EIO;
	for (t = 0; t < NR_THREADS; t++)
		for (k = 0; k < truths[t].nr; k++)
			fprintf(f, "%u 0x%llx %s %llu\n", truths[t].tid,
				(unsigned long long)truths[t].key[k].class,
				truths[t].key[k].user ? "user" : "kernel",
				(unsigned long long)truths[t].key[k].exits);
	return fclose(f) ? -EIO : 0;
}

static FILE *open_out(const char *prefix, const char *suffix)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", prefix, suffix);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "gen-ndjson: failed to open '%s': %s\n", path, strerror(errno));
	return f;
}

int main(int argc, char **argv)
{
	static const char *const groups[] = { "class", "vm", "vcpu" };
	struct run_output out = {}, cum;
	struct utsname uts;
	int err = 0, g = GROUP_VCPU;

	if (argc >= 3)
		for (g = 0; g < 3 && strcmp(argv[2], groups[g]); g++)
			;
	if (argc == 4)
		max_keys = strtoul(argv[3], NULL, 10);
	if (argc < 2 || argc > 4 || g > GROUP_VCPU || !max_keys) {
		fprintf(stderr, "usage: gen-ndjson PREFIX [class|vm|vcpu [MAX_KEYS]]\n");
		return 2;
	}
	uname(&uts);
	out = (struct run_output){
		/* as `run --span both --hist --json PREFIX.ndjson -b G --prom-file F > PREFIX.run.txt` */
		.view = { .by = g, .sort = SORT_COUNT, .spans = 3, .hist = true, .names = &names },
		.meta = { .host = uts.nodename, .kernel = uts.release, .vcpu_source = "thread",
			  .spans = 3, .by = g, .names = &names },
		.prom = { .spans = 3, .names = &names },
	};
	if (!load()) {
		fprintf(stderr, "gen-ndjson: failed to load BPF object: %s (root?)\n", strerror(errno));
		return 1;
	}
	cum = out;
	cum.cumulative = true;
	out.json = open_out(argv[1], ".ndjson");
	out.table = open_out(argv[1], ".run.txt");
	cum.table = open_out(argv[1], ".cumulative.txt");
	out.json_path = argv[1];
	pthread_barrier_init(&go, NULL, NR_THREADS + 1);
	pthread_barrier_init(&done, NULL, NR_THREADS + 1);
	err = out.json && out.table && cum.table ? generate_mapped(&out, &cum, argv[1]) : -EIO;
	err = err ?: write_truth(argv[1]);
	if (out.json)
		fclose(out.json);
	if (out.table)
		fclose(out.table);
	if (cum.table)
		fclose(cum.table);
	kvmstat_bpf__destroy(skel);
	err = err ?: output_failures(&out, true) || output_failures(&cum, true) ? -EIO : 0;
	output_free(&out);
	output_free(&cum);
	if (err || failed)
		fprintf(stderr, "gen-ndjson: failed to generate: %s\n", err ? strerror(-err) : "test run failed");
	return err || failed ? 1 : 0;
}
