// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 exit classes: class = (exit_type << 32) | esr_ec (see bpf/kvmstat.h).
 * A TRAP exit is named by its exception class ("DABT_LOW"), any other exit by
 * its type ("IRQ"): the EC of a non-trap exit is stale and recorded as 0.
 */
#include "arch_priv.h"

/* Per arch/arm64/include/asm/virt.h and kvm_asm.h, Linux v6.18 */
#define HVC_STUB_ERR			0xbadca11
#define ARM_EXCEPTION_IRQ		0
#define ARM_EXCEPTION_EL1_SERROR	1
#define ARM_EXCEPTION_TRAP		2
#define ARM_EXCEPTION_IL		3
/* The hyp-stub returns this for any kvm_call_hyp() call */
#define ARM_EXCEPTION_HYP_GONE		HVC_STUB_ERR

#define EXIT(x, d) { ARM_EXCEPTION_##x, #x, d }

static const struct arch_code arm64_exit_types[] = {
	EXIT(IRQ, "Host interrupt taken while the guest ran"),
	EXIT(EL1_SERROR, "SError taken to EL2 while the guest ran"),
	EXIT(TRAP, "Synchronous exception trapped to EL2 (named by its class)"),
	EXIT(IL, "Illegal exception return to the guest"),
	EXIT(HYP_GONE, "kvm_call_hyp() answered by the hyp-stub: no KVM at EL2"),
};

/* Per arch/arm64/include/asm/esr.h, Linux v6.18 (ESR_ELx_EC_OTHER since v6.16) */
#define ESR_ELx_EC_UNKNOWN	0x00
#define ESR_ELx_EC_WFx		0x01
/* Unallocated EC: 0x02 */
#define ESR_ELx_EC_CP15_32	0x03
#define ESR_ELx_EC_CP15_64	0x04
#define ESR_ELx_EC_CP14_MR	0x05
#define ESR_ELx_EC_CP14_LS	0x06
#define ESR_ELx_EC_FP_ASIMD	0x07
#define ESR_ELx_EC_CP10_ID	0x08	/* EL2 only */
#define ESR_ELx_EC_PAC		0x09	/* EL2 and above */
#define ESR_ELx_EC_OTHER	0x0A
/* Unallocated EC: 0x0B */
#define ESR_ELx_EC_CP14_64	0x0C
#define ESR_ELx_EC_BTI		0x0D
#define ESR_ELx_EC_ILL		0x0E
/* Unallocated EC: 0x0F - 0x10 */
#define ESR_ELx_EC_SVC32	0x11
#define ESR_ELx_EC_HVC32	0x12	/* EL2 only */
#define ESR_ELx_EC_SMC32	0x13	/* EL2 and above */
/* Unallocated EC: 0x14 */
#define ESR_ELx_EC_SVC64	0x15
#define ESR_ELx_EC_HVC64	0x16	/* EL2 and above */
#define ESR_ELx_EC_SMC64	0x17	/* EL2 and above */
#define ESR_ELx_EC_SYS64	0x18
#define ESR_ELx_EC_SVE		0x19
#define ESR_ELx_EC_ERET		0x1a	/* EL2 only */
/* Unallocated EC: 0x1B */
#define ESR_ELx_EC_FPAC		0x1C	/* EL1 and above */
#define ESR_ELx_EC_SME		0x1D
/* Unallocated EC: 0x1E */
#define ESR_ELx_EC_IMP_DEF	0x1f	/* EL3 only */
#define ESR_ELx_EC_IABT_LOW	0x20
#define ESR_ELx_EC_IABT_CUR	0x21
#define ESR_ELx_EC_PC_ALIGN	0x22
/* Unallocated EC: 0x23 */
#define ESR_ELx_EC_DABT_LOW	0x24
#define ESR_ELx_EC_DABT_CUR	0x25
#define ESR_ELx_EC_SP_ALIGN	0x26
#define ESR_ELx_EC_MOPS		0x27
#define ESR_ELx_EC_FP_EXC32	0x28
/* Unallocated EC: 0x29 - 0x2B */
#define ESR_ELx_EC_FP_EXC64	0x2C
#define ESR_ELx_EC_GCS		0x2D
/* Unallocated EC: 0x2E */
#define ESR_ELx_EC_SERROR	0x2F
#define ESR_ELx_EC_BREAKPT_LOW	0x30
#define ESR_ELx_EC_BREAKPT_CUR	0x31
#define ESR_ELx_EC_SOFTSTP_LOW	0x32
#define ESR_ELx_EC_SOFTSTP_CUR	0x33
#define ESR_ELx_EC_WATCHPT_LOW	0x34
#define ESR_ELx_EC_WATCHPT_CUR	0x35
/* Unallocated EC: 0x36 - 0x37 */
#define ESR_ELx_EC_BKPT32	0x38
/* Unallocated EC: 0x39 */
#define ESR_ELx_EC_VECTOR32	0x3A	/* EL2 only */
/* Unallocated EC: 0x3B */
#define ESR_ELx_EC_BRK64	0x3C
/* Unallocated EC: 0x3D - 0x3F */

#define EC(x, d) { ESR_ELx_EC_##x, #x, d }

