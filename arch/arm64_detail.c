// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 second-level keys (encodings in bpf/kvmstat.h): the system register of a
 * SYS64 exit, the SMCCC function of an HVC/SMC exit, the IPA of an abort, WFI vs WFE.
 */
#include "arch_priv.h"

/* Per arch/arm64/include/asm/esr.h, Linux 6.12: EC values with a second-level key. */
#define ESR_ELx_EC_WFx		0x01
#define ESR_ELx_EC_HVC32	0x12
#define ESR_ELx_EC_SMC32	0x13
#define ESR_ELx_EC_HVC64	0x16
#define ESR_ELx_EC_SMC64	0x17
#define ESR_ELx_EC_SYS64	0x18
#define ESR_ELx_EC_IABT_LOW	0x20
#define ESR_ELx_EC_DABT_LOW	0x24
#define ARM_EXCEPTION_TRAP	2

/* Per arch/arm64/include/asm/esr.h, Linux 6.12: the SYS64 ISS fields. */
#define ESR_ELx_SYS64_ISS_CRM_SHIFT	1
#define ESR_ELx_SYS64_ISS_CRN_SHIFT	10
#define ESR_ELx_SYS64_ISS_OP1_SHIFT	14
#define ESR_ELx_SYS64_ISS_OP2_SHIFT	17
#define ESR_ELx_SYS64_ISS_OP0_SHIFT	20

/* Per arch/arm64/include/asm/sysreg.h, Linux 6.12: the kernel's encoding of a register. */
#define Op0_shift	19
#define Op0_mask	0x3
#define Op1_shift	16
#define Op1_mask	0x7
#define CRn_shift	12
#define CRn_mask	0xf
#define CRm_shift	8
#define CRm_mask	0xf
#define Op2_shift	5
#define Op2_mask	0x7
#define sys_reg(op0, op1, crn, crm, op2) \
	(((op0) << Op0_shift) | ((op1) << Op1_shift) | \
	 ((crn) << CRn_shift) | ((crm) << CRm_shift) | \
	 ((op2) << Op2_shift))

/* The sys_reg() encoding of a SYS64 ISS (esr_sys64_to_sysreg() in esr.h). */
static __u32 iss_to_sysreg(__u64 iss)
{
	return sys_reg((iss >> ESR_ELx_SYS64_ISS_OP0_SHIFT) & Op0_mask,
		       (iss >> ESR_ELx_SYS64_ISS_OP1_SHIFT) & Op1_mask,
		       (iss >> ESR_ELx_SYS64_ISS_CRN_SHIFT) & CRn_mask,
		       (iss >> ESR_ELx_SYS64_ISS_CRM_SHIFT) & CRm_mask,
		       (iss >> ESR_ELx_SYS64_ISS_OP2_SHIFT) & Op2_mask);
}

/* The generic name of an encoding, as assemblers accept it: S3_0_C0_C4_0. */
void arch_arm64_sysreg_code(__u64 code, char *buf, size_t len)
{
	arch_format(buf, len, "S%u_%u_C%u_C%u_%u", (unsigned)(code >> Op0_shift) & Op0_mask,
		    (unsigned)(code >> Op1_shift) & Op1_mask, (unsigned)(code >> CRn_shift) & CRn_mask,
		    (unsigned)(code >> CRm_shift) & CRm_mask, (unsigned)(code >> Op2_shift) & Op2_mask);
}

/* Per include/linux/arm-smccc.h, Linux 6.12 */
#define ARM_SMCCC_STD_CALL		0U
#define ARM_SMCCC_FAST_CALL		1U
#define ARM_SMCCC_TYPE_SHIFT		31
#define ARM_SMCCC_SMC_32		0
#define ARM_SMCCC_SMC_64		1
#define ARM_SMCCC_CALL_CONV_SHIFT	30
#define ARM_SMCCC_OWNER_MASK		0x3F
#define ARM_SMCCC_OWNER_SHIFT		24
#define ARM_SMCCC_FUNC_MASK		0xFFFF
#define ARM_SMCCC_CALL_VAL(type, calling_convention, owner, func_num) \
	(((type) << ARM_SMCCC_TYPE_SHIFT) | \
	((calling_convention) << ARM_SMCCC_CALL_CONV_SHIFT) | \
	(((owner) & ARM_SMCCC_OWNER_MASK) << ARM_SMCCC_OWNER_SHIFT) | \
	((func_num) & ARM_SMCCC_FUNC_MASK))
