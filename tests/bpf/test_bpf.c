// SPDX-License-Identifier: GPL-2.0
/*
 * BPF tests, root, on the build machine's kernel:
 * - the shipped programs for this host load, verify, attach and detach;
 * - the aggregation logic, driven through BPF_PROG_TEST_RUN on raw_tp test entry
 *   points that share every inline function with the attached programs, with
 *   synthetic exit/entry sequences and timestamps; exact counts, classes and
 *   histogram buckets are asserted in the maps.
 */
#include <errno.h>
#include <stdlib.h>
#include "drive.h"
#include "../../arch/arch.h"

#define TRAP 2U
#define SERROR_PENDING (1U << 31)
#define EC_DABT_LOW 0x24
#define EC_HVC64 0x16
#define RISCV_IRQ_S_TIMER (KVMSTAT_RISCV_INTR_BIT | 5)

static int print_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

/* For loads expected to fail: the verifier's complaint is the point, not noise. */
static int print_quiet_all(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

/* The thread's names were recorded at first sight: comm and its process's comm. */
static void check_thread_recorded(void)
{
	__u64 id = self_id();
	struct kvmstat_thread t;
	char comm[16] = "";
	FILE *f = fopen("/proc/self/comm", "r");

	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	if (!ASSERT_EQ(bpf_map__lookup_elem(skel->maps.threads, &id, sizeof(id), &t, sizeof(t), 0), 0))
		return;
	ASSERT_EQ(t.tgid, getpid());
	ASSERT_STR(t.comm, comm);
	ASSERT_STR(t.leader_comm, comm);
}

/* Reference bucket of a duration, written out the slow way (independent of bits.bpf.h). */
static unsigned int ref_bucket(__u64 ns)
{
	unsigned int k = 0;

	if (ns < 4)
		return ns;
	while (ns >> (k + 1))
		k++;
	k = 4 * (k - 1) + (unsigned int)((ns - (1ULL << k)) / (1ULL << (k - 2)));
	return k > 127 ? 127 : k;
}

static __u64 bucket_sum(const struct kvmstat_span_stats *s)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++)
		n += s->hist[i];
	return n;
}

TEST(host_programs_load_attach_detach)
{
	struct loader_opts o = {
		.arch = arch_host(),
		.spans = 1U << KVMSTAT_SPAN_HANDLING,
		.max_keys = 1024,
	};
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), id;
	struct loader l;
	int fd;

	libbpf_set_print(print_quiet);
	if (!ASSERT_EQ(loader_check_host(&o), 0) || !ASSERT_EQ(loader_start(&l, &o), 0))
		return;
	fd = bpf_program__fd(l.skel->progs.kvm_userspace_exit_btf);
	ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	id = info.id;
	ASSERT_TRUE(l.skel->links.kvm_exit_tp || l.skel->links.kvm_exit_btf_arm64 ||
		    l.skel->links.kvm_exit_btf_riscv);
	ASSERT_TRUE(l.skel->links.kvm_userspace_exit_btf);
	ASSERT_TRUE(l.skel->links.thread_exit_btf);	/* frees the state of ending threads */
	loader_stop(&l);
	/* Detached and freed: the id is gone (freeing is deferred past an RCU grace period). */
	for (int i = 0; i < 100; i++) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			break;
		close(fd);
		usleep(20000);
	}
	ASSERT_TRUE(fd < 0 && errno == ENOENT);
}

/* Loads and attaches the host's programs; returns the vCPU source the loader settled on. */
static const char *loaded_vcpu_source(const struct loader_opts *o, char *buf, size_t len)
{
	struct loader l;

	if (!ASSERT_EQ(loader_start(&l, o), 0))
		return NULL;
	snprintf(buf, len, "%s", l.vcpu_source);
	loader_stop(&l);
	return buf;
}

/*
 * arm64's vCPU identity is an fentry once per KVM_RUN (--classic takes it on x86 too).
 * When the kernel refuses it, the loader reloads without it and falls back to the
 * thread instead of failing. This kernel may accept or refuse the real fentry (the
 * build machine refuses every fentry: EPERM); a function on the kernel's deny list
 * for tracing programs is refused everywhere.
 */
