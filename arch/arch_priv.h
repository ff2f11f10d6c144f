/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between arch.c and the per-arch tables, not part of the arch/ API.
 * Each arch exports one decoder: its tables plus how a class splits into them.
 */
#ifndef KVMSTAT_ARCH_PRIV_H
#define KVMSTAT_ARCH_PRIV_H

#include "arch.h"

#define ARCH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct arch_decoder {
	const struct arch_table *tables;
	size_t nr_tables;
	/* The entry a class decodes to, NULL if its code is in no table. */
	const struct arch_code *(*lookup)(__u64 class);
	/* Readable name for a class lookup() does not know, written into buf. */
	void (*placeholder)(__u64 class, char *buf, size_t len);
	/* Description for a class lookup() does not know (a static string). */
	const char *(*unknown_desc)(__u64 class);
	/* The code of a class as printed in tables and `list`. */
	void (*code)(__u64 class, char *buf, size_t len);
	/* Second-level keys: the tables, and how a (class, detail) decodes. */
	size_t (*detail_tables)(const struct arch_detail_table *const **tables);
	const char *(*detail_kind)(__u64 class);
	void (*detail_name)(__u64 class, __u64 detail, char *buf, size_t len);
};

extern const struct arch_decoder arch_arm64_decoder;
extern const struct arch_decoder arch_riscv_decoder;
extern const struct arch_decoder arch_x86_decoder;

/* Generated tables (scripts/gen-detail-tables.py) and how `list` prints their codes. */
extern const struct arch_detail_table arch_arm64_sysreg_table;
extern const struct arch_detail_table arch_riscv_csr_table;
extern const struct arch_detail_table arch_x86_msr_table;
void arch_arm64_sysreg_code(__u64 code, char *buf, size_t len);
void arch_riscv_csr_code(__u64 code, char *buf, size_t len);
void arch_x86_msr_code(__u64 code, char *buf, size_t len);

/* Second-level parts of each arch's decoder (arch/<arch>_detail.c). */
size_t arch_arm64_detail_tables(const struct arch_detail_table *const **tables);
const char *arch_arm64_detail_kind(__u64 class);
void arch_arm64_detail_name(__u64 class, __u64 detail, char *buf, size_t len);
size_t arch_riscv_detail_tables(const struct arch_detail_table *const **tables);
const char *arch_riscv_detail_kind(__u64 class);
void arch_riscv_detail_name(__u64 class, __u64 detail, char *buf, size_t len);
size_t arch_x86_detail_tables(const struct arch_detail_table *const **tables);
const char *arch_x86_detail_kind(__u64 class);
void arch_x86_detail_name(__u64 class, __u64 detail, char *buf, size_t len);

/* snprintf into a caller's buffer that may be NULL or empty. */
void arch_format(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Linear search: tables are small and looked up once per class per render. */
const struct arch_code *arch_table_find(const struct arch_table *table, __u64 code);

/* "0x<hex>" of a code, the default code column. */
void arch_detail_hex(__u64 code, char *buf, size_t len);

#endif /* KVMSTAT_ARCH_PRIV_H */
