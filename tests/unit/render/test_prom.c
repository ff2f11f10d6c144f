// SPDX-License-Identifier: GPL-2.0
/*
 * render_prom on hand-written snapshots: the exact exposition (written out by
 * hand), then `promtool check metrics` on it when promtool is installed.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "model/hist.h"
#include "render/prom.h"
#include "test.h"

#define PROMTOOL "/usr/bin/promtool"
#define DABT_LOW 0x200000024ULL
#define HVC64 0x200000016ULL

static const char *vm_name(void *ctx, __u32 pid)
{
	(void)ctx;
	return pid == 100 ? "we\"b\\1\n\xff" : NULL;	/* quote, backslash, newline, bad UTF-8 */
}

static const char *vm_uuid(void *ctx, __u32 pid)
{
	(void)ctx;
	return pid == 100 ? "1f2e3d4c-5b6a-4789-8abc-def012345678" : NULL;
}

static const char *vm_scope(void *ctx, __u32 pid)
{
	(void)ctx;
	return pid == 100 ? "machine-qemu\\x2d1\\x2dweb.scope" : NULL;	/* a backslash, escaped */
}

static const struct names names = { .vm_name = vm_name, .vm_uuid = vm_uuid, .vm_scope = vm_scope };
static const struct prom_info info = {
	.version = "9.9.9", .kernel = "6.12.0-test", .vcpu_source = "tp_btf:kvm_entry",
};

static void add(struct snapshot *s, __u32 vm, __u32 vcpu, __u32 tid, __u64 class, __u32 flags,
		__u64 exits, const struct kvmstat_span_stats *h)
{
	struct kvmstat_key k = { .class = class, .vm = vm, .vcpu = vcpu, .tid = tid, .flags = flags };
	struct kvmstat_value v = { .exits = exits };

	if (h)
		v.span[KVMSTAT_SPAN_HANDLING] = *h;
	snapshot_add(s, &k, &v);
}

/*
 * VM 100 vCPU 0 ran on two threads: 6 DABT_LOW/user exits on tid 101 (1000 |
 * 1100 1200 | 2000 | 4200 4500 ns), 1 on tid 105 (300 ns). VM 200, vCPU id
 * unknown, tid 201: 2 HVC64 exits, never timed. Drops: 3 pending exits lost, 1 unpaired,
 * 2 events past --max-threads.
 */
static void sample_snapshot(struct snapshot *s)
{
	struct kvmstat_span_stats h = { .count = 6, .sum_ns = 14000, .min_ns = 1000, .max_ns = 4500 };

	snapshot_init(s, KVMSTAT_ARCH_ARM64);
	h.hist[35] = 1;		/* [896, 1024) */
	h.hist[36] = 2;		/* [1024, 1280) */
	h.hist[39] = 1;		/* [1792, 2048) */
	h.hist[44] = 2;		/* [4096, 5120) */
	add(s, 100, 0, 101, DABT_LOW, KVMSTAT_KEY_USER, 6, &h);
	add(s, 200, KVMSTAT_VCPU_UNKNOWN, 201, HVC64, 0, 2, NULL);
	memset(&h, 0, sizeof(h));
	h.count = 1;
	h.sum_ns = h.min_ns = h.max_ns = 300;
	h.hist[28] = 1;		/* [256, 320) */
	add(s, 100, 0, 105, DABT_LOW, KVMSTAT_KEY_USER, 1, &h);
	s->drops[KVMSTAT_DROP_INFLIGHT] = 3;
	s->drops[KVMSTAT_DROP_UNPAIRED] = 1;
	s->drops[KVMSTAT_DROP_THREADS_FULL] = 2;
}

static char *render_info(const struct snapshot *s, __u32 spans, const struct prom_info *in)
{
	struct prom_opts o = { .spans = spans, .names = &names, .info = in };
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_EQ(render_prom(f, s, &o), 0);
	fclose(f);
	return buf;
}

/* Without prom_info: no info families (want_handling ends with the drops). */
static char *render(const struct snapshot *s, __u32 spans)
{
	return render_info(s, spans, NULL);
}

