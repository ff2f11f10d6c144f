// SPDX-License-Identifier: GPL-2.0
/*
 * x86 second-level keys (encodings in bpf/kvmstat.h): the port of an I/O exit, the
 * MSR of an MSR exit, the GPA of an NPF, the CPUID leaf, the hypercall number.
 * VMX's EPT exits have none: the GPA is in the VMCS, not in the kvm_exit record.
 */
#include "arch_priv.h"

/* Per arch/x86/include/uapi/asm/vmx.h and svm.h, Linux 6.12 */
#define EXIT_REASON_CPUID		10
#define EXIT_REASON_VMCALL		18
#define EXIT_REASON_IO_INSTRUCTION	30
#define EXIT_REASON_MSR_READ		31
#define EXIT_REASON_MSR_WRITE		32
#define SVM_EXIT_CPUID			0x072
#define SVM_EXIT_IOIO			0x07b
#define SVM_EXIT_MSR			0x07c
#define SVM_EXIT_VMMCALL		0x081
#define SVM_EXIT_NPF			0x400

void arch_x86_msr_code(__u64 code, char *buf, size_t len)
{
	arch_format(buf, len, "0x%08llx", (unsigned long long)code);
}

/* Per include/uapi/linux/kvm_para.h, Linux 6.12 */
#define KVM_HC_VAPIC_POLL_IRQ		1
#define KVM_HC_MMU_OP			2
#define KVM_HC_FEATURES			3
#define KVM_HC_PPC_MAP_MAGIC_PAGE	4
#define KVM_HC_KICK_CPU			5
#define KVM_HC_MIPS_GET_CLOCK_FREQ	6
#define KVM_HC_MIPS_EXIT_VM		7
#define KVM_HC_MIPS_CONSOLE_OUTPUT	8
#define KVM_HC_CLOCK_PAIRING		9
#define KVM_HC_SEND_IPI			10
#define KVM_HC_SCHED_YIELD		11
#define KVM_HC_MAP_GPA_RANGE		12

#define HC(x, d) { KVM_HC_##x, "KVM_HC_" #x, d }

static const struct arch_detail_code x86_hypercalls[] = {
	HC(VAPIC_POLL_IRQ, "Poll for a pending interrupt (obsolete)"),
	HC(MMU_OP, "Paravirtual MMU operations (removed)"),
	HC(FEATURES, "Feature query (unused on x86)"),
	HC(PPC_MAP_MAGIC_PAGE, "PowerPC only"),
	HC(KICK_CPU, "Wake a vCPU halted in a paravirtual spinlock"),
	HC(MIPS_GET_CLOCK_FREQ, "MIPS only"),
	HC(MIPS_EXIT_VM, "MIPS only"),
	HC(MIPS_CONSOLE_OUTPUT, "MIPS only"),
	HC(CLOCK_PAIRING, "Host wall clock and TSC pair (ptp_kvm)"),
	HC(SEND_IPI, "Paravirtual IPI to many vCPUs"),
	HC(SCHED_YIELD, "Yield to the vCPU holding a lock"),
	HC(MAP_GPA_RANGE, "Private/shared memory conversion (SEV, TDX)"),
};

static const struct arch_detail_table x86_hypercall_table = {
	.title = "x86 KVM hypercalls (VMCALL/VMMCALL exits, RAX): KVM_HC_*",
	.source = "include/uapi/linux/kvm_para.h, Linux 6.12",
	.codes = x86_hypercalls,
	.nr_codes = ARCH_ARRAY_SIZE(x86_hypercalls),
	.format_code = arch_detail_hex,
};

/*
 * Per arch/x86/include/asm/apicdef.h, Linux 6.12: local APIC registers, reached in
 * x2APIC mode as MSR APIC_BASE_MSR + (offset >> 4). The eight ISR, TMR and IRR
 * registers follow their first one.
 */
