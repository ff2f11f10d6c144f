// SPDX-License-Identifier: GPL-2.0
/*
 * The /metrics server over real sockets on 127.0.0.1: status codes, methods,
 * content negotiation, and that a scrape always gets one whole published
 * exposition while run publishes new ones as fast as it can.
 */
#define _GNU_SOURCE	/* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "test.h"
#include "cli/http_export.h"

struct reply {
	int status;
	char content_type[128];
	char *body;		/* malloc'ed, NUL-terminated */
	size_t body_len;
	bool has_body;
};

static struct http_export *server;
static struct listen_addr addr;

/* One request on a fresh connection, read until the server closes it. */
static bool request(const char *method, const char *path, const char *accept, struct reply *r)
{
	char req[512], *buf = NULL, *p, *hdr_end;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	memset(r, 0, sizeof(*r));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	/* A small receive buffer keeps the server's send in flight across publishes. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){ 4096 }, sizeof(int));
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr.sa, addr.len))
		return false;
	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n%s%s%s\r\n",
		 method, path, accept ? "Accept: " : "", accept ?: "", accept ? "\r\n" : "");
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto fail;
	do {
		if (len + 65536 + 1 > cap) {
			cap = (len + 65536 + 1) * 2;
			buf = realloc(buf, cap);
		}
		n = read(fd, buf + len, 4096);
		if (n > 0)
			len += n;
	} while (n > 0 || (n < 0 && errno == EINTR));
	close(fd);
	if (!buf)
		return false;
	buf[len] = '\0';
	hdr_end = strstr(buf, "\r\n\r\n");
	if (!hdr_end || sscanf(buf, "HTTP/1.1 %d", &r->status) != 1)
		goto fail_free;
	*hdr_end = '\0';
	p = strcasestr(buf, "\r\nContent-Type: ");
	if (p)
		snprintf(r->content_type, sizeof(r->content_type), "%.*s", (int)strcspn(p + 16, "\r"), p + 16);
	r->body_len = len - (hdr_end + 4 - buf);
	r->has_body = r->body_len > 0;
	r->body = malloc(r->body_len + 1);
	memcpy(r->body, hdr_end + 4, r->body_len);
	r->body[r->body_len] = '\0';
	free(buf);
	return true;
fail:
	close(fd);
	return false;
fail_free:
	free(buf);
	return false;
}

static void publish(const char *text, const char *om)
{
	http_export_publish(server, strdup(text), strlen(text), strdup(om), strlen(om));
}

static void free_reply(struct reply *r)
{
	free(r->body);
	r->body = NULL;
}

/* Status, content type and body of one request. */
static bool expect(const char *method, const char *path, const char *accept, int status,
		   const char *type, const char *body)
{
	struct reply r;
	bool ok;

	if (!ASSERT_TRUE(request(method, path, accept, &r)))
		return false;
	ok = ASSERT_EQ(r.status, status) && (!type || ASSERT_STR(r.content_type, type)) &&
	     (!body || ASSERT_STR(r.body, body));
	if (!ok)
		printf("  %s %s (Accept: %s)\n", method, path, accept ?: "none");
	free_reply(&r);
	return ok;
}

#define TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define OM_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define PROMETHEUS_ACCEPT "application/openmetrics-text;version=1.0.0,application/openmetrics-text;" \
	"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

TEST(starts_on_loopback)
{
	char err[256];

	/* Freed memory is overwritten at once: a scrape still sending a freed exposition shows. */
	mallopt(M_PERTURB, 0xa5);
	if (!ASSERT_EQ(parse_listen_addr("127.0.0.1:0", &addr, err, sizeof(err)), 0))
		return;
	if (!ASSERT_EQ(http_export_start(&server, &addr), 0))
		return;
	addr = *http_export_bound(server);	/* the port the kernel chose */
	if (!ASSERT_TRUE(addr.loopback) || !ASSERT_TRUE(strncmp(addr.text, "127.0.0.1:", 10) == 0))
		return;
	ASSERT_TRUE(strcmp(addr.text, "127.0.0.1:0") != 0);
}

TEST(unavailable_before_first_publish)
{
	if (!server)
		TEST_SKIP("no server");
	expect("GET", "/metrics", NULL, 503, NULL, NULL);
}

TEST(serves_the_format_asked_for)
{
	if (!server)
		TEST_SKIP("no server");
	publish("kvmstat_x 1\n", "kvmstat_x 1\n# EOF\n");
	if (!expect("GET", "/metrics", NULL, 200, TEXT_TYPE, "kvmstat_x 1\n"))
		return;
	if (!expect("GET", "/metrics", PROMETHEUS_ACCEPT, 200, OM_TYPE, "kvmstat_x 1\n# EOF\n"))
		return;
	if (!expect("GET", "/metrics", "text/plain;version=0.0.4", 200, TEXT_TYPE, "kvmstat_x 1\n"))
		return;
	if (!expect("GET", "/metrics?debug=1", NULL, 200, TEXT_TYPE, "kvmstat_x 1\n"))
		return;
	publish("kvmstat_x 2\n", "kvmstat_x 2\n# EOF\n");
	expect("GET", "/metrics", NULL, 200, TEXT_TYPE, "kvmstat_x 2\n");
}

TEST(head_has_no_body)
{
	struct reply r;

	if (!server)
		TEST_SKIP("no server");
	if (!ASSERT_TRUE(request("HEAD", "/metrics", NULL, &r)))
		return;
	if (ASSERT_EQ(r.status, 200) && ASSERT_STR(r.content_type, TEXT_TYPE))
		ASSERT_EQ(r.body_len, 0);
	free_reply(&r);
}

TEST(other_paths_and_methods)
{
	if (!server)
		TEST_SKIP("no server");
	if (!expect("GET", "/", NULL, 404, NULL, NULL) || !expect("GET", "/metrics/", NULL, 404, NULL, NULL))
		return;
	if (!expect("GET", "/metricsx", NULL, 404, NULL, NULL) || !expect("GET", "/../metrics", NULL, 404, NULL, NULL))
		return;
	if (!expect("POST", "/metrics", NULL, 405, NULL, NULL) || !expect("PUT", "/metrics", NULL, 405, NULL, NULL))
		return;
	expect("DELETE", "/", NULL, 405, NULL, NULL);
}

/* Exposition number n: "# gen n", (n % 7 + 1) * 4000 lines naming n, "# end n". */
static char *generation(unsigned int n, size_t *len)
{
	unsigned int lines = (n % 7 + 1) * 4000, i;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	fprintf(f, "# gen %u\n", n);
	for (i = 0; i < lines; i++)
		fprintf(f, "kvmstat_x{gen=\"%u\",i=\"%u\"} %u\n", n, i, n);
	fprintf(f, "# end %u\n", n);
	fclose(f);
	return buf;
}

/* A scrape's body is exactly one generation, whole. */
static bool whole_generation(const char *body, size_t len, unsigned int *gen)
{
	size_t want_len;
	char *want;
	bool same;

	if (sscanf(body, "# gen %u", gen) != 1)
		return false;
	want = generation(*gen, &want_len);
	same = want_len == len && !memcmp(want, body, len);
	free(want);
	return same;
}

static volatile bool publishing;

static void *publisher(void *arg)
{
	unsigned int n = 2;	/* 1: published before the thread starts */
	size_t tl, ol;
	char *t, *o;

	(void)arg;
	while (publishing) {
		t = generation(n, &tl);
		o = generation(n, &ol);
		http_export_publish(server, t, tl, o, ol);
		n++;
	}
	return NULL;
}

TEST(a_scrape_is_one_whole_exposition)
{
	unsigned int i, gen, first = 0, last = 0, distinct = 0;
	pthread_t pub;
	struct reply r;
	bool ok = true;

	if (!server)
		TEST_SKIP("no server");
	{
		size_t tl, ol;
		char *t = generation(1, &tl), *o = generation(1, &ol);

		http_export_publish(server, t, tl, o, ol);
	}
	publishing = true;
	pthread_create(&pub, NULL, publisher, NULL);
	for (i = 0; i < 100 && ok; i++) {
		ok = ASSERT_TRUE(request("GET", "/metrics", i % 2 ? PROMETHEUS_ACCEPT : NULL, &r)) &&
		     ASSERT_EQ(r.status, 200) && ASSERT_TRUE(whole_generation(r.body, r.body_len, &gen));
		if (ok && gen != last)
			distinct++, last = gen;
		if (ok && !first)
			first = gen;
		free_reply(&r);
	}
	publishing = false;
	pthread_join(pub, NULL);
	if (ok)	/* the publisher really swapped expositions under the scrapes */
		ASSERT_TRUE(distinct >= 10);
	printf("  %u scrapes saw %u expositions (generations %u..%u)\n", i, distinct, first, last);
}

TEST(stop_closes_the_socket)
{
	struct reply r;

	if (!server)
		TEST_SKIP("no server");
	http_export_stop(server);
	server = NULL;
	ASSERT_TRUE(!request("GET", "/metrics", NULL, &r));
}

TEST_MAIN(TEST_CASE(starts_on_loopback), TEST_CASE(unavailable_before_first_publish),
	  TEST_CASE(serves_the_format_asked_for), TEST_CASE(head_has_no_body),
	  TEST_CASE(other_paths_and_methods), TEST_CASE(a_scrape_is_one_whole_exposition),
	  TEST_CASE(stop_closes_the_socket))
