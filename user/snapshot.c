// SPDX-License-Identifier: GPL-2.0
/* Snapshot model: delta, grouping, sorting, histogram math. */
#define _GNU_SOURCE	/* qsort_r */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"

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

void snapshot_swap(struct snapshot *a, struct snapshot *b)
{
	struct snapshot t = *a;

	*a = *b;
	*b = t;
}

void snapshot_move(struct snapshot *dst, struct snapshot *src)
{
	snapshot_free(dst);
	*dst = *src;
	src->samples = NULL;
	src->nr = src->cap = 0;
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

struct sample *snapshot_add(struct snapshot *s, const struct kvmstat_key *key,
			    const struct kvmstat_value *val)
{
	struct sample *n;

	if (s->nr == s->cap && snapshot_reserve(s, s->cap ? s->cap * 2 : 64))
		return NULL;
	n = &s->samples[s->nr++];
	n->key = *key;
	n->val = *val;
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

int snapshot_sample_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct sample *)a)->key, &((const struct sample *)b)->key);
}

static int index_key_cmp(const void *a, const void *b, void *base)
{
	const struct sample *s = base;

	return key_cmp(&s[*(const size_t *)a].key, &s[*(const size_t *)b].key);
}

/*
 * Sorts samples by key. A sample is ~2 KiB: sort their indexes, then apply the
 * permutation in place so each sample moves once (qsort would move it log n times).
 */
int snapshot_sort_by_key(struct snapshot *s)
{
	size_t *from, i, j, k;
	struct sample tmp;

	if (s->nr < 2)
		return 0;
	from = malloc(s->nr * sizeof(*from));
	if (!from)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++)
		from[i] = i;
	qsort_r(from, s->nr, sizeof(*from), index_key_cmp, s->samples);
	/* Position i takes the sample now at from[i]: follow each cycle once. */
	for (i = 0; i < s->nr; i++) {
		if (from[i] == i)
			continue;
		tmp = s->samples[i];
		for (j = i; (k = from[j]) != i; j = k) {
			s->samples[j] = s->samples[k];
			from[j] = j;
		}
		s->samples[j] = tmp;
		from[j] = j;
	}
	free(from);
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

static void span_delta(const struct kvmstat_span_stats *p, const struct kvmstat_span_stats *c,
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

static bool value_empty(const struct kvmstat_value *v)
{
	unsigned int i;

	if (v->exits)
		return false;
	for (i = 0; i < KVMSTAT_NR_SPANS; i++)
		if (v->span[i].count)
			return false;
	return true;
}

int snapshot_delta(const struct snapshot *prev, const struct snapshot *cur, struct snapshot *out)
{
	static const struct kvmstat_value zero;
	struct kvmstat_value d;
	const struct sample *p;
	size_t i, j;
	int s;

	snapshot_init(out, cur->arch);
	out->start_mono_ns = prev->end_mono_ns;
	out->start_wall = prev->end_wall;
	out->end_mono_ns = cur->end_mono_ns;
	out->end_wall = cur->end_wall;
	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		out->drops[i] = cur->drops[i] - prev->drops[i];
	/* Both sorted by key: walk them together. */
	if (snapshot_reserve(out, cur->nr))
		return -ENOMEM;
	for (i = 0, j = 0; i < cur->nr; i++) {
		while (j < prev->nr && key_cmp(&prev->samples[j].key, &cur->samples[i].key) < 0)
			j++;
		p = j < prev->nr && !key_cmp(&prev->samples[j].key, &cur->samples[i].key) ?
		    &prev->samples[j] : NULL;
		d.exits = cur->samples[i].val.exits - (p ? p->val.exits : 0);
		for (s = 0; s < KVMSTAT_NR_SPANS; s++)
			span_delta(p ? &p->val.span[s] : &zero.span[s], &cur->samples[i].val.span[s],
				   &d.span[s]);
		if (value_empty(&d))
			continue;
		if (!snapshot_add(out, &cur->samples[i].key, &d))
			return -ENOMEM;
	}
	return 0;
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

int snapshot_group(const struct snapshot *in, enum grouping by, struct snapshot *out)
{
	struct thread_vcpu *known = NULL;
	struct kvmstat_key k;
	struct sample *last;
	size_t i, nr_known = 0;

	snapshot_init(out, in->arch);
	out->start_mono_ns = in->start_mono_ns;
	out->end_mono_ns = in->end_mono_ns;
	out->start_wall = in->start_wall;
	out->end_wall = in->end_wall;
	memcpy(out->drops, in->drops, sizeof(out->drops));
	if (by == GROUP_VCPU && !(known = known_thread_vcpus(in, &nr_known)))
		return -ENOMEM;
	if (snapshot_reserve(out, in->nr)) {
		free(known);
		return -ENOMEM;
	}
	for (i = 0; i < in->nr; i++) {
		k = project_key(&in->samples[i].key, by);
		if (by == GROUP_VCPU)
			k.vcpu = resolve_vcpu(&k, known, nr_known);
		snapshot_add(out, &k, &in->samples[i].val);
	}
	free(known);
	if (snapshot_sort_by_key(out))
		return -ENOMEM;
	/* Merge runs of equal keys in place. */
	last = NULL;
	for (i = 0; i < out->nr; i++) {
		if (last && !key_cmp(&last->key, &out->samples[i].key)) {
			value_merge(&last->val, &out->samples[i].val);
			continue;
		}
		last = last ? last + 1 : out->samples;
		if (last != &out->samples[i])
			*last = out->samples[i];
	}
	out->nr = last ? (size_t)(last - out->samples) + 1 : 0;
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

__u64 span_percentile(const struct kvmstat_span_stats *s, double p)
{
	__u64 rank, seen = 0, lo, hi, mid;
	unsigned int i;

	if (!s->count)
		return 0;
	rank = (__u64)(p / 100.0 * s->count + 0.999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++) {
		seen += s->hist[i];
		if (seen >= rank)
			break;
	}
	if (i == KVMSTAT_HIST_BUCKETS)
		return s->max_ns;
	lo = hist_bucket_lo(i);
	hi = i + 1 < KVMSTAT_HIST_BUCKETS ? hist_bucket_hi(i) : s->max_ns + 1;
	mid = lo + (hi - 1 - lo) / 2;
	if (mid < s->min_ns)
		mid = s->min_ns;
	if (mid > s->max_ns)
		mid = s->max_ns;
	return mid;
}
