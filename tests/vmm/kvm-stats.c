// SPDX-License-Identifier: GPL-2.0
/* KVM's binary statistics: see kvm-stats.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm-stats.h"

char *kvm_stats_read(int fd, struct kvm_stats_header *hdr, size_t *size)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap), *bigger;
	ssize_t n = 0;

	while (buf && (n = pread(fd, buf + len, cap - len, (off_t)len)) > 0) {
		len += (size_t)n;
		if (len < cap)
			continue;
		bigger = realloc(buf, cap *= 2);
		if (!bigger)
			free(buf);
		buf = bigger;
	}
	if (!buf)
		return NULL;
	if (n < 0 || len < sizeof(*hdr)) {
		free(buf);
		errno = n < 0 ? errno : EIO;
		return NULL;
	}
	memcpy(hdr, buf, sizeof(*hdr));
	*size = len;
	return buf;
}

const struct kvm_stats_desc *kvm_stats_desc(const char *buf, const struct kvm_stats_header *hdr,
					    __u32 i)
{
	size_t desc_size = sizeof(struct kvm_stats_desc) + hdr->name_size;

	return (const void *)(buf + hdr->desc_offset + i * desc_size);
}

long kvm_stats_offset(const char *buf, const struct kvm_stats_header *hdr, const char *name)
{
	__u32 i;

	for (i = 0; i < hdr->num_desc; i++)
		if (!strcmp(kvm_stats_desc(buf, hdr, i)->name, name))
			return (long)(hdr->data_offset + kvm_stats_desc(buf, hdr, i)->offset);
	return -1;
}

void kvm_stats_print(FILE *out, const char *buf, const struct kvm_stats_header *hdr, size_t size,
		     const char *name, bool named)
{
	__u32 i;

	for (i = 0; i < hdr->num_desc; i++) {
		const struct kvm_stats_desc *d = kvm_stats_desc(buf, hdr, i);
		size_t at = hdr->data_offset + d->offset;
		uint64_t value;

		if (d->size != 1 || at + sizeof(value) > size)
			continue;
		if (name && (strcmp(d->name, name) == 0) != named)
			continue;
		memcpy(&value, buf + at, sizeof(value));
		fprintf(out, " %s=%llu", d->name, (unsigned long long)value);
	}
}
