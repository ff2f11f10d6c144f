// SPDX-License-Identifier: GPL-2.0
/*
 * x86 exit classes: class = (isa << 32) | exit_reason (see bpf/kvmstat.h),
 * isa 1 = VMX (Intel), 2 = SVM (AMD), as in the kvm_exit tracepoint.
 * On VMX that is the full exit reason: a failed VM entry (bit 31) or an exit
 * from an SGX enclave (bit 27) is not in the table and gets a placeholder
 * with its number, e.g. VMX_0x80000021.
 * Longer than most files: it is only data, the ~270 codes of two headers.
 */
#include "arch_priv.h"

/* Per arch/x86/include/uapi/asm/vmx.h, Linux v6.18 */
#define EXIT_REASON_EXCEPTION_NMI	0
#define EXIT_REASON_EXTERNAL_INTERRUPT	1
#define EXIT_REASON_TRIPLE_FAULT	2
#define EXIT_REASON_INIT_SIGNAL		3
#define EXIT_REASON_SIPI_SIGNAL		4
#define EXIT_REASON_OTHER_SMI		6
#define EXIT_REASON_INTERRUPT_WINDOW	7
#define EXIT_REASON_NMI_WINDOW		8
#define EXIT_REASON_TASK_SWITCH		9
#define EXIT_REASON_CPUID		10
#define EXIT_REASON_HLT			12
#define EXIT_REASON_INVD		13
#define EXIT_REASON_INVLPG		14
#define EXIT_REASON_RDPMC		15
#define EXIT_REASON_RDTSC		16
#define EXIT_REASON_VMCALL		18
#define EXIT_REASON_VMCLEAR		19
#define EXIT_REASON_VMLAUNCH		20
#define EXIT_REASON_VMPTRLD		21
#define EXIT_REASON_VMPTRST		22
#define EXIT_REASON_VMREAD		23
#define EXIT_REASON_VMRESUME		24
#define EXIT_REASON_VMWRITE		25
#define EXIT_REASON_VMOFF		26
#define EXIT_REASON_VMON		27
#define EXIT_REASON_CR_ACCESS		28
#define EXIT_REASON_DR_ACCESS		29
#define EXIT_REASON_IO_INSTRUCTION	30
#define EXIT_REASON_MSR_READ		31
#define EXIT_REASON_MSR_WRITE		32
#define EXIT_REASON_INVALID_STATE	33
#define EXIT_REASON_MSR_LOAD_FAIL	34
#define EXIT_REASON_MWAIT_INSTRUCTION	36
#define EXIT_REASON_MONITOR_TRAP_FLAG	37
#define EXIT_REASON_MONITOR_INSTRUCTION	39
#define EXIT_REASON_PAUSE_INSTRUCTION	40
#define EXIT_REASON_MCE_DURING_VMENTRY	41
#define EXIT_REASON_TPR_BELOW_THRESHOLD	43
#define EXIT_REASON_APIC_ACCESS		44
#define EXIT_REASON_EOI_INDUCED		45
#define EXIT_REASON_GDTR_IDTR		46
#define EXIT_REASON_LDTR_TR		47
#define EXIT_REASON_EPT_VIOLATION	48
#define EXIT_REASON_EPT_MISCONFIG	49
#define EXIT_REASON_INVEPT		50
#define EXIT_REASON_RDTSCP		51
#define EXIT_REASON_PREEMPTION_TIMER	52
#define EXIT_REASON_INVVPID		53
#define EXIT_REASON_WBINVD		54
#define EXIT_REASON_XSETBV		55
#define EXIT_REASON_APIC_WRITE		56
#define EXIT_REASON_RDRAND		57
#define EXIT_REASON_INVPCID		58
#define EXIT_REASON_VMFUNC		59
#define EXIT_REASON_ENCLS		60
#define EXIT_REASON_RDSEED		61
#define EXIT_REASON_PML_FULL		62
#define EXIT_REASON_XSAVES		63
#define EXIT_REASON_XRSTORS		64
#define EXIT_REASON_UMWAIT		67
#define EXIT_REASON_TPAUSE		68
#define EXIT_REASON_BUS_LOCK		74
#define EXIT_REASON_NOTIFY		75
#define EXIT_REASON_SEAMCALL		76
#define EXIT_REASON_TDCALL		77
#define EXIT_REASON_MSR_READ_IMM	84
#define EXIT_REASON_MSR_WRITE_IMM	85

