// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the /proc scan for threads inside KVM_RUN (user/host/vcpu_threads.c). */
#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/types.h>
#include "bpf/kvmstat.h"
#include "host/vcpu_threads.h"
#include "test.h"

/* A /proc/TID/syscall line: this arch's ioctl number, as the kernel prints it. */
static const char *ioctl_line(char *buf, size_t len, unsigned int fd, unsigned int req)
{
	snprintf(buf, len, "%d 0x%x 0x%x 0x0 0x0 0x0 0x0 0xffffd039d2b0 0xffff94869990\n",
		 SYS_ioctl, fd, req);
	return buf;
}

TEST(kvm_run_fd_from_a_syscall_line)
{
	char line[128];

	ASSERT_EQ(kvm_run_fd(ioctl_line(line, sizeof(line), 9, 0xae80)), 9);
	ASSERT_EQ(kvm_run_fd(ioctl_line(line, sizeof(line), 15, 0xae80)), 15);
	ASSERT_EQ(kvm_run_fd(ioctl_line(line, sizeof(line), 9, 0xae81)), -1);	/* another ioctl */
	snprintf(line, sizeof(line), "%d 0x9 0xae80 0x0", SYS_ioctl + 1);	/* another syscall */
	ASSERT_EQ(kvm_run_fd(line), -1);
	ASSERT_EQ(kvm_run_fd("running\n"), -1);
	ASSERT_EQ(kvm_run_fd("-1 0xffffc70e45a0 0xffff9480f1ec\n"), -1);	/* not in a syscall */
	ASSERT_EQ(kvm_run_fd(""), -1);
}

TEST(vcpu_id_from_an_fd_link)
{
	ASSERT_EQ(vcpu_id_of_link("anon_inode:kvm-vcpu:0"), 0);
	ASSERT_EQ(vcpu_id_of_link("anon_inode:kvm-vcpu:12"), 12);
	ASSERT_EQ(vcpu_id_of_link("anon_inode:kvm-vcpu-stats:1"), -1);
	ASSERT_EQ(vcpu_id_of_link("anon_inode:kvm-vcpu:"), -1);
	ASSERT_EQ(vcpu_id_of_link("anon_inode:kvm-vcpu:1x"), -1);
	ASSERT_EQ(vcpu_id_of_link("anon_inode:kvm-vm"), -1);
	ASSERT_EQ(vcpu_id_of_link("anon_inode:kvm-vcpu:99999999999"), -1);
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(dir))
		return;
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void link_fd(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (symlink(target, path))
		perror(path);
}

/*
 * A fake /proc: VMM 100 with a vCPU thread in KVM_RUN (fd 9: vcpu 3), one in another syscall and
 * one in an ioctl KVM_RUN on an fd that is no vCPU; VMM 200 with vcpu 0; a non-numeric entry.
 */
