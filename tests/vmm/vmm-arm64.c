// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-arm64: a minimal static KVM VMM whose guests make a known number of
 * exits of each class, so kvmstat-bpf can be checked against exact counts.
 *
 * Each vCPU runs its own copy of a tiny EL1 program (MMU off) that does, in
 * order:  A x MMIO store outside every memslot  -> DABT_LOW, exits to us
 *         B x hvc #0, x0 = PSCI_VERSION          -> HVC64, handled in KVM
 *         C x mrs ID_AA64PFR0_EL1 (HCR_EL2.TID3)  -> SYS64, handled in KVM
 *         D x wfi, virtual timer armed            -> WFx, a real sleep in KVM
 *         K x MMIO load "WFx traps missing?"     -> DABT_LOW, exits to us
 *         one "done" store to its own address    -> DABT_LOW, ends the thread
 *
 * With --keys the exits of a class vary their second-level key (kvmstat-bpf
 * run --detail) in fixed proportions, counted down per loop: every 4th MMIO
 * store goes to a second address; of every 16 hvc, 8 call PSCI_VERSION, 4
 * SMCCC_VERSION, 3 PSCI_FEATURES and 1 an SMCCC function KVM does not know;
 * of every 16 SYS64 exits, 8 read ID_AA64PFR0_EL1, 4 ID_AA64MMFR0_EL1, 3
 * ID_AA64ISAR0_EL1 and 1 writes ICC_SGI1R_EL1 (no target: an SGI to nobody).
 * "expect_key" lines give each key's count.
 *
 * Why K: a wfi completes without trapping when an interrupt is pending at the
 * host at that instant (architecturally allowed; QEMU's TCG tests
 * cpu_has_work() before the trap). Under load we saw it about once per
 * 400-6000 wfi, mostly because the emulated CPU stalled between arming the
 * timer and the wfi, so the timer interrupt itself was pending. The guest
 * avoids what it can see: it checks CNTV_CTL.ISTATUS just before each wfi and
 * re-arms the timer if it already fired, and it repeats a wfi that returned
 * before the timer fired (a trapped one only returns once it fired). What
 * remains (a host interrupt racing those few instructions) only KVM sees: so
 * after its D periods the guest reads "how many WFx exits are missing"; we
 * answer D - wfi_exit_stat and the guest does that many more periods, until
 * the answer is 0 (K = 1 normally). Each vCPU thus makes exactly D WFx exits;
 * the DABT_LOW count includes the K loads, counted here in user space.
 * The repeats, re-arms (done store value: index | repeats << 8 | re-arms << 36)
 * and top-up periods are reported.
 * Every vCPU has its own page of guest RAM (code + parameters), in its own
 * 1 GiB of the one memslot, and the RAM is not THP-backed, so each vCPU also
 * takes exactly one IABT_LOW: the stage-2 fault of its first instruction fetch.
 *
 * The command line, the run and the "VMM ..." output lines are vmm-common.c's.
 *
 * Build: aarch64-linux-gnu-gcc -static -O2 -pthread -o vmm vmm-arm64.c vmm-common.c
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm-common.h"

#define RAM_GPA		0x40000000ULL
/*
 * vCPU i's page is at RAM_GPA + i * VCPU_STRIDE. 1 GiB apart, the pages share
 * no stage-2 table below the (preallocated) root: vCPUs faulting at the same
 * time would otherwise race to install the same table entry, and KVM makes
 * the loser retry (-EAGAIN): a second IABT_LOW on that vCPU (seen in practice).
 */
#define VCPU_STRIDE	0x40000000ULL
#define PAGE_BYTES	0x10000ULL	/* what we write of each vCPU's part: >= any host page */
#define PARAMS_OFF	0x800		/* parameter block after the code in the vCPU's page */
#define MMIO_GPA	0x10000000ULL	/* + 8 * vcpu: no memslot there, so stores exit to us */
#define DONE_GPA	0x10001000ULL	/* + 8 * vcpu */
#define CHECK_GPA	0x10002000ULL	/* + 8 * vcpu: the "WFx exits missing?" load */
#define MMIO2_GPA	0x10003000ULL	/* + 8 * vcpu: --keys, every 4th MMIO store */
#define GICD_GPA	0x08000000ULL
#define GICR_GPA	0x080a0000ULL	/* 128 KiB per vCPU */