TEST(vcpu_fentry_refused_falls_back_to_thread)
{
	struct loader_opts o = {
		.arch = arch_host(), .spans = 1U << KVMSTAT_SPAN_HANDLING, .max_keys = 64,
		.classic = true,
	};
	char src[64];
	const char *got;

	libbpf_set_print(print_quiet_all);
	got = loaded_vcpu_source(&o, src, sizeof(src));
	if (ASSERT_TRUE(got && (!strcmp(got, "fentry:kvm_arch_vcpu_ioctl_run") || !strcmp(got, "thread"))))
		printf("  this kernel: vCPU ids from %s\n", got);
	o.fentry_target = "migrate_disable";
	ASSERT_STR(loaded_vcpu_source(&o, src, sizeof(src)), "thread");
	libbpf_set_print(print_quiet);
}

/* Does the kernel name kvm_running_vcpu in /proc/kallsyms (CONFIG_KALLSYMS_ALL, root)? */
static bool kallsyms_has(const char *sym)
{
	char line[256], name[128];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %127s", name) == 1 && !strcmp(name, sym);
	if (f)
		fclose(f);
	return found;
}

/*
 * The per-CPU ksym kvm_running_vcpu names threads already inside KVM_RUN at attach. The
 * verifier resolves a typed ksym by kallsyms: a kernel without CONFIG_KALLSYMS_ALL (this build
 * machine) refuses any program reading it, which is why it has flavours of its own.
 */
TEST(running_vcpu_ksym_loads_iff_kallsyms_has_it)
{
	struct kvmstat_bpf *s = kvmstat_bpf__open();
	bool has = kallsyms_has("kvm_running_vcpu");
	struct bpf_program *prog;
	int err;

	if (!ASSERT_TRUE(s))
		return;
	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_autoload(prog, prog == s->progs.kvm_exit_tp_running);
	libbpf_set_print(print_quiet_all);
	err = kvmstat_bpf__load(s);
	libbpf_set_print(print_quiet);
	printf("  this kernel: kvm_running_vcpu %sin kallsyms, the ksym flavour %s\n", has ? "" : "not ",
	       err ? "refused" : "loads");
	ASSERT_EQ(!err, has);
	kvmstat_bpf__destroy(s);
}

/*
 * --classic takes the vCPU from the fentry and the ksym on every arch (no vcpu at its
 * kvm_entry), so on this kernel the loader tries both, each alone, then neither, and never
 * fails for a refused one. The source it settles on says which were taken.
 */
TEST(vcpu_ksym_refused_falls_back)
{
	struct loader_opts o = {
		.arch = arch_host(), .spans = 1U << KVMSTAT_SPAN_HANDLING, .max_keys = 64,
		.classic = true,
	};
	bool has = kallsyms_has("kvm_running_vcpu");
	char src[64];
	const char *got;

	libbpf_set_print(print_quiet_all);
	got = loaded_vcpu_source(&o, src, sizeof(src));
	if (ASSERT_TRUE(got))
		printf("  this kernel: vCPU ids from %s\n", got);
	ASSERT_EQ(got && strstr(got, "ksym:kvm_running_vcpu") != NULL, has);
	o.fentry_target = "migrate_disable";	/* refused everywhere: the ksym alone, or thread */
	got = loaded_vcpu_source(&o, src, sizeof(src));
	ASSERT_STR(got, has ? "ksym:kvm_running_vcpu" : "thread");
	libbpf_set_print(print_quiet);
}

TEST(arm64_trap_exit_counted_and_timed)
{
	struct kvmstat_value v;

	if (!load_test_object())
		return;
	entry(1000);
	arm64_exit(TRAP, EC_DABT_LOW, 3000);
	entry(3500);
	if (ASSERT_TRUE(lookup(KVMSTAT_ARM64_CLASS(TRAP, EC_DABT_LOW), 0, &v))) {
		ASSERT_EQ(v.exits, 1);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].count, 1);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].sum_ns, 500);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].min_ns, 500);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].max_ns, 500);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].hist[ref_bucket(500)], 1);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_GUEST].count, 1);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_GUEST].sum_ns, 2000);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_GUEST].hist[ref_bucket(2000)], 1);
	}
	ASSERT_EQ(nr_keys(), 1);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_UNPAIRED), 1);	/* the first entry */
	check_thread_recorded();
	unload();
}

