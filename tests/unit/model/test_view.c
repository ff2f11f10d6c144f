// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the snapshot model and the renderers on hand-written snapshots. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../arch/arch.h"
#include "host/proc_names.h"
#include "lib/format.h"
#include "lib/json.h"
#include "model/hist.h"
#include "model/view.h"
#include "render/table.h"
#include "test.h"

#define DABT_LOW KVMSTAT_ARM64_CLASS(2, 0x24)
#define HVC64 KVMSTAT_ARM64_CLASS(2, 0x16)
#define IRQ KVMSTAT_ARM64_CLASS(0, 0)

static void add(struct snapshot *s, __u32 vm, __u32 vcpu, __u32 tid, __u64 class, __u32 flags,
		__u64 exits, __u64 ns_each)
{
	struct kvmstat_key k = { .class = class, .vm = vm, .vcpu = vcpu, .tid = tid, .flags = flags };
	struct kvmstat_value v = { .exits = exits };
	struct kvmstat_span_stats *sp = &v.span[KVMSTAT_SPAN_HANDLING];

	sp->count = exits;
	sp->sum_ns = exits * ns_each;
	sp->min_ns = sp->max_ns = ns_each;
	sp->hist[20] = exits;	/* any bucket: these tests don't read it */
	snapshot_add(s, &k, &v);
}

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