/* Exit classes as kvmstat-bpf encodes them: (ARM_EXCEPTION_TRAP << 32) | ESR_ELx.EC. */
#define ARM_EXCEPTION_TRAP	2ULL
#define CLASS(ec)		((ARM_EXCEPTION_TRAP << 32) | (ec))
#define CLASS_WFX		CLASS(0x01)
#define CLASS_HVC64		CLASS(0x16)
#define CLASS_SYS64		CLASS(0x18)
#define CLASS_IABT_LOW		CLASS(0x20)
#define CLASS_DABT_LOW		CLASS(0x24)

/* GIC registers written from user space (no guest exits spent on GIC setup). */
#define GICD_CTLR		0x0000
#define GICD_CTLR_ENABLE_G1A	(1U << 1)
#define GICD_CTLR_ARE_NS	(1U << 4)
#define GICR_SGI_BASE		0x10000
#define GICR_ISENABLER0		(GICR_SGI_BASE + 0x0100)
#define VTIMER_PPI		27
/* ICC_PMR_EL1 as op0:op1:CRn:CRm:op2 (KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS encoding) */
#define SYSREG_ENC(op0, op1, crn, crm, op2) \
	(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
#define ICC_PMR_EL1_ENC		SYSREG_ENC(3, 0, 4, 6, 0)
#define MPIDR_EL1_REG		ARM64_SYS_REG(3, 0, 0, 0, 5)

/*
 * --keys: SMCCC function of the hvc made when the HVC count left is n, hvc_fns[n % 16]
 * (8 PSCI_VERSION, 4 SMCCC_VERSION, 3 PSCI_FEATURES, 1 unknown: an SiP SMC64 id).
 */
#define FN_PSCI_VERSION		PSCI_0_2_FN_PSCI_VERSION	/* <linux/psci.h> */
#define FN_PSCI_FEATURES	PSCI_1_0_FN_PSCI_FEATURES
#define FN_SMCCC_VERSION	0x80000000ULL	/* ARM_SMCCC_VERSION_FUNC_ID */
#define FN_UNKNOWN		0xc2001234ULL	/* an SiP SMC64 function KVM does not know */
static const uint64_t hvc_fns[16] = {
	FN_PSCI_VERSION, FN_PSCI_VERSION, FN_PSCI_VERSION, FN_PSCI_VERSION,
	FN_PSCI_VERSION, FN_PSCI_VERSION, FN_PSCI_VERSION, FN_PSCI_VERSION,
	FN_SMCCC_VERSION, FN_SMCCC_VERSION, FN_SMCCC_VERSION, FN_SMCCC_VERSION,
	FN_PSCI_FEATURES, FN_PSCI_FEATURES, FN_PSCI_FEATURES, FN_UNKNOWN,
};

/*
 * The SYS64 key kvmstat-bpf records (ESR ISS with Rt masked): Op0 [21:20], Op2 [19:17],
 * Op1 [16:14], CRn [13:10], CRm [4:1], bit 0 set for a read. --keys: register of the SYS64
 * exit made when the SYS count left is n, by n % 16 as the guest branches.
 */
#define SYS64_KEY(op0, op1, crn, crm, op2, read) \
	((uint64_t)(op0) << 20 | (uint64_t)(op2) << 17 | (uint64_t)(op1) << 14 | \
	 (uint64_t)(crn) << 10 | (uint64_t)(crm) << 1 | (read))
#define KEY_ID_AA64PFR0		SYS64_KEY(3, 0, 0, 4, 0, 1)	/* n % 16 < 8 */
#define KEY_ID_AA64MMFR0	SYS64_KEY(3, 0, 0, 7, 0, 1)	/* 8..11 */
#define KEY_ID_AA64ISAR0	SYS64_KEY(3, 0, 0, 6, 0, 1)	/* 12..14 */
#define KEY_ICC_SGI1R_WRITE	SYS64_KEY(3, 0, 12, 11, 5, 0)	/* 15 */
#define KEY_WRITE		(1ULL << 63)	/* DABT_LOW key: IPA, bit 63 for a write */

/* Layout shared with the guest program below (offsets hard-coded there). */
struct guest_params {
	uint64_t mmio, hvc, sys, wfi;	/* exits to make of each kind */
	uint64_t wfi_ticks;		/* virtual timer deadline for each wfi, in counter ticks */
	uint64_t spin;			/* busy-loop iterations before every exit */
	uint64_t mmio_addr, done_addr;
	uint64_t vcpu;			/* the value stored, so a mix-up between vCPUs shows */
	uint64_t check_addr;
	uint64_t keys;			/* --keys: vary the second-level keys (offset 80) */
	uint64_t mmio2_addr;		/* offset 88 */
	uint64_t hvc_fns[16];		/* offset 96 */
};

/*
 * The guest program. It is position independent (only PC-relative branches),
 * so it is copied as bytes into each vCPU's page; x0 = its parameter block.
 * It never touches the stack or writes RAM: its only memory writes are the
 * MMIO stores. PSTATE after KVM_ARM_VCPU_INIT is EL1h with DAIF masked.
 */
__asm__(
	"	.pushsection .rodata.guest, \"a\"\n"
	"	.balign 8\n"
	"	.global guest_code_start, guest_code_end, guest_wfi\n"
	"guest_code_start:\n"
	"	mov	x19, x0\n"
	"	ldp	x20, x21, [x19, #0]\n"	/* MMIO, HVC counts */
	"	ldp	x22, x23, [x19, #16]\n"	/* SYS, WFI counts */
	"	ldp	x24, x25, [x19, #32]\n"	/* timer ticks, spin */
	"	ldp	x26, x27, [x19, #48]\n"	/* MMIO address, done address */
	"	ldr	x28, [x19, #64]\n"	/* vCPU index */
	"	ldr	x15, [x19, #72]\n"	/* check address */
	"	ldr	x13, [x19, #80]\n"	/* --keys */
	"	mov	x17, #0\n"		/* wfi repeated: it returned before the timer fired */
	"	mov	x16, #0\n"		/* timer re-armed: it fired before the wfi */
	"1:	cbz	x20, 2f\n"
	"	bl	9f\n"
	"	mov	x10, x26\n"
	"	cbz	x13, 13f\n"
	"	tst	x20, #3\n"
	"	b.ne	13f\n"
	"	ldr	x10, [x19, #88]\n"	/* --keys: every 4th store to the second address */
	"13:	str	x28, [x10]\n"		/* DABT_LOW, KVM_EXIT_MMIO */
	"	sub	x20, x20, #1\n"
	"	b	1b\n"
	"2:	cbz	x21, 3f\n"
	"	bl	9f\n"
	"	movz	x0, #0x8400, lsl #16\n"	/* PSCI_VERSION */
	"	cbz	x13, 14f\n"
	"	and	x10, x21, #15\n"	/* --keys: hvc_fns[left % 16] */
	"	add	x11, x19, #96\n"
	"	ldr	x0, [x11, x10, lsl #3]\n"
	"	movz	x1, #0x8400, lsl #16\n"	/* PSCI_FEATURES(PSCI_VERSION) */
	"14:	hvc	#0\n"			/* HVC64 */
	"	sub	x21, x21, #1\n"
	"	b	2b\n"
	"3:	cbz	x22, 4f\n"
	"	bl	9f\n"
	"	cbz	x13, 15f\n"
	"	and	x10, x22, #15\n"	/* --keys: the register by left % 16 */
	"	cmp	x10, #8\n"
	"	b.lo	15f\n"
	"	cmp	x10, #12\n"
	"	b.lo	16f\n"
	"	cmp	x10, #15\n"
	"	b.lo	17f\n"
	"	msr	s3_0_c12_c11_5, xzr\n"	/* ICC_SGI1R_EL1: SYS64 (HCR_EL2.IMO) */
	"	b	18f\n"
	"16:	mrs	x9, id_aa64mmfr0_el1\n"
	"	b	18f\n"
	"17:	mrs	x9, id_aa64isar0_el1\n"
	"	b	18f\n"
	"15:	mrs	x9, id_aa64pfr0_el1\n"	/* SYS64: trapped by HCR_EL2.TID3 */
	"18:	sub	x22, x22, #1\n"
	"	b	3b\n"
	"4:	cbz	x23, 12f\n"
	"	bl	9f\n"
	"	msr	cntv_tval_el0, x24\n"	/* deadline = now + ticks */
	"	mov	x9, #1\n"
	"	msr	cntv_ctl_el0, x9\n"	/* enable, unmasked */
	"	isb\n"
	"6:	mrs	x9, cntv_ctl_el0\n"
	"	tbnz	x9, #2, 8f\n"		/* fired already: the wfi would not trap */
	"guest_wfi:\n"
	"	wfi\n"				/* WFx: KVM sleeps until the timer fires */
	"	mrs	x9, cntv_ctl_el0\n"
	"	tbnz	x9, #2, 7f\n"		/* ISTATUS: the period is over */
	"	add	x17, x17, #1\n"	/* back early: it did not trap; again */
	"	b	6b\n"
	"8:	add	x16, x16, #1\n"	/* re-arm, then wfi */
	"	msr	cntv_tval_el0, x24\n"
	"	isb\n"
	"	b	6b\n"
	"7:	msr	cntv_ctl_el0, xzr\n"	/* lower the timer line again */
	"	isb\n"
	"	sub	x23, x23, #1\n"
	"	b	4b\n"
	"12:	ldr	x23, [x15]\n"		/* DABT_LOW: WFx exits still missing */
	"	cbnz	x23, 4b\n"
	"5:	orr	x9, x28, x17, lsl #8\n"	/* done value: index | repeats << 8 */
	"	orr	x9, x9, x16, lsl #36\n"	/* | re-arms << 36 */
	"	str	x9, [x27]\n"		/* done: DABT_LOW, the VMM stops here */
	"	b	5b\n"
	"9:	mov	x9, x25\n"		/* spin x25 iterations */
	"10:	cbz	x9, 11f\n"
	"	sub	x9, x9, #1\n"
	"	b	10b\n"
	"11:	ret\n"
	"guest_code_end:\n"
	"	.popsection\n");

enum { MMIO, HVC, SYS, WFI, NR_COUNTS };

static const struct vmm_count_option count_options[NR_COUNTS] = {
	[MMIO] = { "--mmio", 1000, 37 },
	[HVC] = { "--hvc", 800, 29 },
	[SYS] = { "--sys", 600, 23 },
	[WFI] = { "--wfi", 100, 11 },
};

struct vcpu {
	struct vmm_vcpu common;
	struct guest_params params;
	off_t wfi_stat_at;	/* where wfi_exit_stat is in its stats fd */
	uint64_t user_mmio;	/* KVM_EXIT_MMIO seen at MMIO_GPA + 8 * index */
	uint64_t user_mmio2;	/* ... at MMIO2_GPA + 8 * index (--keys) */
	uint64_t user_checks;	/* ... at CHECK_GPA + 8 * index */
	uint64_t user_done;	/* ... at DONE_GPA + 8 * index */
	uint64_t wfi_topups;	/* extra periods asked for by our answers */
	uint64_t wfi_repeats;	/* reported by the guest in its done store */
	uint64_t wfi_rearms;
};

static struct vcpu *to_vcpu(struct vmm_vcpu *v)
{
	return container_of(v, struct vcpu, common);
}

static uint64_t counter_frequency(void)
{
	uint64_t freq;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	return freq;
}

static uint64_t get_reg(int fd, uint64_t id, const char *name)
{
	uint64_t value = 0;
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)&value };

	if (ioctl(fd, KVM_GET_ONE_REG, &reg) < 0)
		vmm_die("get register", name);
	return value;
}

