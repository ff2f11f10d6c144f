// SPDX-License-Identifier: GPL-2.0
/*
 * gen-ndjson PREFIX [class|vm|vcpu|detail [MAX_KEYS]]: what `run --json` would
 * write for a run with synthetic exits, for the report round-trip test on a
 * machine without KVM guests (root: it loads BPF). MAX_KEYS sizes the stats
 * arrays as --max-keys does (default 16384): a few make the map full mid-run.
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
 * detail: grouped by vCPU, with `--detail --detail-max 4 --slow 1ms` (rate limit
 * out of reach): SYS64 exits carry one of 6 system-register keys (at the exit, as
 * x86 and RISC-V have theirs), HVC64 exits one of 3 SMCCC function ids (from a
 * companion tracepoint after the exit, as on arm64); the 6 sysreg keys are first
 * seen in a fixed order before the baseline, so the kernel admits the first 4. And
 *   PREFIX.expect        what was fed in the intervals: "key CLASS KEY EXITS" per
 *                        (class, key) and "slow TID MONO_NS CLASS KEY PC HANDLING_NS
 *                        GUEST_NS" per exit handled for 1 ms or more
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../bpf/kvmstat.h"
#include "kvmstat.skel.h"
#include "../bpf/test_object.h"
#include "cli/output.h"
#include "loader/loader.h"
#include "loader/slow_reader.h"

#define NR_THREADS	3
#define NR_INTERVALS	4
#define EXITS_PER_STEP	700	/* per thread and interval: 8400 exits in all */
#define TRAP		2U
#define GEN_VM_UUID	"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"	/* tests/report/test_report.sh */
#define SYS64		KVMSTAT_ARM64_CLASS(TRAP, 0x18)
#define HVC64		KVMSTAT_ARM64_CLASS(TRAP, 0x16)
#define DETAIL_MAX	4
#define SLOW_NS		1000000ULL
#define GUEST_PC	0x40080000ULL
#define MAX_SLOW	2048	/* per thread: about 1 exit in 18 of 2800 is slow */

/* ID_AA64PFR0_EL1, ID_AA64MMFR0_EL1, ID_AA64ISAR0_EL1, MIDR_EL1 reads; ICC_SGI1R_EL1, OSLAR_EL1 writes */
static const __u64 sys_keys[] = { 0x300009, 0x30000f, 0x30000d, 0x300001, 0x3a3016, 0x280400 };
/* PSCI_VERSION, SMCCC_VERSION, PSCI 0.2 CPU_ON (64) */
static const __u64 hvc_keys[] = { 0x84000000, 0x80000000, 0xc4000003 };
#define NR_SYS_KEYS	(sizeof(sys_keys) / sizeof(sys_keys[0]))
#define NR_HVC_KEYS	(sizeof(hvc_keys) / sizeof(hvc_keys[0]))

struct slow_fed {
	__u64 ts, class, key, pc, handling_ns, guest_ns;
};

static __u32 max_keys = 16384;

/* What a vCPU thread fed, per key (class, origin): the truth a full map is checked against. */
#define TRUTH_KEYS 32
struct truth {
	size_t nr;
	struct { __u64 class; bool user; __u64 exits; } key[TRUTH_KEYS];
};

/* What a thread fed: exits per key (class, origin); with detail per second-level key, and the slow exits. */
struct fed {
	struct truth truth;
	__u64 sys[NR_SYS_KEYS], hvc[NR_HVC_KEYS];
	struct slow_fed slow[MAX_SLOW];
	unsigned int nr_slow;
	__u32 tid;
};

static struct kvmstat_bpf *skel;
static pthread_barrier_t go, done;
static int failed;
static bool detail;
static struct fed fed[NR_THREADS];

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

/* detail: a SYS64 exit with its key at the exit (the key of sys_keys[i]). */
static void sys64_exit(unsigned int i, __u64 ts)
{
	__u64 args[5] = { SYS64, sys_keys[i], GUEST_PC + 4 * i, ts, 0 };	/* id 0: this thread */

	run_prog(skel->progs.test_exit_key, args, 5);
}

