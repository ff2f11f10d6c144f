// SPDX-License-Identifier: GPL-2.0
/*
 * RISC-V exit classes: class = scause (see bpf/kvmstat.h). Bit 63 marks an
 * interrupt, so exceptions and interrupts are two tables with the same codes.
 */
#include "arch_priv.h"

#define RISCV_INTR_BIT	KVMSTAT_RISCV_INTR_BIT

/*
 * Per arch/riscv/include/asm/csr.h, Linux v6.18, plus EXC_SOFTWARE_CHECK from
 * 2026 mainline (KVM support for Zicfiss/Zicfilp). ECALL_M, DOUBLE_TRAP and
 * HARDWARE_ERROR are in no Linux header: they are from the RISC-V privileged
 * spec (scause values after trap, and the hypervisor extension's mcause table).
 */
#define EXC_INST_MISALIGNED		0
#define EXC_INST_ACCESS			1
#define EXC_INST_ILLEGAL		2
#define EXC_BREAKPOINT			3
#define EXC_LOAD_MISALIGNED		4
#define EXC_LOAD_ACCESS			5
#define EXC_STORE_MISALIGNED		6
#define EXC_STORE_ACCESS		7
#define EXC_SYSCALL			8
#define EXC_HYPERVISOR_SYSCALL		9
#define EXC_SUPERVISOR_SYSCALL		10
#define EXC_INST_PAGE_FAULT		12
#define EXC_LOAD_PAGE_FAULT		13
#define EXC_STORE_PAGE_FAULT		15
#define EXC_SOFTWARE_CHECK		18
#define EXC_INST_GUEST_PAGE_FAULT	20
#define EXC_LOAD_GUEST_PAGE_FAULT	21
#define EXC_VIRTUAL_INST_FAULT		22
#define EXC_STORE_GUEST_PAGE_FAULT	23
/* From the privileged spec only */
#define EXC_MACHINE_SYSCALL		11
#define EXC_DOUBLE_TRAP			16
#define EXC_HARDWARE_ERROR		19

/*
 * Our names: the kernel's without EXC_, except that an ecall is named by the
 * mode it came from (the kernel's SYSCALL names are the host's point of view:
 * a guest's SBI call is EXC_SUPERVISOR_SYSCALL), and VIRTUAL_INST drops the
 * "_FAULT" the spec does not have.
 */
#define EXC_ECALL_U		EXC_SYSCALL
#define EXC_ECALL_HS		EXC_HYPERVISOR_SYSCALL
#define EXC_ECALL_VS		EXC_SUPERVISOR_SYSCALL
#define EXC_ECALL_M		EXC_MACHINE_SYSCALL
#define EXC_VIRTUAL_INST	EXC_VIRTUAL_INST_FAULT

#define EXC(x, d) { EXC_##x, #x, d }

static const struct arch_code riscv_exceptions[] = {
	EXC(INST_MISALIGNED, "Instruction address misaligned"),
	EXC(INST_ACCESS, "Instruction access fault"),
	EXC(INST_ILLEGAL, "Illegal instruction"),
	EXC(BREAKPOINT, "Breakpoint (ebreak)"),
	EXC(LOAD_MISALIGNED, "Load address misaligned"),
	EXC(LOAD_ACCESS, "Load access fault"),
	EXC(STORE_MISALIGNED, "Store/AMO address misaligned"),
	EXC(STORE_ACCESS, "Store/AMO access fault"),
	EXC(ECALL_U, "Environment call from U-mode or VU-mode"),
	EXC(ECALL_HS, "Environment call from HS-mode"),
	EXC(ECALL_VS, "Environment call from VS-mode (guest SBI call)"),
	EXC(ECALL_M, "Environment call from M-mode"),
	EXC(INST_PAGE_FAULT, "Instruction page fault"),
	EXC(LOAD_PAGE_FAULT, "Load page fault"),
	EXC(STORE_PAGE_FAULT, "Store/AMO page fault"),
	EXC(DOUBLE_TRAP, "Double trap (Ssdbltrp)"),
	EXC(SOFTWARE_CHECK, "Software check (Zicfilp/Zicfiss control-flow integrity)"),
	EXC(HARDWARE_ERROR, "Hardware error"),
	EXC(INST_GUEST_PAGE_FAULT, "Instruction guest-page fault (G-stage)"),
	EXC(LOAD_GUEST_PAGE_FAULT, "Load guest-page fault (G-stage, MMIO load)"),
	EXC(VIRTUAL_INST, "Virtual instruction (trapped CSR access, WFI, ...)"),
	EXC(STORE_GUEST_PAGE_FAULT, "Store/AMO guest-page fault (G-stage, MMIO store)"),
};

