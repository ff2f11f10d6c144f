// SPDX-License-Identifier: GPL-2.0
/*
 * `kvmstat-bpf report FILE...`: saved NDJSON back into the views of `run`. No
 * BPF, no root, any host arch: the classes decode by the arch the lines name.
 *
 * What is merged: every "interval" line of every file; they sum exactly to
 * the run's "total" line, which also covers a run that was cut short. A file's
 * "total" lines are used only when the file has no interval line (a file of
 * totals only), so nothing is counted twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "cli/detail_args.h"
#include "cli/report.h"
#include "lib/stream.h"
#include "model/slow.h"
#include "ndjson/name_book.h"
#include "ndjson/ndjson.h"
#include "render/html.h"
#include "render/slow.h"
#include "render/views.h"

#define ERR_LEN 256

/* A file's total line, kept until the end of the file tells whether it is needed. */
struct pending {
	struct record rec;
	size_t line;
};

struct report {
	const struct report_opts *o;
	const char *file;		/* being read, for errors */
	struct snapshot merged;		/* samples of every merged line, at their own levels */
	size_t nr_merged;
	enum grouping level;		/* coarsest grouping of the merged lines */
	__u32 spans;			/* spans every merged line has */
	__u64 duration_ns;		/* sum of the merged lines' intervals */
	char host[RECORD_STR_LEN], kernel[RECORD_STR_LEN], vcpu_source[RECORD_STR_LEN];
	size_t file_intervals;
	struct pending *pending;
	size_t nr_pending;
	struct name_book names;
	struct series series;		/* --html: the interval lines over time */
	bool charting;			/* series started (by the first interval line) */
	__u32 detail_max;		/* the largest of the merged lines (--detail) */
	__u64 slow_threshold_ns;	/* the first the merged lines name (--slow) */
	__u64 slow_records;		/* the records the merged lines say were sent */
	struct slow_list slow;		/* "slow_exit" lines */
	/* -I: the interval shown last, whose slow-exit lines follow it in the file */
	bool interval_open;
	struct slow_text_opts interval_text;
	struct slow_list interval_slow;
};

/* The line's grouping must be fine enough for -b, -p and --vcpu. */
static int check_level(struct report *rep, const struct record *r, size_t line)
{
	const struct report_opts *o = rep->o;
	const char *what = NULL;

	if (r->level < o->by)
		what = o->by == GROUP_VCPU ? "-b vcpu" : "-b vm";
	else if (o->filter.vm && r->level < GROUP_VM)
		what = "-p";
	else if (o->filter.nr_vcpus && r->level < GROUP_VCPU)
		what = "--vcpu";
	if (!what)
		return 0;
	fprintf(stderr, "%s:%zu: line grouped by %s: %s needs lines written by run -b %s --json\n",
		rep->file, line, schema_name(&schema_groupings, r->level), what,
		!strcmp(what, "-b vm") || !strcmp(what, "-p") ? "vm or vcpu" : "vcpu");
	return -EINVAL;
}

static int merge_record(struct report *rep, struct record *r, size_t line)
{
	struct snapshot *m = &rep->merged;
	size_t i;

	if (!rep->nr_merged && m->arch != KVMSTAT_ARCH_UNKNOWN && m->arch != r->snap.arch) {
		fprintf(stderr, "%s:%zu: arch %s differs from %s of the lines before: one arch per report\n",
			rep->file, line, arch_name(r->snap.arch), arch_name(m->arch));
		return -EINVAL;
	}
	if (!rep->nr_merged) {
		m->arch = r->snap.arch;
		m->start_wall = r->snap.start_wall;
		m->start_mono_ns = r->snap.start_mono_ns;
		rep->level = r->level;
		rep->spans = r->spans;
		memcpy(rep->host, r->host, sizeof(rep->host));
		memcpy(rep->kernel, r->kernel, sizeof(rep->kernel));
		memcpy(rep->vcpu_source, r->vcpu_source, sizeof(rep->vcpu_source));
	} else if (r->snap.arch != m->arch) {
		fprintf(stderr, "%s:%zu: arch %s differs from %s of the lines before: one arch per report\n",
			rep->file, line, arch_name(r->snap.arch), arch_name(m->arch));
		return -EINVAL;
	}
	if (r->level < rep->level)
		rep->level = r->level;
	rep->spans &= r->spans;
	if (r->detail_max > rep->detail_max)
		rep->detail_max = r->detail_max;
	if (!rep->slow_threshold_ns)
		rep->slow_threshold_ns = r->slow_threshold_ns;
	rep->slow_records += r->slow_records;
	m->end_wall = r->snap.end_wall;
	rep->duration_ns += r->snap.end_mono_ns - r->snap.start_mono_ns;
	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		m->drops[i] += r->snap.drops[i];
	for (i = 0; i < r->snap.nr; i++)
		if (!snapshot_add(m, &r->snap.samples[i].key, &r->snap.samples[i].val))
			return -ENOMEM;
	rep->nr_merged++;
	return 0;
}

