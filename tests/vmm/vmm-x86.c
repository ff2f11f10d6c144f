// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-x86: a minimal static KVM VMM whose guests make a known number of
 * exits of each class, so kvmstat-bpf can be checked against exact counts.
 * Written for AMD SVM hosts (exit codes per asm/svm.h). The command line,
 * the run and the "VMM ..." output lines are vmm-common.c's.
 *
 * Each vCPU runs the same tiny real-mode program that does, in order:
 *   A x `out` to a port                  -> io    0x7b,  KVM_EXIT_IO
 *   B x `cpuid`                          -> cpuid 0x72,  handled in KVM
 *   C x `rdmsr` of IA32_TSC              -> msr   0x7c,  handled in KVM
 *   D x `hlt`                            -> hlt   0x78,  KVM_EXIT_HLT (no in-kernel irqchip)
 *   E x store outside every memslot      -> npf   0x400, KVM_EXIT_MMIO
 *   one "done" `out` to its own port     -> io    0x7b,  ends the thread
 * With --keys the exits of a class vary their second-level key (kvmstat-bpf
 * run --detail) by the count left n: every 4th io (n % 4 == 0) is an `in`,
 * every 4th store goes 0x100 further; of every 16 cpuid (n % 16) 8 ask leaf 0,
 * 4 leaf 1, 3 leaf 0x80000000 and 1 leaf 0x40000000; of every 16 MSR exits 8
 * read IA32_TSC, 4 IA32_APICBASE, 3 EFER and 1 writes IA32_TSC (to 0).
 * "expect_key" lines give each key's count.
 * The code page is mapped into the nested page table by the VM's first
 * instruction fetch (npf). vCPU 0 runs alone until its first exit to user
 * space, so that fault is always vCPU 0's: exactly one, on vCPU 0.
 *
 * Build: gcc -static -O2 -pthread -o vmm-x86 vmm-x86.c vmm-common.c
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm-common.h"

/*
 * Guest physical layout: RAM at 0 with the code at CODE_GPA and the
 * per-vCPU parameter blocks after it in the same page, so the VM touches
 * exactly one RAM page. The MMIO store goes to segment 0x2000 (MMIO_GPA).
 */
#define RAM_SIZE	0x10000ULL
#define CODE_GPA	0x1000ULL
#define PARAMS_GPA	0x1800ULL	/* struct guest_params[VMM_MAX_VCPUS] */
#define MMIO_GPA	0x20000ULL	/* no memslot there, so the store exits to us */
#define IO_PORT		0x500
#define DONE_PORT	0x510		/* + vcpu */

/* Exit classes as kvmstat-bpf encodes them: (isa << 32) | exit code, SVM isa = 2. */
#define SVM_CLASS(code)	((2ULL << 32) | (code))
#define CLASS_CPUID	SVM_CLASS(0x072)
#define CLASS_HLT	SVM_CLASS(0x078)
#define CLASS_IO	SVM_CLASS(0x07b)
#define CLASS_MSR	SVM_CLASS(0x07c)
#define CLASS_NPF	SVM_CLASS(0x400)

/* Layout shared with the guest program below (offsets hard-coded there). */
struct guest_params {
	uint32_t io, cpuid, msr, hlt, mmio;	/* exits to make of each kind */
	uint32_t spin;				/* busy-loop iterations before every exit */
	uint16_t done_port;
	uint16_t pad;
	uint32_t keys;				/* --keys (offset 28) */
};

/* Busy loop of params.spin iterations; ebp is free (no stack is used). */
#define SPIN \
	"	movl	20(%di), %ebp\n" \
	"	.Lspin\\@: test %ebp, %ebp\n" \
	"	jz	.Lspun\\@\n" \
	"	dec	%ebp\n" \
	"	jmp	.Lspin\\@\n" \
	"	.Lspun\\@:\n"

/*
 * The guest program, 16-bit real mode with every segment at base 0; relative
 * jumps only. di = its struct guest_params; each count is loaded into esi
 * (cpuid and rdmsr clobber eax, ebx, ecx, edx). No stack, no RAM writes.
 */
