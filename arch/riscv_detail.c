// SPDX-License-Identifier: GPL-2.0
/*
 * RISC-V second-level keys (encodings in bpf/kvmstat.h): the SBI function of a guest
 * ecall, the CSR or instruction of a virtual-instruction exit, the GPA of a guest page fault.
 */
#include <stdbool.h>

#include "arch_priv.h"

/* Per arch/riscv/include/asm/csr.h, Linux 6.12: exception codes with a second-level key. */
#define EXC_SUPERVISOR_SYSCALL		10
#define EXC_INST_GUEST_PAGE_FAULT	20
#define EXC_LOAD_GUEST_PAGE_FAULT	21
#define EXC_VIRTUAL_INST_FAULT		22
#define EXC_STORE_GUEST_PAGE_FAULT	23

/* Per arch/riscv/include/asm/sbi.h, Linux 6.12 (CONFIG_RISCV_SBI_V01 on, as in Debian) */
enum sbi_ext_id {
	SBI_EXT_0_1_SET_TIMER = 0x0,
	SBI_EXT_0_1_CONSOLE_PUTCHAR = 0x1,
	SBI_EXT_0_1_CONSOLE_GETCHAR = 0x2,
	SBI_EXT_0_1_CLEAR_IPI = 0x3,
	SBI_EXT_0_1_SEND_IPI = 0x4,
	SBI_EXT_0_1_REMOTE_FENCE_I = 0x5,
	SBI_EXT_0_1_REMOTE_SFENCE_VMA = 0x6,
	SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID = 0x7,
	SBI_EXT_0_1_SHUTDOWN = 0x8,
	SBI_EXT_BASE = 0x10,
	SBI_EXT_TIME = 0x54494D45,
	SBI_EXT_IPI = 0x735049,
	SBI_EXT_RFENCE = 0x52464E43,
	SBI_EXT_HSM = 0x48534D,
	SBI_EXT_SRST = 0x53525354,
	SBI_EXT_SUSP = 0x53555350,
	SBI_EXT_PMU = 0x504D55,
	SBI_EXT_DBCN = 0x4442434E,
	SBI_EXT_STA = 0x535441,
	SBI_EXT_EXPERIMENTAL_START = 0x08000000,
	SBI_EXT_EXPERIMENTAL_END = 0x08FFFFFF,
	SBI_EXT_VENDOR_START = 0x09000000,
	SBI_EXT_VENDOR_END = 0x09FFFFFF,
};

enum sbi_ext_base_fid {
	SBI_EXT_BASE_GET_SPEC_VERSION = 0,
	SBI_EXT_BASE_GET_IMP_ID,
	SBI_EXT_BASE_GET_IMP_VERSION,
	SBI_EXT_BASE_PROBE_EXT,
	SBI_EXT_BASE_GET_MVENDORID,
	SBI_EXT_BASE_GET_MARCHID,
	SBI_EXT_BASE_GET_MIMPID,
};

enum sbi_ext_time_fid {
	SBI_EXT_TIME_SET_TIMER = 0,
};

enum sbi_ext_ipi_fid {
	SBI_EXT_IPI_SEND_IPI = 0,
};

enum sbi_ext_rfence_fid {
	SBI_EXT_RFENCE_REMOTE_FENCE_I = 0,
	SBI_EXT_RFENCE_REMOTE_SFENCE_VMA,
	SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID,
	SBI_EXT_RFENCE_REMOTE_HFENCE_GVMA_VMID,
	SBI_EXT_RFENCE_REMOTE_HFENCE_GVMA,
	SBI_EXT_RFENCE_REMOTE_HFENCE_VVMA_ASID,
	SBI_EXT_RFENCE_REMOTE_HFENCE_VVMA,
};

enum sbi_ext_hsm_fid {
	SBI_EXT_HSM_HART_START = 0,
	SBI_EXT_HSM_HART_STOP,
	SBI_EXT_HSM_HART_STATUS,
	SBI_EXT_HSM_HART_SUSPEND,
};

