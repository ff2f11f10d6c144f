// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-x86: a minimal static KVM VMM whose guests make a known number of
 * exits of each class, so kvmstat-bpf can be checked against exact counts.
 * Written for AMD SVM hosts (exit codes per asm/svm.h); command line and
 * output are those of vmm-arm64.c.
 *
 * Each vCPU runs the same tiny real-mode program that does, in order:
 *   A x `out` to a port                  -> io    0x7b,  KVM_EXIT_IO
 *   B x `cpuid`                          -> cpuid 0x72,  handled in KVM
 *   C x `rdmsr` of IA32_TSC              -> msr   0x7c,  handled in KVM
 *   D x `hlt`                            -> hlt   0x78,  KVM_EXIT_HLT (no in-kernel irqchip)
 *   E x store outside every memslot      -> npf   0x400, KVM_EXIT_MMIO
 *   one "done" `out` to its own port     -> io    0x7b,  ends the thread
 * The code page is mapped into the nested page table by the VM's first
 * instruction fetch (npf). vCPU 0 runs alone until its first exit to user
 * space, so that fault is always vCPU 0's: exactly one, on vCPU 0.
 *
 * At the end it prints, per vCPU, machine-readable "VMM ..." lines: the
 * expected count per exit class ((isa << 32) | exit code, SVM isa = 2) and
 * every u64 statistic KVM keeps for the vCPU (KVM_GET_STATS_FD), for
 * tests/vmtest/check.py.
 *
 * Build: gcc -static -O2 -pthread -o vmm-x86 vmm-x86.c
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
/*
 * Guest physical layout: RAM at 0 with the code at CODE_GPA and the
 * per-vCPU parameter blocks after it in the same page, so the VM touches
 * exactly one RAM page. The MMIO store goes to segment 0x2000 (MMIO_GPA).
 */
#define RAM_SIZE	0x10000ULL
#define CODE_GPA	0x1000ULL
#define PARAMS_GPA	0x1800ULL	/* struct guest_params[MAX_VCPUS] */
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
	uint16_t pad[3];
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
	"	.global guest_code_start, guest_code_end\n"
	"guest_code_start:\n"
	"	.code16\n"
	"	mov	$0x2000, %ax\n"		/* es:0 = MMIO_GPA */
	"	mov	%ax, %es\n"
	"	movl	0(%di), %esi\n"
	"1:	test	%esi, %esi\n"
	"	jz	2f\n"
	"	spin\n"
	"	mov	$0x500, %dx\n"		/* IO_PORT */
	"	out	%al, (%dx)\n"		/* io, KVM_EXIT_IO */
	"	dec	%esi\n"
	"	jmp	1b\n"
	"2:	movl	4(%di), %esi\n"
	"3:	test	%esi, %esi\n"
	"	jz	4f\n"
	"	spin\n"
	"	xor	%eax, %eax\n"
	"	xor	%ecx, %ecx\n"
	"	cpuid\n"			/* cpuid */
	"	dec	%esi\n"
	"	jmp	3b\n"
	"4:	movl	8(%di), %esi\n"
	"5:	test	%esi, %esi\n"
	"	jz	6f\n"
	"	spin\n"
	"	mov	$0x10, %ecx\n"		/* MSR_IA32_TSC */
	"	rdmsr\n"			/* msr */
	"	dec	%esi\n"
	"	jmp	5b\n"
	"6:	movl	12(%di), %esi\n"
	"7:	test	%esi, %esi\n"
	"	jz	8f\n"
	"	spin\n"
	"	hlt\n"				/* hlt, KVM_EXIT_HLT */
	"	dec	%esi\n"
	"	jmp	7b\n"
	"8:	movl	16(%di), %esi\n"
	"9:	test	%esi, %esi\n"
	"	jz	10f\n"
	"	spin\n"
	"	movb	%al, %es:0\n"		/* npf, KVM_EXIT_MMIO */
	"	dec	%esi\n"
	"	jmp	9b\n"
	"10:	mov	24(%di), %dx\n"
	"	out	%al, (%dx)\n"		/* done: the VMM stops here */
	"	jmp	10b\n"
	"	.code64\n"
	"guest_code_end:\n"
	"	.popsection\n");
extern const unsigned char guest_code_start[], guest_code_end[];

struct vcpu {
	struct vm *vm;
	int index;
	int fd;
	struct kvm_run *run;
	struct guest_params params;
	pid_t tid;
	uint64_t user_io, user_hlt, user_mmio;	/* exits to user space seen, by kind */
	uint64_t user_done;			/* `out` to this vCPU's done port */
	int failed;
};

struct options {
	const char *name;
	int nr_vcpus;
	uint64_t io[MAX_VCPUS], cpuid[MAX_VCPUS], msr[MAX_VCPUS], hlt[MAX_VCPUS];
	uint64_t mmio[MAX_VCPUS];
	uint64_t spin;
};

