// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the Prometheus state run keeps across intervals (user/cli/output.c,
 * output_prom_update) while VMs come and go: the stats arrays in plain memory, written as
 * the BPF side does, read by the stats reader with a small --keep-ended.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli/output.h"
#include "test.h"

#define SLOTS 4
#define SPANS (1U << KVMSTAT_SPAN_HANDLING)
#define KEEP_ENDED 3
#define VMS 40

#include "fake_source.h"

/* VM vm's one vCPU thread makes n exits in a free slot, then ends. */
static void vm_runs(struct fake *f, __u32 vm, __u64 n)
{
	__u32 slot = f->nr_freed ? f->freed[--f->nr_freed] : f->used;
	struct kvmstat_value *v = (void *)(f->values + slot * f->src.stride);

	if (f->used < slot + 1)
		f->used = slot + 1;
	f->keys[slot] = (struct kvmstat_key){ .class = 0x24, .vm = vm, .vcpu = 0, .tid = vm + 1 };
	v->exits += n;
}

static void vm_ends(struct fake *f, __u32 vm)
{
	f->ended[f->nr_ended++] = (__u64)vm << 32 | (vm + 1);
}

static __u64 series_exits(const struct prom_state *ps, size_t *nr_vm0)
{
	__u64 n = 0;
	size_t i;

	*nr_vm0 = 0;
	for (i = 0; i < ps->nr; i++) {
		n += ps->series[i].exits;
		*nr_vm0 += ps->series[i].key.vm == 0;
	}
	return n;
}

/*
 * VMs come and go, one thread each, far more than --keep-ended: the exposition keeps the
 * series of the live VM, of those kept one by one and of at most --keep-ended more that
 * folded since it was last made; not one per VM ever seen. Its counts stay exact.
 */
TEST(ended_vms_series_stay_bounded_counts_exact)
{
	struct run_output o = { .prom = { .spans = SPANS } };
	struct stats_reader r;
	struct fake f;
	size_t most = 0, vm0;
	__u64 want = 0;
	__u32 vm;

	fake_init(&f, SPANS);
	stats_reader_init(&r, &f.src, KVMSTAT_ARCH_ARM64, NULL);
	r.ended.cap = KEEP_ENDED;
	ASSERT_EQ(stats_reader_update(&r), 0);
	for (vm = 100; vm < 100 + VMS; vm++) {
		vm_runs(&f, vm, vm);
		want += vm;
		ASSERT_EQ(stats_reader_update(&r), 0);
		ASSERT_EQ(output_prom_update(&o, &r), 0);
		vm_ends(&f, vm);
		ASSERT_EQ(stats_reader_update(&r), 0);
		ASSERT_EQ(output_prom_update(&o, &r), 0);
		if (!ASSERT_EQ(series_exits(&o.prom_state, &vm0), want))
			break;
		if (o.prom_state.nr > most)
			most = o.prom_state.nr;
	}
	ASSERT_EQ(r.ended.nr_ended, VMS);
	/* kept one by one, folded since the last remake, VM 0's one series */
	ASSERT_TRUE(most <= 2 * KEEP_ENDED + 1);
	ASSERT_TRUE(vm0 == 1);
	output_free(&o);
	stats_reader_free(&r);
	free(f.values);
}

TEST_MAIN(TEST_CASE(ended_vms_series_stay_bounded_counts_exact))
