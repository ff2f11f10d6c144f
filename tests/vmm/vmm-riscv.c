// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-riscv: a minimal static KVM VMM whose guests make a known number of
 * exits of each class, so kvmstat-bpf can be checked against exact counts.
 * The command line, the run and the "VMM ..." output lines are vmm-common.c's.
 *
 * Each vCPU runs the same tiny VS-mode program (no paging) that does, in order:
 *   A x `sd` outside every memslot                 -> scause 23, KVM_EXIT_MMIO
 *   B x `ld` outside every memslot                 -> scause 21, KVM_EXIT_MMIO
 *   C x ecall sbi_get_spec_version                 -> scause 10, handled in KVM
 *   D x `wfi`, timer interrupt pending             -> scause 22, handled in KVM
 *       with --wfi-us US: each wfi preceded by sbi_set_timer(rdtime + US)
 *                       (scause 10, in KVM) and blocking in KVM until then
 *   E x `csrr cycle`                               -> scause 22, handled in KVM
 *   one "done" `sd` to its own address             -> scause 23, ends the thread
 * With --keys the exits of a class vary their second-level key (kvmstat-bpf
 * run --detail) by the count left n: every 4th store and load (n % 4 == 0)
 * goes to a second MMIO address; of every 16 ecalls (n % 16) 8 call
 * sbi_get_spec_version, 4 sbi_probe_extension(BASE), 3 sbi_hart_get_status(0)
 * and 1 an extension KVM does not have (0x12345); of every 16 CSR reads 12 read
 * cycle and 4 instret. "expect_key" lines give each key's count.
 * Before each of the A..E exits the guest spins --spin iterations (with
 * --wfi-us: before the sbi_set_timer, none between it and its wfi); not
 * before the done store.
 * The code page is mapped into the G-stage table by the VM's first
 * instruction fetch (scause 20). vCPU 0 runs alone until its first exit to
 * user space, so that fault is always vCPU 0's: exactly one, on vCPU 0.
 *
 * For D wfi that return at once, the VS timer must be pending from the start:
 * the VMM sets its compare value to 0 (KVM_REG_RISCV_TIMER compare) before
 * the first run, and the guest enables it in sie. (Earlier the guest called
 * sbi_set_timer(0) first, and under load its first wfi sometimes slept for
 * ever: twice in ~25 runs with 5-9 vCPU threads on 2 host CPUs, both times
 * vCPU 0's first wfi; none in 30+ runs since. Most likely cause: with Sstc,
 * KVM 6.12 keeps an SBI-set deadline only in vstimecmp until the next guest
 * exit reads it back, so a vCPU scheduled out in between gets the stale
 * value, -1 after reset, restored.) With --wfi-us the deadline each
 * sbi_set_timer replaces is already past, so such a loss would only make
 * that one wfi return early.
 *
 * Build: riscv64-linux-gnu-gcc -static -O2 -pthread -o vmm-riscv vmm-riscv.c vmm-common.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm-common.h"

#define RAM_GPA		0x80000000ULL
#define RAM_SIZE	0x10000ULL	/* code only: the guest never touches RAM data */
#define MMIO_GPA	0x10000000ULL	/* + 8 * vcpu: no memslot there, so accesses exit to us */
#define DONE_GPA	0x10001000ULL	/* + 8 * vcpu */
#define MMIO2_GPA	0x10003000ULL	/* + 8 * vcpu: --keys, every 4th load and store */

/* Exit classes as kvmstat-bpf encodes them on riscv: scause (asm/csr.h). */
#define EXC_SUPERVISOR_SYSCALL		0x0a
#define EXC_INST_GUEST_PAGE_FAULT	0x14
#define EXC_LOAD_GUEST_PAGE_FAULT	0x15
#define EXC_VIRTUAL_INST_FAULT		0x16
#define EXC_STORE_GUEST_PAGE_FAULT	0x17

#define SBI_ERR_NOT_SUPPORTED	(-2L)

