// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the second-level key tables and decoders (arch/<arch>_detail.c). */
#include <ctype.h>

#include "arch.h"
#include "test.h"

static const enum kvmstat_arch all_arches[] = {
	KVMSTAT_ARCH_X86, KVMSTAT_ARCH_ARM64, KVMSTAT_ARCH_RISCV,
};

#define ARM64_TRAP(ec)		KVMSTAT_ARM64_CLASS(2, ec)
#define ARM64_WFX		ARM64_TRAP(0x01)
#define ARM64_HVC64		ARM64_TRAP(0x16)
#define ARM64_SMC64		ARM64_TRAP(0x17)
#define ARM64_SYS64		ARM64_TRAP(0x18)
#define ARM64_IABT_LOW		ARM64_TRAP(0x20)
#define ARM64_DABT_LOW		ARM64_TRAP(0x24)
#define RISCV_ECALL_VS		10
#define RISCV_VIRTUAL_INST	22
#define RISCV_STORE_GPF		23
#define SVM(code)		KVMSTAT_X86_CLASS(KVMSTAT_X86_ISA_SVM, code)
#define VMX(reason)		KVMSTAT_X86_CLASS(KVMSTAT_X86_ISA_VMX, reason)

static char buf[ARCH_DETAIL_LEN];

static const char *detail_of(enum kvmstat_arch arch, __u64 class, __u64 detail)
{
	return arch_detail_name(arch, class, detail, buf, sizeof(buf));
}

/* The SYS64 ISS of an access to the register with sys_reg() encoding `reg` (Rt = x5). */
static __u64 sysreg_iss(__u32 reg, bool read)
{
	__u64 op0 = (reg >> 19) & 3, op1 = (reg >> 16) & 7, crn = (reg >> 12) & 15;
	__u64 crm = (reg >> 8) & 15, op2 = (reg >> 5) & 7;

	return op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | 5 << 5 | crm << 1 | read;
}

/* What the kernel's ESR carries, masked as the BPF side masks it. */
static __u64 sysreg_detail(__u32 reg, bool read)
{
	return sysreg_iss(reg, read) & (KVMSTAT_ARM64_SYSREG_MASK | KVMSTAT_ARM64_SYSREG_READ);
}

/* csrrs/csrrw rd=a0, csr, rs1 as the trap's stval, masked as the BPF side masks it. */
static __u64 csr_detail(__u32 csr, __u32 funct3, __u32 rs1)
{
	__u64 insn = (__u64)csr << 20 | rs1 << 15 | funct3 << 12 | 10 << 7 | 0x73;

	return (insn & KVMSTAT_RISCV_INSN_MASK) | (rs1 ? KVMSTAT_RISCV_INSN_WRITE : 0);
}

static bool is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (isspace((unsigned char)*s))
			return false;
	return true;
}

/* Ascending codes (so no duplicates and binary search works), token names, a provenance. */
TEST(tables_well_formed)
{
	for (size_t a = 0; a < sizeof(all_arches) / sizeof(all_arches[0]); a++) {
		const struct arch_detail_table *const *tables;
		size_t nr = arch_detail_tables(all_arches[a], &tables);

		if (!ASSERT_TRUE(nr >= 3))
			continue;
		for (size_t t = 0; t < nr; t++) {
			const struct arch_detail_table *tb = tables[t];

			if (!ASSERT_TRUE(tb->nr_codes > 0 && *tb->title && *tb->source && tb->format_code))
				continue;
			for (size_t i = 0; i < tb->nr_codes; i++) {
				if (!ASSERT_TRUE(is_token(tb->codes[i].name) && tb->codes[i].desc))
					printf("  in %s: entry %zu\n", tb->title, i);
				if (i && !ASSERT_TRUE(tb->codes[i].code > tb->codes[i - 1].code))
					printf("  in %s: 0x%llx after 0x%llx\n", tb->title,
					       (unsigned long long)tb->codes[i].code,
					       (unsigned long long)tb->codes[i - 1].code);
			}
		}
	}
	ASSERT_EQ(arch_detail_tables(KVMSTAT_ARCH_UNKNOWN, NULL), 0);
}

