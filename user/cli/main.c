// SPDX-License-Identifier: GPL-2.0
/* kvmstat-bpf: why do guests exit, how often, and what does each exit cost. */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "cli/args.h"
#include "cli/list.h"
#include "cli/report.h"
#include "cli/run.h"
#include "lib/format.h"
#include "lib/parse.h"
#include "model/schema.h"

const char *argp_program_version = "kvmstat-bpf " KVMSTAT_VERSION;

static const char top_doc[] =
"Count and time KVM guest exits per class, VM and vCPU, aggregated in the kernel.\n"
"\n"
"USAGE: kvmstat-bpf COMMAND [OPTION...]\n"
"\n"
"COMMANDS:\n"
"  run      attach and show exits live (table, histograms, JSON, Prometheus)\n"
"  report   read saved NDJSON (run --json) back: tables, histograms, totals\n"
"  list     print the exit classes of an arch and what they mean\n"
"\n"
"EXAMPLES:\n"
"    kvmstat-bpf run                 # live table, refreshed every second\n"
"    kvmstat-bpf report run.ndjson   # totals of a saved run, on any machine\n"
"    kvmstat-bpf list --arch arm64   # arm64 exit types and exception classes\n"
"    kvmstat-bpf run --help          # options of one command";

/* --- list ------------------------------------------------------------------ */

static const char list_doc[] =
"Print the exit classes kvmstat-bpf decodes, one line per class:\n"
"0x<code>  NAME  description; with --detail also the second-level keys of\n"
"`run --detail` (system registers, SMCCC and SBI functions, CSRs, MSRs, ...).\n"
"\n"
"USAGE: kvmstat-bpf list [--arch arm64|riscv|x86] [--detail]\n"
"\n"
"EXAMPLES:\n"
"    kvmstat-bpf list                # classes of this host's arch\n"
"    kvmstat-bpf list --arch riscv   # RISC-V exceptions and interrupts\n"
"    kvmstat-bpf list --detail       # and the sysregs, SMCCC functions, ...";

struct list_env {
	enum kvmstat_arch arch;
	bool detail;
};

static const struct argp_option list_options[] = {
	{ "arch", 'a', "ARCH", 0, "arm64, riscv or x86 (default: this host)", 0 },
	{ "detail", 'D', NULL, 0, "also print the second-level key tables", 0 },
	{},
};