/* g = the rows of s's view at one grouping, in key order, with their projected keys. */
static int snapshot_group(const struct snapshot *s, enum grouping by, struct snapshot *g)
{
	const struct view_level *l;
	struct view v;
	size_t i;
	int err = view_build(&v, s, by, 0);

	snapshot_init(g, s->arch);
	l = &v.level[by];
	for (i = 0; i < l->nr_rows && !err; i++)
		if (!snapshot_add(g, &l->keys[i], &l->rows[i]->val))
			err = -1;
	view_free(&v);
	return err;
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

TEST(delta_min_max_bound_the_interval)
{
	struct kvmstat_span_stats p = {}, c, d;

	/* Before: 2 intervals of 100 and 5000 ns. After: plus 2 of 1000 and 1100 ns. */
	p.count = 2; p.sum_ns = 5100; p.min_ns = 100; p.max_ns = 5000;
	p.hist[4 * 5 + 2] = 1;		/* 100 = 64 + 2*16: octave 6, sub-bucket 2 */
	p.hist[4 * 11 + 1] = 1;		/* 5000 = 4096 + 1*1024 (+...) */
	c = p;
	c.count = 4; c.sum_ns = 7200;
	c.hist[4 * 8 + 3] = 2;		/* 1000 and 1100 in [896, 1024) and [1024, ...)? see below */
	span_delta(&p, &c, &d);
	/* Cumulative extremes did not move: bounded by the interval's own bucket [896, 1024). */
	ASSERT_EQ(d.min_ns, 896);
	ASSERT_EQ(d.max_ns, 1023);
	ASSERT_EQ(d.count, 2);
	ASSERT_EQ(d.sum_ns, 2100);
	/* A moved extreme happened in the interval: exact. */
	c.max_ns = 6000;
	span_delta(&p, &c, &d);
	ASSERT_EQ(d.max_ns, 6000);
}

/* Key order: vm, vcpu, tid, class, flags. */
static bool key_before(const struct kvmstat_key *a, const struct kvmstat_key *b)
{
	__u64 ka[] = { a->vm, a->vcpu, a->tid, a->class, a->flags };
	__u64 kb[] = { b->vm, b->vcpu, b->tid, b->class, b->flags };
	size_t i;

	for (i = 0; i < 5; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i];
	return false;
}

/* Hashing finds the groups, sorting orders them: check both against a brute-force sum. */
TEST(group_merges_every_sample_into_its_key_in_order)
{
	static const enum grouping bys[] = { GROUP_CLASS, GROUP_VM, GROUP_VCPU };
	struct snapshot s, g;
	__u64 x = 12345, sum, total = 0;
	size_t i, j, b;

	snapshot_init(&s, KVMSTAT_ARCH_X86);
	for (i = 0; i < 3000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;	/* LCG */
		add(&s, 100 + (x >> 40) % 7, (x >> 20) % 5, 1000 + (x >> 20) % 5, (x >> 8) % 23,
		    (x >> 30) & 1, i + 1, 1);
		total += i + 1;
	}
	for (b = 0; b < 3; b++) {
		if (!ASSERT_EQ(snapshot_group(&s, bys[b], &g), 0))
			return;
		ASSERT_TRUE(g.nr > 20 && g.nr < s.nr);
		for (i = 0, sum = 0; i < g.nr; i++) {
			const struct kvmstat_key *k = &g.samples[i].key;
			__u64 want = 0;

			if (i)
				ASSERT_TRUE(key_before(&g.samples[i - 1].key, k));
			for (j = 0; j < s.nr; j++) {
				const struct kvmstat_key *in = &s.samples[j].key;

				if (in->class == k->class && in->flags == k->flags &&
				    (bys[b] == GROUP_CLASS || in->vm == k->vm) &&
				    (bys[b] != GROUP_VCPU || (in->vcpu == k->vcpu && in->tid == k->tid)))
					want += s.samples[j].val.exits;
			}
			ASSERT_EQ(g.samples[i].val.exits, want);
			ASSERT_EQ(g.samples[i].val.span[0].count, want);
			sum += g.samples[i].val.exits;
		}
		ASSERT_EQ(sum, total);
		snapshot_free(&g);
	}
	snapshot_free(&s);
}

TEST(group_by_class_merges_vcpus_and_keeps_origin_apart)
{
	struct snapshot s, g;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	add(&s, 100, 0, 101, DABT_LOW, KVMSTAT_KEY_USER, 10, 1000);
	add(&s, 100, 1, 102, DABT_LOW, KVMSTAT_KEY_USER, 20, 4000);
	add(&s, 200, 0, 201, DABT_LOW, 0, 5, 100);
	if (!ASSERT_EQ(snapshot_group(&s, GROUP_CLASS, &g), 0) || !ASSERT_EQ(g.nr, 2))
		return;
	/* sorted by key: flags 0 first */
	ASSERT_EQ(g.samples[0].val.exits, 5);
	ASSERT_EQ(g.samples[1].val.exits, 30);
	ASSERT_EQ(g.samples[1].val.span[0].min_ns, 1000);
	ASSERT_EQ(g.samples[1].val.span[0].max_ns, 4000);
	ASSERT_EQ(g.samples[1].val.span[0].sum_ns, 90000);
	snapshot_free(&g);
	ASSERT_EQ(snapshot_group(&s, GROUP_VM, &g), 0);
	ASSERT_EQ(g.nr, 2);
	snapshot_free(&g);
	snapshot_free(&s);
}

TEST(group_by_vcpu_resolves_threads_seen_before_their_vcpu)
{
	struct snapshot s, g;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	add(&s, 100, KVMSTAT_VCPU_UNKNOWN, 101, DABT_LOW, 0, 4, 10);	/* before KVM_RUN was seen */
	add(&s, 100, 3, 101, DABT_LOW, 0, 6, 10);
	add(&s, 100, KVMSTAT_VCPU_UNKNOWN, 102, HVC64, 0, 2, 10);	/* never named: stays unknown */
	add(&s, 200, 3, 101, HVC64, 0, 1, 10);			/* same tid, other VM: not it */
	if (!ASSERT_EQ(snapshot_group(&s, GROUP_VCPU, &g), 0) || !ASSERT_EQ(g.nr, 3))
		return;
	ASSERT_EQ(g.samples[0].key.vcpu, 3);
	ASSERT_EQ(g.samples[0].key.tid, 101);
	ASSERT_EQ(g.samples[0].val.exits, 10);
	ASSERT_EQ(g.samples[1].key.vcpu, KVMSTAT_VCPU_UNKNOWN);
	ASSERT_EQ(g.samples[1].key.tid, 102);
	ASSERT_EQ(g.samples[2].key.vm, 200);
	snapshot_free(&g);
	snapshot_free(&s);
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

static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_write_escaped(f, s);
	fclose(f);
	return buf;
}

TEST(json_escapes_per_rfc8259)
{
	char *e;

	e = escaped("vm \"a\\b\"");
	ASSERT_STR(e, "\"vm \\\"a\\\\b\\\"\"");
	free(e);
	e = escaped("tab\there\nnl\x01\x1f\x7f'");
	ASSERT_STR(e, "\"tab\\there\\nnl\\u0001\\u001f\x7f'\"");
	free(e);
	e = escaped("caf\xc3\xa9 \xff\xc0\xaf \xed\xa0\x80");	/* valid é; invalid, overlong, surrogate */
	ASSERT_STR(e, "\"caf\xc3\xa9 \\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd\"");
	free(e);
}

TEST(json_writer_separators)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_object_begin(&j);
	json_kv_u64(&j, "a", 1);
	json_key(&j, "b");
	json_array_begin(&j);
	json_u64(&j, 2);
	json_object_begin(&j);
	json_object_end(&j);
	json_null(&j);
	json_array_end(&j);
	json_kv_string(&j, "c", "x");
	json_object_end(&j);
	fclose(f);
	ASSERT_STR(buf, "{\"a\":1,\"b\":[2,{},null],\"c\":\"x\"}");
	free(buf);
}