TEST(scan_names_threads_inside_kvm_run)
{
	char root[] = "/tmp/kvmstat-proc.XXXXXX", line[128], cmd[PATH_MAX];
	struct thread_vcpus t = { 0 };
	struct vcpu_scan_stats st;

	if (!ASSERT_TRUE(mkdtemp(root)))
		return;
	put(root, "100/task/100/syscall", "7 0x1 0x2 0x3 0x0 0x0 0x0 0x0 0x0\n");
	put(root, "100/task/101/syscall", ioctl_line(line, sizeof(line), 9, 0xae80));
	put(root, "100/task/102/syscall", ioctl_line(line, sizeof(line), 11, 0xae80));
	put(root, "100/fd/.keep", "");
	link_fd(root, "100/fd/9", "anon_inode:kvm-vcpu:3");
	link_fd(root, "100/fd/11", "anon_inode:[eventfd]");
	put(root, "200/task/201/syscall", ioctl_line(line, sizeof(line), 5, 0xae80));
	put(root, "200/fd/.keep", "");
	link_fd(root, "200/fd/5", "anon_inode:kvm-vcpu:0");
	put(root, "self/task/1/syscall", ioctl_line(line, sizeof(line), 5, 0xae80));
	ASSERT_EQ(scan_vcpu_threads(root, &t, &st), 0);
	ASSERT_EQ(st.threads, 4);
	ASSERT_EQ(st.in_kvm_run, 3);
	ASSERT_EQ(t.nr, 2);
	ASSERT_EQ(thread_vcpus_find(&t, 100, 101), 3);
	ASSERT_EQ(thread_vcpus_find(&t, 200, 201), 0);
	ASSERT_EQ(thread_vcpus_find(&t, 100, 102), KVMSTAT_VCPU_UNKNOWN);
	ASSERT_EQ(thread_vcpus_find(&t, 200, 101), KVMSTAT_VCPU_UNKNOWN);	/* another VM's tid */
	thread_vcpus_free(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ASSERT_EQ(system(cmd), 0);
	ASSERT_EQ(scan_vcpu_threads("/nonexistent-proc", &t, &st), -2);	/* -ENOENT */
}

struct later_write {
	char path[PATH_MAX];
	char text[128];
};

/* After 5 ms, the syscall file says what text says (written aside, then renamed: never half). */
static void *write_later(void *arg)
{
	const struct timespec five_ms = { .tv_nsec = 5000000 };
	struct later_write *w = arg;
	char tmp[PATH_MAX + 8];
	FILE *f;

	nanosleep(&five_ms, NULL);
	snprintf(tmp, sizeof(tmp), "%s.tmp", w->path);
	f = fopen(tmp, "w");
	if (f) {
		fputs(w->text, f);
		fclose(f);
		rename(tmp, w->path);
	}
	return NULL;
}

/*
 * A thread on a CPU shows "running", not its syscall: read again until it blocks. One blocks in
 * KVM_RUN 5 ms after the first read and is named; one stays on its CPU and is given up after the
 * retries (~20 ms), unnamed.
 */
TEST(scan_reads_running_threads_again)
{
	char root[] = "/tmp/kvmstat-proc.XXXXXX", cmd[PATH_MAX];
	struct thread_vcpus t = { 0 };
	struct later_write w;
	struct vcpu_scan_stats st;
	pthread_t th;

	if (!ASSERT_TRUE(mkdtemp(root)))
		return;
	put(root, "300/task/301/syscall", "running\n");
	put(root, "300/task/302/syscall", "running\n");
	put(root, "300/fd/.keep", "");
	link_fd(root, "300/fd/7", "anon_inode:kvm-vcpu:1");
	snprintf(w.path, sizeof(w.path), "%s/300/task/301/syscall", root);
	ioctl_line(w.text, sizeof(w.text), 7, 0xae80);
	if (!ASSERT_EQ(pthread_create(&th, NULL, write_later, &w), 0))
		return;
	ASSERT_EQ(scan_vcpu_threads(root, &t, &st), 0);
	pthread_join(th, NULL);
	ASSERT_EQ(st.threads, 2);
	ASSERT_EQ(st.running, 2);
	ASSERT_EQ(st.still_running, 1);
	ASSERT_EQ(thread_vcpus_find(&t, 300, 301), 1);
	ASSERT_EQ(thread_vcpus_find(&t, 300, 302), KVMSTAT_VCPU_UNKNOWN);
	thread_vcpus_free(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ASSERT_EQ(system(cmd), 0);
}

/* The real /proc: every thread's syscall file read, no failure (no KVM guest runs here). */
TEST(scan_of_this_machine)
{
	struct thread_vcpus t = { 0 };
	struct vcpu_scan_stats st;

	ASSERT_EQ(scan_vcpu_threads("/proc", &t, &st), 0);
	ASSERT_TRUE(st.threads > 0);
	printf("  /proc here: %u threads read, %u inside KVM_RUN\n", st.threads, st.in_kvm_run);
	thread_vcpus_free(&t);
}

TEST_MAIN(TEST_CASE(kvm_run_fd_from_a_syscall_line),
	  TEST_CASE(vcpu_id_from_an_fd_link),
	  TEST_CASE(scan_names_threads_inside_kvm_run),
	  TEST_CASE(scan_reads_running_threads_again),
	  TEST_CASE(scan_of_this_machine))