__asm__(
	"	.macro	spin\n" SPIN "	.endm\n"
	"	.pushsection .rodata.guest, \"a\"\n"
	"	.global guest_code_start, guest_code_end, guest_wfi\n"
	"guest_code_start:\n"
	"	.code16\n"
	"	mov	$0x2000, %ax\n"		/* es:0 = MMIO_GPA */
	"	mov	%ax, %es\n"
	"	movl	0(%di), %esi\n"
	"1:	test	%esi, %esi\n"
	"	jz	2f\n"
	"	spin\n"
	"	mov	$0x500, %dx\n"		/* IO_PORT */
	"	testl	$1, 28(%di)\n"
	"	jz	21f\n"
	"	test	$3, %esi\n"
	"	jnz	21f\n"
	"	in	(%dx), %al\n"		/* --keys: every 4th, io in */
	"	jmp	22f\n"
	"21:	out	%al, (%dx)\n"		/* io, KVM_EXIT_IO */
	"22:	dec	%esi\n"
	"	jmp	1b\n"
	"2:	movl	4(%di), %esi\n"
	"3:	test	%esi, %esi\n"
	"	jz	4f\n"
	"	spin\n"
	"	xor	%eax, %eax\n"
	"	xor	%ecx, %ecx\n"
	"	testl	$1, 28(%di)\n"
	"	jz	23f\n"
	"	mov	%esi, %ebx\n"		/* --keys: the leaf by n % 16 */
	"	and	$15, %ebx\n"
	"	cmp	$8, %ebx\n"
	"	jb	23f\n"
	"	mov	$1, %eax\n"
	"	cmp	$12, %ebx\n"
	"	jb	23f\n"
	"	mov	$0x80000000, %eax\n"
	"	cmp	$15, %ebx\n"
	"	jb	23f\n"
	"	mov	$0x40000000, %eax\n"
	"23:	cpuid\n"			/* cpuid */
	"	dec	%esi\n"
	"	jmp	3b\n"
	"4:	movl	8(%di), %esi\n"
	"5:	test	%esi, %esi\n"
	"	jz	6f\n"
	"	spin\n"
	"	mov	$0x10, %ecx\n"		/* MSR_IA32_TSC */
	"	testl	$1, 28(%di)\n"
	"	jz	24f\n"
	"	mov	%esi, %ebx\n"		/* --keys: the MSR by n % 16 */
	"	and	$15, %ebx\n"
	"	cmp	$8, %ebx\n"
	"	jb	24f\n"
	"	mov	$0x1b, %ecx\n"		/* MSR_IA32_APICBASE */
	"	cmp	$12, %ebx\n"
	"	jb	24f\n"
	"	mov	$0xc0000080, %ecx\n"	/* MSR_EFER */
	"	cmp	$15, %ebx\n"
	"	jb	24f\n"
	"	mov	$0x10, %ecx\n"
	"	xor	%eax, %eax\n"
	"	xor	%edx, %edx\n"
	"	wrmsr\n"			/* msr: IA32_TSC = 0 */
	"	jmp	25f\n"
	"24:	rdmsr\n"			/* msr */
	"25:	dec	%esi\n"
	"	jmp	5b\n"
	"6:	movl	12(%di), %esi\n"
	"7:	test	%esi, %esi\n"
	"	jz	8f\n"
	"	spin\n"
	"guest_wfi:\n"				/* the hlt: --wfi-us sleeps on it */
	"	hlt\n"				/* hlt, KVM_EXIT_HLT */
	"	dec	%esi\n"
	"	jmp	7b\n"
	"8:	movl	16(%di), %esi\n"
	"9:	test	%esi, %esi\n"
	"	jz	10f\n"
	"	spin\n"
	"	testl	$1, 28(%di)\n"
	"	jz	26f\n"
	"	test	$3, %esi\n"
	"	jnz	26f\n"
	"	movb	%al, %es:0x100\n"	/* --keys: every 4th, 0x100 further */
	"	jmp	27f\n"
	"26:	movb	%al, %es:0\n"		/* npf, KVM_EXIT_MMIO */
	"27:	dec	%esi\n"
	"	jmp	9b\n"
	"10:	mov	24(%di), %dx\n"
	"	out	%al, (%dx)\n"		/* done: the VMM stops here */
	"	jmp	10b\n"
	"	.code64\n"
	"guest_code_end:\n"
	"	.popsection\n");