#define CORE_REG(field) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	 (offsetof(struct kvm_regs, field) / sizeof(__u32)))

/*
 * Guest RAM: private anonymous memory, mostly never touched (NORESERVE), kept
 * out of THP so stage 2 maps each vCPU's page on its own fault. The pages the
 * guest uses are written here first, so they are present and writable.
 */
static uint8_t *create_ram(const struct vmm_vm *vm, int nr_vcpus)
{
	size_t size = (size_t)nr_vcpus * VCPU_STRIDE;
	uint8_t *ram = vmm_map_ram(size, MAP_NORESERVE);
	int i;

	if (madvise(ram, size, MADV_NOHUGEPAGE) < 0)
		vmm_die("madvise", "guest RAM");
	for (i = 0; i < nr_vcpus; i++)
		memset(ram + (size_t)i * VCPU_STRIDE, 0, PAGE_BYTES);
	vmm_set_ram_slot(vm, RAM_GPA, ram, size);
	return ram;
}

static void fill_params(struct vcpu *v, int i, const struct vmm_options *o, uint64_t ticks)
{
	v->params = (struct guest_params){
		.mmio = o->counts[MMIO][i], .hvc = o->counts[HVC][i], .sys = o->counts[SYS][i],
		.wfi = o->counts[WFI][i], .wfi_ticks = ticks, .spin = o->spin,
		.mmio_addr = MMIO_GPA + 8 * i, .done_addr = DONE_GPA + 8 * i,
		.vcpu = i, .check_addr = CHECK_GPA + 8 * i,
		.keys = o->keys, .mmio2_addr = MMIO2_GPA + 8 * i,
	};
	memcpy(v->params.hvc_fns, hvc_fns, sizeof(hvc_fns));
}