static const struct names *report_names(struct report *rep)
{
	return name_book_names(&rep->names);
}

/* A failed write of the tables (stdout) said; -ENOMEM is said by the caller. */
static int say_table_error(int err)
{
	if (err && err != -ENOMEM)
		fprintf(stderr, "failed to write table: %s\n", strerror(-err));
	return err;
}

/* -I: the slow-exit lines of the interval shown last, as run showed them under it. */
static int close_interval(struct report *rep)
{
	int err;

	if (!rep->interval_open)
		return 0;
	rep->interval_open = false;
	slow_list_sort(&rep->interval_slow);
	err = render_slow(stdout, &rep->interval_slow, &rep->interval_text);
	slow_list_clear(&rep->interval_slow);
	return say_table_error(err);
}

/* One interval's own view, as `run` showed it (its slow-exit lines come after it). */
static int show_interval(struct report *rep, const struct record *r)
{
	const struct report_opts *o = rep->o;
	struct view_opts v = {
		.by = o->by, .sort = o->sort, .spans = (o->spans ?: r->spans) & r->spans,
		.hist = o->hist, .names = report_names(rep),
		.detail_top = r->detail_max ? (o->detail_top ?: DETAIL_TOP_DEFAULT) : 0,
	};
	int err = say_table_error(render_snapshot_views(stdout, &r->snap, &v));

	if (err || !r->slow_threshold_ns)
		return err;
	rep->interval_open = true;
	rep->interval_text = (struct slow_text_opts){
		.arch = r->snap.arch, .names = report_names(rep), .threshold_ns = r->slow_threshold_ns,
		.title = "in this interval", .recorded = r->slow_records,
		.suppressed = r->snap.drops[KVMSTAT_DROP_SLOW_SUPPRESSED],
		.lost = r->snap.drops[KVMSTAT_DROP_SLOW_LOST], .max_lines = SLOW_LINES_INTERVAL,
	};
	return 0;
}

/* Tables on stdout, unless JSON or the page goes there instead. */
static bool tables_shown(const struct report_opts *o)
{
	return !(o->json_path && !strcmp(o->json_path, "-")) && !(o->html_path && !strcmp(o->html_path, "-"));
}

/* --html: the spans asked for (--span), else handling time if the lines have it. */
static __u32 chart_spans(const struct report_opts *o, const struct record *r)
{
	__u32 handling = 1U << KVMSTAT_SPAN_HANDLING;

	if (o->spans)
		return o->spans & r->spans;
	return r->spans & handling ? handling : r->spans;
}

/* --html: the interval line as the next column of the series. */
static int chart_record(struct report *rep, const struct record *r)
{
	struct view v;
	int err;

	if (!rep->o->html_path)
		return 0;
	if (!rep->charting) {
		series_init(&rep->series, rep->o->by, chart_spans(rep->o, r));
		rep->charting = true;
	}
	err = view_build(&v, &r->snap, rep->o->by, 0) ?: series_add(&rep->series, &v);
	view_free(&v);
	return err;
}

