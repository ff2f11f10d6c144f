// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE against foreign kernels: open the one BPF object with the BTF of the
 * Debian 6.12 arm64, riscv64 (vmlinux + kvm.ko merged) and amd64 kernels
 * (libbpf btf_custom_path), select the programs that arch runs, and prove from
 * libbpf's relocation log that every relocation the arch needs resolved: the
 * required fields were patched, and nothing but another arch's flavour was
 * poisoned. The load itself happens on this x86 host and is not the point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "../../bpf/kvmstat.h"
#include "kvmstat.skel.h"
#include "../../arch/arch.h"
#include "loader/loader.h"
#include "../unit/test.h"

static FILE *log_stream;

static int capture(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	return log_stream ? vfprintf(log_stream, fmt, args) : 0;
}

static const char *cache_dir(void)
{
	const char *c = getenv("KVMSTAT_CACHE");
	static char buf[512];

	if (c)
		return c;
	snprintf(buf, sizeof(buf), "%s/.cache/kvmstat-bpf", getenv("HOME") ?: "/root");
	return buf;
}

/* libbpf's log of opening + loading with the arch's programs and BTF; NULL if no BTF. */
static char *relocation_log(enum kvmstat_arch arch, const char *btf_file, bool classic,
			    bool detail)
{
	struct loader_opts o = { .arch = arch, .spans = 3, .max_keys = 16, .classic = classic,
				 .detail = detail, .slow_ns = detail ? 1000000 : 0 };
	char path[600], *buf = NULL;
	struct kvmstat_bpf *skel;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", cache_dir(), arch_name(arch), btf_file);
	if (access(path, R_OK))
		return NULL;
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = path);
	log_stream = open_memstream(&buf, &len);
	libbpf_set_print(capture);
	skel = kvmstat_bpf__open_opts(&opts);
	if (skel) {
		/* arm64 takes its vCPU from the fentry and the ksym; select them like the loader would. */
		bool arm64 = arch == KVMSTAT_ARCH_ARM64 && !classic;
		struct vcpu_features f = { .fentry = arm64, .ksym = arm64 };

		loader_select_programs(skel, &o, &f);
		loader_setup_detail(skel, &o);	/* --detail --slow: the key programs and reads */
		kvmstat_bpf__load(skel);	/* relocates against the custom BTF, then loads here */
		kvmstat_bpf__destroy(skel);
	} else {
		fprintf(log_stream, "OPEN FAILED\n");
	}
	fclose(log_stream);
	log_stream = NULL;
	return buf;
}

static bool foreign_flavour(const char *line, enum kvmstat_arch arch)
{
	static const char *const flavours[] = { "___x86", "___arm64", "___riscv" };
	char own[16];
	int i;

	snprintf(own, sizeof(own), "___%s", arch_name(arch));
	for (i = 0; i < 3; i++)
		if (strcmp(flavours[i], own) && strstr(line, flavours[i]))
			return true;
	return false;
}

/* Every poisoned relocation must be another arch's flavour. Returns the failures. */
static int poisoned_own_relocations(const char *log, enum kvmstat_arch arch)
{
	char spec[512] = "", *copy = strdup(log), *line, *save = NULL;
	int bad = 0;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, ": relo #") && strstr(line, "> [") && !strstr(line, "candidate"))
			snprintf(spec, sizeof(spec), "%s", line);	/* "relo #N: <kind> [id] spec" */
		if (!strstr(line, "substituting insn") && !strstr(line, "failed to resolve") &&
		    !strstr(line, "OPEN FAILED"))
			continue;
		/* "failed to resolve CO-RE relocation <kind> [id] spec" names its own spec */
		if (foreign_flavour(strstr(line, "failed to resolve") ? line : spec, arch))
			continue;
		printf("  unresolved on %s: %s\n    %s\n", arch_name(arch), spec, line);
		bad++;
	}
	free(copy);
	return bad;
}

/* A required field relocation: its spec line is followed by a patched instruction. */
static bool patched(const char *log, const char *field)
{
	const char *p = log, *relo, *next;
	char tag[64];

	while ((p = strstr(p, field))) {
		relo = p;
		while (relo > log && relo[-1] != '\n')
			relo--;
		relo = strstr(relo, "relo #");
		next = strchr(p, '\n');
		if (relo && next && sscanf(relo, "relo #%63[0-9]", tag) == 1) {
			char want[96];

			snprintf(want, sizeof(want), "relo #%s: patched insn", tag);
			if (strstr(next, want))
				return true;
		}
		p += strlen(field);
	}
	return false;
}

