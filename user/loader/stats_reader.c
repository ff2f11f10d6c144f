// SPDX-License-Identifier: GPL-2.0
/* Incremental reads of the stats arrays: per read, only the slots whose counts moved. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "loader/stats_reader.h"
#include "model/hist.h"

/* A packed value begins as struct kvmstat_value does; span[i] is the i-th enabled span. */
static const struct kvmstat_value zero_value;

static const struct kvmstat_value *map_value(const struct stats_source *src, __u32 slot)
{
	return (const void *)((const char *)src->values + (size_t)slot * src->stride);
}

static struct kvmstat_value *last_value(const struct stats_reader *r, __u32 slot)
{
	return (void *)(r->last + (size_t)slot * r->value_size);
}

static const struct kvmstat_value *start_value(const struct stats_reader *r, size_t i)
{
	return (const void *)(r->start_values + i * r->value_size);
}

static __u64 *counts_of(const struct stats_reader *r, __u32 slot)
{
	return r->counts + (size_t)slot * (1 + r->nr_spans);
}

int stats_reader_init(struct stats_reader *r, const struct stats_source *src,
		      enum kvmstat_arch arch, const struct sample_filter *filter)
{
	memset(r, 0, sizeof(*r));
	r->src = src;
	r->arch = arch;
	r->filter = filter;
	r->nr_spans = __builtin_popcount(src->spans);
	r->value_size = kvmstat_value_size(r->nr_spans);
	snapshot_init(&r->interval, arch);
	ended_keys_init(&r->ended, src->spans, ENDED_KEYS_DEFAULT_CAP);
	/* calloc of this size maps zero pages: memory is spent on slots in use only */
	r->last = calloc(src->max_keys ? src->max_keys : 1, r->value_size);
	r->counts = calloc(src->max_keys ? src->max_keys : 1, (1 + r->nr_spans) * sizeof(__u64));
	return r->last && r->counts ? 0 : -ENOMEM;
}

void stats_reader_free(struct stats_reader *r)
{
	free(r->last);
	free(r->counts);
	free(r->start_slots);
	free(r->start_values);
	free(r->ended_ids);
	ended_keys_free(&r->ended);
	snapshot_free(&r->interval);
	memset(r, 0, sizeof(*r));
}

/*
 * Slots handed out so far. Some may be unpublished (tid 0): a key being written,
 * or a slot freed and not taken again; their values are zero (a key is published
 * before its first count), so the scan skips them as slots that did not move.
 */
static __u32 slots_in_use(struct stats_reader *r)
{
	const struct stats_source *src = r->src;
	__u32 used = *src->used;

	if (used > src->max_keys)
		used = src->max_keys;	/* the map is full: later exits are counted as drops */
	return r->nr_slots = used;
}

/* A slot whose counts moved has its key published: counts are read before the key. */
static bool published(const struct stats_reader *r, __u32 slot)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&r->src->keys[slot].tid, __ATOMIC_RELAXED) != 0;
}

/* Exits or a span's count moved since the last read: the cheap test that skips an idle slot. */
static bool counts_moved(const struct stats_reader *r, __u32 slot)
{
	const struct kvmstat_value *now = map_value(r->src, slot);
	const __u64 *last = counts_of(r, slot);
	unsigned int i;

	if (now->exits != last[0])
		return true;
	for (i = 0; i < r->nr_spans; i++)
		if (now->span[i].count != last[1 + i])
			return true;
	return false;
}

#define PREFETCH_FAR	8	/* slots ahead: the lines of their counts */
#define PREFETCH_NEAR	3	/* slots ahead: the lines of their buckets' range */

/* The lines of [from, from + len) of p, for reading or (write) for writing. */
static void prefetch_lines(const void *p, size_t from, size_t len, bool write)
{
	const char *c = (const char *)p + from;
	size_t o;

	for (o = 0; o < len + 63; o += 64) {
		if (write)
			__builtin_prefetch(c + o, 1);
		else
			__builtin_prefetch(c + o);
	}
}

