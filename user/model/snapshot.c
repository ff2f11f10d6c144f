// SPDX-License-Identifier: GPL-2.0
/* Snapshot model: samples, interval deltas and merges. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/hist.h"
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

static int reserve(struct snapshot *s, size_t cap, bool zeroed)
{
	struct sample *n;

	if (cap <= s->cap)
		return 0;
	n = realloc(s->samples, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	if (zeroed)
		memset(n + s->cap, 0, (cap - s->cap) * sizeof(*n));
	s->samples = n;
	s->cap = cap;
	return 0;
}

int snapshot_reserve(struct snapshot *s, size_t cap)
{
	return reserve(s, cap, false);
}

int snapshot_reserve_zeroed(struct snapshot *s, size_t cap)
{
	return reserve(s, cap, true);
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

int snapshot_copy(struct snapshot *dst, const struct snapshot *src)
{
	struct sample *samples;
	size_t cap;
	int err = snapshot_reserve(dst, src->nr);

	if (err)
		return err;
	samples = dst->samples;
	cap = dst->cap;
	*dst = *src;
	dst->samples = samples;
	dst->cap = cap;
	if (src->nr)
		memcpy(dst->samples, src->samples, src->nr * sizeof(*src->samples));
	return 0;
}

static int sample_key_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct sample *)a)->key, &((const struct sample *)b)->key);
}

/* Sorts s by key and merges equal keys into one sample. */
static void sort_and_merge(struct snapshot *s)
{
	size_t i, n = s->nr ? 1 : 0;

	qsort(s->samples, s->nr, sizeof(*s->samples), sample_key_cmp);
	for (i = 1; i < s->nr; i++) {
		if (!key_cmp(&s->samples[n - 1].key, &s->samples[i].key))
			value_merge(&s->samples[n - 1].val, &s->samples[i].val);
		else
			s->samples[n++] = s->samples[i];
	}
	s->nr = n;
}

int snapshot_accumulate(struct snapshot *total, const struct snapshot *add)
{
	size_t i, sorted = total->nr;
	struct sample probe, *hit;

	if (!total->nr && !total->end_mono_ns) {	/* the first: what the total starts from */
		total->arch = add->arch;
		total->start_mono_ns = add->start_mono_ns;
		total->start_wall = add->start_wall;
	}
	total->end_mono_ns = add->end_mono_ns;
	total->end_wall = add->end_wall;
	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		total->drops[i] += add->drops[i];
	for (i = 0; i < add->nr; i++) {
		probe.key = add->samples[i].key;
		hit = sorted ? bsearch(&probe, total->samples, sorted, sizeof(probe), sample_key_cmp) : NULL;
		if (hit)
			value_merge(&hit->val, &add->samples[i].val);
		else if (!snapshot_add(total, &add->samples[i].key, &add->samples[i].val))
			return -ENOMEM;
	}
	/* Keys seen for the first time (rare once a run is under way): back into order. */
	if (total->nr > sorted)
		sort_and_merge(total);
	return 0;
}

__u64 key_hash(const struct kvmstat_key *k)
{
	__u64 h = k->class * 0x9E3779B97F4A7C15ULL;

	h ^= (((__u64)k->vm << 32) | k->vcpu) * 0xC2B2AE3D27D4EB4FULL;
	h ^= (((__u64)k->tid << 32) | k->flags) * 0x165667B19E3779F9ULL;
	h ^= k->detail * 0x27D4EB2F165667C5ULL;
	return h ^ (h >> 31);
}

int key_cmp(const struct kvmstat_key *a, const struct kvmstat_key *b)
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
	if (a->detail != b->detail)
		return a->detail < b->detail ? -1 : 1;
	return 0;
}

void span_delta_zeroed(const struct kvmstat_span_stats *p, const struct kvmstat_span_stats *c,
		       struct kvmstat_span_stats *d)
{
	unsigned int i, first, last;
	int lo = -1, hi = -1;

	d->count = c->count - p->count;
	d->sum_ns = c->sum_ns - p->sum_ns;
	d->min_ns = d->max_ns = 0;
	if (!d->count || !hist_range(c, &first, &last))
		return;
	for (i = first; i <= last; i++) {
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

void span_delta(const struct kvmstat_span_stats *p, const struct kvmstat_span_stats *c,
		struct kvmstat_span_stats *d)
{
	memset(d, 0, sizeof(*d));
	span_delta_zeroed(p, c, d);
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
	unsigned int i, first, last;

	if (!src->count)
		return;
	if (!dst->count || src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (hist_range(src, &first, &last))
		for (i = first; i <= last; i++)
			dst->hist[i] += src->hist[i];
}

void value_merge(struct kvmstat_value *dst, const struct kvmstat_value *src)
{
	int s;

	dst->exits += src->exits;
	for (s = 0; s < KVMSTAT_NR_SPANS; s++)
		span_merge(&dst->span[s], &src->span[s]);
}

void value_clear(struct kvmstat_value *v)
{
	unsigned int first, last;
	int s;

	v->exits = 0;
	for (s = 0; s < KVMSTAT_NR_SPANS; s++) {
		struct kvmstat_span_stats *sp = &v->span[s];

		if (hist_range(sp, &first, &last))
			memset(&sp->hist[first], 0, (last - first + 1) * sizeof(sp->hist[0]));
		sp->count = sp->sum_ns = sp->min_ns = sp->max_ns = 0;
	}
}