enum sbi_ext_srst_fid {
	SBI_EXT_SRST_RESET = 0,
};

enum sbi_ext_susp_fid {
	SBI_EXT_SUSP_SYSTEM_SUSPEND = 0,
};

enum sbi_ext_pmu_fid {
	SBI_EXT_PMU_NUM_COUNTERS = 0,
	SBI_EXT_PMU_COUNTER_GET_INFO,
	SBI_EXT_PMU_COUNTER_CFG_MATCH,
	SBI_EXT_PMU_COUNTER_START,
	SBI_EXT_PMU_COUNTER_STOP,
	SBI_EXT_PMU_COUNTER_FW_READ,
	SBI_EXT_PMU_COUNTER_FW_READ_HI,
	SBI_EXT_PMU_SNAPSHOT_SET_SHMEM,
};

enum sbi_ext_dbcn_fid {
	SBI_EXT_DBCN_CONSOLE_WRITE = 0,
	SBI_EXT_DBCN_CONSOLE_READ = 1,
	SBI_EXT_DBCN_CONSOLE_WRITE_BYTE = 2,
};

enum sbi_ext_sta_fid {
	SBI_EXT_STA_STEAL_TIME_SET_SHMEM = 0,
};

/* Names: the macro without SBI_EXT_. Sorted by id. */
#define EXT(x, d)	{ SBI_EXT_##x, #x, d }

static const struct arch_detail_code riscv_sbi_exts[] = {
	EXT(0_1_SET_TIMER, "Legacy: program the timer"),
	EXT(0_1_CONSOLE_PUTCHAR, "Legacy: write a console byte"),
	EXT(0_1_CONSOLE_GETCHAR, "Legacy: read a console byte"),
	EXT(0_1_CLEAR_IPI, "Legacy: clear the pending IPI"),
	EXT(0_1_SEND_IPI, "Legacy: send an IPI"),
	EXT(0_1_REMOTE_FENCE_I, "Legacy: remote FENCE.I"),
	EXT(0_1_REMOTE_SFENCE_VMA, "Legacy: remote SFENCE.VMA"),
	EXT(0_1_REMOTE_SFENCE_VMA_ASID, "Legacy: remote SFENCE.VMA with ASID"),
	EXT(0_1_SHUTDOWN, "Legacy: system shutdown"),
	EXT(BASE, "Base: versions, probe extensions"),
	EXT(HSM, "Hart state management"),
	EXT(PMU, "Performance monitoring"),
	EXT(STA, "Steal-time accounting"),
	EXT(IPI, "Inter-processor interrupts"),
	EXT(DBCN, "Debug console"),
	EXT(RFENCE, "Remote fences"),
	EXT(SRST, "System reset"),
	EXT(SUSP, "System suspend"),
	EXT(TIME, "Timer"),
};

static const struct arch_detail_table riscv_sbi_ext_table = {
	.title = "RISC-V SBI extensions (ECALL_VS exits, a7): SBI_EXT_*",
	.source = "arch/riscv/include/asm/sbi.h, Linux 6.12",
	.codes = riscv_sbi_exts,
	.nr_codes = ARCH_ARRAY_SIZE(riscv_sbi_exts),
	.format_code = arch_detail_hex,
};

#define FN(ext, x)	{ (__u64)SBI_EXT_##ext << 32 | SBI_EXT_##ext##_##x, #ext "_" #x, "" }

