/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report page of a saved run (report --html): one self-contained HTML
 * file (styles inline, charts as inline SVG: no script, font, image or link),
 * readable without a legend hunt: what the run was, how to read the charts, a
 * table of the classes, then per group (all, a VM, a vCPU thread) and class a
 * figure (render/svg.h) named and described as the kernel's headers describe it.
 */
#ifndef KVMSTAT_HTML_H
#define KVMSTAT_HTML_H

#include <stdio.h>
#include "model/names.h"
#include "model/series.h"

struct html_opts {
	const char *source;		/* the saved file, for the title */
	const char *host, *kernel;
	__u32 spans;			/* a heatmap per class for each of these (s->spans has them) */
	const struct names *names;	/* raw: escaped here */
};

/* The page of s (its rows grouped by s->by). 0, -EINVAL for an empty series, or a write error. */
int render_html(FILE *out, const struct series *s, const struct html_opts *o);

#endif /* KVMSTAT_HTML_H */
