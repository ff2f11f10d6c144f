// SPDX-License-Identifier: GPL-2.0
/*
 * Prototype for issue 12: what does reading an exit's second-level key cost, and from
 * where? Each configuration keeps a per-thread slot like kvmstat-bpf's pending exit:
 *   slot       kvm_exit stores the class in the thread's slot (the base the others add to)
 *   core       + the key read at kvm_exit through the vcpu the slot caches (CO-RE,
 *              bpf_probe_read_kernel): arm64 vcpu->arch.fault / ctxt.regs[0], RISC-V
 *              guest_context.a6/a7 (stval/htval come with the trap), x86 arch.regs[]
 *   cast       the same reads as core, through bpf_rdonly_cast() (6.2+ kfunc): plain loads
 *              the verifier guards, instead of the bpf_probe_read_kernel() helper
 *   companion  + a program on the class's own tracepoint, storing its argument in the slot:
 *              arm64 kvm_hvc_arm64, kvm_handle_sys_reg, kvm_guest_fault, kvm_wfx_arm64;
 *              x86 kvm_msr, kvm_cpuid, kvm_pio, kvm_hypercall (RISC-V has none)
 * The loader (detail_proto.c) picks the programs; bench/detail_proto.sh runs the configs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define SLOTS 16384

struct slot {
	__u64 pid_tgid;
	__u64 vcpu;
	__u64 class;
	__u64 detail;
	__u64 keyed;	/* exits whose key was set */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, struct slot);
} slots SEC(".maps");

static __always_inline struct slot *slot_of_current(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = ((__u64)task->tgid << 32) | (__u32)task->pid;
	__u32 idx = (__u32)id & (SLOTS - 1);
	struct slot *s = bpf_map_lookup_elem(&slots, &idx);

	if (s && s->pid_tgid != id) {
		__builtin_memset(s, 0, sizeof(*s));
		s->pid_tgid = id;
	}
	return s;
}

/* --- arm64 ------------------------------------------------------------------ */
struct kvm_vcpu_fault_info___arm64 {
	u64 esr_el2;
	u64 far_el2;
	u64 hpfar_el2;
} __attribute__((preserve_access_index));

struct user_pt_regs___arm64 {
	__u64 regs[31];
} __attribute__((preserve_access_index));

struct kvm_cpu_context___arm64 {
	struct user_pt_regs___arm64 regs;
} __attribute__((preserve_access_index));

struct kvm_vcpu_arch___arm64 {
	struct kvm_cpu_context___arm64 ctxt;
	struct kvm_vcpu_fault_info___arm64 fault;
} __attribute__((preserve_access_index));

struct kvm_vcpu___arm64 {
	struct kvm_vcpu_arch___arm64 arch;
} __attribute__((preserve_access_index));

#define EC_WFX		0x01
#define EC_HVC64	0x16
#define EC_SYS64	0x18
#define EC_DABT_LOW	0x24

