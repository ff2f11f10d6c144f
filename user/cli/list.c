// SPDX-License-Identifier: GPL-2.0
/* `kvmstat-bpf list`: the decode tables of an arch, as a reference. */
#include <errno.h>
#include <string.h>

#include "arch/arch.h"
#include "cli/list.h"

/*
 * The code column: the class's code as tables print it (riscv interrupts with
 * bit 63). A table whose codes are shifted into the class (arm64 exit types)
 * prints the code itself, since arch_class_code() of a TRAP class is its EC.
 */
static const char *entry_code(enum kvmstat_arch arch, const struct arch_table *table,
			      const struct arch_code *entry, char *buf, size_t len)
{
	__u64 class = table->class_base | entry->code * table->class_step;

	if (table->class_step != 1) {
		snprintf(buf, len, "0x%x", entry->code);
		return buf;
	}
	return arch_class_code(arch, class, buf, len);
}

/* Widths so that the names and descriptions of a table line up. */
static void table_widths(enum kvmstat_arch arch, const struct arch_table *table,
			 int *code_width, int *name_width)
{
	char code[ARCH_NAME_LEN];
	size_t i;

	*code_width = 0;
	*name_width = 0;
	for (i = 0; i < table->nr_codes; i++) {
		int cw = (int)strlen(entry_code(arch, table, &table->codes[i], code, sizeof(code)));
		int nw = (int)strlen(table->codes[i].name);

		*code_width = cw > *code_width ? cw : *code_width;
		*name_width = nw > *name_width ? nw : *name_width;
	}
}

static void print_table(FILE *out, enum kvmstat_arch arch, const struct arch_table *table)
{
	char code[ARCH_NAME_LEN];
	int code_width, name_width;
	size_t i;

	table_widths(arch, table, &code_width, &name_width);
	fprintf(out, "# %s (%s)\n", table->title, table->source);
	for (i = 0; i < table->nr_codes; i++) {
		const struct arch_code *entry = &table->codes[i];

		fprintf(out, "%-*s  %-*s  %s\n", code_width,
			entry_code(arch, table, entry, code, sizeof(code)),
			name_width, entry->name, entry->desc);
	}
}

int print_class_list(FILE *out, enum kvmstat_arch arch)
{
	const struct arch_table *tables;
	size_t nr = arch_tables(arch, &tables);
	size_t i;

	if (!nr)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (i)
			fputc('\n', out);
		print_table(out, arch, &tables[i]);
	}
	return ferror(out) ? -EIO : 0;
}

/* Widths so that the names of a second-level table line up. */
static void detail_widths(const struct arch_detail_table *table, int *code_width, int *name_width)
{
	char code[ARCH_DETAIL_LEN];
	size_t i;

	*code_width = 0;
	*name_width = 0;
	for (i = 0; i < table->nr_codes; i++) {
		int nw = (int)strlen(table->codes[i].name);

		table->format_code(table->codes[i].code, code, sizeof(code));
		*code_width = (int)strlen(code) > *code_width ? (int)strlen(code) : *code_width;
		*name_width = nw > *name_width ? nw : *name_width;
	}
}

static void print_detail_table(FILE *out, const struct arch_detail_table *table)
{
	char code[ARCH_DETAIL_LEN];
	int code_width, name_width;
	size_t i;

	detail_widths(table, &code_width, &name_width);
	fprintf(out, "# %s (%s)\n", table->title, table->source);
	for (i = 0; i < table->nr_codes; i++) {
		const struct arch_detail_code *entry = &table->codes[i];

		table->format_code(entry->code, code, sizeof(code));
		if (entry->desc[0])
			fprintf(out, "%-*s  %-*s  %s\n", code_width, code, name_width, entry->name,
				entry->desc);
		else
			fprintf(out, "%-*s  %s\n", code_width, code, entry->name);
	}
}

int print_detail_list(FILE *out, enum kvmstat_arch arch)
{
	const struct arch_detail_table *const *tables;
	size_t nr = arch_detail_tables(arch, &tables);
	size_t i;

	if (!nr)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (i)
			fputc('\n', out);
		print_detail_table(out, tables[i]);
	}
	return ferror(out) ? -EIO : 0;
}
