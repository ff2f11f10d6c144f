// SPDX-License-Identifier: GPL-2.0
/*
 * --detail and --slow, before and right after load: the programs that take the
 * second-level keys of the host arch (DESIGN.md, "Second-level keys"), the bound,
 * the slow-exit thresholds, rate limit and ring buffer.
 */
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kvmstat.skel.h"
#include "loader/loader.h"

/* The companion tracepoints: each fires only for its class, while the exit is handled. */
static void select_key_programs(struct kvmstat_bpf *skel, enum kvmstat_arch arch)
{
	struct bpf_program *arm64[] = {
		skel->progs.key_hvc_arm64, skel->progs.key_sys_reg_arm64,
		skel->progs.key_wfx_arm64, skel->progs.key_guest_fault_arm64,
	};
	struct bpf_program *x86[] = {
		skel->progs.key_msr_x86, skel->progs.key_cpuid_x86,
		skel->progs.key_hypercall_x86, skel->progs.key_page_fault_x86,
	};
	size_t i;

	for (i = 0; i < sizeof(arm64) / sizeof(arm64[0]); i++)
		bpf_program__set_autoload(arm64[i], arch == KVMSTAT_ARCH_ARM64);
	for (i = 0; i < sizeof(x86) / sizeof(x86[0]); i++)
		bpf_program__set_autoload(x86[i], arch == KVMSTAT_ARCH_X86);
	/* RISC-V has no such tracepoint: its keys come with the trap and the vcpu */
}

void loader_setup_detail(struct kvmstat_bpf *skel, const struct loader_opts *o)
{
	__u32 max = o->detail_max ? o->detail_max : KVMSTAT_DETAIL_MAX_DEFAULT;

	skel->rodata->targ_detail = o->detail;
	skel->rodata->targ_detail_max = max;
	bpf_map__set_max_entries(skel->maps.detail_seen, o->detail ? max * KVMSTAT_DETAIL_CLASSES : 1);
	bpf_map__set_max_entries(skel->maps.detail_classes, o->detail ? KVMSTAT_DETAIL_CLASSES : 1);
	if (o->detail)
		select_key_programs(skel, o->arch);
	skel->rodata->targ_slow_ns = o->slow_ns;
	skel->rodata->targ_slow_per_class = o->slow_ns && o->nr_slow_classes;
	skel->rodata->targ_slow_rate = o->slow_rate ? o->slow_rate : KVMSTAT_SLOW_RATE_DEFAULT;
	skel->rodata->targ_slow_burst = o->slow_burst ? o->slow_burst : KVMSTAT_SLOW_BURST_DEFAULT;
	bpf_map__set_max_entries(skel->maps.slow_thresholds, o->nr_slow_classes ? o->nr_slow_classes : 1);
	if (o->slow_ns)
		bpf_map__set_max_entries(skel->maps.slow_records, KVMSTAT_SLOW_RB_DEFAULT);
}

int loader_fill_slow_thresholds(struct kvmstat_bpf *skel, const struct loader_opts *o)
{
	int fd = bpf_map__fd(skel->maps.slow_thresholds);
	__u32 i;

	for (i = 0; o->slow_ns && i < o->nr_slow_classes; i++)
		if (bpf_map_update_elem(fd, &o->slow_classes[i].class, &o->slow_classes[i].ns, BPF_ANY))
			return -errno;
	return 0;
}
