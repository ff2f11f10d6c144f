// SPDX-License-Identifier: GPL-2.0
/* kvmstat-bpf: why do guests exit, how often, and what does each exit cost. */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../arch/arch.h"
#include "format.h"
#include "list.h"
#include "render.h"
#include "run.h"

#define EXIT_USAGE 2
#define DEFAULT_MAX_KEYS 16384

const char *argp_program_version = "kvmstat-bpf " KVMSTAT_VERSION;

static const char top_doc[] =
"Count and time KVM guest exits per class, VM and vCPU, aggregated in the kernel.\n"
"\n"
"USAGE: kvmstat-bpf COMMAND [OPTION...]\n"
"\n"
"COMMANDS:\n"
"  run      attach and show exits live (table, JSON)\n"
"  list     print the exit classes of an arch and what they mean\n"
"\n"
"EXAMPLES:\n"
"    kvmstat-bpf run                 # live table, refreshed every second\n"
"    kvmstat-bpf list --arch arm64   # arm64 exit types and exception classes\n"
"    kvmstat-bpf run --help          # options of one command";

/* --- list ------------------------------------------------------------------ */

static const char list_doc[] =
"Print the exit classes kvmstat-bpf decodes, one line per class:\n"
"0x<code>  NAME  description.\n"
"\n"
"USAGE: kvmstat-bpf list [--arch arm64|riscv|x86]\n"
"\n"
"EXAMPLES:\n"
"    kvmstat-bpf list                # classes of this host's arch\n"
"    kvmstat-bpf list --arch riscv   # RISC-V exceptions and interrupts";

static const struct argp_option list_options[] = {
	{ "arch", 'a', "ARCH", 0, "arm64, riscv or x86 (default: this host)", 0 },
	{},
};

static error_t parse_list(int key, char *arg, struct argp_state *state)
{
	enum kvmstat_arch *arch = state->input;

	switch (key) {
	case 'a':
		*arch = arch_from_name(arg);
		if (*arch == KVMSTAT_ARCH_UNKNOWN)
			argp_failure(state, EXIT_USAGE, 0, "unknown arch '%s': expected arm64, riscv or x86", arg);
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
	enum kvmstat_arch arch = arch_host();

	if (argp_parse(&argp, argc, argv, 0, NULL, &arch))
		return EXIT_USAGE;
	if (arch == KVMSTAT_ARCH_UNKNOWN) {
		fprintf(stderr, "kvmstat-bpf: unknown host arch: pass --arch arm64|riscv|x86\n");
		return EXIT_USAGE;
	}
	return print_class_list(stdout, arch) ? 1 : 0;
}

/* --- run ------------------------------------------------------------------- */

static const char run_doc[] =
"Attach to the KVM exit/entry tracepoints and show exits per class: count, share, rate, share of time, and min/avg/max of the chosen span, every interval and as a summary at the end (Ctrl-C, SIGTERM or -d). Plain text, one table per interval, when stdout is not a terminal. Needs root (or CAP_BPF and CAP_PERFMON) and kernel BTF.\n"
"\n"
"Spans: handling = kvm_exit -> next kvm_entry of the vCPU (host time spent on the exit); guest = kvm_entry -> kvm_exit (guest run time that ended in the class).\n"
"\n"
"USAGE: kvmstat-bpf run [-i SEC] [-d SEC] [-s KEY] [-b GROUP] [--span SPAN] [--json FILE]\n"
"\n"
"EXAMPLES:\n"
"    kvmstat-bpf run                   # live table every second until Ctrl-C\n"
"    kvmstat-bpf run -i 5 -d 60        # 5 s intervals for a minute\n"
"    kvmstat-bpf run -s time           # rows by total handling time\n"
"    kvmstat-bpf run -b vcpu           # per VM and vCPU\n"
"    kvmstat-bpf run --span both       # handling and guest time\n"
"    kvmstat-bpf run -p 4242           # only the VM of VMM pid 4242\n"
"    kvmstat-bpf run --json out.ndjson # also one JSON line per interval";

enum {
	OPT_SPAN = 0x100,
	OPT_JSON,
	OPT_MAX_KEYS,
	OPT_CLASSIC,
	OPT_PERCPU,
	OPT_VCPU_SOURCE,
};

static const struct argp_option run_options[] = {
	{ "interval", 'i', "SEC", 0, "Seconds between tables (default 1; fractions allowed)", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds (default: until Ctrl-C)", 0 },
	{ "sort", 's', "KEY", 0, "count (default), time, avg, max, min or class", 0 },
	{ "by", 'b', "GROUP", 0, "class (default), vm or vcpu", 0 },
	{ "pid", 'p', "PID", 0, "Only the VM whose VMM process is PID (filtered in the kernel)", 0 },
	{ "span", OPT_SPAN, "SPAN", 0, "handling (default), guest or both", 0 },
	{ "json", OPT_JSON, "FILE", 0, "Write NDJSON, one line per interval and a total ('-': stdout)", 0 },
	{ "max-keys", OPT_MAX_KEYS, "N", 0, "Stats map entries (class x vCPU thread), default 16384", 0 },
	{ "classic", OPT_CLASSIC, NULL, 0, "Classic tracepoints instead of tp_btf", 0 },
	{ "percpu-stats", OPT_PERCPU, NULL, OPTION_HIDDEN, "Per-CPU stats values (benchmarks)", 0 },
	{ "vcpu-source", OPT_VCPU_SOURCE, "SRC", 0, "auto (default) or thread (the fallback)", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf debug output and the setup", 0 },
	{},
};

static bool parse_enum(const char *arg, const char *const *names, int nr, int *out)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (!strcmp(arg, names[i])) {
			*out = i;
			return true;
		}
	}
	return false;
}

static unsigned long parse_positive(struct argp_state *state, const char *what, const char *arg,
				    unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || !v || v > max || arg[0] == '-')
		argp_failure(state, EXIT_USAGE, 0, "invalid %s '%s': expected an integer 1..%lu", what,
			     arg, max);
	return v;
}