/*
 * The guest program: position independent (PC-relative branches only) and
 * without RAM data accesses (no stack, parameters in registers set through
 * KVM_SET_ONE_REG): a0 vCPU index, s1..s5 the counts A..E, s6 spin,
 * s7/s8 the MMIO and done addresses, s10 the wfi timer period in time ticks
 * (0: none), s11 --keys (MMIO2_GPA - MMIO_GPA is 0x3000). It runs in VS-mode with sstatus.SIE = 0. `rdtime` does not trap
 * (KVM sets hcounteren.TM).
 */
__asm__(
	"	.pushsection .rodata.guest, \"a\"\n"
	"	.balign 8\n"
	"	.global guest_code_start, guest_code_end, guest_wfi\n"
	"guest_code_start:\n"
	"	.option push\n"
	"	.option norvc\n"
	"	mv	s9, a0\n"
	/*
	 * KVM's wfi blocks the vCPU until an enabled interrupt is pending:
	 * enable the S timer in sie (sstatus.SIE stays 0, so it is never
	 * taken); the VMM set its deadline in the past.
	 */
	"	li	t0, 0x20\n"		/* sie.STIE */
	"	csrs	sie, t0\n"
	"	li	t3, 0x3000\n"
	"	add	t3, s7, t3\n"		/* the second MMIO address */
	"1:	beqz	s1, 2f\n"
	"	jal	9f\n"
	"	mv	t5, s7\n"
	"	andi	t4, s1, 3\n"
	"	beqz	s11, 13f\n"
	"	bnez	t4, 13f\n"
	"	mv	t5, t3\n"		/* --keys: every 4th store */
	"13:	sd	s9, 0(t5)\n"		/* scause 23, KVM_EXIT_MMIO */
	"	addi	s1, s1, -1\n"
	"	j	1b\n"
	"2:	beqz	s2, 3f\n"
	"	jal	9f\n"
	"	mv	t5, s7\n"
	"	andi	t4, s2, 3\n"
	"	beqz	s11, 14f\n"
	"	bnez	t4, 14f\n"
	"	mv	t5, t3\n"		/* --keys: every 4th load */
	"14:	ld	t1, 0(t5)\n"		/* scause 21, KVM_EXIT_MMIO */
	"	addi	s2, s2, -1\n"
	"	j	2b\n"
	"3:	beqz	s3, 4f\n"
	"	jal	9f\n"
	"	li	a7, 0x10\n"		/* SBI BASE extension */
	"	li	a6, 0\n"		/* sbi_get_spec_version */
	"	beqz	s11, 15f\n"
	"	andi	t4, s3, 15\n"		/* --keys: the call by n % 16 */
	"	li	t5, 8\n"
	"	bltu	t4, t5, 15f\n"
	"	li	a6, 3\n"		/* 8..11: sbi_probe_extension(BASE) */
	"	li	a0, 0x10\n"
	"	li	t5, 12\n"
	"	bltu	t4, t5, 15f\n"
	"	li	a7, 0x48534d\n"	/* 12..14: HSM sbi_hart_get_status(0) */
	"	li	a6, 2\n"
	"	li	a0, 0\n"
	"	li	t5, 15\n"
	"	bltu	t4, t5, 15f\n"
	"	li	a7, 0x12345\n"	/* 15: an extension KVM does not have */
	"	li	a6, 0\n"
	"15:	ecall\n"			/* scause 10 */
	"	addi	s3, s3, -1\n"
	"	j	3b\n"
	"4:	beqz	s4, 5f\n"
	"	jal	9f\n"
	/*
	 * --wfi-us: sbi_set_timer(now + period) clears the pending timer
	 * interrupt, so the wfi blocks in KVM until the deadline.
	 */
	"	beqz	s10, 12f\n"
	"	rdtime	t0\n"
	"	add	a0, t0, s10\n"
	"	li	a7, 0x54494d45\n"	/* SBI TIME extension */
	"	li	a6, 0\n"		/* sbi_set_timer(a0) */
	"	ecall\n"			/* scause 10 */
	"guest_wfi:\n"
	"12:	wfi\n"				/* scause 22 (hstatus.VTW) */
	"	addi	s4, s4, -1\n"
	"	j	4b\n"
	"5:	beqz	s5, 6f\n"
	"	jal	9f\n"
	"	andi	t4, s5, 15\n"
	"	beqz	s11, 16f\n"
	"	li	t5, 12\n"
	"	bltu	t4, t5, 16f\n"
	"	csrr	t1, instret\n"		/* --keys: n % 16 >= 12, scause 22 */
	"	j	17f\n"
	"16:	csrr	t1, cycle\n"		/* scause 22 (hcounteren.CY clear) */
	"17:	addi	s5, s5, -1\n"
	"	j	5b\n"
	"6:	sd	s9, 0(s8)\n"		/* done: the VMM stops here */
	"	j	6b\n"
	"9:	mv	t2, s6\n"		/* spin s6 iterations */
	"10:	beqz	t2, 11f\n"
	"	addi	t2, t2, -1\n"
	"	j	10b\n"
	"11:	ret\n"
	"	.option pop\n"
	"guest_code_end:\n"
	"	.popsection\n");

