// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: `kvmstat-bpf report` (cli/report.c) on whole files, as a
 * user would run it on NDJSON someone sent: lines, blank lines, truncation,
 * several files merged, and the options that change what is read and how
 * (grouping, filters, spans, intervals, histograms, JSON out). The first two
 * bytes choose the options; the rest, split at 0x1c bytes, are up to 3 files.
 * Memory errors, undefined behaviour and leaks are the findings; the exit
 * status must be 0 or 1 (report's contract).
 */
#define _GNU_SOURCE	/* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "cli/report.h"

#define MAX_FILES 3

/* A file holding data, named by /proc/self/fd so report opens it like any path. */
static int make_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz-report", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

static void choose_options(uint8_t a, uint8_t b, struct report_opts *o)
{
	o->by = (a & 3) % 3;
	o->sort = (a >> 2) % 6;
	o->hist = a & 0x20;
	o->intervals = a & 0x40;
	o->json_path = a & 0x80 ? "-" : NULL;
	o->spans = b & 3;	/* 0: every span of the input; 3: both */
	if (b & 4)
		o->filter.vm = 1 + (b >> 4);
	if (b & 8) {
		o->filter.vcpus[0] = 0;
		o->filter.vcpus[1] = b >> 5;
		o->filter.nr_vcpus = 2;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char paths[MAX_FILES][48], *files[MAX_FILES];
	int fds[MAX_FILES], nr = 0, i, ret;
	struct report_opts o = {};
	const uint8_t *p, *end, *sep;

	if (size < 2)
		return 0;
	choose_options(data[0], data[1], &o);
	for (p = data + 2, end = data + size; nr < MAX_FILES; p = sep + 1) {
		sep = nr + 1 < MAX_FILES ? memchr(p, 0x1c, end - p) : NULL;
		fds[nr] = make_file(p, (sep ?: end) - p, paths[nr], sizeof(paths[nr]));
		if (fds[nr] < 0)
			break;
		files[nr] = paths[nr];
		nr++;
		if (!sep)
			break;
	}
	o.files = files;
	o.nr_files = nr;
	if (nr) {
		ret = cmd_report(&o);
		if (ret != 0 && ret != 1)
			abort();
	}
	fflush(stdout);
	for (i = 0; i < nr; i++)
		close(fds[i]);
	return 0;
}
