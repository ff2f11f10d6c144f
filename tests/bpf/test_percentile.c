// SPDX-License-Identifier: GPL-2.0
/*
 * Percentile accuracy, root: known latency distributions (10000 durations from
 * a fixed-seed generator) go through the kernel side via BPF_PROG_TEST_RUN
 * (test_exit_class, then test_entry with a timestamp that makes each handling
 * time exactly the duration wanted); span_percentile() on the buckets the
 * kernel filled must be within 1/8 of the exact nearest-rank percentile of the
 * sorted durations, for p50/p90/p99 and every percentile from 1 to 99 and 99.9.
 * Count, sum, min and max must be exact. The measured errors are printed.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../bpf/kvmstat.h"
#include "kvmstat.skel.h"
#include "test_object.h"
#include "model/hist.h"
#include "../unit/test.h"

#define N 10000

static struct kvmstat_bpf *skel;

static bool load_test_object(void)
{
	skel = open_test_object();
	if (!ASSERT_TRUE(skel))
		return false;
	skel->rodata->targ_spans = 1U << KVMSTAT_SPAN_HANDLING;
	return ASSERT_EQ(kvmstat_bpf__load(skel), 0);
}

static bool run(struct bpf_program *prog, const __u64 *args, size_t nr)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = nr * sizeof(*args));

	return !bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) && !opts.retval;
}

/* Exit of `class` at ts, entry after `ns`: one handling interval of exactly ns. */
static bool feed(__u64 class, __u64 ns, __u64 *ts)
{
	__u64 exit_args[] = { class, *ts, 0 }, entry_args[] = { *ts + ns, 0 };	/* id 0: this thread */

	*ts += ns + 1000;
	return run(skel->progs.test_exit_class, exit_args, 3) &&
	       run(skel->progs.test_entry, entry_args, 2);
}

static bool lookup(__u64 class, struct kvmstat_value *v)
{
	struct kvmstat_key key = {
		.class = class, .vm = getpid(), .vcpu = KVMSTAT_VCPU_UNKNOWN,
		.tid = syscall(SYS_gettid),
	};

	return test_stats_lookup(skel, &key, v, sizeof(*v)) >= 0;
}

/* xorshift64*: the same sequence everywhere. */
static __u64 next_rand(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Log-uniform over [2^lo, 2^hi) ns. */
static __u64 log_uniform(__u64 *s, unsigned int lo, unsigned int hi)
{
	unsigned int octave = lo + next_rand(s) % (hi - lo);

	return (1ULL << octave) + next_rand(s) % (1ULL << octave);
}

enum dist { LOG_UNIFORM, UNIFORM_SMALL, BIMODAL };

static __u64 draw(enum dist d, __u64 *s)
{
	switch (d) {
	case LOG_UNIFORM:	/* 1 ns .. 4 ms */
		return log_uniform(s, 0, 22);
	case UNIFORM_SMALL:	/* 1 .. 999 ns, where buckets are narrowest (0 ns is never timed:
				 * the kernel side takes a 0 handling time for "none") */
		return 1 + next_rand(s) % 999;
	case BIMODAL:		/* 90 % fast (~0.5-2 us), 10 % slow MMIO to the VMM (~0.3-3 ms) */
		return next_rand(s) % 10 ? 500 + next_rand(s) % 1500 : 300000 + next_rand(s) % 2700000;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, in integers: the ceil(p * n / 1000)-th smallest, p in tenths of a percent. */
static __u64 exact_percentile(const __u64 *sorted, unsigned int p10)
{
	__u64 rank = ((__u64)p10 * N + 999) / 1000;

	return sorted[rank ? rank - 1 : 0];
}

/* |estimate - exact| / exact; 0 when both are 0. */
static double rel_error(__u64 est, __u64 exact)
{
	double diff = (double)est - (double)exact;

	return exact ? fabs(diff) / exact : (est ? INFINITY : 0);
}

/* One percentile: the bound asserted (8 * |error| <= exact), the error returned. */
static double check_percentile(const struct kvmstat_span_stats *s, const __u64 *sorted,
			       unsigned int p10)
{
	__u64 exact = exact_percentile(sorted, p10), est = span_percentile(s, p10 / 10.0);
	__u64 diff = est > exact ? est - exact : exact - est;

	if (!ASSERT_TRUE(8 * diff <= exact))
		printf("  p%.1f: exact %llu, from buckets %llu\n", p10 / 10.0,
		       (unsigned long long)exact, (unsigned long long)est);
	return rel_error(est, exact);
}

static void check_distribution(enum dist d, __u64 class, const char *what)
{
	static const unsigned int named[] = { 500, 900, 990 };
	static __u64 values[N];
	__u64 seed = 0x2545f4914f6cdd1dULL + d, ts = 1000, sum = 0;
	struct kvmstat_span_stats *s;
	struct kvmstat_value v;
	double err, max_err = 0;
	unsigned int i, p10;

	for (i = 0; i < N; i++) {
		values[i] = draw(d, &seed);
		sum += values[i];
		if (!ASSERT_TRUE(feed(class, values[i], &ts)))
			return;
	}
	qsort(values, N, sizeof(values[0]), cmp_u64);
	if (!ASSERT_TRUE(lookup(class, &v)))
		return;
	s = &v.span[KVMSTAT_SPAN_HANDLING];
	ASSERT_EQ(s->count, N);
	ASSERT_EQ(s->sum_ns, sum);
	ASSERT_EQ(s->min_ns, values[0]);
	ASSERT_EQ(s->max_ns, values[N - 1]);
	printf("# %s:", what);
	for (i = 0; i < 3; i++) {
		err = check_percentile(s, values, named[i]);
		printf(" p%u exact %llu est %llu (%.2f%%)", named[i] / 10,
		       (unsigned long long)exact_percentile(values, named[i]),
		       (unsigned long long)span_percentile(s, named[i] / 10.0), 100 * err);
	}
	for (p10 = 10; p10 <= 999; p10 += p10 < 990 ? 10 : 9) {
		err = check_percentile(s, values, p10);
		if (err > max_err)
			max_err = err;
	}
	printf("; max |error| over p1..p99, p99.9: %.2f%% (bound 12.5%%)\n", 100 * max_err);
}

TEST(log_uniform_ns_to_ms)
{
	if (!load_test_object())
		return;
	check_distribution(LOG_UNIFORM, 11, "log-uniform 1ns..4ms");
	kvmstat_bpf__destroy(skel);
}

TEST(uniform_below_1us)
{
	if (!load_test_object())
		return;
	check_distribution(UNIFORM_SMALL, 12, "uniform 1..999ns");
	kvmstat_bpf__destroy(skel);
}

TEST(bimodal_fast_and_mmio)
{
	if (!load_test_object())
		return;
	check_distribution(BIMODAL, 13, "bimodal 0.5-2us / 0.3-3ms");
	kvmstat_bpf__destroy(skel);
}

TEST_MAIN(TEST_CASE(log_uniform_ns_to_ms),
	  TEST_CASE(uniform_below_1us),
	  TEST_CASE(bimodal_fast_and_mmio))
