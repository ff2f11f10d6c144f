// SPDX-License-Identifier: GPL-2.0
/* `kvmstat-bpf run`: attach, then one table (and JSON line) per interval, a summary at the end. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "../arch/arch.h"
#include "format.h"
#include "loader.h"
#include "names.h"
#include "render.h"
#include "run.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static const struct names proc_names = {
	.vm_name = proc_vm_name,
	.thread_name = proc_thread_name,
};

struct run_state {
	const struct run_opts *o;
	struct loader loader;
	struct snapshot start, prev, cur;
	FILE *json;
	bool tty;
	struct utsname uts;
};

static void print_view(struct run_state *st, const struct snapshot *delta, bool final)
{
	const struct run_opts *o = st->o;
	struct table_opts t = { .by = o->by, .final = final, .names = &proc_names };
	struct snapshot view;
	int s;

	if (o->quiet_table)
		return;
	snapshot_init(&view, delta->arch);
	if (snapshot_group(delta, o->by, &view)) {
		fprintf(stderr, "kvmstat-bpf: failed to group snapshot: %s\n", strerror(ENOMEM));
		return;
	}
	if (st->tty && !final)
		fputs("\033[H\033[J", stdout);	/* redraw in place */
	for (s = 0; s < KVMSTAT_NR_SPANS; s++) {
		if (!(o->loader.spans & (1U << s)))
			continue;
		t.span = s;
		snapshot_sort(&view, o->by, o->sort, s);
		render_table(stdout, &view, &t);
		fputc('\n', stdout);
	}
	fflush(stdout);
	snapshot_free(&view);
}

static void write_json(struct run_state *st, const struct snapshot *s, const char *type)
{
	struct json_meta m = {
		.type = type,
		.host = st->uts.nodename,
		.kernel = st->uts.release,
		.vcpu_source = st->loader.vcpu_source,
		.spans = st->o->loader.spans,
		.by = st->o->json_by,
		.names = &proc_names,
	};

	if (st->json)
		render_json(st->json, s, &m);
}

/* One interval: read, difference with the previous read, show. */
static int emit_interval(struct run_state *st)
{
	struct snapshot delta;
	int err;

	snapshot_init(&st->cur, st->o->loader.arch);
	err = snapshot_read(st->loader.stats_fd, st->loader.drops_fd, &st->cur);
	if (err) {
		fprintf(stderr, "failed to read stats map: %s\n", strerror(-err));
		return err;
	}
	err = snapshot_delta(&st->prev, &st->cur, &delta);
	if (err) {
		snapshot_free(&delta);
		return err;
	}
	print_view(st, &delta, false);
	write_json(st, &delta, "interval");
	snapshot_free(&delta);
	snapshot_move(&st->prev, &st->cur);
	return 0;
}

static int emit_summary(struct run_state *st)
{
	struct snapshot total;
	int err = snapshot_delta(&st->start, &st->prev, &total);

	if (!err) {
		if (!st->tty)
			printf("=== summary ===\n");
		print_view(st, &total, true);
		write_json(st, &total, "total");
	}
	snapshot_free(&total);
	return err;
}

static void add_ns(struct timespec *ts, __u64 ns)
{
	ns += ts->tv_nsec;
	ts->tv_sec += ns / 1000000000ULL;
	ts->tv_nsec = ns % 1000000000ULL;
}

static void print_setup(struct run_state *st)
{
	const struct loader_opts *lo = &st->o->loader;
	int ncpus = libbpf_num_possible_cpus();

	fprintf(stderr, "kvmstat-bpf: attached (%s), vCPU ids from %s; maps up to %.1f MiB "
		"(%u keys x %zu B%s, %d possible CPUs)\n", st->loader.attach_kind, st->loader.vcpu_source,
		loader_map_memory(lo, ncpus, 0) / 1048576.0, lo->max_keys,
		sizeof(struct kvmstat_key) + sizeof(struct kvmstat_value), lo->percpu ? " per CPU" : "",
		ncpus);
}

static int open_json(struct run_state *st)
{
	const char *path = st->o->json_path;

	if (!path)
		return 0;
	if (!strcmp(path, "-")) {
		st->json = stdout;
		return 0;
	}
	st->json = fopen(path, "w");
	if (!st->json) {
		fprintf(stderr, "failed to open JSON output '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int run_loop(struct run_state *st)
{
	const struct run_opts *o = st->o;
	struct timespec next;
	__u64 elapsed = 0;
	int err = 0;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!exiting && !err) {
		add_ns(&next, o->interval_ns);
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR && !exiting)
			continue;
		err = emit_interval(st);	/* also the partial last one: intervals sum to the total */
		elapsed += o->interval_ns;
		if (o->duration_ns && elapsed >= o->duration_ns)
			break;
	}
	return err;
}

int cmd_run(const struct run_opts *o)
{
	struct run_state st = { .o = o };
	int err;

	uname(&st.uts);
	st.tty = isatty(STDOUT_FILENO) && !o->json_stdout;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = loader_check_host(&o->loader);
	if (err)
		return 1;
	err = open_json(&st);
	if (err)
		return 1;
	err = loader_start(&st.loader, &o->loader);
	if (err)
		goto cleanup;
	if (o->loader.verbose)
		print_setup(&st);
	/* Cumulative counts at attach: the baseline of the first interval and the summary. */
	snapshot_init(&st.start, o->loader.arch);
	err = snapshot_read(st.loader.stats_fd, st.loader.drops_fd, &st.start);
	if (err) {
		fprintf(stderr, "failed to read stats map: %s\n", strerror(-err));
		goto cleanup;
	}
	st.prev = st.start;
	st.prev.samples = NULL;
	st.prev.nr = st.prev.cap = 0;
	err = run_loop(&st);
	if (!err)
		err = emit_summary(&st);
cleanup:
	loader_stop(&st.loader);
	if (st.json && st.json != stdout)
		fclose(st.json);
	snapshot_free(&st.start);
	snapshot_free(&st.prev);
	snapshot_free(&st.cur);
	names_cache_free();
	return err ? 1 : 0;
}
