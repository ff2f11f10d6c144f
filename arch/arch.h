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
/*
 * The classes named name (as arch_class_name() names them, in any case): up to max
 * into classes; returns how many there are (0: none). x86 has two: "hlt" is VMX's
 * HLT and SVM's hlt, so a --slow threshold holds on either vendor's hosts.
 */
size_t arch_class_parse(enum kvmstat_arch arch, const char *name, __u64 *classes, size_t max);
/* One-line description of a class; "unknown ..." placeholder for an unknown code. */
const char *arch_class_desc(enum kvmstat_arch arch, __u64 class);
/* Printable code of a class, e.g. arm64 "0x24", riscv "0x8000000000000005", x86 "0x7b". */
const char *arch_class_code(enum kvmstat_arch arch, __u64 class, char *buf, size_t len);

#define ARCH_NAME_LEN 32

/*
 * Second-level keys (`run --detail`): what, within a class, an exit was about
 * (which system register, SMCCC or SBI function, MSR, port, guest address).
 * The encoding per class is in bpf/kvmstat.h (KVMSTAT_*_DETAIL_*).
 */

/* One named value of a second-level table (a sysreg encoding, an SMCCC function id, ...). */
struct arch_detail_code {
	__u64 code;
	const char *name;	/* the kernel's macro without its prefix, e.g. "ID_AA64PFR0_EL1" */
	const char *desc;	/* one line, "" when the header gives none ("also NAME": an alias) */
};

struct arch_detail_table {
	const char *title;	/* e.g. "arm64 system registers (SYS64 exits): SYS_*" */
	const char *source;	/* provenance: kernel headers and version */
	const struct arch_detail_code *codes;	/* sorted by code, no duplicates */
	size_t nr_codes;
	/* The code as `list` prints it, e.g. "S3_0_C0_C4_0" for a sysreg encoding. */
	void (*format_code)(__u64 code, char *buf, size_t len);
};

/* The second-level tables of an arch, in `list --detail` order; returns their number. */
size_t arch_detail_tables(enum kvmstat_arch arch, const struct arch_detail_table *const **tables);
/* Binary search of a table; NULL when the code is not in it. */
const struct arch_detail_code *arch_detail_find(const struct arch_detail_table *table, __u64 code);

/*
 * What the second-level key of a class is: "sysreg", "smccc", "wfx", "ipa", "sbi",
 * "insn", "gpa", "port", "msr", "cpuid", "hypercall"; NULL when the class has none.
 */
const char *arch_detail_kind(enum kvmstat_arch arch, __u64 class);
/*
 * A second-level key decoded, e.g. "ID_AA64PFR0_EL1 read", "PSCI_CPU_ON_64",
 * "TIME_SET_TIMER", "CYCLE read", "0x9000000 write", "0x3f8 out", "EFER write".
 * Never NULL: an unknown value gets a placeholder carrying the number
 * ("S3_0_C15_C2_0 read", "SMCCC_SIP_64_0x0001", "SBI_0x12345_3", "MSR_0x1234 read"),
 * a class without second-level keys its raw value in hex.
 */
const char *arch_detail_name(enum kvmstat_arch arch, __u64 class, __u64 detail, char *buf,
			     size_t len);
#define ARCH_DETAIL_LEN 64

#endif /* KVMSTAT_ARCH_H */
