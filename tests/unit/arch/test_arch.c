// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the exit class decode tables (arch/). */
#include <ctype.h>
#include <sys/utsname.h>

#include "arch.h"
#include "test.h"
/* Generated from the installed <asm/vmx.h> and <asm/svm.h>: UAPI_*_EXITS(X) */
#include "x86_uapi_exits.h"

static const enum kvmstat_arch all_arches[] = {
	KVMSTAT_ARCH_X86, KVMSTAT_ARCH_ARM64, KVMSTAT_ARCH_RISCV,
};

#define ARM64_TRAP		2
#define ARM64_TRAP_CLASS(ec)	KVMSTAT_ARM64_CLASS(ARM64_TRAP, ec)
#define RISCV_IRQ(n)		(KVMSTAT_RISCV_INTR_BIT | (n))
#define VMX(reason)		KVMSTAT_X86_CLASS(KVMSTAT_X86_ISA_VMX, (__u32)(reason))
#define SVM(code)		KVMSTAT_X86_CLASS(KVMSTAT_X86_ISA_SVM, (__u32)(code))

static char buf[ARCH_NAME_LEN];

static const char *name_of(enum kvmstat_arch arch, __u64 class)
{
	return arch_class_name(arch, class, buf, sizeof(buf));
}

static const char *code_of(enum kvmstat_arch arch, __u64 class)
{
	return arch_class_code(arch, class, buf, sizeof(buf));
}

static const struct arch_code *table_entry(const struct arch_table *table, __u32 code)
{
	for (size_t i = 0; i < table->nr_codes; i++)
		if (table->codes[i].code == code)
			return &table->codes[i];
	return NULL;
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (isspace((unsigned char)*s))
			return false;
	return true;
}

/* Ascending codes (so no duplicates), and names, descriptions as tables need. */
static void check_table(const struct arch_table *t)
{
	if (!ASSERT_TRUE(t->nr_codes > 0) || !ASSERT_TRUE(*t->title && *t->source))
		return;
	for (size_t i = 0; i < t->nr_codes; i++) {
		const struct arch_code *c = &t->codes[i];

		if (!ASSERT_TRUE(c->name && is_token(c->name)) ||
		    !ASSERT_TRUE(c->desc && *c->desc))
			printf("  in %s, code 0x%x\n", t->title, c->code);
		if (i && !ASSERT_TRUE(c->code > t->codes[i - 1].code))
			printf("  in %s: 0x%x after 0x%x\n", t->title, c->code, t->codes[i - 1].code);
	}
}

/* No two classes of an arch share a name, in one table or across them. */
static void check_unique_names(const struct arch_table *tables, size_t nr)
{
	for (size_t t = 0; t < nr; t++)
		for (size_t i = 0; i < tables[t].nr_codes; i++)
			for (size_t u = t; u < nr; u++)
				for (size_t j = u == t ? i + 1 : 0; j < tables[u].nr_codes; j++)
					if (!ASSERT_TRUE(strcmp(tables[t].codes[i].name,
								tables[u].codes[j].name)))
						printf("  duplicate name %s\n", tables[u].codes[j].name);
}

TEST(tables_well_formed)
{
	for (size_t a = 0; a < sizeof(all_arches) / sizeof(all_arches[0]); a++) {
		const struct arch_table *tables;
		size_t nr = arch_tables(all_arches[a], &tables);

		if (!ASSERT_TRUE(nr >= 2))
			continue;
		for (size_t t = 0; t < nr; t++)
			check_table(&tables[t]);
		check_unique_names(tables, nr);
	}
}

/* Every entry's class decodes to that entry (the arm64 TRAP type aside: a
 * TRAP class is named by its exception class). */
TEST(every_entry_decodes_to_itself)
{
	for (size_t a = 0; a < sizeof(all_arches) / sizeof(all_arches[0]); a++) {
		enum kvmstat_arch arch = all_arches[a];
		const struct arch_table *tables;
		size_t nr = arch_tables(arch, &tables);

		for (size_t t = 0; t < nr; t++) {
			for (size_t i = 0; i < tables[t].nr_codes; i++) {
				const struct arch_code *c = &tables[t].codes[i];
				__u64 class = tables[t].class_base | c->code * tables[t].class_step;

				if (arch == KVMSTAT_ARCH_ARM64 && t == 0 && c->code == ARM64_TRAP)
					continue;
				if (!ASSERT_STR(name_of(arch, class), c->name) ||
				    !ASSERT_STR(arch_class_desc(arch, class), c->desc))
					printf("  %s class 0x%llx\n", arch_name(arch), (unsigned long long)class);
			}
		}
	}
}