#define L1 "{arch=\"arm64\",class=\"DABT_LOW\",origin=\"user\",vm=\"100\"," \
	   "vm_name=\"we\\\"b\\\\1\\n\xef\xbf\xbd\",vm_uuid=\"1f2e3d4c-5b6a-4789-8abc-def012345678\"," \
	   "vcpu=\"0\""
#define L2 "{arch=\"arm64\",class=\"HVC64\",origin=\"kernel\",vm=\"200\",vm_name=\"\"," \
	   "vm_uuid=\"\",vcpu=\"tid:201\""
#define H "kvmstat_exit_handling_seconds"

static const char want_handling[] =
	"# HELP kvmstat_exits_total KVM guest exits since kvmstat-bpf attached, by exit class, "
	"origin (user: went out to the VMM), VM (VMM pid) and vCPU.\n"
	"# TYPE kvmstat_exits_total counter\n"
	"kvmstat_exits_total" L1 "} 7\n"
	"kvmstat_exits_total" L2 "} 2\n"
	"# HELP " H " Host time from kvm_exit to the next kvm_entry of the vCPU. le bounds are "
	"2^k-1 ns: exact sums of the in-kernel buckets.\n"
	"# TYPE " H " histogram\n"
	H "_bucket" L1 ",le=\"0.000000255\"} 0\n"
	H "_bucket" L1 ",le=\"0.000001023\"} 2\n"
	H "_bucket" L1 ",le=\"0.000004095\"} 5\n"
	H "_bucket" L1 ",le=\"0.000016383\"} 7\n"
	H "_bucket" L1 ",le=\"0.000065535\"} 7\n"
	H "_bucket" L1 ",le=\"0.000262143\"} 7\n"
	H "_bucket" L1 ",le=\"0.001048575\"} 7\n"
	H "_bucket" L1 ",le=\"0.004194303\"} 7\n"
	H "_bucket" L1 ",le=\"0.016777215\"} 7\n"
	H "_bucket" L1 ",le=\"0.067108863\"} 7\n"
	H "_bucket" L1 ",le=\"0.268435455\"} 7\n"
	H "_bucket" L1 ",le=\"1.073741823\"} 7\n"
	H "_bucket" L1 ",le=\"4.294967295\"} 7\n"
	H "_bucket" L1 ",le=\"+Inf\"} 7\n"
	H "_sum" L1 "} 0.0000143\n"
	H "_count" L1 "} 7\n"
	H "_bucket" L2 ",le=\"0.000000255\"} 0\n"
	H "_bucket" L2 ",le=\"0.000001023\"} 0\n"
	H "_bucket" L2 ",le=\"0.000004095\"} 0\n"
	H "_bucket" L2 ",le=\"0.000016383\"} 0\n"
	H "_bucket" L2 ",le=\"0.000065535\"} 0\n"
	H "_bucket" L2 ",le=\"0.000262143\"} 0\n"
	H "_bucket" L2 ",le=\"0.001048575\"} 0\n"
	H "_bucket" L2 ",le=\"0.004194303\"} 0\n"
	H "_bucket" L2 ",le=\"0.016777215\"} 0\n"
	H "_bucket" L2 ",le=\"0.067108863\"} 0\n"
	H "_bucket" L2 ",le=\"0.268435455\"} 0\n"
	H "_bucket" L2 ",le=\"1.073741823\"} 0\n"
	H "_bucket" L2 ",le=\"4.294967295\"} 0\n"
	H "_bucket" L2 ",le=\"+Inf\"} 0\n"
	H "_sum" L2 "} 0\n"
	H "_count" L2 "} 0\n"
	"# HELP kvmstat_drops_total Events kvmstat-bpf could not count: stats_full (exit not "
	"counted, map full), inflight (pending exit lost), unpaired (entry without a seen exit), "
	"threads_full (event of a thread past --max-threads).\n"
	"# TYPE kvmstat_drops_total counter\n"
	"kvmstat_drops_total{arch=\"arm64\",reason=\"stats_full\"} 0\n"
	"kvmstat_drops_total{arch=\"arm64\",reason=\"inflight\"} 3\n"
	"kvmstat_drops_total{arch=\"arm64\",reason=\"unpaired\"} 1\n"
	"kvmstat_drops_total{arch=\"arm64\",reason=\"threads_full\"} 2\n";

