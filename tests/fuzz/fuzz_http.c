// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: what `run --listen` parses (cli/http_parse.c): any client's
 * Accept header, and the --listen value. Besides memory errors, UB and leaks:
 * - negotiate_format answers text or OpenMetrics, and text whenever the header
 *   names neither OpenMetrics nor a wildcard (nothing else can ask for it);
 * - parse_listen_addr either fills an IPv4/IPv6 address whose loopback flag
 *   agrees with the address (decided here from the bytes) and whose text
 *   format_sockaddr writes the same, never the wildcard; or says why in a line.
 * The first byte chooses the parser, the rest is the value (a C string).
 */
#define _GNU_SOURCE	/* strcasestr */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "cli/http_parse.h"

static void check_accept(const char *s)
{
	enum expo_format f = negotiate_format(s);

	if (f != EXPO_TEXT && f != EXPO_OPENMETRICS)
		abort();
	if (f == EXPO_OPENMETRICS && !strcasestr(s, "openmetrics") && !strchr(s, '*'))
		abort();
}

static bool loopback_of(const struct sockaddr_storage *sa)
{
	const unsigned char *b;

	if (sa->ss_family == AF_INET) {
		b = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
		return b[0] == 127;
	}
	b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (!memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))	/* v4-mapped */
		return b[12] == 127;
	return !memcmp(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16);
}

static bool wildcard(const struct sockaddr_storage *sa)
{
	static const unsigned char zero[16];

	if (sa->ss_family == AF_INET)
		return !((const struct sockaddr_in *)sa)->sin_addr.s_addr;
	return !memcmp(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, zero, 16);
}

static void check_listen(const char *s)
{
	struct listen_addr a;
	char err[128], text[64];

	memset(err, 0x55, sizeof(err));
	if (parse_listen_addr(s, &a, err, sizeof(err))) {
		/* one line, unless it quotes a value that has a newline (as every option error does) */
		if (!memchr(err, '\0', sizeof(err)) || !err[0] || (strchr(err, '\n') && !strchr(s, '\n')))
			abort();
		return;
	}
	if (a.sa.ss_family != AF_INET && a.sa.ss_family != AF_INET6)
		abort();
	if (a.len != (a.sa.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)))
		abort();
	if (a.loopback != loopback_of(&a.sa) || wildcard(&a.sa))
		abort();
	format_sockaddr((const struct sockaddr *)&a.sa, text, sizeof(text));
	if (!memchr(a.text, '\0', sizeof(a.text)) || strcmp(text, a.text))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (!size)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] & 1)
		check_listen(s);
	else
		check_accept(s);
	free(s);
	return 0;
}
