/* SPDX-License-Identifier: GPL-2.0 */
/* run's --detail and --slow options: an argp child of run's parser (cli/main.c). */
#ifndef KVMSTAT_DETAIL_ARGS_H
#define KVMSTAT_DETAIL_ARGS_H

#include <argp.h>
#include "cli/run.h"

#define DETAIL_TOP_DEFAULT	5	/* keys shown per class row */
#define DETAIL_MAX_LIMIT	1024	/* --detail-max: the kernel map holds 32 classes x this */

/* Its input: the run_opts being filled (set in the parent's ARGP_KEY_INIT). */
extern const struct argp detail_argp;

/* After every option: what --detail and --slow need of the others. Exits 2 on a conflict. */
void detail_args_finish(struct argp_state *state, struct run_opts *o);

/*
 * "THRESHOLD[,CLASS=THRESHOLD...]" of --slow, class names of arch: the default threshold
 * and each class's (x86 names may mean a VMX and an SVM class: both get it). 0, or
 * -EINVAL with the reason in err.
 */
int parse_slow_spec(const char *arg, enum kvmstat_arch arch, __u64 *default_ns,
		    struct slow_threshold *classes, __u32 max, __u32 *nr, char *err, size_t errlen);

#endif /* KVMSTAT_DETAIL_ARGS_H */
