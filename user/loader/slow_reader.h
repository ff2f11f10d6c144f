/* SPDX-License-Identifier: GPL-2.0 */
/* --slow: the records the kernel sends through the slow_records ring buffer, into a list. */
#ifndef KVMSTAT_SLOW_READER_H
#define KVMSTAT_SLOW_READER_H

#include "model/slow.h"

struct kvmstat_bpf;
struct ring_buffer;

struct slow_reader {
	struct ring_buffer *rb;
	struct slow_list *into;
	int err;		/* of the last record taken (-ENOMEM) */
	/* The clocks read together at the poll: a record's wall-clock time is by them. */
	__u64 ref_mono_ns;
	struct timespec ref_wall;
};

/* Records go to into. 0, or -errno (said by the caller). */
int slow_reader_open(struct slow_reader *sr, struct kvmstat_bpf *skel, struct slow_list *into);
/* Takes what was sent, waiting up to timeout_ms for the first (0: not at all). 0, -EINTR
 * (a signal), or -errno. */
int slow_reader_poll(struct slow_reader *sr, int timeout_ms);
void slow_reader_close(struct slow_reader *sr);

#endif /* KVMSTAT_SLOW_READER_H */
