// SPDX-License-Identifier: GPL-2.0
/* The test VMMs' shared part: see vmm-common.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvm-stats.h"
#include "vmm-common.h"

/* --- errors ------------------------------------------------------------------ */

void vmm_die(const char *what, const char *object)
{
	fprintf(stderr, "%s: failed to %s %s: %s\n", vmm_arch.prog, what, object,
		strerror(errno));
	exit(1);
}

void vmm_usage_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n%s", vmm_arch.prog, msg, vmm_arch.usage);
	exit(2);
}

/* Formatted first: one write, so lines from vCPU threads and other VMMs do not mix. */
void vmm_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", vmm_arch.prog, msg);
}

/* --- command line ------------------------------------------------------------ */

/* getopt_long values; the arch's count options follow OPT_COUNT. */
enum {
	OPT_NAME = 256,
	OPT_UUID,
	OPT_VCPUS,
	OPT_WFI_US,
	OPT_SPIN,
	OPT_VCPU_IDS,
	OPT_VM_THREAD,
	OPT_TIDS,
	OPT_START_FILE,
	OPT_KEYS,
	OPT_COUNT,
};

static uint64_t parse_number(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > vmm_arch.max_value) {
		fprintf(stderr, "%s: invalid %s: '%s'\n", vmm_arch.prog, what, s);
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
		if (i == VMM_MAX_VCPUS)
			vmm_usage_error("too many values in a list");
		values[i++] = parse_number(tok, what);
	}
	free(copy);
}

static void set_defaults(struct vmm_options *o)
{
	int i, k;

	memset(o, 0, sizeof(*o));
	o->name = vmm_arch.prog;
	o->nr_vcpus = 2;
	o->wfi_us = vmm_arch.default_wfi_us;
	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		o->ids[i] = i;
		for (k = 0; k < vmm_arch.nr_counts; k++)
			o->counts[k][i] = vmm_arch.counts[k].base + vmm_arch.counts[k].step * i;
	}
}

/* The arch's options, in the order its usage text lists them. */
static void fill_longopts(struct option *opts)
{
	int n = 0, k;

	opts[n++] = (struct option){ "name", required_argument, NULL, OPT_NAME };
	opts[n++] = (struct option){ "uuid", required_argument, NULL, OPT_UUID };
	opts[n++] = (struct option){ "vcpus", required_argument, NULL, OPT_VCPUS };
	for (k = 0; k < vmm_arch.nr_counts; k++)
		opts[n++] = (struct option){ vmm_arch.counts[k].flag + 2, required_argument, NULL,
					     OPT_COUNT + k };
	if (vmm_arch.options & VMM_OPT_WFI_US)
		opts[n++] = (struct option){ "wfi-us", required_argument, NULL, OPT_WFI_US };
	opts[n++] = (struct option){ "spin", required_argument, NULL, OPT_SPIN };
	opts[n++] = (struct option){ "tids", required_argument, NULL, OPT_TIDS };
	opts[n++] = (struct option){ "start-file", required_argument, NULL, OPT_START_FILE };
	if (vmm_arch.options & VMM_OPT_VCPU_IDS)
		opts[n++] = (struct option){ "vcpu-ids", required_argument, NULL, OPT_VCPU_IDS };
	if (vmm_arch.options & VMM_OPT_VM_THREAD)
		opts[n++] = (struct option){ "vm-thread", no_argument, NULL, OPT_VM_THREAD };
	if (vmm_arch.options & VMM_OPT_KEYS)
		opts[n++] = (struct option){ "keys", no_argument, NULL, OPT_KEYS };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
}

static void apply_option(struct vmm_options *o, int opt, const char *arg)
{
	int count = opt - OPT_COUNT;

	switch (opt) {
	case OPT_NAME: o->name = arg; break;
	case OPT_UUID: o->uuid = arg; break;
	case OPT_VCPUS: o->nr_vcpus = (int)parse_number(arg, "--vcpus"); break;
	case OPT_WFI_US: o->wfi_us = parse_number(arg, "--wfi-us"); break;
	case OPT_SPIN: o->spin = parse_number(arg, "--spin"); break;
	case OPT_VCPU_IDS: parse_list(arg, o->ids, "--vcpu-ids"); break;
	case OPT_VM_THREAD: o->vm_thread = true; break;
	case OPT_TIDS: parse_list(arg, o->tids, "--tids"); break;
	case OPT_START_FILE: o->start_file = arg; break;
	case OPT_KEYS: o->keys = true; break;
	default:
		if (count < 0 || count >= vmm_arch.nr_counts)
			vmm_usage_error("unknown option");
		parse_list(arg, o->counts[count], vmm_arch.counts[count].flag);
	}
}

