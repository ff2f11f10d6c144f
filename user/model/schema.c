// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "model/schema.h"

#define ENUM(names, descs) { names, descs, sizeof(names) / sizeof(names[0]), 0 }

static const char *const span_names[KVMSTAT_NR_SPANS] = {
	[KVMSTAT_SPAN_HANDLING] = "handling",
	[KVMSTAT_SPAN_GUEST] = "guest",
};

static const char *const drop_names[KVMSTAT_NR_EXIT_DROPS] = {
	[KVMSTAT_DROP_STATS_FULL] = "stats_full",
	[KVMSTAT_DROP_INFLIGHT] = "inflight",
	[KVMSTAT_DROP_UNPAIRED] = "unpaired",
	[KVMSTAT_DROP_THREADS_FULL] = "threads_full",
};

/* What the loss means for the counts (Prometheus HELP); kvmstat.h says why it happens. */
static const char *const drop_descs[KVMSTAT_NR_EXIT_DROPS] = {
	[KVMSTAT_DROP_STATS_FULL] = "exit not counted, map full",
	[KVMSTAT_DROP_INFLIGHT] = "pending exit lost",
	[KVMSTAT_DROP_UNPAIRED] = "entry without a seen exit",
	[KVMSTAT_DROP_THREADS_FULL] = "event of a thread past --max-threads",
};

/* Slow-exit records not sent (--slow), from drops[KVMSTAT_DROP_SLOW_SUPPRESSED] on. */
static const char *const slow_drop_names[] = { "suppressed", "lost" };
static const char *const slow_drop_descs[] = {
	"slow-exit record not sent, rate limit",
	"slow-exit record not sent, ring buffer full",
};

_Static_assert(KVMSTAT_DROP_SLOW_LOST - KVMSTAT_DROP_SLOW_SUPPRESSED + 1 ==
	       sizeof(slow_drop_names) / sizeof(slow_drop_names[0]), "a slow drop without a name");

static const char *const key_kind_names[NR_KEY_KINDS] = {
	[KEY_NAMED] = "key",
	[KEY_OTHER] = "other",
	[KEY_UNKNOWN] = "unknown",
};

static const char *const grouping_names[NR_GROUPINGS] = {
	[GROUP_CLASS] = "class",
	[GROUP_VM] = "vm",
	[GROUP_VCPU] = "vcpu",
};

static const char *const sort_key_names[NR_SORT_KEYS] = {
	[SORT_COUNT] = "count",
	[SORT_TIME] = "time",
	[SORT_AVG] = "avg",
	[SORT_MAX] = "max",
	[SORT_MIN] = "min",
	[SORT_CLASS] = "class",
};

static const char *const origin_names[NR_ORIGINS] = {
	[ORIGIN_KERNEL] = "kernel",
	[ORIGIN_USER] = "user",
};

static const char *const record_type_names[NR_RECORD_TYPES] = {
	[RECORD_INTERVAL] = "interval",
	[RECORD_TOTAL] = "total",
	[RECORD_SLOW_EXIT] = "slow_exit",
};

static const char *const span_choice_names[NR_SPAN_CHOICES] = {
	[SPANS_HANDLING] = "handling",
	[SPANS_GUEST] = "guest",
	[SPANS_BOTH] = "both",
};

const struct schema_enum schema_spans = ENUM(span_names, NULL);
/* threads_full came within schema_version 1: older lines lack it (read as 0) */
const struct schema_enum schema_drops = {
	drop_names, drop_descs, KVMSTAT_NR_EXIT_DROPS, .nr_required = KVMSTAT_DROP_THREADS_FULL,
};
const struct schema_enum schema_slow_drops = ENUM(slow_drop_names, slow_drop_descs);
const struct schema_enum schema_key_kinds = ENUM(key_kind_names, NULL);
const struct schema_enum schema_groupings = ENUM(grouping_names, NULL);
const struct schema_enum schema_sort_keys = ENUM(sort_key_names, NULL);
const struct schema_enum schema_origins = ENUM(origin_names, NULL);
const struct schema_enum schema_record_types = ENUM(record_type_names, NULL);
const struct schema_enum schema_span_choices = ENUM(span_choice_names, NULL);

const char *schema_name(const struct schema_enum *e, unsigned int v)
{
	return v < e->nr ? e->names[v] : "?";
}

int schema_parse(const struct schema_enum *e, const char *name)
{
	unsigned int i;

	for (i = 0; i < e->nr; i++)
		if (!strcmp(name, e->names[i]))
			return i;
	return -EINVAL;
}

const char *schema_choices(const struct schema_enum *e, bool quoted, char *buf, size_t len)
{
	const char *q = quoted ? "\"" : "";
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < e->nr && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s%s%s", i == 0 ? "" : i + 1 < e->nr ? ", " : " or ",
			      q, e->names[i], q);
	return buf;
}

const char *span_name(enum kvmstat_span span)
{
	return schema_name(&schema_spans, span);
}

__u32 span_choice_mask(enum span_choice c)
{
	return c == SPANS_BOTH ? (1U << KVMSTAT_NR_SPANS) - 1 : 1U << c;
}
