// SPDX-License-Identifier: GPL-2.0
/*
 * deny RULE[,RULE...] CMD [ARG...]: runs CMD with a seccomp filter under which
 * the kernel refuses some of its system calls with EPERM, as a kernel that
 * will not load or attach a program would. A RULE is `bpf:N` (the bpf()
 * command N, e.g. 5 BPF_PROG_LOAD, 17 BPF_RAW_TRACEPOINT_OPEN, 28
 * BPF_LINK_CREATE) or `perf_event_open`. Everything else is allowed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define MAX_RULES 8
#define DENY BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int usage(void)
{
	fprintf(stderr, "usage: deny bpf:N|perf_event_open[,...] CMD [ARG...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sock_filter f[4 + 4 * MAX_RULES];
	struct sock_fprog prog = { .filter = f };
	char *rules, *rule, *save;
	unsigned int n = 0;

	if (argc < 3)
		return usage();
	/* The syscall numbers below are the native arch's. */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)ALLOW;
	rules = strdup(argv[1]);
	for (rule = strtok_r(rules, ",", &save); rule; rule = strtok_r(NULL, ",", &save)) {
		if (n + 5 > sizeof(f) / sizeof(f[0]))
			return usage();
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		if (!strcmp(rule, "perf_event_open")) {
			f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_perf_event_open, 0, 1);
			f[n++] = (struct sock_filter)DENY;
		} else if (!strncmp(rule, "bpf:", 4)) {
			f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 3);
			f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
			f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, atoi(rule + 4), 0, 1);
			f[n++] = (struct sock_filter)DENY;
		} else {
			return usage();
		}
	}
	f[n++] = (struct sock_filter)ALLOW;
	prog.len = n;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("deny: failed to install seccomp filter");
		return 1;
	}
	execvp(argv[2], argv + 2);
	perror("deny: failed to run command");
	return 127;
}
