// SPDX-License-Identifier: GPL-2.0
/* OpenMetrics text from our Prometheus text exposition (see openmetrics.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/openmetrics.h"

struct span {
	const char *p;
	size_t n;
};

static bool ends_with(struct span s, const char *suffix)
{
	size_t k = strlen(suffix);

	return s.n > k && !memcmp(s.p + s.n - k, suffix, k);
}

static bool span_is(struct span s, const char *str)
{
	return s.n == strlen(str) && !memcmp(s.p, str, s.n);
}

/* "# KIND NAME REST": NAME and REST of a metadata line of that kind; false if not one. */
static bool meta_line(struct span line, const char *kind, struct span *name, struct span *rest)
{
	size_t k = strlen(kind), i;

	if (line.n < k + 4 || memcmp(line.p, "# ", 2) || memcmp(line.p + 2, kind, k) || line.p[k + 2] != ' ')
		return false;
	name->p = line.p + k + 3;
	for (i = 0; name->p + i < line.p + line.n && name->p[i] != ' '; i++)
		;
	name->n = i;
	rest->p = name->p + i + (name->p + i < line.p + line.n);
	rest->n = line.p + line.n - rest->p;
	return name->n > 0;
}

/* HELP text: the text format's escapes (\\ and \n) are OpenMetrics' too; " needs one more. */
static void put_help(FILE *out, struct span family, struct span text)
{
	size_t i;

	fprintf(out, "# HELP %.*s ", (int)family.n, family.p);
	for (i = 0; i < text.n; i++) {
		if (text.p[i] == '"')
			fputc('\\', out);
		fputc(text.p[i], out);
	}
	fputc('\n', out);
}

/* TYPE (renamed family), UNIT, then the HELP held back for it. */
static int put_family(FILE *out, struct span name, struct span type, struct span *help_name,
		      struct span *help)
{
	struct span family = name, om_type = type;

	if (!type.n || memchr(type.p, ' ', type.n))
		return -EINVAL;
	if (span_is(type, "counter")) {
		if (!ends_with(name, "_total"))
			return -EINVAL;
		family.n -= strlen("_total");
	} else if (span_is(type, "gauge") && ends_with(name, "_info")) {
		family.n -= strlen("_info");
		om_type = (struct span){ "info", 4 };
	}
	fprintf(out, "# TYPE %.*s %.*s\n", (int)family.n, family.p, (int)om_type.n, om_type.p);
	if (ends_with(family, "_seconds"))
		fprintf(out, "# UNIT %.*s seconds\n", (int)family.n, family.p);
	if (help->p && help_name->n == name.n && !memcmp(help_name->p, name.p, name.n)) {
		put_help(out, family, *help);
		help->p = NULL;
	}
	return 0;
}

static int convert(FILE *out, const char *text, size_t len)
{
	struct span line, name, rest, help_name = { 0 }, help = { 0 };
	const char *p = text, *end = text + len, *nl;
	int err = 0;

	for (; p < end && !err; p = nl + 1) {
		nl = memchr(p, '\n', end - p) ?: end;
		line = (struct span){ p, nl - p };
		if (!line.n)
			continue;
		if (meta_line(line, "HELP", &name, &rest)) {
			help_name = name;	/* written after its TYPE line */
			help = rest;
		} else if (meta_line(line, "TYPE", &name, &rest)) {
			err = put_family(out, name, rest, &help_name, &help);
		} else if (line.p[0] == '#') {
			continue;	/* OpenMetrics has no other comments */
		} else {
			fwrite(line.p, 1, line.n, out);
			fputc('\n', out);
		}
	}
	fputs("# EOF\n", out);
	return err;
}

int prom_text_to_openmetrics(const char *text, size_t len, char **out, size_t *out_len)
{
	FILE *f;
	int err;

	*out = NULL;
	f = open_memstream(out, out_len);
	if (!f)
		return -ENOMEM;
	err = convert(f, text, len);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(*out);
		*out = NULL;
	}
	return err;
}
