/* SPDX-License-Identifier: GPL-2.0 */
/* Whether what was written reached its file, and files replaced whole. */
#ifndef KVMSTAT_STREAM_H
#define KVMSTAT_STREAM_H

#include <stdio.h>

/*
 * Flushes f: 0 when everything written to it so far reached the kernel, else
 * -errno of the failed write (-ENOSPC, -EPIPE, ...), or -EIO when only ferror()
 * knows that a write failed. What every writer of a FILE returns.
 */
int stream_flush(FILE *f);

/*
 * Replaces path atomically: write(f, ctx) fills path.tmp, which is then renamed
 * over path, so a reader (a collector polling the file) never sees half of it.
 * 0, or write's error or -errno; on error path is untouched and path.tmp gone.
 */
int file_replace(const char *path, int (*write)(FILE *f, void *ctx), void *ctx);

#endif /* KVMSTAT_STREAM_H */