/* vCPU ids: distinct and small (arm64 derives MPIDR from them; riscv the hart id). */
static void check_ids(const struct vmm_options *o)
{
	int i, j;

	for (i = 0; i < o->nr_vcpus; i++) {
		if (o->ids[i] > 255)
			vmm_usage_error("--vcpu-ids must be 0..255");
		for (j = 0; j < i; j++)
			if (o->ids[i] == o->ids[j])
				vmm_usage_error("--vcpu-ids must be distinct");
	}
}

/* --tids: one per vCPU, distinct, each a possible pid (the kernel's PID_MAX_LIMIT). */
static void check_tids(const struct vmm_options *o)
{
	int i, j;

	if (!o->tids[0])
		return;
	for (i = 0; i < o->nr_vcpus; i++) {
		if (o->tids[i] < 2 || o->tids[i] > 4194304)
			vmm_usage_error("--tids: one per vCPU, each 2..4194304");
		for (j = 0; j < i; j++)
			if (o->tids[i] == o->tids[j])
				vmm_usage_error("--tids must be distinct");
	}
}

/* Arches without --wfi-us or --vcpu-ids keep defaults that pass these checks. */
static void check_options(const struct vmm_options *o)
{
	if (o->nr_vcpus < 1 || o->nr_vcpus > VMM_MAX_VCPUS)
		vmm_usage_error("--vcpus must be 1..8");
	/* arm64: CNTV_TVAL is a signed 32-bit count: keep the deadline well inside it. */
	if (o->wfi_us > 1000000)
		vmm_usage_error("--wfi-us must be at most 1000000");
	if (strpbrk(o->name, " \t\n="))
		vmm_usage_error("--name must not contain blanks or '='");
	if (o->uuid && (!*o->uuid || strpbrk(o->uuid, " \t\n=")))
		vmm_usage_error("-uuid must be one word");
	check_ids(o);
	check_tids(o);
}

static void parse_options(int argc, char **argv, struct vmm_options *o)
{
	struct option longopts[OPT_COUNT - OPT_NAME + VMM_MAX_COUNTS + 1];
	int opt;

	set_defaults(o);
	fill_longopts(longopts);
	/* _only: one dash too, as QEMU takes its options ("-uuid X": what /proc/PID/cmdline shows). */
	while ((opt = getopt_long_only(argc, argv, "", longopts, NULL)) != -1)
		apply_option(o, opt, optarg);
	if (optind != argc)
		vmm_usage_error("unexpected argument");
	check_options(o);
}

void vmm_setup(int argc, char **argv, struct vmm_options *o)
{
	parse_options(argc, argv, o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The tool under test names VMs by their process name; vCPU threads inherit it. */
	if (prctl(PR_SET_NAME, o->name) < 0)
		vmm_die("set", "process name");
}

void vmm_check_guest_fits(size_t room)
{
	if ((size_t)(guest_code_end - guest_code_start) > room) {
		errno = E2BIG;
		vmm_die("fit", "guest code");
	}
}

/* --- VM and vCPUs ------------------------------------------------------------- */

static void open_vm(struct vmm_vm *vm)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (kvm < 0)
		vmm_die("open", "/dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, NULL) != KVM_API_VERSION) {
		errno = EINVAL;
		vmm_die("check", "KVM API version");
	}
	vm->run_size = (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	vm->fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		vmm_die("create", "VM");
}

static void *open_vm_thread(void *vm)
{
	open_vm(vm);
	return NULL;
}

void vmm_create_vm(struct vmm_vm *vm, const struct vmm_options *o)
{
	pthread_t t;

	memset(vm, 0, sizeof(*vm));
	vm->name = o->name;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	if (!o->vm_thread) {
		open_vm(vm);
		return;
	}
	errno = pthread_create(&t, NULL, open_vm_thread, vm);
	if (errno)
		vmm_die("create", "VM thread");
	pthread_join(t, NULL);
}

void vmm_create_vcpu(struct vmm_vm *vm, struct vmm_vcpu *v, int index, int id)
{
	v->vm = vm;
	v->index = index;
	v->id = id;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		vmm_die("create", "vCPU");
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		vmm_die("map", "kvm_run");
	v->stats_fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	if (v->stats_fd < 0)
		vmm_die("get", "vCPU stats fd");
	vm->vcpus[vm->nr_vcpus++] = v;
}

void *vmm_map_ram(size_t size, int flags)
{
	void *ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags,
			 -1, 0);

	if (ram == MAP_FAILED)
		vmm_die("map", "guest RAM");
	return ram;
}

void vmm_set_ram_slot(const struct vmm_vm *vm, uint64_t gpa, void *ram, size_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)ram,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		vmm_die("set", "memory region");
}

