// SPDX-License-Identifier: GPL-2.0
/* run's outputs per interval and at the end, from its reader of the stats arrays. */
#include <errno.h>
#include <malloc.h>
#include <string.h>
#include "cli/output.h"

int output_prom(const struct run_output *o, const struct stats_reader *r)
{
	struct snapshot counts;
	int err;

	if (!o->prom_path)
		return 0;
	err = stats_reader_counts(r, &counts);
	if (!err)
		err = prom_write_file(o->prom_path, &counts, &o->prom);
	if (err)
		fprintf(stderr, "failed to write Prometheus file '%s': %s\n", o->prom_path,
			strerror(-err));
	snapshot_free(&counts);
	return err;
}

static void output_json(const struct run_output *o, const struct snapshot *s, const char *type)
{
	struct json_meta m = o->meta;

	m.type = type;
	if (o->json)
		render_json(o->json, s, &m);
}

/* Interval tables: of the interval, or since the start with cumulative. */
static int output_tables(const struct run_output *o, const struct stats_reader *r)
{
	struct view_opts v = o->view;
	struct snapshot since_start;
	int err = 0;

	if (!o->table)
		return 0;
	snapshot_init(&since_start, r->arch);
	v.final = o->cumulative;	/* titled "whole run": what the counts cover */
	if (o->cumulative)
		err = stats_reader_since_start(r, &since_start);
	if (o->redraw)
		fputs("\033[H\033[J", o->table);	/* redraw in place */
	err = err ?: render_views(o->table, o->cumulative ? &since_start : &r->interval, &v);
	snapshot_free(&since_start);
	return err;
}

int output_interval(const struct run_output *o, const struct stats_reader *r)
{
	int err = output_tables(o, r);

	if (!err) {
		output_json(o, &r->interval, "interval");
		output_prom(o, r);
	}
	return err;
}

int output_summary(const struct run_output *o, const struct stats_reader *r)
{
	struct view_opts v = o->view;
	struct snapshot total;
	int err = stats_reader_since_start(r, &total);

	v.final = true;
	if (!err && o->table) {
		if (!o->redraw)
			fputs("=== summary ===\n", o->table);
		err = render_views(o->table, &total, &v);
	}
	if (!err)
		output_json(o, &total, "total");
	snapshot_free(&total);
	return err;
}

void output_reuse_heap(void)
{
	mallopt(M_MMAP_MAX, 0);			/* large blocks from the heap, not mmap */
	mallopt(M_TRIM_THRESHOLD, 1 << 30);	/* and freed ones kept there */
}
