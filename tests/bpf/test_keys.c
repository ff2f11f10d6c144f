// SPDX-License-Identifier: GPL-2.0
/*
 * BPF tests of --detail (second-level keys, the per-class bound and "other") and --slow
 * (the slow-exit records, thresholds, rate limit and lost records), driven through
 * BPF_PROG_TEST_RUN with synthetic exits, keys and timestamps (drive.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include "drive.h"

#define CLASS_A		KVMSTAT_ARM64_CLASS(2, 0x18)	/* any classes: the BPF side takes them as given */
#define CLASS_B		KVMSTAT_ARM64_CLASS(2, 0x16)
#define CLASS_C		KVMSTAT_ARM64_CLASS(2, 0x01)

struct keys_opts {
	bool detail;
	__u32 detail_max;
	__u64 slow_ns;
	__u64 slow_rate, slow_burst;
	const struct slow_threshold *classes;
	__u32 nr_classes;
	__u32 rb_bytes;		/* the ring buffer's size, 0: as `run` sizes it */
};

/* A test object with only the test entry points, handling span on, sized as `run` sizes it. */
static bool load_keys_object(const struct keys_opts *k)
{
	struct loader_opts o = {
		.spans = 1U << KVMSTAT_SPAN_HANDLING,
		.max_keys = 1024,
		.detail = k->detail,
		.detail_max = k->detail_max,
		.slow_ns = k->slow_ns,
		.slow_rate = k->slow_rate,
		.slow_burst = k->slow_burst,
		.slow_classes = k->classes,
		.nr_slow_classes = k->nr_classes,
	};

	skel = open_test_object();
	if (!ASSERT_TRUE(skel))
		return false;
	skel->rodata->targ_spans = o.spans;
	loader_size_inflight(skel, &o);
	loader_size_stats(skel, &o);
	loader_setup_detail(skel, &o);
	if (k->rb_bytes)
		bpf_map__set_max_entries(skel->maps.slow_records, k->rb_bytes);
	/* only the test entry points: loader_setup_detail selected the arch's key programs */
	{
		struct bpf_program *prog;

		bpf_object__for_each_program(prog, skel->obj)
			bpf_program__set_autoload(prog, !strncmp(bpf_program__name(prog), "test_", 5));
	}
	if (!ASSERT_EQ(kvmstat_bpf__load(skel), 0))
		return false;
	return ASSERT_EQ(loader_fill_slow_thresholds(skel, &o), 0);
}

/* An exit whose program has its key, as the RISC-V and x86 ones have some. */
static bool key_exit_of(__u64 id, __u64 class, __u64 key, __u64 pc, __u64 ts)
{
	__u64 args[] = { class, key, pc, ts, id };

	return run(skel->progs.test_exit_key, args, 5);
}

/* The class's own tracepoint, for this thread's pending exit. */
static bool pending_key(__u64 key, __u64 class)
{
	__u64 args[] = { key, class };

	return run(skel->progs.test_pending_key, args, 2);
}

/* n exits of (class, key) by thread id, each handled in 100 ns. */
static bool key_exits(__u64 id, __u64 class, __u64 key, int n, __u64 *ts)
{
	for (int i = 0; i < n; i++) {
		if (!key_exit_of(id, class, key, 0, *ts) || !entry_of(id, *ts + 100))
			return false;
		*ts += 1000;
	}
	return true;
}

/* Exits of one stats key of thread id: flags and key as the loader sees them. */
static __u64 key_count(__u64 id, __u64 class, __u32 flags, __u64 key)
{
	struct kvmstat_key k = {
		.class = class, .vm = id >> 32, .vcpu = KVMSTAT_VCPU_UNKNOWN, .tid = (__u32)id,
		.flags = flags, .detail = key,
	};
	struct kvmstat_value v;

	if (test_stats_lookup(skel, &k, &v, kvmstat_value_size(1)) < 0)
		return 0;
	return v.exits;
}

#define DETAIL KVMSTAT_KEY_DETAIL
#define OTHER KVMSTAT_KEY_OTHER

