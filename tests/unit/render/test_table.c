// SPDX-License-Identifier: GPL-2.0
/* The table on hand-written snapshots. */
#include <stdlib.h>
#include <string.h>
#include "model/view.h"
#include "render/table.h"
#include "fixtures.h"
#include "test.h"

static char *render(const struct snapshot *s, enum grouping by)
{
	struct table_opts o = { .by = by, .span = KVMSTAT_SPAN_HANDLING };
	struct view v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (ASSERT_EQ(view_build(&v, s, by, 1U << by), 0)) {
		view_sort(&v, by, SORT_COUNT, KVMSTAT_SPAN_HANDLING);
		ASSERT_EQ(render_table(f, &v, &o), 0);
	}
	view_free(&v);
	fclose(f);
	return buf;
}

/* The line of a rendered table that starts with label (after indentation). */
static const char *row(const char *table, const char *label)
{
	static char line[256];
	const char *p = table;

	while (p && *p) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *t = p;

		while (*t == ' ')
			t++;
		if (!strncmp(t, label, strlen(label)) && t[strlen(label)] == ' ') {
			snprintf(line, sizeof(line), "%.*s", (int)n, p);
			return line;
		}
		p = end ? end + 1 : NULL;
	}
	return "";
}

TEST(table_rows_by_class)
{
	struct snapshot s;
	char *t;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	s.end_mono_ns = 2000000000;	/* a 2 s interval */
	add(&s, 100, 0, 101, DABT_LOW, KVMSTAT_KEY_USER, 30, 4000);
	add(&s, 100, 1, 102, HVC64, 0, 10, 1000);
	t = render(&s, GROUP_CLASS);
	/* label, count, %, rate/s, time%, min, avg, max */
	ASSERT_STR(row(t, "DABT_LOW/user"),
		   "DABT_LOW/user                        30   75.0       15.0   92.3   4.00us   4.00us   4.00us");
	ASSERT_STR(row(t, "HVC64"),
		   "HVC64                                10   25.0        5.0    7.7   1.00us   1.00us   1.00us");
	ASSERT_STR(row(t, "TOTAL"),
		   "TOTAL                                40  100.0       20.0  100.0   1.00us   3.25us   4.00us");
	ASSERT_TRUE(strstr(t, "arm64  handling time (kvm_exit -> kvm_entry)  interval 2.00s"));
	ASSERT_TRUE(!strchr(t, '\033'));
	if (test_failed)
		fputs(t, stdout);
	free(t);
	snapshot_free(&s);
}

TEST(table_grouped_by_vcpu_has_group_totals)
{
	struct snapshot s;
	char *t;

	snapshot_init(&s, KVMSTAT_ARCH_RISCV);
	s.end_mono_ns = 1000000000;
	add(&s, 100, 0, 101, 23, 0, 3, 10);
	add(&s, 100, 0, 101, KVMSTAT_RISCV_INTR_BIT | 5, 0, 1, 10);
	add(&s, 100, 1, 102, 10, 0, 6, 10);
	t = render(&s, GROUP_VCPU);
	ASSERT_TRUE(strstr(t, "VM 100 (?)  vCPU 0 thread 101 (?)"));
	ASSERT_TRUE(strstr(t, "VM 100 (?)  vCPU 1 thread 102 (?)"));
	ASSERT_STR(row(t, "group total"),
		   "  group total                         4   40.0        4.0   40.0     10ns     10ns     10ns");
	free(t);
	snapshot_free(&s);
}

TEST_MAIN(TEST_CASE(table_rows_by_class),
	  TEST_CASE(table_grouped_by_vcpu_has_group_totals))