TEST(exact_exposition_threads_merged_labels_escaped)
{
	struct snapshot s;
	char *out;

	sample_snapshot(&s);
	out = render(&s, 1U << KVMSTAT_SPAN_HANDLING);
	ASSERT_STR(out, want_handling);
	free(out);
	snapshot_free(&s);
}

#define L3 "{arch=\"riscv\",class=\"VIRTUAL_INST\",origin=\"kernel\",vm=\"7\",vm_name=\"\",vm_uuid=\"\"," \
	   "vcpu=\"3\""
#define G "kvmstat_exit_guest_seconds"

/* The guest span gets its own family; the open-ended last bucket only counts in +Inf. */
TEST(guest_span_and_open_ended_bucket)
{
	struct snapshot s;
	struct kvmstat_key k = { .class = 0x16, .vm = 7, .vcpu = 3, .tid = 8 };
	struct kvmstat_value v = { .exits = 1 };
	char *out;

	snapshot_init(&s, KVMSTAT_ARCH_RISCV);
	v.span[KVMSTAT_SPAN_GUEST].count = 1;
	v.span[KVMSTAT_SPAN_GUEST].sum_ns = 9000000000ULL;
	v.span[KVMSTAT_SPAN_GUEST].hist[KVMSTAT_HIST_BUCKETS - 1] = 1;	/* 9 s */
	snapshot_add(&s, &k, &v);
	out = render(&s, 3);
	ASSERT_TRUE(strstr(out, "# TYPE " H " histogram\n" H "_bucket" L3 ",le=\"0.000000255\"} 0\n"));
	ASSERT_TRUE(strstr(out, "# TYPE " G " histogram\n" G "_bucket" L3 ",le=\"0.000000255\"} 0\n"));
	ASSERT_TRUE(strstr(out, G "_bucket" L3 ",le=\"4.294967295\"} 0\n"
				G "_bucket" L3 ",le=\"+Inf\"} 1\n"
				G "_sum" L3 "} 9\n"
				G "_count" L3 "} 1\n"));
	ASSERT_TRUE(strstr(out, H "_count") < strstr(out, "# HELP " G));
	if (test_failed)
		fputs(out, stdout);
	free(out);
	snapshot_free(&s);
}

TEST(promtool_accepts_it)
{
	char path[] = "/tmp/kvmstat-prom-XXXXXX", cmd[256];
	struct snapshot s;
	char *out;
	FILE *f;
	int fd;

	if (access(PROMTOOL, X_OK))
		TEST_SKIP(PROMTOOL " not installed (Debian package prometheus)");
	fd = mkstemp(path);
	if (!ASSERT_TRUE(fd >= 0))
		return;
	f = fdopen(fd, "w");
	sample_snapshot(&s);
	out = render_info(&s, 3, &info);
	fputs(out, f);
	fclose(f);
	/* check metrics also lints names, HELP, units and label escaping; it says nothing when clean */
	snprintf(cmd, sizeof(cmd), PROMTOOL " check metrics < %s", path);
	ASSERT_EQ(system(cmd), 0);
	unlink(path);
	free(out);
	snapshot_free(&s);
}

static const char want_info[] =
	"# HELP kvmstat_build_info kvmstat-bpf's version, the host's arch and kernel, where vCPU ids "
	"come from and the spans timed; always 1.\n"
	"# TYPE kvmstat_build_info gauge\n"
	"kvmstat_build_info{version=\"9.9.9\",arch=\"arm64\",kernel=\"6.12.0-test\","
	"vcpu_source=\"tp_btf:kvm_entry\",spans=\"handling,guest\"} 1\n"
	"# HELP kvmstat_vm_info A VM seen since attach: VMM pid (vm, as on every series), name, UUID "
	"(QEMU -uuid, else empty) and libvirt's systemd scope (else empty); always 1. Join on vm to "
	"add names and UUIDs to queries.\n"
	"# TYPE kvmstat_vm_info gauge\n"
	"kvmstat_vm_info{vm=\"100\",vm_name=\"we\\\"b\\\\1\\n\xef\xbf\xbd\","
	"vm_uuid=\"1f2e3d4c-5b6a-4789-8abc-def012345678\",vm_scope=\"machine-qemu\\\\x2d1\\\\x2dweb.scope\"} 1\n"
	"kvmstat_vm_info{vm=\"200\",vm_name=\"\",vm_uuid=\"\",vm_scope=\"\"} 1\n";