TEST(keys_are_stats_keys)
{
	struct keys_opts k = { .detail = true };
	__u64 me = self_id(), ts = 1000;

	if (!load_keys_object(&k))
		goto out;
	ASSERT_TRUE(key_exits(me, CLASS_A, 0x300009, 3, &ts));
	ASSERT_TRUE(key_exits(me, CLASS_A, 0x3a3016, 2, &ts));
	ASSERT_TRUE(key_exits(me, CLASS_A, 0, 1, &ts));	/* key 0 is a key (WFI, leaf 0) */
	ASSERT_TRUE(class_exit(CLASS_B, ts) && entry(ts + 100));	/* no key: none recorded */
	ASSERT_EQ(key_count(me, CLASS_A, DETAIL, 0x300009), 3);
	ASSERT_EQ(key_count(me, CLASS_A, DETAIL, 0x3a3016), 2);
	ASSERT_EQ(key_count(me, CLASS_A, DETAIL, 0), 1);
	ASSERT_EQ(key_count(me, CLASS_B, 0, 0), 1);
	ASSERT_EQ(nr_keys(), 4);
out:
	unload();
}

/* Without --detail a key an exit program has is not kept: the default run is unchanged. */
TEST(no_keys_without_detail)
{
	struct keys_opts k = {};
	__u64 me = self_id(), ts = 1000;

	if (!load_keys_object(&k))
		goto out;
	ASSERT_TRUE(key_exits(me, CLASS_A, 0x300009, 3, &ts));
	ASSERT_TRUE(key_exits(me, CLASS_A, 0x3a3016, 2, &ts));
	ASSERT_EQ(key_count(me, CLASS_A, 0, 0), 5);
	ASSERT_EQ(nr_keys(), 1);
out:
	unload();
}

/*
 * The first detail_max keys of a class are admitted, whoever sees them; the exits of
 * any other key go to the class's "other", per thread; each class has its own bound.
 */
TEST(bound_per_class_then_other)
{
	struct keys_opts k = { .detail = true, .detail_max = 2 };
	__u64 me = self_id(), t2 = thread_id(getpid(), 1000001), ts = 1000;

	if (!load_keys_object(&k))
		goto out;
	ASSERT_TRUE(key_exits(me, CLASS_A, 0x11, 4, &ts));
	ASSERT_TRUE(key_exits(t2, CLASS_A, 0x22, 3, &ts));	/* another thread, same class */
	ASSERT_TRUE(key_exits(me, CLASS_A, 0x33, 2, &ts));	/* third key: other */
	ASSERT_TRUE(key_exits(t2, CLASS_A, 0x44, 5, &ts));
	ASSERT_TRUE(key_exits(me, CLASS_A, 0x22, 6, &ts));	/* admitted by t2: its own row here */
	ASSERT_TRUE(key_exits(me, CLASS_A, 0x33, 1, &ts));
	ASSERT_TRUE(key_exits(me, CLASS_B, 0x33, 7, &ts));	/* CLASS_B's first key */
	ASSERT_EQ(key_count(me, CLASS_A, DETAIL, 0x11), 4);
	ASSERT_EQ(key_count(t2, CLASS_A, DETAIL, 0x22), 3);
	ASSERT_EQ(key_count(me, CLASS_A, DETAIL, 0x22), 6);
	ASSERT_EQ(key_count(me, CLASS_A, OTHER, 0), 3);
	ASSERT_EQ(key_count(t2, CLASS_A, OTHER, 0), 5);
	ASSERT_EQ(key_count(me, CLASS_A, DETAIL, 0x33), 0);
	ASSERT_EQ(key_count(me, CLASS_B, DETAIL, 0x33), 7);
	ASSERT_EQ(nr_keys(), 6);
out:
	unload();
}

/* More keys in one thread than its slot cache holds, interleaved: every count exact. */
TEST(many_keys_one_thread_exact)
{
	struct keys_opts k = { .detail = true };
	__u64 me = self_id(), ts = 1000;
	int round, key;

	if (!load_keys_object(&k))
		goto out;
	for (round = 0; round < 5; round++)
		for (key = 0; key < 40; key++)
			if (!ASSERT_TRUE(key_exits(me, CLASS_A, 0x1000 + key, key % 3 + 1, &ts)))
				goto out;
	for (key = 0; key < 40; key++)
		ASSERT_EQ(key_count(me, CLASS_A, DETAIL, 0x1000 + key), 5 * (key % 3 + 1));
	ASSERT_EQ(nr_keys(), 40);
out:
	unload();
}