/*
 * A read waits on memory: each moved slot touches a few lines of the map, of
 * its last value and of the sample it becomes, and the lines of the buckets
 * depend on its counts. Asking for the counts' lines of a slot far ahead, then
 * (the counts in cache by then) for its buckets' lines of a slot nearer, lets
 * those waits overlap (measured: loader-bench, ~30% less time with every slot moving).
 */
static void prefetch_ahead(const struct stats_reader *r, __u32 slot, __u32 n)
{
	size_t pos = r->interval.nr + PREFETCH_NEAR;	/* where a moved slot's sample will go */
	const struct kvmstat_value *v;
	unsigned int i, first, last;
	size_t off;

	if (slot + PREFETCH_FAR < n) {
		__builtin_prefetch(map_value(r->src, slot + PREFETCH_FAR));
		__builtin_prefetch(last_value(r, slot + PREFETCH_FAR), 1);
		__builtin_prefetch(counts_of(r, slot + PREFETCH_FAR));
		if (r->interval.nr + PREFETCH_FAR < r->interval.cap)
			__builtin_prefetch(&r->interval.samples[r->interval.nr + PREFETCH_FAR], 1);
	}
	if (slot + PREFETCH_NEAR >= n || !counts_moved(r, slot + PREFETCH_NEAR))
		return;	/* an idle slot costs its counts only */
	v = map_value(r->src, slot + PREFETCH_NEAR);
	for (i = 0; i < r->nr_spans; i++) {
		if (!hist_range(&v->span[i], &first, &last))
			continue;
		off = (const char *)&v->span[i].hist[first] - (const char *)v;
		prefetch_lines(v, off, (last - first + 1) * sizeof(__u64), false);
		prefetch_lines(last_value(r, slot + PREFETCH_NEAR), off, (last - first + 1) * sizeof(__u64), true);
		if (pos < r->interval.cap)	/* the sample's own span, at its enum place: a guess */
			prefetch_lines(&r->interval.samples[pos].val.span[i].hist[first], 0,
				       (last - first + 1) * sizeof(__u64), true);
	}
}

/*
 * dst = src, packed values of nr spans, copying only what can be non-zero: the
 * counts, and per span the buckets in its range (model/hist.h). dst's buckets
 * outside src's range are zero already: ranges only grow as counts do.
 */
static void copy_value(struct kvmstat_value *dst, const struct kvmstat_value *src, unsigned int nr)
{
	unsigned int i, first, last;

	dst->exits = src->exits;
	for (i = 0; i < nr; i++) {
		struct kvmstat_span_stats *d = &dst->span[i];
		const struct kvmstat_span_stats *s = &src->span[i];

		d->count = s->count;
		d->sum_ns = s->sum_ns;
		d->min_ns = s->min_ns;
		d->max_ns = s->max_ns;
		if (hist_range(d, &first, &last))
			memcpy(&d->hist[first], &s->hist[first], (last - first + 1) * sizeof(d->hist[0]));
	}
}

static void remember(struct stats_reader *r, __u32 slot, const struct kvmstat_value *now)
{
	__u64 *counts = counts_of(r, slot);
	unsigned int i;

	copy_value(last_value(r, slot), now, r->nr_spans);
	counts[0] = now->exits;
	for (i = 0; i < r->nr_spans; i++)
		counts[1 + i] = now->span[i].count;
}

/* A key, its vCPU filled in where the kernel did not know it and the host does. */
static struct kvmstat_key known_key(const struct stats_reader *r, const struct kvmstat_key *key)
{
	struct kvmstat_key k = *key;

	if (k.vcpu == KVMSTAT_VCPU_UNKNOWN)
		k.vcpu = thread_vcpus_find(r->thread_vcpus, k.vm, k.tid);
	return k;
}

static struct kvmstat_key slot_key(const struct stats_reader *r, __u32 slot)
{
	return known_key(r, &r->src->keys[slot]);
}

