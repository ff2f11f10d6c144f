// SPDX-License-Identifier: GPL-2.0
/* Host checks and the BPF object's lifecycle. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "arch/arch.h"
#include "kvmstat.skel.h"
#include "loader/loader.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"

static bool path_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

static bool has_cap(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1U << (cap % 32));
}

static int check_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data)) {
		fprintf(stderr, "kvmstat-bpf: failed to read capabilities: %s\n", strerror(errno));
		return -errno;
	}
	if (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	fprintf(stderr, "kvmstat-bpf: permission denied: run as root, or with CAP_BPF and CAP_PERFMON "
		"(missing:%s%s)\n", has_cap(data, CAP_BPF) ? "" : " CAP_BPF",
		has_cap(data, CAP_PERFMON) ? "" : " CAP_PERFMON");
	return -EPERM;
}

/* BTF type id of a KVM tracepoint/function in vmlinux or the kvm module's BTF, or 0. */
static bool kernel_has_btf_name(const char *name, int kind)
{
	struct btf *vmlinux = btf__load_vmlinux_btf(), *mod = NULL;
	bool found = false;

	if (libbpf_get_error(vmlinux))
		return false;
	found = btf__find_by_name_kind(vmlinux, name, kind) > 0;
	if (!found && path_exists("/sys/kernel/btf/kvm")) {
		mod = btf__load_module_btf("kvm", vmlinux);
		found = !libbpf_get_error(mod) && btf__find_by_name_kind(mod, name, kind) > 0;
		if (!libbpf_get_error(mod))
			btf__free(mod);
	}
	btf__free(vmlinux);
	return found;
}

static int report_no_kvm_tracepoints(void)
{
	if (path_exists("/sys/module/kvm"))
		fprintf(stderr, "kvmstat-bpf: no KVM tracepoints (kvm_exit): kvm is loaded but has none "
			"(kernel without CONFIG_TRACEPOINTS?)\n");
	else
		fprintf(stderr, "kvmstat-bpf: no KVM tracepoints (kvm_exit): the kvm module is not loaded "
			"(modprobe kvm-intel, kvm-amd or kvm)\n");
	return -ENOENT;
}

/* Classic tracepoints need tracefs for their ids: mount it if nobody did. */
static int ensure_tracefs(void)
{
	if (path_exists(TRACEFS "/events") || path_exists(DEBUGFS_TRACING "/events"))
		return 0;
	if (!mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return 0;
	fprintf(stderr, "kvmstat-bpf: tracefs is not mounted at " TRACEFS " and mounting it failed: %s\n",
		strerror(errno));
	return -ENOENT;
}

static bool needs_classic_exit(const struct loader_opts *o)
{
	return o->classic || o->arch == KVMSTAT_ARCH_X86;	/* x86 reason only in the record */
}

int loader_check_host(const struct loader_opts *o)
{
	int err;

	if (o->arch == KVMSTAT_ARCH_UNKNOWN) {
		fprintf(stderr, "kvmstat-bpf: unsupported host arch: need x86_64, arm64 or riscv64\n");
		return -ENOTSUP;
	}
	err = check_privileges();
	if (err)
		return err;
	if (!path_exists("/sys/kernel/btf/vmlinux")) {
		fprintf(stderr, "kvmstat-bpf: no kernel BTF at /sys/kernel/btf/vmlinux "
			"(needs a kernel built with CONFIG_DEBUG_INFO_BTF=y)\n");
		return -ENOENT;
	}
	if (!kernel_has_btf_name("btf_trace_kvm_exit", BTF_KIND_TYPEDEF))
		return report_no_kvm_tracepoints();
	if (needs_classic_exit(o)) {
		err = ensure_tracefs();
		if (err)
			return err;
		if (!path_exists(TRACEFS "/events/kvm/kvm_exit") &&
		    !path_exists(DEBUGFS_TRACING "/events/kvm/kvm_exit"))
			return report_no_kvm_tracepoints();
	}
	return 0;
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, args);
}

