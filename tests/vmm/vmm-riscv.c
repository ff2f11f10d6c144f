// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-riscv: a minimal static KVM VMM whose guests make a known number of
 * exits of each class, so kvmstat-bpf can be checked against exact counts.
 * Command line and output are those of vmm-arm64.c.
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
 * vCPU i is created with KVM vcpu_id i, or the i-th of --vcpu-ids; the output
 * names vCPUs by that id (vcpu=). --vm-thread creates the VM from a thread
 * that then ends, as VMMs that run KVM_CREATE_VM off their main thread do
 * (KVM's kvm->userspace_pid is then that thread's id, not the process's).
 *
 * At the end it prints, per vCPU, machine-readable "VMM ..." lines: the
 * expected count per exit class (scause) and every u64 statistic KVM keeps for
 * the vCPU (KVM_GET_STATS_FD), for tests/vmtest/check.py.
 *
 * Build: riscv64-linux-gnu-gcc -static -O2 -pthread -o vmm-riscv vmm-riscv.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
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
#define RAM_GPA		0x80000000ULL
#define RAM_SIZE	0x10000ULL	/* code only: the guest never touches RAM data */
#define MMIO_GPA	0x10000000ULL	/* + 8 * vcpu: no memslot there, so accesses exit to us */
#define DONE_GPA	0x10001000ULL	/* + 8 * vcpu */

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
 * (0: none). It runs in VS-mode with sstatus.SIE = 0. `rdtime` does not trap
 * (KVM sets hcounteren.TM).
 */
__asm__(
	"	.pushsection .rodata.guest, \"a\"\n"
	"	.balign 8\n"
	"	.global guest_code_start, guest_code_end\n"
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
	"1:	beqz	s1, 2f\n"
	"	jal	9f\n"
	"	sd	s9, 0(s7)\n"		/* scause 23, KVM_EXIT_MMIO */
	"	addi	s1, s1, -1\n"
	"	j	1b\n"
	"2:	beqz	s2, 3f\n"
	"	jal	9f\n"
	"	ld	t1, 0(s7)\n"		/* scause 21, KVM_EXIT_MMIO */
	"	addi	s2, s2, -1\n"
	"	j	2b\n"
	"3:	beqz	s3, 4f\n"
	"	jal	9f\n"
	"	li	a7, 0x10\n"		/* SBI BASE extension */
	"	li	a6, 0\n"		/* sbi_get_spec_version */
	"	ecall\n"			/* scause 10 */
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
	"12:	wfi\n"				/* scause 22 (hstatus.VTW) */
	"	addi	s4, s4, -1\n"
	"	j	4b\n"
	"5:	beqz	s5, 6f\n"
	"	jal	9f\n"
	"	csrr	t1, cycle\n"		/* scause 22 (hcounteren.CY clear) */
	"	addi	s5, s5, -1\n"
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
extern const unsigned char guest_code_start[], guest_code_end[];

struct vcpu {
	struct vm *vm;
	int index;		/* position: its page, addresses, list options */
	int id;			/* KVM's vcpu_id (KVM_CREATE_VCPU), printed as vcpu= */
	int fd;
	struct kvm_run *run;
	pid_t tid;
	uint64_t store, load, ecall, wfi, csr;	/* exits to make of each kind */
	uint64_t wfi_ticks;		/* timer period before each wfi, 0: none */
	uint64_t user_store, user_load;	/* KVM_EXIT_MMIO seen at MMIO_GPA + 8 * index */
	uint64_t user_done;		/* ... at DONE_GPA + 8 * index */
	uint64_t user_csr, user_sbi;	/* KVM_EXIT_RISCV_CSR/SBI: not expected on 6.12 */
	int failed;
};

struct options {
	const char *name;
	int nr_vcpus;
	int vm_thread;		/* --vm-thread: KVM_CREATE_VM from a short-lived thread */
	uint64_t store[MAX_VCPUS], load[MAX_VCPUS], ecall[MAX_VCPUS], wfi[MAX_VCPUS];
	uint64_t csr[MAX_VCPUS];
	uint64_t ids[MAX_VCPUS];	/* KVM vcpu_id of each vCPU, default its index */
	uint64_t wfi_us;		/* timer period armed before each wfi, 0: none */
	uint64_t spin;
};

struct vm {
	int fd;
	size_t run_size;
	/* vCPUs other than 0 wait for vCPU 0's first exit: see run_vcpu(). */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool first_fetch_done;
};

static void die(const char *what, const char *object)
{
	fprintf(stderr, "vmm-riscv: failed to %s %s: %s\n", what, object, strerror(errno));
	exit(1);
}

static void usage_error(const char *msg)
{
	fprintf(stderr, "vmm-riscv: %s\n"
		"usage: vmm-riscv [--name NAME] [--vcpus N] [--store A,B,..] [--load A,B,..]\n"
		"                 [--ecall A,B,..] [--wfi A,B,..] [--wfi-us US] [--csr A,B,..]\n"
		"                 [--spin N] [--vcpu-ids A,B,..] [--vm-thread]\n", msg);
	exit(2);
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "vmm-riscv: invalid %s: '%s'\n", what, s);
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

	o->name = "vmm-riscv";
	o->nr_vcpus = 2;
	o->vm_thread = 0;
	o->spin = 0;
	o->wfi_us = 0;
	for (i = 0; i < MAX_VCPUS; i++) {
		o->store[i] = 1000 + 37 * i;
		o->load[i] = 900 + 31 * i;
		o->ecall[i] = 800 + 29 * i;
		o->wfi[i] = 100 + 11 * i;
		o->csr[i] = 600 + 23 * i;
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
		{ "store", required_argument, NULL, 's' },
		{ "load", required_argument, NULL, 'l' },
		{ "ecall", required_argument, NULL, 'e' },
		{ "wfi", required_argument, NULL, 'w' },
		{ "wfi-us", required_argument, NULL, 'u' },
		{ "csr", required_argument, NULL, 'r' },
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
		case 's': parse_list(optarg, o->store, "--store"); break;
		case 'l': parse_list(optarg, o->load, "--load"); break;
		case 'e': parse_list(optarg, o->ecall, "--ecall"); break;
		case 'w': parse_list(optarg, o->wfi, "--wfi"); break;
		case 'u': o->wfi_us = parse_u64(optarg, "--wfi-us"); break;
		case 'r': parse_list(optarg, o->csr, "--csr"); break;
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
	if (o->wfi_us > 1000000)
		usage_error("--wfi-us must be at most 1000000");
	if (strpbrk(o->name, " \t\n="))
		usage_error("--name must not contain blanks or '='");
	check_ids(o);
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
		fprintf(stderr, "vmm-riscv: no timebase-frequency in the device tree, "
			"assuming %llu Hz\n", (unsigned long long)freq);
	if (fd >= 0)
		close(fd);
	return freq;
}

#define CORE_REG(field) \
	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE | KVM_REG_RISCV_CORE_REG(field))
#define TIMER_REG(field) \
	(KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_TIMER | KVM_REG_RISCV_TIMER_REG(field))

static void set_reg(int fd, uint64_t id, uint64_t value, const char *name)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)&value };

	if (ioctl(fd, KVM_SET_ONE_REG, &reg) < 0)
		die("set register", name);
}

