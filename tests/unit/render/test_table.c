// SPDX-License-Identifier: GPL-2.0
/* The table on hand-written snapshots. */
#include <stdlib.h>
#include <string.h>
#include "model/keys.h"
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

static const char *vm_name(void *ctx, __u32 pid)
{
	(void)ctx;
	return pid == 100 ? "db" : NULL;
}

static const char *vm_uuid(void *ctx, __u32 pid)
{
	(void)ctx;
	return pid == 100 ? "6b1d7f3e-2c4a-4e58-9f61-0a8b3c5d7e92" : NULL;
}

static const char *vm_scope(void *ctx, __u32 pid)
{
	(void)ctx;
	return pid == 100 ? "machine-qemu\\x2d1\\x2ddb.scope" : NULL;
}

static const char *thread_name(void *ctx, __u32 pid, __u32 tid)
{
	(void)ctx;
	(void)pid;
	return tid == 101 ? "CPU 0/KVM" : tid == 102 ? "CPU 1/KVM" : tid == 201 ? "worker" : NULL;
}

/*
 * -b vcpu titles: the VM's name, UUID and libvirt scope; a vCPU by KVM's id, or, unknown,
 * by QEMU's index in its thread name ("CPU 1/KVM"); a VM with none of them shows what it has.
 */
TEST(vcpu_titles_name_the_vm_and_the_vcpu)
{
	const struct names names = { .vm_name = vm_name, .vm_uuid = vm_uuid, .vm_scope = vm_scope,
				     .thread_name = thread_name };
	struct table_opts o = { .by = GROUP_VCPU, .span = KVMSTAT_SPAN_HANDLING, .names = &names };
	struct snapshot s;
	struct view v;
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	add(&s, 100, 0, 101, HVC64, 0, 30, 1000);
	add(&s, 100, KVMSTAT_VCPU_UNKNOWN, 102, HVC64, 0, 20, 1000);
	add(&s, 200, KVMSTAT_VCPU_UNKNOWN, 201, HVC64, 0, 10, 1000);
	if (ASSERT_EQ(view_build(&v, &s, GROUP_VCPU, 1U << GROUP_VCPU), 0)) {
		view_sort(&v, GROUP_VCPU, SORT_COUNT, KVMSTAT_SPAN_HANDLING);
		ASSERT_EQ(render_table(f, &v, &o), 0);
	}
	view_free(&v);
	fclose(f);
	ASSERT_TRUE(strstr(t, "\nVM 100 (db, uuid 6b1d7f3e-2c4a-4e58-9f61-0a8b3c5d7e92, "
			   "machine-qemu\\x2d1\\x2ddb.scope)  vCPU 0 thread 101 (CPU 0/KVM)\n"));
	ASSERT_TRUE(strstr(t, "\nVM 100 (db, uuid 6b1d7f3e-2c4a-4e58-9f61-0a8b3c5d7e92, "
			   "machine-qemu\\x2d1\\x2ddb.scope)  vCPU ? (QEMU index 1) thread 102 (CPU 1/KVM)\n"));
	ASSERT_TRUE(strstr(t, "\nVM 200 (?)  vCPU ? thread 201 (worker)\n"));
	if (test_failed)
		fputs(t, stdout);
	free(t);
	snapshot_free(&s);
}

TEST(vcpu_index_from_qemu_thread_names)
{
	ASSERT_EQ(vcpu_index_of_thread_name("CPU 0/KVM"), 0);
	ASSERT_EQ(vcpu_index_of_thread_name("CPU 12/KVM"), 12);
	ASSERT_EQ(vcpu_index_of_thread_name("CPU 1/KVMx"), -1);
	ASSERT_EQ(vcpu_index_of_thread_name("CPU x/KVM"), -1);
	ASSERT_EQ(vcpu_index_of_thread_name("CPU -1/KVM"), -1);
	ASSERT_EQ(vcpu_index_of_thread_name("qemu-system-aar"), -1);
	ASSERT_EQ(vcpu_index_of_thread_name(NULL), -1);
}

/* --detail: under each class row its top keys (named from arch/), then other and unknown. */
TEST(table_key_rows_top_other_unknown)
{
	struct key_rows keys;
	struct table_opts o = { .by = GROUP_CLASS, .span = KVMSTAT_SPAN_HANDLING, .keys = &keys,
				.detail_top = 2 };
	struct snapshot s;
	struct view v;
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	s.end_mono_ns = 1000000000;
	/* ID_AA64PFR0_EL1 read 6, MIDR_EL1 read 3, OSLAR_EL1 write 1, the kernel's other 2, unknown 4 */
	add_key(&s, 100, 0, 101, SYS64, KVMSTAT_KEY_DETAIL, 0x300009, 6, 1000);
	add_key(&s, 100, 1, 102, SYS64, KVMSTAT_KEY_DETAIL, 0x300001, 3, 1000);
	add_key(&s, 100, 1, 102, SYS64, KVMSTAT_KEY_DETAIL, 0x280400, 1, 1000);
	add_key(&s, 100, 1, 102, SYS64, KVMSTAT_KEY_OTHER, 0, 2, 1000);
	add_key(&s, 100, 0, 101, SYS64, 0, 0, 4, 1000);
	add_key(&s, 100, 0, 101, HVC64, KVMSTAT_KEY_DETAIL, 0x84000000, 5, 1000);
	if (ASSERT_EQ(view_build(&v, &s, GROUP_CLASS, 1U << GROUP_CLASS), 0) &&
	    ASSERT_EQ(key_rows_build(&keys, &s, GROUP_CLASS), 0)) {
		view_sort(&v, GROUP_CLASS, SORT_COUNT, KVMSTAT_SPAN_HANDLING);
		ASSERT_EQ(render_table(f, &v, &o), 0);
		key_rows_free(&keys);
	}
	view_free(&v);
	fclose(f);
	ASSERT_STR(row(t, "SYS64"),
		   "SYS64                                            16   76.2       16.0   76.2   1.00us   1.00us   1.00us");
	ASSERT_STR(row(t, "ID_AA64PFR0_EL1"),
		   "  ID_AA64PFR0_EL1 read                            6   28.6        6.0   28.6   1.00us   1.00us   1.00us");
	ASSERT_TRUE(strstr(t, "\n  MIDR_EL1 read  "));
	ASSERT_STR(row(t, "other"),	/* OSLAR_EL1 write and the kernel's other */
		   "  other (2+ keys)                                 3   14.3        3.0   14.3   1.00us   1.00us   1.00us");
	ASSERT_TRUE(strstr(t, "\n  (key unknown)                                   4   19.0"));
	ASSERT_TRUE(strstr(t, "\n  PSCI_VERSION                                    5   23.8"));
	ASSERT_TRUE(!strstr(t, "OSLAR"));
	if (test_failed)
		fputs(t, stdout);
	free(t);
	snapshot_free(&s);
}

TEST_MAIN(TEST_CASE(table_rows_by_class),
	  TEST_CASE(table_grouped_by_vcpu_has_group_totals),
	  TEST_CASE(vcpu_titles_name_the_vm_and_the_vcpu),
	  TEST_CASE(vcpu_index_from_qemu_thread_names),
	  TEST_CASE(table_key_rows_top_other_unknown))
