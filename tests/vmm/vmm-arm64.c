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
 * vCPU i is created with KVM vcpu_id i, or the i-th of --vcpu-ids; the output
 * names vCPUs by that id (vcpu=). --vm-thread creates the VM from a thread
 * that then ends, as VMMs that run KVM_CREATE_VM off their main thread do
 * (KVM's kvm->userspace_pid is then that thread's id, not the process's).
 *
 * At the end it prints, per vCPU, machine-readable "VMM ..." lines: the
 * expected count per exit class and every u64 statistic KVM keeps for the vCPU
 * (KVM_GET_STATS_FD), for tests/vmtest/check.py.
 *
 * Build: aarch64-linux-gnu-gcc -static -O2 -pthread -o vmm vmm-arm64.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_VCPUS	8
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

/* Layout shared with the guest program below (offsets hard-coded there). */
struct guest_params {
	uint64_t mmio, hvc, sys, wfi;	/* exits to make of each kind */
	uint64_t wfi_ticks;		/* virtual timer deadline for each wfi, in counter ticks */
	uint64_t spin;			/* busy-loop iterations before every exit */
	uint64_t mmio_addr, done_addr;
	uint64_t vcpu;			/* the value stored, so a mix-up between vCPUs shows */
	uint64_t check_addr;
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
	"	.global guest_code_start, guest_code_end\n"
	"guest_code_start:\n"
	"	mov	x19, x0\n"
	"	ldp	x20, x21, [x19, #0]\n"	/* MMIO, HVC counts */
	"	ldp	x22, x23, [x19, #16]\n"	/* SYS, WFI counts */
	"	ldp	x24, x25, [x19, #32]\n"	/* timer ticks, spin */
	"	ldp	x26, x27, [x19, #48]\n"	/* MMIO address, done address */
	"	ldr	x28, [x19, #64]\n"	/* vCPU index */
	"	ldr	x15, [x19, #72]\n"	/* check address */
	"	mov	x17, #0\n"		/* wfi repeated: it returned before the timer fired */
	"	mov	x16, #0\n"		/* timer re-armed: it fired before the wfi */
	"1:	cbz	x20, 2f\n"
	"	bl	9f\n"
	"	str	x28, [x26]\n"		/* DABT_LOW, KVM_EXIT_MMIO */
	"	sub	x20, x20, #1\n"
	"	b	1b\n"
	"2:	cbz	x21, 3f\n"
	"	bl	9f\n"
	"	movz	x0, #0x8400, lsl #16\n"	/* PSCI_VERSION */
	"	hvc	#0\n"			/* HVC64 */
	"	sub	x21, x21, #1\n"
	"	b	2b\n"
	"3:	cbz	x22, 4f\n"
	"	bl	9f\n"
	"	mrs	x9, id_aa64pfr0_el1\n"	/* SYS64: trapped by HCR_EL2.TID3 */
	"	sub	x22, x22, #1\n"
	"	b	3b\n"
	"4:	cbz	x23, 12f\n"
	"	bl	9f\n"
	"	msr	cntv_tval_el0, x24\n"	/* deadline = now + ticks */
	"	mov	x9, #1\n"
	"	msr	cntv_ctl_el0, x9\n"	/* enable, unmasked */
	"	isb\n"
	"6:	mrs	x9, cntv_ctl_el0\n"
	"	tbnz	x9, #2, 8f\n"		/* fired already: the wfi would not trap */
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
extern const unsigned char guest_code_start[], guest_code_end[];

struct vcpu {
	int index;		/* position: its page, addresses, list options */
	int id;			/* KVM's vcpu_id (KVM_CREATE_VCPU), printed as vcpu= */
	int fd;
	struct kvm_run *run;
	struct guest_params params;
	pid_t tid;
	int stats_fd;		/* KVM_GET_STATS_FD */
	off_t wfi_stat_at;	/* where wfi_exit_stat is in it */
	uint64_t user_mmio;	/* KVM_EXIT_MMIO seen at MMIO_GPA + 8 * index */
	uint64_t user_checks;	/* ... at CHECK_GPA + 8 * index */
	uint64_t user_done;	/* ... at DONE_GPA + 8 * index */
	uint64_t wfi_topups;	/* extra periods asked for by our answers */
	uint64_t wfi_repeats;	/* reported by the guest in its done store */
	uint64_t wfi_rearms;
	int failed;
};

struct options {
	const char *name;
	int nr_vcpus;
	int vm_thread;		/* --vm-thread: KVM_CREATE_VM from a short-lived thread */
	uint64_t mmio[MAX_VCPUS], hvc[MAX_VCPUS], sys[MAX_VCPUS], wfi[MAX_VCPUS];
	uint64_t ids[MAX_VCPUS];	/* KVM vcpu_id of each vCPU, default its index */
	uint64_t wfi_us;
	uint64_t spin;
};

static int vm_fd;
static size_t run_size;

static void die(const char *what, const char *object)
{
	fprintf(stderr, "vmm-arm64: failed to %s %s: %s\n", what, object, strerror(errno));
	exit(1);
}

static void usage_error(const char *msg)
{
	fprintf(stderr, "vmm-arm64: %s\n"
		"usage: vmm-arm64 [--name NAME] [--vcpus N] [--mmio A,B,..] [--hvc A,B,..]\n"
		"                 [--sys A,B,..] [--wfi A,B,..] [--wfi-us US] [--spin N]\n"
		"                 [--vcpu-ids A,B,..] [--vm-thread]\n", msg);
	exit(2);
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "vmm-arm64: invalid %s: '%s'\n", what, s);
		exit(2);
	}
	return v;
}