/* Binary search finds every entry and nothing between them. */
TEST(find_every_entry)
{
	for (size_t a = 0; a < sizeof(all_arches) / sizeof(all_arches[0]); a++) {
		const struct arch_detail_table *const *tables;
		size_t nr = arch_detail_tables(all_arches[a], &tables);

		for (size_t t = 0; t < nr; t++) {
			const struct arch_detail_table *tb = tables[t];

			for (size_t i = 0; i < tb->nr_codes; i++) {
				__u64 code = tb->codes[i].code;

				ASSERT_TRUE(arch_detail_find(tb, code) == &tb->codes[i]);
				if (i + 1 < tb->nr_codes && code + 1 < tb->codes[i + 1].code)
					ASSERT_TRUE(arch_detail_find(tb, code + 1) == NULL);
			}
			ASSERT_TRUE(arch_detail_find(tb, tb->codes[0].code - 1) == NULL ||
				    tb->codes[0].code == 0);
		}
	}
}

/* Every table entry, put in the key of the class it belongs to, decodes to its name. */
static void check_entries(enum kvmstat_arch arch, size_t table, __u64 class,
			  __u64 (*key)(__u64 code), const char *suffix)
{
	const struct arch_detail_table *const *tables;
	char want[ARCH_DETAIL_LEN];

	if (!ASSERT_TRUE(table < arch_detail_tables(arch, &tables)))
		return;
	for (size_t i = 0; i < tables[table]->nr_codes; i++) {
		const struct arch_detail_code *c = &tables[table]->codes[i];

		snprintf(want, sizeof(want), "%s%s", c->name, suffix);
		if (!ASSERT_STR(detail_of(arch, class, key(c->code)), want))
			printf("  %s: code 0x%llx\n", tables[table]->title, (unsigned long long)c->code);
	}
}

static __u64 same(__u64 code) { return code; }
static __u64 sysreg_read(__u64 code) { return sysreg_detail((__u32)code, true); }
static __u64 sbi_legacy(__u64 code) { return code << 32; }
static __u64 csr_read(__u64 code) { return csr_detail((__u32)code, 2, 0); }
static __u64 msr_write(__u64 code) { return code | KVMSTAT_X86_DETAIL_WRMSR; }

TEST(every_entry_decodes_to_itself)
{
	check_entries(KVMSTAT_ARCH_ARM64, 0, ARM64_SYS64, sysreg_read, " read");
	check_entries(KVMSTAT_ARCH_ARM64, 1, ARM64_HVC64, same, "");
	check_entries(KVMSTAT_ARCH_ARM64, 1, ARM64_SMC64, same, "");
	check_entries(KVMSTAT_ARCH_ARM64, 2, ARM64_WFX, same, "");
	check_entries(KVMSTAT_ARCH_RISCV, 1, RISCV_ECALL_VS, same, "");
	check_entries(KVMSTAT_ARCH_RISCV, 2, RISCV_VIRTUAL_INST, csr_read, " read");
	check_entries(KVMSTAT_ARCH_RISCV, 3, RISCV_VIRTUAL_INST, same, "");
	check_entries(KVMSTAT_ARCH_X86, 0, SVM(0x7c), msr_write, " write");
	check_entries(KVMSTAT_ARCH_X86, 1, SVM(0x7c), same, " read");
	check_entries(KVMSTAT_ARCH_X86, 2, SVM(0x81), same, "");
	check_entries(KVMSTAT_ARCH_X86, 2, VMX(18), same, "");
}

