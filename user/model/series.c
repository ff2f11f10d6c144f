// SPDX-License-Identifier: GPL-2.0
/* A run over time: rows of cells, one per column, merged pairwise past the width. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/hist.h"
#include "model/series.h"

void series_init(struct series *s, enum grouping by, __u32 spans)
{
	memset(s, 0, sizeof(*s));
	s->by = by;
	s->spans = spans;
	s->per_column = 1;
}

static void cell_free(struct series_cell *c)
{
	int k;

	for (k = 0; k < KVMSTAT_NR_SPANS; k++)
		free(c->span[k].hist);
	memset(c, 0, sizeof(*c));
}

void series_free(struct series *s)
{
	size_t r, c;

	for (r = 0; r < s->nr_rows; r++) {
		for (c = 0; c < s->nr_columns; c++)
			cell_free(&s->rows[r].cells[c]);
		free(s->rows[r].cells);
	}
	free(s->rows);
	free(s->columns);
	series_init(s, s->by, s->spans);
}

/* Room in d for the buckets [lo, hi) (and those it has). 0 or -ENOMEM. */
static int span_widen(struct series_span *d, unsigned int lo, unsigned int hi)
{
	__u64 *h;

	if (d->nr) {
		lo = lo < d->first ? lo : d->first;
		hi = hi > d->first + d->nr ? hi : d->first + d->nr;
		if (lo == d->first && hi - lo == d->nr)
			return 0;
	}
	h = calloc(hi - lo, sizeof(*h));
	if (!h)
		return -ENOMEM;
	if (d->nr)
		memcpy(h + (d->first - lo), d->hist, d->nr * sizeof(*h));
	free(d->hist);
	d->hist = h;
	d->first = lo;
	d->nr = hi - lo;
	return 0;
}

/* d += src: counts and sums added, extremes combined, buckets added over src's range. */
static int span_add(struct series_span *d, const struct series_span *src)
{
	unsigned int i;
	int err;

	if (!src->count)
		return 0;
	if (src->nr) {
		err = span_widen(d, src->first, src->first + src->nr);
		if (err)
			return err;
		for (i = 0; i < src->nr; i++)
			d->hist[src->first - d->first + i] += src->hist[i];
	}
	if (!d->count || src->min_ns < d->min_ns)
		d->min_ns = src->min_ns;
	if (src->max_ns > d->max_ns)
		d->max_ns = src->max_ns;
	d->count += src->count;
	d->sum_ns += src->sum_ns;
	return 0;
}

/* The model's stats seen as a series span over their range (no copy of the buckets). */
static struct series_span span_view(const struct kvmstat_span_stats *s)
{
	struct series_span v = { s->count, s->sum_ns, s->min_ns, s->max_ns, 0, 0, NULL };
	unsigned int first, last;

	if (hist_range(s, &first, &last)) {
		v.first = first;
		v.nr = last - first + 1;
		v.hist = (__u64 *)&s->hist[first];
	}
	return v;
}

void series_span_expand(const struct series_span *c, struct kvmstat_span_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->count = c->count;
	out->sum_ns = c->sum_ns;
	out->min_ns = c->min_ns;
	out->max_ns = c->max_ns;
	if (c->nr)
		memcpy(&out->hist[c->first], c->hist, c->nr * sizeof(*c->hist));
}

static int cell_add_value(struct series_cell *c, const struct kvmstat_value *v, __u32 spans)
{
	struct series_span src;
	int k, err = 0;

	c->exits += v->exits;
	for (k = 0; k < KVMSTAT_NR_SPANS && !err; k++) {
		if (!(spans & (1U << k)))
			continue;
		src = span_view(&v->span[k]);
		err = span_add(&c->span[k], &src);
	}
	return err;
}

/* c += o, then o emptied. */
static int cell_take(struct series_cell *c, struct series_cell *o)
{
	int k, err = 0;

	c->exits += o->exits;
	for (k = 0; k < KVMSTAT_NR_SPANS && !err; k++)
		err = span_add(&c->span[k], &o->span[k]);
	cell_free(o);
	return err;
}

/* Columns 2i and 2i+1 become column i: the run fills half the width again. */
static int halve_columns(struct series *s)
{
	size_t r, c, n = s->nr_columns;
	int err = 0;

	for (c = 0; c < n; c++) {
		struct series_column *dst = &s->columns[c / 2], *src = &s->columns[c];

		if (c % 2 == 0) {
			*dst = *src;
			continue;
		}
		dst->end_mono_ns = src->end_mono_ns;
		dst->intervals += src->intervals;
	}
	for (r = 0; r < s->nr_rows && !err; r++)
		for (c = 0; c < n && !err; c++) {
			struct series_cell *cells = s->rows[r].cells;

			if (c % 2) {
				err = cell_take(&cells[c / 2], &cells[c]);
			} else if (c) {	/* c / 2 was emptied (taken or moved) before */
				cells[c / 2] = cells[c];
				memset(&cells[c], 0, sizeof(cells[c]));
			}
		}
	s->nr_columns = (n + 1) / 2;
	s->per_column *= 2;
	return err;
}