TEST(histogram_bucket_bounds)
{
	ASSERT_EQ(hist_bucket_lo(3), 3);
	ASSERT_EQ(hist_bucket_hi(3), 4);
	ASSERT_EQ(hist_bucket_lo(4), 4);
	ASSERT_EQ(hist_bucket_lo(8), 8);
	ASSERT_EQ(hist_bucket_lo(9), 10);
	ASSERT_EQ(hist_bucket_lo(35), 896);
	ASSERT_EQ(hist_bucket_hi(35), 1024);
	ASSERT_EQ(hist_bucket_hi(KVMSTAT_HIST_BUCKETS - 1), UINT64_MAX);
}

TEST(percentile_from_buckets)
{
	struct kvmstat_span_stats s = { .count = 100, .min_ns = 900, .max_ns = 1900 };

	s.hist[35] = 50;	/* [896, 1024) */
	s.hist[39] = 50;	/* [1792, 2048) */
	ASSERT_EQ(span_percentile(&s, 50), 959);	/* midpoint of [896, 1023], not below min */
	ASSERT_EQ(span_percentile(&s, 51), 1900);	/* midpoint 1919 clamped to max */
	ASSERT_EQ(span_percentile(&s, 99), 1900);
	s.count = 0;
	ASSERT_EQ(span_percentile(&s, 50), 0);
}

TEST(durations_and_seconds)
{
	char b[DURATION_LEN];
	__u64 ns;

	ASSERT_STR(fmt_duration(0, b, sizeof(b)), "0ns");
	ASSERT_STR(fmt_duration(999, b, sizeof(b)), "999ns");
	ASSERT_STR(fmt_duration(1234, b, sizeof(b)), "1.23us");
	ASSERT_STR(fmt_duration(45600, b, sizeof(b)), "45.6us");
	ASSERT_STR(fmt_duration(999999, b, sizeof(b)), "1.00ms");
	ASSERT_STR(fmt_duration(2500000000ULL, b, sizeof(b)), "2.50s");
	ASSERT_EQ(parse_seconds("0.2", &ns), 0);
	ASSERT_EQ(ns, 200000000);
	ASSERT_TRUE(parse_seconds("0", &ns) < 0);
	ASSERT_TRUE(parse_seconds("-1", &ns) < 0);
	ASSERT_TRUE(parse_seconds("1x", &ns) < 0);
	ASSERT_TRUE(parse_seconds("nan", &ns) < 0);
	ASSERT_TRUE(parse_seconds("", &ns) < 0);
}