#define ARM_SMCCC_OWNER_ARCH		0
#define ARM_SMCCC_OWNER_STANDARD	4
#define ARM_SMCCC_OWNER_STANDARD_HYP	5
#define ARM_SMCCC_OWNER_VENDOR_HYP	6
#define ARM_SMCCC_FUNC_QUERY_CALL_UID	0xff01
#define ARM_SMCCC_KVM_FUNC_FEATURES	0
#define ARM_SMCCC_KVM_FUNC_PTP		1
#define ARM_SMCCC_KVM_FUNC_HYP_MEMINFO	2
#define ARM_SMCCC_KVM_FUNC_MEM_SHARE	3
#define ARM_SMCCC_KVM_FUNC_MEM_UNSHARE	4
#define ARM_SMCCC_KVM_FUNC_MMIO_GUARD	7
#define FAST32(owner, fn)	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_32, owner, fn)
#define FAST64(owner, fn)	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_64, owner, fn)
#define ARM_SMCCC_VERSION_FUNC_ID	FAST32(ARM_SMCCC_OWNER_ARCH, 0)
#define ARM_SMCCC_ARCH_FEATURES_FUNC_ID	FAST32(ARM_SMCCC_OWNER_ARCH, 1)
#define ARM_SMCCC_ARCH_SOC_ID		FAST32(ARM_SMCCC_OWNER_ARCH, 2)
#define ARM_SMCCC_ARCH_WORKAROUND_1	FAST32(ARM_SMCCC_OWNER_ARCH, 0x8000)
#define ARM_SMCCC_ARCH_WORKAROUND_2	FAST32(ARM_SMCCC_OWNER_ARCH, 0x7fff)
#define ARM_SMCCC_ARCH_WORKAROUND_3	FAST32(ARM_SMCCC_OWNER_ARCH, 0x3fff)
#define ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID \
	FAST32(ARM_SMCCC_OWNER_VENDOR_HYP, ARM_SMCCC_FUNC_QUERY_CALL_UID)
#define ARM_SMCCC_VENDOR_HYP_KVM_FEATURES_FUNC_ID \
	FAST32(ARM_SMCCC_OWNER_VENDOR_HYP, ARM_SMCCC_KVM_FUNC_FEATURES)
#define ARM_SMCCC_VENDOR_HYP_KVM_PTP_FUNC_ID \
	FAST32(ARM_SMCCC_OWNER_VENDOR_HYP, ARM_SMCCC_KVM_FUNC_PTP)
#define ARM_SMCCC_VENDOR_HYP_KVM_HYP_MEMINFO_FUNC_ID \
	FAST64(ARM_SMCCC_OWNER_VENDOR_HYP, ARM_SMCCC_KVM_FUNC_HYP_MEMINFO)
#define ARM_SMCCC_VENDOR_HYP_KVM_MEM_SHARE_FUNC_ID \
	FAST64(ARM_SMCCC_OWNER_VENDOR_HYP, ARM_SMCCC_KVM_FUNC_MEM_SHARE)
#define ARM_SMCCC_VENDOR_HYP_KVM_MEM_UNSHARE_FUNC_ID \
	FAST64(ARM_SMCCC_OWNER_VENDOR_HYP, ARM_SMCCC_KVM_FUNC_MEM_UNSHARE)
#define ARM_SMCCC_VENDOR_HYP_KVM_MMIO_GUARD_FUNC_ID \
	FAST64(ARM_SMCCC_OWNER_VENDOR_HYP, ARM_SMCCC_KVM_FUNC_MMIO_GUARD)
#define ARM_SMCCC_HV_PV_TIME_FEATURES	FAST64(ARM_SMCCC_OWNER_STANDARD_HYP, 0x20)
#define ARM_SMCCC_HV_PV_TIME_ST		FAST64(ARM_SMCCC_OWNER_STANDARD_HYP, 0x21)
#define ARM_SMCCC_TRNG_VERSION		FAST32(ARM_SMCCC_OWNER_STANDARD, 0x50)
#define ARM_SMCCC_TRNG_FEATURES		FAST32(ARM_SMCCC_OWNER_STANDARD, 0x51)
#define ARM_SMCCC_TRNG_GET_UUID		FAST32(ARM_SMCCC_OWNER_STANDARD, 0x52)
#define ARM_SMCCC_TRNG_RND32		FAST32(ARM_SMCCC_OWNER_STANDARD, 0x53)
#define ARM_SMCCC_TRNG_RND64		FAST64(ARM_SMCCC_OWNER_STANDARD, 0x53)

