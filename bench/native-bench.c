// SPDX-License-Identifier: GPL-2.0
/*
 * Per-exit cost on this machine's CPU, where the emulated hosts cannot tell it
 * (QEMU TCG inflates the clock read ~50x). The shipped programs' logic runs
 * through BPF_PROG_TEST_RUN: kvmstat-bpf's raw_tp test entry points share every
 * inline function with the attached programs and, given no timestamp, read the
 * clock once each as those do; given a pid_tgid, they play that thread. One
 * exit+entry pair per thread, round robin over 1, 64, 1024 or 4096 threads with
 * scattered tids (8 per VM), each with its own stats key: the cache footprint of
 * that many vCPUs. Per pending-exit store; empty programs and programs that only
 * read the clock are the floors, run the same way. And the shipped store with
 * --detail (the key at the exit, as x86 ports and RISC-V traps have it; or from a
 * companion program after the exit, as arm64 and x86 MSRs, CPUID, ... have it) and
 * with --slow (the recorder's check at every entry, no exit that slow).
 *
 * The kernel times each program run (BPF_ENABLE_STATS: run_time_ns / run_cnt);
 * configurations are rotated over the repetitions and medians printed, as
 * Markdown. Needs root. Usage: native-bench [PAIRS_PER_RUN [REPETITIONS]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../bpf/kvmstat.h"
#include "kvmstat.skel.h"
#include "floor.skel.h"
#include "../tests/bpf/test_object.h"
#include "loader/loader.h"

#define MAX_THREADS	4096
#define YARDSTICK_NS	400	/* the fastest arm64 exit on hardware, round trip */
#define HVC64		KVMSTAT_ARM64_CLASS(2, 0x16)

static const int thread_counts[] = { 1, 64, 1024, 4096 };
#define NR_COUNTS (int)(sizeof(thread_counts) / sizeof(thread_counts[0]))

static const enum kvmstat_store stores[] = {
	KVMSTAT_STORE_OVERFLOW, KVMSTAT_STORE_DIRECT, KVMSTAT_STORE_PROBE, KVMSTAT_STORE_HASH,
	KVMSTAT_STORE_TASK,
};
#define NR_STORES (int)(sizeof(stores) / sizeof(stores[0]))

static const char *const store_labels[KVMSTAT_NR_STORES] = {
	[KVMSTAT_STORE_OVERFLOW] = "overflow (shipped): direct slot by CAS, else hash",
	[KVMSTAT_STORE_DIRECT] = "direct, taken over on collision (the old store, lossy)",
	[KVMSTAT_STORE_PROBE] = "open addressing, 8 probes, CAS",
	[KVMSTAT_STORE_HASH] = "hash keyed by pid_tgid",
	[KVMSTAT_STORE_TASK] = "task storage",
};

enum mode {
	MODE_DEFAULT,
	MODE_DETAIL_EXIT,	/* --detail, the key given to the exit program */
	MODE_DETAIL_COMPANION,	/* --detail, the key from a program after the exit (this thread) */
	MODE_SLOW,		/* --slow 10ms */
	NR_MODES,
};

static const char *const mode_labels[NR_MODES] = {
	[MODE_DEFAULT] = "as shipped (no --detail, no --slow)",
	[MODE_DETAIL_EXIT] = "--detail, key at the exit (x86 ports, RISC-V traps)",
	[MODE_DETAIL_COMPANION] = "--detail, key from the class's tracepoint (arm64, x86 MSR/CPUID)",
	[MODE_SLOW] = "--slow 10ms (checked at every entry, none recorded)",
};
#define PSCI_VERSION	0x84000000ULL

/* A configuration: a store at a thread count (and mode), or a floor (store -1: empty, -2: clock). */
struct config {
	int store, threads;
	enum mode mode;
	double exit_ns[16], entry_ns[16], key_ns[16];
};

static __u64 ids[MAX_THREADS];

static int print_warn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

/* Distinct scattered tids below a real host's pid_max (4194304), 8 threads per VM. */
static void make_ids(void)
{
	__u32 x = 12345, tid;
	int i, j;

	for (i = 0; i < MAX_THREADS; i++) {
		do {
			x = x * 1103515245 + 12345;
			tid = 300 + (x >> 8) % (4194304 - 300);
			for (j = 0; j < i && (__u32)ids[j] != tid; j++)
				;
		} while (j < i);
		ids[i] = (__u64)(100000 + i / 8) << 32 | tid;
	}
}

static int test_run(int fd, const __u64 *args, __u32 nr)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = nr * sizeof(*args));

	return bpf_prog_test_run_opts(fd, &opts) ?: (int)opts.retval;
}

struct prog_stats {
	__u64 cnt, ns;
};

static int prog_stats(int fd, struct prog_stats *s)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err = bpf_obj_get_info_by_fd(fd, &info, &len);

	s->cnt = info.run_cnt;
	s->ns = info.run_time_ns;
	return err;
}

/* ns per run of fd over the runs since *before. */
static double ns_per_run(int fd, const struct prog_stats *before)
{
	struct prog_stats after;

	if (prog_stats(fd, &after) || after.cnt == before->cnt)
		return -1;
	return (double)(after.ns - before->ns) / (after.cnt - before->cnt);
}