/* Names as in the kernel's VMX_EXIT_REASONS, which are the macro suffixes. */
#define VMX(x, d) { EXIT_REASON_##x, #x, d }

static const struct arch_code vmx_reasons[] = {
	VMX(EXCEPTION_NMI, "Exception or NMI in the guest"),
	VMX(EXTERNAL_INTERRUPT, "Host external interrupt"),
	VMX(TRIPLE_FAULT, "Guest triple fault"),
	VMX(INIT_SIGNAL, "INIT signal"),
	VMX(SIPI_SIGNAL, "Start-up IPI"),
	VMX(OTHER_SMI, "SMI that is not an I/O SMI"),
	VMX(INTERRUPT_WINDOW, "Guest became able to take an interrupt"),
	VMX(NMI_WINDOW, "Guest became able to take an NMI"),
	VMX(TASK_SWITCH, "Task switch"),
	VMX(CPUID, "CPUID instruction"),
	VMX(HLT, "HLT instruction"),
	VMX(INVD, "INVD instruction"),
	VMX(INVLPG, "INVLPG instruction"),
	VMX(RDPMC, "RDPMC instruction"),
	VMX(RDTSC, "RDTSC instruction"),
	VMX(VMCALL, "VMCALL instruction (hypercall)"),
	VMX(VMCLEAR, "VMCLEAR instruction (nested)"),
	VMX(VMLAUNCH, "VMLAUNCH instruction (nested)"),
	VMX(VMPTRLD, "VMPTRLD instruction (nested)"),
	VMX(VMPTRST, "VMPTRST instruction (nested)"),
	VMX(VMREAD, "VMREAD instruction (nested)"),
	VMX(VMRESUME, "VMRESUME instruction (nested)"),
	VMX(VMWRITE, "VMWRITE instruction (nested)"),
	VMX(VMOFF, "VMXOFF instruction (nested)"),
	VMX(VMON, "VMXON instruction (nested)"),
	VMX(CR_ACCESS, "Control-register access"),
	VMX(DR_ACCESS, "Debug-register access"),
	VMX(IO_INSTRUCTION, "I/O port instruction (IN, OUT, INS, OUTS)"),
	VMX(MSR_READ, "RDMSR instruction"),
	VMX(MSR_WRITE, "WRMSR instruction"),
	VMX(INVALID_STATE, "VM entry failed: invalid guest state"),
	VMX(MSR_LOAD_FAIL, "VM entry failed: MSR loading"),
	VMX(MWAIT_INSTRUCTION, "MWAIT instruction"),
	VMX(MONITOR_TRAP_FLAG, "Monitor trap flag (single step)"),
	VMX(MONITOR_INSTRUCTION, "MONITOR instruction"),
	VMX(PAUSE_INSTRUCTION, "PAUSE instruction (pause-loop exiting)"),
	VMX(MCE_DURING_VMENTRY, "VM entry failed: machine check"),
	VMX(TPR_BELOW_THRESHOLD, "TPR below the TPR threshold"),
	VMX(APIC_ACCESS, "Access to the APIC-access page"),
	VMX(EOI_INDUCED, "Virtualized EOI"),
	VMX(GDTR_IDTR, "LGDT, LIDT, SGDT or SIDT instruction"),
	VMX(LDTR_TR, "LLDT, LTR, SLDT or STR instruction"),
	VMX(EPT_VIOLATION, "EPT violation (guest page fault in EPT, MMIO)"),
	VMX(EPT_MISCONFIG, "EPT misconfiguration (KVM's fast MMIO)"),
	VMX(INVEPT, "INVEPT instruction (nested)"),
	VMX(RDTSCP, "RDTSCP instruction"),
	VMX(PREEMPTION_TIMER, "VMX-preemption timer expired"),
	VMX(INVVPID, "INVVPID instruction (nested)"),
	VMX(WBINVD, "WBINVD or WBNOINVD instruction"),
	VMX(XSETBV, "XSETBV instruction"),
	VMX(APIC_WRITE, "Write to the virtual APIC page"),
	VMX(RDRAND, "RDRAND instruction"),
	VMX(INVPCID, "INVPCID instruction"),
	VMX(VMFUNC, "VMFUNC instruction"),
	VMX(ENCLS, "ENCLS instruction (SGX)"),
	VMX(RDSEED, "RDSEED instruction"),
	VMX(PML_FULL, "Page-modification log full"),
	VMX(XSAVES, "XSAVES instruction"),
	VMX(XRSTORS, "XRSTORS instruction"),
	VMX(UMWAIT, "UMWAIT instruction"),
	VMX(TPAUSE, "TPAUSE instruction"),
	VMX(BUS_LOCK, "Bus lock detected"),
	VMX(NOTIFY, "Notify window: no event window for too long"),
	VMX(SEAMCALL, "SEAMCALL instruction (TDX)"),
	VMX(TDCALL, "TDCALL instruction (TDX)"),
	VMX(MSR_READ_IMM, "RDMSR with immediate"),
	VMX(MSR_WRITE_IMM, "WRMSRNS with immediate"),
};

