// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: what kvmstat-bpf reads from /proc and writes into its
 * outputs, bytes any process chooses (its command line, its thread names),
 * each against an oracle written here:
 * - qemu_guest_name (host/names.c) on a /proc/PID/cmdline: QEMU's own reading
 *   of -name (options merged, the last guest= wins, ",," is a comma, the first
 *   parameter without '=' is the guest), and no read past the buffer;
 * - vcpu_index_of_thread_name: a number exactly when the name is QEMU's
 *   "CPU %d/KVM" for it;
 * - a name in NDJSON (json_write_escaped) parses back to the name, with each
 *   byte that is not well-formed UTF-8 (Unicode table 3-7, decoded here)
 *   replaced by U+FFFD; the same for the Prometheus vm_name label (render_prom),
 *   unescaped per the exposition format.
 * The first byte chooses the check, the rest is the input.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/proc_names.h"
#include "model/names.h"
#include "lib/json.h"
#include "lib/json_parse.h"
#include "render/prom.h"

/* --- QEMU's -name, as QEMU parses it (util/qemu-option.c, merge_lists) ---------- */

/* get_opt_value: up to a single ',' or the end, ",," read as ','. */
static const char *opt_value(const char *p, const char *end, char *out, size_t *n, size_t cap)
{
	*n = 0;
	while (p < end) {
		if (*p == ',') {
			if (p + 1 < end && p[1] == ',') {
				if (*n < cap)
					out[(*n)++] = ',';
				p += 2;
				continue;
			}
			break;
		}
		if (*n < cap)
			out[(*n)++] = *p;
		p++;
	}
	return p;
}

/* One -name value: sets guest (len *glen) each time it names the guest. */
static void name_opts(const char *p, const char *end, char *guest, size_t *glen, size_t cap)
{
	bool first = true;
	size_t n;
	char tmp[NAME_LEN];

	while (p < end) {
		const char *q = p;

		while (q < end && *q != '=' && *q != ',')
			q++;
		if (first && (q == end || *q != '=')) {
			p = opt_value(p, end, tmp, &n, cap);	/* implied key: guest */
			memcpy(guest, tmp, n);
			*glen = n;
		} else if (q < end && *q == '=') {
			bool is_guest = q - p == 5 && !memcmp(p, "guest", 5);

			p = opt_value(q + 1, end, tmp, &n, cap);
			if (is_guest) {
				memcpy(guest, tmp, n);
				*glen = n;
			}
		} else {
			p = q;	/* a flag: not a name */
		}
		first = false;
		if (p < end)
			p++;	/* the ',' */
	}
}

static bool oracle_guest(const char *args, size_t len, char *out, size_t outlen)
{
	const char *p = args, *end = args + len, *a, *ae;
	size_t glen = 0;
	bool found = false;

	while (p < end) {
		a = p;
		ae = memchr(a, '\0', end - a) ?: end;
		p = ae + (ae < end);
		if (!((ae - a == 5 && !memcmp(a, "-name", 5)) || (ae - a == 6 && !memcmp(a, "--name", 6))))
			continue;
		if (p >= end)
			break;	/* no value */
		a = p;
		ae = memchr(a, '\0', end - a) ?: end;
		p = ae + (ae < end);
		name_opts(a, ae, out, &glen, outlen - 1);
		found = true;
	}
	out[glen] = '\0';
	return found && glen;
}

static void check_guest_name(const uint8_t *data, size_t size)
{
	char *args = malloc(size ? size : 1), buf[NAME_LEN], want[NAME_LEN];
	const char *got;
	bool has;

	if (!args)
		return;
	memcpy(args, data, size);	/* exact size: no terminator after the last argument */
	got = qemu_guest_name(args, size, buf, sizeof(buf));
	has = oracle_guest(args, size, want, sizeof(want));
	if (has != !!got || (got && strcmp(got, want))) {
		fprintf(stderr, "guest name: got %s%s%s, want %s%s%s\n", got ? "'" : "", got ?: "NULL",
			got ? "'" : "", has ? "'" : "", has ? want : "NULL", has ? "'" : "");
		abort();
	}
	free(args);
}

static void check_thread_name(const char *s)
{
	int v = vcpu_index_of_thread_name(s);
	char want[32];

	if (v < -1)
		abort();
	if (v >= 0) {
		snprintf(want, sizeof(want), "CPU %d/KVM", v);
		if (strcmp(s, want))
			abort();
	} else {
		unsigned int n;
		char tail[8];

		/* a canonical "CPU N/KVM" must be recognised */
		if (sscanf(s, "CPU %u/KV%7s", &n, tail) == 2 && n <= 0x7fffffff) {
			snprintf(want, sizeof(want), "CPU %u/KVM", n);
			if (!strcmp(s, want))
				abort();
		}
	}
}