TEST(arm64_irq_exit_ignores_stale_ec_and_serror_bit)
{
	struct kvmstat_value v;

	if (!load_test_object())
		return;
	entry(100);
	/* IRQ exit (ret 0) with SError pending and the previous trap's EC still in esr_ec. */
	arm64_exit(0 | SERROR_PENDING, EC_DABT_LOW, 200);
	entry(300);
	/* TRAP with SError pending: still a trap of its own EC. */
	arm64_exit(TRAP | SERROR_PENDING, EC_HVC64, 400);
	entry(450);
	ASSERT_TRUE(lookup(KVMSTAT_ARM64_CLASS(0, 0), 0, &v) && v.exits == 1);
	ASSERT_TRUE(lookup(KVMSTAT_ARM64_CLASS(TRAP, EC_HVC64), 0, &v) && v.exits == 1);
	ASSERT_TRUE(!lookup(KVMSTAT_ARM64_CLASS(TRAP, EC_DABT_LOW), 0, &v));
	ASSERT_TRUE(!lookup(KVMSTAT_ARM64_CLASS(SERROR_PENDING, 0), 0, &v));
	ASSERT_EQ(nr_keys(), 2);
	unload();
}

TEST(riscv_timer_interrupt_apart_from_exceptions)
{
	struct kvmstat_value v;

	if (!load_test_object())
		return;
	entry(10);
	class_exit(RISCV_IRQ_S_TIMER, 20);
	entry(30);
	class_exit(5, 40);	/* exception 5 (load access fault): same low bits, other class */
	entry(50);
	ASSERT_TRUE(lookup(RISCV_IRQ_S_TIMER, 0, &v) && v.exits == 1);
	ASSERT_TRUE(lookup(5, 0, &v) && v.exits == 1);
	ASSERT_EQ(nr_keys(), 2);
	unload();
}

TEST(entry_without_exit_counts_nothing)
{
	if (!load_test_object())
		return;
	entry(100);
	entry(200);
	ASSERT_EQ(nr_keys(), 0);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_UNPAIRED), 2);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_STATS_FULL), 0);
	unload();
}

TEST(userspace_exit_counted_once_apart_from_kernel)
{
	struct kvmstat_value v;

	if (!load_test_object())
		return;
	entry(0 + 1);
	class_exit(KVMSTAT_ARM64_CLASS(TRAP, EC_DABT_LOW), 100);
	userspace_exit();
	userspace_exit();	/* a second return without a new exit changes nothing */
	if (ASSERT_TRUE(lookup(KVMSTAT_ARM64_CLASS(TRAP, EC_DABT_LOW), KVMSTAT_KEY_USER, &v))) {
		ASSERT_EQ(v.exits, 1);	/* counted when KVM_RUN returned... */
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].count, 0);
	}
	entry(1100);
	if (ASSERT_TRUE(lookup(KVMSTAT_ARM64_CLASS(TRAP, EC_DABT_LOW), KVMSTAT_KEY_USER, &v))) {
		ASSERT_EQ(v.exits, 1);	/* ...and timed, not counted again, at the next entry */
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].count, 1);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].sum_ns, 1000);
	}
	class_exit(KVMSTAT_ARM64_CLASS(TRAP, EC_DABT_LOW), 1200);
	entry(1250);
	ASSERT_TRUE(lookup(KVMSTAT_ARM64_CLASS(TRAP, EC_DABT_LOW), 0, &v) && v.exits == 1);
	ASSERT_EQ(nr_keys(), 2);
	unload();
}

TEST(histogram_buckets_exact)
{
	static const __u64 durations[] = { 1, 3, 4, 7, 8, 15, 16, 1000, 1023, 1024, 123456,
					   (1ULL << 33) - 1, 1ULL << 33, 1ULL << 40 };
	const int n = sizeof(durations) / sizeof(durations[0]);
	struct kvmstat_value v;
	__u64 expect[KVMSTAT_HIST_BUCKETS] = {}, ts = 1000, sum = 0;
	int i;

	if (!load_test_object())
		return;
	entry(ts);
	for (i = 0; i < n; i++) {
		class_exit(7, ts += 10);
		entry(ts += durations[i]);
		expect[ref_bucket(durations[i])]++;
		sum += durations[i];
	}
	if (!ASSERT_TRUE(lookup(7, 0, &v)))
		goto out;
	ASSERT_EQ(v.exits, n);
	ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].count, n);
	ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].sum_ns, sum);
	ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].min_ns, 1);
	ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].max_ns, 1ULL << 40);
	ASSERT_EQ(bucket_sum(&v.span[KVMSTAT_SPAN_HANDLING]), n);
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++)
		if (!ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].hist[i], expect[i]))
			printf("  bucket %d\n", i);