struct vm {
	int fd;
	size_t run_size;
	uint8_t *ram;
	/* vCPUs other than 0 wait for vCPU 0's first exit: see run_vcpu(). */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool first_fetch_done;
};

static void die(const char *what, const char *object)
{
	fprintf(stderr, "vmm-x86: failed to %s %s: %s\n", what, object, strerror(errno));
	exit(1);
}

static void usage_error(const char *msg)
{
	fprintf(stderr, "vmm-x86: %s\n"
		"usage: vmm-x86 [--name NAME] [--vcpus N] [--io A,B,..] [--cpuid A,B,..]\n"
		"               [--msr A,B,..] [--hlt A,B,..] [--mmio A,B,..] [--spin N]\n", msg);
	exit(2);
}

/* The guest keeps counts in 32-bit registers. */
static uint64_t parse_u32(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > UINT32_MAX) {
		fprintf(stderr, "vmm-x86: invalid %s: '%s'\n", what, s);
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
		values[i++] = parse_u32(tok, what);
	}
	free(copy);
}

/* Defaults differ per vCPU (and between kinds), so a per-vCPU mix-up shows. */
static void set_defaults(struct options *o)
{
	int i;

	o->name = "vmm-x86";
	o->nr_vcpus = 2;
	o->spin = 0;
	for (i = 0; i < MAX_VCPUS; i++) {
		o->io[i] = 1000 + 37 * i;
		o->cpuid[i] = 800 + 29 * i;
		o->msr[i] = 600 + 23 * i;
		o->hlt[i] = 100 + 11 * i;
		o->mmio[i] = 900 + 31 * i;
	}
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "io", required_argument, NULL, 'i' },
		{ "cpuid", required_argument, NULL, 'u' },
		{ "msr", required_argument, NULL, 'r' },
		{ "hlt", required_argument, NULL, 'h' },
		{ "mmio", required_argument, NULL, 'm' },
		{ "spin", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	set_defaults(o);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': o->name = optarg; break;
		case 'c': o->nr_vcpus = (int)parse_u32(optarg, "--vcpus"); break;
		case 'i': parse_list(optarg, o->io, "--io"); break;
		case 'u': parse_list(optarg, o->cpuid, "--cpuid"); break;
		case 'r': parse_list(optarg, o->msr, "--msr"); break;
		case 'h': parse_list(optarg, o->hlt, "--hlt"); break;
		case 'm': parse_list(optarg, o->mmio, "--mmio"); break;
		case 'p': o->spin = parse_u32(optarg, "--spin"); break;
		default: usage_error("unknown option");
		}
	}
	if (optind != argc)
		usage_error("unexpected argument");
	if (o->nr_vcpus < 1 || o->nr_vcpus > MAX_VCPUS)
		usage_error("--vcpus must be 1..8");
	if (strpbrk(o->name, " \t\n="))
		usage_error("--name must not contain blanks or '='");
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

/* Guest RAM, written once so every host page is present and writable. */
static void create_ram(struct vm *vm)
{
	struct kvm_userspace_memory_region region;

	vm->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->ram == MAP_FAILED)
		die("map", "guest RAM");
	memset(vm->ram, 0, RAM_SIZE);
	memcpy(vm->ram + CODE_GPA, guest_code_start, guest_code_end - guest_code_start);
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = RAM_SIZE,
		.userspace_addr = (uint64_t)vm->ram,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("set", "memory region");
}

static void fill_params(struct vcpu *v, const struct options *o)
{
	int i = v->index;

	v->params = (struct guest_params){
		.io = o->io[i], .cpuid = o->cpuid[i], .msr = o->msr[i], .hlt = o->hlt[i],
		.mmio = o->mmio[i], .spin = o->spin, .done_port = DONE_PORT + i,
	};
}

/* Real mode, every segment at base 0, so guest addresses are GPAs. */
static void set_real_mode(struct vcpu *v, uint64_t params_gpa)
{
	struct kvm_segment *segs[6];
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = CODE_GPA,
		.rdi = params_gpa,
		.rflags = 0x2,	/* bit 1 is reserved and set; IF = 0 */
	};
	int i;

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		die("get", "vCPU sregs");
	segs[0] = &sregs.cs, segs[1] = &sregs.ds, segs[2] = &sregs.es;
	segs[3] = &sregs.fs, segs[4] = &sregs.gs, segs[5] = &sregs.ss;
	for (i = 0; i < 6; i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		die("set", "vCPU sregs");
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		die("set", "vCPU regs");
}

static void create_vcpu(struct vm *vm, struct vcpu *v)
{
	uint64_t params_gpa = PARAMS_GPA + v->index * sizeof(struct guest_params);

	v->vm = vm;
	memcpy(vm->ram + params_gpa, &v->params, sizeof(v->params));
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, v->index);
	if (v->fd < 0)
		die("create", "vCPU");
	set_real_mode(v, params_gpa);
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		die("map", "kvm_run");
}