enum { STORE, LOAD, ECALL, WFI, CSR, NR_COUNTS };

static const struct vmm_count_option count_options[NR_COUNTS] = {
	[STORE] = { "--store", 1000, 37 },
	[LOAD] = { "--load", 900, 31 },
	[ECALL] = { "--ecall", 800, 29 },
	[WFI] = { "--wfi", 100, 11 },
	[CSR] = { "--csr", 600, 23 },
};

struct vcpu {
	struct vmm_vcpu common;
	uint64_t count[NR_COUNTS];	/* exits to make of each kind */
	uint64_t wfi_ticks;		/* timer period before each wfi, 0: none */
	bool keys;			/* --keys */
	uint64_t user_store, user_load;	/* KVM_EXIT_MMIO seen at MMIO_GPA + 8 * index */
	uint64_t user_store2, user_load2;	/* ... at MMIO2_GPA + 8 * index (--keys) */
	uint64_t user_done;		/* ... at DONE_GPA + 8 * index */
	uint64_t user_csr, user_sbi;	/* KVM_EXIT_RISCV_CSR/SBI: not expected on 6.12 */
};

static struct vcpu *to_vcpu(struct vmm_vcpu *v)
{
	return container_of(v, struct vcpu, common);
}

/* The time CSR's frequency (the virt machine's is 10 MHz), from the device tree. */
static uint64_t timebase_frequency(void)
{
	unsigned char be[4];
	uint64_t freq = 10000000;
	int fd = open("/proc/device-tree/cpus/timebase-frequency", O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && read(fd, be, sizeof(be)) == sizeof(be))
		freq = (uint64_t)be[0] << 24 | be[1] << 16 | be[2] << 8 | be[3];
	else
		vmm_error("no timebase-frequency in the device tree, assuming %llu Hz",
			  (unsigned long long)freq);
	if (fd >= 0)
		close(fd);
	return freq;
}

/* --wfi-us in time ticks, at least 1 so that the guest still arms the timer. */
static uint64_t wfi_ticks(uint64_t wfi_us)
{
	uint64_t ticks;

	if (!wfi_us)
		return 0;
	ticks = timebase_frequency() * wfi_us / 1000000;
	return ticks ? ticks : 1;
}

#define CORE_REG(field) \
	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE | KVM_REG_RISCV_CORE_REG(field))
#define TIMER_REG(field) \
	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_TIMER | KVM_REG_RISCV_TIMER_REG(field))

/* Guest RAM: the code, written once so the host page is present and writable. */
static void create_ram(const struct vmm_vm *vm)
{
	uint8_t *ram = vmm_map_ram(RAM_SIZE, 0);

	memset(ram, 0, RAM_SIZE);
	memcpy(ram, guest_code_start, guest_code_end - guest_code_start);
	vmm_set_ram_slot(vm, RAM_GPA, ram, RAM_SIZE);
}

