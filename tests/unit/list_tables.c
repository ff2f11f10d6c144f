// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-in for `kvmstat-bpf list --arch ARCH` until the CLI exists: prints the
 * same output through the same print_class_list(). Accepts the CLI's words:
 *   list_tables [list] --arch ARCH
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../arch/arch.h"
#include "cli/list.h"

int main(int argc, char **argv)
{
	const char *name = NULL;
	enum kvmstat_arch arch;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--arch") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "list") != 0)
			break;
	}
	if (i < argc || !name) {
		fprintf(stderr, "usage: %s [list] --arch x86|arm64|riscv\n", argv[0]);
		return 2;
	}
	arch = arch_from_name(name);
	if (arch == KVMSTAT_ARCH_UNKNOWN) {
		fprintf(stderr, "failed to parse arch %s: %s\n", name, strerror(EINVAL));
		return 1;
	}
	err = print_class_list(stdout, arch);
	if (!err && fflush(stdout))
		err = -errno;
	if (err) {
		fprintf(stderr, "failed to print class list: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
