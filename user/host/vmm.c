// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "host/vmm.h"

int vmm_pid_check(__u32 pid, __u32 *tgid)
{
	char path[64], line[128];
	unsigned int v;
	FILE *f;
	int err = -ESRCH;

	/* /proc/TID exists for threads too (unlisted): its Tgid tells them apart. */
	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -ESRCH;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %u", &v) == 1) {
			*tgid = v;
			err = v == pid ? 0 : -EINVAL;
			break;
		}
	}
	fclose(f);
	return err;
}

bool vmm_has_vm(__u32 pid)
{
	char path[320], link[64];
	struct dirent *d;
	bool found = false;
	ssize_t n;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/%u/fd/%s", pid, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		found = n > 0 && (link[n] = '\0', !strcmp(link, "anon_inode:kvm-vm"));
	}
	closedir(dir);
	return found;
}