/* The inverse of an odd 64-bit multiplier (Newton's iteration, mod 2^64). */
static __u64 mul_inverse(__u64 k)
{
	__u64 x = k;

	for (int i = 0; i < 6; i++)
		x *= 2 - k * x;
	return x;
}

/* slot_tag() of kvmstat.bpf.c for a keyed exit, written out again. */
static __u64 key_tag(__u64 class, __u64 key)
{
	return class ^ ((__u64)KVMSTAT_KEY_DETAIL << 48) ^ (1ULL << 47) ^ key * KVMSTAT_TAG_MIX;
}

/*
 * Keys are guest-chosen numbers, so a guest can make two keys of different classes
 * share a slot-cache tag, or a key whose tag is 0 (an empty entry's): each still
 * counts as itself.
 */
TEST(crafted_tag_collisions_stay_exact)
{
	struct keys_opts k = { .detail = true };
	__u64 me = self_id(), ts = 1000, inv = mul_inverse(KVMSTAT_TAG_MIX);
	__u64 key_a = 0x9000000;
	/* key_b's tag in CLASS_B equals key_a's in CLASS_A; key_z's in CLASS_C is 0 */
	__u64 key_b = (key_tag(CLASS_A, key_a) ^ key_tag(CLASS_B, 0)) * inv;
	__u64 key_z = key_tag(CLASS_C, 0) * inv;

	if (!ASSERT_EQ(key_tag(CLASS_B, key_b), key_tag(CLASS_A, key_a)) ||
	    !ASSERT_EQ(key_tag(CLASS_C, key_z), 0))
		return;
	if (!load_keys_object(&k))
		goto out;
	ASSERT_TRUE(key_exits(me, CLASS_A, key_a, 3, &ts));
	ASSERT_TRUE(key_exits(me, CLASS_B, key_b, 2, &ts));
	ASSERT_TRUE(key_exits(me, CLASS_A, key_a, 1, &ts));
	ASSERT_TRUE(key_exits(me, CLASS_C, key_z, 4, &ts));
	ASSERT_EQ(key_count(me, CLASS_A, DETAIL, key_a), 4);
	ASSERT_EQ(key_count(me, CLASS_B, DETAIL, key_b), 2);
	ASSERT_EQ(key_count(me, CLASS_C, DETAIL, key_z), 4);
	ASSERT_EQ(nr_keys(), 3);
out:
	unload();
}

/*
 * A companion tracepoint sets the key of the pending exit of its class, during the
 * handling; of another class, or once the exit went out to the VMM, it does nothing.
 */
TEST(companion_keys_the_pending_exit)
{
	struct keys_opts k = { .detail = true };
	__u64 me = self_id(), ts = 1000;

	if (!load_keys_object(&k))
		goto out;
	ASSERT_TRUE(class_exit(CLASS_A, ts) && pending_key(0x84000000, CLASS_A) && entry(ts + 10));
	ASSERT_TRUE(class_exit(CLASS_A, ts + 100) && pending_key(0x84000000, CLASS_A) &&
		    entry(ts + 110));
	ASSERT_TRUE(class_exit(CLASS_A, ts + 200) && pending_key(0x99, CLASS_B) && entry(ts + 210));
	ASSERT_TRUE(class_exit(CLASS_A, ts + 300) && userspace_exit() &&
		    pending_key(0x77, CLASS_A) && entry(ts + 310));
	ASSERT_TRUE(pending_key(0x55, CLASS_A));	/* nothing pending */
	ASSERT_EQ(key_count(me, CLASS_A, DETAIL, 0x84000000), 2);
	ASSERT_EQ(key_count(me, CLASS_A, 0, 0), 1);	/* key unknown */
	ASSERT_EQ(key_count(me, CLASS_A, KVMSTAT_KEY_USER, 0), 1);
	ASSERT_EQ(nr_keys(), 3);
out:
	unload();
}

