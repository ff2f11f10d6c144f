// SPDX-License-Identifier: GPL-2.0
/* --slow THRESHOLD[,CLASS=THRESHOLD...]: the default and each class's threshold, or why not. */
#include "cli/detail_args.h"
#include "test.h"

static struct slow_threshold classes[8];
static __u32 nr;
static __u64 ns;
static char err[160];

static int parse(const char *arg, enum kvmstat_arch arch)
{
	err[0] = '\0';
	return parse_slow_spec(arg, arch, &ns, classes, 8, &nr, err, sizeof(err));
}

TEST(default_threshold)
{
	ASSERT_EQ(parse("1ms", KVMSTAT_ARCH_ARM64), 0);
	ASSERT_EQ(ns, 1000000);
	ASSERT_EQ(nr, 0);
	ASSERT_EQ(parse("250us", KVMSTAT_ARCH_RISCV), 0);
	ASSERT_EQ(ns, 250000);
}

/* arm64 WFx is ESR EC 0x01 of a trap (type 2); riscv ECALL_VS is scause 10. */
TEST(class_thresholds)
{
	if (!ASSERT_EQ(parse("2ms,WFx=5ms,SYS64=100us", KVMSTAT_ARCH_ARM64), 0))
		return;
	ASSERT_EQ(ns, 2000000);
	if (!ASSERT_EQ(nr, 2))
		return;
	ASSERT_EQ(classes[0].class, KVMSTAT_ARM64_CLASS(2, 0x01));
	ASSERT_EQ(classes[0].ns, 5000000);
	ASSERT_EQ(classes[1].class, KVMSTAT_ARM64_CLASS(2, 0x18));
	ASSERT_EQ(classes[1].ns, 100000);
	if (ASSERT_EQ(parse("1ms,ECALL_VS=3ms", KVMSTAT_ARCH_RISCV), 0) && ASSERT_EQ(nr, 1))
		ASSERT_EQ(classes[0].class, 10);
}

/* An x86 class name can be VMX's and SVM's: both get the threshold. */
TEST(x86_name_of_both_isas)
{
	if (!ASSERT_EQ(parse("1ms,HLT=10ms", KVMSTAT_ARCH_X86), 0))
		return;
	ASSERT_EQ(nr, 2);
	ASSERT_EQ(classes[0].ns, 10000000);
	ASSERT_EQ(classes[1].ns, 10000000);
	ASSERT_TRUE(classes[0].class != classes[1].class);
}

TEST(bad_specs_say_why)
{
	ASSERT_EQ(parse("", KVMSTAT_ARCH_ARM64), -EINVAL);
	ASSERT_EQ(parse("1", KVMSTAT_ARCH_ARM64), -EINVAL);	/* no unit */
	ASSERT_STR(err, "expected a duration above 0 with its unit first (e.g. 1ms)");
	ASSERT_EQ(parse("0ms", KVMSTAT_ARCH_ARM64), -EINVAL);
	ASSERT_EQ(parse("WFx=1ms", KVMSTAT_ARCH_ARM64), -EINVAL);
	ASSERT_EQ(parse("1ms,NOPE=1ms", KVMSTAT_ARCH_ARM64), -EINVAL);
	ASSERT_STR(err, "unknown class 'NOPE' on arm64 (see kvmstat-bpf list)");
	ASSERT_EQ(parse("1ms,WFx", KVMSTAT_ARCH_ARM64), -EINVAL);
	ASSERT_STR(err, "'WFx': expected CLASS=THRESHOLD");
	ASSERT_EQ(parse("1ms,=1ms", KVMSTAT_ARCH_ARM64), -EINVAL);
	ASSERT_EQ(parse("1ms,WFx=", KVMSTAT_ARCH_ARM64), -EINVAL);
	ASSERT_EQ(parse("1ms,WFx=-1ms", KVMSTAT_ARCH_ARM64), -EINVAL);
	ASSERT_EQ(parse("1ms,WFx=1ms,", KVMSTAT_ARCH_ARM64), -EINVAL);
	ASSERT_STR(err, "a trailing ','");
	ASSERT_EQ(parse("1ms,ECALL_VS=1ms", KVMSTAT_ARCH_ARM64), -EINVAL);	/* riscv's */
}

TEST(more_classes_than_room)
{
	ASSERT_EQ(parse("1ms,WFx=1ms,SYS64=1ms,HVC64=1ms,SMC64=1ms,DABT_LOW=1ms,IABT_LOW=1ms,"
			"HVC32=1ms,SMC32=1ms,IRQ=1ms", KVMSTAT_ARCH_ARM64), -EINVAL);
	ASSERT_STR(err, "more than 8 classes");
}

TEST_MAIN(TEST_CASE(default_threshold),
	  TEST_CASE(class_thresholds),
	  TEST_CASE(x86_name_of_both_isas),
	  TEST_CASE(bad_specs_say_why),
	  TEST_CASE(more_classes_than_room))