#define APIC_BASE_MSR	0x800
#define APIC_ID		0x20
#define APIC_LVR	0x30
#define APIC_TASKPRI	0x80
#define APIC_ARBPRI	0x90
#define APIC_PROCPRI	0xA0
#define APIC_EOI	0xB0
#define APIC_RRR	0xC0
#define APIC_LDR	0xD0
#define APIC_DFR	0xE0
#define APIC_SPIV	0xF0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_LVTCMCI	0x2f0
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVTTHMR	0x330
#define APIC_LVTPC	0x340
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3E0
#define APIC_SELF_IPI	0x3F0
#define APIC_EFEAT	0x400
#define APIC_ECTRL	0x410

#define X2APIC(x, d) { APIC_BASE_MSR + (APIC_##x >> 4), "X2APIC_" #x, d }

static const struct arch_detail_code x86_x2apic[] = {
	X2APIC(ID, "Local APIC id"),
	X2APIC(LVR, "Version"),
	X2APIC(TASKPRI, "Task priority (TPR)"),
	X2APIC(ARBPRI, "Arbitration priority"),
	X2APIC(PROCPRI, "Processor priority"),
	X2APIC(EOI, "End of interrupt"),
	X2APIC(RRR, "Remote read"),
	X2APIC(LDR, "Logical destination"),
	X2APIC(DFR, "Destination format"),
	X2APIC(SPIV, "Spurious interrupt vector"),
	X2APIC(ISR, "In-service register 0 (of 8)"),
	X2APIC(TMR, "Trigger mode register 0 (of 8)"),
	X2APIC(IRR, "Interrupt request register 0 (of 8)"),
	X2APIC(ESR, "Error status"),
	X2APIC(LVTCMCI, "LVT corrected machine check"),
	X2APIC(ICR, "Interrupt command (send an IPI)"),
	X2APIC(ICR2, "Interrupt command, high half (xAPIC only)"),
	X2APIC(LVTT, "LVT timer"),
	X2APIC(LVTTHMR, "LVT thermal sensor"),
	X2APIC(LVTPC, "LVT performance counter"),
	X2APIC(LVT0, "LVT LINT0"),
	X2APIC(LVT1, "LVT LINT1"),
	X2APIC(LVTERR, "LVT error"),
	X2APIC(TMICT, "Timer initial count"),
	X2APIC(TMCCT, "Timer current count"),
	X2APIC(TDCR, "Timer divide configuration"),
	X2APIC(SELF_IPI, "Self IPI"),
	X2APIC(EFEAT, "Extended APIC feature (AMD)"),
	X2APIC(ECTRL, "Extended APIC control (AMD)"),
};

static const struct arch_detail_table x86_x2apic_table = {
	.title = "x86 x2APIC registers (MSR exits, 0x800 + offset / 16): APIC_*",
	.source = "arch/x86/include/asm/apicdef.h, Linux 6.12",
	.codes = x86_x2apic,
	.nr_codes = ARCH_ARRAY_SIZE(x86_x2apic),
	.format_code = arch_detail_hex,
};

static const struct arch_detail_table *const x86_detail_tables[] = {
	&arch_x86_msr_table,
	&x86_x2apic_table,
	&x86_hypercall_table,
};

size_t arch_x86_detail_tables(const struct arch_detail_table *const **tables)
{
	*tables = x86_detail_tables;
	return ARCH_ARRAY_SIZE(x86_detail_tables);
}

enum x86_key { X86_KEY_NONE, X86_KEY_PORT, X86_KEY_MSR, X86_KEY_GPA, X86_KEY_CPUID, X86_KEY_HC };

/* Which key a class has: the same kinds on VMX and SVM, by their own numbers. */
static enum x86_key x86_key_of(__u64 class)
{
	__u32 reason = KVMSTAT_X86_REASON(class);

