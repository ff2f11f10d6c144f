// SPDX-License-Identifier: GPL-2.0
/* The grouped view: each level's rows found by hashing projected keys, then sorted by key. */
#define _GNU_SOURCE	/* qsort_r */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/view.h"

struct kvmstat_key view_project_key(const struct kvmstat_key *k, enum grouping by)
{
	struct kvmstat_key p = { .class = k->class, .flags = k->flags & KVMSTAT_KEY_USER };

	if (by != GROUP_CLASS)
		p.vm = k->vm;
	if (by == GROUP_VCPU) {
		p.vcpu = k->vcpu;
		p.tid = k->tid;
	}
	return p;
}

/* The part of a projected key that names its group: class and origin cleared. */
static struct kvmstat_key group_key(const struct kvmstat_key *k)
{
	return (struct kvmstat_key){ .vm = k->vm, .vcpu = k->vcpu, .tid = k->tid };
}

static bool same_group(const struct kvmstat_key *a, const struct kvmstat_key *b)
{
	return a->vm == b->vm && a->vcpu == b->vcpu && a->tid == b->tid;
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
static struct thread_vcpu *known_thread_vcpus(const struct kvmstat_key *keys, size_t n, size_t *nr)
{
	struct thread_vcpu *t = malloc((n ? n : 1) * sizeof(*t));
	size_t i;

	*nr = 0;
	if (!t)
		return NULL;
	for (i = 0; i < n; i++)
		if (keys[i].vcpu != KVMSTAT_VCPU_UNKNOWN)
			t[(*nr)++] = (struct thread_vcpu){ keys[i].vm, keys[i].tid, keys[i].vcpu };
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

/* A row's projected key and its number in the order first seen. */
struct row_ref {
	struct kvmstat_key key;
	size_t id;
};

static int row_ref_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct row_ref *)a)->key, &((const struct row_ref *)b)->key);
}

/* The rows of one level before they are laid out: found by hashing projected keys. */
struct rows_found {
	struct row_ref *refs;	/* per row, in the order first seen (then sorted by key) */
	size_t nr;
	size_t *of;		/* per input row: its row */
	size_t *members;	/* per row: how many input rows it merges */
	size_t *first;		/* per row: its first input row */
	size_t *table;		/* open addressing: row + 1, 0 empty; then per row its place */
	size_t mask;
};

/* The row of key, a new one if none has it yet. */
static size_t row_of_key(struct rows_found *f, const struct kvmstat_key *key, size_t input)
{
	size_t h;

	for (h = key_hash(key) & f->mask; f->table[h]; h = (h + 1) & f->mask)
		if (!key_cmp(&f->refs[f->table[h] - 1].key, key))
			return f->table[h] - 1;
	f->refs[f->nr] = (struct row_ref){ .key = *key, .id = f->nr };
	f->members[f->nr] = 0;
	f->first[f->nr] = input;
	f->table[h] = ++f->nr;
	return f->nr - 1;
}

static void rows_found_free(struct rows_found *f)
{
	free(f->refs);
	free(f->of);
	free(f->members);
	free(f->first);
	free(f->table);
}

static int find_rows(const struct kvmstat_key *in, size_t n, enum grouping by, struct rows_found *f)
{
	struct thread_vcpu *known = NULL;
	size_t i, m = n ? n : 1, cap = 16, nr_known = 0;
	struct kvmstat_key k;

	while (cap < 2 * m)
		cap <<= 1;
	memset(f, 0, sizeof(*f));
	f->mask = cap - 1;
	f->table = calloc(cap, sizeof(*f->table));
	f->refs = malloc(m * sizeof(*f->refs));
	f->of = malloc(m * sizeof(*f->of));
	f->members = malloc(m * sizeof(*f->members));
	f->first = malloc(m * sizeof(*f->first));
	if (!f->table || !f->refs || !f->of || !f->members || !f->first ||
	    (by == GROUP_VCPU && !(known = known_thread_vcpus(in, n, &nr_known)))) {
		rows_found_free(f);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		k = view_project_key(&in[i], by);
		if (by == GROUP_VCPU)
			k.vcpu = resolve_vcpu(&k, known, nr_known);
		f->of[i] = row_of_key(f, &k, i);
		f->members[f->of[i]]++;
	}
	free(known);
	return 0;
}