TEST(arm64_known_classes)
{
	enum kvmstat_arch arm64 = KVMSTAT_ARCH_ARM64;

	ASSERT_STR(name_of(arm64, ARM64_TRAP_CLASS(0x0e)), "ILL");
	ASSERT_STR(name_of(arm64, ARM64_TRAP_CLASS(0x1a)), "ERET");
	ASSERT_STR(name_of(arm64, ARM64_TRAP_CLASS(0x24)), "DABT_LOW");
	ASSERT_STR(name_of(arm64, 0x200000024ULL), "DABT_LOW");
	ASSERT_STR(name_of(arm64, ARM64_TRAP_CLASS(0x16)), "HVC64");
	ASSERT_STR(name_of(arm64, ARM64_TRAP_CLASS(0x18)), "SYS64");
	ASSERT_STR(name_of(arm64, ARM64_TRAP_CLASS(0x01)), "WFx");
	ASSERT_STR(name_of(arm64, ARM64_TRAP_CLASS(0x20)), "IABT_LOW");
	ASSERT_STR(name_of(arm64, ARM64_TRAP_CLASS(0x2d)), "GCS");
	ASSERT_STR(name_of(arm64, ARM64_TRAP_CLASS(0x00)), "UNKNOWN");
	ASSERT_STR(name_of(arm64, 0x0), "IRQ");
	ASSERT_STR(name_of(arm64, KVMSTAT_ARM64_CLASS(1, 0)), "EL1_SERROR");
	ASSERT_STR(name_of(arm64, KVMSTAT_ARM64_CLASS(3, 0)), "IL");
	ASSERT_STR(name_of(arm64, KVMSTAT_ARM64_CLASS(0xbadca11, 0)), "HYP_GONE");
	ASSERT_STR(code_of(arm64, ARM64_TRAP_CLASS(0x24)), "0x24");
	ASSERT_STR(code_of(arm64, 0x0), "0x0");
	ASSERT_STR(code_of(arm64, KVMSTAT_ARM64_CLASS(3, 0)), "0x3");
}

TEST(riscv_known_classes)
{
	enum kvmstat_arch riscv = KVMSTAT_ARCH_RISCV;

	ASSERT_STR(name_of(riscv, 22), "VIRTUAL_INST");
	ASSERT_STR(name_of(riscv, 23), "STORE_GUEST_PAGE_FAULT");
	ASSERT_STR(name_of(riscv, 21), "LOAD_GUEST_PAGE_FAULT");
	ASSERT_STR(name_of(riscv, 20), "INST_GUEST_PAGE_FAULT");
	ASSERT_STR(name_of(riscv, 10), "ECALL_VS");
	ASSERT_STR(name_of(riscv, 18), "SOFTWARE_CHECK");
	ASSERT_STR(name_of(riscv, 6), "STORE_MISALIGNED");
	ASSERT_STR(name_of(riscv, RISCV_IRQ(6)), "IRQ_VS_TIMER");
	ASSERT_STR(name_of(riscv, 0x8000000000000005ULL), "IRQ_S_TIMER");
	ASSERT_STR(name_of(riscv, RISCV_IRQ(1)), "IRQ_S_SOFT");
	ASSERT_STR(name_of(riscv, RISCV_IRQ(12)), "IRQ_S_GEXT");
	ASSERT_STR(name_of(riscv, RISCV_IRQ(13)), "IRQ_PMU_OVF");
	ASSERT_STR(code_of(riscv, RISCV_IRQ(5)), "0x8000000000000005");
	ASSERT_STR(code_of(riscv, 23), "0x17");
}

TEST(x86_known_classes)
{
	enum kvmstat_arch x86 = KVMSTAT_ARCH_X86;

	ASSERT_STR(name_of(x86, SVM(0x7b)), "io");
	ASSERT_STR(name_of(x86, 0x20000007bULL), "io");
	ASSERT_STR(name_of(x86, SVM(0x72)), "cpuid");
	ASSERT_STR(name_of(x86, SVM(0x78)), "hlt");
	ASSERT_STR(name_of(x86, SVM(0x7c)), "msr");
	ASSERT_STR(name_of(x86, SVM(0x400)), "npf");
	ASSERT_STR(name_of(x86, SVM(0x60)), "interrupt");
	ASSERT_STR(name_of(x86, SVM(0x81)), "hypercall");
	ASSERT_STR(name_of(x86, SVM(0x4e)), "PF_excp");
	ASSERT_STR(name_of(x86, SVM(-1)), "invalid_guest_state");
	ASSERT_STR(name_of(x86, VMX(48)), "EPT_VIOLATION");
	ASSERT_STR(name_of(x86, VMX(1)), "EXTERNAL_INTERRUPT");
	ASSERT_STR(name_of(x86, VMX(30)), "IO_INSTRUCTION");
	ASSERT_STR(name_of(x86, VMX(0)), "EXCEPTION_NMI");
	ASSERT_STR(code_of(x86, SVM(0x7b)), "0x7b");
	ASSERT_STR(code_of(x86, SVM(-1)), "0xffffffff");
}