/* --- slow-exit records ----------------------------------------------------- */

struct records {
	struct kvmstat_slow r[256];
	int n;
};

static int take_record(void *ctx, void *data, size_t size)
{
	struct records *rs = ctx;

	if (size != sizeof(struct kvmstat_slow) || rs->n >= 256)
		return -EINVAL;
	memcpy(&rs->r[rs->n++], data, size);
	return 0;
}

static bool read_records(struct records *rs)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.slow_records), take_record,
						  rs, NULL);
	int n;

	rs->n = 0;
	if (!ASSERT_TRUE(rb))
		return false;
	n = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return ASSERT_TRUE(n >= 0);
}

/* The token bucket is per CPU: a test that counts tokens stays on one. */
static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Exit (class, key, pc) at ts, its entry handling_ns later, after a guest run of 50 ns. */
static bool slow_exit(__u64 class, __u64 key, __u64 pc, __u64 ts, __u64 handling_ns)
{
	return entry(ts - 50) && key_exit_of(0, class, key, pc, ts) && entry(ts + handling_ns);
}

TEST(slow_records_at_or_over_threshold)
{
	struct keys_opts k = { .detail = true, .slow_ns = 1000, .slow_burst = 100 };
	struct records rs;
	__u64 me = self_id();

	pin_to_cpu0();
	if (!load_keys_object(&k))
		goto out;
	ASSERT_TRUE(slow_exit(CLASS_A, 0x300009, 0x40000084, 10000, 500));
	ASSERT_TRUE(slow_exit(CLASS_A, 0x300009, 0x40000084, 20000, 1500));
	ASSERT_TRUE(slow_exit(CLASS_B, 0x84000000, 0x40000048, 30000, 999));
	ASSERT_TRUE(slow_exit(CLASS_B, 0x84000000, 0x40000048, 40000, 1000));
	if (!read_records(&rs) || !ASSERT_EQ(rs.n, 2))
		goto out;
	ASSERT_EQ(rs.r[0].ts, 20000);
	ASSERT_EQ(rs.r[0].class, CLASS_A);
	ASSERT_EQ(rs.r[0].detail, 0x300009);
	ASSERT_EQ(rs.r[0].flags, KVMSTAT_KEY_DETAIL);
	ASSERT_EQ(rs.r[0].pc, 0x40000084);
	ASSERT_EQ(rs.r[0].handling_ns, 1500);
	ASSERT_EQ(rs.r[0].guest_ns, 50);
	ASSERT_EQ(rs.r[0].vm, me >> 32);
	ASSERT_EQ(rs.r[0].tid, (__u32)me);
	ASSERT_EQ(rs.r[0].vcpu, KVMSTAT_VCPU_UNKNOWN);
	ASSERT_EQ(rs.r[0].cpu, 0);
	ASSERT_EQ(rs.r[1].ts, 40000);
	ASSERT_EQ(rs.r[1].handling_ns, 1000);
	ASSERT_EQ(rs.r[1].detail, 0x84000000);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_SLOW_SUPPRESSED) + drop_count(KVMSTAT_DROP_SLOW_LOST), 0);
out:
	unload();
}

/* A record carries the exit's own key even when its class is past the --detail bound. */
TEST(slow_record_keeps_the_folded_key)
{
	struct keys_opts k = { .detail = true, .detail_max = 1, .slow_ns = 1000 };
	struct records rs;
	__u64 me = self_id();

	pin_to_cpu0();
	if (!load_keys_object(&k))
		goto out;
	ASSERT_TRUE(slow_exit(CLASS_A, 0x1, 0x100, 10000, 10));
	ASSERT_TRUE(slow_exit(CLASS_A, 0x2, 0x200, 20000, 5000));	/* other */
	if (read_records(&rs) && ASSERT_EQ(rs.n, 1)) {
		ASSERT_EQ(rs.r[0].detail, 0x2);
		ASSERT_EQ(rs.r[0].flags, KVMSTAT_KEY_DETAIL);
	}
	ASSERT_EQ(key_count(me, CLASS_A, OTHER, 0), 1);
out:
	unload();
}

