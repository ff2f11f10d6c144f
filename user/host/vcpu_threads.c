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

/* The vcpu_id thread tid of process pid runs, if it is inside KVM_RUN now, else -1. */
static int thread_vcpu(const char *root, const char *pid, const char *tid, struct vcpu_scan_stats *st)
{
	char path[PATH_MAX], buf[256];
	ssize_t n;
	int fd, run_fd;

	snprintf(path, sizeof(path), "%s/%s/task/%s/syscall", root, pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	st->threads++;
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	run_fd = kvm_run_fd(buf);
	if (run_fd < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/fd/%d", root, pid, run_fd);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	st->in_kvm_run++;
	return vcpu_id_of_link(buf);
}

static int scan_process(const char *root, const char *pid, struct thread_vcpus *out,
			struct vcpu_scan_stats *st)
{
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
		vcpu = thread_vcpu(root, pid, e->d_name, st);
		if (vcpu >= 0)
			err = thread_vcpus_add(out, strtoul(pid, NULL, 10), strtoul(e->d_name, NULL, 10), vcpu);
	}
	closedir(d);
	return err;
}

int scan_vcpu_threads(const char *proc_root, struct thread_vcpus *out, struct vcpu_scan_stats *st)
{
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
			err = scan_process(proc_root, e->d_name, out, st);
	closedir(d);
	thread_vcpus_sort(out);
	return err;
}