static void check_arch_mode(enum kvmstat_arch arch, const char *btf_file, bool classic,
			    bool detail, const char *const *required)
{
	char *log = relocation_log(arch, btf_file, classic, detail);
	int i;

	if (!log)
		TEST_SKIP("no kernel BTF in the cache (run scripts/fetch-debs.sh ARCH)");
	ASSERT_EQ(poisoned_own_relocations(log, arch), 0);
	for (i = 0; required[i]; i++)
		if (!ASSERT_TRUE(patched(log, required[i])))
			printf("  %s: %s not relocated\n", arch_name(arch), required[i]);
	if (getenv("CORE_LOG"))
		fputs(log, stdout);
	free(log);
}

static void check_arch(enum kvmstat_arch arch, const char *btf_file, bool classic,
		       const char *const *required)
{
	check_arch_mode(arch, btf_file, classic, false, required);
}

TEST(arm64_tp_btf_and_fentry)
{
	static const char *const req[] = { "struct kvm_vcpu.vcpu_id", NULL };

	check_arch(KVMSTAT_ARCH_ARM64, "merged.btf", false, req);
}

TEST(arm64_classic_record)
{
	static const char *const req[] = { "trace_event_raw_kvm_exit___arm64.ret",
					   "trace_event_raw_kvm_exit___arm64.esr_ec", NULL };

	check_arch(KVMSTAT_ARCH_ARM64, "merged.btf", true, req);
}

TEST(riscv_tp_btf_with_kvm_module_types)
{
	static const char *const req[] = { "struct kvm_cpu_trap___riscv.scause", "struct kvm_vcpu.vcpu_id",
					   NULL };

	check_arch(KVMSTAT_ARCH_RISCV, "merged.btf", false, req);
}

TEST(riscv_classic_record)
{
	static const char *const req[] = { "trace_event_raw_kvm_exit___riscv.scause", NULL };

	check_arch(KVMSTAT_ARCH_RISCV, "merged.btf", true, req);
}

TEST(x86_612_record_and_tp_btf)
{
	static const char *const req[] = { "trace_event_raw_kvm_exit___x86.isa",
					   "trace_event_raw_kvm_exit___x86.exit_reason",
					   "struct kvm_vcpu.vcpu_id", NULL };

	check_arch(KVMSTAT_ARCH_X86, "merged.btf", false, req);
}

/* --detail --slow: the vcpu fields, trap and record fields the keys and guest PCs come from. */
TEST(arm64_detail_and_slow)
{
	static const char *const req[] = { "struct kvm_vcpu___arm64.arch.ctxt.regs.regs[0]",
					   NULL };

	check_arch_mode(KVMSTAT_ARCH_ARM64, "merged.btf", false, true, req);
}

TEST(riscv_detail_and_slow)
{
	static const char *const req[] = { "struct kvm_cpu_trap___riscv.stval",
					   "struct kvm_cpu_trap___riscv.htval",
					   "struct kvm_cpu_trap___riscv.sepc",
					   "struct kvm_vcpu___riscv.arch.guest_context.a6", NULL };

	check_arch_mode(KVMSTAT_ARCH_RISCV, "merged.btf", false, true, req);
}

TEST(x86_detail_and_slow)
{
	static const char *const req[] = { "trace_event_raw_kvm_exit___x86.info1",
					   "trace_event_raw_kvm_exit___x86.guest_rip", NULL };

	check_arch_mode(KVMSTAT_ARCH_X86, "merged.btf", false, true, req);
}

TEST_MAIN(TEST_CASE(arm64_tp_btf_and_fentry), TEST_CASE(arm64_detail_and_slow),
	  TEST_CASE(riscv_detail_and_slow), TEST_CASE(x86_detail_and_slow),
	  TEST_CASE(arm64_classic_record),
	  TEST_CASE(riscv_tp_btf_with_kvm_module_types),
	  TEST_CASE(riscv_classic_record),
	  TEST_CASE(x86_612_record_and_tp_btf))