/* vCPU i runs its own copy of the guest code, in its own page. */
static void create_vcpu(struct vmm_vm *vm, struct vcpu *v, int i, const struct vmm_options *o,
			uint8_t *ram, const struct kvm_vcpu_init *init)
{
	uint64_t page = (uint64_t)i * VCPU_STRIDE;
	size_t code_size = guest_code_end - guest_code_start;

	memcpy(ram + page, guest_code_start, code_size);
	memcpy(ram + page + PARAMS_OFF, &v->params, sizeof(v->params));
	vmm_create_vcpu(vm, &v->common, i, (int)o->ids[i]);
	if (ioctl(v->common.fd, KVM_ARM_VCPU_INIT, init) < 0)
		vmm_die("init", "vCPU");
	vmm_set_one_reg(v->common.fd, CORE_REG(regs.pc), RAM_GPA + page, "pc");
	vmm_set_one_reg(v->common.fd, CORE_REG(regs.regs[0]), RAM_GPA + page + PARAMS_OFF, "x0");
	/* Read while the guest runs: see answer_check(). */
	v->wfi_stat_at = vmm_stat_offset(v->common.stats_fd, "wfi_exit_stat");
}

static void device_attr(int dev, uint32_t group, uint64_t attr, void *value, const char *what)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uint64_t)value };

	if (ioctl(dev, KVM_SET_DEVICE_ATTR, &a) < 0)
		vmm_die("set vGIC", what);
}

