// SPDX-License-Identifier: GPL-2.0
/* Ended vCPU threads: names kept, map entries and stats slots freed (ended_threads.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kvmstat.skel.h"
#include "loader/ended_threads.h"
#include "loader/loader.h"
#include "loader/stats_reader.h"

/* The thread's names into the ring, its threads entry deleted (it can get no new one). */
static void keep_names(struct ended_threads *e, __u64 id)
{
	struct ended_name *n = &e->names[e->next_name];

	if (bpf_map_lookup_elem(e->threads_fd, &id, &n->t))
		return;		/* the map was full when it came: /proc named it, if anything */
	n->id = id;
	e->next_name = (e->next_name + 1) % ENDED_NAMES_CAP;
	if (e->nr_names < ENDED_NAMES_CAP)
		e->nr_names++;
	bpf_map_delete_elem(e->threads_fd, &id);
}

/* The ring is searched newest first: a pid_tgid that came back names the latest thread. */
const struct kvmstat_thread *ended_threads_find(const struct ended_threads *e, __u32 pid, __u32 tid)
{
	size_t i, at;

	for (i = 1; i <= e->nr_names; i++) {
		at = (e->next_name + ENDED_NAMES_CAP - i) % ENDED_NAMES_CAP;
		if (e->names[at].id >> 32 == pid && (!tid || (__u32)e->names[at].id == tid))
			return &e->names[at].t;
	}
	return NULL;
}

static void say_lost(struct ended_threads *e)
{
	__u64 lost = *e->lost;

	if (lost == e->lost_said)
		return;
	fprintf(stderr, "kvmstat-bpf: %llu ended vCPU threads not reported (more than --max-threads "
		"ended within one interval): their stats slots stay in use\n", (unsigned long long)lost);
	e->lost_said = lost;
}

static int pop_ended(const struct stats_source *src, __u64 *ids, size_t max)
{
	struct ended_threads *e = src->ctx;
	size_t n = 0;

	while (n < max && !bpf_map_lookup_and_delete_elem(e->dead_fd, NULL, &ids[n])) {
		keep_names(e, ids[n]);
		n++;
	}
	if (n < max && errno != ENOENT)
		return -errno;
	say_lost(e);
	return (int)n;
}

/*
 * In this order: no lookup can find the slot once it is zeroed, and the kernel takes
 * it (free_slots) only once it is zero and unpublished.
 */
static int free_slot(const struct stats_source *src, __u32 slot, const struct kvmstat_key *key)
{
	static const struct kvmstat_key none;
	struct ended_threads *e = src->ctx;
	void *zero = calloc(1, e->value_size);
	int err = zero ? 0 : -ENOMEM;

	if (!err && bpf_map_delete_elem(e->index_fd, key) && errno != ENOENT)
		err = -errno;
	if (!err && bpf_map_update_elem(e->stats_fd, &slot, zero, BPF_EXIST))
		err = -errno;
	if (!err && bpf_map_update_elem(e->keys_fd, &slot, &none, BPF_EXIST))
		err = -errno;
	if (!err && bpf_map_update_elem(e->free_fd, NULL, &slot, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

int ended_threads_open(struct ended_threads *e, struct kvmstat_bpf *skel, struct stats_source *src)
{
	memset(e, 0, sizeof(*e));
	e->names = calloc(ENDED_NAMES_CAP, sizeof(*e->names));
	if (!e->names)
		return -ENOMEM;
	e->dead_fd = bpf_map__fd(skel->maps.dead_threads);
	e->threads_fd = bpf_map__fd(skel->maps.threads);
	e->index_fd = bpf_map__fd(skel->maps.stats_index);
	e->stats_fd = bpf_map__fd(skel->maps.stats);
	e->keys_fd = bpf_map__fd(skel->maps.stats_keys);
	e->free_fd = bpf_map__fd(skel->maps.free_slots);
	e->value_size = bpf_map__value_size(skel->maps.stats);
	e->lost = &skel->bss->dead_lost;
	src->pop_ended = pop_ended;
	src->free_slot = free_slot;
	src->ctx = e;
	return 0;
}

void ended_threads_close(struct ended_threads *e)
{
	free(e->names);
	memset(e, 0, sizeof(*e));
}

/* --- names the kernel recorded: of live threads in the map, of ended ones here --- */

static void copy_comm(char *buf, size_t len, const char *comm)
{
	snprintf(buf, len, "%.*s", KVMSTAT_COMM_LEN, comm);
}

const char *loader_thread_name(void *ctx, __u32 pid, __u32 tid, char *buf, size_t len)
{
	const struct loader *l = ctx;
	const struct kvmstat_thread *ended;
	struct kvmstat_thread t;
	__u64 key, next, *prev = NULL;
	int fd;

	if (!l->skel)
		return NULL;
	if (!pid)
		return "(ended)";	/* VM 0, tid 0: keys of ended threads folded (--keep-ended) */
	/* ended (and read): kept by the loader; else still in the map */
	ended = l->stats.ctx ? ended_threads_find(l->stats.ctx, pid, tid) : NULL;
	if (ended) {
		copy_comm(buf, len, tid ? ended->comm : ended->leader_comm);
		return buf;
	}
	fd = bpf_map__fd(l->skel->maps.threads);
	if (tid) {
		key = (__u64)pid << 32 | tid;
		if (bpf_map_lookup_elem(fd, &key, &t))
			return NULL;
		copy_comm(buf, len, t.comm);
		return buf;
	}
	/* A VM is a process: any of its threads knows the process's name. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &t) && t.tgid == pid) {
			copy_comm(buf, len, t.leader_comm);
			return buf;
		}
	}
	return NULL;
}
