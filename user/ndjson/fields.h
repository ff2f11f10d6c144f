/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The NDJSON record format (docs/kvmstat.schema.json) as one list of fields
 * per object, in the order they are written: the writer (write.c) walks these
 * lists to write a line, the reader (record.c) to read it back. A new field is
 * one entry here, a member of the object's struct below, and the code that
 * fills or uses that member.
 *
 * Each object is a plain struct both sides fill: a field names its member by
 * offset and says its JSON type. Arrays of other objects (classes, VMs,
 * vCPUs, spans, buckets) are NESTED: their place is here, their walk is the
 * writer's and the reader's own code.
 */
#ifndef KVMSTAT_NDJSON_FIELDS_H
#define KVMSTAT_NDJSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include "lib/json.h"
#include "lib/json_parse.h"
#include "model/schema.h"

enum ndjson_type {
	NDJSON_U64,		/* __u64 */
	NDJSON_ID,		/* __u32 below KVMSTAT_VCPU_UNKNOWN: a pid, tid or vCPU id */
	NDJSON_ID_OR_NULL,	/* __u32; KVMSTAT_VCPU_UNKNOWN <-> null */
	NDJSON_STRING,		/* const char *; NULL is written as "" */
	NDJSON_STRING_OR_NULL,	/* const char *; NULL <-> null */
	NDJSON_HEX,		/* __u64 as "0x1f" */
	NDJSON_ENUM,		/* int: the value of .names */
	NDJSON_SET,		/* __u32, a bit per value of .names: an array of names */
	NDJSON_COUNTERS,	/* __u64[.names->nr]: an object with a member per name */
	NDJSON_TIME,		/* struct timespec: RFC 3339 UTC with nanoseconds */
	NDJSON_OBJECT,		/* .sub, members of the same struct, as a nested object */
	NDJSON_DERIVED,		/* written by .derive from the struct; not read back */
	NDJSON_NESTED,		/* an array or objects of other objects: .nested */
};

/* What a NESTED field holds. */
enum ndjson_nested {
	NESTED_CLASSES,		/* [class]: the rows of the object's group */
	NESTED_VMS,		/* [vm], lines grouped per VM or vCPU */
	NESTED_VCPUS,		/* [vcpu] of a VM, lines grouped per vCPU */
	NESTED_SPANS,		/* per enabled span, a member named after it: a span object */
	NESTED_BUCKETS,		/* [bucket]: the non-empty buckets of a span */
	NESTED_KEYS,		/* [key]: a class's second-level keys (--detail) */
};

#define NDJSON_OPTIONAL	(1U << 0)	/* may be absent: lines of writers older than the field */
#define NDJSON_UNREAD	(1U << 1)	/* written for people and tools, not needed to read back */

struct ndjson_field {
	const char *name;
	enum ndjson_type type;
	size_t offset;				/* of the member in the object's struct */
	unsigned int flags;
	const struct schema_enum *names;	/* ENUM, SET, COUNTERS */
	const struct ndjson_field *sub;		/* OBJECT */
	enum ndjson_nested nested;		/* NESTED */
	void (*derive)(struct json *j, const void *obj);	/* DERIVED */
	bool (*when)(const void *obj);		/* written only if it says so (NULL: always); OPTIONAL */
};

/* The top of a line: who wrote it, what it covers. */
struct ndjson_line {
	__u64 schema_version;
	const char *tool, *version;
	int type;			/* enum record_type */
	const char *host, *arch, *kernel;
	struct timespec start, end;
	__u64 start_mono_ns, end_mono_ns;
	__u32 spans;			/* bit per enum kvmstat_span */
	int grouping;			/* enum grouping */
	const char *vcpu_source;
	__u64 drops[KVMSTAT_NR_DROPS];
	__u64 exits;
	__u64 detail_max;		/* --detail's keys per class, 0: no --detail */
	__u64 slow_threshold_ns;	/* --slow's default threshold, 0: no --slow */
	__u64 slow_records;		/* slow-exit records sent in the line's interval */
};

struct ndjson_vm {
	__u32 pid;
	const char *name;
	const char *uuid;		/* QEMU's -uuid */
	const char *scope;		/* libvirt's systemd scope */
	__u64 exits;
};

struct ndjson_vcpu {
	__u32 vcpu;			/* KVMSTAT_VCPU_UNKNOWN: not known */
	__u32 vcpu_index;		/* QEMU's, from the thread name; KVMSTAT_VCPU_UNKNOWN: none */
	__u32 tid;
	const char *thread;
	__u64 exits;
};

struct ndjson_class {
	__u64 class;
	int origin;			/* enum origin */
	__u64 exits;
	enum kvmstat_arch arch;		/* the line's: for the derived code and name */
};

/* A second-level key of a class (--detail): a key, the class's other, or unknown. */
struct ndjson_key {
	__u64 key;			/* 0 unless kind is KEY_NAMED */
	int kind;			/* enum key_kind */
	__u64 exits;
	enum kvmstat_arch arch;		/* the line's, and the class: for the derived name */
	__u64 class;
};

/* A slow-exit record's line (run --slow): flat, one per record. */
struct ndjson_slow {
	__u64 schema_version;
	const char *tool, *version;
	int type;			/* RECORD_SLOW_EXIT */
	const char *host, *arch, *kernel;
	struct timespec time;		/* of the kvm_exit, wall clock */
	__u64 mono_ns;			/* the same, CLOCK_MONOTONIC */
	__u32 vm;
	const char *vm_name;
	__u32 vcpu;			/* KVMSTAT_VCPU_UNKNOWN: not known */
	__u32 tid;
	const char *thread;
	__u32 cpu;
	__u64 class;
	int origin;			/* enum origin */
	__u64 key;			/* with has_key: the second-level key as the exit had it */
	int key_kind;			/* enum key_kind */
	__u64 pc, handling_ns, guest_ns;
	enum kvmstat_arch arch_id;	/* for the derived names */
	bool has_key;			/* the run had --detail */
};

/* Fields end with an entry whose name is NULL. Spans are struct kvmstat_span_stats. */
extern const struct ndjson_field ndjson_line_fields[];
extern const struct ndjson_field ndjson_vm_fields[];
extern const struct ndjson_field ndjson_vcpu_fields[];
extern const struct ndjson_field ndjson_class_fields[];
extern const struct ndjson_field ndjson_key_fields[];
extern const struct ndjson_field ndjson_slow_fields[];

/* The plain members (not NESTED) of obj as f lists them, into out: 0, or -EINVAL with err
 * naming the member. */
int ndjson_read_object(const struct jval *obj, const struct ndjson_field *f, void *out,
		       char *err, size_t errlen);
/* An object of f's plain members of obj. */
void ndjson_write_object(struct json *j, const struct ndjson_field *f, const void *obj);
extern const struct ndjson_field ndjson_span_fields[];

#endif /* KVMSTAT_NDJSON_FIELDS_H */
