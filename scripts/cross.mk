# Static builds of the loader for the three KVM hosts; `include scripts/cross.mk` from the Makefile.
# Link order matters for static archives: libbpf needs libelf, libelf needs zlib and zstd.
# Verified (static, right machine, runs under qemu-user): x86 bookworm libbpf 1.1.2,
# arm64 bookworm libbpf 1.1.2 (:arm64 packages from scripts/deps.sh),
# riscv trixie libbpf 1.5.0 / elfutils 0.192 / zlib 1.3.1 / zstd 1.5.7 on bookworm's cross glibc 2.36.
# Defines no rules, so it cannot change the Makefile's default goal.

KVMSTAT_CACHE ?= $(HOME)/.cache/kvmstat-bpf
RISCV_SYSROOT ?= $(KVMSTAT_CACHE)/riscv/sysroot

CROSS_ARCHES := x86 arm64 riscv
CROSS_STATIC_LDLIBS := -lbpf -lelf -lz -lzstd

# x86_64: the build machine's own compiler and bookworm's /usr/lib/x86_64-linux-gnu/lib{bpf,elf,z,zstd}.a
CROSS_CC_x86 := gcc
CROSS_CFLAGS_x86 :=
CROSS_LDFLAGS_x86 := -static
CROSS_LDLIBS_x86 := $(CROSS_STATIC_LDLIBS)
CROSS_SRCS_x86 :=
CROSS_QEMU_x86 :=

# arm64: gcc-aarch64-linux-gnu; its search path already has /usr/lib/aarch64-linux-gnu (the :arm64
# libbpf-dev libelf-dev zlib1g-dev libzstd-dev) and /usr/include (arch-independent bpf/ headers).
CROSS_CC_arm64 := aarch64-linux-gnu-gcc
CROSS_CFLAGS_arm64 :=
CROSS_LDFLAGS_arm64 := -static
CROSS_LDLIBS_arm64 := $(CROSS_STATIC_LDLIBS)
CROSS_SRCS_arm64 :=
CROSS_QEMU_arm64 := qemu-aarch64

# riscv64: gcc-riscv64-linux-gnu + bookworm cross glibc; libs and bpf/ headers from trixie via
# scripts/riscv-sysroot.sh. -I puts trixie's libbpf 1.5 headers (which match libbpf.a) ahead of
# bookworm's 1.1 ones in /usr/include, which this compiler also searches. The shims supply what
# trixie's archives expect from glibc 2.38 and elfutils' unpackaged eu-search.o.
CROSS_CC_riscv := riscv64-linux-gnu-gcc
CROSS_CFLAGS_riscv := -I$(RISCV_SYSROOT)/include
CROSS_LDFLAGS_riscv := -static -L$(RISCV_SYSROOT)/lib
CROSS_LDLIBS_riscv := $(CROSS_STATIC_LDLIBS)
CROSS_SRCS_riscv := user/compat/riscv_shims.c
CROSS_QEMU_riscv := qemu-riscv64
# Prerequisite proving the sysroot exists; make it with: scripts/riscv-sysroot.sh >/dev/null
CROSS_PREREQ_riscv := $(RISCV_SYSROOT)/.complete

# One link line per arch, e.g. $(call cross_link,arm64,out/arm64/kvmstat-bpf,$(LOADER_SRCS))
# with the user code's own CFLAGS (-Wall -Wextra -Werror ...) passed in $(4).
cross_link = $(CROSS_CC_$(1)) $(4) $(CROSS_CFLAGS_$(1)) $(CROSS_LDFLAGS_$(1)) -o $(2) \
	$(3) $(CROSS_SRCS_$(1)) $(CROSS_LDLIBS_$(1))
