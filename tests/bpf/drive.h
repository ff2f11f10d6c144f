/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Driving the shipped programs' logic through BPF_PROG_TEST_RUN (the raw_tp test
 * entry points share every inline function with the attached programs): a fresh
 * test object per test, synthetic exits and entries of this thread or of any
 * pid_tgid the test plays, and the maps read back the way the loader reads them.
 */
#ifndef KVMSTAT_TEST_DRIVE_H
#define KVMSTAT_TEST_DRIVE_H

#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../bpf/kvmstat.h"
#include "kvmstat.skel.h"
#include "test_object.h"
#include "loader/loader.h"
#include "../unit/test.h"

static struct kvmstat_bpf *skel;
/* The pending-exit store and --max-threads the next test object gets. */
static enum kvmstat_store test_store = KVMSTAT_STORE_OVERFLOW;
static __u32 test_max_threads;	/* 0: the default */

/* A fresh object with only the test entry points, both spans on, 1 exit in (time_mask + 1) timed. */
static inline bool load_test_object_sized(__u32 time_mask, __u32 max_keys)
{
	struct loader_opts o = {
		.spans = (1U << KVMSTAT_SPAN_HANDLING) | (1U << KVMSTAT_SPAN_GUEST),
		.max_keys = max_keys,
		.store = test_store,
		.max_threads = test_max_threads,
	};

	skel = open_test_object();
	if (!ASSERT_TRUE(skel))
		return false;
	skel->rodata->targ_spans = o.spans;
	skel->rodata->targ_time_mask = time_mask;
	loader_size_inflight(skel, &o);
	loader_size_stats(skel, &o);
	return ASSERT_EQ(kvmstat_bpf__load(skel), 0);
}

static inline bool load_test_object_timing(__u32 time_mask)
{
	return load_test_object_sized(time_mask, 16384);
}

static inline bool load_test_object(void)
{
	return load_test_object_timing(0);
}

static inline void unload(void)
{
	kvmstat_bpf__destroy(skel);
	skel = NULL;
}

static inline bool run(struct bpf_program *prog, const __u64 *args, size_t nr)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = nr * sizeof(*args));
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	return ASSERT_EQ(err, 0) && ASSERT_EQ(opts.retval, 0);
}

/* The thread a test plays: tgid << 32 | tid, 0 for the calling thread itself. */
static inline __u64 thread_id(__u32 tgid, __u32 tid)
{
	return (__u64)tgid << 32 | tid;
}

static inline __u64 self_id(void)
{
	return thread_id(getpid(), syscall(SYS_gettid));
}

static inline bool arm64_exit(__u32 ret, __u32 esr_ec, __u64 ts)
{
	__u64 args[] = { ret, esr_ec, ts, 0 };

	return run(skel->progs.test_exit_arm64, args, 4);
}

static inline bool class_exit_of(__u64 id, __u64 class, __u64 ts)
{
	__u64 args[] = { class, ts, id };

	return run(skel->progs.test_exit_class, args, 3);
}

static inline bool entry_of(__u64 id, __u64 ts)
{
	__u64 args[] = { ts, id };

	return run(skel->progs.test_entry, args, 2);
}

static inline bool userspace_exit_of(__u64 id)
{
	__u64 args[] = { id };

	return run(skel->progs.test_userspace_exit, args, 1);
}

/* sched_process_exit of thread id. */
static inline bool thread_exit_of(__u64 id)
{
	__u64 args[] = { id };

	return run(skel->progs.test_thread_exit, args, 1);
}

static inline bool class_exit(__u64 class, __u64 ts)
{
	return class_exit_of(0, class, ts);
}

static inline bool entry(__u64 ts)
{
	return entry_of(0, ts);
}

static inline bool userspace_exit(void)
{
	return userspace_exit_of(0);
}

/* The stats of one class of thread id, its vCPU unknown (no kvm_vcpu in the test entries). */
static inline bool lookup_of(__u64 id, __u64 class, __u32 flags, struct kvmstat_value *v)
{
	struct kvmstat_key key = {
		.class = class,
		.vm = id >> 32,
		.vcpu = KVMSTAT_VCPU_UNKNOWN,
		.tid = (__u32)id,
		.flags = flags,
	};

	return test_stats_lookup(skel, &key, v, sizeof(*v)) >= 0;
}

/* The stats of one class of this thread (the test runs as its own "vCPU thread"). */
static inline bool lookup(__u64 class, __u32 flags, struct kvmstat_value *v)
{
	return lookup_of(self_id(), class, flags, v);
}

/* Keys published, each with a different key: a key never gets two slots. */
static inline __u64 nr_keys(void)
{
	return test_stats_used(skel);
}

static inline __u64 drop_count(enum kvmstat_drop what)
{
	int ncpus = libbpf_num_possible_cpus(), c;
	__u64 vals[ncpus > 0 ? ncpus : 1], sum = 0;
	__u32 idx = what;

	if (bpf_map__lookup_elem(skel->maps.drops, &idx, sizeof(idx), vals, sizeof(vals), 0))
		return UINT64_MAX;
	for (c = 0; c < ncpus; c++)
		sum += vals[c];
	return sum;
}

#endif /* KVMSTAT_TEST_DRIVE_H */