/* Per arch/riscv/include/asm/csr.h, Linux v6.18: interrupt causes minus bit 63 */
#define IRQ_S_SOFT		1
#define IRQ_VS_SOFT		2
#define IRQ_M_SOFT		3
#define IRQ_S_TIMER		5
#define IRQ_VS_TIMER		6
#define IRQ_M_TIMER		7
#define IRQ_S_EXT		9
#define IRQ_VS_EXT		10
#define IRQ_M_EXT		11
#define IRQ_S_GEXT		12
#define IRQ_PMU_OVF		13

/* Named with the IRQ_ prefix so that no interrupt reads like an exception. */
#define IRQ(x, d) { IRQ_##x, "IRQ_" #x, d }

static const struct arch_code riscv_interrupts[] = {
	IRQ(S_SOFT, "Supervisor software interrupt (host IPI)"),
	IRQ(VS_SOFT, "Virtual supervisor software interrupt"),
	IRQ(M_SOFT, "Machine software interrupt"),
	IRQ(S_TIMER, "Supervisor timer interrupt (host timer)"),
	IRQ(VS_TIMER, "Virtual supervisor timer interrupt"),
	IRQ(M_TIMER, "Machine timer interrupt"),
	IRQ(S_EXT, "Supervisor external interrupt (host device)"),
	IRQ(VS_EXT, "Virtual supervisor external interrupt"),
	IRQ(M_EXT, "Machine external interrupt"),
	IRQ(S_GEXT, "Supervisor guest external interrupt (SGEI)"),
	IRQ(PMU_OVF, "Local counter overflow interrupt (Sscofpmf)"),
};

static const struct arch_table riscv_tables[] = {
	{
		.title = "RISC-V exceptions: scause EXC_*",
		.source = "arch/riscv/include/asm/csr.h, Linux v6.18 + 2026 mainline; 11, 16, 19 from the privileged spec",
		.codes = riscv_exceptions,
		.nr_codes = ARCH_ARRAY_SIZE(riscv_exceptions),
		.class_base = 0,
		.class_step = 1,
	},
	{
		.title = "RISC-V interrupts: scause IRQ_* with bit 63 set",
		.source = "arch/riscv/include/asm/csr.h, Linux v6.18",
		.codes = riscv_interrupts,
		.nr_codes = ARCH_ARRAY_SIZE(riscv_interrupts),
		.class_base = RISCV_INTR_BIT,
		.class_step = 1,
	},
};

static const struct arch_code *riscv_lookup(__u64 class)
{
	if (class & RISCV_INTR_BIT)
		return arch_table_find(&riscv_tables[1], class & ~RISCV_INTR_BIT);
	return arch_table_find(&riscv_tables[0], class);
}

/* Decimal, as the spec numbers causes: "EXC_31", "IRQ_40". */
static void riscv_placeholder(__u64 class, char *buf, size_t len)
{
	if (class & RISCV_INTR_BIT)
		arch_format(buf, len, "IRQ_%llu", (unsigned long long)(class & ~RISCV_INTR_BIT));
	else
		arch_format(buf, len, "EXC_%llu", (unsigned long long)class);
}

static const char *riscv_unknown_desc(__u64 class)
{
	return class & RISCV_INTR_BIT ? "unknown interrupt" : "unknown exception";
}

/* The whole scause, so an interrupt's code shows its bit 63. */
static void riscv_code(__u64 class, char *buf, size_t len)
{
	arch_format(buf, len, "0x%llx", (unsigned long long)class);
}

const struct arch_decoder arch_riscv_decoder = {
	.tables = riscv_tables,
	.nr_tables = ARCH_ARRAY_SIZE(riscv_tables),
	.lookup = riscv_lookup,
	.placeholder = riscv_placeholder,
	.unknown_desc = riscv_unknown_desc,
	.code = riscv_code,
	.detail_tables = arch_riscv_detail_tables,
	.detail_kind = arch_riscv_detail_kind,
	.detail_name = arch_riscv_detail_name,
};
