// SPDX-License-Identifier: GPL-2.0
/* A figure of the report page: exits per column, the latency heatmap, p50/p99, the colour scale. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "lib/format.h"
#include "lib/xml.h"
#include "model/hist.h"
#include "render/svg.h"

#define FIG_W		900
#define LEFT		78	/* y axes' labels */
#define RIGHT		150	/* the colour scale and the lines' legend */
#define PLOT_W		(FIG_W - LEFT - RIGHT)
#define EXITS_TOP	26
#define EXITS_H		80
#define HEAT_TOP	(EXITS_TOP + EXITS_H + 22)
#define SCALE_MIN_H	110
#define AXIS_H		44	/* the time axis under the heatmap */

/* Viridis (matplotlib's, perceptually uniform, readable in grey): 10 stops. */
static const unsigned char viridis[][3] = {
	{ 0x44, 0x01, 0x54 }, { 0x48, 0x28, 0x78 }, { 0x3e, 0x4a, 0x89 }, { 0x31, 0x68, 0x8e },
	{ 0x26, 0x82, 0x8e }, { 0x1f, 0x9e, 0x89 }, { 0x35, 0xb7, 0x79 }, { 0x6d, 0xcd, 0x59 },
	{ 0xb4, 0xde, 0x2c }, { 0xfd, 0xe7, 0x25 },
};
#define NR_STOPS (sizeof(viridis) / sizeof(viridis[0]))

/* The colour of t in [0, 1]: "#rrggbb". */
static const char *colour(double t, char buf[8])
{
	double x = (t < 0 ? 0 : t > 1 ? 1 : t) * (NR_STOPS - 1);
	unsigned int i = x >= NR_STOPS - 1 ? NR_STOPS - 2 : (unsigned int)x, c;
	double f = x - i;
	int rgb[3];

	for (c = 0; c < 3; c++)
		rgb[c] = (int)lround(viridis[i][c] + f * (viridis[i + 1][c] - viridis[i][c]));
	snprintf(buf, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
	return buf;
}

/* Where a count sits on the colour scale: log, 1 at 0, the largest cell at 1. */
static double scale_of(__u64 count, __u64 max)
{
	return max > 1 ? log((double)count) / log((double)max) : 1.0;
}

/* What the figure draws: the buckets of the row's range, the largest values. */
struct fig {
	const struct series *s;
	const struct series_row *row;
	enum kvmstat_span span;
	unsigned int first, last;	/* buckets with exits in some column */
	bool timed;			/* some exit timed at all */
	__u64 max_cell, max_exits;
	double col_w;
	unsigned int row_h, heat_h;
};

static void measure(struct fig *f)
{
	const struct series_cell *c;
	size_t i;
	unsigned int b;

	f->first = KVMSTAT_HIST_BUCKETS;
	f->last = 0;
	for (i = 0; i < f->s->nr_columns; i++) {
		c = &f->row->cells[i];
		f->max_exits = c->exits > f->max_exits ? c->exits : f->max_exits;
		for (b = 0; b < c->span[f->span].nr; b++) {
			if (!c->span[f->span].hist[b])
				continue;
			f->timed = true;
			f->first = c->span[f->span].first + b < f->first ? c->span[f->span].first + b : f->first;
			f->last = c->span[f->span].first + b > f->last ? c->span[f->span].first + b : f->last;
			if (c->span[f->span].hist[b] > f->max_cell)
				f->max_cell = c->span[f->span].hist[b];
		}
	}
	f->col_w = (double)PLOT_W / (f->s->nr_columns ? f->s->nr_columns : 1);
	f->row_h = f->timed ? SVG_HEATMAP_HEIGHT / (f->last - f->first + 1) : 0;
	f->row_h = f->row_h < 2 ? 2 : f->row_h > 12 ? 12 : f->row_h;
	f->heat_h = f->timed ? f->row_h * (f->last - f->first + 1) : 40;
}

/* 1, 2 or 5 times a power of ten, at least v. */
static __u64 nice_ceil(__u64 v)
{
	__u64 p = 1;

	while (p * 10 <= v)
		p *= 10;
	return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

static void exits_chart(FILE *out, const struct fig *f)
{
	__u64 top = nice_ceil(f->max_exits ? f->max_exits : 1);
	double h, w = f->col_w > 3 ? f->col_w * 0.8 : f->col_w;
	size_t i;
	int t;

	fprintf(out, "<g class=\"exits\">\n");
	for (t = 0; t <= 2; t++) {
		double y = EXITS_TOP + EXITS_H - EXITS_H * t / 2.0;

		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%llu</text>\n", LEFT, y, LEFT + PLOT_W,
			y, LEFT - 6, y + 4, (unsigned long long)(top * t / 2));
	}
	for (i = 0; i < f->s->nr_columns; i++) {
		h = (double)EXITS_H * f->row->cells[i].exits / top;
		if (h > 0)
			fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#4c72b0\"/>\n",
				LEFT + i * f->col_w, EXITS_TOP + EXITS_H - h, w, h);
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">exits per %s</text>\n</g>\n", LEFT,
		EXITS_TOP - 10, f->s->per_column > 1 ? "column" : "interval");
}