/* "A,B,.." -> per-vCPU values; vCPUs past the list keep their defaults. */
static void parse_list(const char *arg, uint64_t *values, const char *what)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int i = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (i == MAX_VCPUS)
			usage_error("too many values in a list");
		values[i++] = parse_u64(tok, what);
	}
	free(copy);
}

/* Defaults differ per vCPU (and between kinds), so a per-vCPU mix-up shows. */
static void set_defaults(struct options *o)
{
	int i;

	o->name = "vmm-arm64";
	o->nr_vcpus = 2;
	o->vm_thread = 0;
	o->wfi_us = 200;
	o->spin = 0;
	for (i = 0; i < MAX_VCPUS; i++) {
		o->mmio[i] = 1000 + 37 * i;
		o->hvc[i] = 800 + 29 * i;
		o->sys[i] = 600 + 23 * i;
		o->wfi[i] = 100 + 11 * i;
		o->ids[i] = i;
	}
}

/* vCPU ids: distinct and small (arm64 derives MPIDR from them; riscv the hart id). */
static void check_ids(const struct options *o)
{
	int i, j;

	for (i = 0; i < o->nr_vcpus; i++) {
		if (o->ids[i] > 255)
			usage_error("--vcpu-ids must be 0..255");
		for (j = 0; j < i; j++)
			if (o->ids[i] == o->ids[j])
				usage_error("--vcpu-ids must be distinct");
	}
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "mmio", required_argument, NULL, 'm' },
		{ "hvc", required_argument, NULL, 'h' },
		{ "sys", required_argument, NULL, 's' },
		{ "wfi", required_argument, NULL, 'w' },
		{ "wfi-us", required_argument, NULL, 'u' },
		{ "spin", required_argument, NULL, 'p' },
		{ "vcpu-ids", required_argument, NULL, 'i' },
		{ "vm-thread", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	set_defaults(o);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': o->name = optarg; break;
		case 'c': o->nr_vcpus = (int)parse_u64(optarg, "--vcpus"); break;
		case 'm': parse_list(optarg, o->mmio, "--mmio"); break;
		case 'h': parse_list(optarg, o->hvc, "--hvc"); break;
		case 's': parse_list(optarg, o->sys, "--sys"); break;
		case 'w': parse_list(optarg, o->wfi, "--wfi"); break;
		case 'u': o->wfi_us = parse_u64(optarg, "--wfi-us"); break;
		case 'p': o->spin = parse_u64(optarg, "--spin"); break;
		case 'i': parse_list(optarg, o->ids, "--vcpu-ids"); break;
		case 't': o->vm_thread = 1; break;
		default: usage_error("unknown option");
		}
	}
	if (optind != argc)
		usage_error("unexpected argument");
	if (o->nr_vcpus < 1 || o->nr_vcpus > MAX_VCPUS)
		usage_error("--vcpus must be 1..8");
	/* CNTV_TVAL is a signed 32-bit count: keep the deadline well inside it. */
	if (o->wfi_us > 1000000)
		usage_error("--wfi-us must be at most 1000000");
	if (strpbrk(o->name, " \t\n="))
		usage_error("--name must not contain blanks or '='");
	check_ids(o);
}

