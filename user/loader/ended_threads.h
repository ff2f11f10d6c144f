/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU threads that ended, as the kernel reports them (dead_threads): their names
 * kept here and deleted from the threads map, so the map holds the live threads and
 * those that ended since the last read; and their stats slots given back to the
 * kernel once the reader has their last values (stats_source's callbacks). Also
 * loader_thread_name (loader.h): names of live threads from the map, of ended ones
 * from here.
 */
#ifndef KVMSTAT_ENDED_THREADS_H
#define KVMSTAT_ENDED_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bpf/kvmstat.h"

/* Names of ended threads kept (a ring: the oldest go first), 48 bytes each. */
#define ENDED_NAMES_CAP 65536

struct kvmstat_bpf;
struct stats_source;

struct ended_name {
	__u64 id;			/* pid_tgid */
	struct kvmstat_thread t;
};

struct ended_threads {
	int dead_fd, threads_fd, index_fd, stats_fd, keys_fd, free_fd;
	size_t value_size;		/* of a stats value in the map */
	const volatile __u64 *lost;	/* dead_lost: ended threads the kernel could not report */
	__u64 lost_said;
	struct ended_name *names;	/* ring of ENDED_NAMES_CAP */
	size_t nr_names, next_name;
};

/* The maps of a loaded object; src's pop_ended and free_slot use e. 0 or -ENOMEM. */
int ended_threads_open(struct ended_threads *e, struct kvmstat_bpf *skel, struct stats_source *src);
void ended_threads_close(struct ended_threads *e);
/* The kernel's record of ended thread tid of pid (tid 0: any thread of pid), or NULL. */
const struct kvmstat_thread *ended_threads_find(const struct ended_threads *e, __u32 pid, __u32 tid);

#endif /* KVMSTAT_ENDED_THREADS_H */
