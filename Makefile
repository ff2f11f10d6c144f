# SPDX-License-Identifier: GPL-2.0
# kvmstat-bpf. `make` builds ./kvmstat-bpf for this host; `make ARCH=arm64|riscv|x86` builds a
# static loader at build/<arch>/kvmstat-bpf for the emulated KVM hosts. V=1 shows commands.

.DELETE_ON_ERROR:
.SUFFIXES:

HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/riscv64/riscv/')
ARCH ?= $(HOST_ARCH)
ifeq ($(filter $(ARCH),x86 arm64 riscv),)
$(error unsupported ARCH '$(ARCH)': use x86, arm64 or riscv)
endif

CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
PYTHON ?= /usr/bin/python3
OUT := build
BPF_OUT := $(OUT)/bpf
HOST_OUT := $(OUT)/host

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
USER_CFLAGS := $(CFLAGS) $(WARN) -I$(BPF_OUT) -Ibpf -Iarch -Iuser -I.
# One BPF object for every arch: CO-RE flavours, compiled against one vmlinux.h.
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 $(WARN) -Wno-unused-parameter -Ivmlinux/x86 -Ibpf \
	-idirafter /usr/include/x86_64-linux-gnu -idirafter /usr/include

ARCH_SRCS := $(wildcard arch/*.c)
# Pure model/render code: no libbpf, unit-tested without root.
MODEL_SRCS := user/model/snapshot.c user/lib/format.c user/lib/json.c user/render/table.c \
	user/ndjson/write.c user/host/names.c user/cli/list.c user/lib/json_parse.c user/render/hist.c \
	user/render/prom.c user/lib/utf8.c user/render/views.c user/cli/output.c user/ndjson/record.c \
	user/cli/report.c user/loader/stats_reader.c
LOADER_SRCS := user/cli/main.c user/cli/run.c user/loader/loader.c
ALL_SRCS := $(ARCH_SRCS) $(MODEL_SRCS) $(LOADER_SRCS)
HEADERS := $(wildcard bpf/*.h arch/*.h user/*/*.h tests/bpf/*.h)

include scripts/cross.mk

.PHONY: all deps clean test test-run unit-test vmtest demo bench
ifeq ($(origin ARCH),command line)
all: $(OUT)/$(ARCH)/kvmstat-bpf
else
all: kvmstat-bpf
endif

deps:
	$(Q)bash scripts/deps.sh

# --- BPF object and skeleton ---------------------------------------------------
$(BPF_OUT)/kvmstat.bpf.o: bpf/kvmstat.bpf.c $(wildcard bpf/*.h) vmlinux/x86/vmlinux.h | $(BPF_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(BPF_OUT)/kvmstat.skel.h: $(BPF_OUT)/kvmstat.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name kvmstat_bpf > $@

# --- host build ----------------------------------------------------------------
HOST_OBJS := $(patsubst %.c,$(HOST_OUT)/%.o,$(ALL_SRCS))
MODEL_OBJS := $(patsubst %.c,$(HOST_OUT)/%.o,$(ARCH_SRCS) $(MODEL_SRCS))

$(HOST_OUT)/%.o: %.c $(HEADERS) $(BPF_OUT)/kvmstat.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

kvmstat-bpf: $(HOST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lbpf -lelf -lz -lm

# --- static builds for the emulated KVM hosts -------------------------------------
$(OUT)/arm64/kvmstat-bpf $(OUT)/x86/kvmstat-bpf: $(OUT)/%/kvmstat-bpf: $(ALL_SRCS) $(HEADERS) \
		$(BPF_OUT)/kvmstat.skel.h
	$(call msg,STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call cross_link,$*,$@,$(ALL_SRCS),$(USER_CFLAGS)) -lm

$(OUT)/riscv/kvmstat-bpf: $(ALL_SRCS) $(HEADERS) $(BPF_OUT)/kvmstat.skel.h $(CROSS_PREREQ_riscv)
	$(call msg,STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call cross_link,riscv,$@,$(ALL_SRCS),$(USER_CFLAGS)) -lm

$(CROSS_PREREQ_riscv):
	$(Q)bash scripts/riscv-sysroot.sh >/dev/null

$(BPF_OUT):
	$(Q)mkdir -p $@

# --- tests ------------------------------------------------------------------------
UNIT_OUT := $(OUT)/unit
UNIT_CFLAGS := $(USER_CFLAGS) -Itests/unit -I$(UNIT_OUT)
UNIT_LIB_SRCS := $(ARCH_SRCS) $(MODEL_SRCS)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(UNIT_OUT)/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(OUT)/tests/test_bpf $(OUT)/tests/test_core $(OUT)/tests/test_percentile \
	$(OUT)/tests/gen-ndjson
X86_UAPI_DIR ?= /usr/include/x86_64-linux-gnu/asm

# Every EXIT_REASON_* / SVM_EXIT_* of the installed uapi headers, as X-macros for test_arch.
$(UNIT_OUT)/x86_uapi_exits.h: tests/unit/gen-x86-uapi-exits.sh $(X86_UAPI_DIR)/vmx.h $(X86_UAPI_DIR)/svm.h
	$(Q)mkdir -p $(@D)
	$(Q)bash $< $(X86_UAPI_DIR) > $@

$(UNIT_OUT)/test_arch: $(UNIT_OUT)/x86_uapi_exits.h

$(UNIT_OUT)/test_%: tests/unit/test_%.c tests/unit/test.h $(UNIT_LIB_SRCS) $(HEADERS)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ $< $(UNIT_LIB_SRCS) -lm

$(OUT)/tests/test_%: tests/bpf/test_%.c tests/unit/test.h user/loader/loader.c $(ARCH_SRCS) $(HEADERS) \
		$(BPF_OUT)/kvmstat.skel.h
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ $< user/loader/loader.c $(ARCH_SRCS) -lbpf -lelf -lz

# span_percentile() on the in-kernel buckets of a synthetic distribution fed through BPF_PROG_TEST_RUN.
$(OUT)/tests/test_percentile: tests/bpf/test_percentile.c tests/unit/test.h user/model/snapshot.c \
		$(HEADERS) $(BPF_OUT)/kvmstat.skel.h
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ $< user/model/snapshot.c -lbpf -lelf -lz -lm

# Synthetic exits through BPF_PROG_TEST_RUN, written by the real read/delta/render path (report tests).
$(OUT)/tests/gen-ndjson: tests/report/gen_ndjson.c user/loader/loader.c $(UNIT_LIB_SRCS) $(HEADERS) \
		$(BPF_OUT)/kvmstat.skel.h
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ $< user/loader/loader.c $(UNIT_LIB_SRCS) -lbpf -lelf -lz -lm

# --- emulated end-to-end tests (tests/vmtest/README.md) -----------------------------
VMTEST_ARCHES := arm64 riscv x86
VMTESTS := $(addprefix vmtest-,$(VMTEST_ARCHES))
.PHONY: $(VMTESTS) vmtest-arm64-nvhe

$(OUT)/vmtest/%/vmm: tests/vmm/vmm-%.c tests/vmm/vmm-common.c tests/vmm/vmm-common.h
	$(call msg,VMM,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CROSS_CC_$*) -static -O2 -pthread $(WARN) -o $@ $< tests/vmm/vmm-common.c

# Static pattern: make skips implicit-rule search for .PHONY targets.
$(VMTESTS): vmtest-%: $(OUT)/%/kvmstat-bpf $(OUT)/vmtest/%/vmm
	$(Q)bash tests/vmtest/e2e.sh $* --kvmstat $(OUT)/$*/kvmstat-bpf

vmtest-arm64-nvhe: $(OUT)/arm64/kvmstat-bpf $(OUT)/vmtest/arm64/vmm
	$(Q)bash tests/vmtest/e2e.sh arm64 --kvmstat $< --append kvm-arm.mode=nvhe \
		--log $(OUT)/vmtest/arm64/e2e-nvhe.log

# Scenarios (tests/vmtest/guest.sh SCENARIO): two VMs at once with exact (VM, vCPU, class)
# counts, VM names and KVM's vCPU ids; the same with --vcpu-source thread; span timing
# (arm64 and riscv: x86's test VMM has no timer to sleep on).
VMTEST_SCENARIOS := multivm fallback timing
VMTESTS_ARM64_SCENARIOS := $(addprefix vmtest-arm64-,$(VMTEST_SCENARIOS))
VMTESTS_RISCV_SCENARIOS := $(addprefix vmtest-riscv-,$(VMTEST_SCENARIOS))
VMTESTS_X86_SCENARIOS := vmtest-x86-multivm vmtest-x86-fallback
VMTESTS_SCENARIOS := $(VMTESTS_ARM64_SCENARIOS) $(VMTESTS_RISCV_SCENARIOS) $(VMTESTS_X86_SCENARIOS)
.PHONY: $(VMTESTS_SCENARIOS)

$(VMTESTS_ARM64_SCENARIOS): vmtest-arm64-%: $(OUT)/arm64/kvmstat-bpf $(OUT)/vmtest/arm64/vmm
	$(Q)bash tests/vmtest/e2e.sh arm64 --scenario $* --kvmstat $<

$(VMTESTS_RISCV_SCENARIOS): vmtest-riscv-%: $(OUT)/riscv/kvmstat-bpf $(OUT)/vmtest/riscv/vmm
	$(Q)bash tests/vmtest/e2e.sh riscv --scenario $* --kvmstat $<

$(VMTESTS_X86_SCENARIOS): vmtest-x86-%: $(OUT)/x86/kvmstat-bpf $(OUT)/vmtest/x86/vmm
	$(Q)bash tests/vmtest/e2e.sh x86 --scenario $* --kvmstat $<

# `make vmtest ARCH=x` runs one arch (arm64 also in nVHE) with its scenarios; plain
# `make vmtest` all three.
ifeq ($(origin ARCH),command line)
vmtest: vmtest-$(ARCH) $(if $(filter arm64,$(ARCH)),vmtest-arm64-nvhe) \
	$(filter vmtest-$(ARCH)-%,$(VMTESTS_SCENARIOS))
else
vmtest: vmtest-arm64 vmtest-arm64-nvhe vmtest-riscv vmtest-x86 $(VMTESTS_SCENARIOS)
endif

VMTEST_BINS := $(foreach a,$(VMTEST_ARCHES),$(OUT)/$(a)/kvmstat-bpf $(OUT)/vmtest/$(a)/vmm)

# --- benchmarks (not part of make test) ------------------------------------------------
$(BPF_OUT)/floor.bpf.o: bench/floor.bpf.c vmlinux/x86/vmlinux.h | $(BPF_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(BPF_OUT)/floor.skel.h: $(BPF_OUT)/floor.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name floor_bpf > $@

$(OUT)/arm64/floor $(OUT)/x86/floor: $(OUT)/%/floor: bench/floor.c $(BPF_OUT)/floor.skel.h
	$(call msg,STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call cross_link,$*,$@,bench/floor.c,$(USER_CFLAGS))

$(OUT)/riscv/floor: bench/floor.c $(BPF_OUT)/floor.skel.h $(CROSS_PREREQ_riscv)
	$(call msg,STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call cross_link,riscv,$@,bench/floor.c,$(USER_CFLAGS))

$(OUT)/bench/loader-bench: bench/loader-bench.c $(ARCH_SRCS) $(MODEL_SRCS) user/loader/loader.c \
		$(HEADERS) $(BPF_OUT)/kvmstat.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $< $(ARCH_SRCS) $(MODEL_SRCS) user/loader/loader.c -lbpf -lelf -lz -lm

bench:
	$(Q)bash scripts/deps.sh
	$(Q)bash bench/run.sh

SUITES := unit="bash tests/unit/run-all.sh $(UNIT_TESTS)" \
	cli="bash tests/cli/test_cli.sh ./kvmstat-bpf" \
	scripts="bash tests/scripts/test_fetch_mirror.sh" \
	bpf="$(OUT)/tests/test_bpf" \
	percentile="$(OUT)/tests/test_percentile" \
	report="bash tests/report/test_report.sh ./kvmstat-bpf $(OUT)/tests/gen-ndjson" \
	core="bash scripts/fetch-debs.sh arm64 >/dev/null && bash scripts/fetch-debs.sh riscv >/dev/null && \
		bash scripts/fetch-debs.sh x86 >/dev/null && $(OUT)/tests/test_core" \
	kernel-tables="bash scripts/fetch-debs.sh headers >/dev/null && bash tests/check-kernel-tables.sh --bin ./kvmstat-bpf" \
	vmtest-arm64="$(MAKE) -s vmtest-arm64" \
	vmtest-arm64-nvhe="$(MAKE) -s vmtest-arm64-nvhe" \
	vmtest-riscv="$(MAKE) -s vmtest-riscv" \
	vmtest-x86="$(MAKE) -s vmtest-x86" \
	$(foreach t,$(VMTESTS_SCENARIOS),$(t)="$(MAKE) -s $(t)")

unit-test: $(UNIT_TESTS)
	$(Q)bash tests/unit/run-all.sh $(UNIT_TESTS)

# Installs what it needs first, so it works on a fresh machine.
test:
	$(Q)bash scripts/deps.sh
	$(Q)$(MAKE) test-run

test-run: kvmstat-bpf $(UNIT_TESTS) $(BPF_TESTS) $(VMTEST_BINS)
	$(Q)bash tests/run-suites.sh $(SUITES)

demo:
	$(Q)bash scripts/deps.sh
	$(Q)bash scripts/demo.sh

clean:
	$(Q)rm -rf $(OUT) kvmstat-bpf
