// SPDX-License-Identifier: GPL-2.0
/* Reading lines back: what the writer wrote comes back exactly; what it never writes is refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_parse.h"
#include "model/hist.h"
#include "ndjson/ndjson.h"
#include "fixtures.h"
#include "test.h"

/* Two VMs, three threads (one vCPU unknown), both spans, a drop of each kind. */
static void sample_snapshot(struct snapshot *s)
{
	struct kvmstat_key k;
	size_t i;

	snapshot_init(s, KVMSTAT_ARCH_ARM64);
	s->start_mono_ns = 1000;
	s->end_mono_ns = 2000001000;
	s->start_wall = (struct timespec){ 1700000000, 1 };
	s->end_wall = (struct timespec){ 1700000002, 2 };
	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		s->drops[i] = i + 1;
	add(s, 100, 0, 101, HVC64, 0, 10, 900);		/* in key order: vm, vcpu, tid, class */
	add(s, 100, 0, 101, DABT_LOW, KVMSTAT_KEY_USER, 30, 4000);
	add(s, 100, 1, 102, IRQ, 0, 7, 123456789);
	add(s, 200, KVMSTAT_VCPU_UNKNOWN, 201, HVC64, 0, 2, 5);
	for (i = 0; i < s->nr; i++) {	/* the guest span: another duration each */
		k = s->samples[i].key;
		s->samples[i].val.span[KVMSTAT_SPAN_GUEST].count = 1;
		s->samples[i].val.span[KVMSTAT_SPAN_GUEST].sum_ns = 77 + k.tid;
		s->samples[i].val.span[KVMSTAT_SPAN_GUEST].min_ns = 77 + k.tid;
		s->samples[i].val.span[KVMSTAT_SPAN_GUEST].max_ns = 77 + k.tid;
		s->samples[i].val.span[KVMSTAT_SPAN_GUEST].hist[hist_bucket_of(77 + k.tid)] = 1;
	}
}

static char *write_line_meta(const struct snapshot *s, const struct ndjson_meta *meta)
{
	struct ndjson_meta m = *meta;
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	struct view v;

	if (ASSERT_EQ(view_build(&v, s, m.by, 0), 0))
		ASSERT_EQ(ndjson_write(f, &v, &m), 0);
	view_free(&v);
	fclose(f);
	return buf;
}

/* A total line of a run with --slow (so every drop counter is written). */
static char *write_line(const struct snapshot *s, enum grouping by)
{
	struct ndjson_meta m = {
		.type = RECORD_TOTAL, .host = "h", .kernel = "k", .vcpu_source = "thread", .spans = 3,
		.by = by, .slow_threshold_ns = 1000000, .slow_records = 4,
	};

	return write_line_meta(s, &m);
}

/* 0, or the decoder's error (in err). */
static int decode(const char *line, struct record *r, char *err, size_t errlen)
{
	struct json_error jerr;
	struct jval root;
	int ret = json_parse(line, strlen(line), &root, &jerr);

	if (!ASSERT_EQ(ret, 0)) {
		snapshot_init(&r->snap, KVMSTAT_ARCH_UNKNOWN);
		return ret;
	}
	ret = record_decode(&root, r, NULL, err, errlen);
	jval_free(&root);
	return ret;
}

TEST(what_was_written_reads_back_exactly)
{
	struct snapshot s;
	struct record r;
	char err[256] = "", *line;
	size_t i;

	sample_snapshot(&s);
	line = write_line(&s, GROUP_VCPU);
	if (!ASSERT_EQ(decode(line, &r, err, sizeof(err)), 0))
		printf("%s\n", err);
	ASSERT_TRUE(r.total);
	ASSERT_EQ(r.slow_threshold_ns, 1000000);
	ASSERT_EQ(r.slow_records, 4);
	ASSERT_EQ(r.detail_max, 0);
	ASSERT_EQ(r.level, GROUP_VCPU);
	ASSERT_EQ(r.spans, 3);
	ASSERT_EQ(r.snap.arch, KVMSTAT_ARCH_ARM64);
	ASSERT_EQ(r.snap.end_mono_ns, s.end_mono_ns);
	ASSERT_EQ(r.snap.end_wall.tv_nsec, 2);
	ASSERT_TRUE(!memcmp(r.snap.drops, s.drops, sizeof(s.drops)));
	if (!ASSERT_EQ(r.snap.nr, s.nr))
		goto out;
	for (i = 0; i < s.nr; i++) {	/* the writer's key order is the sample order here */
		ASSERT_TRUE(!memcmp(&r.snap.samples[i].key, &s.samples[i].key, sizeof(s.samples[i].key)));
		ASSERT_TRUE(!memcmp(&r.snap.samples[i].val, &s.samples[i].val, sizeof(s.samples[i].val)));
	}
out:
	free(line);
	snapshot_free(&r.snap);
	snapshot_free(&s);
}

static int sample_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct sample *)a)->key, &((const struct sample *)b)->key);
}