/* Without -v libbpf says nothing while loading: the loader names what failed in one line. */
static int print_nothing(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

static int print_libbpf_verbose(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	return vfprintf(stderr, fmt, args);
}

void loader_size_stats(struct kvmstat_bpf *skel, const struct loader_opts *o)
{
	skel->rodata->targ_max_keys = o->max_keys;
	bpf_map__set_max_entries(skel->maps.stats, o->max_keys);
	bpf_map__set_max_entries(skel->maps.stats_keys, o->max_keys);
	bpf_map__set_max_entries(skel->maps.stats_index, o->max_keys);
	bpf_map__set_max_entries(skel->maps.free_slots, o->max_keys);
	bpf_map__set_value_size(skel->maps.stats, kvmstat_value_size(__builtin_popcount(o->spans)));
}

/* A vcpu at kvm_entry: x86 and RISC-V tp_btf (arm64's passes none, classic records none). */
static bool vcpu_at_entry(const struct loader_opts *o)
{
	return o->arch != KVMSTAT_ARCH_ARM64 && !o->classic;
}

/* Which programs run on this host; everything else stays unloaded. */
void loader_select_programs(struct kvmstat_bpf *skel, const struct loader_opts *o,
			    const struct vcpu_features *f)
{
	struct bpf_program *prog;
	bool vcpu_arg = o->vcpu_source != VCPU_SOURCE_THREAD && vcpu_at_entry(o);

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	if (needs_classic_exit(o))
		prog = f->ksym ? skel->progs.kvm_exit_tp_running : skel->progs.kvm_exit_tp;
	else if (o->arch == KVMSTAT_ARCH_ARM64)
		prog = f->ksym ? skel->progs.kvm_exit_btf_arm64_running : skel->progs.kvm_exit_btf_arm64;
	else
		prog = skel->progs.kvm_exit_btf_riscv;
	bpf_program__set_autoload(prog, true);
	if (o->classic) {
		bpf_program__set_autoload(skel->progs.kvm_entry_tp, true);
		bpf_program__set_autoload(skel->progs.kvm_userspace_exit_tp, true);
	} else {
		bpf_program__set_autoload(vcpu_arg ? skel->progs.kvm_entry_btf
						   : skel->progs.kvm_entry_btf_novcpu, true);
		bpf_program__set_autoload(skel->progs.kvm_userspace_exit_btf, true);
	}
	if (f->fentry)
		bpf_program__set_autoload(skel->progs.vcpu_run_fentry, true);
	/* attached first of all (loader_attach) */
	prog = o->classic ? skel->progs.thread_exit_tp : skel->progs.thread_exit_btf;
	bpf_program__set_autoload(prog, true);
}

#define VCPU_RUN_FUNC "kvm_arch_vcpu_ioctl_run"
#define RUNNING_VCPU_VAR "kvm_running_vcpu"

static const char *fentry_target(const struct loader_opts *o)
{
	return o->fentry_target ?: VCPU_RUN_FUNC;
}

/* Without a vcpu at kvm_entry: the vCPU sources that may name it, if the kernel has them. */
static struct vcpu_features wanted_features(const struct loader_opts *o)
{
	bool want = o->vcpu_source != VCPU_SOURCE_THREAD && !vcpu_at_entry(o);

	return (struct vcpu_features){
		.fentry = want && kernel_has_btf_name(fentry_target(o), BTF_KIND_FUNC),
		.ksym = want && o->vcpu_source == VCPU_SOURCE_AUTO &&
			kernel_has_btf_name(RUNNING_VCPU_VAR, BTF_KIND_VAR),
	};
}

/*
 * After a failed load, what the kernel refused: the first map not created, else the
 * first program to load that was not loaded (libbpf creates the maps, then loads the
 * programs in order). Its name goes in name; "object" when nothing was created at all.
 */
static const char *what_failed_to_load(struct kvmstat_bpf *skel, char *name, size_t len)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	bool created = false;

	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__fd(map) < 0) {
			snprintf(name, len, "%s", bpf_map__name(map));
			return created ? "map" : "object";
		}
		created = true;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		if (bpf_program__autoload(prog) && bpf_program__fd(prog) < 0) {
			snprintf(name, len, "%s", bpf_program__name(prog));
			return "program";
		}
	}
	return "object";
}

static int open_and_load(struct loader *l, const struct loader_opts *o, const struct vcpu_features *f)
{
	int err;

	/* Open the object embedded in the skeleton. */
	l->skel = kvmstat_bpf__open();
	if (!l->skel) {
		err = -errno;
		fprintf(stderr, "failed to open BPF object: %s\n", strerror(-err));
		return err;
	}
	/* Options the programs read as constants, then map sizes and programs. */
	l->skel->rodata->targ_spans = o->spans;
	l->skel->rodata->targ_vm_filter = o->vm_filter;
	loader_size_stats(l->skel, o);
	loader_size_inflight(l->skel, o);
	l->skel->rodata->targ_time_mask = o->time_every > 1 ? o->time_every - 1 : 0;
	loader_select_programs(l->skel, o, f);
	loader_setup_detail(l->skel, o);
	if (f->fentry && o->fentry_target)
		bpf_program__set_attach_target(l->skel->progs.vcpu_run_fentry, 0, o->fentry_target);
	/* Load and verify. */
	err = kvmstat_bpf__load(l->skel);
	if (err) {
		l->failed = what_failed_to_load(l->skel, l->failed_name, sizeof(l->failed_name));
		kvmstat_bpf__destroy(l->skel);
		l->skel = NULL;
	}
	return err;
}