static bool keep(const struct stats_reader *r, __u32 slot)
{
	struct kvmstat_key k;

	if (!r->filter)
		return true;
	k = slot_key(r, slot);
	return sample_filter_match(r->filter, &k);
}

/* d = cur - prev, both packed, into a d that is all zero (the spans not enabled stay so). */
static void value_delta(const struct stats_reader *r, const struct kvmstat_value *prev,
			const struct kvmstat_value *cur, struct kvmstat_value *d)
{
	int s, i = 0;

	d->exits = cur->exits - prev->exits;
	for (s = 0; s < KVMSTAT_NR_SPANS; s++) {
		if (r->src->spans & (1U << s)) {
			span_delta_zeroed(&prev->span[i], &cur->span[i], &d->span[s]);
			i++;
		}
	}
}

/* The next sample of out, from a buffer kept zero but for the samples in use. */
static struct sample *next_zeroed(struct snapshot *out)
{
	if (out->nr == out->cap && snapshot_reserve_zeroed(out, out->cap ? out->cap * 2 : 64))
		return NULL;
	return &out->samples[out->nr];
}

/* Appends key's cur - prev to out unless nothing happened in between. */
static int append_delta(const struct stats_reader *r, struct snapshot *out,
			const struct kvmstat_key *key, const struct kvmstat_value *prev,
			const struct kvmstat_value *cur)
{
	struct sample *n = next_zeroed(out);

	if (!n)
		return -ENOMEM;
	value_delta(r, prev, cur, &n->val);
	if (value_empty(&n->val)) {
		value_clear(&n->val);
		return 0;
	}
	n->key = known_key(r, key);
	out->nr++;
	return 0;
}

/*
 * The interval's buffer is zero but for the samples in use. A read starts with
 * the last read's samples still there (stale); each is cleared when its place is
 * taken (it is in cache then), the ones left over after the read.
 */
static void clear_stale(struct stats_reader *r, size_t from, size_t to)
{
	for (; from < to; from++)
		value_clear(&r->interval.samples[from].val);
}

static int add_baseline(struct stats_reader *r, __u32 slot, const struct kvmstat_value *v)
{
	size_t cap = r->start_cap ? r->start_cap * 2 : 64;
	__u32 *slots;
	char *values;

	if (r->nr_start == r->start_cap) {
		slots = realloc(r->start_slots, cap * sizeof(*slots));
		if (slots)
			r->start_slots = slots;
		values = slots ? realloc(r->start_values, cap * r->value_size) : NULL;
		if (!values)
			return -ENOMEM;
		/* zero, as copy_value wants its destination */
		memset(values + r->start_cap * r->value_size, 0, (cap - r->start_cap) * r->value_size);
		r->start_values = values;
		r->start_cap = cap;
	}
	r->start_slots[r->nr_start] = slot;
	copy_value((void *)(r->start_values + r->nr_start * r->value_size), v, r->nr_spans);
	r->nr_start++;
	return 0;
}

/* A moved slot: copied once out of the map (its writer may move on meanwhile), then diffed. */
/* The map's counts are still v's: no update overtook the copy of v's buckets. */
static bool counts_still(const struct stats_reader *r, __u32 slot, const struct kvmstat_value *v)
{
	const struct kvmstat_value *m = map_value(r->src, slot);
	unsigned int i;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);	/* the buckets were read before */
	if (m->exits != v->exits)
		return false;
	for (i = 0; i < r->nr_spans; i++)
		if (m->span[i].count != v->span[i].count)
			return false;
	return true;
}

#define COPY_TRIES 3	/* a copy overtaken by its writer is taken again, a few times */