static const struct arch_detail_code riscv_sbi_fns[] = {
	FN(BASE, GET_SPEC_VERSION), FN(BASE, GET_IMP_ID), FN(BASE, GET_IMP_VERSION),
	FN(BASE, PROBE_EXT), FN(BASE, GET_MVENDORID), FN(BASE, GET_MARCHID), FN(BASE, GET_MIMPID),
	FN(HSM, HART_START), FN(HSM, HART_STOP), FN(HSM, HART_STATUS), FN(HSM, HART_SUSPEND),
	FN(PMU, NUM_COUNTERS), FN(PMU, COUNTER_GET_INFO), FN(PMU, COUNTER_CFG_MATCH),
	FN(PMU, COUNTER_START), FN(PMU, COUNTER_STOP), FN(PMU, COUNTER_FW_READ),
	FN(PMU, COUNTER_FW_READ_HI), FN(PMU, SNAPSHOT_SET_SHMEM),
	FN(STA, STEAL_TIME_SET_SHMEM),
	FN(IPI, SEND_IPI),
	FN(DBCN, CONSOLE_WRITE), FN(DBCN, CONSOLE_READ), FN(DBCN, CONSOLE_WRITE_BYTE),
	FN(RFENCE, REMOTE_FENCE_I), FN(RFENCE, REMOTE_SFENCE_VMA),
	FN(RFENCE, REMOTE_SFENCE_VMA_ASID), FN(RFENCE, REMOTE_HFENCE_GVMA_VMID),
	FN(RFENCE, REMOTE_HFENCE_GVMA), FN(RFENCE, REMOTE_HFENCE_VVMA_ASID),
	FN(RFENCE, REMOTE_HFENCE_VVMA),
	FN(SRST, RESET),
	FN(SUSP, SYSTEM_SUSPEND),
	FN(TIME, SET_TIMER),
};

/* "0x54494d45/0": extension/function. */
static void sbi_fn_code(__u64 code, char *buf, size_t len)
{
	arch_format(buf, len, "0x%x/%u", (__u32)(code >> 32), (__u32)code);
}

static const struct arch_detail_table riscv_sbi_fn_table = {
	.title = "RISC-V SBI functions (ECALL_VS exits, a7/a6): SBI_EXT_<ext>_<function>",
	.source = "arch/riscv/include/asm/sbi.h (enum sbi_ext_*_fid), Linux 6.12",
	.codes = riscv_sbi_fns,
	.nr_codes = ARCH_ARRAY_SIZE(riscv_sbi_fns),
	.format_code = sbi_fn_code,
};

void arch_riscv_csr_code(__u64 code, char *buf, size_t len)
{
	arch_format(buf, len, "0x%03llx", (unsigned long long)code);
}

/*
 * Instructions other than CSR accesses that KVM emulates on a virtual-instruction
 * exit: INSN_MATCH_* of arch/riscv/kvm/vcpu_insn.c, Linux 6.12 (not in the headers;
 * values from the privileged spec and Zawrs).
 */
#define INSN_MATCH_WRS_NTO	0x00d00073
#define INSN_MATCH_WRS_STO	0x01d00073
#define INSN_MATCH_WFI		0x10500073

static const struct arch_detail_code riscv_insns[] = {
	{ INSN_MATCH_WRS_NTO, "WRS.NTO", "Wait on reservation set (Zawrs)" },
	{ INSN_MATCH_WRS_STO, "WRS.STO", "Wait on reservation set, short timeout (Zawrs)" },
	{ INSN_MATCH_WFI, "WFI", "Wait for interrupt" },
};

static const struct arch_detail_table riscv_insn_table = {
	.title = "RISC-V virtual instructions other than CSR accesses (VIRTUAL_INST exits)",
	.source = "arch/riscv/kvm/vcpu_insn.c INSN_MATCH_*, Linux 6.12; the privileged spec",
	.codes = riscv_insns,
	.nr_codes = ARCH_ARRAY_SIZE(riscv_insns),
	.format_code = arch_detail_hex,
};

static const struct arch_detail_table *const riscv_detail_tables[] = {
	&riscv_sbi_ext_table,
	&riscv_sbi_fn_table,
	&arch_riscv_csr_table,
	&riscv_insn_table,
};

