// SPDX-License-Identifier: GPL-2.0
/* Snapshot model: interval deltas, grouping, sorting, histogram math. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "model/snapshot.h"

void snapshot_init(struct snapshot *s, enum kvmstat_arch arch)
{
	memset(s, 0, sizeof(*s));
	s->arch = arch;
}

void snapshot_free(struct snapshot *s)
{
	free(s->samples);
	s->samples = NULL;
	s->nr = s->cap = 0;
}

void snapshot_clear(struct snapshot *s, enum kvmstat_arch arch)
{
	struct sample *samples = s->samples;
	size_t cap = s->cap;

	snapshot_init(s, arch);
	s->samples = samples;
	s->cap = cap;
}

int snapshot_reserve(struct snapshot *s, size_t cap)
{
	struct sample *n;

	if (cap <= s->cap)
		return 0;
	n = realloc(s->samples, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->samples = n;
	s->cap = cap;
	return 0;
}

struct sample *snapshot_next(struct snapshot *s)
{
	if (s->nr == s->cap && snapshot_reserve(s, s->cap ? s->cap * 2 : 64))
		return NULL;
	return &s->samples[s->nr];
}

struct sample *snapshot_add(struct snapshot *s, const struct kvmstat_key *key,
			    const struct kvmstat_value *val)
{
	struct sample *n = snapshot_next(s);

	if (!n)
		return NULL;
	n->key = *key;
	n->val = *val;
	s->nr++;
	return n;
}

static int key_cmp(const struct kvmstat_key *a, const struct kvmstat_key *b)
{
	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	if (a->class != b->class)
		return a->class < b->class ? -1 : 1;
	if (a->flags != b->flags)
		return a->flags < b->flags ? -1 : 1;
	return 0;
}

__u64 hist_bucket_lo(unsigned int slot)
{
	unsigned int k, sub;

	if (slot < KVMSTAT_HIST_SUB)
		return slot;
	k = slot / KVMSTAT_HIST_SUB + 1;
	sub = slot % KVMSTAT_HIST_SUB;
	return (1ULL << k) + ((__u64)sub << (k - KVMSTAT_HIST_SUB_BITS));
}

__u64 hist_bucket_hi(unsigned int slot)
{
	if (slot + 1 >= KVMSTAT_HIST_BUCKETS)
		return UINT64_MAX;
	return hist_bucket_lo(slot + 1);
}

void span_delta(const struct kvmstat_span_stats *p, const struct kvmstat_span_stats *c,
		struct kvmstat_span_stats *d)
{
	int lo = -1, hi = -1;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->count = c->count - p->count;
	d->sum_ns = c->sum_ns - p->sum_ns;
	if (!d->count)
		return;
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++) {
		d->hist[i] = c->hist[i] - p->hist[i];
		if (d->hist[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	}
	/* A moved extreme happened in this interval: exact. Else bound it by the buckets. */
	if (!p->count || c->min_ns < p->min_ns)
		d->min_ns = c->min_ns;
	else
		d->min_ns = lo >= 0 && hist_bucket_lo(lo) > c->min_ns ? hist_bucket_lo(lo) : c->min_ns;
	if (!p->count || c->max_ns > p->max_ns)
		d->max_ns = c->max_ns;
	else
		d->max_ns = hi >= 0 && hist_bucket_hi(hi) - 1 < c->max_ns ? hist_bucket_hi(hi) - 1 : c->max_ns;
}

bool value_empty(const struct kvmstat_value *v)
{
	unsigned int i;

	if (v->exits)
		return false;
	for (i = 0; i < KVMSTAT_NR_SPANS; i++)
		if (v->span[i].count)
			return false;
	return true;
}

void span_merge(struct kvmstat_span_stats *dst, const struct kvmstat_span_stats *src)
{
	unsigned int i;

	if (!src->count)
		return;
	if (!dst->count || src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++)
		dst->hist[i] += src->hist[i];
}

void value_merge(struct kvmstat_value *dst, const struct kvmstat_value *src)
{
	int s;

	dst->exits += src->exits;
	for (s = 0; s < KVMSTAT_NR_SPANS; s++)
		span_merge(&dst->span[s], &src->span[s]);
}

static struct kvmstat_key project_key(const struct kvmstat_key *k, enum grouping by)
{
	struct kvmstat_key p = { .class = k->class, .flags = k->flags };

	if (by != GROUP_CLASS)
		p.vm = k->vm;
	if (by == GROUP_VCPU) {
		p.vcpu = k->vcpu;
		p.tid = k->tid;
	}
	return p;
}

/* A thread's vCPU id as seen in some sample (vm, tid -> vcpu). */
struct thread_vcpu {
	__u32 vm, tid, vcpu;
};