/* --- escaping: names from anywhere into JSON and Prometheus --------------------- */

/* Length of the well-formed UTF-8 sequence at s (Unicode 15, table 3-7), 0 if none. */
static size_t well_formed(const unsigned char *s, const unsigned char *end)
{
	static const struct { unsigned char lo, hi, lo2, hi2; int n; } rows[] = {
		{ 0x00, 0x7f, 0, 0, 1 }, { 0xc2, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 }, { 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 }, { 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 }, { 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};
	size_t r, i;

	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		if (s[0] < rows[r].lo || s[0] > rows[r].hi)
			continue;
		if (end - s < rows[r].n)
			return 0;
		if (rows[r].n > 1 && (s[1] < rows[r].lo2 || s[1] > rows[r].hi2))
			return 0;
		for (i = 2; i < (size_t)rows[r].n; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
		return rows[r].n;
	}
	return 0;
}

/* s with every byte outside a well-formed sequence replaced by U+FFFD. */
static char *sanitized(const char *str, size_t *len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + strlen(str);
	char *out = malloc(3 * (end - s) + 1), *o = out;
	size_t n;

	if (!out)
		return NULL;
	while (s < end) {
		n = well_formed(s, end);
		if (n) {
			memcpy(o, s, n);
			o += n;
			s += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			s++;
		}
	}
	*o = '\0';
	*len = o - out;
	return out;
}

static void check_json_string(const char *name, const char *want, size_t want_len)
{
	struct json_error err;
	struct jval v;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	json_write_escaped(f, name);
	fclose(f);
	if (json_parse(text, len, &v, &err)) {
		fprintf(stderr, "json: '%s' does not parse: %s\n", text, err.msg);
		abort();
	}
	if (v.type != JVAL_STRING || v.str.len != want_len || memcmp(v.str.s, want, want_len))
		abort();
	jval_free(&v);
	free(text);
}

/* How many leading bytes of t form well-formed UTF-8. */
static size_t well_formed_all(const char *t, size_t len)
{
	const unsigned char *s = (const unsigned char *)t, *end = s + len;
	size_t n;

	while (s < end && (n = well_formed(s, end)))
		s += n;
	return s - (const unsigned char *)t;
}

static const char *fuzz_vm_name(void *ctx, __u32 pid)
{
	(void)pid;
	return ctx;
}

/* The vm_name label value of the first series, unescaped (\\ \" \n), or NULL. */
static char *prom_vm_name(const char *text)
{
	const char *p = strstr(text, "vm_name=\"");
	char *out, *o;

	if (!p)
		return NULL;
	out = o = malloc(strlen(p) + 1);
	for (p += 9; out && *p && *p != '"'; p++) {
		if (*p == '\n')
			abort();	/* a raw newline breaks the line format */
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		p++;
		if (*p == 'n')
			*o++ = '\n';
		else if (*p == '\\' || *p == '"')
			*o++ = *p;
		else
			abort();	/* no other escape exists */
	}
	if (out && *p != '"')
		abort();
	if (out)
		*o = '\0';
	return out;
}

static void check_prom_label(const char *name, const char *want)
{
	const struct names n = { .vm_name = fuzz_vm_name, .ctx = (void *)name };
	const struct prom_opts o = { .spans = 1, .names = &n };
	struct kvmstat_key key = { .class = 0x24, .vm = 1, .vcpu = 0, .tid = 2 };
	struct kvmstat_value val = { .exits = 1 };
	struct snapshot s;
	char *text = NULL, *got;
	size_t len = 0;
	FILE *f;

	snapshot_init(&s, KVMSTAT_ARCH_ARM64);
	f = open_memstream(&text, &len);
	if (!f || !snapshot_add(&s, &key, &val) || render_prom(f, &s, &o)) {
		if (f)
			fclose(f);
		goto out;
	}
	fclose(f);
	if (strlen(text) != len || well_formed_all(text, len) != len)
		abort();	/* one bad byte and the collector drops the file */
	got = prom_vm_name(text);
	if (!got || strcmp(got, want))
		abort();
	free(got);
out:
	free(text);
	snapshot_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *want;
	size_t want_len;

	if (!size)
		return 0;
	if (data[0] % 3 == 0) {
		check_guest_name(data + 1, size - 1);
		return 0;
	}
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] % 3 == 1) {
		check_thread_name(s);
	} else {
		want = sanitized(s, &want_len);
		if (want) {
			check_json_string(s, want, want_len);
			check_prom_label(s, want);
			free(want);
		}
	}
	free(s);
	return 0;
}
