/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stats arrays read in place (kvmstat.h "Stats layout"). The reader keeps
 * each slot's value as last read and, per read, diffs only the slots whose
 * counts moved: an interval costs what changed, not how many keys exist.
 * Pure code: the loader maps the arrays (loader/loader.h), tests hand it plain memory.
 */
#ifndef KVMSTAT_STATS_READER_H
#define KVMSTAT_STATS_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include "bpf/kvmstat.h"
#include "model/filter.h"
#include "model/snapshot.h"
#include "model/thread_vcpus.h"
#include "loader/ended_keys.h"

/* Where the kernel's stats are: both arrays mapped, the slot count in the object's .bss. */
struct stats_source {
	const void *values;		/* stats[slot] at slot * stride, packed (kvmstat_value_size) */
	const struct kvmstat_key *keys;	/* stats_keys[slot]; tid 0: not published yet */
	const volatile __u32 *used;	/* stats_used: slots handed out, may exceed max_keys */
	__u32 max_keys;
	size_t stride;			/* the kernel's element size: the value size rounded up to 8 */
	__u32 spans;			/* bit per enum kvmstat_span: those the values hold */
	/* Loss counters summed over CPUs (enum kvmstat_drop); 0 or -errno. NULL: none. */
	int (*read_drops)(const struct stats_source *src, __u64 drops[KVMSTAT_NR_DROPS]);
	/*
	 * Threads that ended since the last call (pid_tgid), at most max: their keys have
	 * their last values. Returns how many, or -errno. NULL: none ever end.
	 */
	int (*pop_ended)(const struct stats_source *src, __u64 *ids, size_t max);
	/* The slot of an ended thread's key back to the kernel, zeroed and unpublished. 0 or -errno. */
	int (*free_slot)(const struct stats_source *src, __u32 slot, const struct kvmstat_key *key);
	void *ctx;			/* the callbacks' */
	int drops_fd;
	size_t values_len, keys_len;	/* of the mappings, for the loader to unmap */
};

struct stats_reader {
	const struct stats_source *src;
	enum kvmstat_arch arch;
	const struct sample_filter *filter;	/* the keys every snapshot keeps (--vcpu); NULL: all */
	/* vCPUs of threads the kernel's keys leave unknown (found in /proc at attach); NULL: none.
	 * Fixed while reading, so a slot always reads as the same key. */
	const struct thread_vcpus *thread_vcpus;
	size_t value_size;		/* a packed value: exits, then the enabled spans */
	unsigned int nr_spans;		/* enabled */
	__u32 nr_slots;			/* slots handed out, published or not (tid 0) */
	char *last;			/* per slot: its value at the last read, packed */
	__u64 *counts;			/* per slot: last's exits and span counts, side by side so
					 * the test for a change reads one array sequentially */
	bool started;			/* the first read, the baseline, is done */
	/* The baseline, sparse: the slots with counts at the first read, and their values. */
	size_t nr_start, start_cap;
	__u32 *start_slots;
	char *start_values;
	__u64 start_drops[KVMSTAT_NR_DROPS], last_drops[KVMSTAT_NR_DROPS];
	__u64 start_mono_ns, last_mono_ns;
	struct timespec start_wall, last_wall;
	struct snapshot interval;	/* what the last read found changed, in slot order; its
					 * buffer is zero but for the samples in use */
	size_t stale;			/* during a read: the samples of the last one, from 0 */
	unsigned long reads;		/* reads done: a consumer of intervals can tell it missed one */
	struct ended_keys ended;	/* keys of threads that ended; .cap: run --keep-ended */
	__u64 *ended_ids;		/* the read's ended threads, sorted */
	size_t nr_ended_ids, ended_ids_cap;
};

/* Room for src->max_keys values (touched only as slots fill). Returns 0 or -ENOMEM. */
int stats_reader_init(struct stats_reader *r, const struct stats_source *src,
		      enum kvmstat_arch arch, const struct sample_filter *filter);
void stats_reader_free(struct stats_reader *r);

/*
 * Reads the arrays and the drops: r->interval = the change since the previous
 * read, keys with no exit and no span interval left out (delta rules: span_delta).
 * Of a moved slot only its counts and the histogram buckets in its range
 * (model/hist.h) are copied and diffed: a few hundred bytes, not the whole value.
 * The first read is the baseline: what was counted before it is in no interval
 * and not since the start. The keys of threads that ended before the read are
 * read a last time (their last change is in the interval), kept in r->ended and
 * their slots freed. Returns 0 or -errno.
 */
int stats_reader_update(struct stats_reader *r);

/* out = the last read less the baseline: the intervals summed, ended keys included.
 * Returns 0 or -ENOMEM. */
int stats_reader_since_start(const struct stats_reader *r, struct snapshot *out);

/* out = the last read as the kernel counts it (since load): counters that only grow.
 * Returns 0 or -ENOMEM. */
int stats_reader_counts(const struct stats_reader *r, struct snapshot *out);

#endif /* KVMSTAT_STATS_READER_H */
