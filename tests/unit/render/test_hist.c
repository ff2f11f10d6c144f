// SPDX-License-Identifier: GPL-2.0
/* render_hist on hand-written snapshots; every expected line is written out by hand. */
#include <stdlib.h>
#include <string.h>
#include "render/hist.h"
#include "render/views.h"
#include "test.h"

#define DABT_LOW 0x200000024ULL
#define HVC64 0x200000016ULL

static void add(struct snapshot *s, __u32 vm, __u32 vcpu, __u32 tid, __u64 class, __u32 flags,
		const struct kvmstat_span_stats *h, __u64 exits)
{
	struct kvmstat_key k = { .class = class, .vm = vm, .vcpu = vcpu, .tid = tid, .flags = flags };
	struct kvmstat_value v = { .exits = exits };

	if (h)
		v.span[KVMSTAT_SPAN_HANDLING] = *h;
	snapshot_add(s, &k, &v);
}

static char *render(const struct snapshot *s, enum grouping by, const struct names *names)
{
	struct table_opts o = { .by = by, .span = KVMSTAT_SPAN_HANDLING, .names = names };
	struct view v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (ASSERT_EQ(view_build(&v, s, by, 0), 0)) {
		view_sort(&v, by, SORT_COUNT, KVMSTAT_SPAN_HANDLING);
		ASSERT_EQ(render_hist(f, &v, &o), 0);
	}
	view_free(&v);
	fclose(f);
	return buf;
}

/* 6 handling times: 1000 | 1100 1200 | 2000 | 4200 4500 ns, in 4 fine buckets. */
static void dabt_stats(struct kvmstat_span_stats *h)
{
	memset(h, 0, sizeof(*h));
	h->count = 6;
	h->sum_ns = 14000;
	h->min_ns = 1000;
	h->max_ns = 4500;
	h->hist[35] = 1;	/* [896, 1024) */
	h->hist[36] = 2;	/* [1024, 1280) */
	h->hist[39] = 1;	/* [1792, 2048) */
	h->hist[44] = 2;	/* [4096, 5120) */
}

TEST(log2_lines_stats_and_untimed_class)
{
	static const char want[] =
		"kvmstat-bpf  arm64  handling time histograms  interval 2.00s\n"
		"percentiles from the in-kernel buckets: within 1/8 of the value\n"
		"\n"
		"DABT_LOW/user\n"
		"    range                     count  distribution\n"
		"       512ns -> 1.02us            1 |*************                           |\n"
		"      1.02us -> 2.05us            3 |****************************************|\n"
		"      2.05us -> 4.10us            0 |                                        |\n"
		"      4.10us -> 8.19us            2 |**************************              |\n"
		"    count 6  min 1.00us  avg 2.33us  max 4.50us  p50 1.15us  p90 4.50us  p99 4.50us\n"
		"\n"
		"HVC64\n"
		"    no handling time measured\n";
	struct kvmstat_span_stats h;
	struct snapshot s;
	char *out;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	s.end_mono_ns = 2000000000ULL;
	dabt_stats(&h);
	add(&s, 100, 0, 101, DABT_LOW, KVMSTAT_KEY_USER, &h, 6);
	add(&s, 100, 0, 101, HVC64, 0, NULL, 2);	/* counted, never timed */
	out = render(&s, GROUP_CLASS, NULL);
	ASSERT_STR(out, want);
	free(out);
	snapshot_free(&s);
}

TEST(smallest_and_open_ended_lines)
{
	static const char want[] =
		"kvmstat-bpf  x86  handling time histograms  interval 0.00s\n"
		"percentiles from the in-kernel buckets: within 1/8 of the value\n"
		"\n"
		"IO_INSTRUCTION\n"
		"    range                     count  distribution\n"
		"         0ns -> 1ns               2 |****************************************|\n"
		"         1ns -> 2ns               0 |                                        |\n"
		"         2ns -> 4ns               1 |********************                    |\n"
		"    count 3  min 0ns  avg 1ns  max 3ns  p50 0ns  p90 3ns  p99 3ns\n"
		"\n"
		"HLT\n"
		"    range                     count  distribution\n"
		"       4.29s -> inf               1 |****************************************|\n"
		"    count 1  min 20.0s  avg 20.0s  max 20.0s  p50 20.0s  p90 20.0s  p99 20.0s\n";
	struct kvmstat_span_stats h = { .count = 3, .sum_ns = 3, .min_ns = 0, .max_ns = 3 };
	struct snapshot s;
	char *out;

	snapshot_init(&s, KVMSTAT_ARCH_X86);
	h.hist[0] = 2;		/* 0 ns twice */
	h.hist[3] = 1;		/* 3 ns */
	add(&s, 1, 0, 1, KVMSTAT_X86_CLASS(KVMSTAT_X86_ISA_VMX, 30), 0, &h, 3);
	memset(&h, 0, sizeof(h));
	h.count = 1;
	h.sum_ns = h.min_ns = h.max_ns = 20000000000ULL;
	h.hist[KVMSTAT_HIST_BUCKETS - 1] = 1;	/* 20 s: the open-ended last bucket */
	add(&s, 1, 0, 1, KVMSTAT_X86_CLASS(KVMSTAT_X86_ISA_VMX, 12), 0, &h, 1);
	out = render(&s, GROUP_CLASS, NULL);
	ASSERT_STR(out, want);
	free(out);
	snapshot_free(&s);
}