/* MPIDR_EL1 affinity packed as Aff3.Aff2.Aff1.Aff0, the form vGIC attrs take. */
static uint64_t vgic_mpidr(int vcpu_fd)
{
	uint64_t mpidr = get_reg(vcpu_fd, MPIDR_EL1_REG, "MPIDR_EL1");

	return ((mpidr >> 8) & 0xff000000ULL) | (mpidr & 0xffffffULL);
}

/*
 * An in-kernel vGICv3, configured from user space so the guest needs no GIC
 * MMIO (which would add DABT_LOW exits handled in the kernel): distributor
 * Group 1 on, each vCPU's virtual timer PPI enabled, priority mask open.
 * ICC_IGRPEN1 stays 0 on purpose: KVM's "interrupt pending" test (the wake-up
 * from WFI) ignores it, but with it 0 the CPU interface never signals the
 * timer interrupt to the (masked) guest. Otherwise the still pending timer
 * interrupt of one period would make the next wfi complete without trapping
 * (QEMU, like hardware, skips the WFI trap when an interrupt is pending).
 */
static void create_vgic(const struct vmm_vm *vm)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t gicd = GICD_GPA, gicr = GICR_GPA, pmr = 0xff;
	uint32_t ctlr = GICD_CTLR_ENABLE_G1A | GICD_CTLR_ARE_NS, enable = 1U << VTIMER_PPI;
	int i;

	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &dev) < 0)
		vmm_die("create", "vGICv3");
	device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &gicd,
		    "distributor address");
	device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &gicr,
		    "redistributor address");
	device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, "init");
	device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, GICD_CTLR, &ctlr, "GICD_CTLR");
	for (i = 0; i < vm->nr_vcpus; i++) {
		uint64_t mpidr = vgic_mpidr(vm->vcpus[i]->fd) << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT;

		device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, mpidr | GICR_ISENABLER0,
			    &enable, "GICR_ISENABLER0");
		device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, mpidr | ICC_PMR_EL1_ENC,
			    &pmr, "ICC_PMR_EL1");
	}
}