static void open_vm(struct vm *vm)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (kvm < 0)
		die("open", "/dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, NULL) != KVM_API_VERSION) {
		errno = EINVAL;
		die("check", "KVM API version");
	}
	vm->run_size = (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	vm->fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die("create", "VM");
}

static void *open_vm_thread(void *arg)
{
	open_vm(arg);
	return NULL;
}

/* KVM_CREATE_VM from the main thread or, with --vm-thread, a thread of its own. */
static void create_vm(struct vm *vm, const struct options *o)
{
	pthread_t t;

	if (!o->vm_thread) {
		open_vm(vm);
		return;
	}
	errno = pthread_create(&t, NULL, open_vm_thread, vm);
	if (errno)
		die("create", "VM thread");
	pthread_join(t, NULL);
}

/* Guest RAM: the code, written once so the host page is present and writable. */
static void create_ram(struct vm *vm)
{
	struct kvm_userspace_memory_region region;
	uint8_t *ram;

	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		die("map", "guest RAM");
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, guest_code_start, guest_code_end - guest_code_start);
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = RAM_GPA,
		.memory_size = RAM_SIZE,
		.userspace_addr = (uint64_t)ram,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("set", "memory region");
}

static void fill_counts(struct vcpu *v, const struct options *o, uint64_t wfi_ticks)
{
	int i = v->index;

	v->store = o->store[i];
	v->load = o->load[i];
	v->ecall = o->ecall[i];
	v->wfi = o->wfi[i];
	v->csr = o->csr[i];
	v->wfi_ticks = wfi_ticks;
}

