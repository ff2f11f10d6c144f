/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One NDJSON line of `run --json` (docs/kvmstat.schema.json) decoded back into
 * a snapshot: the inverse of render_json. The samples come from the deepest
 * level the line has (vcpus, else vms, else the top-level classes), with
 * their exact counts, sums, min/max and fine histogram buckets (each bucket's
 * index recovered from its lo_ns); derived fields (avg, percentiles) are not read.
 */
#ifndef KVMSTAT_RECORD_H
#define KVMSTAT_RECORD_H

#include <stdbool.h>
#include "lib/json_parse.h"
#include "model/snapshot.h"

#define RECORD_STR_LEN 256

struct record {
	struct snapshot snap;		/* keys projected to `level`, as snapshot_group would */
	bool total;			/* "type": "total" rather than "interval" */
	enum grouping level;
	__u32 spans;			/* bit per enum kvmstat_span */
	char host[RECORD_STR_LEN];
	char kernel[RECORD_STR_LEN];
	char vcpu_source[RECORD_STR_LEN];
};

/* Told every VM and vCPU thread name a record carries (name never NULL). */
struct record_names {
	void (*name)(void *ctx, bool thread, __u32 id, const char *name);
	void *ctx;
};

/*
 * Decodes one parsed line. 0, or -EINVAL with a one-line reason in err naming
 * the member ("vms[0].vcpus[1].classes[0].handling.min_ns: expected ..."), or
 * -ENOMEM. A schema_version newer than KVMSTAT_SCHEMA_VERSION is refused first,
 * whatever else the line holds. r->snap is initialised either way: free it.
 */
int record_decode(const struct jval *root, struct record *r, const struct record_names *names,
		  char *err, size_t errlen);

/* Fine-bucket index whose lower bound is lo_ns, -1 if none (hist_bucket_lo inverted). */
int hist_bucket_of_lo(__u64 lo_ns);

/* Parses fmt_rfc3339's "2026-11-21T05:43:00.123456789Z"; -EINVAL unless exactly that form. */
int parse_rfc3339(const char *s, struct timespec *ts);

#endif /* KVMSTAT_RECORD_H */