static void parse_run_choice(struct argp_state *state, int key, const char *arg, struct run_opts *o)
{
	static const char *const sorts[] = { "count", "time", "avg", "max", "min", "class" };
	static const char *const groups[] = { "class", "vm", "vcpu" };
	static const char *const spans[] = { "handling", "guest", "both" };
	static const char *const sources[] = { "auto", "thread" };
	int v = 0;

	switch (key) {
	case 's':
		if (!parse_enum(arg, sorts, 6, &v))
			argp_failure(state, EXIT_USAGE, 0, "invalid sort key '%s': expected count, time, avg, max, min or class", arg);
		o->sort = v;
		break;
	case 'b':
		if (!parse_enum(arg, groups, 3, &v))
			argp_failure(state, EXIT_USAGE, 0, "invalid grouping '%s': expected class, vm or vcpu", arg);
		o->by = o->json_by = v;
		break;
	case OPT_SPAN:
		if (!parse_enum(arg, spans, 3, &v))
			argp_failure(state, EXIT_USAGE, 0, "invalid span '%s': expected handling, guest or both", arg);
		o->loader.spans = v == 2 ? 3 : 1U << v;
		break;
	case OPT_VCPU_SOURCE:
		if (!parse_enum(arg, sources, 2, &v))
			argp_failure(state, EXIT_USAGE, 0, "invalid vCPU source '%s': expected auto or thread", arg);
		o->loader.vcpu_source = v;
		break;
	}
}

static error_t parse_run(int key, char *arg, struct argp_state *state)
{
	struct run_opts *o = state->input;

	switch (key) {
	case 'i':
		if (parse_seconds(arg, &o->interval_ns))
			argp_failure(state, EXIT_USAGE, 0, "invalid interval '%s': expected seconds > 0", arg);
		break;
	case 'd':
		if (parse_seconds(arg, &o->duration_ns))
			argp_failure(state, EXIT_USAGE, 0, "invalid duration '%s': expected seconds > 0", arg);
		break;
	case 's': case 'b': case OPT_SPAN: case OPT_VCPU_SOURCE:
		parse_run_choice(state, key, arg, o);
		break;
	case 'p':
		o->loader.vm_filter = parse_positive(state, "pid", arg, INT_MAX);
		break;
	case OPT_JSON:
		o->json_path = arg;
		break;
	case OPT_MAX_KEYS:
		o->loader.max_keys = parse_positive(state, "--max-keys", arg, 1U << 24);
		break;
	case OPT_CLASSIC:
		o->loader.classic = true;
		break;
	case OPT_PERCPU:
		o->loader.percpu = true;
		break;
	case 'v':
		o->loader.verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_failure(state, EXIT_USAGE, 0, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int cmd_run_main(int argc, char **argv)
{
	static const struct argp argp = { run_options, parse_run, NULL, run_doc, NULL, NULL, NULL };
	struct run_opts o = {
		.loader = {
			.arch = arch_host(),
			.spans = 1U << KVMSTAT_SPAN_HANDLING,
			.max_keys = DEFAULT_MAX_KEYS,
		},
		.interval_ns = 1000000000ULL,
		.sort = SORT_COUNT,
		.by = GROUP_CLASS,
		.json_by = GROUP_VCPU,
	};

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return EXIT_USAGE;
	if (o.json_path && !strcmp(o.json_path, "-")) {
		o.json_stdout = true;
		o.quiet_table = true;
	}
	return cmd_run(&o);
}

/* --- dispatch -------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run_main },
	{ "list", cmd_list },
};

static error_t parse_top(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	if (key == ARGP_KEY_ARG)
		argp_failure(state, EXIT_USAGE, 0, "unknown command '%s': expected run or list", arg);
	else if (key == ARGP_KEY_NO_ARGS)
		argp_failure(state, EXIT_USAGE, 0, "missing command: run or list (see --help)");
	else
		return ARGP_ERR_UNKNOWN;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { NULL, parse_top, "COMMAND [OPTION...]", top_doc, NULL, NULL, NULL };
	size_t i;

	if (argc > 1) {
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
			if (strcmp(argv[1], commands[i].name))
				continue;
			/* argv[0] "kvmstat-bpf run" so usage/errors name the command */
			argv[1] = argv[0];
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	return argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL) ? EXIT_USAGE : 0;
}