	if (KVMSTAT_X86_ISA(class) == KVMSTAT_X86_ISA_VMX) {
		switch (reason) {
		case EXIT_REASON_IO_INSTRUCTION:
			return X86_KEY_PORT;
		case EXIT_REASON_MSR_READ:
		case EXIT_REASON_MSR_WRITE:
			return X86_KEY_MSR;
		case EXIT_REASON_CPUID:
			return X86_KEY_CPUID;
		case EXIT_REASON_VMCALL:
			return X86_KEY_HC;
		}
	} else if (KVMSTAT_X86_ISA(class) == KVMSTAT_X86_ISA_SVM) {
		switch (reason) {
		case SVM_EXIT_IOIO:
			return X86_KEY_PORT;
		case SVM_EXIT_MSR:
			return X86_KEY_MSR;
		case SVM_EXIT_NPF:
			return X86_KEY_GPA;
		case SVM_EXIT_CPUID:
			return X86_KEY_CPUID;
		case SVM_EXIT_VMMCALL:
			return X86_KEY_HC;
		}
	}
	return X86_KEY_NONE;
}

const char *arch_x86_detail_kind(__u64 class)
{
	static const char *const kinds[] = {
		[X86_KEY_PORT] = "port", [X86_KEY_MSR] = "msr", [X86_KEY_GPA] = "gpa",
		[X86_KEY_CPUID] = "cpuid", [X86_KEY_HC] = "hypercall",
	};

	return kinds[x86_key_of(class)];
}

/* An x2APIC register: its table entry, or ISRn/TMRn/IRRn after the first of eight. */
static void x2apic_name(__u32 msr, char *buf, size_t len)
{
	static const struct { __u32 first; const char *name; } arrays[] = {
		{ APIC_BASE_MSR + (APIC_ISR >> 4), "X2APIC_ISR" },
		{ APIC_BASE_MSR + (APIC_TMR >> 4), "X2APIC_TMR" },
		{ APIC_BASE_MSR + (APIC_IRR >> 4), "X2APIC_IRR" },
	};
	const struct arch_detail_code *entry = arch_detail_find(&x86_x2apic_table, msr);
	size_t i;

	if (entry) {
		arch_format(buf, len, "%s", entry->name);
		return;
	}
	for (i = 0; i < ARCH_ARRAY_SIZE(arrays); i++) {
		if (msr > arrays[i].first && msr < arrays[i].first + 8) {
			arch_format(buf, len, "%s%u", arrays[i].name, msr - arrays[i].first);
			return;
		}
	}
	arch_format(buf, len, "X2APIC_0x%x", msr);
}

static void msr_name(__u64 detail, char *buf, size_t len)
{
	__u32 msr = (__u32)detail;
	const struct arch_detail_code *entry = arch_detail_find(&arch_x86_msr_table, msr);
	const char *dir = detail & KVMSTAT_X86_DETAIL_WRMSR ? "write" : "read";
	char name[ARCH_DETAIL_LEN];

	if (entry)
		arch_format(name, sizeof(name), "%s", entry->name);
	else if (msr >= APIC_BASE_MSR && msr < APIC_BASE_MSR + 0x100)
		x2apic_name(msr, name, sizeof(name));
	else
		arch_format(name, sizeof(name), "MSR_0x%x", msr);
	arch_format(buf, len, "%s %s", name, dir);
}

void arch_x86_detail_name(__u64 class, __u64 detail, char *buf, size_t len)
{
	const struct arch_detail_code *entry;

	switch (x86_key_of(class)) {
	case X86_KEY_PORT:
		arch_format(buf, len, "0x%llx %s", (unsigned long long)(detail & 0xffff),
			    detail & KVMSTAT_X86_DETAIL_IN ? "in" : "out");
		break;
	case X86_KEY_MSR:
		msr_name(detail, buf, len);
		break;
	case X86_KEY_GPA:
		arch_format(buf, len, "0x%llx %s", (unsigned long long)(detail & ~KVMSTAT_DETAIL_WRITE),
			    detail & KVMSTAT_DETAIL_WRITE ? "write" : "read");
		break;
	case X86_KEY_HC:
		entry = arch_detail_find(&x86_hypercall_table, detail);
		if (entry)
			arch_format(buf, len, "%s", entry->name);
		else
			arch_format(buf, len, "HC_%llu", (unsigned long long)detail);
		break;
	case X86_KEY_CPUID:	/* the leaf */
	default:
		arch_detail_hex(detail, buf, len);
	}
}
