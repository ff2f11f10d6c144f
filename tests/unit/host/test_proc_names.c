// SPDX-License-Identifier: GPL-2.0
/* QEMU's command line: the guest name, the UUID; vCPU ids from thread names. */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
#include "host/proc_names.h"
#include "model/names.h"
#include "test.h"

TEST(qemu_guest_names)
{
	static const char a[] = "qemu-system-aarch64\0-name\0guest=web1,debug-threads=on\0-m\0001G";
	static const char b[] = "qemu\0-name\0db,,2,process=x";
	static const char c[] = "qemu\0-m\0001G";
	static const char d[] = "qemu\0-name";
	char buf[NAME_LEN];

	ASSERT_STR(qemu_guest_name(a, sizeof(a), buf, sizeof(buf)), "web1");
	ASSERT_STR(qemu_guest_name(b, sizeof(b), buf, sizeof(buf)), "db,2");
	ASSERT_TRUE(!qemu_guest_name(c, sizeof(c), buf, sizeof(buf)));
	ASSERT_TRUE(!qemu_guest_name(d, sizeof(d), buf, sizeof(buf)));
}

/* QEMU's -uuid, as qemu_uuid_parse() takes it (8-4-4-4-12 hex digits), lowercased. */
TEST(qemu_vm_uuids)
{
	static const char a[] = "qemu\0-name\0web\0-uuid\0001F2E3D4C-5B6A-4789-8abc-def012345678\0-m\0001G";
	static const char b[] = "qemu\0--uuid\0001f2e3d4c-5b6a-4789-8abc-def012345678";
	static const char short_[] = "qemu\0-uuid\0001f2e3d4c-5b6a-4789-8abc-def01234567";
	static const char nodash[] = "qemu\0-uuid\0001f2e3d4c05b6a-4789-8abc-def012345678";
	static const char nothex[] = "qemu\0-uuid\0001f2e3d4c-5b6a-4789-8abc-def01234567g";
	static const char last[] = "qemu\0-uuid";
	char buf[UUID_STR_LEN];

	ASSERT_STR(qemu_vm_uuid(a, sizeof(a), buf, sizeof(buf)), "1f2e3d4c-5b6a-4789-8abc-def012345678");
	ASSERT_STR(qemu_vm_uuid(b, sizeof(b), buf, sizeof(buf)), "1f2e3d4c-5b6a-4789-8abc-def012345678");
	ASSERT_TRUE(!qemu_vm_uuid(short_, sizeof(short_), buf, sizeof(buf)));
	ASSERT_TRUE(!qemu_vm_uuid(nodash, sizeof(nodash), buf, sizeof(buf)));
	ASSERT_TRUE(!qemu_vm_uuid(nothex, sizeof(nothex), buf, sizeof(buf)));
	ASSERT_TRUE(!qemu_vm_uuid(last, sizeof(last), buf, sizeof(buf)));
	ASSERT_STR(qemu_guest_name(a, sizeof(a), buf, sizeof(buf)), "web");
}

/* QEMU's own reading: options merged (the last guest= wins), ",," inside any value, no read
 * past the buffer; the last -uuid; thread names exactly "CPU %d/KVM". Cases the fuzzer found
 * (tests/fuzz/fuzz_names.c) or its oracle checks. */
