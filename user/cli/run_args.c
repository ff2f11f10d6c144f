// SPDX-License-Identifier: GPL-2.0
/* `kvmstat-bpf run`: its options and their checks, then cmd_run or cmd_replay. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "cli/args.h"
#include "cli/detail_args.h"
#include "cli/http_export.h"
#include "cli/run.h"
#include "lib/format.h"
#include "lib/parse.h"
#include "model/schema.h"

#define DEFAULT_MAX_KEYS 16384

static const char run_doc[] =
"Attach to the KVM exit/entry tracepoints and show exits per class: count, share, rate, share of time, and min/avg/max of the chosen span, every interval and as a summary at the end (Ctrl-C, SIGTERM or -d). Plain text, one table per interval, when stdout is not a terminal. Needs root (or CAP_BPF and CAP_PERFMON) and kernel BTF.\n"
"\n"
"On a terminal: an interactive live view; keys switch grouping (b), span (t), sort (s), interval or since the start (c), show a histogram (h), filter to a VM or vCPU thread (f), freeze (space); ? lists them, q quits. --batch: the tables instead, redrawn each interval. --replay FILE shows a saved run (run --json) in the live view, no root needed.\n"
"\n"
"Spans: handling = kvm_exit -> next kvm_entry of the vCPU (host time spent on the exit); guest = kvm_entry -> kvm_exit (guest run time that ended in the class).\n"
"\n"
"Histograms (--hist): per class, one line per power of two; p50/p90/p99 come from the in-kernel buckets (4 per power of two) and are within 1/8 of the exact value. --prom-file rewrites a Prometheus textfile (write + rename) every interval with the counts since attach.\n"
"\n"
"--listen serves the same exposition at http://ADDR:PORT/metrics for Prometheus (OpenMetrics when the scraper asks for it), updated every interval. A port alone listens on 127.0.0.1; any other address must be given (the wildcard 0.0.0.0 is refused).\n"
"\n"
"Second-level keys (--detail): within a class, which system register, SMCCC or SBI function, CSR, MSR, I/O port or guest address; the first --detail-max of each class are kept in the kernel, the rest counted as \"other\"; the table shows the top --detail-top under each class. Slow exits (--slow T): each exit handled in at least T, with its guest PC, as lines under the table and NDJSON records, at most --slow-rate per second and CPU (the rest counted); with --slow a terminal gets the tables, not the live view.\n"
"\n"
"USAGE: kvmstat-bpf run [-i SEC] [-d SEC] [-s KEY] [-b GROUP] [-p PID] [--vcpu N[,N...]] [--span SPAN] [--hist] [--cumulative] [--json FILE] [--prom-file PATH] [--listen [ADDR:]PORT] [--detail] [--slow T[,CLASS=T...]] [-q] [--batch]\n"
"       kvmstat-bpf run --replay FILE [--speed X] [-d SEC] [-s KEY] [-b GROUP] [-p PID] [--vcpu N[,N...]] [--span SPAN] [--hist] [--cumulative]\n"
"\n"
"EXAMPLES:\n"
"    kvmstat-bpf run                     # live view (a terminal) every second until q\n"
"    kvmstat-bpf run -i 5 -d 60          # 5 s intervals for a minute\n"
"    kvmstat-bpf run -s time             # rows by total handling time\n"
"    kvmstat-bpf run -b vcpu             # per VM and vCPU\n"
"    kvmstat-bpf run --span both         # handling and guest time\n"
"    kvmstat-bpf run -p 4242             # only the VM of VMM pid 4242\n"
"    kvmstat-bpf run -b vcpu --vcpu 0,1  # vCPUs 0 and 1 of every VM\n"
"    kvmstat-bpf run --hist -i 10        # latency histograms every 10 s\n"
"    kvmstat-bpf run --hist --cumulative # histograms since attach\n"
"    kvmstat-bpf run --json out.ndjson   # also one JSON line per interval\n"
"    kvmstat-bpf run --batch | tee log   # plain tables even on a terminal\n"
"    kvmstat-bpf run --replay out.ndjson --speed 10  # a saved run, 10x as fast\n"
"    kvmstat-bpf run --detail            # which sysreg, hypercall, MSR, port ...\n"
"    kvmstat-bpf run --slow 1ms,WFx=5ms  # exits handled in >= 1 ms (WFx: 5 ms)\n"
"    kvmstat-bpf run --prom-file /var/lib/prometheus/node-exporter/kvmstat.prom\n"
"    kvmstat-bpf run --listen 9435 -q    # /metrics on 127.0.0.1:9435, no tables\n"
"    kvmstat-bpf run --listen 192.0.2.7:9435 -q -i 5  # one interface, 5 s updates";


static const struct argp_option run_options[] = {
	{ "interval", 'i', "SEC", 0, "Seconds between tables (default 1; fractions allowed)", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds (default: until Ctrl-C)", 0 },
	{ "sort", 's', "KEY", 0, "count (default), time, avg, max, min or class", 0 },
	{ "by", 'b', "GROUP", 0, "class (default), vm or vcpu", 0 },
	{ "pid", 'p', "PID", 0, "Only the VM whose VMM process is PID (filtered in the kernel)", 0 },
	{ "vcpu", OPT_VCPU, "N[,N...]", 0, "Only these vCPU ids (filtered in user space)", 0 },
	{ "span", OPT_SPAN, "SPAN", 0, "handling (default), guest or both", 0 },
	{ "hist", OPT_HIST, NULL, 0, "Latency histogram per class under each table", 0 },
	{ "cumulative", OPT_CUMULATIVE, NULL, 0, "Tables and histograms since attach (default: per interval)", 0 },
	{ "json", OPT_JSON, "FILE", 0, "Write NDJSON, one line per interval and a total ('-': stdout)", 0 },
	{ "prom-file", OPT_PROM_FILE, "PATH", 0, "Write Prometheus text format to PATH every interval (node_exporter textfile)", 0 },
	{ "listen", OPT_LISTEN, "[ADDR:]PORT", 0, "Serve /metrics over HTTP (Prometheus text or OpenMetrics); ADDR defaults to 127.0.0.1", 0 },
	{ "quiet", 'q', NULL, 0, "No tables or summary on stdout (with --listen, --prom-file or --json FILE)", 0 },
	{ "batch", OPT_BATCH, NULL, 0, "No live view on a terminal: the tables, redrawn each interval (for scripts)", 0 },
	{ "replay", OPT_REPLAY, "FILE", 0, "Show a saved run (run --json) in the live view at its pace; no root, no BPF", 0 },
	{ "speed", OPT_SPEED, "X", 0, "With --replay: X times as fast as recorded (default 1)", 0 },
	{ "max-keys", OPT_MAX_KEYS, "N", 0, "Stats map entries (class x vCPU thread), default 16384", 0 },
	{ "classic", OPT_CLASSIC, NULL, 0, "Classic tracepoints instead of tp_btf", 0 },
	{ "time-every", OPT_TIME_EVERY, "N", 0, "Time 1 exit in N (power of two), still count every exit (default 1: time all)", 0 },
	{ "max-threads", OPT_MAX_THREADS, "N", 0, "vCPU threads alive at once kept without loss, default 8192", 0 },
	{ "keep-ended", OPT_KEEP_ENDED, "N", 0, "Keys of ended threads kept one by one for the totals, default 16384; older ones fold into VM 0", 0 },
	{ "inflight", OPT_INFLIGHT, "STORE", OPTION_HIDDEN, "Pending-exit store (benchmarks): overflow (default), direct, probe, hash or task", 0 },
	{ "fentry-target", OPT_FENTRY_TARGET, "FUNC", OPTION_HIDDEN, "Tests: the vCPU fentry on FUNC (one the kernel refuses)", 0 },
	{ "vcpu-source", OPT_VCPU_SOURCE, "SRC", 0,
	  "auto (default), proc (no kvm_running_vcpu ksym: /proc at attach) or thread (the fallback)", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf debug output, the setup and the heap in use after each interval", 0 },
	{},
};

/* A value of e named by arg, or one error line naming what and e's choices, and exit 2. */
static const char *const vcpu_source_names[] = {
	[VCPU_SOURCE_AUTO] = "auto", [VCPU_SOURCE_THREAD] = "thread", [VCPU_SOURCE_PROC] = "proc",
};
static const struct schema_enum vcpu_sources = { vcpu_source_names, NULL, 3, 0 };