TEST(slow_thresholds_per_class)
{
	static const struct slow_threshold classes[] = { { CLASS_A, 10000 }, { CLASS_C, 100 } };
	struct keys_opts k = { .slow_ns = 1000, .classes = classes, .nr_classes = 2 };
	struct records rs;

	pin_to_cpu0();
	if (!load_keys_object(&k))
		goto out;
	ASSERT_TRUE(slow_exit(CLASS_A, 0, 0, 10000, 5000));	/* under its 10 us */
	ASSERT_TRUE(slow_exit(CLASS_B, 0, 0, 20000, 5000));	/* over the default 1 us */
	ASSERT_TRUE(slow_exit(CLASS_C, 0, 0, 30000, 200));	/* over its 100 ns */
	ASSERT_TRUE(slow_exit(CLASS_B, 0, 0, 40000, 200));	/* under the default */
	ASSERT_TRUE(slow_exit(CLASS_A, 0, 0, 50000, 10000));
	if (read_records(&rs) && ASSERT_EQ(rs.n, 3)) {
		ASSERT_EQ(rs.r[0].class, CLASS_B);
		ASSERT_EQ(rs.r[1].class, CLASS_C);
		ASSERT_EQ(rs.r[2].class, CLASS_A);
		ASSERT_EQ(rs.r[0].detail, 0);	/* no --detail: no key */
		ASSERT_EQ(rs.r[0].flags, 0);
	}
out:
	unload();
}

/* rate 10/s, burst 3: a burst of 8 slow exits gives 3 records and 5 suppressed; 0.1 s later, 1 more. */
TEST(slow_rate_limit_counts_suppressed)
{
	struct keys_opts k = { .slow_ns = 1000, .slow_rate = 10, .slow_burst = 3 };
	struct records rs;
	__u64 t0 = 5000000000ULL;
	int i;

	pin_to_cpu0();
	if (!load_keys_object(&k))
		goto out;
	for (i = 0; i < 8; i++)
		ASSERT_TRUE(slow_exit(CLASS_A, 0, 0, t0 + i * 10000, 2000));
	ASSERT_TRUE(slow_exit(CLASS_A, 0, 0, t0 + 100000000 + 100000, 2000));	/* one token back */
	ASSERT_TRUE(slow_exit(CLASS_A, 0, 0, t0 + 100000000 + 200000, 2000));
	if (read_records(&rs))
		ASSERT_EQ(rs.n, 4);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_SLOW_SUPPRESSED), 6);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_SLOW_LOST), 0);
out:
	unload();
}

/* A full ring buffer: the records that did not fit are counted, none silently gone. */
TEST(slow_full_ring_buffer_counts_lost)
{
	struct keys_opts k = { .slow_ns = 1000, .slow_rate = 1000000, .slow_burst = 1000,
			       .rb_bytes = 4096 };
	struct records rs;
	__u64 lost;
	int i;

	pin_to_cpu0();
	if (!load_keys_object(&k))
		goto out;
	for (i = 0; i < 300; i++)
		if (!ASSERT_TRUE(slow_exit(CLASS_A, 0, 0, 10000000 + i * 10000, 2000)))
			goto out;
	lost = drop_count(KVMSTAT_DROP_SLOW_LOST);
	if (read_records(&rs)) {
		ASSERT_TRUE(lost > 0);
		ASSERT_EQ(rs.n + lost + drop_count(KVMSTAT_DROP_SLOW_SUPPRESSED), 300);
	}
out:
	unload();
}

TEST_MAIN(TEST_CASE(keys_are_stats_keys), TEST_CASE(no_keys_without_detail),
	  TEST_CASE(bound_per_class_then_other), TEST_CASE(many_keys_one_thread_exact),
	  TEST_CASE(crafted_tag_collisions_stay_exact),
	  TEST_CASE(companion_keys_the_pending_exit), TEST_CASE(slow_records_at_or_over_threshold),
	  TEST_CASE(slow_record_keeps_the_folded_key), TEST_CASE(slow_thresholds_per_class),
	  TEST_CASE(slow_rate_limit_counts_suppressed), TEST_CASE(slow_full_ring_buffer_counts_lost))