static int grow_cells(struct series *s, size_t cap)
{
	struct series_column *cols;
	struct series_cell *cells;
	size_t r;

	if (cap <= s->cap_columns)
		return 0;
	cols = realloc(s->columns, cap * sizeof(*cols));
	if (!cols)
		return -ENOMEM;
	s->columns = cols;
	for (r = 0; r < s->nr_rows; r++) {
		cells = realloc(s->rows[r].cells, cap * sizeof(*cells));
		if (!cells)
			return -ENOMEM;
		memset(cells + s->cap_columns, 0, (cap - s->cap_columns) * sizeof(*cells));
		s->rows[r].cells = cells;
	}
	s->cap_columns = cap;
	return 0;
}

/* The column the next interval line goes to: a new one when the last is full. */
static int next_column(struct series *s, const struct snapshot *snap)
{
	size_t cap;
	int err;

	if (s->nr_intervals % s->per_column)
		return 0;
	if (s->nr_columns == SERIES_MAX_COLUMNS) {
		err = halve_columns(s);
		if (err)
			return err;
	}
	cap = s->cap_columns ? s->cap_columns : 16;
	while (cap < s->nr_columns + 1)
		cap *= 2;
	err = grow_cells(s, cap < SERIES_MAX_COLUMNS ? cap : SERIES_MAX_COLUMNS);
	if (err)
		return err;
	s->columns[s->nr_columns++] = (struct series_column){ .start_mono_ns = snap->start_mono_ns };
	return 0;
}

/* The row of key (projected), inserted in key order when new. NULL when out of memory. */
static struct series_row *row_of(struct series *s, const struct kvmstat_key *key)
{
	size_t lo = 0, hi = s->nr_rows, mid;
	struct series_row *rows, *row;
	int cmp;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		cmp = key_cmp(&s->rows[mid].key, key);
		if (!cmp)
			return &s->rows[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->nr_rows == s->cap_rows) {
		rows = realloc(s->rows, (s->cap_rows ? 2 * s->cap_rows : 16) * sizeof(*rows));
		if (!rows)
			return NULL;
		s->rows = rows;
		s->cap_rows = s->cap_rows ? 2 * s->cap_rows : 16;
	}
	row = &s->rows[lo];
	memmove(row + 1, row, (s->nr_rows - lo) * sizeof(*row));
	memset(row, 0, sizeof(*row));
	row->key = *key;
	row->cells = calloc(s->cap_columns ? s->cap_columns : 1, sizeof(*row->cells));
	if (!row->cells) {
		memmove(row, row + 1, (s->nr_rows - lo) * sizeof(*row));
		return NULL;
	}
	s->nr_rows++;
	return row;
}

static int add_group(struct series *s, const struct group *g, size_t col)
{
	struct kvmstat_key key = *g->key;
	struct series_row *row;
	size_t i;
	int err = 0;

	for (i = 0; i < g->nr && !err; i++) {
		key.class = g->rows[i]->key.class;
		key.flags = g->rows[i]->key.flags;
		row = row_of(s, &key);
		if (!row)
			return -ENOMEM;
		value_merge(&row->total, &g->rows[i]->val);
		err = cell_add_value(&row->cells[col], &g->rows[i]->val, s->spans);
	}
	return err;
}

int series_add(struct series *s, const struct view *v)
{
	const struct snapshot *snap = v->snap;
	struct group_iter it;
	struct group g;
	size_t i, col;
	int err;

	if (v->finest < s->by)
		return -EINVAL;
	if (!s->nr_intervals) {
		s->arch = snap->arch;
		s->start_wall = snap->start_wall;
	}
	err = next_column(s, snap);
	if (err)
		return err;
	col = s->nr_columns - 1;
	s->columns[col].end_mono_ns = snap->end_mono_ns;
	s->columns[col].intervals++;
	s->end_wall = snap->end_wall;
	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		s->drops[i] += snap->drops[i];
	s->nr_intervals++;
	view_groups(v, s->by, false, &it);
	while (!err && group_next(&it, &g))
		err = add_group(s, &g, col);
	return err;
}