static void parse_run_choice(struct argp_state *state, int key, const char *arg, struct run_opts *o)
{
	switch (key) {
	case 's': case 'b': case OPT_SPAN:
		parse_view_choice(state, key, arg, &o->sort, &o->by, &o->loader.spans);
		if (key == 'b')
			o->json_by = o->by;	/* JSON nests as deep as the table */
		break;
	case OPT_VCPU_SOURCE:
		o->loader.vcpu_source = parse_choice(state, "vCPU source", arg, &vcpu_sources);
		break;
	case OPT_INFLIGHT:
		o->loader.store = parse_choice(state, "--inflight", arg, &loader_stores);
		break;
	}
}

/* What --replay cannot take: options of the attach, of the outputs, and -i (the saved
 * intervals set the pace). */
static const struct {
	int key;
	const char *name;
} replay_excludes[] = {
	{ 'i', "-i" }, { OPT_JSON, "--json" }, { OPT_PROM_FILE, "--prom-file" },
	{ OPT_BATCH, "--batch" }, { OPT_MAX_KEYS, "--max-keys" }, { OPT_CLASSIC, "--classic" },
	{ OPT_TIME_EVERY, "--time-every" }, { OPT_INFLIGHT, "--inflight" },
	{ OPT_VCPU_SOURCE, "--vcpu-source" }, { 'v', "-v" }, { OPT_LISTEN, "--listen" },
	{ 'q', "-q" },
};
static const char *not_for_replay;	/* the first of them given */