static int thread_vcpu_cmp(const void *pa, const void *pb)
{
	const struct thread_vcpu *a = pa, *b = pb;

	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

/*
 * Threads already inside KVM_RUN at attach count under an unknown vCPU until
 * their next KVM_RUN names it: the known ids of the same threads, sorted.
 */
static struct thread_vcpu *known_thread_vcpus(const struct snapshot *in, size_t *nr)
{
	struct thread_vcpu *t = malloc((in->nr ? in->nr : 1) * sizeof(*t));
	size_t i;

	*nr = 0;
	if (!t)
		return NULL;
	for (i = 0; i < in->nr; i++) {
		const struct kvmstat_key *k = &in->samples[i].key;

		if (k->vcpu != KVMSTAT_VCPU_UNKNOWN)
			t[(*nr)++] = (struct thread_vcpu){ k->vm, k->tid, k->vcpu };
	}
	qsort(t, *nr, sizeof(*t), thread_vcpu_cmp);
	return t;
}

static __u32 resolve_vcpu(const struct kvmstat_key *k, const struct thread_vcpu *known, size_t nr)
{
	struct thread_vcpu probe = { k->vm, k->tid, 0 }, *hit;

	if (k->vcpu != KVMSTAT_VCPU_UNKNOWN || !nr)
		return k->vcpu;
	hit = bsearch(&probe, known, nr, sizeof(probe), thread_vcpu_cmp);
	return hit ? hit->vcpu : k->vcpu;
}

/* A group's key, and which group it is (in the order first seen). */
struct group_ref {
	struct kvmstat_key key;
	size_t id;
};

static int group_ref_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct group_ref *)a)->key, &((const struct group_ref *)b)->key);
}

/*
 * The groups of in, found by hashing projected keys: what gets sorted then is
 * the groups (a few dozen by class) rather than every sample.
 */
struct groups {
	struct group_ref *refs;	/* per group, in the order first seen (then sorted) */
	size_t nr;
	size_t *of;		/* per sample of in: its group */
	size_t *table;		/* open addressing: group + 1, 0 empty */
	size_t mask;
};

static __u64 key_hash(const struct kvmstat_key *k)
{
	__u64 h = k->class * 0x9E3779B97F4A7C15ULL;

	h ^= (((__u64)k->vm << 32) | k->vcpu) * 0xC2B2AE3D27D4EB4FULL;
	h ^= (((__u64)k->tid << 32) | k->flags) * 0x165667B19E3779F9ULL;
	return h ^ (h >> 31);
}

/* The group of key, a new one if none has it. */
static size_t group_of_key(struct groups *g, const struct kvmstat_key *key)
{
	size_t h;

	for (h = key_hash(key) & g->mask; g->table[h]; h = (h + 1) & g->mask)
		if (!key_cmp(&g->refs[g->table[h] - 1].key, key))
			return g->table[h] - 1;
	g->refs[g->nr] = (struct group_ref){ .key = *key, .id = g->nr };
	g->table[h] = ++g->nr;
	return g->nr - 1;
}

static void groups_free(struct groups *g)
{
	free(g->refs);
	free(g->of);
	free(g->table);
}

static int find_groups(const struct snapshot *in, enum grouping by, struct groups *g)
{
	struct thread_vcpu *known = NULL;
	size_t i, n = in->nr ? in->nr : 1, cap = 16, nr_known = 0;
	struct kvmstat_key k;

	while (cap < 2 * n)
		cap <<= 1;
	memset(g, 0, sizeof(*g));
	g->mask = cap - 1;
	g->table = calloc(cap, sizeof(*g->table));
	g->refs = malloc(n * sizeof(*g->refs));
	g->of = malloc(n * sizeof(*g->of));
	if (!g->table || !g->refs || !g->of ||
	    (by == GROUP_VCPU && !(known = known_thread_vcpus(in, &nr_known)))) {
		groups_free(g);
		return -ENOMEM;
	}
	for (i = 0; i < in->nr; i++) {
		k = project_key(&in->samples[i].key, by);
		if (by == GROUP_VCPU)
			k.vcpu = resolve_vcpu(&k, known, nr_known);
		g->of[i] = group_of_key(g, &k);
	}
	free(known);
	return 0;
}