/* SBI extensions: the legacy ones are functions themselves; the others name unknown fids. */
TEST(sbi_extensions)
{
	const struct arch_detail_table *const *tables;
	char want[ARCH_DETAIL_LEN];

	if (!ASSERT_EQ(arch_detail_tables(KVMSTAT_ARCH_RISCV, &tables), 4))
		return;
	for (size_t i = 0; i < tables[0]->nr_codes; i++) {
		const struct arch_detail_code *c = &tables[0]->codes[i];

		if (c->code < KVMSTAT_RISCV_SBI_LEGACY_END) {
			ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_ECALL_VS, sbi_legacy(c->code)),
				   c->name);
		} else {
			snprintf(want, sizeof(want), "%s_FID_%u", c->name, 999);
			ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_ECALL_VS, c->code << 32 | 999),
				   want);
		}
	}
}

/* Values worked out by hand from the Arm ARM, the SBI spec and the SDM / APM. */
TEST(known_keys)
{
	/* mrs x5, ID_AA64PFR0_EL1 (S3_0_C0_C4_0): ESR ISS 0x3000a9 */
	ASSERT_EQ(sysreg_iss(0x180400, true), 0x3000a9);
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_SYS64, 0x3000a9 & 0x3ffc1f),
		   "ID_AA64PFR0_EL1 read");
	/* msr CNTV_CTL_EL0 (S3_3_C14_C3_1), x0 */
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_SYS64, sysreg_detail(0x1be320, false)),
		   "CNTV_CTL_EL0 write");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_HVC64, 0x84000000), "PSCI_VERSION");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_HVC64, 0xc4000003), "PSCI_CPU_ON_64");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_HVC64, 0x84000008), "PSCI_SYSTEM_OFF");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_SMC64, 0x80008000),
		   "SMCCC_ARCH_WORKAROUND_1");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_WFX, 1), "WFE");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_DABT_LOW, 0x9000000 | KVMSTAT_DETAIL_WRITE),
		   "0x9000000 write");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_IABT_LOW, 0x40000000), "0x40000000 exec");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_ECALL_VS, 0x54494D45ULL << 32),
		   "TIME_SET_TIMER");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_ECALL_VS, 0x48534DULL << 32 | 2),
		   "HSM_HART_STATUS");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_ECALL_VS, 1ULL << 32),
		   "0_1_CONSOLE_PUTCHAR");
	/* csrr a0, cycle = 0xc0002573; csrw stimecmp (0x14d), a1 = 0x14d59073 */
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_VIRTUAL_INST, 0xc0002573 & 0xfff0707f),
		   "CYCLE read");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_VIRTUAL_INST,
			     (0x14d59073 & 0xfff0707f) | KVMSTAT_RISCV_INSN_WRITE), "STIMECMP write");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_VIRTUAL_INST, 0x10500073), "WFI");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_STORE_GPF, 0x10000000), "0x10000000");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x7c), 0xc0000080), "EFER read");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, VMX(32), 0x830 | KVMSTAT_X86_DETAIL_WRMSR),
		   "X2APIC_ICR write");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x7c), 0x6e0 | KVMSTAT_X86_DETAIL_WRMSR),
		   "IA32_TSC_DEADLINE write");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x7c), 0x4b564d01), "KVM_SYSTEM_TIME_NEW read");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x7c), 0x811), "X2APIC_ISR1 read");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x7b), 0x3f8 | KVMSTAT_X86_DETAIL_IN), "0x3f8 in");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, VMX(30), 0x80), "0x80 out");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x400), 0xfee00000 | KVMSTAT_DETAIL_WRITE),
		   "0xfee00000 write");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x72), 0x40000000), "0x40000000");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, VMX(18), 5), "KVM_HC_KICK_CPU");
}

