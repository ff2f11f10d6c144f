/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-arch exit class decode tables: pure data and lookups, no I/O.
 * Every arch is compiled into every binary and chosen at run time by the
 * arch recorded with the data, so a snapshot from an arm64 host decodes on x86.
 */
#ifndef KVMSTAT_ARCH_H
#define KVMSTAT_ARCH_H

#include <stddef.h>
#include <linux/types.h>
#include "../bpf/kvmstat.h"

/* One named code of a decode table. */
struct arch_code {
	__u32 code;
	const char *name;	/* short, as the kernel names it (e.g. "DABT_LOW", "io") */
	const char *desc;	/* one line */
};

/* A table and what its codes are (printed as a section header by `list`). */
struct arch_table {
	const char *title;	/* e.g. "exception classes (ESR_ELx.EC, when exit type is TRAP)" */
	const char *source;	/* provenance: kernel header the table was copied from */
	const struct arch_code *codes;
	size_t nr_codes;
	__u64 class_base;	/* class = class_base | code, e.g. riscv interrupts: bit 63 */
	__u64 class_step;	/* multiplier of code in class (arm64 exit types: 1ULL << 32) */
};

/* "x86", "arm64", "riscv"; NULL for an unknown arch. */
const char *arch_name(enum kvmstat_arch arch);
/* Parses "x86"/"x86_64"/"amd64", "arm64"/"aarch64", "riscv"/"riscv64"; UNKNOWN if none. */
enum kvmstat_arch arch_from_name(const char *name);
/* The arch this binary runs on (uname), UNKNOWN if not one of the three. */
enum kvmstat_arch arch_host(void);

/* The tables of an arch, in `list` order; returns their number (0 for UNKNOWN). */
size_t arch_tables(enum kvmstat_arch arch, const struct arch_table **tables);

/*
 * Short name of a class as recorded in kvmstat_key.class: e.g. arm64 "DABT_LOW"
 * (TRAP exits by EC) or "IRQ" (other exit types), riscv "VIRTUAL_INST" or
 * "IRQ_S_TIMER", x86 "io" / "EXTERNAL_INTERRUPT". Never NULL: an unknown code
 * gives a readable placeholder carrying the number ("EC_0x3f", "EXC_31",
 * "IRQ_40", "SVM_0x999", "TYPE_0x7") written into buf.
 */
const char *arch_class_name(enum kvmstat_arch arch, __u64 class, char *buf, size_t len);
/* One-line description of a class; "unknown ..." placeholder for an unknown code. */
const char *arch_class_desc(enum kvmstat_arch arch, __u64 class);
/* Printable code of a class, e.g. arm64 "0x24", riscv "0x8000000000000005", x86 "0x7b". */
const char *arch_class_code(enum kvmstat_arch arch, __u64 class, char *buf, size_t len);

#define ARCH_NAME_LEN 32

#endif /* KVMSTAT_ARCH_H */