/* Each X-macro below came from the real header, so a missing or wrong entry fails. */
TEST(x86_tables_match_uapi_headers)
{
	const struct arch_table *tables;

	if (!ASSERT_EQ(arch_tables(KVMSTAT_ARCH_X86, &tables), 2))
		return;
#define CHECK_VMX(macro, suffix) do {						\
		const struct arch_code *c = table_entry(&tables[0], (__u32)(macro)); \
		if (!ASSERT_TRUE(c) || !ASSERT_STR(c->name, suffix))		\
			printf("  %s = %u\n", #macro, (__u32)(macro));		\
	} while (0);
#define CHECK_SVM(macro, suffix) do {						\
		if (!ASSERT_TRUE(table_entry(&tables[1], (__u32)(macro))))	\
			printf("  %s = 0x%x (%s)\n", #macro, (__u32)(macro), suffix); \
	} while (0);
	UAPI_VMX_EXITS(CHECK_VMX)
	UAPI_SVM_EXITS(CHECK_SVM)
#undef CHECK_VMX
#undef CHECK_SVM
}

TEST(unknown_codes_get_readable_placeholders)
{
	ASSERT_STR(name_of(KVMSTAT_ARCH_ARM64, ARM64_TRAP_CLASS(0x3f)), "EC_0x3f");
	ASSERT_STR(arch_class_desc(KVMSTAT_ARCH_ARM64, ARM64_TRAP_CLASS(0x3f)), "unknown exception class");
	ASSERT_STR(name_of(KVMSTAT_ARCH_ARM64, KVMSTAT_ARM64_CLASS(7, 0)), "TYPE_0x7");
	ASSERT_STR(arch_class_desc(KVMSTAT_ARCH_ARM64, KVMSTAT_ARM64_CLASS(7, 0)), "unknown exit type");
	ASSERT_STR(name_of(KVMSTAT_ARCH_RISCV, 63), "EXC_63");
	ASSERT_STR(name_of(KVMSTAT_ARCH_RISCV, 31), "EXC_31");
	ASSERT_STR(name_of(KVMSTAT_ARCH_RISCV, RISCV_IRQ(63)), "IRQ_63");
	ASSERT_STR(name_of(KVMSTAT_ARCH_RISCV, RISCV_IRQ(40)), "IRQ_40");
	ASSERT_STR(arch_class_desc(KVMSTAT_ARCH_RISCV, RISCV_IRQ(40)), "unknown interrupt");
	ASSERT_STR(name_of(KVMSTAT_ARCH_X86, SVM(0x999)), "SVM_0x999");
	ASSERT_STR(arch_class_desc(KVMSTAT_ARCH_X86, SVM(0x999)), "unknown SVM exit code");
	ASSERT_STR(name_of(KVMSTAT_ARCH_X86, VMX(0x99)), "VMX_0x99");
	ASSERT_STR(name_of(KVMSTAT_ARCH_X86, KVMSTAT_X86_CLASS(3, 1)), "X86_0x300000001");
	ASSERT_STR(name_of(KVMSTAT_ARCH_UNKNOWN, 0x24), "CLASS_0x24");
	ASSERT_STR(arch_class_desc(KVMSTAT_ARCH_UNKNOWN, 0x24), "unknown arch");
	ASSERT_EQ(arch_tables(KVMSTAT_ARCH_UNKNOWN, NULL), 0);
}

TEST(placeholders_fit_small_buffers)
{
	char small[6];

	ASSERT_STR(arch_class_name(KVMSTAT_ARCH_X86, SVM(0x999), small, sizeof(small)), "SVM_0");
	ASSERT_STR(arch_class_name(KVMSTAT_ARCH_X86, SVM(0x999), NULL, 0), "?");
	/* A known class needs no buffer at all. */
	ASSERT_STR(arch_class_name(KVMSTAT_ARCH_X86, SVM(0x7b), NULL, 0), "io");
	ASSERT_STR(name_of(KVMSTAT_ARCH_RISCV, RISCV_IRQ(KVMSTAT_RISCV_INTR_BIT - 1)),
		   "IRQ_9223372036854775807");
}

