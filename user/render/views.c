// SPDX-License-Identifier: GPL-2.0
/* Filters and views shared by `run` (live) and `report` (saved NDJSON). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/utf8.h"
#include "render/views.h"

#define NAME_BUF 128

bool sample_filter_match(const struct sample_filter *f, const struct kvmstat_key *k)
{
	size_t i;

	if (f->vm && k->vm != f->vm)
		return false;
	if (!f->nr_vcpus)
		return true;
	for (i = 0; i < f->nr_vcpus; i++)
		if (k->vcpu == f->vcpus[i])
			return true;
	return false;
}

void snapshot_filter(struct snapshot *s, const struct sample_filter *f)
{
	size_t i, n = 0;

	for (i = 0; i < s->nr; i++)
		if (sample_filter_match(f, &s->samples[i].key))
			s->samples[n++] = s->samples[i];
	s->nr = n;
}

/*
 * Names as the text views print them: raw, a control character (a process
 * names itself; a saved file says anything) would break the table's lines or
 * drive the terminal. Those and invalid UTF-8 become '?'; JSON and Prometheus
 * escape the raw name instead.
 */
struct printable_names {
	const struct names *raw;
	char vm[NAME_BUF], thread[NAME_BUF];	/* one of each is printed at a time */
};

static const char *printable(const char *name, char *buf)
{
	const unsigned char *s = (const unsigned char *)name, *end;
	size_t n, len = 0;

	if (!name)
		return NULL;
	for (end = s; *end; end++)
		;
	while (s < end && len + 4 < NAME_BUF) {
		n = utf8_valid_len(s, end);
		/* C0 and DEL, C1 (U+0080..U+009F: 0xc2 0x80..0x9f), invalid bytes */
		if (!n || *s < 0x20 || *s == 0x7f || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)) {
			buf[len++] = '?';
			s += n ? n : 1;
			continue;
		}
		memcpy(buf + len, s, n);
		len += n;
		s += n;
	}
	buf[len] = '\0';
	return buf;
}

static const char *printable_vm_name(void *ctx, __u32 pid)
{
	struct printable_names *p = ctx;

	return printable(p->raw->vm_name ? p->raw->vm_name(p->raw->ctx, pid) : NULL, p->vm);
}

static const char *printable_thread_name(void *ctx, __u32 tid)
{
	struct printable_names *p = ctx;

	return printable(p->raw->thread_name ? p->raw->thread_name(p->raw->ctx, tid) : NULL, p->thread);
}

int render_views(FILE *out, const struct snapshot *s, const struct view_opts *o)
{
	struct printable_names pn = { .raw = o->names };
	const struct names names = { printable_vm_name, printable_thread_name, &pn };
	struct table_opts t = { .by = o->by, .final = o->final, .names = o->names ? &names : NULL };
	struct snapshot view;
	int span;

	snapshot_init(&view, s->arch);
	if (snapshot_group(s, o->by, &view)) {
		snapshot_free(&view);
		return -ENOMEM;
	}
	for (span = 0; span < KVMSTAT_NR_SPANS; span++) {
		if (!(o->spans & (1U << span)))
			continue;
		t.span = span;
		snapshot_sort(&view, o->by, o->sort, span);
		render_table(out, &view, &t);
		fputc('\n', out);
		if (o->hist) {
			render_hist(out, &view, &t);
			fputc('\n', out);
		}
	}
	fflush(out);
	snapshot_free(&view);
	return 0;
}

static int write_prom(FILE *f, const struct snapshot *s, const struct prom_opts *o)
{
	int err = render_prom(f, s, o);

	if (fflush(f))
		err = err ?: -errno;	/* e.g. ENOSPC */
	else if (ferror(f))
		err = err ?: -EIO;
	return err;
}

int prom_write_file(const char *path, const struct snapshot *s, const struct prom_opts *o)
{
	size_t len = strlen(path) + sizeof(".tmp");
	char *tmp = malloc(len);
	FILE *f;
	int err;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		free(tmp);
		return err;
	}
	err = write_prom(f, s, o);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
