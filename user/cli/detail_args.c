// SPDX-License-Identifier: GPL-2.0
/* run's --detail and --slow options (DESIGN.md, "Second-level keys" and "Slow exits"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "cli/detail_args.h"
#include "lib/format.h"

#define EXIT_USAGE 2

enum {
	OPT_DETAIL = 0x200,
	OPT_DETAIL_MAX,
	OPT_DETAIL_TOP,
	OPT_SLOW,
	OPT_SLOW_RATE,
	OPT_SLOW_BURST,
};

static const struct argp_option detail_options[] = {
	{ "detail", OPT_DETAIL, NULL, 0, "Second-level keys per class: which system register, SMCCC or SBI function, MSR, port, guest address (see list --detail)", 0 },
	{ "detail-max", OPT_DETAIL_MAX, "N", 0, "Keys kept per class in the kernel, the first N seen; the exits of others count as \"other\" (default 64; implies --detail)", 0 },
	{ "detail-top", OPT_DETAIL_TOP, "N", 0, "Keys shown per class row, the rest summed as \"other\" (default 5; implies --detail)", 0 },
	{ "slow", OPT_SLOW, "T[,CLASS=T...]", 0, "Record each exit handled in at least T (e.g. 1ms; per class: WFx=5ms) with its guest PC: lines under the table, NDJSON records", 0 },
	{ "slow-rate", OPT_SLOW_RATE, "N", 0, "At most N slow-exit records per second and CPU, the rest counted as suppressed (default 100)", 0 },
	{ "slow-burst", OPT_SLOW_BURST, "N", 0, "Records a CPU may send at once before the rate holds (default 50)", 0 },
	{},
};

static unsigned long parse_count(struct argp_state *state, const char *what, const char *arg,
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

/* One "CLASS=T" of --slow: its classes (x86: VMX's and SVM's of that name) get T. */
static int class_threshold(const char *item, enum kvmstat_arch arch, struct slow_threshold *classes,
			   __u32 max, __u32 *nr, char *err, size_t errlen)
{
	const char *eq = strchr(item, '=');
	char name[64];
	__u64 ns, found[4];
	size_t n, i;

	if (!eq || eq == item || (size_t)(eq - item) >= sizeof(name)) {
		snprintf(err, errlen, "'%s': expected CLASS=THRESHOLD", item);
		return -EINVAL;
	}
	memcpy(name, item, eq - item);
	name[eq - item] = '\0';
	if (parse_duration(eq + 1, &ns)) {
		snprintf(err, errlen, "'%s': expected a duration above 0 with its unit (ns, us, ms, s)", eq + 1);
		return -EINVAL;
	}
	n = arch_class_parse(arch, name, found, 4);
	if (!n) {
		snprintf(err, errlen, "unknown class '%s' on %s (see kvmstat-bpf list)", name,
			 arch_name(arch) ?: "this arch");
		return -EINVAL;
	}
	for (i = 0; i < n && i < 4; i++) {
		if (*nr == max) {
			snprintf(err, errlen, "more than %u classes", max);
			return -EINVAL;
		}
		classes[(*nr)++] = (struct slow_threshold){ .class = found[i], .ns = ns };
	}
	return 0;
}

int parse_slow_spec(const char *arg, enum kvmstat_arch arch, __u64 *default_ns,
		    struct slow_threshold *classes, __u32 max, __u32 *nr, char *err, size_t errlen)
{
	char *copy = strdup(arg), *item, *save = NULL;
	int ret = 0;

	*nr = 0;
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	item = strtok_r(copy, ",", &save);
	if (!item || strchr(item, '=') || parse_duration(item, default_ns)) {
		snprintf(err, errlen, "expected a duration above 0 with its unit first (e.g. 1ms)");
		ret = -EINVAL;
	}
	while (!ret && (item = strtok_r(NULL, ",", &save)))
		ret = class_threshold(item, arch, classes, max, nr, err, errlen);
	if (!ret && arg[strlen(arg) - 1] == ',') {
		snprintf(err, errlen, "a trailing ','");
		ret = -EINVAL;
	}
	free(copy);
	return ret;
}

static void parse_slow(struct argp_state *state, const char *arg, struct run_opts *o)
{
	char err[160];

	if (parse_slow_spec(arg, o->loader.arch, &o->loader.slow_ns, o->slow_classes,
			    RUN_SLOW_CLASSES_MAX, &o->loader.nr_slow_classes, err, sizeof(err)))
		argp_failure(state, EXIT_USAGE, 0, "invalid --slow '%s': %s", arg, err);
	o->loader.slow_classes = o->slow_classes;
}

static error_t parse_detail(int key, char *arg, struct argp_state *state)
{
	struct run_opts *o = state->input;

	switch (key) {
	case OPT_DETAIL:
		o->loader.detail = true;
		break;
	case OPT_DETAIL_MAX:
		o->loader.detail = true;
		o->loader.detail_max = parse_count(state, "--detail-max", arg, DETAIL_MAX_LIMIT);
		break;
	case OPT_DETAIL_TOP:
		o->loader.detail = true;
		o->detail_top = parse_count(state, "--detail-top", arg, KVMSTAT_DETAIL_MAX_DEFAULT);
		break;
	case OPT_SLOW:
		parse_slow(state, arg, o);
		break;
	case OPT_SLOW_RATE:
		o->loader.slow_rate = parse_count(state, "--slow-rate", arg, 1000000);
		break;
	case OPT_SLOW_BURST:
		o->loader.slow_burst = parse_count(state, "--slow-burst", arg, 100000);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp detail_argp = { detail_options, parse_detail, NULL, NULL, NULL, NULL, NULL };

void detail_args_finish(struct argp_state *state, struct run_opts *o)
{
	const struct loader_opts *lo = &o->loader;

	if ((lo->slow_rate || lo->slow_burst) && !lo->slow_ns)
		argp_failure(state, EXIT_USAGE, 0, "--slow-rate and --slow-burst need --slow");
	if (lo->slow_ns && lo->time_every > 1)
		argp_failure(state, EXIT_USAGE, 0, "--slow needs every exit timed: not with --time-every");
	if ((lo->detail || lo->slow_ns) && lo->classic)
		argp_failure(state, EXIT_USAGE, 0, "--detail and --slow use tp_btf programs: not with --classic");
	if (lo->detail && !o->detail_top)
		o->detail_top = DETAIL_TOP_DEFAULT;
}