static const char *vm_name(void *ctx, __u32 pid)
{
	(void)ctx;
	return pid == 100 ? "web1" : NULL;
}

static const char *thread_name(void *ctx, __u32 pid, __u32 tid)
{
	(void)ctx;
	return pid == 100 && tid == 101 ? "CPU 0/KVM" : NULL;
}

TEST(grouped_by_vcpu_with_names)
{
	static const char want[] =
		"kvmstat-bpf  arm64  handling time histograms  interval 0.00s\n"
		"percentiles from the in-kernel buckets: within 1/8 of the value\n"
		"\n"
		"VM 100 (web1)  vCPU 0 thread 101 (CPU 0/KVM)\n"
		"\n"
		"  DABT_LOW/user\n"
		"    range                     count  distribution\n"
		"       512ns -> 1.02us            1 |*************                           |\n"
		"      1.02us -> 2.05us            3 |****************************************|\n"
		"      2.05us -> 4.10us            0 |                                        |\n"
		"      4.10us -> 8.19us            2 |**************************              |\n"
		"    count 6  min 1.00us  avg 2.33us  max 4.50us  p50 1.15us  p90 4.50us  p99 4.50us\n"
		"\n"
		"VM 200 (?)  vCPU ? thread 201 (?)\n"
		"\n"
		"  HVC64\n"
		"    no handling time measured\n";
	const struct names names = { .vm_name = vm_name, .thread_name = thread_name };
	struct kvmstat_span_stats h;
	struct snapshot s;
	char *out;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	dabt_stats(&h);
	add(&s, 200, KVMSTAT_VCPU_UNKNOWN, 201, HVC64, 0, NULL, 9);
	add(&s, 100, 0, 101, DABT_LOW, KVMSTAT_KEY_USER, &h, 6);
	out = render(&s, GROUP_VCPU, &names);
	ASSERT_STR(out, want);
	free(out);
	snapshot_free(&s);
}

TEST(empty_view)
{
	struct table_opts o = { .by = GROUP_CLASS, .span = KVMSTAT_SPAN_GUEST, .final = true };
	struct snapshot s;
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	struct view v;

	snapshot_init(&s, KVMSTAT_ARCH_RISCV);
	if (ASSERT_EQ(view_build(&v, &s, GROUP_CLASS, 0), 0))
		ASSERT_EQ(render_hist(f, &v, &o), 0);
	view_free(&v);
	fclose(f);
	ASSERT_STR(buf, "kvmstat-bpf  riscv  guest time histograms  whole run 0.00s\n"
			"percentiles from the in-kernel buckets: within 1/8 of the value\n"
			"\n"
			"no exits\n");
	free(buf);
}

static const char *evil_name(void *ctx, __u32 pid)
{
	(void)ctx;
	(void)pid;
	return "a\nb\x1b[2J\xc2\x85\xff\xc3\xa9";	/* newline, ESC, C1 NEL, bad byte, e-acute */
}

/* The text views print names with control characters and bad UTF-8 as '?'. */
TEST(views_print_names_safely)
{
	const struct names names = { .vm_name = evil_name };
	struct view_opts o = { .by = GROUP_VCPU, .spans = 1, .hist = true, .names = &names };
	struct kvmstat_span_stats h;
	struct snapshot s;
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	dabt_stats(&h);
	add(&s, 100, 0, 101, DABT_LOW, 0, &h, 6);
	ASSERT_EQ(render_snapshot_views(f, &s, &o), 0);
	fclose(f);
	/* once in the table, once over the histograms */
	ASSERT_TRUE(strstr(buf, "\nVM 100 (a?b?[2J??\xc3\xa9)  vCPU 0 thread 101 (?)\n"));
	ASSERT_TRUE(strstr(strstr(buf, "histograms"), "\nVM 100 (a?b?[2J??\xc3\xa9)  vCPU 0 thread"));
	ASSERT_TRUE(!strchr(buf, '\x1b'));
	if (test_failed)
		fputs(buf, stdout);
	free(buf);
	snapshot_free(&s);
}

TEST_MAIN(TEST_CASE(log2_lines_stats_and_untimed_class),
	  TEST_CASE(smallest_and_open_ended_lines),
	  TEST_CASE(grouped_by_vcpu_with_names),
	  TEST_CASE(empty_view),
	  TEST_CASE(views_print_names_safely))