/* Key order of the rows: per row its place, kept in the hash table, whose lookups are over. */
static size_t *order_rows(struct rows_found *f)
{
	size_t i, *pos = f->table;

	for (i = 1; i < f->nr && key_cmp(&f->refs[i - 1].key, &f->refs[i].key) < 0; i++)
		;
	if (i < f->nr)	/* the input is often in key order already (a finer level) */
		qsort(f->refs, f->nr, sizeof(*f->refs), row_ref_cmp);
	for (i = 0; i < f->nr; i++)
		pos[f->refs[i].id] = i;
	return pos;
}

/*
 * The rows laid out in key order: a row of one input row is that row; a row of
 * several is a sample of lvl->merged they are merged into.
 */
static int lay_out_rows(struct view_level *l, const struct sample *const *in, size_t n,
			struct rows_found *f)
{
	size_t i, r, nr_merged = 0, *pos = order_rows(f);
	struct sample *m;

	for (r = 0; r < f->nr; r++)
		nr_merged += f->members[r] > 1;
	l->rows = malloc((f->nr ? f->nr : 1) * sizeof(*l->rows));
	l->keys = malloc((f->nr ? f->nr : 1) * sizeof(*l->keys));
	if (!l->rows || !l->keys || snapshot_reserve_zeroed(&l->merged, nr_merged))
		return -ENOMEM;
	l->nr_rows = f->nr;
	for (r = 0; r < f->nr; r++) {
		l->keys[r] = f->refs[r].key;
		if (f->members[f->refs[r].id] == 1) {
			l->rows[r] = in[f->first[f->refs[r].id]];
			continue;
		}
		m = &l->merged.samples[l->merged.nr++];
		m->key = f->refs[r].key;
		l->rows[r] = m;
	}
	for (i = 0; i < n; i++) {
		r = pos[f->of[i]];
		if (l->rows[r] != in[i])
			value_merge(&((struct sample *)l->rows[r])->val, &in[i]->val);
	}
	return 0;
}

/* Consecutive rows of one VM (one vCPU thread; everything by class) form a group. */
static int find_groups(struct view_level *l, enum grouping by)
{
	size_t r, g = 0, n = 0;

	for (r = 0; r < l->nr_rows; r++)
		n += r == 0 || (by != GROUP_CLASS && !same_group(&l->keys[r - 1], &l->keys[r]));
	l->groups = calloc(n ? n : 1, sizeof(*l->groups));
	if (!l->groups)
		return -ENOMEM;
	l->nr_groups = n;
	for (r = 0; r < l->nr_rows; r++) {
		if (r && (by == GROUP_CLASS || same_group(&l->keys[r - 1], &l->keys[r]))) {
			l->groups[g - 1].nr++;
			l->groups[g - 1].exits += l->rows[r]->val.exits;
			continue;
		}
		l->groups[g++] = (struct view_group){
			.key = group_key(&l->keys[r]), .first = r, .nr = 1,
			.exits = l->rows[r]->val.exits,
		};
	}
	return 0;
}

static int sum_groups(struct view_level *l)
{
	size_t g, r;

	l->totals = calloc(l->nr_groups ? l->nr_groups : 1, sizeof(*l->totals));
	if (!l->totals)
		return -ENOMEM;
	for (g = 0; g < l->nr_groups; g++)
		for (r = l->groups[g].first; r < l->groups[g].first + l->groups[g].nr; r++)
			value_merge(&l->totals[g], &l->rows[r]->val);
	return 0;
}

/* Each group of the coarser level: the range of finer groups with its VM (by class: all). */
static void link_children(struct view_level *coarse, const struct view_level *fine, enum grouping by)
{
	size_t g, c = 0;

	for (g = 0; g < coarse->nr_groups; g++) {
		struct view_group *p = &coarse->groups[g];

		p->child_first = c;
		while (c < fine->nr_groups && (by == GROUP_CLASS || fine->groups[c].key.vm == p->key.vm))
			c++;
		p->child_nr = c - p->child_first;
	}
}

static int build_level(struct view_level *l, const struct sample *const *in,
		       const struct kvmstat_key *keys, size_t n, enum grouping by, bool totals)
{
	struct rows_found f;
	int err;

	snapshot_init(&l->merged, KVMSTAT_ARCH_UNKNOWN);
	err = find_rows(keys, n, by, &f);
	if (err)
		return err;
	err = lay_out_rows(l, in, n, &f) ?: find_groups(l, by) ?: (totals ? sum_groups(l) : 0);
	rows_found_free(&f);
	return err;
}

