/* SPDX-License-Identifier: GPL-2.0 */
/* What `run` and `report` print of a snapshot: per span the table, then the histograms. */
#ifndef KVMSTAT_VIEWS_H
#define KVMSTAT_VIEWS_H

#include <stdbool.h>
#include <stdio.h>
#include "render/text.h"

struct view_opts {
	enum grouping by;
	enum sort_key sort;
	__u32 spans;			/* bit per enum kvmstat_span: a table (and histograms) each */
	bool hist;			/* histograms after each table */
	bool final;			/* the whole-run summary rather than one interval */
	const struct names *names;	/* raw: printed with control characters as '?' */
	unsigned int detail_top;	/* --detail: named keys per class row (0: keys not shown) */
};

/* The views of v (built to o->by with its totals: view_totals_for()), sorted per span.
 * 0 or a write error. */
int render_views(FILE *out, struct view *v, const struct view_opts *o);
/* The same of a snapshot: builds its view. 0, -ENOMEM or a write error. */
int render_snapshot_views(FILE *out, const struct snapshot *s, const struct view_opts *o);

/* The totals bit view_build needs for o's views. */
static inline __u32 view_totals_for(const struct view_opts *o)
{
	return 1U << o->by;
}

#endif /* KVMSTAT_VIEWS_H */