/* Per include/uapi/linux/psci.h, Linux 6.12 */
#define PSCI_0_2_FN_BASE		0x84000000
#define PSCI_0_2_FN(n)			(PSCI_0_2_FN_BASE + (n))
#define PSCI_0_2_64BIT			0x40000000
#define PSCI_0_2_FN64_BASE		(PSCI_0_2_FN_BASE + PSCI_0_2_64BIT)
#define PSCI_0_2_FN64(n)		(PSCI_0_2_FN64_BASE + (n))

/* Per arch/arm64/include/uapi/asm/kvm.h, Linux 6.12: KVM's PSCI v0.1 function ids. */
#define KVM_PSCI_FN_BASE		0x95c1ba5e
#define KVM_PSCI_FN(n)			(KVM_PSCI_FN_BASE + (n))

/*
 * Names: the macro without ARM_ and _FUNC_ID; PSCI functions as PSCI_<function>, with
 * _64 for the SMC64 ids (PSCI_0_2_FN64_CPU_ON -> PSCI_CPU_ON_64), KVM's v0.1 ids as
 * PSCI_0_1_<function>. Sorted by id.
 */
#define PSCI(n, x, d)		{ PSCI_0_2_FN(n), "PSCI_" #x, d }
#define PSCI64(n, x, d)		{ PSCI_0_2_FN64(n), "PSCI_" #x "_64", d }
#define SMCCC(x, d)		{ ARM_##x, #x, d }
#define SMCCC_FN(x, d)		{ ARM_##x##_FUNC_ID, #x, d }

static const struct arch_detail_code arm64_smccc[] = {
	SMCCC_FN(SMCCC_VERSION, "SMCCC version implemented"),
	SMCCC_FN(SMCCC_ARCH_FEATURES, "Is an SMCCC function implemented"),
	SMCCC(SMCCC_ARCH_SOC_ID, "SoC identification"),
	SMCCC(SMCCC_ARCH_WORKAROUND_3, "Spectre-BHB mitigation"),
	SMCCC(SMCCC_ARCH_WORKAROUND_2, "Spectre-v4 (SSBD) mitigation"),
	SMCCC(SMCCC_ARCH_WORKAROUND_1, "Spectre-v2 branch predictor invalidation"),
	PSCI(0, VERSION, "PSCI version"),
	PSCI(1, CPU_SUSPEND, "Suspend this CPU"),
	PSCI(2, CPU_OFF, "Power this CPU down"),
	PSCI(3, CPU_ON, "Power a CPU up"),
	PSCI(4, AFFINITY_INFO, "Power state of an affinity level"),
	PSCI(5, MIGRATE, "Migrate the trusted OS"),
	PSCI(6, MIGRATE_INFO_TYPE, "Trusted OS migration type"),
	PSCI(7, MIGRATE_INFO_UP_CPU, "Trusted OS resident CPU"),
	PSCI(8, SYSTEM_OFF, "Power the system off"),
	PSCI(9, SYSTEM_RESET, "Reset the system"),
	PSCI(10, FEATURES, "Is a PSCI function implemented"),
	PSCI(11, CPU_FREEZE, "Freeze this CPU"),
	PSCI(12, CPU_DEFAULT_SUSPEND, "Default suspend of this CPU"),
	PSCI(13, NODE_HW_STATE, "Hardware state of a node"),
	PSCI(14, SYSTEM_SUSPEND, "Suspend the system to RAM"),
	PSCI(15, SET_SUSPEND_MODE, "Platform- or OS-coordinated suspend"),
	PSCI(16, STAT_RESIDENCY, "Time spent in a power state"),
	PSCI(17, STAT_COUNT, "Entries into a power state"),
	PSCI(18, SYSTEM_RESET2, "Architectural or vendor system reset"),
	PSCI(19, MEM_PROTECT, "Memory protection on reset"),
	PSCI(20, MEM_PROTECT_CHECK_RANGE, "Is a range protected"),
	SMCCC(SMCCC_TRNG_VERSION, "TRNG version"),
	SMCCC(SMCCC_TRNG_FEATURES, "Is a TRNG function implemented"),
	SMCCC(SMCCC_TRNG_GET_UUID, "TRNG implementation UUID"),
	SMCCC(SMCCC_TRNG_RND32, "Random bits (SMC32)"),
	SMCCC_FN(SMCCC_VENDOR_HYP_KVM_FEATURES, "KVM vendor hypercalls implemented"),
	SMCCC_FN(SMCCC_VENDOR_HYP_KVM_PTP, "KVM PTP: host clock and counter (ptp_kvm)"),
	SMCCC_FN(SMCCC_VENDOR_HYP_CALL_UID, "Vendor hypervisor UID (KVM's identifies it)"),
	{ KVM_PSCI_FN(0), "PSCI_0_1_CPU_SUSPEND", "KVM's PSCI v0.1: suspend this CPU" },
	{ KVM_PSCI_FN(1), "PSCI_0_1_CPU_OFF", "KVM's PSCI v0.1: power this CPU down" },
	{ KVM_PSCI_FN(2), "PSCI_0_1_CPU_ON", "KVM's PSCI v0.1: power a CPU up" },
	{ KVM_PSCI_FN(3), "PSCI_0_1_MIGRATE", "KVM's PSCI v0.1: migrate the trusted OS" },
	PSCI64(1, CPU_SUSPEND, "Suspend this CPU"),
	PSCI64(3, CPU_ON, "Power a CPU up"),
	PSCI64(4, AFFINITY_INFO, "Power state of an affinity level"),
	PSCI64(5, MIGRATE, "Migrate the trusted OS"),
	PSCI64(7, MIGRATE_INFO_UP_CPU, "Trusted OS resident CPU"),
	PSCI64(12, CPU_DEFAULT_SUSPEND, "Default suspend of this CPU"),
	PSCI64(13, NODE_HW_STATE, "Hardware state of a node"),
	PSCI64(14, SYSTEM_SUSPEND, "Suspend the system to RAM"),
	PSCI64(16, STAT_RESIDENCY, "Time spent in a power state"),
	PSCI64(17, STAT_COUNT, "Entries into a power state"),
	PSCI64(18, SYSTEM_RESET2, "Architectural or vendor system reset"),
	PSCI64(20, MEM_PROTECT_CHECK_RANGE, "Is a range protected"),
	SMCCC(SMCCC_TRNG_RND64, "Random bits (SMC64)"),
	SMCCC(SMCCC_HV_PV_TIME_FEATURES, "Paravirtualized stolen time: features"),
	SMCCC(SMCCC_HV_PV_TIME_ST, "Paravirtualized stolen time: structure address"),
	SMCCC_FN(SMCCC_VENDOR_HYP_KVM_HYP_MEMINFO, "pKVM: hypervisor memory granule"),
	SMCCC_FN(SMCCC_VENDOR_HYP_KVM_MEM_SHARE, "pKVM: share memory with the host"),
	SMCCC_FN(SMCCC_VENDOR_HYP_KVM_MEM_UNSHARE, "pKVM: unshare memory"),
	SMCCC_FN(SMCCC_VENDOR_HYP_KVM_MMIO_GUARD, "pKVM: allow MMIO to a page"),
};

