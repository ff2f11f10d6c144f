// SPDX-License-Identifier: GPL-2.0
/* Unit tests of `kvmstat-bpf list` output (user/cli/list.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "arch.h"
#include "cli/list.h"
#include "test.h"

static char *list_of(enum kvmstat_arch arch, int *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	*err = print_class_list(f, arch);
	fclose(f);
	return text;
}

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *line = text; line && *line; line = strchr(line, '\n') + 1) {
		n += strncmp(line, prefix, strlen(prefix)) == 0;
		if (!strchr(line, '\n'))
			break;
	}
	return n;
}

TEST(one_header_and_one_line_per_class)
{
	for (enum kvmstat_arch arch = KVMSTAT_ARCH_X86; arch <= KVMSTAT_ARCH_RISCV; arch++) {
		const struct arch_table *tables;
		size_t nr = arch_tables(arch, &tables), classes = 0;
		int err = -1;
		char *text = list_of(arch, &err);

		if (!ASSERT_TRUE(text) || !ASSERT_EQ(err, 0))
			continue;
		for (size_t t = 0; t < nr; t++)
			classes += tables[t].nr_codes;
		ASSERT_EQ(count_lines(text, "# "), nr);
		ASSERT_EQ(count_lines(text, "0x"), classes);
		free(text);
	}
}

TEST(lines_carry_code_name_and_description)
{
	int err = -1;
	char *text = list_of(KVMSTAT_ARCH_ARM64, &err);

	if (!ASSERT_TRUE(text))
		return;
	ASSERT_TRUE(strncmp(text, "# arm64 exit types: ", 20) == 0);
	ASSERT_TRUE(strstr(text, " (arch/arm64/include/asm/esr.h, Linux v"));
	ASSERT_TRUE(strstr(text, "\n0x2        TRAP        "));
	ASSERT_TRUE(strstr(text, "\n0x24  DABT_LOW     Data Abort from a lower"));
	free(text);
	text = list_of(KVMSTAT_ARCH_RISCV, &err);
	if (!ASSERT_TRUE(text))
		return;
	ASSERT_TRUE(strstr(text, "\n0x8000000000000005  IRQ_S_TIMER   "));
	free(text);
}

TEST(unknown_arch_is_an_error)
{
	ASSERT_EQ(print_class_list(stdout, KVMSTAT_ARCH_UNKNOWN), -EINVAL);
	ASSERT_EQ(print_detail_list(stdout, KVMSTAT_ARCH_UNKNOWN), -EINVAL);
}

static char *detail_list_of(enum kvmstat_arch arch, int *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	*err = print_detail_list(f, arch);
	fclose(f);
	return text;
}

/* One header per second-level table, one line per entry, none empty or duplicated. */
TEST(detail_list_one_line_per_entry)
{
	for (enum kvmstat_arch arch = KVMSTAT_ARCH_X86; arch <= KVMSTAT_ARCH_RISCV; arch++) {
		const struct arch_detail_table *const *tables;
		size_t nr = arch_detail_tables(arch, &tables), entries = 0, lines = 0, blank = 0;
		int err = -1;
		char *text = detail_list_of(arch, &err);

		if (!ASSERT_TRUE(text) || !ASSERT_EQ(err, 0))
			continue;
		for (size_t t = 0; t < nr; t++)
			entries += tables[t]->nr_codes;
		for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
			lines++;
			blank += *l == '\n';
		}
		ASSERT_EQ(count_lines(text, "# "), nr);
		ASSERT_EQ(blank, nr - 1);
		ASSERT_EQ(lines, entries + nr + blank);
		free(text);
	}
}

TEST(detail_list_lines)
{
	int err = -1;
	char *text = detail_list_of(KVMSTAT_ARCH_ARM64, &err);

	if (!ASSERT_TRUE(text))
		return;
	ASSERT_TRUE(strncmp(text, "# arm64 system registers (SYS64 exits)", 38) == 0);
	ASSERT_TRUE(strstr(text, "\nS3_0_C0_C4_0    ID_AA64PFR0_EL1\n"));
	ASSERT_TRUE(strstr(text, "\n0xc4000003  PSCI_CPU_ON_64     "));
	free(text);
	text = detail_list_of(KVMSTAT_ARCH_RISCV, &err);
	if (!ASSERT_TRUE(text))
		return;
	ASSERT_TRUE(strstr(text, "\n0x54494d45/0  TIME_SET_TIMER\n"));
	free(text);
}

TEST_MAIN(TEST_CASE(one_header_and_one_line_per_class),
	  TEST_CASE(lines_carry_code_name_and_description), TEST_CASE(unknown_arch_is_an_error),
	  TEST_CASE(detail_list_one_line_per_entry), TEST_CASE(detail_list_lines))