/* The guest takes its parameters in registers: see the guest program. */
static void set_guest_regs(const struct vcpu *v, const struct vmm_options *o)
{
	int fd = v->common.fd, i = v->common.index;

	vmm_set_one_reg(fd, CORE_REG(regs.pc), RAM_GPA, "pc");
	vmm_set_one_reg(fd, CORE_REG(regs.a0), i, "a0");
	vmm_set_one_reg(fd, CORE_REG(regs.s1), v->count[STORE], "s1");
	vmm_set_one_reg(fd, CORE_REG(regs.s2), v->count[LOAD], "s2");
	vmm_set_one_reg(fd, CORE_REG(regs.s3), v->count[ECALL], "s3");
	vmm_set_one_reg(fd, CORE_REG(regs.s4), v->count[WFI], "s4");
	vmm_set_one_reg(fd, CORE_REG(regs.s5), v->count[CSR], "s5");
	vmm_set_one_reg(fd, CORE_REG(regs.s6), o->spin, "s6");
	vmm_set_one_reg(fd, CORE_REG(regs.s7), MMIO_GPA + 8 * i, "s7");
	vmm_set_one_reg(fd, CORE_REG(regs.s8), DONE_GPA + 8 * i, "s8");
	vmm_set_one_reg(fd, CORE_REG(regs.s10), v->wfi_ticks, "s10");
	vmm_set_one_reg(fd, CORE_REG(regs.s11), v->keys, "s11");
}

static void create_vcpu(struct vmm_vm *vm, struct vcpu *v, int i, const struct vmm_options *o,
			uint64_t ticks)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	int k;

	for (k = 0; k < NR_COUNTS; k++)
		v->count[k] = o->counts[k][i];
	v->wfi_ticks = ticks;
	v->keys = o->keys;
	vmm_create_vcpu(vm, &v->common, i, (int)o->ids[i]);
	/* Only vCPU 0 starts powered on (SBI HSM); the others start STOPPED. */
	if (ioctl(v->common.fd, KVM_SET_MP_STATE, &runnable) < 0)
		vmm_die("make runnable", "vCPU");
	set_guest_regs(v, o);
	/* The VS timer pending from the start (see the top): wfi returns at once. */
	vmm_set_one_reg(v->common.fd, TIMER_REG(compare), 0, "timer compare");
}

/* One KVM_EXIT_MMIO: counts it, returns 1 when the guest is done, -1 on a stray access. */
static int handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->common.run;
	uint64_t addr = run->mmio.phys_addr;
	int i = v->common.index;

	if (addr == MMIO_GPA + 8 * i && run->mmio.is_write) {
		v->user_store++;
		return 0;
	}
	if (addr == MMIO_GPA + 8 * i) {
		memset(run->mmio.data, 0x5a, sizeof(run->mmio.data));
		v->user_load++;
		return 0;
	}
	if (v->keys && addr == MMIO2_GPA + 8 * i) {
		if (run->mmio.is_write)
			v->user_store2++;
		else
			v->user_load2++;
		memset(run->mmio.data, 0x5a, sizeof(run->mmio.data));
		return 0;
	}
	if (addr == DONE_GPA + 8 * i && run->mmio.is_write) {
		v->user_done++;
		return 1;
	}
	vmm_error("vcpu %d: MMIO %s at a foreign address 0x%llx", i,
		  run->mmio.is_write ? "write" : "read", (unsigned long long)addr);
	return -1;
}

static int handle_exit(struct vmm_vcpu *common)
{
	struct vcpu *v = to_vcpu(common);
	struct kvm_run *run = common->run;

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		return handle_mmio(v);
	case KVM_EXIT_RISCV_CSR:	/* cycle read without an in-kernel PMU */
		run->riscv_csr.ret_value = 0;
		v->user_csr++;
		return 0;
	case KVM_EXIT_RISCV_SBI:	/* an SBI extension KVM leaves to user space */
		run->riscv_sbi.ret[0] = SBI_ERR_NOT_SUPPORTED;
		run->riscv_sbi.ret[1] = 0;
		v->user_sbi++;
		return 0;
	default:
		vmm_error("vcpu %d: unexpected exit reason %u", common->index, run->exit_reason);
		return -1;
	}
}

