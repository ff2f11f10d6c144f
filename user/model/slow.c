// SPDX-License-Identifier: GPL-2.0
/* Slow-exit records: a growing list per interval, and the run's slowest. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/slow.h"

#define NSEC 1000000000LL

int slow_list_add(struct slow_list *l, const struct slow_exit *e)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct slow_exit *n = realloc(l->e, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->e = n;
		l->cap = cap;
	}
	l->e[l->nr++] = *e;
	return 0;
}

struct timespec slow_wall_time(__u64 mono_ns, __u64 ref_mono_ns, struct timespec ref_wall)
{
	long long ns = (long long)ref_wall.tv_sec * NSEC + ref_wall.tv_nsec +
		       (long long)(mono_ns - ref_mono_ns);

	return (struct timespec){ .tv_sec = ns / NSEC, .tv_nsec = ns % NSEC };
}

void slow_list_clear(struct slow_list *l)
{
	l->nr = 0;
}

void slow_list_free(struct slow_list *l)
{
	free(l->e);
	memset(l, 0, sizeof(*l));
}

static int by_time(const void *pa, const void *pb)
{
	const struct kvmstat_slow *a = &((const struct slow_exit *)pa)->r;
	const struct kvmstat_slow *b = &((const struct slow_exit *)pb)->r;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

void slow_list_sort(struct slow_list *l)
{
	if (l->nr > 1)	/* qsort wants an array, even of none */
		qsort(l->e, l->nr, sizeof(*l->e), by_time);
}

static int slowest_first(const void *pa, const void *pb)
{
	const struct kvmstat_slow *a = &((const struct slow_exit *)pa)->r;
	const struct kvmstat_slow *b = &((const struct slow_exit *)pb)->r;

	if (a->handling_ns != b->handling_ns)
		return a->handling_ns > b->handling_ns ? -1 : 1;
	return by_time(pa, pb);
}

int slow_list_keep_slowest(struct slow_list *l, const struct slow_list *add, size_t max)
{
	size_t i;
	int err = 0;

	for (i = 0; i < add->nr && !err; i++)
		err = slow_list_add(l, &add->e[i]);
	if (l->nr > 1)
		qsort(l->e, l->nr, sizeof(*l->e), slowest_first);
	if (l->nr > max)
		l->nr = max;
	return err;
}

void slow_list_filter(struct slow_list *l, const struct sample_filter *f)
{
	size_t i, n = 0;

	for (i = 0; i < l->nr; i++) {
		const struct kvmstat_slow *r = &l->e[i].r;
		struct kvmstat_key k = { .vm = r->vm, .vcpu = r->vcpu, .tid = r->tid };

		if (sample_filter_match(f, &k))
			l->e[n++] = l->e[i];
	}
	l->nr = n;
}