void vmm_set_one_reg(int vcpu_fd, uint64_t id, uint64_t value, const char *name)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)&value };

	if (ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg) < 0)
		vmm_die("set register", name);
}

/* --- KVM's binary stats ---------------------------------------------------------- */

static char *read_stats(int fd, struct kvm_stats_header *hdr, size_t *size)
{
	char *buf = kvm_stats_read(fd, hdr, size);

	if (!buf)
		vmm_die("read", "vCPU stats");
	return buf;
}

off_t vmm_stat_offset(int stats_fd, const char *name)
{
	struct kvm_stats_header hdr;
	size_t size;
	char *buf = read_stats(stats_fd, &hdr, &size);
	long at = kvm_stats_offset(buf, &hdr, name);

	free(buf);
	if (at < 0) {
		errno = ENOENT;
		vmm_die("find", name);
	}
	return at;
}

/* The arch's first_stat first, then the others in KVM's order. */
static void print_stats(int stats_fd)
{
	struct kvm_stats_header hdr;
	size_t size;
	char *buf = read_stats(stats_fd, &hdr, &size);

	if (vmm_arch.first_stat)
		kvm_stats_print(stdout, buf, &hdr, size, vmm_arch.first_stat, true);
	kvm_stats_print(stdout, buf, &hdr, size, vmm_arch.first_stat, false);
	free(buf);
}

/* --- output lines ---------------------------------------------------------------- */

