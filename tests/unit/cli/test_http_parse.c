// SPDX-License-Identifier: GPL-2.0
/* run --listen: address parsing (loopback unless an explicit address) and Accept negotiation. */
#include "test.h"
#include "cli/http_parse.h"

static bool listens(const char *arg, const char *want, bool loopback)
{
	struct listen_addr a;
	char err[256] = "";

	if (!ASSERT_EQ(parse_listen_addr(arg, &a, err, sizeof(err)), 0)) {
		printf("  %s: %s\n", arg, err);
		return false;
	}
	return ASSERT_STR(a.text, want) && ASSERT_EQ(a.loopback, loopback);
}

static bool refused(const char *arg, const char *why)
{
	struct listen_addr a;
	char err[256] = "";

	return ASSERT_EQ(parse_listen_addr(arg, &a, err, sizeof(err)), -22) &&
	       ASSERT_TRUE(strstr(err, why) != NULL) && ASSERT_TRUE(strstr(err, arg) != NULL) &&
	       ASSERT_TRUE(!strchr(err, '\n'));
}

TEST(port_alone_is_loopback)
{
	if (!listens("9435", "127.0.0.1:9435", true))
		return;
	if (!listens(":9435", "127.0.0.1:9435", true))
		return;
	listens("0", "127.0.0.1:0", true);
}

TEST(explicit_addresses)
{
	if (!listens("127.0.0.2:80", "127.0.0.2:80", true) || !listens("localhost:1", "127.0.0.1:1", true))
		return;
	if (!listens("[::1]:9435", "[::1]:9435", true) || !listens("10.0.2.15:9435", "10.0.2.15:9435", false))
		return;
	if (!listens("[fe80::1]:65535", "[fe80::1]:65535", false))
		return;
	listens("[::ffff:127.0.0.1]:9", "[::ffff:127.0.0.1]:9", true);
}

TEST(wildcard_refused)
{
	if (!refused("0.0.0.0:9435", "every address") || !refused("[::]:9435", "every address"))
		return;
	refused("[::ffff:0.0.0.0]:9435", "every address");
}

TEST(bad_addresses)
{
	if (!refused("", "expected [ADDR:]PORT") || !refused("abc", "expected [ADDR:]PORT"))
		return;
	if (!refused("1.2.3.4:", "expected [ADDR:]PORT") || !refused("1.2.3.4:65536", "PORT 0..65535"))
		return;
	if (!refused("1.2.3.4:-1", "expected") || !refused("1.2.3.4:+1", "expected"))
		return;
	if (!refused("::1:9435", "brackets") || !refused("[::1]9435", "expected"))
		return;
	if (!refused("[]:1", "expected [IPv6]:PORT") || !refused("[::1:1", "expected [IPv6]:PORT"))
		return;
	if (!refused("host.example:9435", "is not an IPv4 address") || !refused("1.2.3:1", "not an IPv4"))
		return;
	refused("1111111111111111111111111111111111111111111111111111111111111111111:1", "too long");
}

/* What Prometheus 2.42 sends (scrape/scrape.go, acceptHeader). */
#define PROMETHEUS_ACCEPT "application/openmetrics-text;version=1.0.0,application/openmetrics-text;" \
	"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

TEST(negotiates_openmetrics)
{
	if (!ASSERT_EQ(negotiate_format(PROMETHEUS_ACCEPT), EXPO_OPENMETRICS))
		return;
	if (!ASSERT_EQ(negotiate_format("application/openmetrics-text"), EXPO_OPENMETRICS))
		return;
	if (!ASSERT_EQ(negotiate_format("APPLICATION/OpenMetrics-Text ; Version=\"1.0.0\""), EXPO_OPENMETRICS))
		return;
	/* a tie goes to OpenMetrics; version 0.0.1 is the same format */
	if (!ASSERT_EQ(negotiate_format("text/plain;q=0.5, application/openmetrics-text;version=0.0.1;q=0.5"),
		       EXPO_OPENMETRICS))
		return;
	ASSERT_EQ(negotiate_format("text/plain;q=0.2,application/openmetrics-text;q=0.3"), EXPO_OPENMETRICS);
}

TEST(negotiates_text)
{
	const char *text[] = {
		NULL, "", "*/*", "text/plain", "text/plain;version=0.0.4", "application/json",
		"text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5",
		"application/openmetrics-text;version=2.0.0",	/* a version we do not write */
		"application/openmetrics-text;q=0",		/* q=0: not acceptable */
		"application/openmetrics-text;q=abc",		/* malformed element: ignored */
		"application/openmetrics-text;q=1.5",
		"application/openmetrics-text junk",
		"application/openmetrics-textual",
		";;;,,,=",
	};
	size_t i;

	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		if (!ASSERT_EQ(negotiate_format(text[i]), EXPO_TEXT)) {
			printf("  Accept: %s\n", text[i] ?: "(none)");
			return;
		}
}

TEST(content_types)
{
	if (!ASSERT_STR(expo_content_type(EXPO_TEXT), "text/plain; version=0.0.4; charset=utf-8"))
		return;
	ASSERT_STR(expo_content_type(EXPO_OPENMETRICS),
		   "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST_MAIN(TEST_CASE(port_alone_is_loopback), TEST_CASE(explicit_addresses), TEST_CASE(wildcard_refused),
	  TEST_CASE(bad_addresses), TEST_CASE(negotiates_openmetrics), TEST_CASE(negotiates_text),
	  TEST_CASE(content_types))