/* The y of a duration on the heatmap: its bucket, and linearly within it. */
static double y_of(const struct fig *f, __u64 ns)
{
	unsigned int b = hist_bucket_of(ns);
	__u64 lo = hist_bucket_lo(b), hi = hist_bucket_hi(b);
	double frac = hi > lo && hi != UINT64_MAX ? (double)(ns - lo) / (hi - lo) : 0.5;

	if (b < f->first)
		return HEAT_TOP + f->heat_h;
	if (b > f->last)
		return HEAT_TOP;
	return HEAT_TOP + f->heat_h - ((b - f->first) + frac) * f->row_h;
}

static void heat_column(FILE *out, const struct fig *f, size_t i)
{
	const struct series_span *sp = &f->row->cells[i].span[f->span];
	char fill[8];
	unsigned int b;

	fprintf(out, "<g class=\"col\">");
	for (b = 0; b < sp->nr; b++)
		if (sp->hist[b])
			fprintf(out, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%u\" fill=\"%s\"/>",
				LEFT + i * f->col_w, HEAT_TOP + (f->last - sp->first - b) * f->row_h,
				f->col_w + 0.3, f->row_h, colour(scale_of(sp->hist[b], f->max_cell), fill));
	fprintf(out, "</g>\n");
}

/* Labels at octaves (powers of two), as many as fit. */
static void heat_axis(FILE *out, const struct fig *f)
{
	unsigned int b, step = KVMSTAT_HIST_SUB;
	char d[DURATION_LEN];

	while (step * f->row_h < 14)
		step *= 2;
	for (b = f->first; b <= f->last + 1; b++) {
		if (b % step || b < KVMSTAT_HIST_SUB)
			continue;
		fprintf(out, "<text x=\"%d\" y=\"%u\" text-anchor=\"end\">%s</text>\n", LEFT - 6,
			HEAT_TOP + f->heat_h - (b - f->first) * f->row_h + 4,
			fmt_duration(hist_bucket_lo(b), d, sizeof(d)));
	}
	fprintf(out, "<text transform=\"translate(14 %u) rotate(-90)\" text-anchor=\"middle\">"
		"%s time (log scale)</text>\n", HEAT_TOP + f->heat_h / 2, span_name(f->span));
}

/* The d of a percentile's path: a point per column with timed exits, broken where none were. */
static void percentile_path(FILE *out, const struct fig *f, double p)
{
	struct kvmstat_span_stats st;
	bool pen = false;
	size_t i;

	for (i = 0; i < f->s->nr_columns; i++) {
		if (!f->row->cells[i].span[f->span].count) {
			pen = false;
			continue;
		}
		series_span_expand(&f->row->cells[i].span[f->span], &st);
		fprintf(out, "%c%.1f %.1f ", pen ? 'L' : 'M', LEFT + (i + 0.5) * f->col_w,
			y_of(f, span_percentile(&st, p)));
		pen = true;
	}
}

/* A percentile's line, over a dark one that keeps it visible on any colour of the scale. */
static void percentile_line(FILE *out, const struct fig *f, double p, const char *stroke, const char *dash)
{
	fprintf(out, "<path fill=\"none\" stroke=\"#000\" stroke-width=\"3.5\" stroke-opacity=\"0.6\" d=\"");
	percentile_path(out, f, p);
	fprintf(out, "\"/>\n<path class=\"p%g\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"%s d=\"",
		p, stroke, dash);
	percentile_path(out, f, p);
	fprintf(out, "\"/>\n");
}

