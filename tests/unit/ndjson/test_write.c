// SPDX-License-Identifier: GPL-2.0
/* The NDJSON writer on a hand-written snapshot: the exact line, read back, valid against the schema. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/json_parse.h"
#include "ndjson/ndjson.h"
#include "test.h"

#define SCHEMA_CHECK "tests/json/check_schema.py"
#define PYTHON "/usr/bin/python3"

static bool parse(const char *text, struct jval *v)
{
	struct json_error e = {};
	int err = json_parse(text, strlen(text), v, &e);

	if (err)
		printf("parse error at %zu: %s\n", e.offset, e.msg);
	return ASSERT_EQ(err, 0);
}

#define DABT_LOW 0x200000024ULL
#define HVC64 0x200000016ULL

static const char *vm_name(void *ctx, __u32 pid)
{
	(void)ctx;
	return pid == 100 ? "web \"1\"\n\xc3\xa9" : NULL;
}

static const char *thread_name(void *ctx, __u32 pid, __u32 tid)
{
	(void)ctx;
	return pid == 100 && tid == 101 ? "CPU 0/KVM" : NULL;
}

static const struct names test_names = { .vm_name = vm_name, .thread_name = thread_name };

/*
 * VM 100: vCPU 0 (tid 101) 3 DABT_LOW exits that went to the VMM, handled in
 * 900, 1000 and 1100 ns; vCPU 1 (tid 102) 1 HVC64 exit of 5 ns, nothing timed
 * for the guest span. Drops: 1 unpaired entry, 2 events past --max-threads.
 */
static void sample_snapshot(struct snapshot *s)
{
	struct kvmstat_key k1 = { .class = DABT_LOW, .vm = 100, .vcpu = 0, .tid = 101,
				  .flags = KVMSTAT_KEY_USER };
	struct kvmstat_key k2 = { .class = HVC64, .vm = 100, .vcpu = 1, .tid = 102 };
	struct kvmstat_value v = { .exits = 3 };
	struct kvmstat_span_stats *h = &v.span[KVMSTAT_SPAN_HANDLING];

	snapshot_init(s, KVMSTAT_ARCH_ARM64);
	s->start_mono_ns = 5000000000ULL;
	s->end_mono_ns = 6000000000ULL;
	s->start_wall = (struct timespec){ 1700000000, 5 };	/* 2023-11-14T22:13:20 */
	s->end_wall = (struct timespec){ 1700000001, 123456789 };
	s->drops[KVMSTAT_DROP_UNPAIRED] = 1;
	s->drops[KVMSTAT_DROP_THREADS_FULL] = 2;
	h->count = 3;
	h->sum_ns = 3000;
	h->min_ns = 900;
	h->max_ns = 1100;
	h->hist[35] = 1;	/* [896, 1024) */
	h->hist[36] = 2;	/* [1024, 1280) */
	snapshot_add(s, &k1, &v);
	memset(&v, 0, sizeof(v));
	v.exits = 1;
	h->count = 1;
	h->sum_ns = h->min_ns = h->max_ns = 5;
	h->hist[5] = 1;		/* [5, 6) */
	snapshot_add(s, &k2, &v);
}

static char *render_line(const struct snapshot *s, enum grouping by, __u32 spans)
{
	struct ndjson_meta m = {
		.type = RECORD_INTERVAL, .host = "h\\1", .kernel = "6.12.0", .vcpu_source = "vcpu_id",
		.spans = spans, .by = by, .names = &test_names,
	};
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	struct view v;

	if (ASSERT_EQ(view_build(&v, s, by, 0), 0))
		ASSERT_EQ(ndjson_write(f, &v, &m), 0);
	view_free(&v);
	fclose(f);
	return buf;
}