/* With prom_info: build info, then one vm_info per VM (VM 100's two threads: one line), last. */
TEST(build_and_vm_info_last_one_per_vm)
{
	struct snapshot s;
	char *out;
	size_t n, k = strlen(want_info);

	sample_snapshot(&s);
	out = render_info(&s, 3, &info);
	n = strlen(out);
	if (ASSERT_TRUE(n >= k))
		ASSERT_STR(out + n - k, want_info);
	free(out);
	out = render_info(&s, 1U << KVMSTAT_SPAN_HANDLING, &info);
	ASSERT_TRUE(strstr(out, ",spans=\"handling\"} 1\n") != NULL);
	free(out);
	snapshot_free(&s);
}

/* A random interval: keys of 3 VMs, known and unknown vCPUs, timed in both spans. */
static void random_interval(struct snapshot *s, __u64 *x)
{
	struct kvmstat_span_stats h = {};
	int i, n;

	snapshot_init(s, KVMSTAT_ARCH_ARM64);
	for (i = 0, n = 1 + *x % 40; i < n; i++) {
		*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
		memset(&h, 0, sizeof(h));
		h.count = 1 + (*x >> 50) % 3;
		h.min_ns = h.max_ns = 1ULL << (4 + (*x >> 20) % 30);	/* 16 ns .. 8 s */
		h.sum_ns = h.count * h.min_ns;
		h.hist[hist_bucket_of(h.min_ns)] = h.count;
		add(s, 100 + (*x >> 40) % 3, (*x >> 44) % 4 ? (*x >> 46) % 3 : KVMSTAT_VCPU_UNKNOWN,
		    200 + (*x >> 48) % 6, (*x >> 8) % 2 ? DABT_LOW : HVC64, (*x >> 9) & 1, h.count, &h);
		s->samples[s->nr - 1].val.span[KVMSTAT_SPAN_GUEST] = h;
	}
	s->drops[KVMSTAT_DROP_UNPAIRED] = *x % 3;
}

/*
 * The state across intervals, each adding only what changed, writes what one
 * exposition of all the intervals together writes: the same text, byte for byte.
 */
TEST(state_updated_per_interval_equals_one_exposition_of_the_sum)
{
	struct prom_opts o = { .spans = 3, .names = &names, .info = &info };
	struct snapshot d, all;
	struct prom_state ps;
	char *inc = NULL, *once;
	size_t len, k;
	__u64 x = 17;
	FILE *f;
	int i;

	snapshot_init(&all, KVMSTAT_ARCH_ARM64);
	prom_state_init(&ps, KVMSTAT_ARCH_ARM64, &o);
	for (i = 0; i < 12; i++) {
		random_interval(&d, &x);
		ASSERT_EQ(prom_state_add(&ps, &d), 0);
		for (k = 0; k < d.nr; k++)
			snapshot_add(&all, &d.samples[k].key, &d.samples[k].val);
		all.drops[KVMSTAT_DROP_UNPAIRED] += d.drops[KVMSTAT_DROP_UNPAIRED];
		snapshot_free(&d);
		if (i == 5) {	/* a write in between: texts kept, then remade as series change */
			f = fopen("/dev/null", "w");
			ASSERT_EQ(prom_state_write(&ps, f), 0);
			fclose(f);
		}
	}
	f = open_memstream(&inc, &len);
	ASSERT_EQ(prom_state_write(&ps, f), 0);
	fclose(f);
	once = render_info(&all, 3, &info);
	ASSERT_STR(inc, once);
	free(inc);
	free(once);
	prom_state_free(&ps);
	snapshot_free(&all);
}

