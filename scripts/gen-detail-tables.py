#!/usr/bin/env python3
"""Writes the large second-level decode tables of arch/ from the kernel headers.

Usage: scripts/gen-detail-tables.py [HEADERS_DIR]
  HEADERS_DIR  the tree of `scripts/fetch-debs.sh headers` (default: fetched)

  arch/arm64_sysregs.c  every SYS_* of asm/sysreg.h and the generated asm/sysreg-defs.h defined
                        with sys_reg()/sys_insn() (or a family macro), plus the numbered families
                        (DBGBVR<n>_EL1, PMEVCNTR<n>_EL0, ...) over the Arm ARM's ranges
  arch/riscv_csrs.c     every CSR_* of asm/csr.h with a numeric value
  arch/x86_msrs.c       every MSR_* of asm/msr-index.h and uapi asm/kvm_para.h with a hex value

Values come from scripts/header-values.py (the host compiler evaluates the kernel's macros).
Codes sharing one value keep the first name and list the others as "also NAME" in the
description. tests/check-kernel-tables.sh checks the result against the same headers.
The small tables (SMCCC/PSCI, SBI, KVM hypercalls, x2APIC) are written by hand in arch/*_detail.c.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
HEADER_VALUES = os.path.join(ROOT, "scripts", "header-values.py")

SYSREG_H = "arch/arm64/include/asm/sysreg.h"
SYSREG_DEFS_H = "arch/arm64/include/generated/asm/sysreg-defs.h"
CSR_H = "arch/riscv/include/asm/csr.h"
MSR_H = "arch/x86/include/asm/msr-index.h"
KVM_PARA_H = "arch/x86/include/uapi/asm/kvm_para.h"

# Numbered arm64 registers whose kernel macro takes the number: (macro, first, last), ranges
# per the Arm ARM (e.g. DBGBVR<n>_EL1, n = 0..15; TRCRSCTLR<n>, n = 2..31).
SYSREG_FAMILIES = [
    ("SYS_DBGBVRn_EL1", 0, 15), ("SYS_DBGBCRn_EL1", 0, 15),
    ("SYS_DBGWVRn_EL1", 0, 15), ("SYS_DBGWCRn_EL1", 0, 15),
    ("SYS_BRBINF_EL1", 0, 31), ("SYS_BRBSRC_EL1", 0, 31), ("SYS_BRBTGT_EL1", 0, 31),
    ("SYS_TRCACATR", 0, 15), ("SYS_TRCACVR", 0, 15), ("SYS_TRCCIDCVR", 0, 7),
    ("SYS_TRCCNTCTLR", 0, 3), ("SYS_TRCCNTRLDVR", 0, 3), ("SYS_TRCCNTVR", 0, 3),
    ("SYS_TRCEXTINSELR", 0, 3), ("SYS_TRCIMSPEC", 0, 7), ("SYS_TRCRSCTLR", 2, 31),
    ("SYS_TRCSEQEVR", 0, 2), ("SYS_TRCSSCCR", 0, 7), ("SYS_TRCSSCSR", 0, 7),
    ("SYS_TRCSSPCICR", 0, 7), ("SYS_TRCVMIDCVR", 0, 7),
    ("SYS_AMEVCNTR0_EL0", 0, 15), ("SYS_AMEVTYPER0_EL0", 0, 15),
    ("SYS_AMEVCNTR1_EL0", 0, 15), ("SYS_AMEVTYPER1_EL0", 0, 15),
    ("SYS_PMEVCNTRn_EL0", 0, 30), ("SYS_PMEVTYPERn_EL0", 0, 30),
    ("SYS_AMEVCNTVOFF0n_EL2", 0, 15), ("SYS_AMEVCNTVOFF1n_EL2", 0, 15),
]

# MSR names of long-gone CPUs (and P4's extended machine-check state, 0x180-0x197) lose to a
# current name for the same index; architectural IA32_ names win over model-specific ones.
MSR_OLD_PREFIXES = ("P4_", "P6_", "K6_", "IDT_", "ATOM_", "GEODE_")


def die(msg):
    print(f"gen-detail-tables: {msg}", file=sys.stderr)
    sys.exit(1)


def header_values(root, headers, *args):
    cmd = [sys.executable, HEADER_VALUES, *args] + [os.path.join(root, h) for h in headers]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        die(r.stderr.strip())
    return [(n, int(v, 16)) for n, v in (l.split() for l in r.stdout.splitlines())]


def family_name(call):
    """SYS_PMEVCNTRn_EL0(5) -> PMEVCNTR5_EL0, SYS_AMEVCNTR0_EL0(3) -> AMEVCNTR03_EL0."""
    m = re.fullmatch(r"SYS_(\w+)\((\d+)\)", call)
    base, n = m.group(1), m.group(2)
    if re.search(r"[nm](_EL\d)?$", base):
        return re.sub(r"[nm]((_EL\d)?)$", n + r"\1", base)
    if re.search(r"_EL\d$", base):
        return re.sub(r"(_EL\d)$", n + r"\1", base)
    return base + n


def linux_version(root):
    v = {}
    for line in open(os.path.join(root, "Makefile")):
        m = re.match(r"(VERSION|PATCHLEVEL|SUBLEVEL) = (\d+)", line)
        if m:
            v[m.group(1)] = m.group(2)
    return f"{v['VERSION']}.{v['PATCHLEVEL']}.{v['SUBLEVEL']}"


def by_code(named, rank=lambda name: 0):
    """[(code, name, also-names)] sorted by code; the best-ranked (then first) name leads."""
    codes = {}
    for i, (name, code) in enumerate(named):
        codes.setdefault(code, []).append((rank(name), i, name))
    out = []
    for code in sorted(codes):
        names = [n for _, _, n in sorted(codes[code])]
        out.append((code, names[0], names[1:]))
    return out


def write_table(path, comment, table, title, source, code_fn, fmt, rows):
    lines = ["// SPDX-License-Identifier: GPL-2.0", "/*"]
    lines += [f" * {l}" if l else " *" for l in comment]
    lines += [" */", '#include "arch_priv.h"', "",
              "static const struct arch_detail_code codes[] = {"]
    for code, name, also in rows:
        desc = "also " + ", ".join(also) if also else ""
        lines.append(f'\t{{ {fmt.format(code)}, "{name}", "{desc}" }},')
    lines += ["};", "", f"const struct arch_detail_table {table} = {{",
              f'\t.title = "{title}",', f'\t.source = "{source}",',
              "\t.codes = codes,", "\t.nr_codes = ARCH_ARRAY_SIZE(codes),",
              f"\t.format_code = {code_fn},", "};", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def gen_sysregs(root, version):
    named = header_values(root, [SYSREG_H, SYSREG_DEFS_H], "--define", "^SYS_",
                          "--body", r"^(sys_reg|sys_insn|SYS_\w+|__SYS__\w+)\(")
    calls = [f"{m}:{a}-{b}" for m, a, b in SYSREG_FAMILIES]
    fam = header_values(root, [SYSREG_H, SYSREG_DEFS_H], *sum([["--call", c] for c in calls], []))
    # AARCH32_*: the kernel's sys_reg() form of AArch32 CP15 registers, never a SYS64 exit.
    named = [(n[len("SYS_"):], v) for n, v in named if not n.startswith("SYS_AARCH32_")]
    named += [(family_name(n), v) for n, v in fam]
    rows = by_code(named)
    write_table(os.path.join(ROOT, "arch", "arm64_sysregs.c"), [
        "arm64 system registers and instructions by encoding: the second-level key of SYS64",
        "exits. Code = the kernel's sys_reg(Op0, Op1, CRn, CRm, Op2) encoding.",
        f"Generated by scripts/gen-detail-tables.py from Linux {version} (Debian",
        f"linux-headers-*-common and -arm64): every SYS_* of {SYSREG_H} and",
        f"{SYSREG_DEFS_H} defined with sys_reg()/sys_insn() (but AARCH32_*,",
        "AArch32 registers in that form, never a SYS64 exit), and the numbered",
        "families (DBGBVR<n>_EL1, PMEVCNTR<n>_EL0, ...) over the Arm ARM's ranges. Do not edit:",
        "rerun the script for a new kernel (tests/check-kernel-tables.sh compares).",
    ], "arch_arm64_sysreg_table",
        "arm64 system registers (SYS64 exits): SYS_*, by Op0, Op1, CRn, CRm, Op2",
        f"arch/arm64/include/asm/sysreg.h and generated asm/sysreg-defs.h, Linux {version}",
        "arch_arm64_sysreg_code", "0x{:06x}", rows)
    return len(rows)


def gen_csrs(root, version):
    named = header_values(root, [CSR_H], "--define", "^CSR_", "--body", r"^(0[xX][0-9a-fA-F]+|\d+)$")
    rows = by_code([(n[len("CSR_"):], v) for n, v in named])
    write_table(os.path.join(ROOT, "arch", "riscv_csrs.c"), [
        "RISC-V CSRs by number: the second-level key of VIRTUAL_INST exits that access a CSR.",
        f"Generated by scripts/gen-detail-tables.py from Linux {version} (Debian",
        f"linux-headers-*-common): every CSR_* of {CSR_H} with a numeric value",
        "(aliases such as CSR_STATUS, defined by name, are left out). Do not edit: rerun the",
        "script for a new kernel (tests/check-kernel-tables.sh compares).",
    ], "arch_riscv_csr_table",
        "RISC-V CSRs (VIRTUAL_INST exits of csrr*/csrw*): CSR_*",
        f"{CSR_H}, Linux {version}", "arch_riscv_csr_code", "0x{:03x}", rows)
    return len(rows)


def gen_msrs(root, version):
    hexnum = r"^0[xX][0-9a-fA-F]+$"
    named = header_values(root, [MSR_H], "--define", "^MSR_", "--body", hexnum)
    named += header_values(root, [KVM_PARA_H], "--define", "^MSR_KVM_", "--body", hexnum)
    def rank(name):
        if name.startswith("IA32_MCG_E"):
            return 3
        return 2 if name.startswith(MSR_OLD_PREFIXES) else 0 if name.startswith("IA32_") else 1
    rows = by_code([(n[len("MSR_"):], v) for n, v in named], rank)
    write_table(os.path.join(ROOT, "arch", "x86_msrs.c"), [
        "x86 MSRs by index: the second-level key of MSR exits.",
        f"Generated by scripts/gen-detail-tables.py from Linux {version} (Debian",
        f"linux-headers-*-common): every MSR_* of {MSR_H} and",
        f"{KVM_PARA_H} whose value is a hex number (the bit and",
        "mask macros of that header are not). Of several names for one index, IA32_ names",
        "come first and those of CPUs long gone (P4_, P6_, K6_, IDT_, ATOM_, GEODE_, IA32_MCG_E*)",
        "last. Do not edit: rerun the script for a new kernel (tests/check-kernel-tables.sh",
        "compares).",
    ], "arch_x86_msr_table", "x86 MSRs (MSR exits): MSR_*, by index",
        f"arch/x86/include/asm/msr-index.h, uapi/asm/kvm_para.h, Linux {version}",
        "arch_x86_msr_code", "0x{:08x}", rows)
    return len(rows)


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1].startswith("-")):
        die("usage: gen-detail-tables.py [HEADERS_DIR]")
    if len(sys.argv) == 2:
        root = sys.argv[1]
    else:
        r = subprocess.run(["bash", os.path.join(ROOT, "scripts", "fetch-debs.sh"), "headers"],
                           stdout=subprocess.PIPE, text=True)
        if r.returncode:
            die("failed to fetch the kernel headers")
        root = r.stdout.strip().splitlines()[-1]
    for h in (SYSREG_H, SYSREG_DEFS_H, CSR_H, MSR_H, KVM_PARA_H):
        if not os.path.exists(os.path.join(root, h)):
            die(f"failed to find {h} under {root}")
    version = linux_version(root)
    n = gen_sysregs(root, version), gen_csrs(root, version), gen_msrs(root, version)
    print(f"gen-detail-tables: Linux {version}: {n[0]} sysregs, {n[1]} CSRs, {n[2]} MSRs",
          file=sys.stderr)


if __name__ == "__main__":
    main()