TEST(qemu_command_lines_as_qemu_reads_them)
{
	static const char last[] = "qemu\0-name\0a\0-name\0process=p,guest=b\0";
	static const char escaped_key[] = "qemu\0-name\0process=a,,guest=b\0";
	static const char flag_first[] = "qemu\0-name\0debug-threads=on,guest=vm\0";
	static const char empty_last[] = "qemu\0-name\0a\0-name\0guest=\0";
	static const char two_uuids[] = "qemu\0-uuid\0001f2e3d4c-5b6a-4789-8abc-def012345678\0"
					"-uuid\0aaaaaaaa-5b6a-4789-8abc-def012345678\0";
	const char cut[] = { '-', 'n', 'a', 'm', 'e', 0, 'v', 'm' };	/* no NUL at the end */
	char buf[NAME_LEN];

	ASSERT_STR(qemu_guest_name(last, sizeof(last), buf, sizeof(buf)), "b");
	ASSERT_TRUE(!qemu_guest_name(escaped_key, sizeof(escaped_key), buf, sizeof(buf)));
	ASSERT_STR(qemu_guest_name(flag_first, sizeof(flag_first), buf, sizeof(buf)), "vm");
	ASSERT_TRUE(!qemu_guest_name(empty_last, sizeof(empty_last), buf, sizeof(buf)));
	ASSERT_STR(qemu_guest_name(cut, sizeof(cut), buf, sizeof(buf)), "vm");
	ASSERT_TRUE(!qemu_guest_name(cut, 3, buf, sizeof(buf)));
	ASSERT_STR(qemu_vm_uuid(two_uuids, sizeof(two_uuids), buf, sizeof(buf)),
		   "aaaaaaaa-5b6a-4789-8abc-def012345678");
	ASSERT_EQ(vcpu_index_of_thread_name("CPU 0/KVM"), 0);
	ASSERT_EQ(vcpu_index_of_thread_name("CPU 2147483647/KVM"), 2147483647);
	ASSERT_EQ(vcpu_index_of_thread_name("CPU 2147483648/KVM"), -1);
	ASSERT_EQ(vcpu_index_of_thread_name("CPU \t3/KVM"), -1);
	ASSERT_EQ(vcpu_index_of_thread_name("CPU +3/KVM"), -1);
	ASSERT_EQ(vcpu_index_of_thread_name("CPU 03/KVM"), -1);
	ASSERT_EQ(vcpu_index_of_thread_name("CPU 3/KVMX"), -1);
}

/* libvirt's machine scope in /proc/PID/cgroup, cgroup v2 and v1; anything else has none. */
TEST(libvirt_scopes)
{
	static const char v2[] = "0::/machine.slice/machine-qemu\\x2d1\\x2ddb.scope/libvirt/emulator\n";
	static const char v1[] = "12:pids:/\n"
				 "11:cpu,cpuacct:/machine.slice/machine-qemu\\x2d3\\x2dweb.scope/libvirt/vcpu0\n";
	static const char plain[] = "0::/system.slice/ssh.service\n";
	static const char no_suffix[] = "0::/machine.slice/machine-qemu\\x2d1\\x2ddb/libvirt\n";
	char buf[64], small[8];

	ASSERT_STR(libvirt_scope(v2, buf, sizeof(buf)), "machine-qemu\\x2d1\\x2ddb.scope");
	ASSERT_STR(libvirt_scope(v1, buf, sizeof(buf)), "machine-qemu\\x2d3\\x2dweb.scope");
	ASSERT_TRUE(!libvirt_scope(plain, buf, sizeof(buf)));
	ASSERT_TRUE(!libvirt_scope(no_suffix, buf, sizeof(buf)));
	ASSERT_TRUE(!libvirt_scope(v2, small, sizeof(small)));
	ASSERT_TRUE(!libvirt_scope("", buf, sizeof(buf)));
}

static bool keep_none(void *ctx, __u32 pid, __u32 tid)
{
	(void)ctx, (void)pid, (void)tid;
	return false;
}

static bool keep_vm(void *ctx, __u32 pid, __u32 tid)
{
	return pid == *(const __u32 *)ctx && !tid;
}

/* The cache forgets what the sweep is told not to keep; a forgotten name is read again. */
TEST(sweep_forgets_the_names_not_kept)
{
	__u32 pid = getpid(), tid = gettid(), ppid = getppid();
	char name[NAME_LEN];

	names_cache_free();
	if (!ASSERT_TRUE(proc_vm_name(NULL, pid) && proc_vm_name(NULL, ppid) &&
			 proc_thread_name(NULL, pid, tid)))
		return;
	snprintf(name, sizeof(name), "%s", proc_vm_name(NULL, pid));
	ASSERT_EQ(names_cache_size(), 3);
	names_cache_sweep(keep_vm, &pid);
	ASSERT_EQ(names_cache_size(), 1);
	ASSERT_STR(proc_vm_name(NULL, pid), name);	/* kept: no new entry */
	ASSERT_EQ(names_cache_size(), 1);
	ASSERT_TRUE(proc_thread_name(NULL, pid, tid) != NULL);	/* read again */
	ASSERT_EQ(names_cache_size(), 2);
	names_cache_sweep(keep_none, NULL);
	ASSERT_EQ(names_cache_size(), 0);
	ASSERT_STR(proc_vm_name(NULL, pid), name);
	names_cache_free();
}

TEST_MAIN(TEST_CASE(qemu_guest_names),
	  TEST_CASE(qemu_vm_uuids),
	  TEST_CASE(qemu_command_lines_as_qemu_reads_them),
	  TEST_CASE(libvirt_scopes),
	  TEST_CASE(sweep_forgets_the_names_not_kept))
