// SPDX-License-Identifier: GPL-2.0
/* run --listen in a build without libmicrohttpd: the static loaders of the emulated hosts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli/http_export.h"

bool http_export_available(void)
{
	return false;
}

int http_export_start(struct http_export **out, const struct listen_addr *addr)
{
	(void)addr;
	*out = NULL;
	fprintf(stderr, "kvmstat-bpf: --listen: this build has no HTTP server (built without "
		"libmicrohttpd); use --prom-file, or a build linked with libmicrohttpd\n");
	return -EOPNOTSUPP;
}

const struct listen_addr *http_export_bound(const struct http_export *h)
{
	(void)h;
	return NULL;
}

int http_export_publish(struct http_export *h, char *text, size_t text_len, char *om, size_t om_len)
{
	(void)h, (void)text_len, (void)om_len;
	free(text);
	free(om);
	return 0;
}

void http_export_stop(struct http_export *h)
{
	(void)h;
}