static const char *features_name(const struct vcpu_features *f)
{
	return f->fentry && f->ksym ? "fentry and ksym" : f->fentry ? "fentry" : "ksym";
}

/* What to try, in order: what is wanted, each optional source alone, then neither. */
static size_t fallback_order(struct vcpu_features want, struct vcpu_features tries[4])
{
	size_t n = 0;

	tries[n++] = want;
	if (want.fentry && want.ksym) {
		tries[n++] = (struct vcpu_features){ .fentry = true };
		tries[n++] = (struct vcpu_features){ .ksym = true };
	}
	if (want.fentry || want.ksym)
		tries[n++] = (struct vcpu_features){ 0 };
	return n;
}

/* Was the refusal an optional vCPU source's (or not known)? Another map or program fails the same without it. */
static bool refused_optional(const struct loader *l)
{
	return !strcmp(l->failed, "object") ||
	       (!strcmp(l->failed, "program") &&
		(!strcmp(l->failed_name, "vcpu_run_fentry") || strstr(l->failed_name, "_running")));
}

/* One line per optional vCPU source the kernel refused, and what stands in for it. */
static void report_fallback(const struct loader_opts *o, const struct vcpu_features *want,
			    const struct vcpu_features *got, int err)
{
	if (want->fentry && !got->fentry)
		fprintf(stderr, "kvmstat-bpf: the kernel refused the fentry on %s (%s): %s\n", fentry_target(o),
			strerror(-err), got->ksym ? "vCPU ids from " RUNNING_VCPU_VAR " only"
				      : "vCPU ids not known, each vCPU thread stands for its vCPU");
	if (want->ksym && !got->ksym)
		fprintf(stderr, "kvmstat-bpf: the kernel refused the " RUNNING_VCPU_VAR " ksym (%s): "
			"vCPUs running at attach named from /proc\n", strerror(-err));
}

/*
 * Loads with the optional vCPU sources the kernel takes. A kernel that refuses one refuses the
 * whole object, so each try is a full load. libbpf is silent without -v: what was refused is
 * said in one line here or by the caller.
 */
static int load_with_fallbacks(struct loader *l, const struct loader_opts *o, struct vcpu_features *f)
{
	struct vcpu_features tries[4];
	size_t i, n = fallback_order(*f, tries);
	int err = 0, first_err = 0;

	libbpf_set_print(o->verbose ? print_libbpf_verbose : print_nothing);
	for (i = 0; i < n; i++) {
		err = open_and_load(l, o, &tries[i]);
		if (!err) {
			report_fallback(o, &tries[0], &tries[i], first_err);
			*f = tries[i];
			return 0;
		}
		first_err = first_err ?: err;
		if (!l->failed || !refused_optional(l))
			return err;
		if (o->verbose && i + 1 < n)
			fprintf(stderr, "kvmstat-bpf: %s refused (%s), trying without\n",
				features_name(&tries[i]), strerror(-err));
	}
	return err;
}

static const char *vcpu_source_name(const struct loader_opts *o, const struct vcpu_features *f)
{
	if (f->fentry && f->ksym)
		return "fentry:" VCPU_RUN_FUNC "+ksym:" RUNNING_VCPU_VAR;
	if (f->fentry)
		return "fentry:" VCPU_RUN_FUNC;
	if (f->ksym)
		return "ksym:" RUNNING_VCPU_VAR;
	if (o->vcpu_source != VCPU_SOURCE_THREAD && vcpu_at_entry(o))
		return "tp_btf:kvm_entry";
	return "thread";
}

static void print_map_memory(const struct loader *l)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, l->skel->obj)
		fprintf(stderr, "kvmstat-bpf: map %-16s max_entries %-7u kernel memory %llu bytes\n",
			bpf_map__name(map), bpf_map__max_entries(map), loader_map_memlock(bpf_map__fd(map)));
}