/* The finest level's input: the snapshot's samples and their keys. */
static int build_finest(struct view *v, const struct snapshot *s, __u32 totals)
{
	size_t i, n = s->nr ? s->nr : 1;
	const struct sample **in = malloc(n * sizeof(*in));
	struct kvmstat_key *keys = malloc(n * sizeof(*keys));
	int err = -ENOMEM;

	if (in && keys) {
		for (i = 0; i < s->nr; i++) {
			in[i] = &s->samples[i];
			keys[i] = s->samples[i].key;
		}
		err = build_level(&v->level[v->finest], in, keys, s->nr, v->finest,
				  totals & (1U << v->finest));
	}
	free(in);
	free(keys);
	return err;
}

int view_build(struct view *v, const struct snapshot *s, enum grouping finest, __u32 totals)
{
	struct view_level *l;
	size_t r;
	int by, err;

	memset(v, 0, sizeof(*v));
	v->snap = s;
	v->finest = finest;
	err = build_finest(v, s, totals);
	for (by = finest - 1; by >= GROUP_CLASS && !err; by--) {
		const struct view_level *fine = &v->level[by + 1];

		err = build_level(&v->level[by], fine->rows, fine->keys, fine->nr_rows, by,
				  totals & (1U << by));
		if (!err)
			link_children(&v->level[by], fine, by);
	}
	l = &v->level[GROUP_CLASS];
	for (r = 0; r < l->nr_rows && !err; r++)
		value_merge(&v->total, &l->rows[r]->val);
	return err;
}

static void level_free(struct view_level *l)
{
	free(l->rows);
	free(l->sorted);
	free(l->keys);
	free(l->groups);
	free(l->totals);
	snapshot_free(&l->merged);
}

void view_free(struct view *v)
{
	int by;

	for (by = 0; by < NR_GROUPINGS; by++)
		level_free(&v->level[by]);
	memset(v, 0, sizeof(*v));
}

struct sort_by {
	enum sort_key key;
	enum kvmstat_span span;
};

static __u64 sort_metric(const struct sample *s, const struct sort_by *by)
{
	const struct kvmstat_span_stats *sp = &s->val.span[by->span];

	switch (by->key) {
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
	case NR_SORT_KEYS:
		break;
	}
	return s->val.exits;
}

static int row_sort_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct sample *a = *(const struct sample *const *)pa, *b = *(const struct sample *const *)pb;
	const struct sort_by *by = ctx;
	__u64 ma, mb;

	if (by->key != SORT_CLASS) {
		ma = sort_metric(a, by);
		mb = sort_metric(b, by);
		if (ma != mb)
			return ma > mb ? -1 : 1;
	}
	if (a->key.class != b->key.class)
		return a->key.class < b->key.class ? -1 : 1;
	return a->key.flags < b->key.flags ? -1 : a->key.flags > b->key.flags;
}

void view_sort(struct view *v, enum grouping by, enum sort_key key, enum kvmstat_span span)
{
	struct view_level *l = &v->level[by];
	struct sort_by ctx = { key, span };
	size_t g;

	if (!l->sorted)
		l->sorted = malloc((l->nr_rows ? l->nr_rows : 1) * sizeof(*l->sorted));
	if (!l->sorted)
		return;		/* rows stay in key order */
	memcpy(l->sorted, l->rows, l->nr_rows * sizeof(*l->sorted));
	for (g = 0; g < l->nr_groups; g++)
		qsort_r(l->sorted + l->groups[g].first, l->groups[g].nr, sizeof(*l->sorted),
			row_sort_cmp, &ctx);
}

void view_groups(const struct view *v, enum grouping by, bool sorted, struct group_iter *it)
{
	*it = (struct group_iter){ .v = v, .by = by, .sorted = sorted,
				   .end = by <= v->finest ? v->level[by].nr_groups : 0 };
}

void view_children(const struct view *v, enum grouping by, const struct group *parent,
		   struct group_iter *it)
{
	const struct view_group *p = &v->level[by].groups[parent->index];

	*it = (struct group_iter){ .v = v, .by = by + 1, .next = p->child_first,
				   .end = by < v->finest ? p->child_first + p->child_nr : 0 };
}

bool group_next(struct group_iter *it, struct group *g)
{
	const struct view_level *l = &it->v->level[it->by];
	const struct view_group *vg;

	if (it->next >= it->end)
		return false;
	vg = &l->groups[it->next];
	*g = (struct group){
		.key = &vg->key,
		.rows = (it->sorted && l->sorted ? l->sorted : l->rows) + vg->first,
		.nr = vg->nr,
		.exits = vg->exits,
		.total = l->totals ? &l->totals[it->next] : NULL,
		.index = it->next,
	};
	it->next++;
	return true;
}
