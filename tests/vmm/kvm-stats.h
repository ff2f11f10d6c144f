/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's binary statistics (KVM_GET_STATS_FD, Documentation/virt/kvm/api.rst
 * "KVM_GET_STATS_FD"): a header, descriptors, then the data. Read with pread
 * only, so a stats fd shared with its owner (pidfd_getfd) keeps its offset.
 */
#ifndef KVM_STATS_H
#define KVM_STATS_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The whole stats file; NULL with errno set (EIO: shorter than its header). Free it. */
char *kvm_stats_read(int fd, struct kvm_stats_header *hdr, size_t *size);
const struct kvm_stats_desc *kvm_stats_desc(const char *buf, const struct kvm_stats_header *hdr,
					    __u32 i);
/* File offset of the value of stat `name`, -1 if there is none. */
long kvm_stats_offset(const char *buf, const struct kvm_stats_header *hdr, const char *name);
/*
 * " name=value" for every single-value statistic (histograms are skipped)
 * named `name` (named) or not (!named); with name NULL, for all of them.
 */
void kvm_stats_print(FILE *out, const char *buf, const struct kvm_stats_header *hdr, size_t size,
		     const char *name, bool named);

#endif /* KVM_STATS_H */
