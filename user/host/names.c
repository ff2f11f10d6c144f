// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/names.h"

struct name_entry {
	__u32 id;
	int kind;
	char name[NAME_LEN];
};

static struct name_entry *cache;
static size_t cache_nr, cache_cap;
static name_fallback_fn fallback;
static void *fallback_ctx;

void names_set_fallback(name_fallback_fn fn, void *ctx)
{
	fallback = fn;
	fallback_ctx = ctx;
}

static const char *cache_find(__u32 id, int kind)
{
	size_t i;

	for (i = 0; i < cache_nr; i++)
		if (cache[i].id == id && cache[i].kind == kind)
			return cache[i].name;
	return NULL;
}

static const char *cache_put(__u32 id, int kind, const char *name)
{
	struct name_entry *n;

	if (cache_nr == cache_cap) {
		size_t cap = cache_cap ? cache_cap * 2 : 32;

		n = realloc(cache, cap * sizeof(*n));
		if (!n)
			return NULL;
		cache = n;
		cache_cap = cap;
	}
	n = &cache[cache_nr++];
	n->id = id;
	n->kind = kind;
	snprintf(n->name, sizeof(n->name), "%s", name);
	return n->name;
}

void names_cache_free(void)
{
	free(cache);
	cache = NULL;
	cache_nr = cache_cap = 0;
}

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Copies one -name sub-option value, turning QEMU's ",," escape back into ','. */
static const char *copy_opt_value(const char *v, const char *end, char *buf, size_t buflen)
{
	size_t o = 0;

	while (v < end && *v && o + 1 < buflen) {
		if (*v == ',') {
			if (v + 1 < end && v[1] == ',') {
				buf[o++] = ',';
				v += 2;
				continue;
			}
			break;
		}
		buf[o++] = *v++;
	}
	buf[o] = '\0';
	return o ? buf : NULL;
}

/* -name [guest=]NAME[,process=...][,debug-threads=on] */
static const char *parse_name_opt(const char *v, const char *end, char *buf, size_t buflen)
{
	const char *p = v;

	if (strncmp(v, "guest=", 6) && !memchr(v, '=', strcspn(v, ",")))
		return copy_opt_value(v, end, buf, buflen);
	while (p < end && *p) {
		if (!strncmp(p, "guest=", 6))
			return copy_opt_value(p + 6, end, buf, buflen);
		p += strcspn(p, ",");
		p += *p == ',';
	}
	return NULL;
}

const char *qemu_guest_name(const char *args, size_t len, char *buf, size_t buflen)
{
	const char *p = args, *end = args + len;

	while (p < end) {
		size_t n = strnlen(p, end - p);

		if ((!strcmp(p, "-name") || !strcmp(p, "--name")) && p + n + 1 < end)
			return parse_name_opt(p + n + 1, end, buf, buflen);
		p += n + 1;
	}
	return NULL;
}

static const char *read_comm(const char *path, char *buf, size_t len)
{
	ssize_t n = read_file(path, buf, len);

	if (n <= 0)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

const char *proc_vm_name(void *ctx, __u32 pid)
{
	char path[64], args[4096], name[NAME_LEN];
	const char *found = cache_find(pid, 0), *n;
	ssize_t len;

	(void)ctx;
	if (found)
		return found;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	len = read_file(path, args, sizeof(args));
	n = len > 0 ? qemu_guest_name(args, len, name, sizeof(name)) : NULL;
	if (!n) {
		snprintf(path, sizeof(path), "/proc/%u/comm", pid);
		n = read_comm(path, name, sizeof(name));
	}
	if (!n && fallback)
		n = fallback(fallback_ctx, pid, true, name, sizeof(name));
	return n ? cache_put(pid, 0, n) : NULL;
}

const char *proc_thread_name(void *ctx, __u32 tid)
{
	char path[64], name[NAME_LEN];
	const char *found = cache_find(tid, 1), *n;

	(void)ctx;
	if (found)
		return found;
	snprintf(path, sizeof(path), "/proc/%u/comm", tid);
	n = read_comm(path, name, sizeof(name));
	if (!n && fallback)
		n = fallback(fallback_ctx, tid, false, name, sizeof(name));
	return n ? cache_put(tid, 1, n) : NULL;
}

int vcpu_from_thread_name(const char *name)
{
	unsigned int n;
	char tail[8];

	if (name && sscanf(name, "CPU %u/KV%7s", &n, tail) == 2 && !strcmp(tail, "M"))
		return (int)n;
	return -1;
}