void vmm_print_vcpu_line(const struct vmm_vcpu *v, const char *fmt, ...)
{
	va_list ap;

	printf("VMM vm_pid=%d name=%s vcpu=%d tid=%d ", getpid(), v->vm->name, v->id, v->tid);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void vmm_print_expect(const struct vmm_vcpu *v, uint64_t cls, uint64_t count, const char *what)
{
	vmm_print_vcpu_line(v, "expect class=0x%llx count=%llu # %s\n", (unsigned long long)cls,
			    (unsigned long long)count, what);
}

void vmm_print_key(const struct vmm_vcpu *v, uint64_t cls, uint64_t key, uint64_t count,
		   const char *what)
{
	vmm_print_vcpu_line(v, "expect_key class=0x%llx key=0x%llx count=%llu # %s\n",
			    (unsigned long long)cls, (unsigned long long)key,
			    (unsigned long long)count, what);
}

static void report_vcpu(struct vmm_vcpu *v)
{
	vmm_arch.report_vcpu(v);
	vmm_print_vcpu_line(v, "kvmstat");
	print_stats(v->stats_fd);
	printf("\n");
}

static void print_start(const struct vmm_options *o, uint64_t wfi_ticks)
{
	printf("VMM vm_pid=%d name=%s start vcpus=%d", getpid(), o->name, o->nr_vcpus);
	if (o->uuid)
		printf(" uuid=%s", o->uuid);
	if (vmm_arch.options & VMM_OPT_WFI_US)
		printf(" wfi_us=%llu wfi_ticks=%llu", (unsigned long long)o->wfi_us,
		       (unsigned long long)wfi_ticks);
	printf(" spin=%llu\n", (unsigned long long)o->spin);
}

/* --- vCPU threads ----------------------------------------------------------------- */

static void wait_for_vcpu0(struct vmm_vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	while (!vm->vcpu0_exited)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
}

/* Only vCPU 0's thread writes vcpu0_exited, so it may read it unlocked. */
static void release_other_vcpus(struct vmm_vcpu *v)
{
	struct vmm_vm *vm = v->vm;

	if (!vmm_arch.vcpu0_runs_first || v->index != 0 || vm->vcpu0_exited)
		return;
	pthread_mutex_lock(&vm->lock);
	vm->vcpu0_exited = true;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

static void wait_for_start(struct vmm_vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	while (!vm->started)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
}

static void wait_for_start_file(const struct vmm_options *o)
{
	while (o->start_file && access(o->start_file, F_OK))
		usleep(1000);
}

/* After every vCPU thread exists: they may run their guests. */
static void start_guests(struct vmm_vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->started = true;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

static void run_vcpu(struct vmm_vcpu *v)
{
	int done = 0;

	wait_for_start(v->vm);
	if (vmm_arch.vcpu0_runs_first && v->index != 0)
		wait_for_vcpu0(v->vm);
	while (!done) {
		if (ioctl(v->fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vmm_error("failed to run vcpu %d: %s", v->index, strerror(errno));
			v->failed = 1;
			break;
		}
		done = vmm_arch.handle_exit(v);
		if (done < 0)
			v->failed = 1;
		release_other_vcpus(v);
	}
	/* Also on failure: never leave the other vCPUs waiting. */
	release_other_vcpus(v);
}

static void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *v = arg;

	v->tid = (pid_t)syscall(SYS_gettid);
	if (v->want_tid) {
		v->tid_ok = v->tid == v->want_tid;
		sem_post(&v->tid_checked);
		if (!v->tid_ok)
			return NULL;	/* never ran the vCPU: created again */
	}
	run_vcpu(v);
	return NULL;
}

/* --- vCPU threads with chosen tids --------------------------------------------- */

#define TIDS_LOCK	"/tmp/vmm-tids.lock"
#define TID_TRIES	200
#define TID_RETRY_US	10000	/* a short-lived process on the tid (a shell's sleep) ends */

#define NS_LAST_PID	"/proc/sys/kernel/ns_last_pid"

/* The next pid the kernel hands out in this pid namespace is tid (if free). */
static void set_next_pid(pid_t tid)
{
	FILE *f = fopen(NS_LAST_PID, "w");

	if (!f || fprintf(f, "%d", tid - 1) < 0 || fclose(f))
		vmm_die("write", NS_LAST_PID);
}

static pid_t last_pid(void)
{
	FILE *f = fopen(NS_LAST_PID, "r");
	int pid = 0;

	if (!f || fscanf(f, "%d", &pid) != 1)
		vmm_die("read", NS_LAST_PID);
	fclose(f);
	return pid;
}

/* A thread for v with tid v->want_tid; another fork may take it first: then again. */
static void create_with_tid(pthread_t *t, struct vmm_vcpu *v)
{
	int try;

	sem_init(&v->tid_checked, 0, 0);
	for (try = 0; try < TID_TRIES; try++) {
		set_next_pid(v->want_tid);
		errno = pthread_create(t, NULL, vcpu_thread, v);
		if (errno)
			vmm_die("create", "vCPU thread");
		sem_wait(&v->tid_checked);
		if (v->tid_ok)
			return;
		pthread_join(*t, NULL);
		usleep(TID_RETRY_US);
	}
	vmm_error("vcpu %d: got tid %d, not %d, %d times in %d ms (is it in use?)", v->index, v->tid,
		  v->want_tid, TID_TRIES, TID_TRIES * TID_RETRY_US / 1000);
	exit(1);
}

/* Other VMMs setting their tids at the same time wait: ns_last_pid is one for all. */
static int lock_tids(void)
{
	int fd = open(TIDS_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || flock(fd, LOCK_EX))
		vmm_die("lock", TIDS_LOCK);
	return fd;
}

static int vcpu_failed(struct vmm_vcpu *v)
{
	if (v->failed)
		return 1;
	return vmm_arch.check_user_exits && vmm_arch.check_user_exits(v);
}

/*
 * With --tids, the pids forked after this VMM's threads continue from where they
 * were before (a long-lived process must not sit on a tid another VMM asks for).
 */
static void create_vcpu_threads(struct vmm_vm *vm, const struct vmm_options *o,
				pthread_t *threads)
{
	int i, lock = o->tids[0] ? lock_tids() : -1;
	pid_t before = lock >= 0 ? last_pid() : 0;

	for (i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i]->want_tid = (pid_t)o->tids[i];
		if (o->tids[i]) {
			create_with_tid(&threads[i], vm->vcpus[i]);
			continue;
		}
		errno = pthread_create(&threads[i], NULL, vcpu_thread, vm->vcpus[i]);
		if (errno)
			vmm_die("create", "vCPU thread");
	}
	if (lock >= 0) {
		set_next_pid(before + 1);
		close(lock);	/* releases the flock */
	}
	/* the vCPU threads exist: guest.sh may start the next VMM */
	printf("VMM vm_pid=%d name=%s running\n", getpid(), vm->name);
}

static int join_vcpu_threads(struct vmm_vm *vm, pthread_t *threads)
{
	int i, failed = 0;

	for (i = 0; i < vm->nr_vcpus; i++) {
		pthread_join(threads[i], NULL);
		failed |= vcpu_failed(vm->vcpus[i]);
	}
	return failed;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int vmm_run(struct vmm_vm *vm, const struct vmm_options *o, uint64_t wfi_ticks)
{
	pthread_t threads[VMM_MAX_VCPUS];
	double t0;
	int i, failed;

	print_start(o, wfi_ticks);
	create_vcpu_threads(vm, o, threads);
	wait_for_start_file(o);
	t0 = now_s();	/* before a woken vCPU thread can preempt this one */
	start_guests(vm);
	failed = join_vcpu_threads(vm, threads);
	printf("VMM vm_pid=%d name=%s end seconds=%.3f\n", getpid(), o->name, now_s() - t0);
	for (i = 0; i < vm->nr_vcpus; i++)
		report_vcpu(vm->vcpus[i]);
	if (failed)
		vmm_error("a vCPU failed, see above");
	return failed ? 1 : 0;
}