/* How many of n = count..1 have n % m in [lo, hi): the --keys proportions. */
static uint64_t left_in(uint64_t count, uint64_t m, uint64_t lo, uint64_t hi)
{
	uint64_t n = count / m * (hi - lo), r;

	for (r = 1; r <= count % m; r++)
		n += r >= lo && r < hi;
	return n;
}

#define SBI_KEY(ext, fid)	((uint64_t)(ext) << 32 | (fid))
#define CSR_READ_KEY(csr)	((uint64_t)(csr) << 20 | 2 << 12 | 0x73)	/* csrrs rd masked, rs1 0 */
#define INSN_WFI		0x10500073ULL

/* "expect_key" lines: each second-level key's count (kvmstat-bpf run --detail). */
static void report_keys(const struct vcpu *v)
{
	const struct vmm_vcpu *c = &v->common;
	const uint64_t *n = v->count;
	uint64_t mmio = MMIO_GPA + 8 * c->index, mmio2 = MMIO2_GPA + 8 * c->index;
	uint64_t ecalls = n[ECALL], csrs = n[CSR];

	vmm_print_key(c, EXC_STORE_GUEST_PAGE_FAULT, mmio, v->user_store, "MMIO store");
	vmm_print_key(c, EXC_STORE_GUEST_PAGE_FAULT, DONE_GPA + 8 * c->index, 1, "done store");
	vmm_print_key(c, EXC_LOAD_GUEST_PAGE_FAULT, mmio, v->user_load, "MMIO load");
	if (v->keys) {
		vmm_print_key(c, EXC_STORE_GUEST_PAGE_FAULT, mmio2, v->user_store2, "MMIO store, 2nd");
		vmm_print_key(c, EXC_LOAD_GUEST_PAGE_FAULT, mmio2, v->user_load2, "MMIO load, 2nd");
	}
	if (c->index == 0)
		vmm_print_key(c, EXC_INST_GUEST_PAGE_FAULT, RAM_GPA, 1, "first instruction fetch");
	vmm_print_key(c, EXC_VIRTUAL_INST_FAULT, INSN_WFI, n[WFI], "wfi");
	if (v->wfi_ticks)
		vmm_print_key(c, EXC_SUPERVISOR_SYSCALL, SBI_KEY(0x54494d45, 0), n[WFI],
			      "sbi_set_timer");
	if (!v->keys) {
		vmm_print_key(c, EXC_SUPERVISOR_SYSCALL, SBI_KEY(0x10, 0), ecalls, "sbi_get_spec_version");
		vmm_print_key(c, EXC_VIRTUAL_INST_FAULT, CSR_READ_KEY(0xc00), csrs, "csrr cycle");
		return;
	}
	vmm_print_key(c, EXC_SUPERVISOR_SYSCALL, SBI_KEY(0x10, 0), left_in(ecalls, 16, 0, 8),
		      "sbi_get_spec_version");
	vmm_print_key(c, EXC_SUPERVISOR_SYSCALL, SBI_KEY(0x10, 3), left_in(ecalls, 16, 8, 12),
		      "sbi_probe_extension");
	vmm_print_key(c, EXC_SUPERVISOR_SYSCALL, SBI_KEY(0x48534d, 2), left_in(ecalls, 16, 12, 15),
		      "sbi_hart_get_status");
	vmm_print_key(c, EXC_SUPERVISOR_SYSCALL, SBI_KEY(0x12345, 0), left_in(ecalls, 16, 15, 16),
		      "unknown SBI extension");
	vmm_print_key(c, EXC_VIRTUAL_INST_FAULT, CSR_READ_KEY(0xc00), left_in(csrs, 16, 0, 12),
		      "csrr cycle");
	vmm_print_key(c, EXC_VIRTUAL_INST_FAULT, CSR_READ_KEY(0xc02), left_in(csrs, 16, 12, 16),
		      "csrr instret");
}