size_t arch_riscv_detail_tables(const struct arch_detail_table *const **tables)
{
	*tables = riscv_detail_tables;
	return ARCH_ARRAY_SIZE(riscv_detail_tables);
}

const char *arch_riscv_detail_kind(__u64 class)
{
	switch (class) {
	case EXC_SUPERVISOR_SYSCALL:
		return "sbi";
	case EXC_VIRTUAL_INST_FAULT:
		return "insn";
	case EXC_INST_GUEST_PAGE_FAULT:
	case EXC_LOAD_GUEST_PAGE_FAULT:
	case EXC_STORE_GUEST_PAGE_FAULT:
		return "gpa";
	default:
		return NULL;
	}
}

/* EXT_FN, else <EXT>_FID_<n> for a known extension, else SBI_0x<ext>_FID_<n>. */
static void sbi_name(__u64 detail, char *buf, size_t len)
{
	const struct arch_detail_code *fn = arch_detail_find(&riscv_sbi_fn_table, detail);
	__u32 ext_id = detail >> 32, fid = (__u32)detail;
	const struct arch_detail_code *ext = arch_detail_find(&riscv_sbi_ext_table, ext_id);

	if (fn)
		arch_format(buf, len, "%s", fn->name);
	else if (ext && ext_id < KVMSTAT_RISCV_SBI_LEGACY_END)
		arch_format(buf, len, "%s", ext->name);	/* legacy: no function id */
	else if (ext)
		arch_format(buf, len, "%s_FID_%u", ext->name, fid);
	else if (ext_id >= SBI_EXT_EXPERIMENTAL_START && ext_id <= SBI_EXT_EXPERIMENTAL_END)
		arch_format(buf, len, "SBI_EXPERIMENTAL_0x%x_FID_%u", ext_id, fid);
	else if (ext_id >= SBI_EXT_VENDOR_START && ext_id <= SBI_EXT_VENDOR_END)
		arch_format(buf, len, "SBI_VENDOR_0x%x_FID_%u", ext_id, fid);
	else
		arch_format(buf, len, "SBI_0x%x_FID_%u", ext_id, fid);
}

#define RV_OPCODE_SYSTEM	0x73
#define RV_FUNCT3(insn)		(((insn) >> 12) & 7)

/* A CSR access ("CYCLE read", "CSR_0x5c0 write") or another instruction ("WFI"). */
static void insn_name(__u64 detail, char *buf, size_t len)
{
	__u32 funct3 = RV_FUNCT3(detail), csr = (detail >> 20) & 0xfff;
	const struct arch_detail_code *entry;
	bool write;

	if ((detail & 0x7f) == RV_OPCODE_SYSTEM && funct3 && funct3 != 4) {
		/* csrrw/csrrwi always write; csrrs/csrrc(i) only with rs1/uimm != 0 */
		write = funct3 == 1 || funct3 == 5 || (detail & KVMSTAT_RISCV_INSN_WRITE);
		entry = arch_detail_find(&arch_riscv_csr_table, csr);
		if (entry)
			arch_format(buf, len, "%s %s", entry->name, write ? "write" : "read");
		else
			arch_format(buf, len, "CSR_0x%03x %s", csr, write ? "write" : "read");
		return;
	}
	entry = arch_detail_find(&riscv_insn_table, detail);
	if (entry)
		arch_format(buf, len, "%s", entry->name);
	else
		arch_format(buf, len, "INSN_0x%08llx", (unsigned long long)detail);
}

void arch_riscv_detail_name(__u64 class, __u64 detail, char *buf, size_t len)
{
	switch (class) {
	case EXC_SUPERVISOR_SYSCALL:
		sbi_name(detail, buf, len);
		break;
	case EXC_VIRTUAL_INST_FAULT:
		insn_name(detail, buf, len);
		break;
	default:
		arch_detail_hex(detail, buf, len);	/* a GPA, or a class without a key */
	}
}
