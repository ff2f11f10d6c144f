// SPDX-License-Identifier: GPL-2.0
/* Threads inside KVM_RUN and their vCPUs, from /proc: see vcpu_threads.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/kvm.h>
#include "host/vcpu_threads.h"

#define VCPU_LINK "anon_inode:kvm-vcpu:"

int kvm_run_fd(const char *line)
{
	unsigned long long fd, req;
	long nr;

	/* "NR ARG0 ARG1 ... SP PC"; "running" or "-1 SP PC" when not in a syscall */
	if (sscanf(line, "%ld 0x%llx 0x%llx", &nr, &fd, &req) != 3)
		return -1;
	return nr == SYS_ioctl && req == KVM_RUN && fd <= INT_MAX ? (int)fd : -1;
}

int vcpu_id_of_link(const char *target)
{
	const char *p = target + strlen(VCPU_LINK);
	char *end;
	long id;

	if (strncmp(target, VCPU_LINK, strlen(VCPU_LINK)) || !isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	id = strtol(p, &end, 10);
	return *end || errno || id > INT_MAX ? -1 : (int)id;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

#define THREAD_RUNNING	(-2)	/* on a CPU right now: its syscall file says "running" */
#define RETRY_ROUNDS	20	/* re-reads of running threads, 1 ms apart */

/*
 * The vcpu_id thread tid of process pid runs, if it is blocked inside KVM_RUN now; -1 if it is
 * not (or ended), THREAD_RUNNING if it is on a CPU (maybe inside KVM_RUN: ask again).
 */
static int thread_vcpu(const char *root, __u32 pid, __u32 tid, struct vcpu_scan_stats *st)
{
	char path[PATH_MAX], buf[256];
	ssize_t n;
	int fd, run_fd;

	snprintf(path, sizeof(path), "%s/%u/task/%u/syscall", root, pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	st->reads++;
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!strncmp(buf, "running", 7))
		return THREAD_RUNNING;
	run_fd = kvm_run_fd(buf);
	if (run_fd < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%u/fd/%d", root, pid, run_fd);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	st->in_kvm_run++;
	return vcpu_id_of_link(buf);
}

/* Threads to ask again, as (vm, tid) with the vcpu unused. */
static int note_running(struct thread_vcpus *running, __u32 pid, __u32 tid)
{
	return thread_vcpus_add(running, pid, tid, 0);
}

static int scan_process(const char *root, const char *pid, struct thread_vcpus *out,
			struct thread_vcpus *running, struct vcpu_scan_stats *st)
{
	__u32 vm = strtoul(pid, NULL, 10), tid;
	char path[PATH_MAX];
	struct dirent *e;
	int vcpu, err = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/task", root, pid);
	d = opendir(path);
	if (!d)
		return 0;	/* ended meanwhile */
	while (!err && (e = readdir(d))) {
		if (!all_digits(e->d_name))
			continue;
		tid = strtoul(e->d_name, NULL, 10);
		st->threads++;
		vcpu = thread_vcpu(root, vm, tid, st);
		if (vcpu == THREAD_RUNNING)
			err = note_running(running, vm, tid);
		else if (vcpu >= 0)
			err = thread_vcpus_add(out, vm, tid, vcpu);
	}
	closedir(d);
	return err;
}

/*
 * A thread on a CPU shows no syscall: a vCPU running guest code is inside KVM_RUN all the same,
 * and an idle one that never leaves it would stay unnamed. Ask again until it blocks, a
 * millisecond apart, all of them together: at most RETRY_ROUNDS ms however many there are.
 */
static int retry_running(const char *root, struct thread_vcpus *running, struct thread_vcpus *out,
			 struct vcpu_scan_stats *st)
{
	const struct timespec ms = { .tv_nsec = 1000000 };
	size_t i, left;
	int round, vcpu, err = 0;

	st->running = running->nr;
	for (round = 0; round < RETRY_ROUNDS && running->nr && !err; round++) {
		nanosleep(&ms, NULL);
		for (i = 0, left = 0; i < running->nr && !err; i++) {
			struct thread_vcpu *t = &running->v[i];

			vcpu = thread_vcpu(root, t->vm, t->tid, st);
			if (vcpu == THREAD_RUNNING)
				running->v[left++] = *t;
			else if (vcpu >= 0)
				err = thread_vcpus_add(out, t->vm, t->tid, vcpu);
		}
		running->nr = left;
	}
	st->still_running = running->nr;
	return err;
}

int scan_vcpu_threads(const char *proc_root, struct thread_vcpus *out, struct vcpu_scan_stats *st)
{
	struct thread_vcpus running = { 0 };
	struct vcpu_scan_stats unused;
	struct dirent *e;
	int err = 0;
	DIR *d = opendir(proc_root);

	if (!st)
		st = &unused;
	*st = (struct vcpu_scan_stats){ 0 };
	if (!d)
		return -errno;
	while (!err && (e = readdir(d)))
		if (all_digits(e->d_name))
			err = scan_process(proc_root, e->d_name, out, &running, st);
	closedir(d);
	err = err ?: retry_running(proc_root, &running, out, st);
	thread_vcpus_free(&running);
	thread_vcpus_sort(out);
	return err;
}