static uint64_t wfi_exit_stat(const struct vcpu *v)
{
	uint64_t value;

	if (pread(v->common.stats_fd, &value, sizeof(value), v->wfi_stat_at) != sizeof(value))
		vmm_die("read", "wfi_exit_stat");
	return value;
}

/* The guest's "WFx exits missing?" load: answers wfi - wfi_exit_stat. */
static void answer_check(struct vcpu *v)
{
	uint64_t traps = wfi_exit_stat(v), missing;

	missing = traps < v->params.wfi ? v->params.wfi - traps : 0;
	v->user_checks++;
	v->wfi_topups += missing;
	memcpy(v->common.run->mmio.data, &missing, sizeof(missing));
}

static int mmio_surprise(const struct vcpu *v, uint64_t data)
{
	const struct kvm_run *run = v->common.run;

	vmm_error("vcpu %d: unexpected MMIO %s of %u bytes (0x%llx) at 0x%llx", v->common.index,
		  run->mmio.is_write ? "write" : "read", run->mmio.len,
		  (unsigned long long)data, (unsigned long long)run->mmio.phys_addr);
	return -1;
}

/* One KVM_EXIT_MMIO: counts it, returns 1 when the guest is done, -1 on a surprise. */
static int handle_mmio(struct vcpu *v)
{
	const struct kvm_run *run = v->common.run;
	uint64_t addr = run->mmio.phys_addr, data = 0;

	if (run->mmio.len != sizeof(data))
		return mmio_surprise(v, 0);
	if (!run->mmio.is_write) {
		if (addr != v->params.check_addr)
			return mmio_surprise(v, 0);
		answer_check(v);
		return 0;
	}
	memcpy(&data, run->mmio.data, sizeof(data));
	if (addr == v->params.mmio_addr && data == v->params.vcpu) {
		v->user_mmio++;
		return 0;
	}
	if (v->params.keys && addr == v->params.mmio2_addr && data == v->params.vcpu) {
		v->user_mmio2++;
		return 0;
	}
	if (addr == v->params.done_addr && (data & 0xff) == v->params.vcpu) {
		v->user_done++;
		v->wfi_repeats = (data >> 8) & 0xfffffff;
		v->wfi_rearms = data >> 36;
		return 1;
	}
	return mmio_surprise(v, data);
}