static const struct arch_detail_table arm64_smccc_table = {
	.title = "arm64 SMCCC function ids (HVC/SMC exits, w0): PSCI_*, ARM_SMCCC_*",
	.source = "include/uapi/linux/psci.h, include/linux/arm-smccc.h, "
		  "arch/arm64/include/uapi/asm/kvm.h (KVM_PSCI_FN_*), Linux 6.12",
	.codes = arm64_smccc,
	.nr_codes = ARCH_ARRAY_SIZE(arm64_smccc),
	.format_code = arch_detail_hex,
};

/* Per arch/arm64/include/asm/esr.h, Linux 6.12: the TI field of a WFx ISS. */
#define ESR_ELx_WFx_ISS_WFxT	(2UL << 0)
#define ESR_ELx_WFx_ISS_WFI	(0UL << 0)
#define ESR_ELx_WFx_ISS_WFE	(1UL << 0)

static const struct arch_detail_code arm64_wfx[] = {
	{ ESR_ELx_WFx_ISS_WFI, "WFI", "Wait for interrupt" },
	{ ESR_ELx_WFx_ISS_WFE, "WFE", "Wait for event" },
	{ ESR_ELx_WFx_ISS_WFxT | ESR_ELx_WFx_ISS_WFI, "WFIT", "Wait for interrupt with timeout" },
	{ ESR_ELx_WFx_ISS_WFxT | ESR_ELx_WFx_ISS_WFE, "WFET", "Wait for event with timeout" },
};

static const struct arch_detail_table arm64_wfx_table = {
	.title = "arm64 WFx instructions (WFx exits): ESR_ELx_WFx_ISS_* (TI field)",
	.source = "arch/arm64/include/asm/esr.h, Linux 6.12",
	.codes = arm64_wfx,
	.nr_codes = ARCH_ARRAY_SIZE(arm64_wfx),
	.format_code = arch_detail_hex,
};

static const struct arch_detail_table *const arm64_detail_tables[] = {
	&arch_arm64_sysreg_table,
	&arm64_smccc_table,
	&arm64_wfx_table,
};

