// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of any BPF design: kvmstat-bpf's attach points with empty programs.
 * What kvmstat-bpf adds beyond this is the cost of its own instructions.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Set before load: also read the clock (every exact design needs it at exit and entry). */
const volatile bool with_clock = false;

/* Where the clock reads go, so they are not optimized away. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sink SEC(".maps");

static __always_inline int maybe_clock(void)
{
	__u32 zero = 0;
	__u64 *v;

	if (!with_clock)
		return 0;
	v = bpf_map_lookup_elem(&sink, &zero);
	if (v)
		*v = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(floor_exit_btf)
{
	return maybe_clock();
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(floor_entry_btf)
{
	return maybe_clock();
}

SEC("tp_btf/kvm_userspace_exit")
int BPF_PROG(floor_userspace_exit_btf)
{
	return 0;
}

SEC("fentry/kvm_arch_vcpu_ioctl_run")
int BPF_PROG(floor_vcpu_run)
{
	return 0;
}

SEC("tp/kvm/kvm_exit")
int floor_exit_tp(void *ctx)
{
	return 0;
}

SEC("tp/kvm/kvm_entry")
int floor_entry_tp(void *ctx)
{
	return 0;
}

SEC("tp/kvm/kvm_userspace_exit")
int floor_userspace_exit_tp(void *ctx)
{
	return 0;
}

/*
 * The straightforward aggregator of issue 6's calibration, for comparison in the same boot:
 * the pending exit's timestamp and class in a per-CPU array, a per-CPU hash keyed by class,
 * count, sum and a log2 histogram of the handling span (exit -> entry). It mis-pairs an exit
 * and an entry on different CPUs (a vCPU thread that migrated), and has no per-vCPU split.
 */
struct straw_pending {
	__u64 ts;
	__u64 class;
};

struct straw_value {
	__u64 count;
	__u64 sum_ns;
	__u64 hist[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct straw_pending);
} straw_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct straw_value);
} straw_stats SEC(".maps");

static __always_inline int straw_exit(__u64 class)
{
	__u32 zero = 0;
	struct straw_pending *p = bpf_map_lookup_elem(&straw_pending, &zero);

	if (p) {
		p->ts = bpf_ktime_get_ns();
		p->class = class;
	}
	return 0;
}

static __always_inline __u32 straw_log2(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(straw_exit_arm64, int ret, unsigned int esr_ec)
{
	return straw_exit(((__u64)(ret & ~(1U << 31)) << 32) | esr_ec);
}

struct kvm_cpu_trap___riscv {
	unsigned long scause;
} __attribute__((preserve_access_index));

SEC("tp_btf/kvm_exit")
int BPF_PROG(straw_exit_riscv, struct kvm_cpu_trap___riscv *trap)
{
	return straw_exit(trap ? trap->scause : 0);
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(straw_entry)
{
	static const struct straw_value zero_value;
	__u32 zero = 0;
	struct straw_pending *p = bpf_map_lookup_elem(&straw_pending, &zero);
	struct straw_value *v;
	__u64 ns;

	if (!p || !p->ts)
		return 0;
	ns = bpf_ktime_get_ns() - p->ts;
	p->ts = 0;
	v = bpf_map_lookup_elem(&straw_stats, &p->class);
	if (!v) {
		bpf_map_update_elem(&straw_stats, &p->class, &zero_value, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&straw_stats, &p->class);
		if (!v)
			return 0;
	}
	v->count++;
	v->sum_ns += ns;
	v->hist[straw_log2(ns) & 63]++;
	return 0;
}

/*
 * The native floor (bench/native-bench.c, BPF_PROG_TEST_RUN, never attached): run
 * exactly as kvmstat-bpf's raw_tp test entry points are, doing nothing, or only
 * reading the clock once as each of kvmstat-bpf's programs does.
 */
SEC("raw_tp")
int BPF_PROG(test_floor)
{
	return 0;
}

SEC("raw_tp")
int BPF_PROG(test_floor_clock)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&sink, &zero);

	if (v)
		*v = bpf_ktime_get_ns();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