/* Every exit to user space is an MMIO access: the guest makes no other kind. */
static int handle_exit(struct vmm_vcpu *v)
{
	if (v->run->exit_reason != KVM_EXIT_MMIO) {
		vmm_error("vcpu %d: unexpected exit reason %u", v->index, v->run->exit_reason);
		return -1;
	}
	return handle_mmio(to_vcpu(v));
}

/* What we saw in user space must be what the guest was told to do. */
static int check_user_exits(struct vmm_vcpu *common)
{
	const struct vcpu *v = to_vcpu(common);

	if (v->user_mmio + v->user_mmio2 == v->params.mmio &&
	    v->user_mmio2 == (v->params.keys ? v->params.mmio / 4 : 0) && v->user_done == 1)
		return 0;
	vmm_error("vcpu %d: saw %llu + %llu MMIO stores and %llu done stores, expected %llu and 1",
		  common->index, (unsigned long long)v->user_mmio, (unsigned long long)v->user_mmio2,
		  (unsigned long long)v->user_done, (unsigned long long)v->params.mmio);
	return 1;
}

/* How many of n = count..1 have n % 16 in [lo, hi): the --keys proportions. */
static uint64_t left_in(uint64_t count, uint64_t lo, uint64_t hi)
{
	uint64_t n = count / 16 * (hi - lo), rest = count % 16, r;

	for (r = 1; r <= rest; r++)
		n += r >= lo && r < hi;
	return n;
}

/* "expect_key" lines: each second-level key's count (kvmstat-bpf run --detail). */
static void report_keys(const struct vcpu *v)
{
	const struct guest_params *p = &v->params;
	uint64_t code = RAM_GPA + (uint64_t)v->common.index * VCPU_STRIDE;
	int k;

	vmm_print_key(&v->common, CLASS_DABT_LOW, p->mmio_addr | KEY_WRITE, v->user_mmio, "MMIO store");
	if (p->keys)
		vmm_print_key(&v->common, CLASS_DABT_LOW, p->mmio2_addr | KEY_WRITE, v->user_mmio2,
			      "MMIO store, second address");
	vmm_print_key(&v->common, CLASS_DABT_LOW, p->check_addr, v->user_checks, "WFx check load");
	vmm_print_key(&v->common, CLASS_DABT_LOW, p->done_addr | KEY_WRITE, 1, "done store");
	vmm_print_key(&v->common, CLASS_IABT_LOW, code, 1, "first instruction fetch");
	vmm_print_key(&v->common, CLASS_WFX, 0, p->wfi, "WFI");
	for (k = 0; k < 16; k++) {	/* each function once, with the residues it has */
		uint64_t n = 0;
		int j;

		for (j = 0; j < 16 && hvc_fns[j] != hvc_fns[k]; j++)
			;
		if (j < k)
			continue;
		for (j = k; j < 16; j++)
			n += hvc_fns[j] == hvc_fns[k] ? left_in(p->hvc, j, j + 1) : 0;
		if (!p->keys)	/* all PSCI_VERSION */
			n = hvc_fns[k] == FN_PSCI_VERSION ? p->hvc : 0;
		if (n)
			vmm_print_key(&v->common, CLASS_HVC64, hvc_fns[k], n, "SMCCC function");
	}
	if (!p->keys) {
		vmm_print_key(&v->common, CLASS_SYS64, KEY_ID_AA64PFR0, p->sys, "mrs ID_AA64PFR0_EL1");
		return;
	}
	vmm_print_key(&v->common, CLASS_SYS64, KEY_ID_AA64PFR0, left_in(p->sys, 0, 8),
		      "mrs ID_AA64PFR0_EL1");
	vmm_print_key(&v->common, CLASS_SYS64, KEY_ID_AA64MMFR0, left_in(p->sys, 8, 12),
		      "mrs ID_AA64MMFR0_EL1");
	vmm_print_key(&v->common, CLASS_SYS64, KEY_ID_AA64ISAR0, left_in(p->sys, 12, 15),
		      "mrs ID_AA64ISAR0_EL1");
	vmm_print_key(&v->common, CLASS_SYS64, KEY_ICC_SGI1R_WRITE, left_in(p->sys, 15, 16),
		      "msr ICC_SGI1R_EL1");
}