/* With kernel.bpf_stats_enabled=1 the kernel times every run of every program. */
static void print_prog_stats(const struct loader *l)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, l->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(prog) ||
		    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) || !info.run_cnt)
			continue;
		fprintf(stderr, "kvmstat-bpf: prog %s run_cnt=%llu run_time_ns=%llu (%.0f ns/run)\n",
			bpf_program__name(prog), (unsigned long long)info.run_cnt,
			(unsigned long long)info.run_time_ns, (double)info.run_time_ns / info.run_cnt);
	}
}

static void report_load_failure(const struct loader *l, const struct loader_opts *o, int err)
{
	if (!l->failed)
		return;		/* said where it failed */
	if (!strcmp(l->failed, "object"))
		fprintf(stderr, "failed to load BPF object: %s%s\n", strerror(-err),
			o->verbose ? "" : " (-v shows libbpf's log)");
	else
		fprintf(stderr, "failed to %s BPF %s %s: %s%s\n", !strcmp(l->failed, "map") ? "create" : "load",
			l->failed, l->failed_name, strerror(-err), o->verbose ? "" : " (-v shows the kernel's log)");
}

int loader_load(struct loader *l, const struct loader_opts *o)
{
	struct vcpu_features f = wanted_features(o);
	int err;

	memset(l, 0, sizeof(*l));
	err = load_with_fallbacks(l, o, &f);
	libbpf_set_print(o->verbose ? print_libbpf_verbose : print_libbpf);
	if (err) {
		report_load_failure(l, o, err);
		return err;
	}
	err = loader_fill_slow_thresholds(l->skel, o);
	if (err) {
		fprintf(stderr, "failed to set slow-exit thresholds: %s\n", strerror(-err));
		loader_stop(l);
		return err;
	}
	l->features = f;
	l->vcpu_source = vcpu_source_name(o, &f);
	l->unnamed_at_attach = o->vcpu_source != VCPU_SOURCE_THREAD && !f.ksym;
	l->attach_kind = o->classic ? "tracepoint" : needs_classic_exit(o) ? "tracepoint+tp_btf" : "tp_btf";
	l->print_prog_stats = o->verbose;
	l->verbose = o->verbose;
	if (o->verbose)
		print_map_memory(l);
	err = stats_source_map(&l->stats, l->skel, o->spans);
	if (err) {
		fprintf(stderr, "failed to map stats arrays: %s\n", strerror(-err));
		loader_stop(l);
	}
	return err;
}

/* Attach order: 0 the thread-exit hook (every thread that gets state is then seen ending),
 * 1 the programs that account exits, 2 the kvm_exit ones (where an exit is first seen). */
static int attach_rank(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	size_t n = strlen(sec);

	if (n >= 18 && !strcmp(sec + n - 18, "sched_process_exit"))
		return 0;
	return n >= 9 && !strcmp(sec + n - 9, "/kvm_exit") ? 2 : 1;
}

static int attach_rank_programs(struct loader *l, int rank)
{
	const struct bpf_object_skeleton *s = l->skel->skeleton;
	int i, err;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;
		struct bpf_link **link = s->progs[i].link;

		if (!bpf_program__autoload(prog) || attach_rank(prog) != rank || *link)
			continue;
		*link = bpf_program__attach(prog);
		if (!*link) {
			err = -errno;
			fprintf(stderr, "failed to attach BPF program %s (%s): %s\n", bpf_program__name(prog),
				bpf_program__section_name(prog), strerror(-err));
			return err;
		}
	}
	return 0;
}

/* libbpf is silent while attaching without -v: the program refused is named in one line. */
int loader_attach(struct loader *l, bool exits)
{
	int err;

	libbpf_set_print(l->verbose ? print_libbpf_verbose : print_nothing);
	if (exits)
		err = attach_rank_programs(l, 2);
	else
		err = attach_rank_programs(l, 0) ?: attach_rank_programs(l, 1);
	libbpf_set_print(l->verbose ? print_libbpf_verbose : print_libbpf);
	return err;
}

int loader_start(struct loader *l, const struct loader_opts *o)
{
	int err = loader_load(l, o);

	err = err ?: loader_attach(l, false) ?: loader_attach(l, true);
	if (err && l->skel)
		loader_stop(l);
	return err;
}

void loader_stop(struct loader *l)
{
	stats_source_unmap(&l->stats);
	if (l->skel && l->print_prog_stats)
		print_prog_stats(l);
	kvmstat_bpf__destroy(l->skel);
	l->skel = NULL;
}