static void check_replay(struct argp_state *state, const struct run_opts *o)
{
	if (!o->replay) {
		if (o->speed != 1.0)
			argp_failure(state, EXIT_USAGE, 0, "--speed needs --replay FILE");
		return;
	}
	if (!not_for_replay && (o->loader.detail || o->loader.slow_ns))	/* the child parser's */
		not_for_replay = o->loader.detail ? "--detail" : "--slow";
	if (not_for_replay)
		argp_failure(state, EXIT_USAGE, 0, "--replay shows a saved run at its own pace: %s does "
			     "not apply (report reads saved runs too)", not_for_replay);
}

static void parse_speed(struct argp_state *state, const char *arg, double *speed)
{
	char *end;

	errno = 0;
	*speed = strtod(arg, &end);
	if (errno || end == arg || *end || !(*speed > 0 && *speed <= 1000))
		argp_failure(state, EXIT_USAGE, 0, "invalid speed '%s': expected a factor > 0 and <= 1000", arg);
}

static error_t parse_run(int key, char *arg, struct argp_state *state)
{
	struct run_opts *o = state->input;

	size_t i;

	for (i = 0; i < sizeof(replay_excludes) / sizeof(replay_excludes[0]) && !not_for_replay; i++)
		if (key == replay_excludes[i].key)
			not_for_replay = replay_excludes[i].name;
	switch (key) {
	case 'i':
		if (parse_seconds(arg, &o->interval_ns))
			argp_failure(state, EXIT_USAGE, 0, "invalid interval '%s': expected seconds > 0", arg);
		break;
	case 'd':
		if (parse_seconds(arg, &o->duration_ns))
			argp_failure(state, EXIT_USAGE, 0, "invalid duration '%s': expected seconds > 0", arg);
		break;
	case 's': case 'b': case OPT_SPAN: case OPT_VCPU_SOURCE: case OPT_INFLIGHT:
		parse_run_choice(state, key, arg, o);
		break;
	case 'p':
		o->loader.vm_filter = parse_positive(state, "pid", arg, INT_MAX);
		break;
	case OPT_VCPU:
		parse_vcpus(state, arg, &o->filter);
		break;
	case OPT_JSON:
		o->json_path = arg;
		break;
	case OPT_HIST:
		o->hist = true;
		break;
	case OPT_CUMULATIVE:
		o->cumulative = true;
		break;
	case OPT_PROM_FILE:
		o->prom_path = arg;
		break;
	case OPT_LISTEN: {
		char err[256];

		if (!http_export_available())
			argp_failure(state, EXIT_USAGE, 0, "--listen: this build has no HTTP server (built "
				     "without libmicrohttpd); use --prom-file");
		if (parse_listen_addr(arg, &o->listen_addr, err, sizeof(err)))
			argp_failure(state, EXIT_USAGE, 0, "%s", err);
		o->listen = true;
		break;
	}
	case 'q':
		o->quiet_table = true;
		break;
	case OPT_BATCH:
		o->batch = true;
		break;
	case OPT_REPLAY:
		o->replay = arg;
		break;
	case OPT_SPEED:
		parse_speed(state, arg, &o->speed);
		break;
	case OPT_MAX_THREADS:
		o->loader.max_threads = parse_positive(state, "--max-threads", arg, 1U << 16);
		break;
	case OPT_KEEP_ENDED:
		o->keep_ended = parse_positive(state, "--keep-ended", arg, 1U << 24);
		break;
	case OPT_MAX_KEYS:
		o->loader.max_keys = parse_positive(state, "--max-keys", arg, 1U << 24);
		break;
	case OPT_CLASSIC:
		o->loader.classic = true;
		break;
	case OPT_TIME_EVERY:
		o->loader.time_every = parse_positive(state, "--time-every", arg, 1024);
		if (o->loader.time_every & (o->loader.time_every - 1))
			argp_failure(state, EXIT_USAGE, 0, "invalid --time-every '%s': expected a power of two 1..1024", arg);
		break;
	case OPT_FENTRY_TARGET:
		o->loader.fentry_target = arg;
		break;
	case 'v':
		o->loader.verbose = true;
		break;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = o;	/* --detail, --slow */
		break;
	case ARGP_KEY_ARG:
		argp_failure(state, EXIT_USAGE, 0, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		detail_args_finish(state, o);
		check_replay(state, o);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_run_main(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &detail_argp, 0, "Second-level keys and slow exits:", 0 },
		{},
	};
	static const struct argp argp = { run_options, parse_run, NULL, run_doc, children, NULL, NULL };
	struct run_opts o = {
		.loader = {
			.arch = arch_host(),
			.spans = 1U << KVMSTAT_SPAN_HANDLING,
			.max_keys = DEFAULT_MAX_KEYS,
		},
		.keep_ended = ENDED_KEYS_DEFAULT_CAP,
		.interval_ns = 1000000000ULL,
		.sort = SORT_COUNT,
		.by = GROUP_CLASS,
		.json_by = GROUP_VCPU,
		.speed = 1.0,
	};

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return EXIT_USAGE;
	if (o.json_path && !strcmp(o.json_path, "-")) {
		o.json_stdout = true;
		o.quiet_table = true;
	}
	return o.replay ? cmd_replay(&o) : cmd_run(&o);
}