out:
	unload();
}

/* --time-every 4: every exit counted, 1 in 4 timed, in both spans. */
TEST(sampled_timing_counts_every_exit)
{
	struct kvmstat_value v;
	__u64 ts = 1000;
	int i;

	if (!load_test_object_timing(3))
		return;
	entry(ts);
	for (i = 0; i < 40; i++) {
		class_exit(9, ts += 100);
		entry(ts += 50);
	}
	if (ASSERT_TRUE(lookup(9, 0, &v))) {
		ASSERT_EQ(v.exits, 40);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].count, 10);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].sum_ns, 10 * 50);
		ASSERT_EQ(bucket_sum(&v.span[KVMSTAT_SPAN_HANDLING]), 10);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_GUEST].count, 10);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_GUEST].sum_ns, 10 * 100);
	}
	unload();
}

/*
 * More classes than the per-thread slot cache holds, interleaved so they evict
 * each other: every exit still lands in its own class's one slot.
 */
TEST(slot_cache_evictions_keep_one_slot_per_key)
{
	enum { CLASSES = 3 << KVMSTAT_SLOT_CACHE_BITS, ROUNDS = 5 };
	struct kvmstat_value v;
	__u64 ts = 1000;
	int r, c;

	if (!load_test_object())
		return;
	entry(ts);
	for (r = 0; r < ROUNDS; r++)
		for (c = 0; c < CLASSES; c++) {
			class_exit(100 + c, ts += 100);
			entry(ts += 10 + c);
		}
	ASSERT_EQ(nr_keys(), CLASSES);
	for (c = 0; c < CLASSES && !test_failed; c++) {
		if (!ASSERT_TRUE(lookup(100 + c, 0, &v)))
			break;
		ASSERT_EQ(v.exits, ROUNDS);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].count, ROUNDS);
		ASSERT_EQ(v.span[KVMSTAT_SPAN_HANDLING].sum_ns, ROUNDS * (10 + c));
	}
	ASSERT_EQ(drop_count(KVMSTAT_DROP_STATS_FULL), 0);
	unload();
}

/* --max-keys 4 and 6 classes: 4 keys kept exact, every exit of the others counted as lost. */
TEST(full_stats_counts_lost_exits)
{
	struct kvmstat_value v;
	__u64 ts = 1000;
	int r, c;

	if (!load_test_object_sized(0, 4))
		return;
	entry(ts);
	for (r = 0; r < 3; r++)
		for (c = 0; c < 6; c++) {
			class_exit(200 + c, ts += 100);
			entry(ts += 10);
		}
	ASSERT_EQ(nr_keys(), 4);
	ASSERT_EQ(skel->bss->stats_used, 4);	/* stops growing when full */
	for (c = 0; c < 4; c++)
		if (ASSERT_TRUE(lookup(200 + c, 0, &v)))
			ASSERT_EQ(v.exits, 3);
	ASSERT_TRUE(!lookup(204, 0, &v));
	ASSERT_EQ(drop_count(KVMSTAT_DROP_STATS_FULL), 2 * 3);
	unload();
}

/* An exit out to the VMM is accounted twice (at kvm_userspace_exit, then its handling time at
 * the next entry): on a full map it is still one lost exit, not two. */
TEST(full_stats_counts_a_lost_vmm_exit_once)
{
	struct kvmstat_value v;
	__u64 ts = 1000;
	int r;

	if (!load_test_object_sized(0, 1))
		return;
	entry(ts);
	class_exit(300, ts += 100);	/* takes the only slot */
	entry(ts += 10);
	for (r = 0; r < 5; r++) {
		class_exit(301, ts += 100);
		userspace_exit();
		entry(ts += 10);
	}
	ASSERT_EQ(nr_keys(), 1);
	if (ASSERT_TRUE(lookup(300, 0, &v)))
		ASSERT_EQ(v.exits, 1);
	ASSERT_EQ(drop_count(KVMSTAT_DROP_STATS_FULL), 5);
	unload();
}

