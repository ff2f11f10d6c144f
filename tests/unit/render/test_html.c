// SPDX-License-Identifier: GPL-2.0
/* The report page and its figures on a hand-made series. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/series.h"
#include "render/html.h"
#include "fixtures.h"
#include "test.h"

/* Three intervals of HVC64: 10 exits of 1 us, none, then 1 of 1 us and 5 of 1 ms. */
static int build(struct series *s)
{
	static const __u64 exits[3][2] = { { 10, 0 }, { 0, 0 }, { 1, 5 } };
	struct snapshot snap;
	struct view v;
	int i, err = 0;

	series_init(s, GROUP_CLASS, 1U << KVMSTAT_SPAN_HANDLING);
	for (i = 0; i < 3 && !err; i++) {
		snapshot_init(&snap, KVMSTAT_ARCH_ARM64);
		snap.start_mono_ns = i * 1000000000ULL;
		snap.end_mono_ns = (i + 1) * 1000000000ULL;
		if (exits[i][0])
			add(&snap, 100, 0, 101, HVC64, 0, exits[i][0], 1000);
		if (exits[i][1])
			add(&snap, 100, 1, 102, HVC64, 0, exits[i][1], 1000000);
		err = view_build(&v, &snap, GROUP_VCPU, 0) ?: series_add(s, &v);
		view_free(&v);
		snapshot_free(&snap);
	}
	return err;
}

static char *page(const struct series *s)
{
	struct html_opts o = { .source = "run <1>.ndjson", .host = "h&st", .kernel = "6.12",
			       .spans = 1U << KVMSTAT_SPAN_HANDLING };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_EQ(render_html(f, s, &o), 0);
	fclose(f);
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

TEST(heatmap_cells_and_colours)
{
	struct series s;
	char *p = NULL, *heat, *end;

	if (!ASSERT_EQ(build(&s), 0))
		goto out;
	p = page(&s);
	heat = strstr(p, "<g class=\"heatmap\" data-class=\"HVC64\" data-span=\"handling\" data-columns=\"3\"");
	if (!ASSERT_TRUE(heat))
		goto out;
	end = strstr(heat, "</g>\n</g>\n");	/* the last column's end, the heatmap's */
	if (!ASSERT_TRUE(end))
		goto out;
	end[5] = '\0';
	ASSERT_EQ(count(heat, "<g class=\"col\">"), 3);
	/* the empty interval is an empty column */
	ASSERT_TRUE(strstr(heat, "<g class=\"col\"></g>"));
	/* 10 exits: the largest cell, the top of the scale; 1 exit: its bottom; 5 between */
	ASSERT_EQ(count(heat, "fill=\"#fde725\""), 1);
	ASSERT_EQ(count(heat, "fill=\"#440154\""), 1);
	ASSERT_EQ(count(heat, "<rect"), 3);
	/* escaped: the file's name and the host */
	ASSERT_TRUE(strstr(p, "<title>kvmstat-bpf report: run &lt;1&gt;.ndjson</title>"));
	ASSERT_TRUE(strstr(p, "<dd>h&amp;st (arm64, kernel 6.12)</dd>"));
	ASSERT_TRUE(strstr(p, "1.0 s in 3 intervals") || strstr(p, "3.0 s in 3 intervals"));
out:
	free(p);
	series_free(&s);
}

TEST(percentile_lines_break_where_no_exit_was)
{
	struct series s;
	char *p = NULL, *line;

	if (!ASSERT_EQ(build(&s), 0))
		goto out;
	p = page(&s);
	/* p50: columns 0 and 2 only, the pen lifted over column 1 (M twice, no L) */
	line = strstr(p, "<path class=\"p50\"");
	if (!ASSERT_TRUE(line))
		goto out;
	line = strstr(line, " d=\"");
	ASSERT_TRUE(line && line[4] == 'M' && strchr(line + 5, 'M') && strchr(line + 5, 'M') < strchr(line + 5, '"'));
	ASSERT_TRUE(line && (!strchr(line, 'L') || strchr(line, 'L') > strchr(line + 4, '"')));
out:
	free(p);
	series_free(&s);
}

TEST(empty_series_refused)
{
	struct html_opts o = { .source = "x" };
	struct series s;
	FILE *f = fopen("/dev/null", "w");

	series_init(&s, GROUP_CLASS, 1);
	ASSERT_EQ(render_html(f, &s, &o), -EINVAL);
	fclose(f);
}

TEST_MAIN(TEST_CASE(heatmap_cells_and_colours), TEST_CASE(percentile_lines_break_where_no_exit_was),
	  TEST_CASE(empty_series_refused))