/* Per arch/x86/include/uapi/asm/svm.h, Linux v6.18 */
#define SVM_EXIT_READ_CR0	0x000
#define SVM_EXIT_READ_CR2	0x002
#define SVM_EXIT_READ_CR3	0x003
#define SVM_EXIT_READ_CR4	0x004
#define SVM_EXIT_READ_CR8	0x008
#define SVM_EXIT_WRITE_CR0	0x010
#define SVM_EXIT_WRITE_CR2	0x012
#define SVM_EXIT_WRITE_CR3	0x013
#define SVM_EXIT_WRITE_CR4	0x014
#define SVM_EXIT_WRITE_CR8	0x018
#define SVM_EXIT_READ_DR0	0x020
#define SVM_EXIT_READ_DR1	0x021
#define SVM_EXIT_READ_DR2	0x022
#define SVM_EXIT_READ_DR3	0x023
#define SVM_EXIT_READ_DR4	0x024
#define SVM_EXIT_READ_DR5	0x025
#define SVM_EXIT_READ_DR6	0x026
#define SVM_EXIT_READ_DR7	0x027
#define SVM_EXIT_WRITE_DR0	0x030
#define SVM_EXIT_WRITE_DR1	0x031
#define SVM_EXIT_WRITE_DR2	0x032
#define SVM_EXIT_WRITE_DR3	0x033
#define SVM_EXIT_WRITE_DR4	0x034
#define SVM_EXIT_WRITE_DR5	0x035
#define SVM_EXIT_WRITE_DR6	0x036
#define SVM_EXIT_WRITE_DR7	0x037
#define SVM_EXIT_EXCP_BASE	0x040
#define SVM_EXIT_LAST_EXCP	0x05f
#define SVM_EXIT_INTR		0x060
#define SVM_EXIT_NMI		0x061
#define SVM_EXIT_SMI		0x062
#define SVM_EXIT_INIT		0x063
#define SVM_EXIT_VINTR		0x064
#define SVM_EXIT_CR0_SEL_WRITE	0x065
#define SVM_EXIT_IDTR_READ	0x066
#define SVM_EXIT_GDTR_READ	0x067
#define SVM_EXIT_LDTR_READ	0x068
#define SVM_EXIT_TR_READ	0x069
#define SVM_EXIT_IDTR_WRITE	0x06a
#define SVM_EXIT_GDTR_WRITE	0x06b
#define SVM_EXIT_LDTR_WRITE	0x06c
#define SVM_EXIT_TR_WRITE	0x06d
#define SVM_EXIT_RDTSC		0x06e
#define SVM_EXIT_RDPMC		0x06f
#define SVM_EXIT_PUSHF		0x070
#define SVM_EXIT_POPF		0x071
#define SVM_EXIT_CPUID		0x072
#define SVM_EXIT_RSM		0x073
#define SVM_EXIT_IRET		0x074
#define SVM_EXIT_SWINT		0x075
#define SVM_EXIT_INVD		0x076
#define SVM_EXIT_PAUSE		0x077
#define SVM_EXIT_HLT		0x078
#define SVM_EXIT_INVLPG		0x079
#define SVM_EXIT_INVLPGA	0x07a
#define SVM_EXIT_IOIO		0x07b
#define SVM_EXIT_MSR		0x07c
#define SVM_EXIT_TASK_SWITCH	0x07d
#define SVM_EXIT_FERR_FREEZE	0x07e
#define SVM_EXIT_SHUTDOWN	0x07f
#define SVM_EXIT_VMRUN		0x080
#define SVM_EXIT_VMMCALL	0x081
#define SVM_EXIT_VMLOAD		0x082
#define SVM_EXIT_VMSAVE		0x083
#define SVM_EXIT_STGI		0x084
#define SVM_EXIT_CLGI		0x085
#define SVM_EXIT_SKINIT		0x086
#define SVM_EXIT_RDTSCP		0x087
#define SVM_EXIT_ICEBP		0x088
#define SVM_EXIT_WBINVD		0x089
#define SVM_EXIT_MONITOR	0x08a
#define SVM_EXIT_MWAIT		0x08b
#define SVM_EXIT_MWAIT_COND	0x08c
#define SVM_EXIT_XSETBV		0x08d
#define SVM_EXIT_RDPRU		0x08e
#define SVM_EXIT_EFER_WRITE_TRAP	0x08f
#define SVM_EXIT_CR0_WRITE_TRAP		0x090
#define SVM_EXIT_CR1_WRITE_TRAP		0x091
#define SVM_EXIT_CR2_WRITE_TRAP		0x092
#define SVM_EXIT_CR3_WRITE_TRAP		0x093
#define SVM_EXIT_CR4_WRITE_TRAP		0x094
#define SVM_EXIT_CR5_WRITE_TRAP		0x095
#define SVM_EXIT_CR6_WRITE_TRAP		0x096
#define SVM_EXIT_CR7_WRITE_TRAP		0x097
#define SVM_EXIT_CR8_WRITE_TRAP		0x098
#define SVM_EXIT_CR9_WRITE_TRAP		0x099
#define SVM_EXIT_CR10_WRITE_TRAP	0x09a
#define SVM_EXIT_CR11_WRITE_TRAP	0x09b
#define SVM_EXIT_CR12_WRITE_TRAP	0x09c
#define SVM_EXIT_CR13_WRITE_TRAP	0x09d
#define SVM_EXIT_CR14_WRITE_TRAP	0x09e
#define SVM_EXIT_CR15_WRITE_TRAP	0x09f
#define SVM_EXIT_INVPCID	0x0a2
#define SVM_EXIT_BUS_LOCK	0x0a5
#define SVM_EXIT_IDLE_HLT	0x0a6
#define SVM_EXIT_NPF		0x400
#define SVM_EXIT_AVIC_INCOMPLETE_IPI		0x401
#define SVM_EXIT_AVIC_UNACCELERATED_ACCESS	0x402
#define SVM_EXIT_VMGEXIT	0x403
/* SEV-ES software-defined VMGEXIT events */
#define SVM_VMGEXIT_MMIO_READ		0x80000001
#define SVM_VMGEXIT_MMIO_WRITE		0x80000002
#define SVM_VMGEXIT_NMI_COMPLETE	0x80000003
#define SVM_VMGEXIT_AP_HLT_LOOP		0x80000004
#define SVM_VMGEXIT_AP_JUMP_TABLE	0x80000005
#define SVM_VMGEXIT_PSC			0x80000010
#define SVM_VMGEXIT_GUEST_REQUEST	0x80000011
#define SVM_VMGEXIT_EXT_GUEST_REQUEST	0x80000012
#define SVM_VMGEXIT_AP_CREATION		0x80000013
#define SVM_VMGEXIT_SNP_RUN_VMPL	0x80000018
#define SVM_VMGEXIT_SAVIC		0x8000001a
#define SVM_VMGEXIT_HV_FEATURES		0x8000fffd
#define SVM_VMGEXIT_TERM_REQUEST	0x8000fffe
#define SVM_VMGEXIT_UNSUPPORTED_EVENT	0x8000ffff
/* Exit code reserved for hypervisor/software use */
#define SVM_EXIT_SW		0xf0000000
#define SVM_EXIT_ERR		-1