static void report_vcpu(struct vmm_vcpu *common)
{
	const struct vcpu *v = to_vcpu(common);
	const struct guest_params *p = &v->params;

	vmm_print_expect(common, CLASS_DABT_LOW, p->mmio + v->user_checks + 1,
			 "DABT_LOW: MMIO stores + WFx check loads + done store");
	vmm_print_expect(common, CLASS_HVC64, p->hvc, p->keys ? "HVC64: SMCCC functions" :
			 "HVC64: PSCI_VERSION");
	vmm_print_expect(common, CLASS_SYS64, p->sys, p->keys ? "SYS64: 4 system registers" :
			 "SYS64: mrs ID_AA64PFR0_EL1");
	vmm_print_expect(common, CLASS_WFX, p->wfi, "WFx: wfi with the virtual timer armed");
	vmm_print_expect(common, CLASS_IABT_LOW, 1, "IABT_LOW: first instruction fetch");
	report_keys(v);
	vmm_print_vcpu_line(common, "pc wfi=0x%llx\n", (unsigned long long)(RAM_GPA +
			    (uint64_t)common->index * VCPU_STRIDE + (guest_wfi - guest_code_start)));
	vmm_print_vcpu_line(common, "user mmio=%llu mmio2=%llu checks=%llu done=%llu wfi_topups=%llu "
			    "wfi_repeats=%llu wfi_rearms=%llu\n", (unsigned long long)v->user_mmio,
			    (unsigned long long)v->user_mmio2,
			    (unsigned long long)v->user_checks, (unsigned long long)v->user_done,
			    (unsigned long long)v->wfi_topups, (unsigned long long)v->wfi_repeats,
			    (unsigned long long)v->wfi_rearms);
}

const struct vmm_arch vmm_arch = {
	.prog = "vmm-arm64",
	.usage = "usage: vmm-arm64 [--name NAME] [-uuid UUID] [--vcpus N] [--mmio A,B,..]\n"
		 "                 [--hvc A,B,..] [--sys A,B,..] [--wfi A,B,..] [--wfi-us US]\n"
		 "                 [--spin N] [--vcpu-ids A,B,..] [--vm-thread] [--tids A,B,..] [--keys]\n",
	.counts = count_options,
	.nr_counts = NR_COUNTS,
	.options = VMM_OPT_WFI_US | VMM_OPT_VCPU_IDS | VMM_OPT_VM_THREAD | VMM_OPT_KEYS,
	.max_value = UINT64_MAX,
	.default_wfi_us = 200,
	.first_stat = NULL,
	.vcpu0_runs_first = false,	/* every vCPU fetches from its own page */
	.handle_exit = handle_exit,
	.check_user_exits = check_user_exits,
	.report_vcpu = report_vcpu,
};

int main(int argc, char **argv)
{
	static struct vcpu vcpus[VMM_MAX_VCPUS];
	struct kvm_vcpu_init init;
	struct vmm_options o;
	struct vmm_vm vm;
	uint64_t ticks;
	uint8_t *ram;
	int i;

	vmm_setup(argc, argv, &o);
	vmm_check_guest_fits(PARAMS_OFF);
	ticks = counter_frequency() * o.wfi_us / 1000000;
	vmm_create_vm(&vm, &o);
	ram = create_ram(&vm, o.nr_vcpus);
	if (ioctl(vm.fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		vmm_die("get", "preferred vCPU target");
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	for (i = 0; i < o.nr_vcpus; i++) {
		fill_params(&vcpus[i], i, &o, ticks);
		create_vcpu(&vm, &vcpus[i], i, &o, ram, &init);
	}
	create_vgic(&vm);
	return vmm_run(&vm, &o, ticks);
}
