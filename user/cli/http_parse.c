// SPDX-License-Identifier: GPL-2.0
/* `run --listen`: the listen address and the scraper's Accept header (see http_parse.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include "cli/http_parse.h"

#define DEFAULT_HOST "127.0.0.1"

static int port_of(const char *s, unsigned int *port)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

static bool v6_is_loopback(const struct in6_addr *a)
{
	return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

static bool v6_is_any(const struct in6_addr *a)
{
	static const unsigned char zero[4];

	return IN6_IS_ADDR_UNSPECIFIED(a) || (IN6_IS_ADDR_V4MAPPED(a) && !memcmp(&a->s6_addr[12], zero, 4));
}

/* host (no brackets) and port into out; the wildcard refused. */
static int fill_addr(const char *host, unsigned int port, struct listen_addr *out, const char *arg,
		     char *err, size_t errlen)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->sa;
	bool any;

	memset(out, 0, sizeof(*out));
	if (!strcmp(host, "localhost"))
		host = DEFAULT_HOST;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		out->len = sizeof(*v4);
		out->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
		any = v4->sin_addr.s_addr == htonl(INADDR_ANY);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		out->len = sizeof(*v6);
		out->loopback = v6_is_loopback(&v6->sin6_addr);
		any = v6_is_any(&v6->sin6_addr);
	} else {
		snprintf(err, errlen, "invalid --listen '%s': '%s' is not an IPv4 address, [IPv6 address] "
			 "or localhost", arg, host);
		return -EINVAL;
	}
	if (any) {
		snprintf(err, errlen, "refusing --listen '%s': it means every address of this host; give "
			 "one interface's address (or a port alone for 127.0.0.1)", arg);
		return -EINVAL;
	}
	format_sockaddr((struct sockaddr *)&out->sa, out->text, sizeof(out->text));
	return 0;
}

int parse_listen_addr(const char *arg, struct listen_addr *out, char *err, size_t errlen)
{
	char host[64];
	const char *colon, *port_s;
	unsigned int port;
	size_t n;

	colon = strrchr(arg, ':');
	port_s = colon ? colon + 1 : arg;
	if (port_of(port_s, &port)) {
		snprintf(err, errlen, "invalid --listen '%s': expected [ADDR:]PORT with PORT 0..65535", arg);
		return -EINVAL;
	}
	n = colon ? (size_t)(colon - arg) : 0;
	if (n >= sizeof(host)) {
		snprintf(err, errlen, "invalid --listen '%s': address too long", arg);
		return -EINVAL;
	}
	if (n && arg[0] == '[') {
		if (n < 3 || arg[n - 1] != ']') {
			snprintf(err, errlen, "invalid --listen '%s': expected [IPv6]:PORT", arg);
			return -EINVAL;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), arg + 1);
	} else if (n && memchr(arg, ':', n)) {
		snprintf(err, errlen, "invalid --listen '%s': put an IPv6 address in brackets, e.g. "
			 "[::1]:9435", arg);
		return -EINVAL;
	} else {
		snprintf(host, sizeof(host), "%.*s", (int)n, arg);
	}
	return fill_addr(n ? host : DEFAULT_HOST, port, out, arg, err, errlen);
}

void format_sockaddr(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &v6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(v6->sin6_port));
	} else {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &v4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(v4->sin_port));
	}
}

/* --- Accept --------------------------------------------------------------------- */

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Length of a token, or of a quoted string with its quotes. */
static size_t value_len(const char *p)
{
	size_t n = 0;

	if (*p == '"') {
		for (n = 1; p[n] && p[n] != '"'; n++)
			if (p[n] == '\\' && p[n + 1])
				n++;
		return p[n] == '"' ? n + 1 : n;
	}
	while (p[n] && !strchr(",; \t", p[n]))
		n++;
	return n;
}

/* "0.5" / "1" / "1.000" -> 500 / 1000 / 1000; -1 if not a qvalue. */
static int parse_qvalue(const char *v, size_t n)
{
	int q = 0, scale = 1000;
	size_t i;

	if (!n || (v[0] != '0' && v[0] != '1') || n > 5 || (n > 1 && v[1] != '.'))
		return -1;
	for (i = 2; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		scale /= 10;
		q += (v[i] - '0') * scale;
	}
	q += (v[0] - '0') * 1000;
	return q > 1000 ? -1 : q;
}

static bool value_is(const char *v, size_t n, const char *want)
{
	if (n >= 2 && v[0] == '"') {
		v++;
		n -= 2;
	}
	return strlen(want) == n && !strncmp(v, want, n);
}

struct media_range {
	const char *type;
	size_t type_len;
	const char *version;	/* NULL: none */
	size_t version_len;
	int q;			/* thousandths; -1: malformed */
};

/* One element of the list at p; returns where the next one starts (after its comma). */
static const char *next_range(const char *p, struct media_range *r)
{
	const char *name, *val;
	size_t nlen, vlen;

	*r = (struct media_range){ .q = 1000 };
	p = skip_ows(p);
	r->type = p;
	while (*p && !strchr(",; \t", *p))
		p++;
	r->type_len = p - r->type;
	for (p = skip_ows(p); *p == ';'; p = skip_ows(p)) {
		name = skip_ows(p + 1);
		nlen = strcspn(name, "=,; \t");
		val = name + nlen;
		if (*val != '=') {
			r->q = -1;
			p = val;
			continue;
		}
		val++;
		vlen = value_len(val);
		if (nlen == 1 && tolower((unsigned char)*name) == 'q')
			r->q = parse_qvalue(val, vlen);
		else if (nlen == 7 && !strncasecmp(name, "version", 7))
			r->version = val, r->version_len = vlen;
		p = val + vlen;
	}
	while (*p && *p != ',')	/* junk after the parameters: the element is malformed */
		p++, r->q = -1;
	return *p == ',' ? p + 1 : p;
}

static bool type_is(const struct media_range *r, const char *want)
{
	return strlen(want) == r->type_len && !strncasecmp(r->type, want, r->type_len);
}

/* The q this range gives format f; -1 if it does not cover f. */
static int range_q(const struct media_range *r, enum expo_format f)
{
	const char *v = r->version;
	size_t n = r->version_len;

	if (r->q < 0)
		return -1;
	if (f == EXPO_OPENMETRICS)
		return type_is(r, "application/openmetrics-text") &&
		       (!v || value_is(v, n, "1.0.0") || value_is(v, n, "0.0.1")) ? r->q : -1;
	if (type_is(r, "text/plain"))
		return !v || value_is(v, n, "0.0.4") ? r->q : -1;
	return type_is(r, "text/*") || type_is(r, "*/*") ? r->q : -1;
}

enum expo_format negotiate_format(const char *accept)
{
	int best[2] = { -1, -1 }, q, f;
	struct media_range r;
	const char *p = accept;

	while (p && *p) {
		p = next_range(p, &r);
		for (f = EXPO_TEXT; f <= EXPO_OPENMETRICS; f++) {
			q = range_q(&r, f);
			if (q > best[f])
				best[f] = q;
		}
	}
	return best[EXPO_OPENMETRICS] > 0 && best[EXPO_OPENMETRICS] >= best[EXPO_TEXT] ?
	       EXPO_OPENMETRICS : EXPO_TEXT;
}

const char *expo_content_type(enum expo_format f)
{
	return f == EXPO_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
				     : "text/plain; version=0.0.4; charset=utf-8";
}
