// SPDX-License-Identifier: GPL-2.0
/*
 * `kvmstat-bpf run --replay FILE`: a saved run (run --json) in the live view,
 * one interval line after the other at the pace they were recorded (each
 * line's own length, divided by --speed). No root, no BPF: the live view's
 * source of snapshots that tests can drive, and a way to look at a run
 * recorded elsewhere. At the end of the file the view stays until q; on the
 * way out the summary of what was shown is printed, as run prints its own.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/live.h"
#include "cli/run.h"
#include "ndjson/name_book.h"
#include "ndjson/ndjson.h"
#include "render/views.h"

#define ERR_LEN 256

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct replay {
	const struct run_opts *o;
	FILE *f;
	size_t line;
	struct record rec;		/* the next interval line */
	struct sample_filter filter;	/* -p and --vcpu */
	struct name_book names;
	struct snapshot total;		/* the lines shown so far, summed */
	struct live view;
	bool live;
};

/* The next interval line into rp->rec: 1, 0 at the end of the file, or -errno (said). */
static int next_interval(struct replay *rp)
{
	const struct record_names names = name_book_filler(&rp->names);
	char *text = NULL, msg[ERR_LEN];
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	while ((n = getline(&text, &cap, rp->f)) >= 0) {
		rp->line++;
		if (strspn(text, " \t\r\n") >= (size_t)n)
			continue;
		snapshot_free(&rp->rec.snap);
		err = record_read_line(text, n, &rp->rec, &names, msg, sizeof(msg));
		if (err == RECORD_SLOW_LINE) {	/* run --slow's records: not in the live view */
			err = 0;
			continue;
		}
		if (err == -EINVAL)
			fprintf(stderr, "%s:%zu: %s\n", rp->o->replay, rp->line, msg);
		else if (err)
			fprintf(stderr, "failed to read '%s': %s\n", rp->o->replay, strerror(-err));
		if (err || !rp->rec.total)
			break;
	}
	free(text);
	if (!err && ferror(rp->f)) {
		fprintf(stderr, "failed to read '%s': %s\n", rp->o->replay, strerror(errno));
		err = -EIO;
	}
	if (err)
		return err;
	if (n < 0)
		return 0;
	snapshot_filter(&rp->rec.snap, &rp->filter);
	return 1;
}

static int copy_total(void *ctx, struct snapshot *out)
{
	struct replay *rp = ctx;

	return snapshot_copy(out, &rp->total);
}

/* The first line: what the view can show of the file (grouping, spans). 0 or -EINVAL (said). */
static int check_first(struct replay *rp)
{
	const struct run_opts *o = rp->o;
	const struct record *r = &rp->rec;
	enum grouping need = o->filter.nr_vcpus ? GROUP_VCPU : o->loader.vm_filter ? GROUP_VM : GROUP_CLASS;
	__u32 guest = 1U << KVMSTAT_SPAN_GUEST;

	if (o->by > r->level) {
		fprintf(stderr, "%s:%zu: line grouped by %s: -b %s needs lines written by run -b %s --json\n",
			o->replay, rp->line, schema_name(&schema_groupings, r->level),
			schema_name(&schema_groupings, o->by), schema_name(&schema_groupings, o->by));
		return -EINVAL;
	}
	if (r->level < need) {
		fprintf(stderr, "%s:%zu: line grouped by %s: %s needs lines written by run -b %s --json\n",
			o->replay, rp->line, schema_name(&schema_groupings, r->level),
			o->filter.nr_vcpus ? "--vcpu" : "-p", o->filter.nr_vcpus ? "vcpu" : "vm or vcpu");
		return -EINVAL;
	}
	/* --span guest or both asks for the guest span; handling (the default) for whichever is there */
	if ((o->loader.spans & guest) && !(r->spans & guest)) {
		fprintf(stderr, "%s: the saved run has no guest span (written without run --span guest|both)\n",
			o->replay);
		return -EINVAL;
	}
	return 0;
}

