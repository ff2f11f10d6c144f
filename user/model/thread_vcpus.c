// SPDX-License-Identifier: GPL-2.0
/* The table of threads' vCPUs: see thread_vcpus.h. */
#include <errno.h>
#include <stdlib.h>
#include "model/thread_vcpus.h"
#include "bpf/kvmstat.h"

int thread_vcpus_add(struct thread_vcpus *t, __u32 vm, __u32 tid, __u32 vcpu)
{
	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct thread_vcpu *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->nr++] = (struct thread_vcpu){ vm, tid, vcpu };
	return 0;
}

static int thread_cmp(const void *pa, const void *pb)
{
	const struct thread_vcpu *a = pa, *b = pb;

	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

void thread_vcpus_sort(struct thread_vcpus *t)
{
	if (t->nr)
		qsort(t->v, t->nr, sizeof(*t->v), thread_cmp);
}

__u32 thread_vcpus_find(const struct thread_vcpus *t, __u32 vm, __u32 tid)
{
	struct thread_vcpu probe = { vm, tid, 0 }, *hit;

	if (!t || !t->nr)
		return KVMSTAT_VCPU_UNKNOWN;
	hit = bsearch(&probe, t->v, t->nr, sizeof(probe), thread_cmp);
	return hit ? hit->vcpu : KVMSTAT_VCPU_UNKNOWN;
}

void thread_vcpus_free(struct thread_vcpus *t)
{
	free(t->v);
	*t = (struct thread_vcpus){ 0 };
}