static int keep_pending(struct report *rep, struct record *r, size_t line)
{
	struct pending *p = realloc(rep->pending, (rep->nr_pending + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	rep->pending = p;
	p[rep->nr_pending].rec = *r;	/* takes the samples */
	p[rep->nr_pending++].line = line;
	snapshot_init(&r->snap, r->snap.arch);
	return 0;
}

static int use_record(struct report *rep, struct record *r, size_t line)
{
	const struct report_opts *o = rep->o;
	int err = close_interval(rep);

	if (err)
		return err;
	if (r->total)
		return keep_pending(rep, r, line);
	err = check_level(rep, r, line);
	if (err)
		return err;
	snapshot_filter(&r->snap, &o->filter);
	rep->file_intervals++;
	if (o->intervals && tables_shown(o))
		err = show_interval(rep, r);
	return err ?: chart_record(rep, r) ?: merge_record(rep, r, line);
}

/* A "slow_exit" line: kept (if -p and --vcpu keep it) for the lines under the totals. */
static int use_slow(struct report *rep, const struct jval *root, size_t line)
{
	const struct record_names names = name_book_filler(&rep->names);
	struct slow_decoded d;
	struct slow_list one = { .e = &d.e, .nr = 1 };
	char msg[ERR_LEN];
	int err = slow_decode(root, &d, &names, msg, sizeof(msg));

	if (err) {
		fprintf(stderr, "%s:%zu: %s\n", rep->file, line, msg);
		return err;
	}
	if (rep->merged.arch == KVMSTAT_ARCH_UNKNOWN)
		rep->merged.arch = d.arch;
	if (d.arch != rep->merged.arch) {
		fprintf(stderr, "%s:%zu: arch %s differs from %s of the lines before: one arch per report\n",
			rep->file, line, arch_name(d.arch), arch_name(rep->merged.arch));
		return -EINVAL;
	}
	slow_list_filter(&one, &rep->o->filter);
	if (!one.nr)
		return 0;
	if (rep->interval_open && slow_list_add(&rep->interval_slow, &d.e))
		return -ENOMEM;
	return slow_list_add(&rep->slow, &d.e);
}

/* Is the line only whitespace (a blank line between records is let through)? */
static bool blank(const char *s, size_t n)
{
	return strspn(s, " \t\r\n") >= n;
}

/* A "slow_exit" line record_read_line parsed already (its JSON is valid). */
static int read_slow_line(struct report *rep, const char *text, size_t n, size_t line)
{
	struct json_error jerr;
	struct jval root;
	int err = json_parse(text, n, &root, &jerr);

	if (err)
		return err;
	err = use_slow(rep, &root, line);
	jval_free(&root);
	return err;
}

static int read_line(struct report *rep, char *text, size_t n, size_t line)
{
	const struct record_names names = name_book_filler(&rep->names);
	struct record r;
	char msg[ERR_LEN];
	int err = record_read_line(text, n, &r, &names, msg, sizeof(msg));

	if (err == RECORD_SLOW_LINE)
		return read_slow_line(rep, text, n, line);
	if (err == -EINVAL)
		fprintf(stderr, "%s:%zu: %s\n", rep->file, line, msg);
	else if (!err)
		err = use_record(rep, &r, line);	/* -ENOMEM: said once by read_file */
	snapshot_free(&r.snap);
	return err;
}

/* The file's total lines: merged (with merge) only if it had no interval line. */
static int flush_pending(struct report *rep, bool merge)
{
	struct pending *p;
	size_t i;
	int err = 0;

	for (i = 0; i < rep->nr_pending; i++) {
		p = &rep->pending[i];
		if (merge && !err && !rep->file_intervals) {
			err = check_level(rep, &p->rec, p->line);
			snapshot_filter(&p->rec.snap, &rep->o->filter);
			err = err ?: merge_record(rep, &p->rec, p->line);
		}
		snapshot_free(&p->rec.snap);
	}
	rep->nr_pending = 0;
	rep->file_intervals = 0;
	return err;
}

static int read_lines(struct report *rep, FILE *f)
{
	size_t cap = 0, line = 0, records = 0;
	char *text = NULL;
	ssize_t n;
	int err = 0;

	while (!err && (n = getline(&text, &cap, f)) >= 0) {
		line++;
		if (blank(text, n))
			continue;
		err = read_line(rep, text, n, line);
		records++;
	}
	free(text);
	if (!err && ferror(f)) {
		fprintf(stderr, "failed to read '%s': %s\n", rep->file, strerror(errno));
		err = -EIO;
	}
	if (!err && !records) {
		fprintf(stderr, "%s: no kvmstat-bpf records (empty file)\n", rep->file);
		err = -EINVAL;
	}
	return err;
}

static int read_file(struct report *rep, const char *path)
{
	bool std = !strcmp(path, "-");
	FILE *f = std ? stdin : fopen(path, "r");
	int err;

	if (!f) {
		fprintf(stderr, "failed to open '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	rep->file = std ? "(stdin)" : path;
	err = read_lines(rep, f);
	err = err ?: close_interval(rep);
	if (!std)
		fclose(f);
	if (err == -ENOMEM)
		fprintf(stderr, "failed to read '%s': %s\n", rep->file, strerror(ENOMEM));
	return flush_pending(rep, !err) ?: err;
}

/* The slow-exit lines again, after the total line, each with its own time. */
static int write_json_slow(struct report *rep, FILE *f)
{
	struct slow_line_meta m = {
		.host = rep->host, .kernel = rep->kernel, .arch = rep->merged.arch,
		.names = report_names(rep), .keys = rep->detail_max,
	};
	size_t i;
	int err = 0;

	for (i = 0; i < rep->slow.nr && !err; i++) {
		err = ndjson_write_slow(f, &rep->slow.e[i], &m);
	}
	return err;
}

static int write_json(struct report *rep, const struct view *v)
{
	const char *path = rep->o->json_path;
	struct ndjson_meta m = {
		.type = RECORD_TOTAL, .host = rep->host, .kernel = rep->kernel,
		.vcpu_source = rep->vcpu_source, .spans = rep->spans, .by = rep->level,
		.names = report_names(rep), .detail_max = rep->detail_max,
		.slow_threshold_ns = rep->slow_threshold_ns, .slow_records = rep->slow_records,
	};
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int err;

	if (!f) {
		fprintf(stderr, "failed to open JSON output '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	err = ndjson_write(f, v, &m) ?: write_json_slow(rep, f);
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "failed to write JSON output '%s': %s\n", path, strerror(-err));
	return err;
}

/* The slow exits of the merged lines, by time, under the totals. */
static int show_slow(struct report *rep)
{
	struct slow_text_opts t = {
		.arch = rep->merged.arch, .names = report_names(rep),
		.threshold_ns = rep->slow_threshold_ns,
		.title = rep->o->nr_files > 1 ? "slowest of the runs" : "slowest of the run",
		.recorded = rep->slow.nr, .suppressed = rep->merged.drops[KVMSTAT_DROP_SLOW_SUPPRESSED],
		.lost = rep->merged.drops[KVMSTAT_DROP_SLOW_LOST], .max_lines = SLOW_LINES_SUMMARY,
	};
	struct slow_list slowest = {};
	int err;

	if (!rep->slow_threshold_ns && !rep->slow.nr)
		return 0;
	err = slow_list_keep_slowest(&slowest, &rep->slow, SLOW_LINES_SUMMARY);
	err = err ?: say_table_error(render_slow(stdout, &slowest, &t));
	slow_list_free(&slowest);
	return err;
}

/* The merged totals: one view (and JSON line) as run's summary would show. */
static int show_totals(struct report *rep)
{
	const struct report_opts *o = rep->o;
	struct view_opts vo = {
		.by = o->by, .sort = o->sort, .spans = o->spans ?: rep->spans, .hist = o->hist,
		.final = true, .names = report_names(rep),
		.detail_top = rep->detail_max ? (o->detail_top ?: DETAIL_TOP_DEFAULT) : 0,
	};
	enum kvmstat_span missing;
	struct view v;
	int err;

	if (vo.spans & ~rep->spans) {
		missing = vo.spans & ~rep->spans & (1U << KVMSTAT_SPAN_HANDLING) ?
			  KVMSTAT_SPAN_HANDLING : KVMSTAT_SPAN_GUEST;
		fprintf(stderr, "kvmstat-bpf: the input has no %s span (written without run --span %s|both)\n",
			span_name(missing), span_name(missing));
		return -EINVAL;
	}
	/* What the merged lines cover: their intervals one after the other. */
	rep->merged.end_mono_ns = rep->merged.start_mono_ns + rep->duration_ns;
	err = view_build(&v, &rep->merged, rep->level, view_totals_for(&vo));	/* merges equal keys */
	if (!err && o->json_path)
		err = write_json(rep, &v);
	if (!err && tables_shown(o)) {
		if (o->intervals)
			fputs("=== summary ===\n", stdout);	/* as run prints it */
		err = say_table_error(render_views(stdout, &v, &vo));
		err = err ?: show_slow(rep);
	}
	if (err == -ENOMEM)
		fprintf(stderr, "failed to merge records: %s\n", strerror(ENOMEM));
	view_free(&v);
	return err;
}

static int write_html(struct report *rep)
{
	const char *path = rep->o->html_path;
	struct html_opts ho = {
		.source = rep->o->files[0], .host = rep->host, .kernel = rep->kernel,
		.spans = rep->series.spans, .names = report_names(rep),
	};
	FILE *f;
	int err;

	if (!rep->series.nr_intervals) {
		fprintf(stderr, "%s: no interval lines: --html charts each interval (run --json writes them)\n",
			rep->o->files[0]);
		return -EINVAL;
	}
	f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		fprintf(stderr, "failed to open HTML report '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	err = render_html(f, &rep->series, &ho);
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "failed to write HTML report '%s': %s\n", path, strerror(-err));
	return err;
}

int cmd_report(const struct report_opts *o)
{
	struct report rep = { .o = o };
	int f, err = 0;

	snapshot_init(&rep.merged, KVMSTAT_ARCH_UNKNOWN);
	name_book_init(&rep.names);
	for (f = 0; f < o->nr_files && !err; f++)
		err = read_file(&rep, o->files[f]);
	slow_list_sort(&rep.slow);
	if (!err)
		err = show_totals(&rep);
	if (!err && o->html_path)
		err = write_html(&rep);
	if (rep.charting)
		series_free(&rep.series);
	snapshot_free(&rep.merged);
	slow_list_free(&rep.slow);
	slow_list_free(&rep.interval_slow);
	free(rep.pending);
	name_book_free(&rep.names);
	return err ? 1 : 0;
}