static uint64_t counter_frequency(void)
{
	uint64_t freq;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	return freq;
}

static void set_reg(int fd, uint64_t id, uint64_t value, const char *name)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)&value };

	if (ioctl(fd, KVM_SET_ONE_REG, &reg) < 0)
		die("set register", name);
}

static uint64_t get_reg(int fd, uint64_t id, const char *name)
{
	uint64_t value = 0;
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)&value };

	if (ioctl(fd, KVM_GET_ONE_REG, &reg) < 0)
		die("get register", name);
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
static uint8_t *create_ram(int nr_vcpus)
{
	size_t size = (size_t)nr_vcpus * VCPU_STRIDE;
	struct kvm_userspace_memory_region region;
	uint8_t *ram;
	int i;

	ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("map", "guest RAM");
	if (madvise(ram, size, MADV_NOHUGEPAGE) < 0)
		die("madvise", "guest RAM");
	for (i = 0; i < nr_vcpus; i++)
		memset(ram + (size_t)i * VCPU_STRIDE, 0, PAGE_BYTES);
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = RAM_GPA,
		.memory_size = size,
		.userspace_addr = (uint64_t)ram,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("set", "memory region");
	return ram;
}

static void fill_params(struct vcpu *v, const struct options *o, uint64_t ticks)
{
	int i = v->index;

	v->params = (struct guest_params){
		.mmio = o->mmio[i], .hvc = o->hvc[i], .sys = o->sys[i], .wfi = o->wfi[i],
		.wfi_ticks = ticks, .spin = o->spin,
		.mmio_addr = MMIO_GPA + 8 * i, .done_addr = DONE_GPA + 8 * i,
		.vcpu = i, .check_addr = CHECK_GPA + 8 * i,
	};
}

static void create_vcpu(struct vcpu *v, uint8_t *ram, const struct kvm_vcpu_init *init)
{
	uint64_t page = (uint64_t)v->index * VCPU_STRIDE;
	size_t code_size = guest_code_end - guest_code_start;

	memcpy(ram + page, guest_code_start, code_size);
	memcpy(ram + page + PARAMS_OFF, &v->params, sizeof(v->params));
	v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, v->id);
	if (v->fd < 0)
		die("create", "vCPU");
	if (ioctl(v->fd, KVM_ARM_VCPU_INIT, init) < 0)
		die("init", "vCPU");
	set_reg(v->fd, CORE_REG(regs.pc), RAM_GPA + page, "pc");
	set_reg(v->fd, CORE_REG(regs.regs[0]), RAM_GPA + page + PARAMS_OFF, "x0");
	v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		die("map", "kvm_run");
}

