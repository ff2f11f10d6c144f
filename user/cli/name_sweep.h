/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names cache (host/proc_names.c) kept to what the stats' keys refer to: the VMs and
 * threads of live keys, of the last interval's and of the ended keys still kept one by one. A host where VMs come
 * and go would otherwise grow it with every VM and thread it ever ran.
 */
#ifndef KVMSTAT_NAME_SWEEP_H
#define KVMSTAT_NAME_SWEEP_H

#include <stddef.h>
#include "loader/stats_reader.h"

/*
 * Between intervals (no name held): forgets the names no key of r refers to, once the
 * cache has grown by *kept + NAME_SWEEP_SLACK names since the last sweep (amortized:
 * each name costs one pass), and sets *kept to what it kept. 0 or -ENOMEM (nothing swept).
 */
#define NAME_SWEEP_SLACK 64
int name_sweep(const struct stats_reader *r, size_t *kept);

#endif /* KVMSTAT_NAME_SWEEP_H */
