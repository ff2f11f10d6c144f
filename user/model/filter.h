/* SPDX-License-Identifier: GPL-2.0 */
/* Which samples to keep: -p and --vcpu, in run (as the reader reads) and in report. */
#ifndef KVMSTAT_FILTER_H
#define KVMSTAT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "model/snapshot.h"

#define FILTER_MAX_VCPUS 256

struct sample_filter {
	__u32 vm;			/* VMM pid, 0: every VM */
	size_t nr_vcpus;		/* 0: every vCPU */
	__u32 vcpus[FILTER_MAX_VCPUS];	/* vcpu ids; an unknown id (thread fallback) never matches */
};

bool sample_filter_match(const struct sample_filter *f, const struct kvmstat_key *k);
/* Drops the samples f does not keep, in place (order kept). */
void snapshot_filter(struct snapshot *s, const struct sample_filter *f);

#endif /* KVMSTAT_FILTER_H */
