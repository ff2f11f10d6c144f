/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two things `run --listen` parses: the address to listen on and the
 * scraper's Accept header. Pure functions (no sockets), unit-tested.
 */
#ifndef KVMSTAT_HTTP_PARSE_H
#define KVMSTAT_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct listen_addr {
	struct sockaddr_storage sa;
	socklen_t len;
	bool loopback;		/* 127.0.0.0/8 or ::1 */
	char text[64];		/* "127.0.0.1:9435", "[::1]:9435", for messages */
};

/*
 * "PORT" or ":PORT": 127.0.0.1:PORT. "ADDR:PORT" with ADDR an IPv4 address,
 * "[IPv6]" or "localhost": that address. The wildcard addresses (0.0.0.0, [::])
 * are refused: listening beyond loopback takes the address of one interface.
 * PORT is 0..65535 (0: the kernel picks one). On error, returns -EINVAL and
 * writes one line (no newline) saying why into err.
 */
int parse_listen_addr(const char *arg, struct listen_addr *out, char *err, size_t errlen);

/* "127.0.0.1:9435" / "[::1]:9435" of a bound address (its port may differ from the request's). */
void format_sockaddr(const struct sockaddr *sa, char *buf, size_t len);

enum expo_format {
	EXPO_TEXT,		/* Prometheus text format 0.0.4 */
	EXPO_OPENMETRICS,	/* OpenMetrics 1.0.0 text */
};

/*
 * The format an Accept header asks for (RFC 9110 content negotiation): the
 * acceptable media range with the highest q among application/openmetrics-text
 * (no version, 1.0.0 or 0.0.1), text/plain (no version or 0.0.4) and the
 * text and any-type wildcards; OpenMetrics wins a tie. Absent, unparsable or
 * nothing acceptable: text.
 */
enum expo_format negotiate_format(const char *accept);

/* The Content-Type header of a format. */
const char *expo_content_type(enum expo_format f);

#endif /* KVMSTAT_HTTP_PARSE_H */
