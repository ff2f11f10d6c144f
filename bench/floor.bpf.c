// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of any BPF design: kvmstat-bpf's attach points with empty programs.
 * What kvmstat-bpf adds beyond this is the cost of its own instructions.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/kvm_exit")
int BPF_PROG(floor_exit_btf)
{
	return 0;
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(floor_entry_btf)
{
	return 0;
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
