/* SPDX-License-Identifier: GPL-2.0 */
/* Whether a pid given by the user (-p) is a process that runs VMs, from /proc. */
#ifndef KVMSTAT_VMM_H
#define KVMSTAT_VMM_H

#include <stdbool.h>
#include <linux/types.h>

/* 0 if pid is a live process; -ESRCH if there is none; -EINVAL if pid is a thread of
 * process *tgid (a vCPU thread's id rather than its VMM's). */
int vmm_pid_check(__u32 pid, __u32 *tgid);
/* Does the process hold a KVM VM (an anon_inode:kvm-vm file)? Needs root. */
bool vmm_has_vm(__u32 pid);

#endif /* KVMSTAT_VMM_H */