TEST(qemu_guest_names)
{
	static const char a[] = "qemu-system-aarch64\0-name\0guest=web1,debug-threads=on\0-m\0001G";
	static const char b[] = "qemu\0-name\0db,,2,process=x";
	static const char c[] = "qemu\0-m\0001G";
	static const char d[] = "qemu\0-name";
	char buf[NAME_LEN];

	ASSERT_STR(qemu_guest_name(a, sizeof(a), buf, sizeof(buf)), "web1");
	ASSERT_STR(qemu_guest_name(b, sizeof(b), buf, sizeof(buf)), "db,2");
	ASSERT_TRUE(!qemu_guest_name(c, sizeof(c), buf, sizeof(buf)));
	ASSERT_TRUE(!qemu_guest_name(d, sizeof(d), buf, sizeof(buf)));
	ASSERT_EQ(vcpu_from_thread_name("CPU 3/KVM"), 3);
	ASSERT_EQ(vcpu_from_thread_name("qemu-system-aar"), -1);
}

/* QEMU's -uuid, as qemu_uuid_parse() takes it (8-4-4-4-12 hex digits), lowercased. */
TEST(qemu_vm_uuids)
{
	static const char a[] = "qemu\0-name\0web\0-uuid\0001F2E3D4C-5B6A-4789-8abc-def012345678\0-m\0001G";
	static const char b[] = "qemu\0--uuid\0001f2e3d4c-5b6a-4789-8abc-def012345678";
	static const char short_[] = "qemu\0-uuid\0001f2e3d4c-5b6a-4789-8abc-def01234567";
	static const char nodash[] = "qemu\0-uuid\0001f2e3d4c05b6a-4789-8abc-def012345678";
	static const char nothex[] = "qemu\0-uuid\0001f2e3d4c-5b6a-4789-8abc-def01234567g";
	static const char last[] = "qemu\0-uuid";
	char buf[UUID_STR_LEN];

	ASSERT_STR(qemu_vm_uuid(a, sizeof(a), buf, sizeof(buf)), "1f2e3d4c-5b6a-4789-8abc-def012345678");
	ASSERT_STR(qemu_vm_uuid(b, sizeof(b), buf, sizeof(buf)), "1f2e3d4c-5b6a-4789-8abc-def012345678");
	ASSERT_TRUE(!qemu_vm_uuid(short_, sizeof(short_), buf, sizeof(buf)));
	ASSERT_TRUE(!qemu_vm_uuid(nodash, sizeof(nodash), buf, sizeof(buf)));
	ASSERT_TRUE(!qemu_vm_uuid(nothex, sizeof(nothex), buf, sizeof(buf)));
	ASSERT_TRUE(!qemu_vm_uuid(last, sizeof(last), buf, sizeof(buf)));
	ASSERT_STR(qemu_guest_name(a, sizeof(a), buf, sizeof(buf)), "web");
}

TEST_MAIN(TEST_CASE(delta_min_max_bound_the_interval),
	  TEST_CASE(group_merges_every_sample_into_its_key_in_order),
	  TEST_CASE(group_by_class_merges_vcpus_and_keeps_origin_apart),
	  TEST_CASE(group_by_vcpu_resolves_threads_seen_before_their_vcpu),
	  TEST_CASE(table_rows_by_class),
	  TEST_CASE(table_grouped_by_vcpu_has_group_totals),
	  TEST_CASE(json_escapes_per_rfc8259),
	  TEST_CASE(json_writer_separators),
	  TEST_CASE(histogram_bucket_bounds),
	  TEST_CASE(percentile_from_buckets),
	  TEST_CASE(durations_and_seconds),
	  TEST_CASE(qemu_guest_names),
	  TEST_CASE(qemu_vm_uuids))
