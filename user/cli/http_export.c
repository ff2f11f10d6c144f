// SPDX-License-Identifier: GPL-2.0
/* run --listen with libmicrohttpd (see http_export.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include "cli/http_export.h"

#define LISTEN_BACKLOG		16
#define MAX_CONNECTIONS		16	/* a few Prometheus servers and a curl or two */
#define MAX_PER_IP		4
#define CONNECTION_TIMEOUT_S	10

/* One interval's exposition in both formats; freed when the last scrape sending it is done. */
struct exposition {
	int refs;		/* atomic */
	char *body[2];		/* by enum expo_format */
	size_t len[2];
};

struct http_export {
	struct MHD_Daemon *daemon;
	struct listen_addr bound;	/* the port the kernel chose for port 0 */
	pthread_mutex_t lock;
	struct exposition *current;	/* under lock; NULL until the first publish */
};

static void expo_put(void *cls)
{
	struct exposition *e = cls;

	if (!e || __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free(e->body[EXPO_TEXT]);
	free(e->body[EXPO_OPENMETRICS]);
	free(e);
}

static struct exposition *expo_get(struct http_export *h)
{
	struct exposition *e;

	pthread_mutex_lock(&h->lock);
	e = h->current;
	if (e)
		__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&h->lock);
	return e;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status, const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The latest exposition in the format the scraper accepts; the response holds a reference. */
static enum MHD_Result reply_metrics(struct http_export *h, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	enum expo_format f = negotiate_format(accept);
	struct exposition *e = expo_get(h);
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!e)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "kvmstat-bpf is attaching\n");
	r = MHD_create_response_from_buffer_with_free_callback_cls(e->len[f], e->body[f], expo_put, e);
	if (!r) {
		expo_put(e);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, expo_content_type(f));
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	(void)version, (void)upload_data, (void)upload_data_size, (void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/metrics"))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	return reply_metrics(cls, c);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("kvmstat-bpf: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Our own socket, so a failure says exactly what went wrong (MHD only returns NULL). */
static int listen_socket(const struct listen_addr *a, struct listen_addr *bound)
{
	int fd, one = 1, err;

	fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->sa.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	*bound = *a;
	if (bind(fd, (const struct sockaddr *)&a->sa, a->len) || listen(fd, LISTEN_BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)&bound->sa, &bound->len))
		goto fail;
	format_sockaddr((struct sockaddr *)&bound->sa, bound->text, sizeof(bound->text));
	return fd;
fail:
	err = -errno;
	fprintf(stderr, "failed to listen on %s: %s\n", a->text, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err;
}

/* The server thread blocks SIGINT and SIGTERM: they must wake run's sleep, not it. */
static struct MHD_Daemon *start_daemon(struct http_export *h, int fd)
{
	sigset_t block, old;
	struct MHD_Daemon *d;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     on_request, h,
			     MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,	/* first: for every message */
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)MAX_PER_IP,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
			     MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return d;
}

bool http_export_available(void)
{
	return true;
}

const struct listen_addr *http_export_bound(const struct http_export *h)
{
	return &h->bound;
}

int http_export_start(struct http_export **out, const struct listen_addr *addr)
{
	struct http_export *h = calloc(1, sizeof(*h));
	int fd;

	*out = NULL;
	if (!h) {
		fprintf(stderr, "failed to allocate HTTP server: %s\n", strerror(ENOMEM));
		return -ENOMEM;
	}
	fd = listen_socket(addr, &h->bound);
	if (fd < 0) {
		free(h);
		return fd;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->daemon = start_daemon(h, fd);
	if (!h->daemon) {
		fprintf(stderr, "failed to start HTTP server on %s\n", h->bound.text);
		close(fd);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return -EIO;
	}
	fprintf(stderr, "kvmstat-bpf: serving http://%s/metrics\n", h->bound.text);
	*out = h;
	return 0;
}

int http_export_publish(struct http_export *h, char *text, size_t text_len, char *om, size_t om_len)
{
	struct exposition *e = malloc(sizeof(*e)), *old;

	if (!e) {
		free(text);
		free(om);
		return -ENOMEM;
	}
	*e = (struct exposition){
		.refs = 1,
		.body = { [EXPO_TEXT] = text, [EXPO_OPENMETRICS] = om },
		.len = { [EXPO_TEXT] = text_len, [EXPO_OPENMETRICS] = om_len },
	};
	pthread_mutex_lock(&h->lock);
	old = h->current;
	h->current = e;
	pthread_mutex_unlock(&h->lock);
	expo_put(old);
	return 0;
}

void http_export_stop(struct http_export *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);	/* joins its thread: no scrape runs after this */
	expo_put(h->current);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
