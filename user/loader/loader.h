/* SPDX-License-Identifier: GPL-2.0 */
/* Checks the host, then open -> set rodata -> load -> attach the BPF object. */
#ifndef KVMSTAT_LOADER_H
#define KVMSTAT_LOADER_H

#include <stdbool.h>
#include <linux/types.h>
#include "bpf/kvmstat.h"
#include "loader/stats_reader.h"
#include "model/schema.h"

enum vcpu_source {
	VCPU_SOURCE_AUTO,	/* best the kernel offers, thread as the last resort */
	VCPU_SOURCE_THREAD,	/* force the fallback: no vcpu_id, the thread stands for the vCPU */
	VCPU_SOURCE_PROC,	/* as auto without the kvm_running_vcpu ksym: what a kernel without
				 * CONFIG_KALLSYMS_ALL gets (run scans /proc at attach instead) */
};

struct loader_opts {
	enum kvmstat_arch arch;		/* host arch: which programs to load */
	__u32 spans;			/* bit per enum kvmstat_span */
	__u32 vm_filter;		/* VMM pid, 0 for all */
	__u32 max_keys;			/* stats map entries */
	bool classic;			/* classic tracepoints instead of tp_btf */
	enum kvmstat_store store;	/* pending-exit store (the shipped one: 0) */
	__u32 max_threads;		/* vCPU threads alive at once without loss; 0: the default */
	__u32 time_every;		/* time 1 exit in N (power of two), count all; 0 or 1: time all */
	const char *fentry_target;	/* tests: another function for the vCPU fentry (NULL: the real one) */
	enum vcpu_source vcpu_source;
	bool verbose;
	/* --detail: second-level keys, at most detail_max per class (0: the default) */
	bool detail;
	__u32 detail_max;
	/* --slow: records of exits handled in >= slow_ns (0: off), or their class's threshold */
	__u64 slow_ns;
	const struct slow_threshold *slow_classes;
	__u32 nr_slow_classes;
	__u64 slow_rate, slow_burst;	/* records per second and CPU, burst; 0: the defaults */
};

/* --slow CLASS=THRESHOLD: a class's own threshold. */
struct slow_threshold {
	__u64 class;
	__u64 ns;
};

/* Optional vCPU sources: programs a kernel may refuse at load (the loader then tries without). */
struct vcpu_features {
	bool fentry;	/* fentry on kvm_arch_vcpu_ioctl_run: the vCPU of every KVM_RUN */
	bool ksym;	/* kvm_running_vcpu at kvm_exit: threads already inside KVM_RUN at attach */
};

struct kvmstat_bpf;

struct loader {
	struct kvmstat_bpf *skel;
	struct vcpu_features features;	/* the optional vCPU sources the kernel took */
	/* Without the ksym, a thread already inside KVM_RUN at attach stays unnamed until its
	 * next KVM_RUN (arm64, --classic: never, for an idle vCPU) or, with a vcpu at kvm_entry,
	 * for the exits it sends to the VMM before its first entry: run names it from /proc
	 * (user/host/vcpu_threads.h). */
	bool unnamed_at_attach;
	const char *vcpu_source;	/* what vcpu ids come from, as reported to users */
	const char *attach_kind;	/* "tp_btf" or "tracepoint" */
	struct stats_source stats;	/* mapped read-only while loaded */
	bool print_prog_stats;		/* -v: the kernel's per-program run stats at stop */
	bool verbose;			/* -v: libbpf's log too */
	const char *failed;		/* after a failed load: "map", "program" or "object" */
	char failed_name[64];		/* the map or program the kernel refused */
};

/* One-line diagnosis on stderr and -errno if the host can't run us. */
int loader_check_host(const struct loader_opts *o);
/*
 * Opens, sets rodata, loads (with the vCPU sources the kernel takes) and maps the stats
 * arrays; nothing is attached yet. On failure prints `failed to <verb> <object>: <why>`.
 */
int loader_load(struct loader *l, const struct loader_opts *o);
/*
 * Attaches the programs that account exits (exits false: kvm_entry, kvm_userspace_exit, the
 * fentry), or then the kvm_exit ones (exits true). In that order every exit seen is accounted:
 * the count starts exactly when the kvm_exit program is attached. 0 or -errno, printed.
 */
int loader_attach(struct loader *l, bool exits);
/* loader_load(), then both loader_attach() steps; stops again on failure. */
int loader_start(struct loader *l, const struct loader_opts *o);
void loader_stop(struct loader *l);
/* Maps the loaded object's stats arrays read-only into src; 0 or -errno. */
int stats_source_map(struct stats_source *src, struct kvmstat_bpf *skel, __u32 spans);
void stats_source_unmap(struct stats_source *src);
/* Sizes the stats arrays and index to o->max_keys and the values to o->spans (before load). */
void loader_size_stats(struct kvmstat_bpf *skel, const struct loader_opts *o);
/* Sizes and selects the pending-exit store (o->store, o->max_threads), before load. */
void loader_size_inflight(struct kvmstat_bpf *skel, const struct loader_opts *o);
/* --max-threads, or its default. */
__u32 loader_max_threads(const struct loader_opts *o);
/* Slots of the store's array: the power of two >= 2 x max_threads (0: the default). */
__u32 loader_direct_slots(__u32 max_threads);
/* The names of enum kvmstat_store (run --inflight): "overflow", "direct", "probe", "hash", "task". */
extern const struct schema_enum loader_stores;
/* --detail and --slow: rodata, map sizes and the programs of the arch (before load). */
void loader_setup_detail(struct kvmstat_bpf *skel, const struct loader_opts *o);
/* --slow's per-class thresholds into the loaded object's map; 0 or -errno. */
int loader_fill_slow_thresholds(struct kvmstat_bpf *skel, const struct loader_opts *o);
/* Sets autoload on exactly the programs an arch needs (used by the CO-RE tests too). */
void loader_select_programs(struct kvmstat_bpf *skel, const struct loader_opts *o,
			    const struct vcpu_features *f);
/* Names the kernel recorded when it first saw a thread (host/proc_names.h fallback; ctx: the loader). */
const char *loader_thread_name(void *ctx, __u32 pid, __u32 tid, char *buf, size_t len);
/* A map's kernel memory by the kernel's own accounting (fdinfo memlock), 0 if unknown. */
unsigned long long loader_map_memlock(int fd);
/* Upper bound of the kernel memory of the maps for a host with ncpus possible CPUs. */
__u64 loader_map_memory(const struct loader_opts *o, unsigned int ncpus, unsigned int nthreads);

#endif /* KVMSTAT_LOADER_H */
