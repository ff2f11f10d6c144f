// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu-stats: KVM's own per-vCPU statistics of a VMM we did not write (QEMU), for
 * the whole life of its VM. Ground truth for tests/vmtest/check_qemu.py.
 *
 * Usage: vcpu-stats PID NR_VCPUS
 *
 * QEMU keeps a KVM_GET_STATS_FD descriptor per vCPU ("anon_inode:kvm-vcpu-stats:N",
 * N the vcpu_id). We copy each with pidfd_getfd() as soon as all NR_VCPUS exist,
 * then wait for the process to end. A stats fd holds a reference on its VM, so
 * the vCPUs' counters survive the VMM and are read once it is gone: final, and
 * covering the VM from its creation. Only pread() is used: the copies share their
 * file offsets with QEMU's.
 *
 * Output: "KVMSTATS vm_pid=P held vcpus=N" once all are held, then after the
 * exit one "KVMSTATS vm_pid=P vcpu=N name=value ..." line per vCPU (every
 * single-value statistic). Exit status 1 with a message on any failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvm-stats.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define MAX_VCPUS	64
#define WAIT_SECONDS	120	/* for QEMU to create its vCPUs */
#define STATS_PREFIX	"anon_inode:kvm-vcpu-stats:"

static int stats_fds[MAX_VCPUS];	/* by vcpu_id; -1: not held */

static void die(const char *what, const char *object)
{
	fprintf(stderr, "vcpu-stats: failed to %s %s: %s\n", what, object, strerror(errno));
	exit(1);
}

/* Copies every vCPU stats fd of the process not held yet; returns how many are held. */
static int hold_new(int pidfd, int pid)
{
	char path[PATH_MAX], link[128];
	struct dirent *e;
	int held = 0, id, fd;
	ssize_t n;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		die("open", path);
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, STATS_PREFIX, strlen(STATS_PREFIX)))
			continue;
		id = atoi(link + strlen(STATS_PREFIX));
		if (id < 0 || id >= MAX_VCPUS || stats_fds[id] >= 0)
			continue;
		fd = syscall(SYS_pidfd_getfd, pidfd, atoi(e->d_name), 0);
		if (fd < 0)
			die("copy", link);
		stats_fds[id] = fd;
	}
	closedir(d);
	for (id = 0; id < MAX_VCPUS; id++)
		held += stats_fds[id] >= 0;
	return held;
}

/* 1 when the process has ended (its pidfd is readable), 0 after timeout_ms. */
static int wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int n;

	while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (n < 0)
		die("poll", "pidfd");
	return n > 0;
}

static void print_vcpu(int pid, int id)
{
	struct kvm_stats_header hdr;
	size_t size;
	char *buf = kvm_stats_read(stats_fds[id], &hdr, &size);

	if (!buf)
		die("read", "vCPU stats");
	printf("KVMSTATS vm_pid=%d vcpu=%d", pid, id);
	kvm_stats_print(stdout, buf, &hdr, size, NULL, false);
	printf("\n");
	free(buf);
}

int main(int argc, char **argv)
{
	int pid, nr, pidfd, held = 0, waited, id;
	char pidname[32];

	if (argc != 3 || (pid = atoi(argv[1])) <= 0 || (nr = atoi(argv[2])) <= 0 || nr > MAX_VCPUS) {
		fprintf(stderr, "usage: vcpu-stats PID NR_VCPUS (1..%d)\n", MAX_VCPUS);
		return 2;
	}
	snprintf(pidname, sizeof(pidname), "process %d", pid);
	memset(stats_fds, -1, sizeof(stats_fds));
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		die("open", pidname);
	for (waited = 0; (held = hold_new(pidfd, pid)) < nr; waited += 10) {
		if (waited >= WAIT_SECONDS * 1000 || wait_exit(pidfd, 10)) {
			fprintf(stderr, "vcpu-stats: %s has %d of %d vCPU stats fds (%s)\n", pidname, held, nr,
				waited >= WAIT_SECONDS * 1000 ? "timed out" : "it ended");
			return 1;
		}
	}
	printf("KVMSTATS vm_pid=%d held vcpus=%d\n", pid, held);
	fflush(stdout);
	wait_exit(pidfd, -1);
	for (id = 0; id < MAX_VCPUS; id++)
		if (stats_fds[id] >= 0)
			print_vcpu(pid, id);
	return 0;
}
