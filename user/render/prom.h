/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition (format 0.0.4) for node_exporter's textfile
 * collector: counters since attach, so they only grow.
 *
 * The exposition is kept as state across intervals: each interval adds what
 * changed (the reader's interval snapshot) to the series it touches and remakes
 * only their text; writing the file copies every series' kept text. The cost
 * of an interval is what changed plus a copy of the file, not a rebuild of
 * every series from every key.
 */
#ifndef KVMSTAT_PROM_H
#define KVMSTAT_PROM_H

#include <stdbool.h>
#include <stdio.h>
#include "lib/strbuf.h"
#include "model/names.h"
#include "model/snapshot.h"

/* le bounds 2^k - 1 ns for k = 8, 10, ..., 32, then +Inf. */
#define PROM_LE_FIRST_LOG2	8
#define PROM_LE_LAST_LOG2	32
#define PROM_LE_STEP_LOG2	2
#define PROM_NR_LE	((PROM_LE_LAST_LOG2 - PROM_LE_FIRST_LOG2) / PROM_LE_STEP_LOG2 + 1)

/* What kvmstat_build_info says about the exporter. */
struct prom_info {
	const char *version;
	const char *kernel;		/* uname release */
	const char *vcpu_source;	/* "fentry:kvm_arch_vcpu_ioctl_run", "thread", ... */
};

struct prom_opts {
	__u32 spans;			/* bit per enum kvmstat_span: a histogram each */
	const struct names *names;
	/* Set: also kvmstat_build_info and one kvmstat_vm_info per VM (gauges of 1 to join on). */
	const struct prom_info *info;
	bool keys;			/* --detail: kvmstat_key_exits_total per VM, class and key */
	bool slow;			/* --slow: kvmstat_slow_records_dropped_total */
};

/* --detail: one counter per (VM, class, origin, key): at most --detail-max + 2 per class and VM. */
struct prom_key_series {
	struct kvmstat_key key;		/* vm, class, flags (origin, key kind), detail */
	__u64 exits;
};

/* One series: a (class, origin, VM, vCPU) with what was counted since load. */
struct prom_series {
	struct kvmstat_key key;		/* vcpu; tid only when the vCPU is unknown */
	__u64 exits;
	struct {
		__u64 bins[PROM_NR_LE + 1];	/* per le bound, not cumulative; the last: above all */
		__u64 count, sum_ns;
	} span[KVMSTAT_NR_SPANS];
	struct strbuf labels;		/* `{arch="arm64",...,vcpu="0"`, made once */
	bool vm_named;			/* labels carry the VM's name (else remade until they do) */
	bool dirty;			/* text to be remade */
	struct strbuf text;		/* its lines: exits, then each span's histogram */
	size_t part[1 + KVMSTAT_NR_SPANS];	/* where each family's lines end in text */
};

struct prom_state {
	enum kvmstat_arch arch;
	struct prom_opts o;
	/* made at init (no shared statics: a state may be written from another thread) */
	unsigned char bin_of[KVMSTAT_HIST_BUCKETS];	/* the le bin of each fine bucket */
	char le_labels[PROM_NR_LE][24];			/* `,le="0.000000255"` */
	unsigned char le_len[PROM_NR_LE];
	struct prom_series *series;
	size_t nr, cap;
	size_t *table, mask;		/* open addressing: series + 1, 0 empty */
	size_t *order;			/* series in key order, as written */
	bool order_stale;
	__u64 drops[KVMSTAT_NR_DROPS];
	struct strbuf info;		/* the info families' lines, remade at each write */
	struct prom_key_series *keys;	/* --detail, in key order when written */
	size_t nr_keys, cap_keys;
	size_t *key_table, key_mask;	/* open addressing: keys + 1, 0 empty */
	unsigned long adds;		/* snapshots added since the state was (re)started */
};

void prom_state_init(struct prom_state *ps, enum kvmstat_arch arch, const struct prom_opts *o);
void prom_state_free(struct prom_state *ps);
/* Forgets the counts (not the series' labels): before adding the counts since load again. */
void prom_state_reset(struct prom_state *ps);
/* Adds d's counts and drops (an interval's, or the first time those since load). 0 or -ENOMEM. */
int prom_state_add(struct prom_state *ps, const struct snapshot *d);
/*
 * The exposition of everything added so far: kvmstat_exits_total, a histogram
 * per span, kvmstat_drops_total; with o->info kvmstat_build_info and one
 * kvmstat_vm_info{vm,vm_name,vm_uuid} per VM seen. 0, -ENOMEM or a write error.
 */
int prom_state_write(struct prom_state *ps, FILE *out);

/* The exposition of one cumulative snapshot (a state used once). 0, -ENOMEM or a write error. */
int render_prom(FILE *out, const struct snapshot *cumulative, const struct prom_opts *o);

#endif /* KVMSTAT_PROM_H */
