// SPDX-License-Identifier: GPL-2.0
#include "model/filter.h"

bool sample_filter_match(const struct sample_filter *f, const struct kvmstat_key *k)
{
	size_t i;

	if (f->vm && k->vm != f->vm)
		return false;
	if (!f->nr_vcpus)
		return true;
	for (i = 0; i < f->nr_vcpus; i++)
		if (k->vcpu == f->vcpus[i])
			return true;
	return false;
}

void snapshot_filter(struct snapshot *s, const struct sample_filter *f)
{
	size_t i, n = 0;

	for (i = 0; i < s->nr; i++)
		if (sample_filter_match(f, &s->samples[i].key))
			s->samples[n++] = s->samples[i];
	s->nr = n;
}