static void device_attr(int dev, uint32_t group, uint64_t attr, void *value, const char *what)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uint64_t)value };

	if (ioctl(dev, KVM_SET_DEVICE_ATTR, &a) < 0)
		die("set vGIC", what);
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
static void create_vgic(struct vcpu *vcpus, int nr_vcpus)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t gicd = GICD_GPA, gicr = GICR_GPA, pmr = 0xff;
	uint32_t ctlr = GICD_CTLR_ENABLE_G1A | GICD_CTLR_ARE_NS, enable = 1U << VTIMER_PPI;
	int i;

	if (ioctl(vm_fd, KVM_CREATE_DEVICE, &dev) < 0)
		die("create", "vGICv3");
	device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &gicd,
		    "distributor address");
	device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &gicr,
		    "redistributor address");
	device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, "init");
	device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, GICD_CTLR, &ctlr, "GICD_CTLR");
	for (i = 0; i < nr_vcpus; i++) {
		uint64_t mpidr = vgic_mpidr(vcpus[i].fd) << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT;

		device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, mpidr | GICR_ISENABLER0,
			    &enable, "GICR_ISENABLER0");
		device_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, mpidr | ICC_PMR_EL1_ENC,
			    &pmr, "ICC_PMR_EL1");
	}
}

static uint64_t wfi_exit_stat(const struct vcpu *v)
{
	uint64_t value;

	if (pread(v->stats_fd, &value, sizeof(value), v->wfi_stat_at) != sizeof(value))
		die("read", "wfi_exit_stat");
	return value;
}

/* The guest's "WFx exits missing?" load: answers wfi - wfi_exit_stat. */
static void answer_check(struct vcpu *v)
{
	uint64_t traps = wfi_exit_stat(v), missing;

	missing = traps < v->params.wfi ? v->params.wfi - traps : 0;
	v->user_checks++;
	v->wfi_topups += missing;
	memcpy(v->run->mmio.data, &missing, sizeof(missing));
}

static int mmio_surprise(const struct vcpu *v, uint64_t data)
{
	fprintf(stderr, "vmm-arm64: vcpu %d: unexpected MMIO %s of %u bytes (0x%llx) at 0x%llx\n",
		v->index, v->run->mmio.is_write ? "write" : "read", v->run->mmio.len,
		(unsigned long long)data, (unsigned long long)v->run->mmio.phys_addr);
	return -1;
}

/* One KVM_EXIT_MMIO: counts it, returns 1 when the guest is done, -1 on a surprise. */
static int handle_mmio(struct vcpu *v)
{
	uint64_t addr = v->run->mmio.phys_addr, data = 0;

	if (v->run->mmio.len != sizeof(data))
		return mmio_surprise(v, 0);
	if (!v->run->mmio.is_write) {
		if (addr != v->params.check_addr)
			return mmio_surprise(v, 0);
		answer_check(v);
		return 0;
	}
	memcpy(&data, v->run->mmio.data, sizeof(data));
	if (addr == v->params.mmio_addr && data == v->params.vcpu) {
		v->user_mmio++;
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

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	int done = 0;

	v->tid = (pid_t)syscall(SYS_gettid);
	while (!done) {
		if (ioctl(v->fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "vmm-arm64: failed to run vcpu %d: %s\n", v->index,
				strerror(errno));
			v->failed = 1;
			break;
		}
		if (v->run->exit_reason != KVM_EXIT_MMIO) {
			fprintf(stderr, "vmm-arm64: vcpu %d: unexpected exit reason %u\n", v->index,
				v->run->exit_reason);
			v->failed = 1;
			break;
		}
		done = handle_mmio(v);
		if (done < 0)
			v->failed = 1;
	}
	return NULL;
}

/* Reads a whole binary stats file (header, descriptors, data). */
static char *read_stats(int fd, struct kvm_stats_header *hdr, size_t *size)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	while (buf && (n = pread(fd, buf + len, cap - len, (off_t)len)) > 0) {
		len += (size_t)n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf)
		die("allocate", "stats buffer");
	if (n < 0)
		die("read", "vCPU stats");
	if (len < sizeof(*hdr)) {
		errno = EIO;
		die("parse", "vCPU stats header");
	}
	memcpy(hdr, buf, sizeof(*hdr));
	*size = len;
	return buf;
}