/* --slow CLASS=T: every class a table names parses back to itself, in any case. */
TEST(class_names_parse_back)
{
	__u64 c[4] = {};
	size_t n;

	for (size_t a = 0; a < sizeof(all_arches) / sizeof(all_arches[0]); a++) {
		enum kvmstat_arch arch = all_arches[a];
		const struct arch_table *tables;
		size_t nr = arch_tables(arch, &tables);

		for (size_t t = 0; t < nr; t++)
			for (size_t i = 0; i < tables[t].nr_codes; i++) {
				__u64 class = tables[t].class_base | tables[t].codes[i].code * tables[t].class_step;

				if (arch == KVMSTAT_ARCH_ARM64 && t == 0 && tables[t].codes[i].code == ARM64_TRAP)
					continue;
				n = arch_class_parse(arch, name_of(arch, class), c, 4);
				if (!ASSERT_TRUE(n >= 1 && n <= 2 && (c[0] == class || c[1] == class)))
					printf("  %s %s\n", arch_name(arch), name_of(arch, class));
			}
	}
	ASSERT_EQ(arch_class_parse(KVMSTAT_ARCH_ARM64, "wfx", c, 4), 1);
	ASSERT_EQ(c[0], ARM64_TRAP_CLASS(0x01));
	ASSERT_EQ(arch_class_parse(KVMSTAT_ARCH_X86, "hlt", c, 4), 2);	/* VMX HLT, SVM hlt */
	ASSERT_EQ(c[0], VMX(12));
	ASSERT_EQ(c[1], SVM(0x78));
	ASSERT_EQ(arch_class_parse(KVMSTAT_ARCH_X86, "npf", c, 4), 1);
	ASSERT_EQ(arch_class_parse(KVMSTAT_ARCH_ARM64, "TRAP", c, 4), 0);	/* named by its EC */
	ASSERT_EQ(arch_class_parse(KVMSTAT_ARCH_ARM64, "NOPE", c, 4), 0);
	ASSERT_EQ(arch_class_parse(KVMSTAT_ARCH_UNKNOWN, "WFx", c, 4), 0);
}

TEST(arch_names_round_trip)
{
	for (size_t a = 0; a < sizeof(all_arches) / sizeof(all_arches[0]); a++)
		ASSERT_EQ(arch_from_name(arch_name(all_arches[a])), all_arches[a]);
	ASSERT_STR(arch_name(KVMSTAT_ARCH_ARM64), "arm64");
	ASSERT_STR(arch_name(KVMSTAT_ARCH_RISCV), "riscv");
	ASSERT_STR(arch_name(KVMSTAT_ARCH_X86), "x86");
	ASSERT_EQ(arch_from_name("x86_64"), KVMSTAT_ARCH_X86);
	ASSERT_EQ(arch_from_name("amd64"), KVMSTAT_ARCH_X86);
	ASSERT_EQ(arch_from_name("aarch64"), KVMSTAT_ARCH_ARM64);
	ASSERT_EQ(arch_from_name("riscv64"), KVMSTAT_ARCH_RISCV);
	ASSERT_EQ(arch_from_name("mips"), KVMSTAT_ARCH_UNKNOWN);
	ASSERT_EQ(arch_from_name(NULL), KVMSTAT_ARCH_UNKNOWN);
	ASSERT_TRUE(arch_name(KVMSTAT_ARCH_UNKNOWN) == NULL);
}

TEST(arch_host_matches_uname)
{
	struct utsname uts;

	if (!ASSERT_EQ(uname(&uts), 0))
		return;
	ASSERT_EQ(arch_host(), arch_from_name(uts.machine));
#if defined(__x86_64__)
	ASSERT_EQ(arch_host(), KVMSTAT_ARCH_X86);
#endif
}

TEST_MAIN(TEST_CASE(tables_well_formed), TEST_CASE(every_entry_decodes_to_itself),
	  TEST_CASE(arm64_known_classes), TEST_CASE(riscv_known_classes),
	  TEST_CASE(x86_known_classes), TEST_CASE(x86_tables_match_uapi_headers),
	  TEST_CASE(unknown_codes_get_readable_placeholders),
	  TEST_CASE(placeholders_fit_small_buffers), TEST_CASE(class_names_parse_back),
	  TEST_CASE(arch_names_round_trip),
	  TEST_CASE(arch_host_matches_uname))