enum { IO, CPUID, MSR, HLT, MMIO, NR_COUNTS };

static const struct vmm_count_option count_options[NR_COUNTS] = {
	[IO] = { "--io", 1000, 37 },
	[CPUID] = { "--cpuid", 800, 29 },
	[MSR] = { "--msr", 600, 23 },
	[HLT] = { "--hlt", 100, 11 },
	[MMIO] = { "--mmio", 900, 31 },
};

struct vcpu {
	struct vmm_vcpu common;
	struct guest_params params;
	uint64_t user_io, user_hlt, user_mmio;	/* exits to user space seen, by kind */
	uint64_t user_in, user_mmio2;		/* --keys: io in, stores 0x100 further */
	uint64_t user_done;			/* `out` to this vCPU's done port */
};

/* --wfi-us: how long we sleep on each hlt, so that its exit is a slow one (run --slow). */
static uint64_t hlt_sleep_us;

static struct vcpu *to_vcpu(struct vmm_vcpu *v)
{
	return container_of(v, struct vcpu, common);
}

/* Guest RAM, written once so every host page is present and writable. */
static uint8_t *create_ram(const struct vmm_vm *vm)
{
	uint8_t *ram = vmm_map_ram(RAM_SIZE, 0);

	memset(ram, 0, RAM_SIZE);
	memcpy(ram + CODE_GPA, guest_code_start, guest_code_end - guest_code_start);
	vmm_set_ram_slot(vm, 0, ram, RAM_SIZE);
	return ram;
}

static void fill_params(struct vcpu *v, int i, const struct vmm_options *o)
{
	v->params = (struct guest_params){
		.io = o->counts[IO][i], .cpuid = o->counts[CPUID][i], .msr = o->counts[MSR][i],
		.hlt = o->counts[HLT][i], .mmio = o->counts[MMIO][i], .spin = o->spin,
		.done_port = DONE_PORT + i, .keys = o->keys,
	};
}

/* Real mode, every segment at base 0, so guest addresses are GPAs. */
static void set_real_mode(int vcpu_fd, uint64_t params_gpa)
{
	struct kvm_segment *segs[6];
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = CODE_GPA,
		.rdi = params_gpa,
		.rflags = 0x2,	/* bit 1 is reserved and set; IF = 0 */
	};
	int i;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		vmm_die("get", "vCPU sregs");
	segs[0] = &sregs.cs, segs[1] = &sregs.ds, segs[2] = &sregs.es;
	segs[3] = &sregs.fs, segs[4] = &sregs.gs, segs[5] = &sregs.ss;
	for (i = 0; i < 6; i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		vmm_die("set", "vCPU sregs");
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		vmm_die("set", "vCPU regs");
}

/* KVM's vcpu_id is the index: x86 takes no --vcpu-ids. */
static void create_vcpu(struct vmm_vm *vm, struct vcpu *v, int i, uint8_t *ram)
{
	uint64_t params_gpa = PARAMS_GPA + i * sizeof(struct guest_params);

	memcpy(ram + params_gpa, &v->params, sizeof(v->params));
	vmm_create_vcpu(vm, &v->common, i, i);
	set_real_mode(v->common.fd, params_gpa);
}