size_t arch_arm64_detail_tables(const struct arch_detail_table *const **tables)
{
	*tables = arm64_detail_tables;
	return ARCH_ARRAY_SIZE(arm64_detail_tables);
}

/* The EC of a TRAP class; 0 (UNKNOWN, no second-level key) for other exit types. */
static __u32 trap_ec(__u64 class)
{
	return KVMSTAT_ARM64_TYPE(class) == ARM_EXCEPTION_TRAP ? KVMSTAT_ARM64_EC(class) : 0;
}

const char *arch_arm64_detail_kind(__u64 class)
{
	switch (trap_ec(class)) {
	case ESR_ELx_EC_SYS64:
		return "sysreg";
	case ESR_ELx_EC_HVC32:
	case ESR_ELx_EC_SMC32:
	case ESR_ELx_EC_HVC64:
	case ESR_ELx_EC_SMC64:
		return "smccc";
	case ESR_ELx_EC_IABT_LOW:
	case ESR_ELx_EC_DABT_LOW:
		return "ipa";
	case ESR_ELx_EC_WFx:
		return "wfx";
	default:
		return NULL;
	}
}

static void sysreg_name(__u64 detail, char *buf, size_t len)
{
	__u32 reg = iss_to_sysreg(detail);
	const struct arch_detail_code *entry = arch_detail_find(&arch_arm64_sysreg_table, reg);
	const char *dir = detail & KVMSTAT_ARM64_SYSREG_READ ? "read" : "write";
	char code[ARCH_NAME_LEN];

	if (entry) {
		arch_format(buf, len, "%s %s", entry->name, dir);
		return;
	}
	arch_arm64_sysreg_code(reg, code, sizeof(code));
	arch_format(buf, len, "%s %s", code, dir);
}

/* Owners of SMCCC function ids (ARM_SMCCC_OWNER_*), for ids in no table. */
static const char *smccc_owner(__u32 owner)
{
	static const char *const names[] = {
		"ARCH", "CPU", "SIP", "OEM", "STANDARD", "STANDARD_HYP", "VENDOR_HYP",
	};

	if (owner < ARCH_ARRAY_SIZE(names))
		return names[owner];
	if (owner >= 48 && owner <= 49)
		return "TRUSTED_APP";
	if (owner >= 50)
		return "TRUSTED_OS";
	return "RESERVED";
}

/* SMCCC_<owner>_<32|64>_0x<function>, YIELD_ for a yielding (non-fast) call. */
static void smccc_name(__u64 detail, char *buf, size_t len)
{
	const struct arch_detail_code *entry = arch_detail_find(&arm64_smccc_table, detail);
	__u32 id = (__u32)detail;

	if (entry) {
		arch_format(buf, len, "%s", entry->name);
		return;
	}
	arch_format(buf, len, "SMCCC_%s%s_%d_0x%04x",
		    (id >> ARM_SMCCC_TYPE_SHIFT) == ARM_SMCCC_FAST_CALL ? "" : "YIELD_",
		    smccc_owner((id >> ARM_SMCCC_OWNER_SHIFT) & ARM_SMCCC_OWNER_MASK),
		    (id >> ARM_SMCCC_CALL_CONV_SHIFT) & 1 ? 64 : 32, id & ARM_SMCCC_FUNC_MASK);
}

void arch_arm64_detail_name(__u64 class, __u64 detail, char *buf, size_t len)
{
	const struct arch_detail_code *entry;
	__u32 ec = trap_ec(class);

	switch (ec) {
	case ESR_ELx_EC_SYS64:
		sysreg_name(detail, buf, len);
		break;
	case ESR_ELx_EC_HVC32:
	case ESR_ELx_EC_SMC32:
	case ESR_ELx_EC_HVC64:
	case ESR_ELx_EC_SMC64:
		smccc_name(detail, buf, len);
		break;
	case ESR_ELx_EC_IABT_LOW:
	case ESR_ELx_EC_DABT_LOW:
		arch_format(buf, len, "0x%llx %s", (unsigned long long)(detail & ~KVMSTAT_DETAIL_WRITE),
			    ec == ESR_ELx_EC_IABT_LOW ? "exec" :
			    detail & KVMSTAT_DETAIL_WRITE ? "write" : "read");
		break;
	case ESR_ELx_EC_WFx:
		entry = arch_detail_find(&arm64_wfx_table, detail);
		arch_format(buf, len, "%s", entry ? entry->name : "WFx_?");
		break;
	default:
		arch_detail_hex(detail, buf, len);
	}
}