/*
 * --detail: one kvmstat_key_exits_total per (VM, class, origin, key), threads and vCPUs
 * summed: VM 100's two threads' PSCI_VERSION (4 + 3), the kernel's other (2) and
 * unknown (1) of HVC64; VM 200's ID_AA64PFR0_EL1 read (5). Keys without --detail: none.
 */
TEST(key_series_per_vm_summed_and_named)
{
	struct prom_opts o = { .spans = 1U << KVMSTAT_SPAN_HANDLING, .names = &names, .keys = true };
	struct kvmstat_key k[] = {
		{ .class = HVC64, .vm = 100, .vcpu = 0, .tid = 101, .flags = KVMSTAT_KEY_DETAIL, .detail = 0x84000000 },
		{ .class = HVC64, .vm = 100, .vcpu = 1, .tid = 102, .flags = KVMSTAT_KEY_DETAIL, .detail = 0x84000000 },
		{ .class = HVC64, .vm = 100, .vcpu = 1, .tid = 102, .flags = KVMSTAT_KEY_OTHER },
		{ .class = HVC64, .vm = 100, .vcpu = 1, .tid = 102 },
		{ .class = 0x200000018ULL, .vm = 200, .vcpu = 0, .tid = 201, .flags = KVMSTAT_KEY_DETAIL,
		  .detail = 0x300009 },
	};
	static const __u64 exits[] = { 4, 3, 2, 1, 5 };
	struct snapshot s;
	char *buf = NULL, *p;
	size_t len, i, n = 0;
	FILE *f = open_memstream(&buf, &len);

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	for (i = 0; i < 5; i++) {
		struct kvmstat_value v = { .exits = exits[i] };

		snapshot_add(&s, &k[i], &v);
	}
	ASSERT_EQ(render_prom(f, &s, &o), 0);
	fclose(f);
#define KL(cls, kind, key, vm, name, uuid) "kvmstat_key_exits_total{arch=\"arm64\",class=\"" cls "\"," \
	"origin=\"kernel\",kind=\"" kind "\",key=\"" key "\",vm=\"" vm "\",vm_name=\"" name "\"," \
	"vm_uuid=\"" uuid "\"}"
#define NAME100 "we\\\"b\\\\1\\n\xef\xbf\xbd"
#define UUID100 "1f2e3d4c-5b6a-4789-8abc-def012345678"
	ASSERT_TRUE(strstr(buf, "\n" KL("HVC64", "key", "PSCI_VERSION", "100", NAME100, UUID100) " 7\n"));
	ASSERT_TRUE(strstr(buf, "\n" KL("HVC64", "other", "other", "100", NAME100, UUID100) " 2\n"));
	ASSERT_TRUE(strstr(buf, "\n" KL("HVC64", "unknown", "unknown", "100", NAME100, UUID100) " 1\n"));
	ASSERT_TRUE(strstr(buf, "\n" KL("SYS64", "key", "ID_AA64PFR0_EL1 read", "200", "", "") " 5\n"));
	for (p = buf; (p = strstr(p, "\nkvmstat_key_exits_total{")); p++)
		n++;
	ASSERT_EQ(n, 4);
	/* the class series still count every exit once */
	ASSERT_TRUE(strstr(buf, "\nkvmstat_exits_total{arch=\"arm64\",class=\"HVC64\",origin=\"kernel\",vm=\"100\""));
	if (test_failed)
		fputs(buf, stdout);
	free(buf);
	o.keys = false;
	buf = NULL;
	f = open_memstream(&buf, &len);
	ASSERT_EQ(render_prom(f, &s, &o), 0);
	fclose(f);
	ASSERT_TRUE(!strstr(buf, "kvmstat_key_exits_total"));
	free(buf);
	snapshot_free(&s);
}

TEST_MAIN(TEST_CASE(exact_exposition_threads_merged_labels_escaped),
	  TEST_CASE(key_series_per_vm_summed_and_named),
	  TEST_CASE(guest_span_and_open_ended_bucket),
	  TEST_CASE(build_and_vm_info_last_one_per_vm),
	  TEST_CASE(promtool_accepts_it),
	  TEST_CASE(state_updated_per_interval_equals_one_exposition_of_the_sum))