static void create_vcpu(struct vm *vm, struct vcpu *v, const struct options *o)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };

	v->vm = vm;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, v->id);
	if (v->fd < 0)
		die("create", "vCPU");
	/* Only vCPU 0 starts powered on (SBI HSM); the others start STOPPED. */
	if (ioctl(v->fd, KVM_SET_MP_STATE, &runnable) < 0)
		die("make runnable", "vCPU");
	set_reg(v->fd, CORE_REG(regs.pc), RAM_GPA, "pc");
	set_reg(v->fd, CORE_REG(regs.a0), v->index, "a0");
	set_reg(v->fd, CORE_REG(regs.s1), v->store, "s1");
	set_reg(v->fd, CORE_REG(regs.s2), v->load, "s2");
	set_reg(v->fd, CORE_REG(regs.s3), v->ecall, "s3");
	set_reg(v->fd, CORE_REG(regs.s4), v->wfi, "s4");
	set_reg(v->fd, CORE_REG(regs.s5), v->csr, "s5");
	set_reg(v->fd, CORE_REG(regs.s6), o->spin, "s6");
	set_reg(v->fd, CORE_REG(regs.s7), MMIO_GPA + 8 * v->index, "s7");
	set_reg(v->fd, CORE_REG(regs.s8), DONE_GPA + 8 * v->index, "s8");
	set_reg(v->fd, CORE_REG(regs.s10), v->wfi_ticks, "s10");
	/* The VS timer pending from the start (see the top): wfi returns at once. */
	set_reg(v->fd, TIMER_REG(compare), 0, "timer compare");
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		die("map", "kvm_run");
}

/* One KVM_EXIT_MMIO: counts it, returns 1 when the guest is done, -1 on a stray access. */
static int handle_mmio(struct vcpu *v)
{
	uint64_t addr = v->run->mmio.phys_addr;

	if (addr == MMIO_GPA + 8 * v->index && v->run->mmio.is_write) {
		v->user_store++;
		return 0;
	}
	if (addr == MMIO_GPA + 8 * v->index) {
		memset(v->run->mmio.data, 0x5a, sizeof(v->run->mmio.data));
		v->user_load++;
		return 0;
	}
	if (addr == DONE_GPA + 8 * v->index && v->run->mmio.is_write) {
		v->user_done++;
		return 1;
	}
	fprintf(stderr, "vmm-riscv: vcpu %d: MMIO %s at a foreign address 0x%llx\n", v->index,
		v->run->mmio.is_write ? "write" : "read", (unsigned long long)addr);
	return -1;
}

/* One exit to user space: returns 1 when the guest is done, -1 on failure. */
static int handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

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
		fprintf(stderr, "vmm-riscv: vcpu %d: unexpected exit reason %u\n", v->index,
			run->exit_reason);
		return -1;
	}
}

/*
 * The VM's first instruction fetch maps the code page (scause 20, once per
 * VM). vCPU 0 runs alone until its first exit to user space, which comes
 * after that fetch, so the fault is always vCPU 0's.
 */
static void wait_first_fetch(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	while (!vm->first_fetch_done)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
}