static const struct kvm_stats_desc *stat_desc(const char *buf, const struct kvm_stats_header *hdr,
					      uint32_t i)
{
	size_t desc_size = sizeof(struct kvm_stats_desc) + hdr->name_size;

	return (const void *)(buf + hdr->desc_offset + i * desc_size);
}

/* Opens the vCPU's stats fd and finds wfi_exit_stat in it (read while the guest runs). */
static void open_stats(struct vcpu *v)
{
	struct kvm_stats_header hdr;
	size_t size;
	char *buf;
	uint32_t i;

	v->stats_fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	if (v->stats_fd < 0)
		die("get", "vCPU stats fd");
	buf = read_stats(v->stats_fd, &hdr, &size);
	v->wfi_stat_at = -1;
	for (i = 0; i < hdr.num_desc; i++)
		if (!strcmp(stat_desc(buf, &hdr, i)->name, "wfi_exit_stat"))
			v->wfi_stat_at = hdr.data_offset + stat_desc(buf, &hdr, i)->offset;
	free(buf);
	if (v->wfi_stat_at < 0) {
		errno = ENOENT;
		die("find", "wfi_exit_stat");
	}
}

/* " name=value" for every single-value statistic (histograms are skipped). */
static void print_stats(const struct vcpu *v)
{
	struct kvm_stats_header hdr;
	size_t size;
	char *buf = read_stats(v->stats_fd, &hdr, &size);
	uint32_t i;

	for (i = 0; i < hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = stat_desc(buf, &hdr, i);
		size_t at = hdr.data_offset + d->offset;
		uint64_t value;

		if (d->size != 1 || at + sizeof(value) > size)
			continue;
		memcpy(&value, buf + at, sizeof(value));
		printf(" %s=%llu", d->name, (unsigned long long)value);
	}
	free(buf);
}

static void print_expect(const struct options *o, const struct vcpu *v, uint64_t cls,
			 uint64_t count, const char *name)
{
	printf("VMM vm_pid=%d name=%s vcpu=%d tid=%d expect class=0x%llx count=%llu # %s\n",
	       getpid(), o->name, v->id, v->tid, (unsigned long long)cls,
	       (unsigned long long)count, name);
}

