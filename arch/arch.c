// SPDX-License-Identifier: GPL-2.0
/* Arch names and the dispatch of class decoding to the per-arch tables. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "arch_priv.h"

static const struct {
	const char *name;
	enum kvmstat_arch arch;
} arch_aliases[] = {
	/* The canonical name of each arch comes first. */
	{ "x86", KVMSTAT_ARCH_X86 },
	{ "arm64", KVMSTAT_ARCH_ARM64 },
	{ "riscv", KVMSTAT_ARCH_RISCV },
	/* uname -m and Debian spellings */
	{ "x86_64", KVMSTAT_ARCH_X86 },
	{ "amd64", KVMSTAT_ARCH_X86 },
	{ "aarch64", KVMSTAT_ARCH_ARM64 },
	{ "riscv64", KVMSTAT_ARCH_RISCV },
};

const char *arch_name(enum kvmstat_arch arch)
{
	size_t i;

	for (i = 0; i < ARCH_ARRAY_SIZE(arch_aliases); i++)
		if (arch_aliases[i].arch == arch)
			return arch_aliases[i].name;
	return NULL;
}

enum kvmstat_arch arch_from_name(const char *name)
{
	size_t i;

	if (!name)
		return KVMSTAT_ARCH_UNKNOWN;
	for (i = 0; i < ARCH_ARRAY_SIZE(arch_aliases); i++)
		if (strcmp(arch_aliases[i].name, name) == 0)
			return arch_aliases[i].arch;
	return KVMSTAT_ARCH_UNKNOWN;
}

enum kvmstat_arch arch_host(void)
{
	struct utsname uts;

	if (uname(&uts))
		return KVMSTAT_ARCH_UNKNOWN;
	return arch_from_name(uts.machine);
}

static const struct arch_decoder *arch_decoder(enum kvmstat_arch arch)
{
	switch (arch) {
	case KVMSTAT_ARCH_X86:
		return &arch_x86_decoder;
	case KVMSTAT_ARCH_ARM64:
		return &arch_arm64_decoder;
	case KVMSTAT_ARCH_RISCV:
		return &arch_riscv_decoder;
	default:
		return NULL;
	}
}

size_t arch_tables(enum kvmstat_arch arch, const struct arch_table **tables)
{
	const struct arch_decoder *dec = arch_decoder(arch);

	if (tables)
		*tables = dec ? dec->tables : NULL;
	return dec ? dec->nr_tables : 0;
}

void arch_format(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

const struct arch_code *arch_table_find(const struct arch_table *table, __u64 code)
{
	size_t i;

	if (code > (__u32)-1)
		return NULL;
	for (i = 0; i < table->nr_codes; i++)
		if (table->codes[i].code == code)
			return &table->codes[i];
	return NULL;
}

const char *arch_class_name(enum kvmstat_arch arch, __u64 class, char *buf, size_t len)
{
	const struct arch_decoder *dec = arch_decoder(arch);
	const struct arch_code *entry = dec ? dec->lookup(class) : NULL;

	if (entry)
		return entry->name;
	if (!buf || !len)
		return "?";
	if (dec)
		dec->placeholder(class, buf, len);
	else
		arch_format(buf, len, "CLASS_0x%llx", (unsigned long long)class);
	return buf;
}

const char *arch_class_desc(enum kvmstat_arch arch, __u64 class)
{
	const struct arch_decoder *dec = arch_decoder(arch);
	const struct arch_code *entry = dec ? dec->lookup(class) : NULL;

	if (entry)
		return entry->desc;
	return dec ? dec->unknown_desc(class) : "unknown arch";
}

const char *arch_class_code(enum kvmstat_arch arch, __u64 class, char *buf, size_t len)
{
	const struct arch_decoder *dec = arch_decoder(arch);

	if (!buf || !len)
		return "?";
	if (dec)
		dec->code(class, buf, len);
	else
		arch_format(buf, len, "0x%llx", (unsigned long long)class);
	return buf;
}
