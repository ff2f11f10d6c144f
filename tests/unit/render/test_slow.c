// SPDX-License-Identifier: GPL-2.0
/* Slow-exit lines: the heading's counts, one line per record, the cut, printable names. */
#include <stdlib.h>
#include <string.h>
#include "render/slow.h"
#include "fixtures.h"
#include "test.h"

static const char *vm_name(void *ctx, __u32 pid)
{
	(void)ctx;
	return pid == 100 ? "web\n1" : NULL;
}

static const struct names names = { .vm_name = vm_name };

static char *render(const struct slow_list *l, size_t max_lines)
{
	struct slow_text_opts o = {
		.arch = KVMSTAT_ARCH_ARM64, .names = &names, .threshold_ns = 1000000,
		.title = "in this interval", .recorded = l->nr, .suppressed = 7, .lost = 2,
		.max_lines = max_lines,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_EQ(render_slow(f, l, &o), 0);
	fclose(f);
	return buf;
}

/* 2023-11-14T22:13:20.000000123Z, a WFx exit with its key (WFI) and guest PC; an IRQ without one. */
TEST(lines_with_time_key_and_pc)
{
	struct slow_exit e[2] = {
		{ .r = { .ts = 1, .class = KVMSTAT_ARM64_CLASS(2, 0x01), .detail = 0, .pc = 0xffff800080001234,
			 .handling_ns = 5100000, .guest_ns = 1500, .vm = 100, .vcpu = 3, .tid = 4242,
			 .cpu = 1, .flags = KVMSTAT_KEY_DETAIL },
		  .time = { .tv_sec = 1700000000, .tv_nsec = 123 } },
		{ .r = { .ts = 2, .class = IRQ, .handling_ns = 1000000, .vm = 101,
			 .vcpu = KVMSTAT_VCPU_UNKNOWN, .tid = 4243 },
		  .time = { .tv_sec = 1700000001 } },
	};
	struct slow_list l = { .e = e, .nr = 2 };
	char *t = render(&l, 0);

	ASSERT_TRUE(!strncmp(t, "slow exits (handling >= 1.00ms) in this interval: 2 recorded, 7 suppressed "
			     "(rate limit), 2 lost (ring buffer full)\n", 108));
	ASSERT_TRUE(strstr(t, "\n22:13:20.000000123  100 (web?1)            3     4242     1    WFx              "
			      "WFI                          0xffff800080001234    5.10ms    1.50us\n"));
	ASSERT_TRUE(strstr(t, "\n22:13:21.000000000  101 (?)                ?     4243     0    IRQ              "
			      "-                            0x0                   1.00ms         -\n"));
	if (test_failed)
		fputs(t, stdout);
	free(t);
}

TEST(cut_after_max_lines)
{
	struct slow_exit e[5] = {};
	struct slow_list l = { .e = e, .nr = 5 };
	char *t = render(&l, 3), *p;
	int lines = 0;

	for (p = t; (p = strchr(p, '\n')); p++)
		lines++;
	ASSERT_EQ(lines, 1 + 1 + 3 + 1 + 1);	/* heading, column names, 3 records, "... 2 more", blank */
	ASSERT_TRUE(strstr(t, "\n... 2 more (all of them in --json)\n"));
	free(t);
}

TEST(heading_alone_without_records)
{
	struct slow_list l = {};
	char *t = render(&l, 0);

	ASSERT_STR(t, "slow exits (handling >= 1.00ms) in this interval: 0 recorded, 7 suppressed "
		      "(rate limit), 2 lost (ring buffer full)\n\n");
	free(t);
}

TEST_MAIN(TEST_CASE(lines_with_time_key_and_pc),
	  TEST_CASE(cut_after_max_lines),
	  TEST_CASE(heading_alone_without_records))
