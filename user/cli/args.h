/* SPDX-License-Identifier: GPL-2.0 */
/* What the commands' option parsers share: the keys of long options, the shared values. */
#ifndef KVMSTAT_CLI_ARGS_H
#define KVMSTAT_CLI_ARGS_H

#include <argp.h>
#include <linux/types.h>
#include "model/filter.h"
#include "model/schema.h"

#define EXIT_USAGE 2

/* Keys of the long options without a short one (run's and report's). */
enum {
	OPT_SPAN = 0x100,
	OPT_JSON,
	OPT_MAX_KEYS,
	OPT_CLASSIC,
	OPT_INFLIGHT,
	OPT_MAX_THREADS,
	OPT_KEEP_ENDED,
	OPT_TIME_EVERY,
	OPT_VCPU_SOURCE,
	OPT_VCPU,
	OPT_HIST,
	OPT_CUMULATIVE,
	OPT_PROM_FILE,
	OPT_LISTEN,
	OPT_BATCH,
	OPT_REPLAY,
	OPT_SPEED,
	OPT_HTML,
	OPT_FENTRY_TARGET,
	OPT_DETAIL_TOP,
};

/* A value of e named by arg, or one error line naming what and e's choices, and exit 2. */
int parse_choice(struct argp_state *state, const char *what, const char *arg,
		 const struct schema_enum *e);
/* An integer 1..max, or one error line and exit 2. */
unsigned long parse_positive(struct argp_state *state, const char *what, const char *arg,
			     unsigned long max);
/* "0,2,5": vCPU ids into f, or one error line and exit 2. */
void parse_vcpus(struct argp_state *state, const char *arg, struct sample_filter *f);
/* -s, -b and --span, as run and report take them. */
void parse_view_choice(struct argp_state *state, int key, const char *arg,
		       enum sort_key *sort, enum grouping *by, __u32 *spans);

#endif /* KVMSTAT_CLI_ARGS_H */