static int read_slot(struct stats_reader *r, __u32 slot)
{
	struct kvmstat_value now;	/* packed: only its counts and ranges are read */
	int err, i;

	/*
	 * Counts first, then buckets: a reader preempted in between (seen under TCG with 16
	 * busy vCPU threads: 7 updates) would see buckets ahead of the counts. Copied again
	 * then, so within a line a class's count and buckets are at most one update apart.
	 */
	for (i = 0; i < COPY_TRIES; i++) {
		copy_value(&now, map_value(r->src, slot), r->nr_spans);
		if (counts_still(r, slot, &now))
			break;
	}
	if (r->interval.nr < r->stale)
		clear_stale(r, r->interval.nr, r->interval.nr + 1);
	if (r->started)
		err = append_delta(r, &r->interval, &r->src->keys[slot], last_value(r, slot), &now);
	else
		err = add_baseline(r, slot, &now);
	if (!err)
		remember(r, slot, &now);
	return err;
}

static void stamp_interval(struct stats_reader *r, const __u64 drops[KVMSTAT_NR_DROPS])
{
	struct snapshot *s = &r->interval;
	struct timespec mono;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &s->end_wall);
	s->end_mono_ns = mono.tv_sec * 1000000000ULL + mono.tv_nsec;
	s->start_mono_ns = r->started ? r->last_mono_ns : s->end_mono_ns;
	s->start_wall = r->started ? r->last_wall : s->end_wall;
	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		s->drops[i] = r->started ? drops[i] - r->last_drops[i] : 0;
}

/* --- keys of ended threads ------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

/* The threads that ended since the last read, sorted. */
static int pop_ended(struct stats_reader *r)
{
	const struct stats_source *src = r->src;
	__u64 *ids;
	int n;

	r->nr_ended_ids = 0;
	if (!src->pop_ended || !src->free_slot)
		return 0;
	do {
		if (r->nr_ended_ids == r->ended_ids_cap) {
			size_t cap = r->ended_ids_cap ? 2 * r->ended_ids_cap : 64;

			ids = realloc(r->ended_ids, cap * sizeof(*ids));
			if (!ids)
				return -ENOMEM;
			r->ended_ids = ids;
			r->ended_ids_cap = cap;
		}
		n = src->pop_ended(src, r->ended_ids + r->nr_ended_ids,
				   r->ended_ids_cap - r->nr_ended_ids);
		if (n < 0)
			return n;
		r->nr_ended_ids += n;
	} while (n && r->nr_ended_ids == r->ended_ids_cap);
	if (r->nr_ended_ids > 1)
		qsort(r->ended_ids, r->nr_ended_ids, sizeof(*r->ended_ids), cmp_u64);
	return 0;
}

static bool has_ended(const struct stats_reader *r, const struct kvmstat_key *k)
{
	__u64 id = (__u64)k->vm << 32 | k->tid;

	return r->nr_ended_ids && bsearch(&id, r->ended_ids, r->nr_ended_ids, sizeof(id), cmp_u64);
}

/* The slot's value at the first read into buf, NULL if none; the slot's next key has none. */
static const void *take_baseline(struct stats_reader *r, __u32 slot, void *buf)
{
	__u32 *found = r->nr_start ? bsearch(&slot, r->start_slots, r->nr_start, sizeof(slot), cmp_u32)
				   : NULL;
	char *v;

	if (!found)
		return NULL;
	v = r->start_values + (found - r->start_slots) * r->value_size;
	memcpy(buf, v, r->value_size);
	memset(v, 0, r->value_size);	/* zero, as copy_value wants its destination */
	return value_empty(buf) ? NULL : buf;	/* a packed value begins as a whole one does */
}

/* An ended thread's key: its last value kept, its slot back to the kernel and reset here. */
static int retire_slot(struct stats_reader *r, __u32 slot)
{
	struct kvmstat_key key = r->src->keys[slot];
	struct kvmstat_value buf = {};	/* packed: only value_size bytes used */
	const void *base = take_baseline(r, slot, &buf);
	int err = r->src->free_slot(r->src, slot, &key);

	if (!err && (!r->filter || sample_filter_match(r->filter, &key)))
		err = ended_keys_add(&r->ended, &key, last_value(r, slot), base);
	/* zero, as copy_value wants its destination: the slot's next key starts from nothing */
	memset(last_value(r, slot), 0, r->value_size);
	memset(counts_of(r, slot), 0, (1 + r->nr_spans) * sizeof(__u64));
	return err;
}

