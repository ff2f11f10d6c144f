/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report page's charts, as SVG written by hand (no script, no font, no
 * link: the page is one self-contained file). One figure per row of a series
 * (a class of a group): the exits of each column as bars; under them, on the
 * same time axis, the heatmap of a span (a column per interval, a row per
 * in-kernel bucket on a log scale, colour = exits in that cell, the scale
 * beside it with its counts) and the p50 and p99 of each column over it.
 */
#ifndef KVMSTAT_SVG_H
#define KVMSTAT_SVG_H

#include <stdio.h>
#include "model/series.h"

/* Rows of a heatmap are at most this tall and at least 2 px; a figure's heatmap ~260 px. */
#define SVG_HEATMAP_HEIGHT 260

/*
 * The figure of row's span: an <svg> element, with the heatmap in
 * <g class="heatmap" data-class=NAME data-span=SPAN data-columns=N> and each
 * column in a <g class="col">. name: the class as shown; id: unique on the page
 * (the colour scale's gradient is named by it).
 */
void svg_figure(FILE *out, const struct series *s, const struct series_row *row,
		enum kvmstat_span span, const char *name, unsigned int id);

#endif /* KVMSTAT_SVG_H */
