// SPDX-License-Identifier: GPL-2.0
/*
 * bench floor: attach empty programs at kvmstat-bpf's attach points and wait for
 * SIGINT/SIGTERM. Usage: floor [--classic] [--no-fentry] [--clock] [--straightforward]
 * --straightforward attaches the calibration's straightforward aggregator instead (floor.bpf.c).
 * Prints "floor: attached" when ready; with kernel.bpf_stats_enabled=1 it prints each
 * program's run count and average run time when it ends.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"

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

static void print_prog_stats(struct floor_bpf *skel)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(prog) ||
		    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			continue;
		printf("floor: prog %s run_cnt=%llu run_time_ns=%llu\n", bpf_program__name(prog),
		       (unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns);
	}
}

int main(int argc, char **argv)
{
	bool classic = false, fentry = true, clock = false, straw = false;
	struct utsname uts;
	struct floor_bpf *skel;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--classic"))
			classic = true;
		else if (!strcmp(argv[i], "--no-fentry"))
			fentry = false;
		else if (!strcmp(argv[i], "--clock"))
			clock = true;
		else if (!strcmp(argv[i], "--straightforward"))
			straw = true;
		else {
			fprintf(stderr, "floor: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	libbpf_set_print(print_warn);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "failed to open BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->with_clock = clock;
	uname(&uts);
	bpf_program__set_autoload(skel->progs.floor_exit_btf, !classic && !straw);
	bpf_program__set_autoload(skel->progs.floor_entry_btf, !classic && !straw);
	bpf_program__set_autoload(skel->progs.floor_userspace_exit_btf, !classic && !straw);
	bpf_program__set_autoload(skel->progs.floor_exit_tp, classic && !straw);
	bpf_program__set_autoload(skel->progs.floor_entry_tp, classic && !straw);
	bpf_program__set_autoload(skel->progs.floor_userspace_exit_tp, classic && !straw);
	bpf_program__set_autoload(skel->progs.floor_vcpu_run, fentry && !straw);
	bpf_program__set_autoload(skel->progs.straw_exit_arm64, straw && !strcmp(uts.machine, "aarch64"));
	bpf_program__set_autoload(skel->progs.straw_exit_riscv, straw && !strcmp(uts.machine, "riscv64"));
	bpf_program__set_autoload(skel->progs.straw_entry, straw);
	bpf_program__set_autoload(skel->progs.test_floor, false);	/* native-bench.c's */
	bpf_program__set_autoload(skel->progs.test_floor_clock, false);
	err = floor_bpf__load(skel);
	if (err) {
		fprintf(stderr, "failed to load BPF object: %s\n", strerror(-err));
		goto cleanup;
	}
	err = floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "failed to attach BPF programs: %s\n", strerror(-err));
		goto cleanup;
	}
	printf("floor: attached\n");
	fflush(stdout);
	while (!exiting)
		pause();
	print_prog_stats(skel);
cleanup:
	floor_bpf__destroy(skel);
	return err ? 1 : 0;
}