/* One KVM_EXIT_IO: counts it, returns 1 when the guest is done, -1 on a stray access. */
static int handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->common.run;

	if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == IO_PORT) {
		v->user_io++;
		return 0;
	}
	if (v->params.keys && run->io.direction == KVM_EXIT_IO_IN && run->io.port == IO_PORT) {
		*((uint8_t *)run + run->io.data_offset) = 0x5a;
		v->user_in++;
		return 0;
	}
	if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == v->params.done_port) {
		v->user_done++;
		return 1;
	}
	vmm_error("vcpu %d: unexpected %s of port 0x%x", v->common.index,
		  run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port);
	return -1;
}

static int handle_mmio(struct vcpu *v)
{
	const struct kvm_run *run = v->common.run;

	if (v->params.keys && run->mmio.phys_addr == MMIO_GPA + 0x100 && run->mmio.is_write) {
		v->user_mmio2++;
		return 0;
	}
	if (run->mmio.phys_addr != MMIO_GPA || !run->mmio.is_write) {
		vmm_error("vcpu %d: unexpected MMIO %s at 0x%llx", v->common.index,
			  run->mmio.is_write ? "write" : "read",
			  (unsigned long long)run->mmio.phys_addr);
		return -1;
	}
	v->user_mmio++;
	return 0;
}