/*
 * x86 exception vectors (the kernel's X86_TRAP_* in asm/trapnr.h); CSO (9) and
 * RSVDn are our names for the vectors the kernel does not name.
 */
#define DE_VECTOR	0
#define DB_VECTOR	1
#define NMI_VECTOR	2
#define BP_VECTOR	3
#define OF_VECTOR	4
#define BR_VECTOR	5
#define UD_VECTOR	6
#define NM_VECTOR	7
#define DF_VECTOR	8
#define CSO_VECTOR	9
#define TS_VECTOR	10
#define NP_VECTOR	11
#define SS_VECTOR	12
#define GP_VECTOR	13
#define PF_VECTOR	14
#define RSVD15_VECTOR	15
#define MF_VECTOR	16
#define AC_VECTOR	17
#define MC_VECTOR	18
#define XF_VECTOR	19
#define VE_VECTOR	20
#define CP_VECTOR	21
#define RSVD22_VECTOR	22
#define RSVD23_VECTOR	23
#define RSVD24_VECTOR	24
#define RSVD25_VECTOR	25
#define RSVD26_VECTOR	26
#define RSVD27_VECTOR	27
#define HV_VECTOR	28
#define VC_VECTOR	29
#define SX_VECTOR	30
#define RSVD31_VECTOR	31