/* One KVM_EXIT_IO: counts it, returns 1 when the guest is done, -1 on a stray access. */
static int handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == IO_PORT) {
		v->user_io++;
		return 0;
	}
	if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == v->params.done_port) {
		v->user_done++;
		return 1;
	}
	fprintf(stderr, "vmm-x86: vcpu %d: unexpected %s of port 0x%x\n", v->index,
		run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port);
	return -1;
}

/* One exit to user space: returns 1 when the guest is done, -1 on failure. */
static int handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(v);
	case KVM_EXIT_HLT:	/* the guest resumes after its hlt */
		v->user_hlt++;
		return 0;
	case KVM_EXIT_MMIO:
		if (run->mmio.phys_addr != MMIO_GPA || !run->mmio.is_write) {
			fprintf(stderr, "vmm-x86: vcpu %d: unexpected MMIO %s at 0x%llx\n",
				v->index, run->mmio.is_write ? "write" : "read",
				(unsigned long long)run->mmio.phys_addr);
			return -1;
		}
		v->user_mmio++;
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, "vmm-x86: vcpu %d: entry failed, reason 0x%llx\n", v->index,
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return -1;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, "vmm-x86: vcpu %d: KVM internal error, suberror %u\n", v->index,
			run->internal.suberror);
		return -1;
	default:
		fprintf(stderr, "vmm-x86: vcpu %d: unexpected exit reason %u\n", v->index,
			run->exit_reason);
		return -1;
	}
}

/*
 * The VM's first instruction fetch maps the code page (npf, once per VM).
 * vCPU 0 runs alone until its first exit to user space, which comes after
 * that fetch, so the fault is always vCPU 0's.
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
			fprintf(stderr, "vmm-x86: failed to run vcpu %d: %s\n", v->index,
				strerror(errno));
			v->failed = 1;
			break;
		}
		done = handle_exit(v);
		if (done < 0)
			v->failed = 1;
		if (v->index == 0 && !v->vm->first_fetch_done)
			mark_first_fetch(v->vm);
	}
	/* Also on failure: never leave the other vCPUs waiting. */
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
	       getpid(), o->name, v->index, v->tid, (unsigned long long)cls,
	       (unsigned long long)count, name);
}

static void report_vcpu(const struct options *o, const struct vcpu *v)
{
	const struct guest_params *p = &v->params;

	print_expect(o, v, CLASS_IO, p->io + 1ULL, "io: out + done out");
	print_expect(o, v, CLASS_CPUID, p->cpuid, "cpuid");
	print_expect(o, v, CLASS_MSR, p->msr, "msr: rdmsr IA32_TSC");
	print_expect(o, v, CLASS_HLT, p->hlt, "hlt");
	print_expect(o, v, CLASS_NPF, p->mmio + (uint64_t)(v->index == 0),
		     "npf: MMIO stores + the VM's first instruction fetch, on vCPU 0");
	printf("VMM vm_pid=%d name=%s vcpu=%d tid=%d user io=%llu hlt=%llu mmio=%llu done=%llu\n",
	       getpid(), o->name, v->index, v->tid, (unsigned long long)v->user_io,
	       (unsigned long long)v->user_hlt, (unsigned long long)v->user_mmio,
	       (unsigned long long)v->user_done);
	printf("VMM vm_pid=%d name=%s vcpu=%d tid=%d kvmstat", getpid(), o->name, v->index,
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
	double t0;
	int i, failed;

	parse_options(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The tool under test names VMs by their process name; vCPU threads inherit it. */
	if (prctl(PR_SET_NAME, o.name) < 0)
		die("set", "process name");
	if (CODE_GPA + (size_t)(guest_code_end - guest_code_start) > PARAMS_GPA) {
		errno = E2BIG;
		die("fit", "guest code");
	}
	open_vm(&vm);
	create_ram(&vm);
	for (i = 0; i < o.nr_vcpus; i++) {
		vcpus[i].index = i;
		fill_params(&vcpus[i], &o);
		create_vcpu(&vm, &vcpus[i]);
	}

	printf("VMM vm_pid=%d name=%s start vcpus=%d spin=%llu\n", getpid(), o.name, o.nr_vcpus,
	       (unsigned long long)o.spin);
	t0 = now_s();
	failed = run_vcpus(vcpus, o.nr_vcpus);
	printf("VMM vm_pid=%d name=%s end seconds=%.3f\n", getpid(), o.name, now_s() - t0);
	for (i = 0; i < o.nr_vcpus; i++)
		report_vcpu(&o, &vcpus[i]);
	if (failed)
		fprintf(stderr, "vmm-x86: a vCPU failed, see above\n");
	return failed ? 1 : 0;
}