/* Descriptions: the meaning of each EC in the Arm ARM (ESR_EL2.EC). */
static const struct arch_code arm64_ecs[] = {
	EC(UNKNOWN, "Unknown reason"),
	EC(WFx, "Trapped WFI, WFE, WFIT or WFET instruction"),
	EC(CP15_32, "Trapped AArch32 MCR or MRC access to CP15"),
	EC(CP15_64, "Trapped AArch32 MCRR or MRRC access to CP15"),
	EC(CP14_MR, "Trapped AArch32 MCR or MRC access to CP14"),
	EC(CP14_LS, "Trapped AArch32 LDC or STC access to CP14"),
	EC(FP_ASIMD, "Trapped access to SME, SVE, Advanced SIMD or floating point"),
	EC(CP10_ID, "Trapped AArch32 VMRS access to a floating-point ID register"),
	EC(PAC, "Trapped pointer authentication instruction"),
	EC(OTHER, "Trapped LD64B, ST64B*, TSB CSYNC or PSB CSYNC instruction"),
	EC(CP14_64, "Trapped AArch32 MRRC or MCRR access to CP14"),
	EC(BTI, "Branch Target Identification exception"),
	EC(ILL, "Illegal Execution state"),
	EC(SVC32, "SVC instruction in AArch32 state"),
	EC(HVC32, "HVC instruction in AArch32 state"),
	EC(SMC32, "SMC instruction in AArch32 state"),
	EC(SVC64, "SVC instruction in AArch64 state"),
	EC(HVC64, "HVC instruction in AArch64 state (hypercall, PSCI)"),
	EC(SMC64, "SMC instruction in AArch64 state"),
	EC(SYS64, "Trapped MSR, MRS or System instruction in AArch64 state"),
	EC(SVE, "Trapped access to SVE functionality"),
	EC(ERET, "Trapped ERET, ERETAA or ERETAB instruction"),
	EC(FPAC, "Pointer authentication failure (FEAT_FPAC)"),
	EC(SME, "Trapped access to SME functionality"),
	EC(IMP_DEF, "IMPLEMENTATION DEFINED exception to EL3"),
	EC(IABT_LOW, "Instruction Abort from a lower Exception level (stage 2)"),
	EC(IABT_CUR, "Instruction Abort without a change in Exception level"),
	EC(PC_ALIGN, "PC alignment fault"),
	EC(DABT_LOW, "Data Abort from a lower Exception level (stage 2, MMIO)"),
	EC(DABT_CUR, "Data Abort without a change in Exception level"),
	EC(SP_ALIGN, "SP alignment fault"),
	EC(MOPS, "Memory Copy or Memory Set instruction exception (FEAT_MOPS)"),
	EC(FP_EXC32, "Trapped floating-point exception in AArch32 state"),
	EC(FP_EXC64, "Trapped floating-point exception in AArch64 state"),
	EC(GCS, "Guarded Control Stack exception"),
	EC(SERROR, "SError exception"),
	EC(BREAKPT_LOW, "Breakpoint from a lower Exception level"),
	EC(BREAKPT_CUR, "Breakpoint without a change in Exception level"),
	EC(SOFTSTP_LOW, "Software Step from a lower Exception level"),
	EC(SOFTSTP_CUR, "Software Step without a change in Exception level"),
	EC(WATCHPT_LOW, "Watchpoint from a lower Exception level"),
	EC(WATCHPT_CUR, "Watchpoint without a change in Exception level"),
	EC(BKPT32, "BKPT instruction in AArch32 state"),
	EC(VECTOR32, "Vector Catch in AArch32 state"),
	EC(BRK64, "BRK instruction in AArch64 state"),
};

static const struct arch_table arm64_tables[] = {
	{
		.title = "arm64 exit types: ARM_EXCEPTION_*, the kvm_exit ret",
		.source = "arch/arm64/include/asm/kvm_asm.h, Linux v6.18",
		.codes = arm64_exit_types,
		.nr_codes = ARCH_ARRAY_SIZE(arm64_exit_types),
		.class_base = 0,
		.class_step = 1ULL << 32,
	},
	{
		.title = "arm64 exception classes: ESR_ELx_EC_*, when the exit type is TRAP",
		.source = "arch/arm64/include/asm/esr.h, Linux v6.18",
		.codes = arm64_ecs,
		.nr_codes = ARCH_ARRAY_SIZE(arm64_ecs),
		.class_base = (__u64)ARM_EXCEPTION_TRAP << 32,
		.class_step = 1,
	},
};

static const struct arch_code *arm64_lookup(__u64 class)
{
	__u32 type = KVMSTAT_ARM64_TYPE(class);

	if (type == ARM_EXCEPTION_TRAP)
		return arch_table_find(&arm64_tables[1], (__u32)class);
	return arch_table_find(&arm64_tables[0], type);
}

static void arm64_placeholder(__u64 class, char *buf, size_t len)
{
	__u32 type = KVMSTAT_ARM64_TYPE(class);

	if (type == ARM_EXCEPTION_TRAP)
		arch_format(buf, len, "EC_0x%02x", (__u32)class);
	else
		arch_format(buf, len, "TYPE_0x%x", type);
}

static const char *arm64_unknown_desc(__u64 class)
{
	if (KVMSTAT_ARM64_TYPE(class) == ARM_EXCEPTION_TRAP)
		return "unknown exception class";
	return "unknown exit type";
}

static void arm64_code(__u64 class, char *buf, size_t len)
{
	__u32 type = KVMSTAT_ARM64_TYPE(class);

	/* ECs as the Arm ARM writes them: two hex digits (0x0e ILL) */
	if (type == ARM_EXCEPTION_TRAP)
		arch_format(buf, len, "0x%02x", (__u32)class);
	else
		arch_format(buf, len, "0x%x", type);
}

const struct arch_decoder arch_arm64_decoder = {
	.tables = arm64_tables,
	.nr_tables = ARCH_ARRAY_SIZE(arm64_tables),
	.lookup = arm64_lookup,
	.placeholder = arm64_placeholder,
	.unknown_desc = arm64_unknown_desc,
	.code = arm64_code,
	.detail_tables = arch_arm64_detail_tables,
	.detail_kind = arch_arm64_detail_kind,
	.detail_name = arch_arm64_detail_name,
};