static int handle_exit(struct vmm_vcpu *common)
{
	struct vcpu *v = to_vcpu(common);
	const struct kvm_run *run = common->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(v);
	case KVM_EXIT_HLT:	/* the guest resumes after its hlt (--wfi-us: that much later) */
		v->user_hlt++;
		if (hlt_sleep_us)
			usleep(hlt_sleep_us);
		return 0;
	case KVM_EXIT_MMIO:
		return handle_mmio(v);
	case KVM_EXIT_FAIL_ENTRY:
		vmm_error("vcpu %d: entry failed, reason 0x%llx", common->index,
			  (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return -1;
	case KVM_EXIT_INTERNAL_ERROR:
		vmm_error("vcpu %d: KVM internal error, suberror %u", common->index,
			  run->internal.suberror);
		return -1;
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

/* kvmstat-bpf's keys (bpf/kvmstat.h): port | IN << 16, MSR | write << 32, GPA | write << 63. */
#define IO_KEY(port, in)	((uint64_t)(port) | (uint64_t)(in) << 16)
#define MSR_KEY(msr, write)	((uint64_t)(msr) | (uint64_t)(write) << 32)
#define NPF_KEY(gpa, write)	((uint64_t)(gpa) | (uint64_t)(write) << 63)

/* "expect_key" lines: each second-level key's count (kvmstat-bpf run --detail). */
static void report_keys(const struct vcpu *v)
{
	const struct vmm_vcpu *c = &v->common;
	const struct guest_params *p = &v->params;
	uint64_t k = p->keys;

	vmm_print_key(c, CLASS_IO, IO_KEY(IO_PORT, 0), v->user_io, "out");
	vmm_print_key(c, CLASS_IO, IO_KEY(p->done_port, 0), 1, "done out");
	vmm_print_key(c, CLASS_NPF, NPF_KEY(MMIO_GPA, 1), v->user_mmio, "MMIO store");
	if (c->index == 0)
		vmm_print_key(c, CLASS_NPF, NPF_KEY(CODE_GPA, 0), 1, "first instruction fetch");
	if (!k) {
		vmm_print_key(c, CLASS_CPUID, 0, p->cpuid, "leaf 0");
		vmm_print_key(c, CLASS_MSR, MSR_KEY(0x10, 0), p->msr, "rdmsr IA32_TSC");
		return;
	}
	vmm_print_key(c, CLASS_IO, IO_KEY(IO_PORT, 1), v->user_in, "in");
	vmm_print_key(c, CLASS_NPF, NPF_KEY(MMIO_GPA + 0x100, 1), v->user_mmio2, "MMIO store, 2nd");
	vmm_print_key(c, CLASS_CPUID, 0, left_in(p->cpuid, 16, 0, 8), "leaf 0");
	vmm_print_key(c, CLASS_CPUID, 1, left_in(p->cpuid, 16, 8, 12), "leaf 1");
	vmm_print_key(c, CLASS_CPUID, 0x80000000, left_in(p->cpuid, 16, 12, 15), "leaf 0x80000000");
	vmm_print_key(c, CLASS_CPUID, 0x40000000, left_in(p->cpuid, 16, 15, 16), "leaf 0x40000000");
	vmm_print_key(c, CLASS_MSR, MSR_KEY(0x10, 0), left_in(p->msr, 16, 0, 8), "rdmsr IA32_TSC");
	vmm_print_key(c, CLASS_MSR, MSR_KEY(0x1b, 0), left_in(p->msr, 16, 8, 12),
		      "rdmsr IA32_APICBASE");
	vmm_print_key(c, CLASS_MSR, MSR_KEY(0xc0000080, 0), left_in(p->msr, 16, 12, 15), "rdmsr EFER");
	vmm_print_key(c, CLASS_MSR, MSR_KEY(0x10, 1), left_in(p->msr, 16, 15, 16), "wrmsr IA32_TSC");
}

static void report_vcpu(struct vmm_vcpu *common)
{
	const struct vcpu *v = to_vcpu(common);
	const struct guest_params *p = &v->params;

	vmm_print_expect(common, CLASS_IO, p->io + 1ULL, p->keys ? "io: out/in + done out" :
			 "io: out + done out");
	vmm_print_expect(common, CLASS_CPUID, p->cpuid, "cpuid");
	vmm_print_expect(common, CLASS_MSR, p->msr, p->keys ? "msr: 3 MSRs read, IA32_TSC written" :
			 "msr: rdmsr IA32_TSC");
	vmm_print_expect(common, CLASS_HLT, p->hlt, "hlt");
	vmm_print_expect(common, CLASS_NPF, p->mmio + (uint64_t)(common->index == 0),
			 "npf: MMIO stores + the VM's first instruction fetch, on vCPU 0");
	report_keys(v);
	vmm_print_vcpu_line(common, "pc wfi=0x%llx\n",
			    (unsigned long long)(CODE_GPA + (guest_wfi - guest_code_start)));
	vmm_print_vcpu_line(common, "user io=%llu hlt=%llu mmio=%llu done=%llu\n",
			    (unsigned long long)(v->user_io + v->user_in), (unsigned long long)v->user_hlt,
			    (unsigned long long)(v->user_mmio + v->user_mmio2),
			    (unsigned long long)v->user_done);
}

const struct vmm_arch vmm_arch = {
	.prog = "vmm-x86",
	.usage = "usage: vmm-x86 [--name NAME] [-uuid UUID] [--vcpus N] [--io A,B,..]\n"
		 "               [--cpuid A,B,..] [--msr A,B,..] [--hlt A,B,..] [--mmio A,B,..]\n"
		 "               [--spin N] [--tids A,B,..] [--keys] [--wfi-us US]\n",
	.counts = count_options,
	.nr_counts = NR_COUNTS,
	.options = VMM_OPT_KEYS | VMM_OPT_WFI_US,
	.default_wfi_us = 0,		/* --wfi-us: sleep that long on each hlt */
	.max_value = UINT32_MAX,	/* the guest keeps counts in 32-bit registers */
	.first_stat = "exits",
	.vcpu0_runs_first = true,	/* the code page's npf on vCPU 0 */
	.handle_exit = handle_exit,
	.report_vcpu = report_vcpu,
};

int main(int argc, char **argv)
{
	static struct vcpu vcpus[VMM_MAX_VCPUS];
	struct vmm_options o;
	struct vmm_vm vm;
	uint8_t *ram;
	int i;

	vmm_setup(argc, argv, &o);
	vmm_check_guest_fits(PARAMS_GPA - CODE_GPA);
	hlt_sleep_us = o.wfi_us;
	vmm_create_vm(&vm, &o);
	ram = create_ram(&vm);
	for (i = 0; i < o.nr_vcpus; i++) {
		fill_params(&vcpus[i], i, &o);
		create_vcpu(&vm, &vcpus[i], i, ram);
	}
	return vmm_run(&vm, &o, 0);
}
