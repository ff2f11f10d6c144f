// SPDX-License-Identifier: GPL-2.0
/* run's outputs per interval and at the end, from its reader of the stats arrays. */
#include <errno.h>
#include <malloc.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/stream.h"
#include "render/openmetrics.h"
#include "cli/output.h"

static const char *const output_names[NR_OUTPUTS] = {
	[OUTPUT_TABLE] = "table",
	[OUTPUT_JSON] = "JSON output",
	[OUTPUT_PROM] = "Prometheus file",
	[OUTPUT_HTTP] = "exposition for /metrics",
};

static FILE *output_file(const struct run_output *o, enum output_kind k)
{
	return k == OUTPUT_TABLE ? o->table : k == OUTPUT_JSON ? o->json : NULL;
}

/* Counts a failed write of an output; the first one is said. -ENOMEM is passed on. */
static int failed(struct run_output *o, enum output_kind k, int err)
{
	const char *path = k == OUTPUT_JSON ? o->json_path : k == OUTPUT_PROM ? o->prom_path : NULL;

	if (!err)
		return 0;
	if (err == -EPIPE && output_file(o, k) == stdout) {
		/* The reader of stdout is gone (`run | head`): not a failure, the end of the run. */
		o->stdout_gone = true;
		__fpurge(stdout);	/* what it will never read */
		return 0;
	}
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
		/* the JSON output stopped at its one failure, said then */
		if (o->failed[k] && say && k != OUTPUT_JSON)
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

/* Keys of ended threads the reader folded into VM 0 (--keep-ended), so far. */
static __u64 folded_keys(const struct stats_reader *r)
{
	return r->ended.nr_ended - r->ended.nr;
}

/*
 * The state holds a series for every key it was given, but the reader folds the oldest
 * ended threads' keys into VM 0 (--keep-ended): once as many keys as it keeps have folded
 * since the state was made, it is made again from the counts, which have them folded. So
 * ended threads' series stay within twice --keep-ended keys, each key costs one remake
 * (amortized), and a host where VMs come and go does not grow the exposition for ever.
 */
static bool prom_state_outgrown(const struct run_output *o, const struct stats_reader *r)
{
	return folded_keys(r) - o->prom_folded >= (r->ended.cap ? r->ended.cap : 1);
}

int output_prom_update(struct run_output *o, const struct stats_reader *r)
{
	struct snapshot counts;
	int err;

	if (o->prom_started && prom_state_outgrown(o, r)) {
		prom_state_free(&o->prom_state);
		o->prom_started = false;
	}
	if (!o->prom_started) {
		prom_state_init(&o->prom_state, r->arch, &o->prom);
		o->prom_folded = folded_keys(r);
	}
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
	if (o->prom_path) {
		file_err = failed_write(o, OUTPUT_PROM,
					err ?: file_replace(o->prom_path, write_prom, &o->prom_state));
		if (!file_err && o->prom_failing)	/* the operator saw it fail: say it works again */
			fprintf(stderr, "kvmstat-bpf: %s '%s' written again (%u writes failed so far)\n",
				output_names[OUTPUT_PROM], o->prom_path, o->failed[OUTPUT_PROM]);
		o->prom_failing = file_err;
	}
	if (o->publish)
		http_err = failed_write(o, OUTPUT_HTTP, err ?: publish_expo(o));
	return file_err ?: http_err;
}

void output_start(struct run_output *o)
{
	o->json_good = o->json ? ftell(o->json) : -1;
}

/*
 * A failed JSON write stops the JSON output, cut back to its last complete line so the file
 * stays NDJSON that report reads (a later line after a gap would make report's sums wrong).
 * One line says it all.
 */
static void stop_json(struct run_output *o, int err)
{
	const char *path = o->json == stdout ? "(stdout)" : o->json_path;
	struct stat st;

	o->json_stopped = true;
	o->failed[OUTPUT_JSON]++;
	__fpurge(o->json);	/* the unwritten rest of the line: never flushed later */
	if (o->json_good >= 0 && !fstat(fileno(o->json), &st) && S_ISREG(st.st_mode) &&
	    !ftruncate(fileno(o->json), o->json_good))
		fprintf(stderr, "failed to write JSON output '%s': %s: stopped after %lu complete line%s\n",
			path, strerror(-err), o->json_lines, o->json_lines == 1 ? "" : "s");
	else
		fprintf(stderr, "failed to write JSON output '%s': %s: stopped (its last line may be cut "
			"short)\n", path, strerror(-err));
}

static int write_json(struct run_output *o, const struct view *v, enum record_type type)
{
	struct ndjson_meta m = o->meta;
	int err;

	if (o->json_stopped || (o->json == stdout && o->stdout_gone))
		return 0;
	m.type = type;
	if (o->slow)
		m.slow_records = type == RECORD_TOTAL ? o->slow_recorded : o->slow->nr;
	err = ndjson_write(o->json, v, &m);
	if (!err) {
		o->json_lines++;
		o->json_good = o->json_good >= 0 ? ftell(o->json) : -1;
		return 0;
	}
	if (err == -ENOMEM)
		return err;
	if (err == -EPIPE && o->json == stdout)
		return failed(o, OUTPUT_JSON, err);	/* the reader is gone: the end */
	stop_json(o, err);
	return 0;
}

/* --slow: the interval's records as lines after its JSON line. */
static int write_json_slow(struct run_output *o)
{
	struct slow_line_meta m = o->slow_line;
	size_t i;
	int err = 0;

	for (i = 0; i < o->slow->nr && !err; i++)
		err = failed(o, OUTPUT_JSON, ndjson_write_slow(o->json, &o->slow->e[i], &m));
	return err;
}

/* --slow: lines under the table, the interval's records or the run's slowest. */
static int write_slow_lines(struct run_output *o, const struct slow_list *l, const struct snapshot *s,
			    bool final)
{
	struct slow_text_opts t = o->slow_text;

	t.title = final ? "slowest of the run" : "in this interval";
	t.recorded = final ? o->slow_recorded : l->nr;
	t.suppressed = s->drops[KVMSTAT_DROP_SLOW_SUPPRESSED];
	t.lost = s->drops[KVMSTAT_DROP_SLOW_LOST];
	t.max_lines = final ? SLOW_LINES_SUMMARY : SLOW_LINES_INTERVAL;
	return failed(o, OUTPUT_TABLE, render_slow(o->table, l, &t));
}

static int write_tables(struct run_output *o, struct view *v, bool final)
{
	struct view_opts opts = o->view;

	if (o->table == stdout && o->stdout_gone)
		return 0;
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
	if (o->table && o->redraw && !o->stdout_gone)
		fputs("\033[H\033[J", o->table);	/* redraw in place */
	if (table || o->json)
		err = view_build(&v, &r->interval, finest, table ? view_totals_for(&o->view) : 0);
	if (!err && table)
		err = write_tables(o, &v, false);
	if (!err && o->table && o->cumulative)
		err = write_cumulative(o, r);
	if (o->slow)
		slow_list_sort(o->slow);
	if (!err && o->slow && o->table)
		err = write_slow_lines(o, o->slow, &r->interval, false);
	if (!err && o->json)
		err = write_json(o, &v, RECORD_INTERVAL);
	if (!err && o->json && o->slow)
		err = write_json_slow(o);
	view_free(&v);
	if (!err && o->slow) {
		o->slow_recorded += o->slow->nr;
		err = slow_list_keep_slowest(&o->slowest, o->slow, SLOW_LINES_SUMMARY);
		slow_list_clear(o->slow);
	}
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

	if (!err && o->table && !(o->table == stdout && o->stdout_gone)) {
		if (!o->redraw)
			fputs("=== summary ===\n", o->table);
		err = write_tables(o, &v, true);
		if (!err && o->slow)
			err = write_slow_lines(o, &o->slowest, &total, true);
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
	slow_list_free(&o->slowest);
	if (o->prom_started)
		prom_state_free(&o->prom_state);
	o->prom_started = false;
}

void output_reuse_heap(void)
{
	mallopt(M_MMAP_MAX, 0);			/* large blocks from the heap, not mmap */
	mallopt(M_TRIM_THRESHOLD, 1 << 30);	/* and freed ones kept there */
}