static struct kvmstat_bpf *load_store(enum kvmstat_store store, enum mode mode)
{
	struct loader_opts o = {
		.spans = 1U << KVMSTAT_SPAN_HANDLING,	/* the defaults of `run` */
		.max_keys = 16384,
		.store = store,
		.detail = mode == MODE_DETAIL_EXIT || mode == MODE_DETAIL_COMPANION,
		.slow_ns = mode == MODE_SLOW ? 10000000 : 0,
	};
	struct kvmstat_bpf *skel = open_test_object();

	if (!skel)
		return NULL;
	skel->rodata->targ_spans = o.spans;
	loader_size_inflight(skel, &o);
	loader_size_stats(skel, &o);
	loader_setup_detail(skel, &o);
	if (kvmstat_bpf__load(skel)) {
		kvmstat_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* pairs exit+entry pairs, round robin over n threads (task storage: this thread only). */
static int run_pairs(struct kvmstat_bpf *skel, int n, long pairs, bool measured, struct config *c,
		     int rep)
{
	bool at_exit = c->mode == MODE_DETAIL_EXIT;
	int exit_fd = bpf_program__fd(at_exit ? skel->progs.test_exit_key : skel->progs.test_exit_class);
	int key_fd = bpf_program__fd(skel->progs.test_pending_key);
	int entry_fd = bpf_program__fd(skel->progs.test_entry);
	struct prog_stats ex, en, ky;
	/* test_exit_class (class, ts, id); test_exit_key (class, key, pc, ts, id) */
	__u64 exit_args[5] = { HVC64, 0, 0, 0, 0 }, entry_args[2] = { 0, 0 };
	__u64 key_args[2] = { PSCI_VERSION, HVC64 };
	long p;
	int err = 0;

	if (at_exit)
		exit_args[1] = PSCI_VERSION;
	if (measured && (prog_stats(exit_fd, &ex) || prog_stats(entry_fd, &en) || prog_stats(key_fd, &ky)))
		return -errno;
	for (p = 0; p < pairs && !err; p++) {
		/* task storage and companion keys: this thread (a companion finds the caller's state) */
		__u64 id = c->store == KVMSTAT_STORE_TASK || c->mode == MODE_DETAIL_COMPANION ?
			   0 : ids[p % n];

		exit_args[at_exit ? 4 : 2] = entry_args[1] = id;
		err = test_run(exit_fd, exit_args, at_exit ? 5 : 3);
		if (!err && c->mode == MODE_DETAIL_COMPANION)
			err = test_run(key_fd, key_args, 2);
		err = err ?: test_run(entry_fd, entry_args, 2);
	}
	if (measured && !err) {
		c->exit_ns[rep] = ns_per_run(exit_fd, &ex);
		c->entry_ns[rep] = ns_per_run(entry_fd, &en);
		c->key_ns[rep] = c->mode == MODE_DETAIL_COMPANION ? ns_per_run(key_fd, &ky) : 0;
	}
	return err;
}

static int measure_store(struct config *c, long pairs, int rep)
{
	struct kvmstat_bpf *skel = load_store(c->store, c->mode);
	int err;

	if (!skel)
		return -EINVAL;
	/* every thread's state and key exist before the timed runs: the steady state */
	err = run_pairs(skel, c->threads, c->threads, false, c, rep);
	err = err ?: run_pairs(skel, c->threads, pairs, true, c, rep);
	kvmstat_bpf__destroy(skel);
	return err;
}

/* A floor program run 2 x pairs times; both columns get its ns per run. */
static int measure_floor(struct floor_bpf *floor, struct config *c, long pairs, int rep)
{
	int fd = bpf_program__fd(c->store == -1 ? floor->progs.test_floor : floor->progs.test_floor_clock);
	__u64 args[3] = {};
	struct prog_stats before;
	long i;
	int err;

	if (prog_stats(fd, &before))
		return -errno;
	for (i = 0, err = 0; i < 2 * pairs && !err; i++)
		err = test_run(fd, args, 3);
	c->exit_ns[rep] = c->entry_ns[rep] = ns_per_run(fd, &before);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[16];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double pair_ns(const struct config *c, int reps)
{
	return median(c->exit_ns, reps) + median(c->entry_ns, reps) + median(c->key_ns, reps);
}

/* The shipped store's figure at that thread count, the reference of the modes. */
static const struct config *shipped(const struct config *cfgs, int nr, int threads)
{
	int i;

	for (i = 0; i < nr; i++)
		if (cfgs[i].store == KVMSTAT_STORE_OVERFLOW && cfgs[i].mode == MODE_DEFAULT &&
		    cfgs[i].threads == threads)
			return &cfgs[i];
	return NULL;
}

static void print_modes(const struct config *cfgs, int nr, int reps)
{
	int i;

	printf("\n--detail and --slow, shipped store (the companion mode at 1 thread: its program "
	       "finds the caller's state; a tracepoint's dispatch to it is not in run_time_ns):\n\n");
	printf("| mode | threads | exit ns | companion ns | entry ns | per pair (ns) | "
	       "added over as shipped (ns) | added / %d ns |\n", YARDSTICK_NS);
	printf("|---|---|---|---|---|---|---|---|\n");
	for (i = 2; i < nr; i++) {
		const struct config *c = &cfgs[i], *ref = shipped(cfgs, nr, c->threads);
		double pair = pair_ns(c, reps), base = ref ? pair_ns(ref, reps) : pair;

		if (c->store != KVMSTAT_STORE_OVERFLOW || (c->mode == MODE_DEFAULT && c->threads != 1 &&
							   c->threads != 1024))
			continue;
		printf("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f%% |\n", mode_labels[c->mode],
		       c->threads, median(c->exit_ns, reps), median(c->key_ns, reps),
		       median(c->entry_ns, reps), pair, pair - base, 100 * (pair - base) / YARDSTICK_NS);
	}
}

static void print_tables(const struct config *cfgs, int nr, int reps, long pairs)
{
	double floor = pair_ns(&cfgs[0], reps), clock = pair_ns(&cfgs[1], reps);
	int i;

	printf("Per exit+entry pair, ns of this CPU (kernel's run_time_ns / run_cnt, median of %d "
	       "rotated repetitions of %ld pairs): empty programs %.1f, programs that only read "
	       "the clock %.1f. \"Added\" is over the empty floor; the yardstick is the fastest "
	       "arm64 exit on hardware, ~%d ns.\n\n", reps, pairs, floor, clock, YARDSTICK_NS);
	printf("| pending-exit store | threads | exit ns | entry ns | added per pair (ns) | "
	       "beyond floor+clock (ns) | added / %d ns |\n", YARDSTICK_NS);
	printf("|---|---|---|---|---|---|---|\n");
	for (i = 2; i < nr; i++) {
		const struct config *c = &cfgs[i];
		double pair = pair_ns(c, reps);

		if (c->mode != MODE_DEFAULT)
			continue;
		printf("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.0f%% |\n", store_labels[c->store],
		       c->threads, median(c->exit_ns, reps), median(c->entry_ns, reps), pair - floor,
		       pair - clock, 100 * (pair - floor) / YARDSTICK_NS);
	}
	print_modes(cfgs, nr, reps);
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 50000;
	int reps = argc > 2 ? atoi(argv[2]) : 7, nr = 2, i, rep, stats_fd, err = 0;
	struct config cfgs[2 + NR_STORES * NR_COUNTS + 5] = { { .store = -1 }, { .store = -2 } };
	struct floor_bpf *floor;
	struct bpf_program *prog;

	if (pairs < 1 || reps < 1 || reps > 16) {
		fprintf(stderr, "usage: native-bench [PAIRS_PER_RUN [REPETITIONS (1..16)]]\n");
		return 2;
	}
	libbpf_set_print(print_warn);
	make_ids();
	for (i = 0; i < NR_STORES * NR_COUNTS; i++) {
		struct config c = { .store = stores[i / NR_COUNTS], .threads = thread_counts[i % NR_COUNTS] };

		if (c.store != KVMSTAT_STORE_TASK || c.threads == 1)	/* task storage: its own thread */
			cfgs[nr++] = c;
	}
	/* the modes: the shipped store at 1 and 1024 threads (the companion at 1) */
	for (i = 0; i < 5; i++) {
		static const struct { enum mode mode; int threads; } modes[] = {
			{ MODE_DETAIL_EXIT, 1 }, { MODE_DETAIL_EXIT, 1024 }, { MODE_DETAIL_COMPANION, 1 },
			{ MODE_SLOW, 1 }, { MODE_SLOW, 1024 },
		};

		cfgs[nr++] = (struct config){ .store = KVMSTAT_STORE_OVERFLOW,
					      .threads = modes[i].threads, .mode = modes[i].mode };
	}
	floor = floor_bpf__open();
	if (floor)	/* only the native floors: no attach point needed */
		bpf_object__for_each_program(prog, floor->obj)
			bpf_program__set_autoload(prog, !strncmp(bpf_program__name(prog), "test_", 5));
	if (!floor || floor_bpf__load(floor)) {
		fprintf(stderr, "failed to load floor BPF object: %s\n", strerror(errno));
		return 1;
	}
	/* The kernel times every program run while this fd is open. */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "failed to enable BPF run-time stats: %s\n", strerror(-stats_fd));
		floor_bpf__destroy(floor);
		return 1;
	}
	for (rep = 0; rep < reps && !err; rep++)
		for (i = 0; i < nr && !err; i++) {
			struct config *c = &cfgs[(i + rep) % nr];	/* rotated: drift hits all alike */

			err = c->store < 0 ? measure_floor(floor, c, pairs, rep) : measure_store(c, pairs, rep);
			if (err)
				fprintf(stderr, "failed to run %s at %d threads: %s\n",
					c->store < 0 ? "floor" : store_labels[c->store], c->threads,
					strerror(err < 0 ? -err : EINVAL));
		}
	close(stats_fd);
	floor_bpf__destroy(floor);
	if (!err)
		print_tables(cfgs, nr, reps, pairs);
	return err ? 1 : 0;
}
