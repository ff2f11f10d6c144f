// SPDX-License-Identifier: GPL-2.0
/* Second-level key rows: the samples projected with their key, merged and ordered. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/keys.h"
#include "model/view.h"

#define KEY_BITS (KVMSTAT_KEY_DETAIL | KVMSTAT_KEY_OTHER)

/* The grouping's part of a key, its class and origin, its key (or other, or unknown). */
static struct kvmstat_key project(const struct kvmstat_key *k, enum grouping by)
{
	struct kvmstat_key p = view_project_key(k, by);

	p.flags |= k->flags & KEY_BITS;
	p.detail = k->flags & KVMSTAT_KEY_DETAIL ? k->detail : 0;
	return p;
}

/* Group, class, origin: what a class row of the view is (its keys' order without the key). */
static int class_row_cmp(const struct kvmstat_key *a, const struct kvmstat_key *b)
{
	struct kvmstat_key x = view_project_key(a, GROUP_VCPU), y = view_project_key(b, GROUP_VCPU);

	return key_cmp(&x, &y);
}

static int sample_key_cmp(const void *pa, const void *pb)
{
	return key_cmp(&((const struct sample *)pa)->key, &((const struct sample *)pb)->key);
}

/* Within a class row: most exits first, then by key (a stable, documented order). */
static int by_count_cmp(const void *pa, const void *pb)
{
	const struct sample *a = pa, *b = pb;
	int c = class_row_cmp(&a->key, &b->key);

	if (c)
		return c;
	if (a->val.exits != b->val.exits)
		return a->val.exits > b->val.exits ? -1 : 1;
	if (a->key.flags != b->key.flags)
		return a->key.flags < b->key.flags ? -1 : 1;
	return a->key.detail < b->key.detail ? -1 : a->key.detail > b->key.detail;
}

int key_rows_build(struct key_rows *kr, const struct snapshot *s, enum grouping by)
{
	size_t i, n = 0;

	memset(kr, 0, sizeof(*kr));
	kr->by = by;
	kr->rows = malloc((s->nr ? s->nr : 1) * sizeof(*kr->rows));
	if (!kr->rows)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++) {
		kr->rows[i].key = project(&s->samples[i].key, by);
		kr->rows[i].val = s->samples[i].val;
	}
	qsort(kr->rows, s->nr, sizeof(*kr->rows), sample_key_cmp);
	for (i = 0; i < s->nr; i++) {	/* merge equal projected keys */
		if (n && !key_cmp(&kr->rows[n - 1].key, &kr->rows[i].key))
			value_merge(&kr->rows[n - 1].val, &kr->rows[i].val);
		else if (n++ != i)
			kr->rows[n - 1] = kr->rows[i];
	}
	kr->nr = n;
	qsort(kr->rows, n, sizeof(*kr->rows), by_count_cmp);
	return 0;
}

void key_rows_free(struct key_rows *kr)
{
	free(kr->rows);
	memset(kr, 0, sizeof(*kr));
}

const struct sample *key_rows_of(const struct key_rows *kr, const struct kvmstat_key *group,
				 const struct kvmstat_key *class_row, size_t *n)
{
	struct kvmstat_key want = project(class_row, kr->by);
	size_t lo = 0, hi = kr->nr, first;

	want.vm = group->vm;
	want.vcpu = group->vcpu;
	want.tid = group->tid;
	*n = 0;
	while (lo < hi) {	/* the first row not before want */
		size_t mid = lo + (hi - lo) / 2;

		if (class_row_cmp(&kr->rows[mid].key, &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < kr->nr && !class_row_cmp(&kr->rows[lo].key, &want))
		lo++;
	*n = lo - first;
	return *n ? &kr->rows[first] : NULL;
}

void key_top(const struct sample *rows, size_t n, size_t max, struct key_top *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	if (max > KVMSTAT_DETAIL_MAX_DEFAULT)
		max = KVMSTAT_DETAIL_MAX_DEFAULT;
	for (i = 0; i < n; i++) {
		const struct sample *r = &rows[i];

		if (r->key.flags & KVMSTAT_KEY_DETAIL && t->nr < max) {
			t->top[t->nr++] = r;
		} else if (r->key.flags & KEY_BITS) {	/* named beyond max, or the kernel's other */
			value_merge(&t->other, &r->val);
			t->other_keys += !!(r->key.flags & KVMSTAT_KEY_DETAIL);
			t->kernel_other |= !!(r->key.flags & KVMSTAT_KEY_OTHER);
			t->has_other = true;
		} else {
			value_merge(&t->unknown, &r->val);
			t->has_unknown = true;
		}
	}
}
