// SPDX-License-Identifier: GPL-2.0
/* `kvmstat-bpf run`: attach, then read the stats arrays every interval and hand them to output.c. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "arch/arch.h"
#include "cli/http_export.h"
#include "cli/live.h"
#include "cli/name_sweep.h"
#include "cli/output.h"
#include "cli/run.h"
#include "cli/term.h"
#include "host/proc_names.h"
#include "host/vmm.h"
#include "host/vcpu_threads.h"
#include "loader/loader.h"
#include "loader/slow_reader.h"

static volatile sig_atomic_t exiting;

/*
 * SIGINT, SIGTERM, SIGHUP: end the run after the interval, with the summary and a clean
 * detach. A second one ends the process at once (a summary stuck on a full pipe, an
 * impatient Ctrl-C); the kernel detaches the programs when their fds close.
 */
static void on_signal(int sig)
{
	if (exiting) {
		term_restore_in_signal();	/* the live view's terminal, if it has one */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	exiting = 1;
}

static void handle_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed stdout is seen as EPIPE where it is written, so the run can end cleanly. */
	signal(SIGPIPE, SIG_IGN);
}

static const struct names proc_names = {
	.vm_name = proc_vm_name,
	.thread_name = proc_thread_name,
	.vm_uuid = proc_vm_uuid,
	.vm_scope = proc_vm_scope,
};

struct run_state {
	const struct run_opts *o;
	struct loader loader;
	struct stats_reader reader;	/* its interval: what changed since the previous read */
	FILE *json;
	bool tty;
	bool live;			/* the interactive view (cli/live.c) instead of the tables */
	struct live view;
	struct utsname uts;
	struct run_output out;
	struct prom_info prom_info;	/* kvmstat_build_info */
	struct http_export *http;	/* --listen */
	struct thread_vcpus thread_vcpus;	/* found in /proc at attach, if needed */
	char vcpu_source[96];		/* the loader's, "+proc" with the /proc scan */
	struct slow_reader slow;	/* --slow */
	struct slow_list slow_interval;	/* the records read since the last interval */
	size_t names_kept;		/* names the last sweep of the cache kept */
};

static __u64 ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000ULL + ts->tv_nsec;
}

/* Reads what changed since the previous read (the first read: the baseline). */
static int read_stats(struct run_state *st)
{
	int err = stats_reader_update(&st->reader);

	if (err)
		fprintf(stderr, "failed to read stats arrays: %s\n", strerror(-err));
	return err;
}

/* One interval: read, then show and write what changed since the previous read. */
/*
 * -v: the heap in use after each interval, as malloc counts it. RSS hides a slow leak for
 * hours: the memory libbpf frees after loading stays in the heap (output_reuse_heap) and
 * later allocations reuse it; the bytes in use show it at once (the soak checks them).
 */
static void print_heap(void)
{
	struct mallinfo2 mi = mallinfo2();

	fprintf(stderr, "kvmstat-bpf: heap %zu B in use, %zu B free\n", mi.uordblks, mi.fordblks);
}

static int emit_interval(struct run_state *st)
{
	int err = read_stats(st);

	if (err)
		return err;
	name_sweep(&st->reader, &st->names_kept);	/* -ENOMEM: the next one tries again */
	if (st->o->loader.verbose)
		print_heap();
	if (st->out.slow)	/* --vcpu: as the reader leaves out the samples */
		slow_list_filter(st->out.slow, &st->o->filter);
	err = output_interval(&st->out, &st->reader);
	if (!err && st->live)
		err = live_update(&st->view, &st->reader.interval);
	if (err)
		fprintf(stderr, "failed to show interval: %s\n", strerror(-err));
	return err;
}

static int emit_summary(struct run_state *st)
{
	int err = output_summary(&st->out, &st->reader);

	if (err == -ENOMEM)	/* a failed write was said where it failed */
		fprintf(stderr, "failed to show summary: %s\n", strerror(-err));
	return err;
}

static int publish_http(void *http, char *text, size_t text_len, char *om, size_t om_len)
{
	return http_export_publish(http, text, text_len, om, om_len);
}