int snapshot_group(const struct snapshot *in, enum grouping by, struct snapshot *out)
{
	struct groups g;
	struct sample *dst;
	size_t i, *pos, seen = 0;

	snapshot_init(out, in->arch);
	out->start_mono_ns = in->start_mono_ns;
	out->end_mono_ns = in->end_mono_ns;
	out->start_wall = in->start_wall;
	out->end_wall = in->end_wall;
	memcpy(out->drops, in->drops, sizeof(out->drops));
	if (find_groups(in, by, &g))
		return -ENOMEM;
	/* Where each group goes in key order; kept in the hash table, whose lookups are over. */
	pos = g.table;
	qsort(g.refs, g.nr, sizeof(*g.refs), group_ref_cmp);
	for (i = 0; i < g.nr; i++)
		pos[g.refs[i].id] = i;
	if (snapshot_reserve(out, g.nr)) {
		groups_free(&g);
		return -ENOMEM;
	}
	out->nr = g.nr;
	/* Each group's sample written once, by its first member; the others merge into it. */
	for (i = 0; i < in->nr; i++) {
		dst = &out->samples[pos[g.of[i]]];
		if (g.of[i] == seen) {	/* groups are numbered as first seen */
			seen++;
			dst->key = g.refs[pos[g.of[i]]].key;
			dst->val = in->samples[i].val;
		} else {
			value_merge(&dst->val, &in->samples[i].val);
		}
	}
	groups_free(&g);
	return 0;
}

static struct {
	enum grouping by;
	enum sort_key key;
	enum kvmstat_span span;
} sort_ctx;

static __u64 sort_metric(const struct sample *s)
{
	const struct kvmstat_span_stats *sp = &s->val.span[sort_ctx.span];

	switch (sort_ctx.key) {
	case SORT_TIME:
		return sp->sum_ns;
	case SORT_AVG:
		return sp->count ? sp->sum_ns / sp->count : 0;
	case SORT_MAX:
		return sp->max_ns;
	case SORT_MIN:
		return sp->min_ns;
	case SORT_COUNT:
	case SORT_CLASS:
		break;
	}
	return s->val.exits;
}

static int sample_sort_cmp(const void *pa, const void *pb)
{
	const struct sample *a = pa, *b = pb;
	__u64 ma, mb;

	/* Keep groups together: VM, then vCPU thread. */
	if (sort_ctx.by != GROUP_CLASS && a->key.vm != b->key.vm)
		return a->key.vm < b->key.vm ? -1 : 1;
	if (sort_ctx.by == GROUP_VCPU && (a->key.vcpu != b->key.vcpu || a->key.tid != b->key.tid))
		return a->key.vcpu != b->key.vcpu ? (a->key.vcpu < b->key.vcpu ? -1 : 1)
						  : (a->key.tid < b->key.tid ? -1 : 1);
	if (sort_ctx.key != SORT_CLASS) {
		ma = sort_metric(a);
		mb = sort_metric(b);
		if (ma != mb)
			return ma > mb ? -1 : 1;
	}
	if (a->key.class != b->key.class)
		return a->key.class < b->key.class ? -1 : 1;
	return a->key.flags < b->key.flags ? -1 : a->key.flags > b->key.flags;
}

void snapshot_sort(struct snapshot *s, enum grouping by, enum sort_key key, enum kvmstat_span span)
{
	sort_ctx.by = by;
	sort_ctx.key = key;
	sort_ctx.span = span;
	qsort(s->samples, s->nr, sizeof(*s->samples), sample_sort_cmp);
}

void snapshot_total(const struct snapshot *s, struct kvmstat_value *total)
{
	size_t i;

	memset(total, 0, sizeof(*total));
	for (i = 0; i < s->nr; i++)
		value_merge(total, &s->samples[i].val);
}

/* The midpoint of bucket i, clamped to what was seen. */
static __u64 bucket_mid(const struct kvmstat_span_stats *s, unsigned int i)
{
	__u64 lo = hist_bucket_lo(i);
	__u64 hi = i + 1 < KVMSTAT_HIST_BUCKETS ? hist_bucket_hi(i) : s->max_ns + 1;
	__u64 mid = lo + (hi - 1 - lo) / 2;

	if (mid < s->min_ns)
		mid = s->min_ns;
	if (mid > s->max_ns)
		mid = s->max_ns;
	return mid;
}

void span_percentiles(const struct kvmstat_span_stats *s, const double *p, __u64 *out,
		      unsigned int n)
{
	__u64 rank, seen = 0;
	unsigned int i = 0, k;

	for (k = 0; k < n; k++) {
		if (!s->count) {
			out[k] = 0;
			continue;
		}
		rank = (__u64)(p[k] / 100.0 * s->count + 0.999999);
		if (rank < 1)
			rank = 1;
		/* the walk goes on from the previous percentile's bucket */
		while (i < KVMSTAT_HIST_BUCKETS && seen + s->hist[i] < rank)
			seen += s->hist[i++];
		out[k] = i == KVMSTAT_HIST_BUCKETS ? s->max_ns : bucket_mid(s, i);
	}
}

__u64 span_percentile(const struct kvmstat_span_stats *s, double p)
{
	__u64 v;

	span_percentiles(s, &p, &v, 1);
	return v;
}
