// SPDX-License-Identifier: GPL-2.0
/* Option values that run and report both take, each refused in one line (exit 2). */
#include <argp.h>
#include "cli/args.h"
#include "lib/parse.h"

int parse_choice(struct argp_state *state, const char *what, const char *arg,
		 const struct schema_enum *e)
{
	char choices[128];
	int v = schema_parse(e, arg);

	if (v < 0)
		argp_failure(state, EXIT_USAGE, 0, "invalid %s '%s': expected %s", what, arg,
			     schema_choices(e, false, choices, sizeof(choices)));
	return v;
}

unsigned long parse_positive(struct argp_state *state, const char *what, const char *arg,
			     unsigned long max)
{
	unsigned long v = 0;

	if (parse_uint(arg, max, &v))
		argp_failure(state, EXIT_USAGE, 0, "invalid %s '%s': expected an integer 1..%lu", what,
			     arg, max);
	return v;
}

/* "0,2,5": vCPU ids, each below KVMSTAT_VCPU_UNKNOWN (which means "not known"). */
void parse_vcpus(struct argp_state *state, const char *arg, struct sample_filter *f)
{
	if (parse_uint_list(arg, KVMSTAT_VCPU_UNKNOWN, f->vcpus, FILTER_MAX_VCPUS, &f->nr_vcpus))
		argp_failure(state, EXIT_USAGE, 0, "invalid vCPU list '%s': expected N[,N...], "
			     "at most %d ids", arg, FILTER_MAX_VCPUS);
}

/* -s, -b and --span, as run and report take them. */
void parse_view_choice(struct argp_state *state, int key, const char *arg,
		       enum sort_key *sort, enum grouping *by, __u32 *spans)
{
	switch (key) {
	case 's':
		*sort = parse_choice(state, "sort key", arg, &schema_sort_keys);
		break;
	case 'b':
		*by = parse_choice(state, "grouping", arg, &schema_groupings);
		break;
	case OPT_SPAN:
		*spans = span_choice_mask(parse_choice(state, "span", arg, &schema_span_choices));
		break;
	}
}