static void report_vcpu(const struct options *o, const struct vcpu *v)
{
	const struct guest_params *p = &v->params;

	print_expect(o, v, CLASS_DABT_LOW, p->mmio + v->user_checks + 1,
		     "DABT_LOW: MMIO stores + WFx check loads + done store");
	print_expect(o, v, CLASS_HVC64, p->hvc, "HVC64: PSCI_VERSION");
	print_expect(o, v, CLASS_SYS64, p->sys, "SYS64: mrs ID_AA64PFR0_EL1");
	print_expect(o, v, CLASS_WFX, p->wfi, "WFx: wfi with the virtual timer armed");
	print_expect(o, v, CLASS_IABT_LOW, 1, "IABT_LOW: first instruction fetch");
	printf("VMM vm_pid=%d name=%s vcpu=%d tid=%d user mmio=%llu checks=%llu done=%llu "
	       "wfi_topups=%llu wfi_repeats=%llu wfi_rearms=%llu\n", getpid(), o->name, v->id,
	       v->tid, (unsigned long long)v->user_mmio, (unsigned long long)v->user_checks,
	       (unsigned long long)v->user_done, (unsigned long long)v->wfi_topups,
	       (unsigned long long)v->wfi_repeats, (unsigned long long)v->wfi_rearms);
	printf("VMM vm_pid=%d name=%s vcpu=%d tid=%d kvmstat", getpid(), o->name, v->id,
	       v->tid);
	print_stats(v);
	printf("\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void open_vm(void);

static void *open_vm_thread(void *arg)
{
	(void)arg;
	open_vm();
	return NULL;
}

/* KVM_CREATE_VM from the main thread or, with --vm-thread, a thread of its own. */
static void create_vm(const struct options *o)
{
	pthread_t t;

	if (!o->vm_thread) {
		open_vm();
		return;
	}
	errno = pthread_create(&t, NULL, open_vm_thread, NULL);
	if (errno)
		die("create", "VM thread");
	pthread_join(t, NULL);
}

static void open_vm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (kvm < 0)
		die("open", "/dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, NULL) != KVM_API_VERSION) {
		errno = EINVAL;
		die("check", "KVM API version");
	}
	run_size = (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	vm_fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("create", "VM");
}

/* What we saw in user space must be what the guest was told to do. */
static int check_user_exits(const struct vcpu *v)
{
	if (v->user_mmio == v->params.mmio && v->user_done == 1)
		return 0;
	fprintf(stderr, "vmm-arm64: vcpu %d: saw %llu MMIO stores and %llu done stores, "
		"expected %llu and 1\n", v->index, (unsigned long long)v->user_mmio,
		(unsigned long long)v->user_done, (unsigned long long)v->params.mmio);
	return 1;
}

static int run_vcpus(struct vcpu *vcpus, int nr_vcpus)
{
	pthread_t threads[MAX_VCPUS];
	int i, failed = 0;

	for (i = 0; i < nr_vcpus; i++) {
		errno = pthread_create(&threads[i], NULL, vcpu_thread, &vcpus[i]);
		if (errno)
			die("create", "vCPU thread");
	}
	for (i = 0; i < nr_vcpus; i++) {
		pthread_join(threads[i], NULL);
		failed |= vcpus[i].failed || check_user_exits(&vcpus[i]);
	}
	return failed;
}

int main(int argc, char **argv)
{
	struct vcpu vcpus[MAX_VCPUS] = { 0 };
	struct kvm_vcpu_init init;
	struct options o;
	uint64_t ticks;
	uint8_t *ram;
	double t0;
	int i, failed;

	parse_options(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The tool under test names VMs by their process name; vCPU threads inherit it. */
	if (prctl(PR_SET_NAME, o.name) < 0)
		die("set", "process name");
	if ((size_t)(guest_code_end - guest_code_start) > PARAMS_OFF) {
		errno = E2BIG;
		die("fit", "guest code");
	}
	ticks = counter_frequency() * o.wfi_us / 1000000;
	create_vm(&o);
	ram = create_ram(o.nr_vcpus);
	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		die("get", "preferred vCPU target");
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	for (i = 0; i < o.nr_vcpus; i++) {
		vcpus[i].index = i;
		vcpus[i].id = (int)o.ids[i];
		fill_params(&vcpus[i], &o, ticks);
		create_vcpu(&vcpus[i], ram, &init);
		open_stats(&vcpus[i]);
	}
	create_vgic(vcpus, o.nr_vcpus);

	printf("VMM vm_pid=%d name=%s start vcpus=%d wfi_us=%llu wfi_ticks=%llu spin=%llu\n",
	       getpid(), o.name, o.nr_vcpus, (unsigned long long)o.wfi_us,
	       (unsigned long long)ticks, (unsigned long long)o.spin);
	t0 = now_s();
	failed = run_vcpus(vcpus, o.nr_vcpus);
	printf("VMM vm_pid=%d name=%s end seconds=%.3f\n", getpid(), o.name, now_s() - t0);
	for (i = 0; i < o.nr_vcpus; i++)
		report_vcpu(&o, &vcpus[i]);
	if (failed)
		fprintf(stderr, "vmm-arm64: a vCPU failed, see above\n");
	return failed ? 1 : 0;
}
