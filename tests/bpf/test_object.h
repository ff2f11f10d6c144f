/* SPDX-License-Identifier: GPL-2.0 */
/* The shipped BPF object with only its raw_tp test entry points to load (BPF_PROG_TEST_RUN). */
#ifndef KVMSTAT_TEST_OBJECT_H
#define KVMSTAT_TEST_OBJECT_H

#include <string.h>
#include <bpf/libbpf.h>
#include "../../bpf/kvmstat.h"
#include "kvmstat.skel.h"

/* Opened, not loaded: the caller sets rodata and map sizes, then loads. NULL on failure. */
static inline struct kvmstat_bpf *open_test_object(void)
{
	struct kvmstat_bpf *skel = kvmstat_bpf__open();
	struct bpf_program *prog;

	if (!skel)
		return NULL;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, !strncmp(bpf_program__name(prog), "test_", 5));
	return skel;
}

#endif /* KVMSTAT_TEST_OBJECT_H */