static void colour_scale(FILE *out, const struct fig *f, unsigned int id)
{
	unsigned int x = LEFT + PLOT_W + 20, h = f->heat_h > SCALE_MIN_H ? f->heat_h : SCALE_MIN_H;
	char c[8];
	__u64 tick;
	size_t i;

	fprintf(out, "<defs><linearGradient id=\"scale%u\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">", id);
	for (i = 0; i < NR_STOPS; i++)
		fprintf(out, "<stop offset=\"%.3f\" stop-color=\"%s\"/>", i / (NR_STOPS - 1.0),
			colour(i / (NR_STOPS - 1.0), c));
	fprintf(out, "</linearGradient></defs>\n<g class=\"scale\">"
		"<text x=\"%u\" y=\"%d\">exits per cell</text>"
		"<rect x=\"%u\" y=\"%d\" width=\"12\" height=\"%u\" fill=\"url(#scale%u)\"/>\n",
		x, HEAT_TOP - 6, x, HEAT_TOP, h, id);
	for (tick = 1; tick <= f->max_cell; tick *= 10)
		if (tick == 1 || tick * 3 < f->max_cell)	/* room for the largest's label */
			fprintf(out, "<text x=\"%u\" y=\"%.1f\">%llu</text>\n", x + 16,
				HEAT_TOP + h - h * scale_of(tick, f->max_cell) + 4, (unsigned long long)tick);
	if (f->max_cell > 1)
		fprintf(out, "<text x=\"%u\" y=\"%d\">%llu</text>\n", x + 16, HEAT_TOP + 4,
			(unsigned long long)f->max_cell);
	fprintf(out, "</g>\n<g class=\"legend\" font-size=\"10\">"
		"<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#fff\" stroke-width=\"2\"/>"
		"<text x=\"%u\" y=\"%u\">p50 of the interval</text>"
		"<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#ff7f0e\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>"
		"<text x=\"%u\" y=\"%u\">p99 of the interval</text>"
		"<rect x=\"%u\" y=\"%u\" width=\"16\" height=\"20\" fill=\"#555\" fill-opacity=\"0.25\"/></g>\n",
		x + 2, HEAT_TOP + h + 14, x + 14, HEAT_TOP + h + 14, x + 18, HEAT_TOP + h + 18,
		x + 2, HEAT_TOP + h + 28, x + 14, HEAT_TOP + h + 28, x + 18, HEAT_TOP + h + 32,
		x, HEAT_TOP + h + 7);
}

/* Ticks where a column starts a multiple of a round number of seconds since the start. */
static void time_axis(FILE *out, const struct fig *f, unsigned int y)
{
	static const double steps[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900,
					1800, 3600, 7200, 14400, 43200, 86400 };
	const struct series *s = f->s;
	double span = (s->columns[s->nr_columns - 1].end_mono_ns - s->columns[0].start_mono_ns) / 1e9;
	double step = steps[0], t, next = 0;
	size_t i, k;

	for (k = 0; k < sizeof(steps) / sizeof(steps[0]) && span / steps[k] > 8; k++)
		step = k + 1 < sizeof(steps) / sizeof(steps[0]) ? steps[k + 1] : steps[k];
	fprintf(out, "<g class=\"time\">\n");
	for (i = 0; i <= s->nr_columns; i++) {
		t = ((i < s->nr_columns ? s->columns[i].start_mono_ns : s->columns[i - 1].end_mono_ns) -
		     s->columns[0].start_mono_ns) / 1e9;
		if (t + 1e-9 < next)
			continue;
		fprintf(out, "<line x1=\"%.2f\" y1=\"%u\" x2=\"%.2f\" y2=\"%u\" stroke=\"#333\"/>"
			"<text x=\"%.2f\" y=\"%u\" text-anchor=\"middle\">%g</text>\n", LEFT + i * f->col_w,
			y, LEFT + i * f->col_w, y + 4, LEFT + i * f->col_w, y + 16, round(t / step) * step);
		next = (floor(t / step + 1e-9) + 1) * step;
	}
	fprintf(out, "<text x=\"%d\" y=\"%u\" text-anchor=\"middle\">time since the start of the run (s)%s"
		"</text>\n</g>\n", LEFT + PLOT_W / 2, y + 32,
		s->per_column > 1 ? "; a column holds several intervals" : "");
}

static void heatmap(FILE *out, const struct fig *f, const char *name)
{
	size_t i;

	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%u\" fill=\"#f2f2f2\"/>\n", LEFT,
		HEAT_TOP, PLOT_W, f->heat_h);
	fprintf(out, "<g class=\"heatmap\" data-class=\"");
	xml_text(out, name);
	fprintf(out, "\" data-span=\"%s\" data-columns=\"%zu\" shape-rendering=\"crispEdges\">\n",
		span_name(f->span), f->s->nr_columns);
	for (i = 0; i < f->s->nr_columns; i++)
		heat_column(out, f, i);
	fprintf(out, "</g>\n");
	if (!f->timed) {
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no %s time measured</text>\n",
			LEFT + PLOT_W / 2, HEAT_TOP + 24, span_name(f->span));
		return;
	}
	heat_axis(out, f);
	percentile_line(out, f, 50, "#fff", "");
	percentile_line(out, f, 99, "#ff7f0e", " stroke-dasharray=\"5 3\"");
}

void svg_figure(FILE *out, const struct series *s, const struct series_row *row,
		enum kvmstat_span span, const char *name, unsigned int id)
{
	struct fig f = { .s = s, .row = row, .span = span };
	unsigned int plot_h, height;

	measure(&f);
	plot_h = f.heat_h > SCALE_MIN_H ? f.heat_h : SCALE_MIN_H;
	/* under the heatmap the time axis, under the scale the lines' legend */
	height = HEAT_TOP + (f.heat_h + AXIS_H > plot_h + 40 ? f.heat_h + AXIS_H : plot_h + 40);
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\" height=\"%u\" "
		"viewBox=\"0 0 %d %u\" font-family=\"sans-serif\" font-size=\"11\">\n<title>", FIG_W,
		height, FIG_W, height);
	xml_text(out, name);
	fprintf(out, ": exits per interval, %s time per interval</title>\n", span_name(span));
	exits_chart(out, &f);
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s time: exits per bucket and interval"
		"</text>\n", LEFT, HEAT_TOP - 6, span_name(span));
	heatmap(out, &f, name);
	colour_scale(out, &f, id);
	time_axis(out, &f, HEAT_TOP + f.heat_h + 2);
	fprintf(out, "</svg>\n");
}