/* After the read: every key of the ended threads has its last value in r->last. */
static int retire_ended(struct stats_reader *r)
{
	__u32 slot;
	int err = 0;

	if (!r->nr_ended_ids)
		return 0;
	for (slot = 0; slot < r->nr_slots && !err; slot++)
		if (published(r, slot) && has_ended(r, &r->src->keys[slot]))
			err = retire_slot(r, slot);
	return err;
}

static int collect_ended(const struct stats_reader *r, bool since_start, struct snapshot *out)
{
	size_t i, n = ended_keys_count(&r->ended);
	const void *final, *base;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		const struct kvmstat_key *k = ended_keys_get(&r->ended, i, &final, &base);

		err = append_delta(r, out, k, since_start && base ? base : &zero_value, final);
	}
	return err;
}

int stats_reader_update(struct stats_reader *r)
{
	const struct stats_source *src = r->src;
	__u64 drops[KVMSTAT_NR_DROPS] = {};
	__u32 slot, n;
	int err;

	err = src->read_drops ? src->read_drops(src, drops) : 0;
	/* before the read: what ended threads counted is all in it */
	err = err ?: pop_ended(r);
	if (err)
		return err;
	r->stale = r->stale > r->interval.nr ? r->stale : r->interval.nr;
	snapshot_clear(&r->interval, r->arch);	/* its buffer is reused: no fresh page faults */
	stamp_interval(r, drops);
	n = slots_in_use(r);
	for (slot = 0; slot < n && !err; slot++) {
		prefetch_ahead(r, slot, n);
		if (counts_moved(r, slot) && published(r, slot) && keep(r, slot))
			err = read_slot(r, slot);
	}
	if (r->interval.nr < r->stale)
		clear_stale(r, r->interval.nr, r->stale);
	r->stale = err ? r->stale : 0;
	err = err ?: retire_ended(r);
	if (err)
		return err;
	r->reads++;
	memcpy(r->last_drops, drops, sizeof(drops));
	r->last_mono_ns = r->interval.end_mono_ns;
	r->last_wall = r->interval.end_wall;
	if (!r->started) {
		memcpy(r->start_drops, drops, sizeof(drops));
		r->start_mono_ns = r->last_mono_ns;
		r->start_wall = r->last_wall;
		r->started = true;
	}
	return 0;
}

/* out = the last read less base per kept slot; base: the baseline, or nothing. */
static int collect(const struct stats_reader *r, bool since_start, struct snapshot *out)
{
	const struct kvmstat_value *base;
	size_t j = 0;
	__u32 slot;
	int i, err;

	snapshot_init(out, r->arch);
	out->end_mono_ns = r->last_mono_ns;
	out->end_wall = r->last_wall;
	if (since_start) {
		out->start_mono_ns = r->start_mono_ns;
		out->start_wall = r->start_wall;
	}
	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		out->drops[i] = r->last_drops[i] - (since_start ? r->start_drops[i] : 0);
	/* one allocation, zero as the deltas need; growing would copy ~2 KiB samples */
	if (snapshot_reserve_zeroed(out, r->nr_slots + ended_keys_count(&r->ended)))
		return -ENOMEM;
	for (slot = 0; slot < r->nr_slots; slot++) {
		base = &zero_value;
		if (j < r->nr_start && r->start_slots[j] == slot) {
			if (since_start)
				base = start_value(r, j);
			j++;
		}
		if (!keep(r, slot))
			continue;
		err = append_delta(r, out, &r->src->keys[slot], base, last_value(r, slot));
		if (err)
			return err;
	}
	return collect_ended(r, since_start, out);
}

int stats_reader_since_start(const struct stats_reader *r, struct snapshot *out)
{
	return collect(r, true, out);
}

int stats_reader_counts(const struct stats_reader *r, struct snapshot *out)
{
	return collect(r, false, out);
}
