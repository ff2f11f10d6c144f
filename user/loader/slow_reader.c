// SPDX-License-Identifier: GPL-2.0
/* --slow: draining the slow_records ring buffer (libbpf's ring_buffer) into a list. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "kvmstat.skel.h"
#include "loader/slow_reader.h"

static int take_record(void *ctx, void *data, size_t size)
{
	struct slow_reader *sr = ctx;
	struct slow_exit e;

	if (size < sizeof(struct kvmstat_slow))
		return 0;	/* not ours: never written by this object */
	memcpy(&e.r, data, sizeof(e.r));
	e.time = slow_wall_time(e.r.ts, sr->ref_mono_ns, sr->ref_wall);
	sr->err = slow_list_add(sr->into, &e);
	return sr->err;
}

int slow_reader_open(struct slow_reader *sr, struct kvmstat_bpf *skel, struct slow_list *into)
{
	memset(sr, 0, sizeof(*sr));
	sr->into = into;
	sr->rb = ring_buffer__new(bpf_map__fd(skel->maps.slow_records), take_record, sr, NULL);
	return sr->rb ? 0 : -errno;
}

/* The two clocks at (about) one instant: the monotonic one read on both sides of the wall one. */
static void take_reference(struct slow_reader *sr)
{
	struct timespec m0, m1;

	clock_gettime(CLOCK_MONOTONIC, &m0);
	clock_gettime(CLOCK_REALTIME, &sr->ref_wall);
	clock_gettime(CLOCK_MONOTONIC, &m1);
	sr->ref_mono_ns = ((__u64)m0.tv_sec * 1000000000ULL + m0.tv_nsec +
			   (__u64)m1.tv_sec * 1000000000ULL + m1.tv_nsec) / 2;
}

int slow_reader_poll(struct slow_reader *sr, int timeout_ms)
{
	int n;

	take_reference(sr);
	n = timeout_ms ? ring_buffer__poll(sr->rb, timeout_ms) : ring_buffer__consume(sr->rb);

	if (sr->err)
		return sr->err;
	return n < 0 ? n : 0;
}

void slow_reader_close(struct slow_reader *sr)
{
	ring_buffer__free(sr->rb);
	sr->rb = NULL;
}