static int start_view(struct replay *rp)
{
	const struct run_opts *o = rp->o;
	const struct record *r = &rp->rec;
	char source[48];
	struct live_opts lo = {
		.arch = r->snap.arch, .by = o->by, .finest = r->level, .sort = o->sort,
		.spans = r->spans, .hist = o->hist, .cumulative = o->cumulative,
		.names = name_book_names(&rp->names), .source = source,
		.src = { copy_total, rp },
	};
	int err;

	snprintf(source, sizeof(source), "replay x%g", o->speed);
	lo.span = (o->loader.spans & r->spans) == (1U << KVMSTAT_SPAN_GUEST) ||
		  !(r->spans & (1U << KVMSTAT_SPAN_HANDLING)) ? KVMSTAT_SPAN_GUEST : KVMSTAT_SPAN_HANDLING;
	err = live_init(&rp->view, &lo, 80, 24) ?: live_start(&rp->view);
	rp->live = !err;
	if (err)
		fprintf(stderr, "failed to start the live view: %s\n", strerror(-err));
	return err;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Each line shown when its time has come; then the view stays until q (or -d, a signal). */
static int play(struct replay *rp)
{
	__u64 next = now_ns(), end = rp->o->duration_ns ? next + rp->o->duration_ns : UINT64_MAX;
	int more = 1, r = LIVE_TIMEOUT, err = 0;

	while (more > 0 && r == LIVE_TIMEOUT) {
		next += (__u64)((rp->rec.snap.end_mono_ns - rp->rec.snap.start_mono_ns) / rp->o->speed);
		r = live_wait(&rp->view, next < end ? next : end, &stop);
		if (r != LIVE_TIMEOUT || next >= end)
			break;
		err = snapshot_accumulate(&rp->total, &rp->rec.snap) ?:
		      live_update(&rp->view, &rp->rec.snap);
		more = err ? err : next_interval(rp);
	}
	if (more == 0) {
		err = live_set_ended(&rp->view) ?: live_wait(&rp->view, end, &stop);
	}
	if (more < 0)
		return more;
	return err < 0 ? err : r < 0 ? r : 0;
}

/* What was shown, as run's summary on a terminal. */
static int print_summary(struct replay *rp)
{
	const struct run_opts *o = rp->o;
	struct view_opts vo = {
		.by = o->by, .sort = o->sort, .spans = o->loader.spans & rp->rec.spans,
		.hist = o->hist, .final = true, .names = name_book_names(&rp->names),
	};
	int err = render_snapshot_views(stdout, &rp->total, &vo);

	if (err)
		fprintf(stderr, "failed to write table: %s\n", strerror(-err));
	return err;
}

int cmd_replay(const struct run_opts *o)
{
	struct replay rp = { .o = o, .filter = o->filter };
	int err;

	if (!term_usable()) {
		fprintf(stderr, "kvmstat-bpf run: --replay needs a terminal (report -I prints a saved "
			"run's intervals as text)\n");
		return 2;
	}
	rp.filter.vm = o->loader.vm_filter;
	name_book_init(&rp.names);
	snapshot_init(&rp.total, KVMSTAT_ARCH_UNKNOWN);
	snapshot_init(&rp.rec.snap, KVMSTAT_ARCH_UNKNOWN);
	rp.f = fopen(o->replay, "r");
	if (!rp.f) {
		fprintf(stderr, "failed to open '%s': %s\n", o->replay, strerror(errno));
		err = -errno;
		goto cleanup;
	}
	err = next_interval(&rp);
	if (err == 0) {
		fprintf(stderr, "%s: no interval lines to replay\n", o->replay);
		err = -EINVAL;
	}
	if (err < 0 || (err = check_first(&rp)))
		goto cleanup;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = start_view(&rp) ?: play(&rp);
	live_end(&rp.view);	/* messages held while the view was up come out here */
	if (rp.live && !err)
		err = print_summary(&rp);
cleanup:
	if (rp.live)
		live_free(&rp.view);
	if (rp.f)
		fclose(rp.f);
	snapshot_free(&rp.rec.snap);
	snapshot_free(&rp.total);
	name_book_free(&rp.names);
	return err ? 1 : 0;
}
