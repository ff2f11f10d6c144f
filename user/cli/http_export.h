/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run --listen: /metrics over HTTP for Prometheus, served by libmicrohttpd's own
 * thread. run publishes one complete exposition per interval (both formats);
 * a scrape takes a reference to the latest under a mutex and sends it. So a
 * scrape never waits for run's read of the stats arrays, never sees half an
 * interval, and reads only this process's memory: it cannot slow a vCPU.
 */
#ifndef KVMSTAT_HTTP_EXPORT_H
#define KVMSTAT_HTTP_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include "cli/http_parse.h"

struct http_export;

/* False in a build without libmicrohttpd (the static loaders of the emulated hosts). */
bool http_export_available(void);

/*
 * Listens on addr and serves from a thread of its own: GET or HEAD /metrics
 * (Prometheus text or OpenMetrics by the Accept header), 404 for other paths,
 * 405 for other methods, 503 until the first publish. Says where it serves on
 * stderr. Returns 0 or a negative errno, having said why on stderr.
 */
int http_export_start(struct http_export **out, const struct listen_addr *addr);

/* Where it listens: the address asked for, with the port the kernel chose for port 0. */
const struct listen_addr *http_export_bound(const struct http_export *h);

/*
 * Serves text (Prometheus text format) and om (OpenMetrics) from now on; takes
 * both malloc'ed buffers, also on error. Scrapes in flight keep the previous
 * ones until they are sent. Returns 0 or -ENOMEM.
 */
int http_export_publish(struct http_export *h, char *text, size_t text_len, char *om, size_t om_len);

/* Stops serving, closes the socket and frees what is published; NULL is fine. */
void http_export_stop(struct http_export *h);

#endif /* KVMSTAT_HTTP_EXPORT_H */
