// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "lib/stream.h"
#include "render/hist.h"
#include "render/table.h"
#include "render/views.h"

int render_views(FILE *out, struct view *v, const struct view_opts *o)
{
	struct printable_names pn;
	struct table_opts t = { .by = o->by, .final = o->final,
				.names = printable_names(&pn, o->names), .detail_top = o->detail_top };
	struct key_rows keys = {};
	int span, err = 0;

	if (o->detail_top) {
		err = key_rows_build(&keys, v->snap, o->by);
		t.keys = &keys;
	}
	for (span = 0; span < KVMSTAT_NR_SPANS && !err; span++) {
		if (!(o->spans & (1U << span)))
			continue;
		t.span = span;
		view_sort(v, o->by, o->sort, span);
		err = render_table(out, v, &t);
		fputc('\n', out);
		if (!err && o->hist) {
			err = render_hist(out, v, &t);
			fputc('\n', out);
		}
	}
	key_rows_free(&keys);
	return err ?: stream_flush(out);
}

int render_snapshot_views(FILE *out, const struct snapshot *s, const struct view_opts *o)
{
	struct view v;
	int err = view_build(&v, s, o->by, view_totals_for(o));

	err = err ?: render_views(out, &v, o);
	view_free(&v);
	return err;
}