/* --detail: a class's key rows go out as its "keys" and come back as the samples they were. */
TEST(keys_read_back_as_samples)
{
	struct ndjson_meta m = {
		.type = RECORD_TOTAL, .host = "h", .kernel = "k", .vcpu_source = "thread", .spans = 1,
		.by = GROUP_VCPU, .detail_max = 64,
	};
	__u32 D = KVMSTAT_KEY_DETAIL, O = KVMSTAT_KEY_OTHER, U = KVMSTAT_KEY_USER;
	struct snapshot s;
	struct record r;
	char err[256] = "", *line;
	size_t i;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	add_key(&s, 100, 0, 101, HVC64, D, 0x84000000, 5, 900);
	add_key(&s, 100, 0, 101, HVC64, D, 0x80000000, 3, 800);
	add_key(&s, 100, 0, 101, HVC64, O, 0, 2, 700);
	add_key(&s, 100, 0, 101, HVC64, 0, 0, 1, 600);		/* key unknown */
	add_key(&s, 100, 0, 101, DABT_LOW, D | U, 0x8000000010000000ULL, 4, 5000);
	add_key(&s, 100, 1, 102, SYS64, D, 0x300009, 7, 400);
	add(&s, 100, 1, 102, IRQ, 0, 9, 300);			/* a class without keys */
	line = write_line_meta(&s, &m);
	if (!ASSERT_TRUE(strstr(line, "\"keys\":[{\"key\":\"0x84000000\",\"kind\":\"key\","
				    "\"name\":\"PSCI_VERSION\",\"exits\":5,")) ||
	    !ASSERT_EQ(decode(line, &r, err, sizeof(err)), 0)) {
		printf("%s\n%s\n", err, line);
		goto out;
	}
	ASSERT_EQ(r.detail_max, 64);
	if (!ASSERT_EQ(r.snap.nr, s.nr))
		goto free_r;
	qsort(r.snap.samples, r.snap.nr, sizeof(*r.snap.samples), sample_cmp);
	qsort(s.samples, s.nr, sizeof(*s.samples), sample_cmp);
	for (i = 0; i < s.nr; i++) {
		ASSERT_TRUE(!memcmp(&r.snap.samples[i].key, &s.samples[i].key, sizeof(s.samples[i].key)));
		ASSERT_EQ(r.snap.samples[i].val.exits, s.samples[i].val.exits);
		ASSERT_EQ(r.snap.samples[i].val.span[0].sum_ns, s.samples[i].val.span[0].sum_ns);
	}
free_r:
	snapshot_free(&r.snap);
out:
	free(line);
	snapshot_free(&s);
}

/* Keys that do not add up to their class: a line no writer makes, refused. */
TEST(keys_must_sum_to_their_class)
{
	struct ndjson_meta m = {
		.type = RECORD_TOTAL, .host = "h", .kernel = "k", .vcpu_source = "thread", .spans = 1,
		.by = GROUP_CLASS, .detail_max = 64,
	};
	struct snapshot s;
	struct record r;
	char err[256] = "", *line, *p;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	add_key(&s, 100, 0, 101, HVC64, KVMSTAT_KEY_DETAIL, 0x84000000, 5, 900);
	line = write_line_meta(&s, &m);
	p = strstr(line, "\"exits\":5,\"handling\"");	/* the class's, before its keys */
	if (ASSERT_TRUE(p)) {
		p[8] = '6';
		ASSERT_EQ(decode(line, &r, err, sizeof(err)), -EINVAL);
		ASSERT_STR(err, "classes[0].keys: exits sum to 5, the class has 6");
		snapshot_free(&r.snap);
	}
	free(line);
	snapshot_free(&s);
}

/* A bucket beyond max_ns is a line no writer makes: refused, naming where. */
TEST(bucket_outside_min_max_refused)
{
	struct snapshot s;
	struct record r;
	char err[256] = "", *line, *max;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	add(&s, 100, 0, 101, HVC64, 0, 10, 900);	/* [896, 1024) */
	add(&s, 100, 0, 102, HVC64, 0, 1, 5000);	/* [4096, 5120) */
	line = write_line(&s, GROUP_CLASS);
	max = strstr(line, "\"max_ns\":5000");
	if (!ASSERT_TRUE(max))
		goto out;
	memcpy(max, "\"max_ns\":4000", 13);	/* the bucket at 4096 now lies above max */
	ASSERT_EQ(decode(line, &r, err, sizeof(err)), -EINVAL);
	ASSERT_STR(err, "classes[0].handling: bucket at 4096 outside [min_ns, max_ns]");
	snapshot_free(&r.snap);
out:
	free(line);
	snapshot_free(&s);
}

TEST_MAIN(TEST_CASE(what_was_written_reads_back_exactly), TEST_CASE(keys_read_back_as_samples),
	  TEST_CASE(keys_must_sum_to_their_class),
	  TEST_CASE(bucket_outside_min_max_refused))