/*
 * The memory bound `run -v` prints and PERFORMANCE.md quotes (loader_map_memory) against the
 * kernel's own accounting of the loaded maps: never below it, and close enough to mean something.
 */
TEST(map_memory_bound_holds_against_kernel)
{
	static const __u32 sizes[] = { 1024, 16384 };
	int ncpus = libbpf_num_possible_cpus();
	struct bpf_map *map;
	size_t i, s;

	for (i = 0; i < 2 && !test_failed; i++)
		for (s = 1; s <= 3 && !test_failed; s += 2) {	/* handling; both spans */
			struct loader_opts o = { .spans = s, .max_keys = sizes[i] };
			unsigned long long kernel = 0, bound;

			skel = open_test_object();
			if (!ASSERT_TRUE(skel))
				return;
			loader_size_stats(skel, &o);
			if (!ASSERT_EQ(kvmstat_bpf__load(skel), 0)) {
				unload();
				return;
			}
			bpf_object__for_each_map(map, skel->obj)
				kernel += loader_map_memlock(bpf_map__fd(map));
			bound = loader_map_memory(&o, ncpus, 0);
			if (!ASSERT_TRUE(kernel > 0 && bound >= kernel && bound <= kernel + kernel / 4))
				printf("  max_keys %u spans %zu: bound %llu, kernel %llu\n", sizes[i], s,
				       bound, kernel);
			unload();
		}
}

/* The same sequences with each pending-exit store `make bench` compares. */
static void same_results_with_store(enum kvmstat_store store)
{
	static void (*const sequences[])(void) = {
		test_arm64_trap_exit_counted_and_timed,
		test_arm64_irq_exit_ignores_stale_ec_and_serror_bit,
		test_riscv_timer_interrupt_apart_from_exceptions,
		test_entry_without_exit_counts_nothing,
		test_userspace_exit_counted_once_apart_from_kernel,
		test_histogram_buckets_exact,
		test_sampled_timing_counts_every_exit,
		test_slot_cache_evictions_keep_one_slot_per_key,
		test_full_stats_counts_lost_exits,
	};
	size_t i;

	test_store = store;
	for (i = 0; i < sizeof(sequences) / sizeof(sequences[0]) && !test_failed; i++)
		sequences[i]();
	test_store = KVMSTAT_STORE_OVERFLOW;
}

TEST(store_direct_same_results)
{
	same_results_with_store(KVMSTAT_STORE_DIRECT);
}

TEST(store_probe_same_results)
{
	same_results_with_store(KVMSTAT_STORE_PROBE);
}

TEST(store_hash_same_results)
{
	same_results_with_store(KVMSTAT_STORE_HASH);
}

TEST(store_task_same_results)
{
	same_results_with_store(KVMSTAT_STORE_TASK);
}

TEST_MAIN(TEST_CASE(host_programs_load_attach_detach),
	  TEST_CASE(vcpu_fentry_refused_falls_back_to_thread),
	  TEST_CASE(running_vcpu_ksym_loads_iff_kallsyms_has_it),
	  TEST_CASE(vcpu_ksym_refused_falls_back),
	  TEST_CASE(arm64_trap_exit_counted_and_timed),
	  TEST_CASE(arm64_irq_exit_ignores_stale_ec_and_serror_bit),
	  TEST_CASE(riscv_timer_interrupt_apart_from_exceptions),
	  TEST_CASE(entry_without_exit_counts_nothing),
	  TEST_CASE(userspace_exit_counted_once_apart_from_kernel),
	  TEST_CASE(histogram_buckets_exact),
	  TEST_CASE(sampled_timing_counts_every_exit),
	  TEST_CASE(slot_cache_evictions_keep_one_slot_per_key),
	  TEST_CASE(full_stats_counts_lost_exits),
	  TEST_CASE(full_stats_counts_a_lost_vmm_exit_once),
	  TEST_CASE(map_memory_bound_holds_against_kernel),
	  TEST_CASE(store_direct_same_results),
	  TEST_CASE(store_probe_same_results),
	  TEST_CASE(store_hash_same_results),
	  TEST_CASE(store_task_same_results))
