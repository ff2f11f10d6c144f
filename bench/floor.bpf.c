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

char LICENSE[] SEC("license") = "GPL";
