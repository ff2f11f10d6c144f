/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every name kvmstat-bpf reads or writes, in one place: spans, drop reasons,
 * groupings, sort keys, origins, record types. The CLI parses them, the NDJSON
 * writer and reader and the Prometheus writer print them, all from these
 * tables, so a new value is one entry here (and the renderer that shows it).
 */
#ifndef KVMSTAT_SCHEMA_H
#define KVMSTAT_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bpf/kvmstat.h"

#define KVMSTAT_VERSION "0.1.0"

enum grouping {
	GROUP_CLASS,	/* class and origin over all VMs and vCPUs */
	GROUP_VM,	/* per VM, then class */
	GROUP_VCPU,	/* per VM and vCPU thread, then class */
	NR_GROUPINGS,
};

enum sort_key {
	SORT_COUNT,
	SORT_TIME,	/* total time of the span */
	SORT_AVG,
	SORT_MAX,
	SORT_MIN,
	SORT_CLASS,
	NR_SORT_KEYS,
};

/* Where an exit was accounted: in the kernel, or when KVM_RUN returned to the VMM. */
enum origin {
	ORIGIN_KERNEL,
	ORIGIN_USER,	/* KVMSTAT_KEY_USER */
	NR_ORIGINS,
};

/* What an NDJSON line covers. */
enum record_type {
	RECORD_INTERVAL,
	RECORD_TOTAL,	/* the whole run */
	RECORD_SLOW_EXIT,	/* one slow exit (run --slow) */
	NR_RECORD_TYPES,
};

/* A second-level key row (--detail): a key, the class's "other", or exits whose key is not known. */
enum key_kind {
	KEY_NAMED,	/* KVMSTAT_KEY_DETAIL: the key is known */
	KEY_OTHER,	/* KVMSTAT_KEY_OTHER: beyond the class's first --detail-max keys */
	KEY_UNKNOWN,	/* neither: not known (e.g. no vcpu seen yet) */
	NR_KEY_KINDS,
};

static inline enum key_kind key_kind_of(const struct kvmstat_key *k)
{
	return k->flags & KVMSTAT_KEY_DETAIL ? KEY_NAMED :
	       k->flags & KVMSTAT_KEY_OTHER ? KEY_OTHER : KEY_UNKNOWN;
}

static inline __u32 key_kind_flags(enum key_kind kind)
{
	return kind == KEY_NAMED ? KVMSTAT_KEY_DETAIL : kind == KEY_OTHER ? KVMSTAT_KEY_OTHER : 0;
}

/* --span: one span or both. */
enum span_choice {
	SPANS_HANDLING = KVMSTAT_SPAN_HANDLING,
	SPANS_GUEST = KVMSTAT_SPAN_GUEST,
	SPANS_BOTH = KVMSTAT_NR_SPANS,
	NR_SPAN_CHOICES,
};

/* Names of the values 0 .. nr-1 of an enum. */
struct schema_enum {
	const char *const *names;
	const char *const *descs;	/* what each means, or NULL */
	unsigned int nr;
	unsigned int nr_required;	/* counters: the first ones every line has; 0: all */
};

extern const struct schema_enum schema_spans;		/* enum kvmstat_span */
extern const struct schema_enum schema_drops;		/* enum kvmstat_drop (the exit losses), with descs */
extern const struct schema_enum schema_slow_drops;	/* slow-exit records not sent, with descs */
extern const struct schema_enum schema_key_kinds;	/* enum key_kind */
extern const struct schema_enum schema_groupings;	/* enum grouping */
extern const struct schema_enum schema_sort_keys;	/* enum sort_key */
extern const struct schema_enum schema_origins;		/* enum origin */
extern const struct schema_enum schema_record_types;	/* enum record_type */
extern const struct schema_enum schema_span_choices;	/* enum span_choice */

/* The name of v, "?" when out of range. */
const char *schema_name(const struct schema_enum *e, unsigned int v);
/* The value named name, or -EINVAL. */
int schema_parse(const struct schema_enum *e, const char *name);
/* The names for a message: "class, vm or vcpu" (quoted: "\"class\", \"vm\" or \"vcpu\""). */
const char *schema_choices(const struct schema_enum *e, bool quoted, char *buf, size_t len);

const char *span_name(enum kvmstat_span span);
/* Bit per enum kvmstat_span of a --span choice. */
__u32 span_choice_mask(enum span_choice c);

static inline enum origin key_origin(const struct kvmstat_key *k)
{
	return k->flags & KVMSTAT_KEY_USER ? ORIGIN_USER : ORIGIN_KERNEL;
}

static inline __u32 origin_flags(enum origin o)
{
	return o == ORIGIN_USER ? KVMSTAT_KEY_USER : 0;
}

#endif /* KVMSTAT_SCHEMA_H */