static void mark_first_fetch(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->first_fetch_done = true;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

static void run_vcpu(struct vcpu *v)
{
	int done = 0;

	if (v->index != 0)
		wait_first_fetch(v->vm);
	while (!done) {
		if (ioctl(v->fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "vmm-riscv: failed to run vcpu %d: %s\n", v->index,
				strerror(errno));
			v->failed = 1;
			break;
		}
		done = handle_exit(v);
		if (done < 0)
			v->failed = 1;
		/* Also on failure: never leave the other vCPUs waiting. */
		if (v->index == 0 && !v->vm->first_fetch_done)
			mark_first_fetch(v->vm);
	}
	if (v->index == 0 && !v->vm->first_fetch_done)
		mark_first_fetch(v->vm);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;

	v->tid = (pid_t)syscall(SYS_gettid);
	run_vcpu(v);
	return NULL;
}

/* Reads the whole binary stats file of a vCPU (header, descriptors, data). */
static void *read_stats(int vcpu_fd, struct kvm_stats_header *hdr, size_t *size)
{
	int fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	if (fd < 0)
		die("get", "vCPU stats fd");
	while ((n = pread(fd, buf + len, cap - len, (off_t)len)) > 0) {
		len += (size_t)n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (n < 0)
		die("read", "vCPU stats");
	close(fd);
	if (len < sizeof(*hdr)) {
		errno = EIO;
		die("parse", "vCPU stats header");
	}
	memcpy(hdr, buf, sizeof(*hdr));
	*size = len;
	return buf;
}

/*
 * " exits=N name=N ..." for every single-value statistic, `exits` first, the
 * others in KVM's order (histograms are skipped).
 */
static void print_stats(int vcpu_fd)
{
	struct kvm_stats_header hdr;
	size_t size, desc_size, i;
	char *buf = read_stats(vcpu_fd, &hdr, &size);
	int pass;

	desc_size = sizeof(struct kvm_stats_desc) + hdr.name_size;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < hdr.num_desc; i++) {
			const struct kvm_stats_desc *d = (void *)(buf + hdr.desc_offset + i * desc_size);
			size_t at = hdr.data_offset + d->offset;
			uint64_t value;

			if (d->size != 1 || at + sizeof(value) > size)
				continue;
			if ((pass == 0) != !strcmp(d->name, "exits"))
				continue;
			memcpy(&value, buf + at, sizeof(value));
			printf(" %s=%llu", d->name, (unsigned long long)value);
		}
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
	print_expect(o, v, EXC_STORE_GUEST_PAGE_FAULT, v->store + 1,
		     "STORE_GUEST_PAGE_FAULT: MMIO stores + done store");
	print_expect(o, v, EXC_LOAD_GUEST_PAGE_FAULT, v->load,
		     "LOAD_GUEST_PAGE_FAULT: MMIO loads");
	print_expect(o, v, EXC_SUPERVISOR_SYSCALL, v->ecall + (v->wfi_ticks ? v->wfi : 0),
		     "SUPERVISOR_SYSCALL: sbi_get_spec_version + one sbi_set_timer per wfi"
		     " with --wfi-us");
	print_expect(o, v, EXC_VIRTUAL_INST_FAULT, v->wfi + v->csr,
		     "VIRTUAL_INST_FAULT: wfi + csrr cycle");
	print_expect(o, v, EXC_INST_GUEST_PAGE_FAULT, v->index == 0,
		     "INST_GUEST_PAGE_FAULT: the VM's first instruction fetch, on vCPU 0");
	/* mmio: the counted loads and stores; KVM's mmio_exit_user == mmio + done. */
	printf("VMM vm_pid=%d name=%s vcpu=%d tid=%d user mmio=%llu done=%llu load=%llu"
	       " csr=%llu sbi=%llu\n", getpid(), o->name, v->id, v->tid,
	       (unsigned long long)(v->user_store + v->user_load),
	       (unsigned long long)v->user_done, (unsigned long long)v->user_load,
	       (unsigned long long)v->user_csr, (unsigned long long)v->user_sbi);
	printf("VMM vm_pid=%d name=%s vcpu=%d tid=%d kvmstat", getpid(), o->name, v->id,
	       v->tid);
	print_stats(v->fd);
	printf("\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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
		failed |= vcpus[i].failed;
	}
	return failed;
}

int main(int argc, char **argv)
{
	static struct vm vm = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	struct vcpu vcpus[MAX_VCPUS] = { 0 };
	struct options o;
	uint64_t ticks = 0;
	double t0;
	int i, failed;

	parse_options(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The tool under test names VMs by their process name; vCPU threads inherit it. */
	if (prctl(PR_SET_NAME, o.name) < 0)
		die("set", "process name");
	if ((size_t)(guest_code_end - guest_code_start) > RAM_SIZE) {
		errno = E2BIG;
		die("fit", "guest code");
	}
	if (o.wfi_us)
		ticks = timebase_frequency() * o.wfi_us / 1000000;
	if (o.wfi_us && !ticks)
		ticks = 1;
	create_vm(&vm, &o);
	create_ram(&vm);
	for (i = 0; i < o.nr_vcpus; i++) {
		vcpus[i].index = i;
		vcpus[i].id = (int)o.ids[i];
		fill_counts(&vcpus[i], &o, ticks);
		create_vcpu(&vm, &vcpus[i], &o);
	}

	printf("VMM vm_pid=%d name=%s start vcpus=%d wfi_us=%llu wfi_ticks=%llu spin=%llu\n",
	       getpid(), o.name, o.nr_vcpus, (unsigned long long)o.wfi_us,
	       (unsigned long long)ticks, (unsigned long long)o.spin);
	t0 = now_s();
	failed = run_vcpus(vcpus, o.nr_vcpus);
	printf("VMM vm_pid=%d name=%s end seconds=%.3f\n", getpid(), o.name, now_s() - t0);
	for (i = 0; i < o.nr_vcpus; i++)
		report_vcpu(&o, &vcpus[i]);
	if (failed)
		fprintf(stderr, "vmm-riscv: a vCPU failed, see above\n");
	return failed ? 1 : 0;
}