/*
 * Names: the kernel's SVM_EXIT_REASONS where it has one (so "hypercall" for
 * VMMCALL, "interrupt" for INTR, "read_rt" for TR_READ, as trace output and
 * perf show them); exceptions as "DE_excp" (the kernel's "DE excp" without the
 * space); otherwise the lower-case macro suffix in the kernel's style.
 */
#define SVM(x, name, d) { SVM_EXIT_##x, name, d }
#define SVM_EXCP(v, d) { SVM_EXIT_EXCP_BASE + v##_VECTOR, #v "_excp", d }
#define VMGEXIT(x, name, d) { SVM_VMGEXIT_##x, name, d }

static const struct arch_code svm_codes[] = {
	SVM(READ_CR0, "read_cr0", "Read of CR0"),
	SVM(READ_CR2, "read_cr2", "Read of CR2"),
	SVM(READ_CR3, "read_cr3", "Read of CR3"),
	SVM(READ_CR4, "read_cr4", "Read of CR4"),
	SVM(READ_CR8, "read_cr8", "Read of CR8 (TPR)"),
	SVM(WRITE_CR0, "write_cr0", "Write of CR0"),
	SVM(WRITE_CR2, "write_cr2", "Write of CR2"),
	SVM(WRITE_CR3, "write_cr3", "Write of CR3"),
	SVM(WRITE_CR4, "write_cr4", "Write of CR4"),
	SVM(WRITE_CR8, "write_cr8", "Write of CR8 (TPR)"),
	SVM(READ_DR0, "read_dr0", "Read of DR0"),
	SVM(READ_DR1, "read_dr1", "Read of DR1"),
	SVM(READ_DR2, "read_dr2", "Read of DR2"),
	SVM(READ_DR3, "read_dr3", "Read of DR3"),
	SVM(READ_DR4, "read_dr4", "Read of DR4"),
	SVM(READ_DR5, "read_dr5", "Read of DR5"),
	SVM(READ_DR6, "read_dr6", "Read of DR6"),
	SVM(READ_DR7, "read_dr7", "Read of DR7"),
	SVM(WRITE_DR0, "write_dr0", "Write of DR0"),
	SVM(WRITE_DR1, "write_dr1", "Write of DR1"),
	SVM(WRITE_DR2, "write_dr2", "Write of DR2"),
	SVM(WRITE_DR3, "write_dr3", "Write of DR3"),
	SVM(WRITE_DR4, "write_dr4", "Write of DR4"),
	SVM(WRITE_DR5, "write_dr5", "Write of DR5"),
	SVM(WRITE_DR6, "write_dr6", "Write of DR6"),
	SVM(WRITE_DR7, "write_dr7", "Write of DR7"),
	SVM_EXCP(DE, "Divide error (#DE) intercepted"),
	SVM_EXCP(DB, "Debug exception (#DB) intercepted"),
	SVM_EXCP(NMI, "Vector 2 (NMI) intercepted as an exception"),
	SVM_EXCP(BP, "Breakpoint (#BP) intercepted"),
	SVM_EXCP(OF, "Overflow (#OF) intercepted"),
	SVM_EXCP(BR, "BOUND range exceeded (#BR) intercepted"),
	SVM_EXCP(UD, "Invalid opcode (#UD) intercepted"),
	SVM_EXCP(NM, "Device not available (#NM) intercepted"),
	SVM_EXCP(DF, "Double fault (#DF) intercepted"),
	SVM_EXCP(CSO, "Vector 9 (coprocessor segment overrun) intercepted"),
	SVM_EXCP(TS, "Invalid TSS (#TS) intercepted"),
	SVM_EXCP(NP, "Segment not present (#NP) intercepted"),
	SVM_EXCP(SS, "Stack fault (#SS) intercepted"),
	SVM_EXCP(GP, "General protection (#GP) intercepted"),
	SVM_EXCP(PF, "Page fault (#PF) intercepted"),
	SVM_EXCP(RSVD15, "Reserved vector 15 intercepted"),
	SVM_EXCP(MF, "x87 floating-point error (#MF) intercepted"),
	SVM_EXCP(AC, "Alignment check (#AC) intercepted"),
	SVM_EXCP(MC, "Machine check (#MC) intercepted"),
	SVM_EXCP(XF, "SIMD floating-point exception (#XF) intercepted"),
	SVM_EXCP(VE, "Virtualization exception (#VE) intercepted"),
	SVM_EXCP(CP, "Control protection (#CP) intercepted"),
	SVM_EXCP(RSVD22, "Reserved vector 22 intercepted"),
	SVM_EXCP(RSVD23, "Reserved vector 23 intercepted"),
	SVM_EXCP(RSVD24, "Reserved vector 24 intercepted"),
	SVM_EXCP(RSVD25, "Reserved vector 25 intercepted"),
	SVM_EXCP(RSVD26, "Reserved vector 26 intercepted"),
	SVM_EXCP(RSVD27, "Reserved vector 27 intercepted"),
	SVM_EXCP(HV, "Hypervisor injection exception (#HV) intercepted"),
	SVM_EXCP(VC, "VMM communication exception (#VC) intercepted"),
	SVM_EXCP(SX, "Security exception (#SX) intercepted"),
	SVM_EXCP(RSVD31, "Reserved vector 31 intercepted"),
	SVM(INTR, "interrupt", "Host physical interrupt"),
	SVM(NMI, "nmi", "Host NMI"),
	SVM(SMI, "smi", "Host SMI"),
	SVM(INIT, "init", "INIT signal"),
	SVM(VINTR, "vintr", "Virtual interrupt window (guest can take an interrupt)"),
	SVM(CR0_SEL_WRITE, "cr0_sel_write", "Write of CR0 that changes bits besides TS and MP"),
	SVM(IDTR_READ, "read_idtr", "SIDT instruction"),
	SVM(GDTR_READ, "read_gdtr", "SGDT instruction"),
	SVM(LDTR_READ, "read_ldtr", "SLDT instruction"),
	SVM(TR_READ, "read_rt", "STR instruction (read of TR)"),
	SVM(IDTR_WRITE, "write_idtr", "LIDT instruction"),
	SVM(GDTR_WRITE, "write_gdtr", "LGDT instruction"),
	SVM(LDTR_WRITE, "write_ldtr", "LLDT instruction"),
	SVM(TR_WRITE, "write_rt", "LTR instruction (write of TR)"),
	SVM(RDTSC, "rdtsc", "RDTSC instruction"),
	SVM(RDPMC, "rdpmc", "RDPMC instruction"),
	SVM(PUSHF, "pushf", "PUSHF instruction"),
	SVM(POPF, "popf", "POPF instruction"),
	SVM(CPUID, "cpuid", "CPUID instruction"),
	SVM(RSM, "rsm", "RSM instruction"),
	SVM(IRET, "iret", "IRET instruction (NMI window)"),
	SVM(SWINT, "swint", "INTn instruction"),
	SVM(INVD, "invd", "INVD instruction"),
	SVM(PAUSE, "pause", "PAUSE instruction (pause filter)"),
	SVM(HLT, "hlt", "HLT instruction"),
	SVM(INVLPG, "invlpg", "INVLPG instruction"),
	SVM(INVLPGA, "invlpga", "INVLPGA instruction"),
	SVM(IOIO, "io", "I/O port instruction (IN, OUT, INS, OUTS)"),
	SVM(MSR, "msr", "RDMSR or WRMSR instruction"),
	SVM(TASK_SWITCH, "task_switch", "Task switch"),
	SVM(FERR_FREEZE, "ferr_freeze", "FERR freeze (legacy x87 error handling)"),
	SVM(SHUTDOWN, "shutdown", "Shutdown (guest triple fault)"),
	SVM(VMRUN, "vmrun", "VMRUN instruction (nested)"),
	SVM(VMMCALL, "hypercall", "VMMCALL instruction (hypercall)"),
	SVM(VMLOAD, "vmload", "VMLOAD instruction (nested)"),
	SVM(VMSAVE, "vmsave", "VMSAVE instruction (nested)"),
	SVM(STGI, "stgi", "STGI instruction (nested)"),
	SVM(CLGI, "clgi", "CLGI instruction (nested)"),
	SVM(SKINIT, "skinit", "SKINIT instruction"),
	SVM(RDTSCP, "rdtscp", "RDTSCP instruction"),
	SVM(ICEBP, "icebp", "INT1 (ICEBP) instruction"),
	SVM(WBINVD, "wbinvd", "WBINVD or WBNOINVD instruction"),
	SVM(MONITOR, "monitor", "MONITOR or MONITORX instruction"),
	SVM(MWAIT, "mwait", "MWAIT or MWAITX instruction"),
	SVM(MWAIT_COND, "mwait_cond", "MWAIT with a monitor armed"),
	SVM(XSETBV, "xsetbv", "XSETBV instruction"),
	SVM(RDPRU, "rdpru", "RDPRU instruction"),
	SVM(EFER_WRITE_TRAP, "write_efer_trap", "Write of EFER, after it is done (SEV-ES)"),
	SVM(CR0_WRITE_TRAP, "write_cr0_trap", "Write of CR0, after it is done (SEV-ES)"),
	SVM(CR1_WRITE_TRAP, "write_cr1_trap", "Write of CR1, after it is done (SEV-ES)"),
	SVM(CR2_WRITE_TRAP, "write_cr2_trap", "Write of CR2, after it is done (SEV-ES)"),
	SVM(CR3_WRITE_TRAP, "write_cr3_trap", "Write of CR3, after it is done (SEV-ES)"),
	SVM(CR4_WRITE_TRAP, "write_cr4_trap", "Write of CR4, after it is done (SEV-ES)"),
	SVM(CR5_WRITE_TRAP, "write_cr5_trap", "Write of CR5, after it is done (SEV-ES)"),
	SVM(CR6_WRITE_TRAP, "write_cr6_trap", "Write of CR6, after it is done (SEV-ES)"),
	SVM(CR7_WRITE_TRAP, "write_cr7_trap", "Write of CR7, after it is done (SEV-ES)"),
	SVM(CR8_WRITE_TRAP, "write_cr8_trap", "Write of CR8, after it is done (SEV-ES)"),
	SVM(CR9_WRITE_TRAP, "write_cr9_trap", "Write of CR9, after it is done (SEV-ES)"),
	SVM(CR10_WRITE_TRAP, "write_cr10_trap", "Write of CR10, after it is done (SEV-ES)"),
	SVM(CR11_WRITE_TRAP, "write_cr11_trap", "Write of CR11, after it is done (SEV-ES)"),
	SVM(CR12_WRITE_TRAP, "write_cr12_trap", "Write of CR12, after it is done (SEV-ES)"),
	SVM(CR13_WRITE_TRAP, "write_cr13_trap", "Write of CR13, after it is done (SEV-ES)"),
	SVM(CR14_WRITE_TRAP, "write_cr14_trap", "Write of CR14, after it is done (SEV-ES)"),
	SVM(CR15_WRITE_TRAP, "write_cr15_trap", "Write of CR15, after it is done (SEV-ES)"),
	SVM(INVPCID, "invpcid", "INVPCID instruction"),
	SVM(BUS_LOCK, "buslock", "Bus lock detected"),
	SVM(IDLE_HLT, "idle-halt", "HLT with no interrupt pending (idle HLT intercept)"),
	SVM(NPF, "npf", "Nested page fault (guest page fault in NPT, MMIO)"),
	SVM(AVIC_INCOMPLETE_IPI, "avic_incomplete_ipi", "AVIC IPI not delivered in hardware"),
	SVM(AVIC_UNACCELERATED_ACCESS, "avic_unaccelerated_access", "AVIC APIC access not accelerated"),
	SVM(VMGEXIT, "vmgexit", "VMGEXIT instruction (SEV-ES guest to hypervisor call)"),
	VMGEXIT(MMIO_READ, "vmgexit_mmio_read", "VMGEXIT: MMIO read"),
	VMGEXIT(MMIO_WRITE, "vmgexit_mmio_write", "VMGEXIT: MMIO write"),
	VMGEXIT(NMI_COMPLETE, "vmgexit_nmi_complete", "VMGEXIT: NMI handling complete"),
	VMGEXIT(AP_HLT_LOOP, "vmgexit_ap_hlt_loop", "VMGEXIT: AP parked in its HLT loop"),
	VMGEXIT(AP_JUMP_TABLE, "vmgexit_ap_jump_table", "VMGEXIT: get or set the AP jump table"),
	VMGEXIT(PSC, "vmgexit_page_state_change", "VMGEXIT: page state change (SEV-SNP)"),
	VMGEXIT(GUEST_REQUEST, "vmgexit_guest_request", "VMGEXIT: guest request to the firmware (SEV-SNP)"),
	VMGEXIT(EXT_GUEST_REQUEST, "vmgexit_ext_guest_request", "VMGEXIT: extended guest request (SEV-SNP)"),
	VMGEXIT(AP_CREATION, "vmgexit_ap_creation", "VMGEXIT: create or destroy an AP (SEV-SNP)"),
	VMGEXIT(SNP_RUN_VMPL, "vmgexit_snp_run_vmpl", "VMGEXIT: run a VMPL (SEV-SNP)"),
	VMGEXIT(SAVIC, "vmgexit_savic", "VMGEXIT: Secure AVIC backing page request"),
	VMGEXIT(HV_FEATURES, "vmgexit_hypervisor_feature", "VMGEXIT: query hypervisor features"),
	VMGEXIT(TERM_REQUEST, "vmgexit_term_request", "VMGEXIT: guest asks to be terminated"),
	VMGEXIT(UNSUPPORTED_EVENT, "vmgexit_unsupported_event", "VMGEXIT: unsupported event"),
	SVM(SW, "software", "Code reserved for hypervisor use (Hyper-V enlightened exits)"),
	SVM(ERR, "invalid_guest_state", "VMRUN failed: invalid guest state"),
};

