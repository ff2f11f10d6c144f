// SPDX-License-Identifier: GPL-2.0
/*
 * OpenMetrics from our Prometheus text: the conversion on a hand-written exposition
 * (expected output written by hand from the OpenMetrics 1.0 spec), refusals, and the real
 * renderer's output through an independent OpenMetrics parser (python3-prometheus-client)
 * when it is installed.
 */
#include <stdlib.h>
#include <unistd.h>
#include "test.h"
#include "render/openmetrics.h"

#define PYTHON "/usr/bin/python3"

static const char text_in[] =
	"# HELP kvmstat_exits_total Exits, \"quoted\" and a \\\\ backslash.\n"
	"# TYPE kvmstat_exits_total counter\n"
	"kvmstat_exits_total{class=\"HVC64\",vm=\"1\"} 7\n"
	"\n"
	"# a comment\n"
	"# HELP kvmstat_exit_handling_seconds Handling.\n"
	"# TYPE kvmstat_exit_handling_seconds histogram\n"
	"kvmstat_exit_handling_seconds_bucket{le=\"0.000000255\"} 0\n"
	"kvmstat_exit_handling_seconds_bucket{le=\"+Inf\"} 2\n"
	"kvmstat_exit_handling_seconds_sum 0.5\n"
	"kvmstat_exit_handling_seconds_count 2\n"
	"# HELP kvmstat_build_info Build.\n"
	"# TYPE kvmstat_build_info gauge\n"
	"kvmstat_build_info{version=\"0.1.0\"} 1\n"
	"# TYPE kvmstat_depth gauge\n"
	"kvmstat_depth 3\n";

static const char om_want[] =
	"# TYPE kvmstat_exits counter\n"
	"# HELP kvmstat_exits Exits, \\\"quoted\\\" and a \\\\ backslash.\n"
	"kvmstat_exits_total{class=\"HVC64\",vm=\"1\"} 7\n"
	"# TYPE kvmstat_exit_handling_seconds histogram\n"
	"# UNIT kvmstat_exit_handling_seconds seconds\n"
	"# HELP kvmstat_exit_handling_seconds Handling.\n"
	"kvmstat_exit_handling_seconds_bucket{le=\"0.000000255\"} 0\n"
	"kvmstat_exit_handling_seconds_bucket{le=\"+Inf\"} 2\n"
	"kvmstat_exit_handling_seconds_sum 0.5\n"
	"kvmstat_exit_handling_seconds_count 2\n"
	"# TYPE kvmstat_build info\n"
	"# HELP kvmstat_build Build.\n"
	"kvmstat_build_info{version=\"0.1.0\"} 1\n"
	"# TYPE kvmstat_depth gauge\n"
	"kvmstat_depth 3\n"
	"# EOF\n";

TEST(converts_metadata_keeps_samples)
{
	char *out;
	size_t len;

	if (!ASSERT_EQ(prom_text_to_openmetrics(text_in, strlen(text_in), &out, &len), 0))
		return;
	if (ASSERT_EQ(len, strlen(out)))
		ASSERT_STR(out, om_want);
	free(out);
}

TEST(empty_exposition_is_just_eof)
{
	char *out;
	size_t len;

	if (!ASSERT_EQ(prom_text_to_openmetrics("", 0, &out, &len), 0))
		return;
	ASSERT_STR(out, "# EOF\n");
	free(out);
}

/* OpenMetrics counters' samples must end in _total: a family that does not cannot convert. */
TEST(refuses_what_it_cannot_express)
{
	static const char *const bad[] = {
		"# TYPE foo counter\nfoo 1\n",
		"# TYPE foo\nfoo 1\n",
		"# TYPE foo_total counter extra\nfoo_total 1\n",
	};
	char *out = (char *)1;
	size_t len, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!ASSERT_EQ(prom_text_to_openmetrics(bad[i], strlen(bad[i]), &out, &len), -22) ||
		    !ASSERT_TRUE(out == NULL)) {
			printf("  input: %s", bad[i]);
			return;
		}
	}
}

/* The conversion of text_in, read back by prometheus_client's OpenMetrics parser (strict). */
TEST(independent_parser_accepts_it)
{
	char path[] = "/tmp/kvmstat-om-XXXXXX", cmd[512];
	char *out;
	size_t len;
	FILE *f;
	int fd;

	if (access(PYTHON, X_OK) ||
	    system(PYTHON " -c 'import prometheus_client.openmetrics.parser' 2>/dev/null"))
		TEST_SKIP("no python3-prometheus-client (OpenMetrics parser)");
	if (!ASSERT_EQ(prom_text_to_openmetrics(text_in, strlen(text_in), &out, &len), 0))
		return;
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fwrite(out, 1, len, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), PYTHON " -c 'import sys\n"
		 "from prometheus_client.openmetrics.parser import text_string_to_metric_families as p\n"
		 "fams = {f.name: f for f in p(open(sys.argv[1]).read())}\n"
		 "assert fams[\"kvmstat_exits\"].type == \"counter\"\n"
		 "assert fams[\"kvmstat_exit_handling_seconds\"].unit == \"seconds\"\n"
		 "assert fams[\"kvmstat_build\"].type == \"info\"\n"
		 "assert fams[\"kvmstat_exits\"].samples[0].value == 7\n' %s", path);
	ASSERT_EQ(system(cmd), 0);
	unlink(path);
	free(out);
}

TEST_MAIN(TEST_CASE(converts_metadata_keeps_samples), TEST_CASE(empty_exposition_is_just_eof),
	  TEST_CASE(refuses_what_it_cannot_express), TEST_CASE(independent_parser_accepts_it))