SEC("fentry/kvm_arch_vcpu_ioctl_run")
int BPF_PROG(proto_vcpu_run, struct kvm_vcpu *vcpu)
{
	struct slot *s = slot_of_current();

	if (s)
		s->vcpu = (__u64)vcpu;
	return 0;
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(proto_exit_slot_arm64, int ret, unsigned int esr_ec)
{
	struct slot *s = slot_of_current();

	if (s)
		s->class = ((__u64)(ret & ~(1U << 31)) << 32) | (esr_ec & 0x3f);
	return 0;
}

static __always_inline __u64 arm64_key(struct kvm_vcpu___arm64 *vcpu, __u32 ec)
{
	struct kvm_vcpu_fault_info___arm64 fault;
	__u64 v = 0;

	switch (ec) {
	case EC_HVC64:
		bpf_core_read(&v, sizeof(v), &vcpu->arch.ctxt.regs.regs[0]);
		return (__u32)v;
	case EC_SYS64:
	case EC_WFX:
		bpf_core_read(&v, sizeof(v), &vcpu->arch.fault.esr_el2);
		return v & 0x3ffc1f;
	case EC_DABT_LOW:
		bpf_core_read(&fault, sizeof(fault), &vcpu->arch.fault);
		return ((fault.hpfar_el2 & ~0xfULL) << 8) | (fault.far_el2 & 0xfff) |
		       ((fault.esr_el2 >> 6 & 1) << 63);
	}
	return 0;
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(proto_exit_core_arm64, int ret, unsigned int esr_ec)
{
	struct slot *s = slot_of_current();
	__u32 type = ret & ~(1U << 31), ec = esr_ec & 0x3f;

	if (!s)
		return 0;
	s->class = ((__u64)type << 32) | ec;
	if (type == 2 && s->vcpu) {
		s->detail = arm64_key((void *)s->vcpu, ec);
		s->keyed++;
	}
	return 0;
}

extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym;

SEC("tp_btf/kvm_exit")
int BPF_PROG(proto_exit_cast_arm64, int ret, unsigned int esr_ec)
{
	struct slot *s = slot_of_current();
	__u32 type = ret & ~(1U << 31), ec = esr_ec & 0x3f;
	struct kvm_vcpu___arm64 *vcpu;

	if (!s)
		return 0;
	s->class = ((__u64)type << 32) | ec;
	if (type != 2 || !s->vcpu)
		return 0;
	vcpu = bpf_rdonly_cast((void *)s->vcpu, bpf_core_type_id_kernel(struct kvm_vcpu___arm64));
	switch (ec) {
	case EC_HVC64:
		s->detail = (__u32)vcpu->arch.ctxt.regs.regs[0];
		break;
	case EC_SYS64:
	case EC_WFX:
		s->detail = vcpu->arch.fault.esr_el2 & 0x3ffc1f;
		break;
	case EC_DABT_LOW:
		s->detail = ((vcpu->arch.fault.hpfar_el2 & ~0xfULL) << 8) |
			    (vcpu->arch.fault.far_el2 & 0xfff) | ((vcpu->arch.fault.esr_el2 >> 6 & 1) << 63);
		break;
	}
	s->keyed++;
	return 0;
}

static __always_inline int set_key(__u64 key)
{
	struct slot *s = slot_of_current();

	if (s) {
		s->detail = key;
		s->keyed++;
	}
	return 0;
}

SEC("tp_btf/kvm_hvc_arm64")
int BPF_PROG(proto_hvc, unsigned long pc, unsigned long r0)
{
	return set_key((__u32)r0);
}

SEC("tp_btf/kvm_handle_sys_reg")
int BPF_PROG(proto_sys_reg, unsigned long hsr)
{
	return set_key(hsr & 0x3ffc1f);
}

SEC("tp_btf/kvm_guest_fault")
int BPF_PROG(proto_guest_fault, unsigned long pc, unsigned long hsr, unsigned long hxfar,
	     unsigned long long ipa)
{
	return set_key(ipa | (hxfar & 0xfff) | ((hsr >> 6 & 1) << 63));
}

SEC("tp_btf/kvm_wfx_arm64")
int BPF_PROG(proto_wfx, unsigned long pc, bool is_wfe)
{
	return set_key(is_wfe);
}

/* --- RISC-V ----------------------------------------------------------------- */
struct kvm_cpu_trap___riscv {
	unsigned long sepc;
	unsigned long scause;
	unsigned long stval;
	unsigned long htval;
} __attribute__((preserve_access_index));

struct kvm_cpu_context___riscv {
	unsigned long a6;
	unsigned long a7;
} __attribute__((preserve_access_index));

struct kvm_vcpu_arch___riscv {
	struct kvm_cpu_context___riscv guest_context;
} __attribute__((preserve_access_index));

struct kvm_vcpu___riscv {
	struct kvm_vcpu_arch___riscv arch;
} __attribute__((preserve_access_index));

SEC("tp_btf/kvm_entry")
int BPF_PROG(proto_entry_vcpu, struct kvm_vcpu *vcpu)
{
	struct slot *s = slot_of_current();

	if (s)
		s->vcpu = (__u64)vcpu;
	return 0;
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(proto_entry_novcpu)
{
	return 0;
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(proto_exit_slot_riscv, struct kvm_cpu_trap___riscv *trap)
{
	struct slot *s = slot_of_current();

	if (s && trap)
		s->class = trap->scause;
	return 0;
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(proto_exit_cast_riscv, struct kvm_cpu_trap___riscv *trap)
{
	struct slot *s = slot_of_current();
	struct kvm_vcpu___riscv *vcpu;

	if (!s || !trap)
		return 0;
	s->class = trap->scause;
	if (s->class != 10 || !s->vcpu)
		return 0;
	vcpu = bpf_rdonly_cast((void *)s->vcpu, bpf_core_type_id_kernel(struct kvm_vcpu___riscv));
	s->detail = (__u64)vcpu->arch.guest_context.a7 << 32 | (__u32)vcpu->arch.guest_context.a6;
	s->keyed++;
	return 0;
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(proto_exit_core_riscv, struct kvm_cpu_trap___riscv *trap)
{
	struct slot *s = slot_of_current();
	struct kvm_vcpu___riscv *vcpu;
	unsigned long a[2] = {};

	if (!s || !trap)
		return 0;
	s->class = trap->scause;
	switch (s->class) {
	case 10:	/* SBI call: a7 extension, a6 function */
		vcpu = (void *)s->vcpu;
		if (!vcpu)
			return 0;
		bpf_core_read(a, sizeof(a), &vcpu->arch.guest_context.a6);
		s->detail = (__u64)a[1] << 32 | (__u32)a[0];
		break;
	case 22:	/* virtual instruction: the instruction */
		s->detail = (trap->stval & 0xfff0707f) | ((trap->stval >> 15 & 0x1f) ? 0x80 : 0);
		break;
	case 20:
	case 21:
	case 23:	/* guest page fault: the GPA */
		s->detail = trap->htval << 2 | (trap->stval & 3);
		break;
	default:
		return 0;
	}
	s->keyed++;
	return 0;
}

/* --- x86 -------------------------------------------------------------------- */
struct trace_event_raw_kvm_exit___x86 {
	unsigned int exit_reason;
	u32 isa;
	u64 info1;
	u64 info2;
} __attribute__((preserve_access_index));

struct kvm_vcpu_arch___x86 {
	unsigned long regs[17];
} __attribute__((preserve_access_index));

struct kvm_vcpu___x86 {
	struct kvm_vcpu_arch___x86 arch;
} __attribute__((preserve_access_index));

#define SVM_EXIT_CPUID		0x072
#define SVM_EXIT_IOIO		0x07b
#define SVM_EXIT_MSR		0x07c
#define SVM_EXIT_VMMCALL	0x081
#define SVM_EXIT_NPF		0x400

SEC("tp/kvm/kvm_exit")
int proto_exit_slot_x86(struct trace_event_raw_kvm_exit___x86 *ctx)
{
	struct slot *s = slot_of_current();

	if (s)
		s->class = ((__u64)ctx->isa << 32) | ctx->exit_reason;
	return 0;
}

SEC("tp/kvm/kvm_exit")
int proto_exit_core_x86(struct trace_event_raw_kvm_exit___x86 *ctx)
{
	struct slot *s = slot_of_current();
	struct kvm_vcpu___x86 *vcpu;
	unsigned long regs[2] = {};

	if (!s)
		return 0;
	s->class = ((__u64)ctx->isa << 32) | ctx->exit_reason;
	switch (ctx->exit_reason) {
	case SVM_EXIT_IOIO:	/* port and direction: in the record */
		s->detail = (ctx->info1 >> 16 & 0xffff) | (ctx->info1 & 1) << 16;
		break;
	case SVM_EXIT_NPF:	/* GPA: in the record */
		s->detail = ctx->info2 | (ctx->info1 >> 1 & 1) << 63;
		break;
	case SVM_EXIT_MSR:
	case SVM_EXIT_CPUID:
	case SVM_EXIT_VMMCALL:	/* RAX and RCX from the vcpu */
		vcpu = (void *)s->vcpu;
		if (!vcpu)
			return 0;
		bpf_core_read(regs, sizeof(regs), &vcpu->arch.regs[0]);
		s->detail = ctx->exit_reason == SVM_EXIT_MSR ? (__u32)regs[1] | (ctx->info1 & 1) << 32 :
			    regs[0];
		break;
	default:
		return 0;
	}
	s->keyed++;
	return 0;
}

SEC("tp_btf/kvm_msr")
int BPF_PROG(proto_msr, unsigned int write, u32 ecx)
{
	return set_key(ecx | (__u64)write << 32);
}

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(proto_cpuid, unsigned int function)
{
	return set_key(function);
}

SEC("tp_btf/kvm_pio")
int BPF_PROG(proto_pio, unsigned int rw, unsigned int port)
{
	return set_key(port | (__u64)!rw << 16);
}

SEC("tp_btf/kvm_hypercall")
int BPF_PROG(proto_hypercall, unsigned long nr)
{
	return set_key(nr);
}

char LICENSE[] SEC("license") = "GPL";