/* detail: an HVC64 exit, its key from the companion tracepoint after it. */
static void hvc64_exit(unsigned int i, __u64 ts)
{
	__u64 exit_args[4] = { TRAP, 0x16, ts, 0 }, key_args[2] = { hvc_keys[i], HVC64 };

	run_prog(skel->progs.test_exit_arm64, exit_args, 4);
	run_prog(skel->progs.test_pending_key, key_args, 2);
}

static void fed_slow(struct fed *f, __u64 ts, __u64 class, __u64 key, __u64 pc, __u64 handling,
		     __u64 guest)
{
	if (f->nr_slow == MAX_SLOW) {
		__atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
		return;
	}
	f->slow[f->nr_slow++] = (struct slow_fed){ ts, class, key, pc, handling, guest };
}

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

/* One guest exit of a random arm64 class, its handling, and the next entry; f: what was fed. */
static void one_exit(__u64 *state, __u64 *ts, struct fed *f)
{
	static const __u32 ecs[] = { 0x24, 0x24, 0x24, 0x16, 0x18, 0x01, 0x20 };
	__u64 r = next_rand(state), exit_args[4] = {}, entry_args[2] = {}, none[1] = {};
	__u64 guest = rand_duration(state), class, key = 0, pc = 0, handling;
	bool irq = r % 8 == 0, user;
	unsigned int k = (r >> 24) % 64;

	*ts += guest;
	exit_args[0] = irq ? 0 : TRAP;	/* ARM_EXCEPTION_IRQ or _TRAP */
	exit_args[1] = ecs[(r >> 8) % 7];
	exit_args[2] = *ts;
	class = KVMSTAT_ARM64_CLASS(exit_args[0], irq ? 0 : exit_args[1]);
	if (detail && class == SYS64) {
		k = k < 24 ? 0 : k < 40 ? 1 : k < 50 ? 2 : k < 57 ? 3 : k < 62 ? 4 : 5;
		sys64_exit(k, *ts);
		f->sys[k]++;
		key = sys_keys[k];
		pc = GUEST_PC + 4 * k;
	} else if (detail && class == HVC64) {
		k = k < 40 ? 0 : k < 60 ? 1 : 2;
		hvc64_exit(k, *ts);
		f->hvc[k]++;
		key = hvc_keys[k];
	} else {
		run_prog(skel->progs.test_exit_arm64, exit_args, 4);	/* id 0: this thread */
	}
	user = !irq && exit_args[1] == 0x24 && (r >> 16) % 3 == 0;
	if (user)
		run_prog(skel->progs.test_userspace_exit, none, 1);	/* MMIO out to the VMM */
	truth_count(&f->truth, class, user);	/* as the kernel side records it: no EC for an IRQ */
	handling = rand_duration(state);
	if (handling >= SLOW_NS)
		fed_slow(f, *ts, class, key, pc, handling, guest);
	*ts += handling;
	entry_args[0] = *ts;
	run_prog(skel->progs.test_entry, entry_args, 2);
}

