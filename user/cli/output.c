// SPDX-License-Identifier: GPL-2.0
/* run's outputs per interval and at the end, from its reader of the stats arrays. */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "lib/stream.h"
#include "render/openmetrics.h"
#include "cli/output.h"

static const char *const output_names[NR_OUTPUTS] = {
	[OUTPUT_TABLE] = "table",
	[OUTPUT_JSON] = "JSON output",
	[OUTPUT_PROM] = "Prometheus file",
	[OUTPUT_HTTP] = "exposition for /metrics",
};

/* Counts a failed write of an output; the first one is said. -ENOMEM is passed on. */
static int failed(struct run_output *o, enum output_kind k, int err)
{
	const char *path = k == OUTPUT_JSON ? o->json_path : k == OUTPUT_PROM ? o->prom_path : NULL;

	if (!err)
		return 0;
	if (!o->failed[k]++) {
		if (path)
			fprintf(stderr, "failed to write %s '%s': %s\n", output_names[k], path, strerror(-err));
		else
			fprintf(stderr, "failed to write %s: %s\n", output_names[k], strerror(-err));
	}
	return err == -ENOMEM ? err : 0;
}

unsigned int output_failures(const struct run_output *o, bool say)
{
	unsigned int n = 0;
	int k;

	for (k = 0; k < NR_OUTPUTS; k++) {
		if (o->failed[k] && say)
			fprintf(stderr, "kvmstat-bpf: %u write%s of the %s failed\n", o->failed[k],
				o->failed[k] == 1 ? "" : "s", output_names[k]);
		n += o->failed[k];
	}
	return n;
}

static int write_prom(FILE *f, void *ctx)
{
	return prom_state_write(ctx, f);
}

int output_prom_update(struct run_output *o, const struct stats_reader *r)
{
	struct snapshot counts;
	int err;

	if (!o->prom_started)
		prom_state_init(&o->prom_state, r->arch, &o->prom);
	if (o->prom_started && o->prom_reads + 1 == r->reads)
		err = prom_state_add(&o->prom_state, &r->interval);
	else {	/* the first time, or a read was missed: the counts since load */
		prom_state_reset(&o->prom_state);
		err = stats_reader_counts(r, &counts) ?: prom_state_add(&o->prom_state, &counts);
		snapshot_free(&counts);
	}
	o->prom_started = true;
	o->prom_reads = err ? 0 : r->reads;	/* after a failure: from the counts again */
	return err;
}

/* Both formats of the exposition to the publisher (which takes the buffers). */
static int publish_expo(struct run_output *o)
{
	char *text = NULL, *om = NULL;
	size_t text_len = 0, om_len = 0;
	FILE *f = open_memstream(&text, &text_len);
	int err;

	if (!f)
		return -ENOMEM;
	err = prom_state_write(&o->prom_state, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	err = err ?: prom_text_to_openmetrics(text, text_len, &om, &om_len);
	if (err) {
		free(text);
		return err;
	}
	return o->publish(o->publish_ctx, text, text_len, om, om_len);
}

/* As failed(), passing every error on. */
static int failed_write(struct run_output *o, enum output_kind k, int err)
{
	failed(o, k, err);
	return err;
}

int output_prom(struct run_output *o, const struct stats_reader *r)
{
	int err, file_err = 0, http_err = 0;

	if (!o->prom_path && !o->publish)
		return 0;
	err = output_prom_update(o, r);
	if (o->prom_path)
		file_err = failed_write(o, OUTPUT_PROM,
					err ?: file_replace(o->prom_path, write_prom, &o->prom_state));
	if (o->publish)
		http_err = failed_write(o, OUTPUT_HTTP, err ?: publish_expo(o));
	return file_err ?: http_err;
}

static int write_json(struct run_output *o, const struct view *v, enum record_type type)
{
	struct ndjson_meta m = o->meta;

	m.type = type;
	return failed(o, OUTPUT_JSON, ndjson_write(o->json, v, &m));
}

static int write_tables(struct run_output *o, struct view *v, bool final)
{
	struct view_opts opts = o->view;

	opts.final = final;
	return failed(o, OUTPUT_TABLE, render_views(o->table, v, &opts));
}

static enum grouping finer(enum grouping a, enum grouping b)
{
	return a > b ? a : b;
}

/* Interval tables since the start (--cumulative): a view of their own. */
static int write_cumulative(struct run_output *o, const struct stats_reader *r)
{
	struct snapshot since_start;
	struct view v = {};
	int err = stats_reader_since_start(r, &since_start) ?:
		  view_build(&v, &since_start, o->view.by, view_totals_for(&o->view));

	err = err ?: write_tables(o, &v, true);	/* titled "whole run": what the counts cover */
	view_free(&v);
	snapshot_free(&since_start);
	return err;
}

int output_interval(struct run_output *o, const struct stats_reader *r)
{
	bool table = o->table && !o->cumulative;
	enum grouping finest = GROUP_CLASS;
	struct view v = {};
	int err = 0;

	if (table)
		finest = o->view.by;
	if (o->json)
		finest = finer(finest, o->meta.by);
	if (o->table && o->redraw)
		fputs("\033[H\033[J", o->table);	/* redraw in place */
	if (table || o->json)
		err = view_build(&v, &r->interval, finest, table ? view_totals_for(&o->view) : 0);
	if (!err && table)
		err = write_tables(o, &v, false);
	if (!err && o->table && o->cumulative)
		err = write_cumulative(o, r);
	if (!err && o->json)
		err = write_json(o, &v, RECORD_INTERVAL);
	view_free(&v);
	if (!err && (o->prom_path || o->publish))
		err = output_prom(o, r) == -ENOMEM ? -ENOMEM : 0;
	return err;
}

int output_summary(struct run_output *o, const struct stats_reader *r)
{
	enum grouping finest = o->json ? finer(o->view.by, o->meta.by) : o->view.by;
	unsigned int before = o->failed[OUTPUT_TABLE] + o->failed[OUTPUT_JSON];
	struct snapshot total;
	struct view v = {};
	int err = stats_reader_since_start(r, &total) ?:
		  view_build(&v, &total, finest, view_totals_for(&o->view));

	if (!err && o->table) {
		if (!o->redraw)
			fputs("=== summary ===\n", o->table);
		err = write_tables(o, &v, true);
	}
	if (!err && o->json)
		err = write_json(o, &v, RECORD_TOTAL);
	view_free(&v);
	snapshot_free(&total);
	if (!err && o->failed[OUTPUT_TABLE] + o->failed[OUTPUT_JSON] != before)
		err = -EIO;	/* said by failed() */
	return err;
}

void output_free(struct run_output *o)
{
	if (o->prom_started)
		prom_state_free(&o->prom_state);
	o->prom_started = false;
}

void output_reuse_heap(void)
{
	mallopt(M_MMAP_MAX, 0);			/* large blocks from the heap, not mmap */
	mallopt(M_TRIM_THRESHOLD, 1 << 30);	/* and freed ones kept there */
}