static void report_vcpu(struct vmm_vcpu *common)
{
	const struct vcpu *v = to_vcpu(common);
	const uint64_t *n = v->count;

	vmm_print_expect(common, EXC_STORE_GUEST_PAGE_FAULT, n[STORE] + 1,
			 "STORE_GUEST_PAGE_FAULT: MMIO stores + done store");
	vmm_print_expect(common, EXC_LOAD_GUEST_PAGE_FAULT, n[LOAD],
			 "LOAD_GUEST_PAGE_FAULT: MMIO loads");
	vmm_print_expect(common, EXC_SUPERVISOR_SYSCALL, n[ECALL] + (v->wfi_ticks ? n[WFI] : 0),
			 v->keys ? "SUPERVISOR_SYSCALL: SBI calls + one sbi_set_timer per wfi with --wfi-us" :
			 "SUPERVISOR_SYSCALL: sbi_get_spec_version + one sbi_set_timer per wfi"
			 " with --wfi-us");
	vmm_print_expect(common, EXC_VIRTUAL_INST_FAULT, n[WFI] + n[CSR],
			 v->keys ? "VIRTUAL_INST_FAULT: wfi + csrr cycle/instret" :
			 "VIRTUAL_INST_FAULT: wfi + csrr cycle");
	vmm_print_expect(common, EXC_INST_GUEST_PAGE_FAULT, common->index == 0,
			 "INST_GUEST_PAGE_FAULT: the VM's first instruction fetch, on vCPU 0");
	report_keys(v);
	vmm_print_vcpu_line(common, "pc wfi=0x%llx\n",
			    (unsigned long long)(RAM_GPA + (guest_wfi - guest_code_start)));
	/* mmio: the counted loads and stores; KVM's mmio_exit_user == mmio + done. */
	vmm_print_vcpu_line(common, "user mmio=%llu done=%llu load=%llu csr=%llu sbi=%llu\n",
			    (unsigned long long)(v->user_store + v->user_load + v->user_store2 +
						 v->user_load2),
			    (unsigned long long)v->user_done,
			    (unsigned long long)(v->user_load + v->user_load2),
			    (unsigned long long)v->user_csr, (unsigned long long)v->user_sbi);
}

const struct vmm_arch vmm_arch = {
	.prog = "vmm-riscv",
	.usage = "usage: vmm-riscv [--name NAME] [-uuid UUID] [--vcpus N] [--store A,B,..]\n"
		 "                 [--load A,B,..] [--ecall A,B,..] [--wfi A,B,..] [--wfi-us US]\n"
		 "                 [--csr A,B,..] [--spin N] [--vcpu-ids A,B,..] [--vm-thread]\n"
		 "                 [--tids A,B,..] [--keys]\n",
	.counts = count_options,
	.nr_counts = NR_COUNTS,
	.options = VMM_OPT_WFI_US | VMM_OPT_VCPU_IDS | VMM_OPT_VM_THREAD | VMM_OPT_KEYS,
	.max_value = UINT64_MAX,
	.default_wfi_us = 0,		/* no timer: each wfi returns at once */
	.first_stat = "exits",
	.vcpu0_runs_first = true,	/* the code page's fault (scause 20) on vCPU 0 */
	.handle_exit = handle_exit,
	.report_vcpu = report_vcpu,
};

int main(int argc, char **argv)
{
	static struct vcpu vcpus[VMM_MAX_VCPUS];
	struct vmm_options o;
	struct vmm_vm vm;
	uint64_t ticks;
	int i;

	vmm_setup(argc, argv, &o);
	vmm_check_guest_fits(RAM_SIZE);
	ticks = wfi_ticks(o.wfi_us);
	vmm_create_vm(&vm, &o);
	create_ram(&vm);
	for (i = 0; i < o.nr_vcpus; i++)
		create_vcpu(&vm, &vcpus[i], i, &o, ticks);
	return vmm_run(&vm, &o, ticks);
}
