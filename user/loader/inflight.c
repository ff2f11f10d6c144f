// SPDX-License-Identifier: GPL-2.0
/* The pending-exit store's settings, before load (DESIGN.md, "Pending exits"). */
#include <bpf/libbpf.h>
#include "kvmstat.skel.h"
#include "loader/loader.h"

__u32 loader_max_threads(const struct loader_opts *o)
{
	return o->max_threads ? o->max_threads : KVMSTAT_MAX_THREADS_DEFAULT;
}

__u32 loader_direct_slots(__u32 max_threads)
{
	__u32 slots = 1;

	while (slots < 2 * (max_threads ? max_threads : KVMSTAT_MAX_THREADS_DEFAULT))
		slots <<= 1;
	return slots;
}

static const char *const store_names[KVMSTAT_NR_STORES] = {
	[KVMSTAT_STORE_OVERFLOW] = "overflow",
	[KVMSTAT_STORE_DIRECT] = "direct",
	[KVMSTAT_STORE_PROBE] = "probe",
	[KVMSTAT_STORE_HASH] = "hash",
	[KVMSTAT_STORE_TASK] = "task",
};

const struct schema_enum loader_stores = { store_names, NULL, KVMSTAT_NR_STORES, 0 };

/* Maps of the stores not in use shrink to one entry (a map cannot have none). */
void loader_size_inflight(struct kvmstat_bpf *skel, const struct loader_opts *o)
{
	bool array = o->store == KVMSTAT_STORE_OVERFLOW || o->store == KVMSTAT_STORE_DIRECT ||
		     o->store == KVMSTAT_STORE_PROBE;
	bool hash = o->store == KVMSTAT_STORE_OVERFLOW || o->store == KVMSTAT_STORE_HASH;
	__u32 threads = loader_max_threads(o), slots = loader_direct_slots(threads);

	skel->rodata->targ_inflight_store = o->store;
	skel->rodata->targ_direct_mask = slots - 1;
	bpf_map__set_max_entries(skel->maps.inflight_slots, array ? slots : 1);
	bpf_map__set_max_entries(skel->maps.inflight_hash, hash ? threads : 1);
	bpf_map__set_max_entries(skel->maps.threads, 2 * threads);
	bpf_map__set_max_entries(skel->maps.dead_threads, threads);
}

