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

enum { NAME_VM = 1, NAME_THREAD = 2, NAME_UUID = 3, NAME_SCOPE = 4 };

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

size_t names_cache_size(void)
{
	return cache_nr;
}

void names_cache_sweep(names_keep_fn keep, void *ctx)
{
	struct name_entry **n, *e;
	size_t i;

	if (!cache)
		return;
	n = calloc(cache_mask + 1, sizeof(*n));
	if (!n)
		return;	/* kept all: the next sweep tries again */
	cache_nr = 0;
	for (i = 0; i <= cache_mask; i++) {
		e = cache[i];
		if (!e)
			continue;
		if (!keep(ctx, e->kind == NAME_THREAD ? e->id >> 32 : e->id,
			  e->kind == NAME_THREAD ? (__u32)e->id : 0)) {
			free(e);
			continue;
		}
		n[cache_slot(n, cache_mask, e->id, e->kind)] = e;
		cache_nr++;
	}
	free(cache);
	cache = n;
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

/*
 * QEMU's reading of a -name parameter value (get_opt_value): up to a single ','
 * or the end, ",," standing for ','. Copies what fits into buf; returns where it
 * stopped.
 */
static const char *opt_value(const char *p, const char *end, char *buf, size_t buflen,
			     size_t *len)
{
	*len = 0;
	for (; p < end && (*p != ',' || (p + 1 < end && p[1] == ',')); p++) {
		if (*len + 1 < buflen)
			buf[(*len)++] = *p;
		p += *p == ',';	/* ",," is one comma */
	}
	buf[*len] = '\0';
	return p;
}

/*
 * One -name value, "[guest=]NAME[,process=...][,debug-threads=on]": the first
 * parameter without '=' is the guest (QEMU's implied key); a later guest=
 * replaces it, as QEMU merges -name options. A bare flag names nothing.
 */
static void parse_name_opts(const char *p, const char *end, char *buf, size_t buflen, size_t *len)
{
	char tmp[NAME_LEN];
	const char *eq;
	size_t n;
	bool first = true;

	for (; p < end; first = false, p += p < end) {	/* past the ',' */
		eq = p;
		while (eq < end && *eq != '=' && *eq != ',')
			eq++;
		if (first && (eq == end || *eq == ',')) {
			p = opt_value(p, end, buf, buflen, len);
		} else if (eq < end && *eq == '=') {
			bool guest = eq - p == 5 && !memcmp(p, "guest", 5);

			p = opt_value(eq + 1, end, guest ? buf : tmp, guest ? buflen : sizeof(tmp),
				      guest ? len : &n);
		} else {
			p = eq;
		}
	}
}

/*
 * The value of the next -OPT or --OPT at or after *p in a NUL-separated command line of
 * end - args bytes (its last argument may be cut short, without a NUL): [*val, *vend),
 * and *p moves past it. False when there is none. Nothing past end is read.
 */
static bool next_qemu_option(const char **p, const char *end, const char *opt,
			     const char **val, const char **vend)
{
	size_t optlen = strlen(opt);
	const char *a, *ae;

	while (*p < end) {
		a = *p;
		ae = memchr(a, '\0', end - a) ?: end;
		*p = ae + (ae < end);
		if (ae - a < 2 || a[0] != '-')
			continue;
		a += 1 + (a[1] == '-');
		if ((size_t)(ae - a) != optlen || memcmp(a, opt, optlen) || *p >= end)
			continue;
		*val = *p;
		*vend = memchr(*val, '\0', end - *val) ?: end;
		*p = *vend + (*vend < end);
		return true;
	}
	return false;
}

const char *qemu_guest_name(const char *args, size_t len, char *buf, size_t buflen)
{
	const char *p = args, *end = args + len, *v, *ve;
	size_t name_len = 0;

	buf[0] = '\0';
	while (next_qemu_option(&p, end, "name", &v, &ve))
		parse_name_opts(v, ve, buf, buflen, &name_len);
	return name_len ? buf : NULL;
}

const char *qemu_vm_uuid(const char *args, size_t len, char *buf, size_t buflen)
{
	const char *p = args, *end = args + len, *v = NULL, *ve = NULL, *nv, *nve;
	size_t i;

	while (next_qemu_option(&p, end, "uuid", &nv, &nve)) {
		v = nv;	/* each -uuid replaces the one before, as in QEMU */
		ve = nve;
	}
	/* as QEMU's qemu_uuid_parse() takes it: 8-4-4-4-12 hex digits */
	if (!v || ve - v != UUID_STR_LEN - 1 || buflen < UUID_STR_LEN)
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

/*
 * libvirt runs each QEMU in a systemd scope under machine.slice named machine-qemu-ID-NAME,
 * systemd-escaped: "machine-qemu\x2d1\x2ddb.scope" (cgroup v2: "0::/machine.slice/<it>/libvirt/
 * emulator"; v1: one such path per hierarchy). The unit name as systemctl shows it.
 */
const char *libvirt_scope(const char *cgroup, char *buf, size_t buflen)
{
	static const char prefix[] = "/machine-qemu", suffix[] = ".scope";
	const char *p = strstr(cgroup, prefix), *end;
	size_t n;

	if (!p)
		return NULL;
	p++;
	end = p + strcspn(p, "/\n");
	n = end - p;
	if (n <= strlen(suffix) || strncmp(end - strlen(suffix), suffix, strlen(suffix)) || n >= buflen)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

const char *proc_vm_scope(void *ctx, __u32 pid)
{
	char path[64], cgroup[4096], scope[NAME_LEN];
	const char *found = cache_find(pid, NAME_SCOPE), *sc;
	ssize_t len;

	(void)ctx;
	if (found)
		return *found ? found : NULL;
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	len = read_file(path, cgroup, sizeof(cgroup));
	if (len <= 0)
		return NULL;	/* gone, or not readable now: asked again next time */
	sc = libvirt_scope(cgroup, scope, sizeof(scope));
	found = cache_put(pid, NAME_SCOPE, sc ?: "");	/* "": none, known */
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
