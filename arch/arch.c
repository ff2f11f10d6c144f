// SPDX-License-Identifier: GPL-2.0
/* Arch names and the dispatch of class decoding to the per-arch tables. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
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

size_t arch_class_parse(enum kvmstat_arch arch, const char *name, __u64 *classes, size_t max)
{
	const struct arch_table *tables;
	size_t nr = arch_tables(arch, &tables), t, i, n = 0;
	char buf[ARCH_NAME_LEN];

	for (t = 0; t < nr; t++) {
		for (i = 0; i < tables[t].nr_codes; i++) {
			__u64 c = tables[t].class_base | tables[t].codes[i].code * tables[t].class_step;

			/* the name it decodes to: arm64's TRAP type is named by its EC instead */
			if (strcasecmp(name, tables[t].codes[i].name) ||
			    strcmp(arch_class_name(arch, c, buf, sizeof(buf)), tables[t].codes[i].name))
				continue;
			if (n < max)
				classes[n] = c;
			n++;
		}
	}
	return n;
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

size_t arch_detail_tables(enum kvmstat_arch arch, const struct arch_detail_table *const **tables)
{
	const struct arch_decoder *dec = arch_decoder(arch);

	if (!dec) {
		if (tables)
			*tables = NULL;
		return 0;
	}
	return dec->detail_tables(tables ? tables : &(const struct arch_detail_table *const *){ 0 });
}

/* Tables are sorted by code (tests/unit/test_arch.c checks): the generated ones hold ~1000. */
const struct arch_detail_code *arch_detail_find(const struct arch_detail_table *table, __u64 code)
{
	size_t lo = 0, hi = table->nr_codes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (table->codes[mid].code == code)
			return &table->codes[mid];
		if (table->codes[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void arch_detail_hex(__u64 code, char *buf, size_t len)
{
	arch_format(buf, len, "0x%llx", (unsigned long long)code);
}

const char *arch_detail_kind(enum kvmstat_arch arch, __u64 class)
{
	const struct arch_decoder *dec = arch_decoder(arch);

	return dec ? dec->detail_kind(class) : NULL;
}

const char *arch_detail_name(enum kvmstat_arch arch, __u64 class, __u64 detail, char *buf,
			     size_t len)
{
	const struct arch_decoder *dec = arch_decoder(arch);

	if (!buf || !len)
		return "?";
	if (dec)
		dec->detail_name(class, detail, buf, len);
	else
		arch_detail_hex(detail, buf, len);
	return buf;
}