TEST(render_json_exact_line)
{
	static const char want[] =
		"{\"schema_version\":1,\"tool\":\"kvmstat-bpf\",\"version\":\"" KVMSTAT_VERSION "\","
		"\"type\":\"interval\",\"host\":\"h\\\\1\",\"arch\":\"arm64\",\"kernel\":\"6.12.0\","
		"\"interval\":{\"start\":\"2023-11-14T22:13:20.000000005Z\","
		"\"end\":\"2023-11-14T22:13:21.123456789Z\","
		"\"start_mono_ns\":5000000000,\"end_mono_ns\":6000000000},"
		"\"spans\":[\"handling\"],\"grouping\":\"class\",\"vcpu_source\":\"vcpu_id\","
		"\"drops\":{\"stats_full\":0,\"inflight\":0,\"unpaired\":1,\"threads_full\":2},\"exits\":4,\"classes\":["
		"{\"class\":\"0x200000016\",\"code\":\"0x16\",\"name\":\"HVC64\",\"origin\":\"kernel\","
		"\"exits\":1,\"handling\":{\"count\":1,\"total_ns\":5,\"min_ns\":5,\"max_ns\":5,"
		"\"avg_ns\":5,\"p50_ns\":5,\"p90_ns\":5,\"p99_ns\":5,"
		"\"buckets\":[{\"lo_ns\":5,\"hi_ns\":6,\"count\":1}]}},"
		"{\"class\":\"0x200000024\",\"code\":\"0x24\",\"name\":\"DABT_LOW\",\"origin\":\"user\","
		"\"exits\":3,\"handling\":{\"count\":3,\"total_ns\":3000,\"min_ns\":900,\"max_ns\":1100,"
		"\"avg_ns\":1000,\"p50_ns\":1100,\"p90_ns\":1100,\"p99_ns\":1100,"
		"\"buckets\":[{\"lo_ns\":896,\"hi_ns\":1024,\"count\":1},"
		"{\"lo_ns\":1024,\"hi_ns\":1280,\"count\":2}]}}]}\n";
	struct snapshot s;
	char *line;

	sample_snapshot(&s);
	line = render_line(&s, GROUP_CLASS, 1U << KVMSTAT_SPAN_HANDLING);
	ASSERT_STR(line, want);
	free(line);
	snapshot_free(&s);
}

TEST(render_json_vcpu_nesting_reads_back)
{
	const struct jval *vm, *vcpu, *cls, *b;
	struct snapshot s;
	struct jval v;
	char *line;

	sample_snapshot(&s);
	line = render_line(&s, GROUP_VCPU, 3);
	if (!parse(line, &v))
		goto out;
	vm = &jval_get(&v, "vms")->arr.items[0];
	ASSERT_EQ(jval_get(vm, "pid")->num.u, 100);
	ASSERT_STR(jval_get(vm, "name")->str.s, "web \"1\"\n\xc3\xa9");
	ASSERT_EQ(jval_get(vm, "exits")->num.u, 4);
	ASSERT_EQ(jval_get(vm, "vm_uuid")->type, JVAL_NULL);	/* no -uuid known */
	vcpu = &jval_get(vm, "vcpus")->arr.items[0];
	ASSERT_EQ(jval_get(vcpu, "vcpu")->num.u, 0);
	ASSERT_EQ(jval_get(vcpu, "tid")->num.u, 101);
	ASSERT_STR(jval_get(vcpu, "thread")->str.s, "CPU 0/KVM");
	cls = &jval_get(vcpu, "classes")->arr.items[0];
	ASSERT_STR(jval_get(cls, "class")->str.s, "0x200000024");
	b = &jval_get(jval_get(cls, "handling"), "buckets")->arr.items[1];
	ASSERT_EQ(jval_get(b, "lo_ns")->num.u, 1024);
	ASSERT_EQ(jval_get(b, "hi_ns")->num.u, 1280);
	ASSERT_EQ(jval_get(b, "count")->num.u, 2);
	ASSERT_EQ(jval_get(jval_get(cls, "guest"), "count")->num.u, 0);
	vcpu = &jval_get(vm, "vcpus")->arr.items[1];
	ASSERT_EQ(jval_get(vcpu, "thread")->type, JVAL_NULL);
	jval_free(&v);
out:
	free(line);
	snapshot_free(&s);
}

/* Every grouping and span set of the hand-written snapshot, validated against the schema. */
TEST(render_json_valid_against_schema)
{
	char path[] = "/tmp/kvmstat-test-XXXXXX", cmd[256];
	enum grouping by;
	struct snapshot s;
	char *line;
	FILE *f;
	int fd, rc;

	if (access(SCHEMA_CHECK, R_OK))
		TEST_SKIP("run from the repository root: " SCHEMA_CHECK " not found");
	if (system(PYTHON " -c 'import jsonschema' 2>/dev/null"))
		TEST_SKIP(PYTHON " has no jsonschema (Debian: python3-jsonschema)");
	fd = mkstemp(path);
	if (!ASSERT_TRUE(fd >= 0))
		return;
	f = fdopen(fd, "w");
	sample_snapshot(&s);
	for (by = GROUP_CLASS; by <= GROUP_VCPU; by++) {
		line = render_line(&s, by, by == GROUP_VM ? 2 : 3);
		fputs(line, f);
		free(line);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), PYTHON " " SCHEMA_CHECK " %s", path);
	rc = system(cmd);
	ASSERT_EQ(rc, 0);
	unlink(path);
	snapshot_free(&s);
}

TEST_MAIN(TEST_CASE(render_json_exact_line),
	  TEST_CASE(render_json_vcpu_nesting_reads_back),
	  TEST_CASE(render_json_valid_against_schema))