static const struct arch_table x86_tables[] = {
	{
		.title = "VMX exit reasons: EXIT_REASON_*, isa 1",
		.source = "arch/x86/include/uapi/asm/vmx.h, Linux v6.18",
		.codes = vmx_reasons,
		.nr_codes = ARCH_ARRAY_SIZE(vmx_reasons),
		.class_base = (__u64)KVMSTAT_X86_ISA_VMX << 32,
		.class_step = 1,
	},
	{
		.title = "SVM exit codes: SVM_EXIT_* and SVM_VMGEXIT_*, isa 2",
		.source = "arch/x86/include/uapi/asm/svm.h, Linux v6.18",
		.codes = svm_codes,
		.nr_codes = ARCH_ARRAY_SIZE(svm_codes),
		.class_base = (__u64)KVMSTAT_X86_ISA_SVM << 32,
		.class_step = 1,
	},
};

static const struct arch_table *x86_table(__u64 class)
{
	switch (KVMSTAT_X86_ISA(class)) {
	case KVMSTAT_X86_ISA_VMX:
		return &x86_tables[0];
	case KVMSTAT_X86_ISA_SVM:
		return &x86_tables[1];
	default:
		return NULL;
	}
}

static const struct arch_code *x86_lookup(__u64 class)
{
	const struct arch_table *table = x86_table(class);

	return table ? arch_table_find(table, KVMSTAT_X86_REASON(class)) : NULL;
}

