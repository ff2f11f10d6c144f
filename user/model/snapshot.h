/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory model every output starts from: the counts of some keys over a
 * span of time (one interval, or since attach). Pure functions; the loader's
 * stats reader makes snapshots from the kernel's arrays, the NDJSON reader from
 * saved lines; model/view.h groups them for the renderers.
 */
#ifndef KVMSTAT_SNAPSHOT_H
#define KVMSTAT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include "bpf/kvmstat.h"

struct sample {
	struct kvmstat_key key;
	struct kvmstat_value val;
};

struct snapshot {
	enum kvmstat_arch arch;
	__u64 start_mono_ns;		/* what the counts cover: (start, end] */
	__u64 end_mono_ns;
	struct timespec start_wall;
	struct timespec end_wall;
	__u64 drops[KVMSTAT_NR_DROPS];
	size_t nr;
	size_t cap;
	struct sample *samples;
};

void snapshot_init(struct snapshot *s, enum kvmstat_arch arch);
void snapshot_free(struct snapshot *s);
/* Appends a copy of one sample; returns it, NULL when out of memory. */
struct sample *snapshot_add(struct snapshot *s, const struct kvmstat_key *key,
			    const struct kvmstat_value *val);
/* Room for one more sample at s->samples[s->nr], filled in place and kept by s->nr++
 * (no 2 KiB copy); NULL when out of memory. */
struct sample *snapshot_next(struct snapshot *s);
/* Room for cap samples without reallocating; 0 or -ENOMEM. New room is zeroed when zero. */
int snapshot_reserve(struct snapshot *s, size_t cap);
int snapshot_reserve_zeroed(struct snapshot *s, size_t cap);
/* Empties s but keeps its buffer: a buffer reused every interval is not faulted in again. */
void snapshot_clear(struct snapshot *s, enum kvmstat_arch arch);

/* dst = a copy of src (header and samples), dst's buffer reused; 0 or -ENOMEM. */
int snapshot_copy(struct snapshot *dst, const struct snapshot *src);
/*
 * total += add, key by key: equal keys merged (value_merge), new keys added,
 * drops summed, the end moved to add's. total is kept in key order. What a
 * consumer of interval snapshots keeps as "since the start" when no reader
 * does it for it (run --replay). 0 or -ENOMEM (total then holds part of add).
 */
int snapshot_accumulate(struct snapshot *total, const struct snapshot *add);

/* Order of keys: vm, vcpu, tid, class, flags, second-level key. */
int key_cmp(const struct kvmstat_key *a, const struct kvmstat_key *b);
/* A hash of every field, for tables of keys (open addressing: mask its low bits). */
__u64 key_hash(const struct kvmstat_key *k);

/*
 * d = c - p, two cumulative readings of one key's span: exact count, sum and
 * histogram of what happened between them. Its min/max are exact when the
 * cumulative extreme moved, else the bound of the extreme histogram bucket
 * (never tighter than the truth: min <= every value <= max still holds).
 * Only the buckets in c's range (model/hist.h) are read: outside it, c and p
 * (an earlier reading: ranges only grow) are empty.
 */
void span_delta(const struct kvmstat_span_stats *p, const struct kvmstat_span_stats *c,
		struct kvmstat_span_stats *d);
/* The same into a d whose buckets are all zero: of d->hist only c's range is written
 * (the reader's path: a 1 KiB clear per changed key saved). */
void span_delta_zeroed(const struct kvmstat_span_stats *p, const struct kvmstat_span_stats *c,
		       struct kvmstat_span_stats *d);
/* No exit and no span interval: a delta worth leaving out. */
bool value_empty(const struct kvmstat_value *v);

/* Adds src to dst (counts, sums, histograms over src's range; min/max combined). */
void span_merge(struct kvmstat_span_stats *dst, const struct kvmstat_span_stats *src);
void value_merge(struct kvmstat_value *dst, const struct kvmstat_value *src);
/* Zeroes the buckets of v's spans that can be non-empty: v is all zero after a header reset. */
void value_clear(struct kvmstat_value *v);

#endif /* KVMSTAT_SNAPSHOT_H */