/* What run writes, where and how, once the loader has said where vCPU ids come from. */
static void setup_output(struct run_state *st)
{
	const struct run_opts *o = st->o;

	st->out = (struct run_output){
		.table = o->quiet_table || st->live ? NULL : stdout,
		.redraw = st->tty,
		.cumulative = o->cumulative,
		.view = { .by = o->by, .sort = o->sort, .spans = o->loader.spans, .hist = o->hist,
			  .names = &proc_names },
		.json = st->json,
		.json_path = o->json_path,
		.meta = { .host = st->uts.nodename, .kernel = st->uts.release,
			  .vcpu_source = st->vcpu_source, .spans = o->loader.spans,
			  .by = o->json_by, .names = &proc_names },
		.prom_path = o->prom_path,
		.publish = st->http ? publish_http : NULL,
		.publish_ctx = st->http,
		.prom = { .spans = o->loader.spans, .names = &proc_names, .info = &st->prom_info,
			  .keys = o->loader.detail, .slow = o->loader.slow_ns },
	};
	st->prom_info = (struct prom_info){ .version = KVMSTAT_VERSION, .kernel = st->uts.release,
					    .vcpu_source = st->vcpu_source };
	st->out.view.detail_top = o->loader.detail ? o->detail_top : 0;
	st->out.meta.detail_max = o->loader.detail ?
				  (o->loader.detail_max ?: KVMSTAT_DETAIL_MAX_DEFAULT) : 0;
	st->out.meta.slow_threshold_ns = o->loader.slow_ns;
	if (!o->loader.slow_ns)
		return;
	st->out.slow = &st->slow_interval;
	st->out.slow_text = (struct slow_text_opts){ .arch = o->loader.arch, .names = &proc_names,
						     .threshold_ns = o->loader.slow_ns };
	st->out.slow_line = (struct slow_line_meta){ .host = st->uts.nodename,
						     .kernel = st->uts.release, .arch = o->loader.arch,
						     .names = &proc_names, .keys = o->loader.detail };
}

/*
 * Threads inside KVM_RUN now: with no ksym, no program names them before their next KVM_RUN
 * (never, for an idle arm64 vCPU) or, with a vcpu at kvm_entry, their first entry. After the
 * accounting programs are attached (a thread entering KVM_RUN later is named by them) and
 * before kvm_exit's are (no exit counted yet): nothing falls between.
 */
static int name_threads_in_kvm_run(struct run_state *st)
{
	struct vcpu_scan_stats scan;
	struct timespec t0, t1;
	int err;

	if (!st->loader.unnamed_at_attach)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = scan_vcpu_threads("/proc", &st->thread_vcpus, &scan);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err) {
		fprintf(stderr, "failed to scan /proc for vCPU threads: %s\n", strerror(-err));
		return err;
	}
	st->reader.thread_vcpus = &st->thread_vcpus;
	snprintf(st->vcpu_source, sizeof(st->vcpu_source), "%s+proc", st->loader.vcpu_source);
	if (!strcmp(st->loader.vcpu_source, "thread"))
		snprintf(st->vcpu_source, sizeof(st->vcpu_source), "proc");
	if (st->o->loader.verbose)
		fprintf(stderr, "kvmstat-bpf: /proc: %u threads (%u on a CPU, read again; %u never "
			"blocked), %u inside KVM_RUN, %zu named, in %.1f ms\n", scan.threads, scan.running,
			scan.still_running, scan.in_kvm_run, st->thread_vcpus.nr,
			(ts_ns(&t1) - ts_ns(&t0)) / 1e6);
	return 0;
}