TEST(unknown_values_get_placeholders)
{
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_SYS64, sysreg_detail(0x1bf240, true)),
		   "S3_3_C15_C2_2 read");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_SMC64, 0xc2000001), "SMCCC_SIP_64_0x0001");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_HVC64, 0x06000005),
		   "SMCCC_YIELD_VENDOR_HYP_32_0x0005");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_ARM64, ARM64_HVC64, 0xb2000000),
		   "SMCCC_TRUSTED_OS_32_0x0000");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_ECALL_VS, 0x12345ULL << 32 | 3),
		   "SBI_0x12345_FID_3");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_ECALL_VS, 0x09000001ULL << 32),
		   "SBI_VENDOR_0x9000001_FID_0");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_ECALL_VS, 0x54494D45ULL << 32 | 7),
		   "TIME_FID_7");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_VIRTUAL_INST, csr_detail(0x5c0, 1, 0)),
		   "CSR_0x5c0 write");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_RISCV, RISCV_VIRTUAL_INST, 0x12000073),
		   "INSN_0x12000073");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x7c), 0x1234), "MSR_0x1234 read");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x7c), 0x8ff), "X2APIC_0x8ff read");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x81), 99), "HC_99");
	/* a class without second-level keys: the raw value */
	ASSERT_STR(detail_of(KVMSTAT_ARCH_X86, SVM(0x78), 7), "0x7");
	ASSERT_STR(detail_of(KVMSTAT_ARCH_UNKNOWN, 1, 0x42), "0x42");
}

TEST(kinds)
{
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_ARM64, ARM64_SYS64), "sysreg");
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_ARM64, ARM64_HVC64), "smccc");
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_ARM64, ARM64_DABT_LOW), "ipa");
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_ARM64, ARM64_WFX), "wfx");
	/* an IRQ exit (type 0) with a stale EC 0x18 is not a SYS64 exit */
	ASSERT_TRUE(arch_detail_kind(KVMSTAT_ARCH_ARM64, KVMSTAT_ARM64_CLASS(0, 0x18)) == NULL);
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_RISCV, RISCV_ECALL_VS), "sbi");
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_RISCV, RISCV_VIRTUAL_INST), "insn");
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_RISCV, RISCV_STORE_GPF), "gpa");
	ASSERT_TRUE(arch_detail_kind(KVMSTAT_ARCH_RISCV, KVMSTAT_RISCV_INTR_BIT | 10) == NULL);
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_X86, SVM(0x7b)), "port");
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_X86, VMX(31)), "msr");
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_X86, SVM(0x400)), "gpa");
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_X86, VMX(10)), "cpuid");
	ASSERT_STR(arch_detail_kind(KVMSTAT_ARCH_X86, SVM(0x81)), "hypercall");
	ASSERT_TRUE(arch_detail_kind(KVMSTAT_ARCH_X86, VMX(48)) == NULL);	/* EPT: no GPA */
	ASSERT_TRUE(arch_detail_kind(KVMSTAT_ARCH_X86, SVM(0x78)) == NULL);
	ASSERT_TRUE(arch_detail_kind(KVMSTAT_ARCH_UNKNOWN, 0) == NULL);
}

TEST(small_buffers_truncate)
{
	char small[6];

	ASSERT_STR(arch_detail_name(KVMSTAT_ARCH_ARM64, ARM64_HVC64, 0x84000000, small,
				    sizeof(small)), "PSCI_");
	ASSERT_STR(arch_detail_name(KVMSTAT_ARCH_ARM64, ARM64_HVC64, 0x84000000, NULL, 0), "?");
	ASSERT_STR(arch_detail_name(KVMSTAT_ARCH_X86, SVM(0x7c), 0x1234, small, sizeof(small)),
		   "MSR_0");
}

TEST_MAIN(TEST_CASE(tables_well_formed), TEST_CASE(find_every_entry),
	  TEST_CASE(every_entry_decodes_to_itself), TEST_CASE(sbi_extensions),
	  TEST_CASE(known_keys), TEST_CASE(unknown_values_get_placeholders), TEST_CASE(kinds),
	  TEST_CASE(small_buffers_truncate))