static void x86_placeholder(__u64 class, char *buf, size_t len)
{
	switch (KVMSTAT_X86_ISA(class)) {
	case KVMSTAT_X86_ISA_VMX:
		arch_format(buf, len, "VMX_0x%x", KVMSTAT_X86_REASON(class));
		break;
	case KVMSTAT_X86_ISA_SVM:
		arch_format(buf, len, "SVM_0x%x", KVMSTAT_X86_REASON(class));
		break;
	default:
		arch_format(buf, len, "X86_0x%llx", (unsigned long long)class);
	}
}

static const char *x86_unknown_desc(__u64 class)
{
	switch (KVMSTAT_X86_ISA(class)) {
	case KVMSTAT_X86_ISA_VMX:
		return "unknown VMX exit reason";
	case KVMSTAT_X86_ISA_SVM:
		return "unknown SVM exit code";
	default:
		return "unknown x86 isa";
	}
}

static void x86_code(__u64 class, char *buf, size_t len)
{
	if (x86_table(class))
		arch_format(buf, len, "0x%x", KVMSTAT_X86_REASON(class));
	else
		arch_format(buf, len, "0x%llx", (unsigned long long)class);
}

const struct arch_decoder arch_x86_decoder = {
	.tables = x86_tables,
	.nr_tables = ARCH_ARRAY_SIZE(x86_tables),
	.lookup = x86_lookup,
	.placeholder = x86_placeholder,
	.unknown_desc = x86_unknown_desc,
	.code = x86_code,
	.detail_tables = arch_x86_detail_tables,
	.detail_kind = arch_x86_detail_kind,
	.detail_name = arch_x86_detail_name,
};