static void print_setup(struct run_state *st)
{
	const struct loader_opts *lo = &st->o->loader;
	int ncpus = libbpf_num_possible_cpus();

	fprintf(stderr, "kvmstat-bpf: attached (%s), vCPU ids from %s, %s; maps up to %.1f MiB "
		"(%u keys x %zu B, %d possible CPUs)\n", st->loader.attach_kind, st->vcpu_source,
		lo->time_every > 1 ? "1 exit in N timed" : "every exit timed",
		loader_map_memory(lo, ncpus, lo->max_threads ? lo->max_threads : KVMSTAT_MAX_THREADS_DEFAULT) / 1048576.0, lo->max_keys,
		sizeof(struct kvmstat_key) + kvmstat_value_size(__builtin_popcount(lo->spans)), ncpus);
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

/* Sleeps until an absolute CLOCK_MONOTONIC time, or until SIGINT/SIGTERM/SIGHUP. */
static void sleep_until(__u64 ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ULL, .tv_nsec = ns % 1000000000ULL };

	while (!exiting && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* --slow: takes the records as they come until then (the ring buffer stays drained). */
static int wait_taking_records(struct run_state *st, __u64 ns)
{
	struct timespec now;
	__u64 t;
	int err;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		t = ts_ns(&now);
		if (exiting || t >= ns)
			break;
		err = slow_reader_poll(&st->slow, (int)((ns - t + 999999) / 1000000));
		if (err && err != -EINTR) {
			fprintf(stderr, "failed to read slow-exit records: %s\n", strerror(-err));
			return err;
		}
	}
	err = slow_reader_poll(&st->slow, 0);	/* what came in the last moment */
	if (err && err != -EINTR)
		fprintf(stderr, "failed to read slow-exit records: %s\n", strerror(-err));
	return err == -EINTR ? 0 : err;
}

static int live_since_start(void *ctx, struct snapshot *out)
{
	struct run_state *st = ctx;

	snapshot_free(out);
	return stats_reader_since_start(&st->reader, out);
}

/* The live view, or (it cannot take the terminal) the tables as without it. */
static void start_live(struct run_state *st)
{
	const struct run_opts *o = st->o;
	struct live_opts lo = {
		.arch = o->loader.arch, .by = o->by, .finest = GROUP_VCPU, .sort = o->sort,
		.spans = o->loader.spans,
		.span = o->loader.spans & (1U << KVMSTAT_SPAN_HANDLING) ? KVMSTAT_SPAN_HANDLING
									 : KVMSTAT_SPAN_GUEST,
		.hist = o->hist, .cumulative = o->cumulative, .names = &proc_names,
		.src = { live_since_start, st },
	};
	int err = live_init(&st->view, &lo, 80, 24) ?: live_start(&st->view);

	if (!err)
		return;
	live_free(&st->view);
	fprintf(stderr, "kvmstat-bpf: no live view (%s): tables instead\n", strerror(-err));
	st->live = false;
	st->out.table = stdout;
}

/* Until the time of the next interval: asleep, or the live view reading keys (q stops). */
static int wait_until(struct run_state *st, __u64 ns)
{
	int r;

	if (!st->live) {
		if (st->o->loader.slow_ns)
			return wait_taking_records(st, ns);
		sleep_until(ns);
		return 0;
	}
	r = live_wait(&st->view, ns, &exiting);
	if (r == LIVE_QUIT)
		exiting = 1;
	if (r < 0)
		fprintf(stderr, "failed to draw the live view: %s\n", strerror(-r));
	return r < 0 ? r : 0;
}

/* One interval per -i until a signal or -d; the last one may be shorter (-d not a multiple). */
static int run_loop(struct run_state *st)
{
	const struct run_opts *o = st->o;
	struct timespec now;
	__u64 next, end;
	int err = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	next = ts_ns(&now);
	end = o->duration_ns ? next + o->duration_ns : UINT64_MAX;
	while (!exiting && !st->out.stdout_gone && !err && next < end) {
		next = next + o->interval_ns < end ? next + o->interval_ns : end;
		err = wait_until(st, next) ?: emit_interval(st);	/* also the partial last one: intervals sum to the total */
	}
	return err;
}

/*
 * -p names a VMM: a pid that is not a process is refused (a typo would count nothing and
 * look like an idle VM); a process without a VM yet is allowed, with a word.
 */
static int check_vm_filter(__u32 pid)
{
	__u32 tgid = 0;
	int err;

	if (!pid)
		return 0;
	err = vmm_pid_check(pid, &tgid);
	if (err == -ESRCH) {
		fprintf(stderr, "kvmstat-bpf: no process %u (-p): expected the pid of a running VMM\n", pid);
		return err;
	}
	if (err) {
		fprintf(stderr, "kvmstat-bpf: %u is a thread of process %u (-p): expected the VMM's process "
			"id (-p %u)\n", pid, tgid, tgid);
		return err;
	}
	if (!vmm_has_vm(pid))
		fprintf(stderr, "kvmstat-bpf: process %u has no KVM VM open: nothing to count until it "
			"creates one\n", pid);
	return 0;
}

int cmd_run(const struct run_opts *o)
{
	struct run_state st = { .o = o };
	int err;

	uname(&st.uts);
	st.tty = isatty(STDOUT_FILENO) && !o->json_stdout;
	/* --slow prints its lines under the tables: no live view then. */
	st.live = st.tty && !o->quiet_table && !o->batch && !o->loader.slow_ns && term_usable();
	output_reuse_heap();
	handle_signals();
	err = loader_check_host(&o->loader);
	if (err)
		return 1;
	if (check_vm_filter(o->loader.vm_filter))
		return 2;	/* bad input, as for the options */
	err = open_json(&st);
	if (err)
		return 1;
	/* Before attaching: a port in use fails at once. Scrapes get 503 until the first publish. */
	if (o->listen && http_export_start(&st.http, &o->listen_addr)) {
		err = 1;
		goto cleanup;
	}
	err = loader_load(&st.loader, &o->loader);
	if (err)
		goto cleanup;
	snprintf(st.vcpu_source, sizeof(st.vcpu_source), "%s", st.loader.vcpu_source);
	/* Threads of VMs that ended are still named by what the kernel recorded. */
	names_set_fallback(loader_thread_name, &st.loader);
	if (o->filter.nr_vcpus && !strcmp(st.loader.vcpu_source, "thread"))
		fprintf(stderr, "kvmstat-bpf: vCPU ids are not known (vCPU source: thread): --vcpu matches nothing\n");
	setup_output(&st);
	output_start(&st.out);
	if (o->loader.slow_ns) {
		err = slow_reader_open(&st.slow, st.loader.skel, &st.slow_interval);
		if (err) {
			fprintf(stderr, "failed to open slow-exit ring buffer: %s\n", strerror(-err));
			goto cleanup;
		}
	}
	/* --vcpu leaves keys out of every snapshot the reader makes. */
	err = stats_reader_init(&st.reader, &st.loader.stats, o->loader.arch, &o->filter);
	if (err) {
		fprintf(stderr, "failed to allocate stats reader: %s\n", strerror(-err));
		goto cleanup;
	}
	st.reader.ended.cap = o->keep_ended;
	/* The baseline, before attach (the arrays are still empty): the interval lines sum to
	 * the total line, and both hold every exit counted from the attach on. */
	err = read_stats(&st);
	if (err)
		goto cleanup;
	/* kvm_exit's programs last: the count starts when they are attached, and every exit
	 * they see is accounted by the programs attached before them. */
	err = loader_attach(&st.loader, false) ?: name_threads_in_kvm_run(&st) ?:
	      loader_attach(&st.loader, true);
	if (err)
		goto cleanup;
	if (o->loader.verbose)
		print_setup(&st);
	/* The first write tells at once if the file cannot be written at all; the first publish
	 * serves the baseline, so every series exists from the first scrape. */
	err = output_prom(&st.out, &st.reader);
	if (err)
		goto cleanup;
	if (st.live)
		start_live(&st);
	err = run_loop(&st);
	if (st.live) {	/* the summary on the terminal's own screen, as without the view */
		live_end(&st.view);
		st.out.table = stdout;
	}
	if (!err)
		err = emit_summary(&st);
	/* Outputs went on after a failed write: the first was said, the count is, and the
	 * exit status tells. */
	if (output_failures(&st.out, true) && !err)
		err = -EIO;
cleanup:
	http_export_stop(st.http);	/* first: its thread reads nothing of ours after this */
	if (st.live)
		live_free(&st.view);
	slow_reader_close(&st.slow);
	slow_list_free(&st.slow_interval);
	output_free(&st.out);
	names_set_fallback(NULL, NULL);
	loader_stop(&st.loader);
	if (st.json && st.json != stdout && fclose(st.json) && !st.out.json_stopped) {
		fprintf(stderr, "failed to write JSON output '%s': %s\n", o->json_path, strerror(errno));
		err = err ?: -EIO;
	}
	stats_reader_free(&st.reader);
	thread_vcpus_free(&st.thread_vcpus);
	names_cache_free();
	if (st.out.stdout_gone) {
		/* Detached and the files closed: now end as any writer to a closed pipe does. */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	return err ? 1 : 0;
}
