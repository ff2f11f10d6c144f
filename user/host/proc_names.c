// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/proc_names.h"

/*
 * Names found, by (kind, id): open addressing, so the names of thousands of
 * vCPU threads cost one probe each, not a walk of every name known. Entries
 * never move: a name handed out stays valid while the table grows.
 */
struct name_entry {
	__u64 id;			/* pid; a thread's: pid << 32 | tid (a tid is its process's) */
	int kind;			/* NAME_VM or NAME_THREAD */
	char name[NAME_LEN];
};

enum { NAME_VM = 1, NAME_THREAD = 2, NAME_UUID = 3 };

static struct name_entry **cache;
static size_t cache_nr, cache_mask;
static name_fallback_fn fallback;
static void *fallback_ctx;

void names_set_fallback(name_fallback_fn fn, void *ctx)
{
	fallback = fn;
	fallback_ctx = ctx;
}

static size_t cache_slot(struct name_entry **table, size_t mask, __u64 id, int kind)
{
	size_t h = ((id * 0x9E3779B97F4A7C15ULL) >> 32 ^ kind) & mask;

	while (table[h] && (table[h]->id != id || table[h]->kind != kind))
		h = (h + 1) & mask;
	return h;
}

static const char *cache_find(__u64 id, int kind)
{
	struct name_entry *e = cache ? cache[cache_slot(cache, cache_mask, id, kind)] : NULL;

	return e ? e->name : NULL;
}

/* Twice the room, the table at most half full. */
static bool cache_grow(void)
{
	size_t i, mask = cache ? 2 * cache_mask + 1 : 63;
	struct name_entry **n = calloc(mask + 1, sizeof(*n));

	if (!n)
		return false;
	for (i = 0; cache && i <= cache_mask; i++)
		if (cache[i])
			n[cache_slot(n, mask, cache[i]->id, cache[i]->kind)] = cache[i];
	free(cache);
	cache = n;
	cache_mask = mask;
	return true;
}

static const char *cache_put(__u64 id, int kind, const char *name)
{
	struct name_entry *e;

	if ((!cache || 2 * (cache_nr + 1) > cache_mask + 1) && !cache_grow())
		return NULL;
	e = malloc(sizeof(*e));
	if (!e)
		return NULL;
	e->id = id;
	e->kind = kind;
	snprintf(e->name, sizeof(e->name), "%s", name);
	cache[cache_slot(cache, cache_mask, id, kind)] = e;
	cache_nr++;
	return e->name;
}

void names_cache_free(void)
{
	size_t i;

	for (i = 0; cache && i <= cache_mask; i++)
		free(cache[i]);
	free(cache);
	cache = NULL;
	cache_nr = cache_mask = 0;
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

/* The argument after QEMU's -OPT or --OPT in a NUL-separated command line, or NULL. */
static const char *qemu_option(const char *args, size_t len, const char *opt)
{
	const char *p = args, *end = args + len;

	while (p < end) {
		size_t n = strnlen(p, end - p);

		if (p[0] == '-' && !strcmp(p + 1 + (p[1] == '-'), opt) && p + n + 1 < end)
			return p + n + 1;
		p += n + 1;
	}
	return NULL;
}

const char *qemu_guest_name(const char *args, size_t len, char *buf, size_t buflen)
{
	const char *v = qemu_option(args, len, "name");

	return v ? parse_name_opt(v, args + len, buf, buflen) : NULL;
}

const char *qemu_vm_uuid(const char *args, size_t len, char *buf, size_t buflen)
{
	const char *v = qemu_option(args, len, "uuid");
	size_t i;

	/* as QEMU's qemu_uuid_parse() takes it: 8-4-4-4-12 hex digits */
	if (!v || strnlen(v, args + len - v) != UUID_STR_LEN - 1 || buflen < UUID_STR_LEN)
		return NULL;
	for (i = 0; i < UUID_STR_LEN - 1; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? v[i] != '-' : !isxdigit((unsigned char)v[i]))
			return NULL;
		buf[i] = tolower((unsigned char)v[i]);
	}
	buf[i] = '\0';
	return buf;
}

static const char *read_comm(const char *path, char *buf, size_t len)
{
	ssize_t n = read_file(path, buf, len);

	if (n <= 0)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static ssize_t read_cmdline(__u32 pid, char *args, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	return read_file(path, args, len);
}

const char *proc_vm_name(void *ctx, __u32 pid)
{
	char path[64], args[4096], name[NAME_LEN];
	const char *found = cache_find(pid, NAME_VM), *n;
	ssize_t len;

	(void)ctx;
	if (found)
		return found;
	len = read_cmdline(pid, args, sizeof(args));
	n = len > 0 ? qemu_guest_name(args, len, name, sizeof(name)) : NULL;
	if (!n) {
		snprintf(path, sizeof(path), "/proc/%u/comm", pid);
		n = read_comm(path, name, sizeof(name));
	}
	if (!n && fallback)
		n = fallback(fallback_ctx, pid, 0, name, sizeof(name));
	return n ? cache_put(pid, NAME_VM, n) : NULL;
}

const char *proc_vm_uuid(void *ctx, __u32 pid)
{
	char args[4096], uuid[UUID_STR_LEN];
	const char *found = cache_find(pid, NAME_UUID), *u;
	ssize_t len;

	(void)ctx;
	if (found)
		return *found ? found : NULL;
	len = read_cmdline(pid, args, sizeof(args));
	if (len <= 0)
		return NULL;	/* gone, or not readable now: asked again next time */
	u = qemu_vm_uuid(args, len, uuid, sizeof(uuid));
	found = cache_put(pid, NAME_UUID, u ?: "");	/* "": none, known */
	return found && *found ? found : NULL;
}

const char *proc_thread_name(void *ctx, __u32 pid, __u32 tid)
{
	char path[64], name[NAME_LEN];
	__u64 id = (__u64)pid << 32 | tid;
	const char *found = cache_find(id, NAME_THREAD), *n;

	(void)ctx;
	if (found)
		return found;
	/* only exists while tid is a thread of pid */
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", pid, tid);
	n = read_comm(path, name, sizeof(name));
	if (!n && fallback)
		n = fallback(fallback_ctx, pid, tid, name, sizeof(name));
	return n ? cache_put(id, NAME_THREAD, n) : NULL;
}

int vcpu_from_thread_name(const char *name)
{
	unsigned int n;
	char tail[8];

	if (name && sscanf(name, "CPU %u/KV%7s", &n, tail) == 2 && !strcmp(tail, "M"))
		return (int)n;
	return -1;
}