static error_t parse_list(int key, char *arg, struct argp_state *state)
{
	struct list_env *env = state->input;

	switch (key) {
	case 'a':
		env->arch = arch_from_name(arg);
		if (env->arch == KVMSTAT_ARCH_UNKNOWN)
			argp_failure(state, EXIT_USAGE, 0, "unknown arch '%s': expected arm64, riscv or x86", arg);
		break;
	case 'D':
		env->detail = true;
		break;
	case ARGP_KEY_ARG:
		argp_failure(state, EXIT_USAGE, 0, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	static const struct argp argp = { list_options, parse_list, NULL, list_doc, NULL, NULL, NULL };
	struct list_env env = { .arch = arch_host() };

	if (argp_parse(&argp, argc, argv, 0, NULL, &env))
		return EXIT_USAGE;
	if (env.arch == KVMSTAT_ARCH_UNKNOWN) {
		fprintf(stderr, "kvmstat-bpf: unknown host arch: pass --arch arm64|riscv|x86\n");
		return EXIT_USAGE;
	}
	if (print_class_list(stdout, env.arch))
		return 1;
	if (env.detail && (fputc('\n', stdout) == EOF || print_detail_list(stdout, env.arch)))
		return 1;
	return 0;
}

/* --- report ---------------------------------------------------------------- */

static const char report_doc[] =
"Read NDJSON saved by `kvmstat-bpf run --json` and print what run showed: the table of the merged totals (as run's summary), histograms with --hist, each interval with --intervals. Any host arch, no root, no BPF: classes decode by the arch the lines name. FILE '-' is stdin.\n"
"\n"
"Every \"interval\" line of every file is merged (they sum exactly to the run's \"total\" line); a file's \"total\" line is used only when the file has no interval line. Filters and grouping need lines that have that detail: -b vm and -p need run -b vm or vcpu, -b vcpu and --vcpu need run -b vcpu (the default of --json). Malformed input: one error line naming FILE:LINE, exit status 1.\n"
"\n"
"--html FILE writes one self-contained page (no script, nothing fetched): per class (and per VM or vCPU thread with -b), the exits of each interval and a heatmap of the span's latency (interval x bucket, colour = exits) with each interval's p50 and p99; handling time unless --span says otherwise.\n"
"Lines of run --detail show their keys under each class (--detail-top of them); the slow-exit records of run --slow are listed under the totals, by time.\n"

"USAGE: kvmstat-bpf report [-b GROUP] [-s KEY] [-p PID] [--vcpu N[,N...]] [--span SPAN] [--hist] [--intervals] [--json FILE] [--html FILE] [--detail-top N] FILE...\n"
"\n"
"EXAMPLES:\n"
"    kvmstat-bpf report run.ndjson            # totals of a saved run\n"
"    kvmstat-bpf report --hist run.ndjson     # plus a histogram per class\n"
"    kvmstat-bpf report -I run.ndjson         # every interval, then totals\n"
"    kvmstat-bpf report -b vcpu --vcpu 0,1 *.ndjson  # 2 vCPUs, many runs\n"
"    kvmstat-bpf report -p 4242 --json - run.ndjson  # one VM, as JSON\n"
"    kvmstat-bpf report --html run.html run.ndjson  # charts over time, one page";

static const struct argp_option report_options[] = {
	{ "by", 'b', "GROUP", 0, "class (default), vm or vcpu", 0 },
	{ "sort", 's', "KEY", 0, "count (default), time, avg, max, min or class", 0 },
	{ "pid", 'p', "PID", 0, "Only the VM whose VMM process is PID", 0 },
	{ "vcpu", OPT_VCPU, "N[,N...]", 0, "Only these vCPU ids", 0 },
	{ "span", OPT_SPAN, "SPAN", 0, "handling, guest or both (default: every span of the input)", 0 },
	{ "hist", OPT_HIST, NULL, 0, "Latency histogram per class under each table", 0 },
	{ "intervals", 'I', NULL, 0, "Also a table for every interval line", 0 },
	{ "json", OPT_JSON, "FILE", 0, "Write the merged totals as one NDJSON \"total\" line ('-': stdout, instead of the tables)", 0 },
	{ "html", OPT_HTML, "FILE", 0, "Write a page of charts over time: per class, exits per interval and a heatmap of its latency with p50/p99 ('-': stdout, instead of the tables)", 0 },
	{ "detail-top", OPT_DETAIL_TOP, "N", 0, "Keys shown per class row when the input has them (run --detail), the rest as \"other\" (default 5)", 0 },
	{},
};

static error_t parse_report(int key, char *arg, struct argp_state *state)
{
	struct report_opts *o = state->input;

	switch (key) {
	case 's': case 'b': case OPT_SPAN:
		parse_view_choice(state, key, arg, &o->sort, &o->by, &o->spans);
		break;
	case 'p':
		o->filter.vm = parse_positive(state, "pid", arg, INT_MAX);
		break;
	case OPT_VCPU:
		parse_vcpus(state, arg, &o->filter);
		break;
	case OPT_HIST:
		o->hist = true;
		break;
	case 'I':
		o->intervals = true;
		break;
	case OPT_DETAIL_TOP:
		o->detail_top = parse_positive(state, "--detail-top", arg, KVMSTAT_DETAIL_MAX_DEFAULT);
		break;
	case OPT_JSON:
		o->json_path = arg;
		break;
	case OPT_HTML:
		o->html_path = arg;
		break;
	case ARGP_KEY_ARGS:
		o->files = state->argv + state->next;
		o->nr_files = state->argc - state->next;
		break;
	case ARGP_KEY_NO_ARGS:
		argp_failure(state, EXIT_USAGE, 0, "missing FILE: the NDJSON of run --json ('-': stdin)");
		break;
	case ARGP_KEY_END:
		if (o->html_path && o->nr_files > 1)
			argp_failure(state, EXIT_USAGE, 0, "--html charts one run: one FILE, not %d", o->nr_files);
		if (o->html_path && o->json_path && !strcmp(o->html_path, "-") && !strcmp(o->json_path, "-"))
			argp_failure(state, EXIT_USAGE, 0, "--html - and --json - both want stdout: give one a FILE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int cmd_report_main(int argc, char **argv)
{
	static const struct argp argp = { report_options, parse_report, NULL, report_doc, NULL, NULL, NULL };
	struct report_opts o = { .by = GROUP_CLASS, .sort = SORT_COUNT };

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return EXIT_USAGE;
	return cmd_report(&o);
}

/* --- dispatch -------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run_main },
	{ "report", cmd_report_main },
	{ "list", cmd_list },
};

static error_t parse_top(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	if (key == ARGP_KEY_ARG)
		argp_failure(state, EXIT_USAGE, 0, "unknown command '%s': expected run, report or list", arg);
	else if (key == ARGP_KEY_NO_ARGS)
		argp_failure(state, EXIT_USAGE, 0, "missing command: run, report or list (see --help)");
	else
		return ARGP_ERR_UNKNOWN;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { NULL, parse_top, "COMMAND [OPTION...]", top_doc, NULL, NULL, NULL };
	static char name[32];
	size_t i;

	if (argc > 1) {
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
			if (strcmp(argv[1], commands[i].name))
				continue;
			/* argp names the program by argv[0]: "kvmstat-bpf run" in usage, errors
			 * and "Try `kvmstat-bpf run --help'" */
			snprintf(name, sizeof(name), "kvmstat-bpf %s", commands[i].name);
			argv[1] = name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	return argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL) ? EXIT_USAGE : 0;
}