static void *vcpu_thread(void *arg)
{
	__u64 state = 0x9e3779b97f4a7c15ULL * ((long)arg + 1), ts = 1000000000ULL, args[2] = {};
	struct fed *f = &fed[(long)arg];
	int i, n;

	f->tid = (__u32)syscall(SYS_gettid);
	args[0] = ts;
	run_prog(skel->progs.test_entry, args, 2);	/* the first entry: unpaired */
	for (i = 0; i < NR_INTERVALS; i++) {
		pthread_barrier_wait(&go);
		for (n = 0; n < EXITS_PER_STEP; n++)
			one_exit(&state, &ts, f);
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
	if (detail) {	/* as `run --detail --detail-max 4 --slow 1ms` sets them, but the rate */
		o.detail = true;
		o.detail_max = DETAIL_MAX;
		o.slow_ns = SLOW_NS;
		o.slow_rate = o.slow_burst = 1000000;
		loader_setup_detail(skel, &o);
	}
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

/* detail: the sysreg keys first seen in their order (the kernel admits the first DETAIL_MAX). */
static void first_keys(__u64 *ts)
{
	__u64 entry_args[2] = {};
	unsigned int i;

	for (i = 0; i < NR_SYS_KEYS; i++) {
		*ts += 1000;
		sys64_exit(i, *ts);
		*ts += 1000;
		entry_args[0] = *ts;
		run_prog(skel->progs.test_entry, entry_args, 2);
	}
}

/* run's loop, the intervals driven by the vCPU threads instead of a timer; cum: --cumulative. */
static int generate(struct stats_reader *r, struct slow_reader *sr, struct run_output *out,
		    struct run_output *cum, const char *prefix)
{
	pthread_t th[NR_THREADS];
	__u64 state = 42, ts = 1000000000ULL;
	static struct fed before;
	char prom[4096];
	int i, err;

	/* Exits before the baseline read (as between attach and run's first read): in no line. */
	if (detail)
		first_keys(&ts);
	for (i = 0; i < 50; i++)
		one_exit(&state, &ts, &before);
	for (i = 0; i < NR_THREADS; i++)
		pthread_create(&th[i], NULL, vcpu_thread, (void *)(long)i);
	err = stats_reader_update(r);	/* like run: the baseline right after attach */
	if (!err && sr) {	/* their records, too */
		err = slow_reader_poll(sr, 0);
		slow_list_clear(out->slow);
	}
	for (i = 0; i < NR_INTERVALS && !err; i++) {
		pthread_barrier_wait(&go);
		pthread_barrier_wait(&done);
		snprintf(prom, sizeof(prom), "%s.%d.prom", prefix, i + 1);
		out->prom_path = prom;	/* run rewrites one file; keep each for the test */
		err = sr ? slow_reader_poll(sr, 0) : 0;
		err = err ?: stats_reader_update(r) ?: output_interval(out, r);
		err = err ?: output_interval(cum, r);
	}
	err = err ?: output_summary(out, r);
	err = err ?: output_summary(cum, r);
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(th[i], NULL);
	return err;
}

/* run's reader on the object's mapped stats arrays (and ring buffer), then its loop. */
static int generate_mapped(struct run_output *out, struct run_output *cum, const char *prefix)
{
	struct slow_reader sr = {};
	struct stats_source src;
	struct stats_reader r;
	int err = stats_source_map(&src, skel, skel->rodata->targ_spans);

	if (err)
		return err;
	err = stats_reader_init(&r, &src, KVMSTAT_ARCH_ARM64, NULL);
	if (!err && out->slow)
		err = slow_reader_open(&sr, skel, out->slow);
	err = err ?: generate(&r, out->slow ? &sr : NULL, out, cum, prefix);
	slow_reader_close(&sr);
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
		for (k = 0; k < fed[t].truth.nr; k++)
			fprintf(f, "%u 0x%llx %s %llu\n", fed[t].tid,
				(unsigned long long)fed[t].truth.key[k].class,
				fed[t].truth.key[k].user ? "user" : "kernel",
				(unsigned long long)fed[t].truth.key[k].exits);
	return fclose(f) ? -EIO : 0;
}

/* detail: PREFIX.expect, what the threads fed in the intervals. */
static int write_expect(const char *prefix)
{
	FILE *f = open_out(prefix, ".expect");
	unsigned int t, i;
	__u64 n;

	if (!f)
		return -EIO;
	for (i = 0; i < NR_SYS_KEYS; i++) {
		for (t = 0, n = 0; t < NR_THREADS; t++)
			n += fed[t].sys[i];
		fprintf(f, "key 0x%llx 0x%llx %llu\n", (unsigned long long)SYS64,
			(unsigned long long)sys_keys[i], (unsigned long long)n);
	}
	for (i = 0; i < NR_HVC_KEYS; i++) {
		for (t = 0, n = 0; t < NR_THREADS; t++)
			n += fed[t].hvc[i];
		fprintf(f, "key 0x%llx 0x%llx %llu\n", (unsigned long long)HVC64,
			(unsigned long long)hvc_keys[i], (unsigned long long)n);
	}
	for (t = 0; t < NR_THREADS; t++)
		for (i = 0; i < fed[t].nr_slow; i++) {
			const struct slow_fed *x = &fed[t].slow[i];

			fprintf(f, "slow %u %llu 0x%llx 0x%llx 0x%llx %llu %llu\n", fed[t].tid,
				(unsigned long long)x->ts, (unsigned long long)x->class,
				(unsigned long long)x->key, (unsigned long long)x->pc,
				(unsigned long long)x->handling_ns, (unsigned long long)x->guest_ns);
		}
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
	static const char *const groups[] = { "class", "vm", "vcpu", "detail" };
	struct run_output out = {}, cum;
	struct slow_list slow = {};
	struct utsname uts;
	int err = 0, g = GROUP_VCPU;

	if (argc >= 3)
		for (g = 0; g < 4 && strcmp(argv[2], groups[g]); g++)
			;
	if (argc == 4)
		max_keys = strtoul(argv[3], NULL, 10);
	if (argc < 2 || argc > 4 || g > GROUP_VCPU + 1 || !max_keys) {
		fprintf(stderr, "usage: gen-ndjson PREFIX [class|vm|vcpu|detail [MAX_KEYS]]\n");
		return 2;
	}
	detail = g > GROUP_VCPU;
	if (detail)
		g = GROUP_VCPU;
	uname(&uts);
	out = (struct run_output){
		/* as `run --span both --hist --json PREFIX.ndjson -b G --prom-file F > PREFIX.run.txt` */
		.view = { .by = g, .sort = SORT_COUNT, .spans = 3, .hist = true, .names = &names },
		.meta = { .host = uts.nodename, .kernel = uts.release, .vcpu_source = "thread",
			  .spans = 3, .by = g, .names = &names },
		.prom = { .spans = 3, .names = &names },
	};
	if (detail) {	/* as `run --detail --detail-max 4 --slow 1ms` */
		out.view.detail_top = 5;
		out.meta.detail_max = DETAIL_MAX;
		out.meta.slow_threshold_ns = SLOW_NS;
		out.prom.keys = true;
		out.prom.slow = SLOW_NS;
		out.slow = &slow;
		out.slow_text = (struct slow_text_opts){ .arch = KVMSTAT_ARCH_ARM64, .names = &names,
							 .threshold_ns = SLOW_NS };
		out.slow_line = (struct slow_line_meta){ .host = uts.nodename, .kernel = uts.release,
							 .arch = KVMSTAT_ARCH_ARM64, .names = &names,
							 .keys = true };
	}
	if (!load()) {
		fprintf(stderr, "gen-ndjson: failed to load BPF object: %s (root?)\n", strerror(errno));
		return 1;
	}
	cum = out;
	cum.cumulative = true;
	cum.slow = NULL;	/* the interval's records are out's (its table is not compared) */
	out.json = open_out(argv[1], ".ndjson");
	out.table = open_out(argv[1], ".run.txt");
	cum.table = open_out(argv[1], ".cumulative.txt");
	out.json_path = argv[1];
	pthread_barrier_init(&go, NULL, NR_THREADS + 1);
	pthread_barrier_init(&done, NULL, NR_THREADS + 1);
	err = out.json && out.table && cum.table ? generate_mapped(&out, &cum, argv[1]) : -EIO;
	if (out.json)
		fclose(out.json);
	if (out.table)
		fclose(out.table);
	if (cum.table)
		fclose(cum.table);
	kvmstat_bpf__destroy(skel);
	err = err ?: output_failures(&out, true) || output_failures(&cum, true) ? -EIO : 0;
	err = err ?: write_truth(argv[1]);
	err = err ?: detail ? write_expect(argv[1]) : 0;
	output_free(&out);
	output_free(&cum);
	slow_list_free(&slow);
	if (err || failed)
		fprintf(stderr, "gen-ndjson: failed to generate: %s\n", err ? strerror(-err) : "test run failed");
	return err || failed ? 1 : 0;
}
