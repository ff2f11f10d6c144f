// SPDX-License-Identifier: GPL-2.0
/*
 * Loader of the issue-12 prototype (detail_proto.bpf.c): attach one configuration's
 * programs for this host's arch and wait for SIGINT/SIGTERM.
 * Usage: detail_proto slot|core|companion|cast
 * Prints "detail-proto: attached" when ready and, at the end, each vCPU thread's slot
 * (last class and key, how many exits got a key) and, with kernel.bpf_stats_enabled=1,
 * each program's run count and time.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "detail_proto.skel.h"

struct slot {
	__u64 pid_tgid, vcpu, class, detail, keyed;
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static int print_warn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, args);
}

static void autoload_only(struct detail_proto_bpf *skel, const char *const *names)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		bool on = false;

		for (const char *const *n = names; *n; n++)
			on |= !strcmp(bpf_program__name(prog), *n);
		bpf_program__set_autoload(prog, on);
	}
}

/* The programs of a configuration on an arch; NULL when it has none. */
static const char *const *programs(const char *arch, const char *cfg)
{
	static const char *const arm64[][8] = {
		{ "proto_vcpu_run", "proto_exit_slot_arm64", "proto_entry_novcpu" },
		{ "proto_vcpu_run", "proto_exit_core_arm64", "proto_entry_novcpu" },
		{ "proto_vcpu_run", "proto_exit_slot_arm64", "proto_entry_novcpu", "proto_hvc",
		  "proto_sys_reg", "proto_guest_fault", "proto_wfx" },
		{ "proto_vcpu_run", "proto_exit_cast_arm64", "proto_entry_novcpu" },
	};
	static const char *const riscv[][8] = {
		{ "proto_exit_slot_riscv", "proto_entry_vcpu" },
		{ "proto_exit_core_riscv", "proto_entry_vcpu" },
		{},
		{ "proto_exit_cast_riscv", "proto_entry_vcpu" },
	};
	static const char *const x86[][8] = {
		{ "proto_exit_slot_x86", "proto_entry_vcpu" },
		{ "proto_exit_core_x86", "proto_entry_vcpu" },
		{ "proto_exit_slot_x86", "proto_entry_vcpu", "proto_msr", "proto_cpuid", "proto_pio",
		  "proto_hypercall" },
		{},
	};
	static const char *const configs[] = { "slot", "core", "companion", "cast" };
	const char *const *progs = NULL;

	for (int i = 0; i < 4; i++) {
		if (strcmp(cfg, configs[i]))
			continue;
		if (!strcmp(arch, "aarch64"))
			progs = arm64[i];
		else if (!strcmp(arch, "riscv64"))
			progs = riscv[i];
		else if (!strcmp(arch, "x86_64"))
			progs = x86[i];
	}
	return progs && progs[0] ? progs : NULL;
}

static void print_slots(struct detail_proto_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.slots);
	struct slot s;

	for (__u32 i = 0; i < 16384; i++)
		if (!bpf_map_lookup_elem(fd, &i, &s) && s.pid_tgid && s.keyed)
			printf("detail-proto: tid %u class 0x%llx key 0x%llx keyed %llu\n",
			       (__u32)s.pid_tgid, (unsigned long long)s.class,
			       (unsigned long long)s.detail, (unsigned long long)s.keyed);
}

static void print_prog_stats(struct detail_proto_bpf *skel)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(prog) ||
		    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			continue;
		printf("detail-proto: prog %s run_cnt=%llu run_time_ns=%llu\n", bpf_program__name(prog),
		       (unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns);
	}
}

int main(int argc, char **argv)
{
	struct detail_proto_bpf *skel;
	const char *const *progs;
	struct utsname uts;
	int err;

	uname(&uts);
	progs = argc == 2 ? programs(uts.machine, argv[1]) : NULL;
	if (!progs) {
		fprintf(stderr, "usage: detail_proto slot|core|companion|cast (companion: not on riscv; cast: not on x86)\n");
		return 2;
	}
	libbpf_set_print(print_warn);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	skel = detail_proto_bpf__open();
	if (!skel) {
		fprintf(stderr, "failed to open BPF object: %s\n", strerror(errno));
		return 1;
	}
	autoload_only(skel, progs);
	err = detail_proto_bpf__load(skel);
	if (err) {
		fprintf(stderr, "failed to load BPF object: %s\n", strerror(-err));
		goto cleanup;
	}
	err = detail_proto_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "failed to attach BPF programs: %s\n", strerror(-err));
		goto cleanup;
	}
	printf("detail-proto: attached\n");
	fflush(stdout);
	while (!exiting)
		pause();
	print_slots(skel);
	print_prog_stats(skel);
cleanup:
	detail_proto_bpf__destroy(skel);
	return err ? 1 : 0;
}
