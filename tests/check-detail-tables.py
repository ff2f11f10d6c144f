#!/usr/bin/env python3
"""Checks the second-level tables of `kvmstat-bpf list --detail` against kernel headers.

Usage: tests/check-detail-tables.py --bin PATH HEADERS_DIR

Values come from scripts/header-values.py (the compiler evaluates the kernel's own macros
and enums). Per table, both ways: every kernel definition is listed with its value and name
(or as "also NAME" of the entry holding its value), and every listed entry is a kernel
definition, except where a table is a stated subset:
  arm64 SYS_* of asm/sysreg.h + generated asm/sysreg-defs.h (sys_reg()/sys_insn() values, not
        AARCH32_*) and the members n = 0..31 of its SYS_*(n) families; PSCI_*_FN* (uapi psci.h),
        ARM_SMCCC_* built with ARM_SMCCC_CALL_VAL (linux/arm-smccc.h), KVM_PSCI_FN_* (uapi
        asm/kvm.h); ESR_ELx_WFx_ISS_WFI/WFE (+ WFxT) of asm/esr.h
  riscv enum sbi_ext_id (but its *_START/*_END range bounds) and every enum sbi_ext_*_fid of
        asm/sbi.h; CSR_* of asm/csr.h with a numeric value
  x86   MSR_* of asm/msr-index.h and uapi asm/kvm_para.h with a hex value; KVM_HC_* of uapi
        linux/kvm_para.h; the x2APIC registers listed must be 0x800 + APIC_<reg> / 16 of
        asm/apicdef.h (a subset: registers only, not its field macros)
Prints one ok line per table and a FAIL line per mismatch, then "N passed, N failed".
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER_VALUES = os.path.join(HERE, "..", "scripts", "header-values.py")

passed = failed = 0


def die(msg):
    print(f"check-detail-tables: {msg}", file=sys.stderr)
    sys.exit(1)


def header_values(root, headers, *args):
    cmd = [sys.executable, HEADER_VALUES, *args] + [os.path.join(root, h) for h in headers]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        die(r.stderr.strip())
    return [(n, int(v, 16)) for n, v in (l.split() for l in r.stdout.splitlines())]


def list_sections(binary, arch):
    """{title: [(code, name, also-names)]} of `list --arch ARCH --detail`."""
    r = subprocess.run([binary, "list", "--arch", arch, "--detail"], capture_output=True, text=True)
    if r.returncode:
        die(f"failed to run {binary} list --arch {arch} --detail: {r.stderr.strip()}")
    sections, cur = {}, None
    for line in r.stdout.splitlines():
        if line.startswith("# "):
            cur = sections.setdefault(line[2:], [])
        elif line.strip() and cur is not None:
            f = line.split(None, 2)
            also = re.findall(r"[A-Za-z0-9_.]+", f[2][5:]) if len(f) > 2 and f[2].startswith("also ") else []
            cur.append((f[0], f[1], also))
    return sections


def section(sections, key):
    hits = [s for t, s in sections.items() if t.startswith(key)]
    if len(hits) != 1:
        die(f'no single table titled "{key}..." in list --detail')
    return hits[0]


def result(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok {what}")
    else:
        failed += 1


def fail(msg):
    print(f"FAIL {msg}")
    return False


def compare(what, entries, expected, fmt, subset=False):
    """expected: [(name, value)] from the headers; entries: the list's (code, name, also)."""
    ok = True
    listed = {}
    for code, name, also in entries:
        listed[code.lower()] = {name, *also}
    for name, value in expected:
        code = fmt(value).lower()
        if code not in listed:
            ok = fail(f"{what}: {name} = {code} is not listed")
        elif name not in listed[code]:
            ok = fail(f"{what}: {code} is listed as {'/'.join(sorted(listed[code]))}, the kernel names it {name}")
    if not subset:
        known = {fmt(v).lower() for _, v in expected}
        for code, name, _ in entries:
            if code.lower() not in known:
                ok = fail(f"{what}: {name} ({code}) is listed but not in the kernel headers")
    result(ok, f"{what}: {len(expected)} kernel values, {len(entries)} listed")


def sysreg_code(v):
    return "S%d_%d_C%d_C%d_%d" % ((v >> 19) & 3, (v >> 16) & 7, (v >> 12) & 15, (v >> 8) & 15, (v >> 5) & 7)


def family_name(call):
    """SYS_PMEVCNTRn_EL0(5) -> PMEVCNTR5_EL0, SYS_AMEVCNTR0_EL0(3) -> AMEVCNTR03_EL0."""
    m = re.fullmatch(r"SYS_(\w+)\((\d+)\)", call)
    base, n = m.group(1), m.group(2)
    if re.search(r"[nm](_EL\d)?$", base):
        return re.sub(r"[nm]((_EL\d)?)$", n + r"\1", base)
    if re.search(r"_EL\d$", base):
        return re.sub(r"(_EL\d)$", n + r"\1", base)
    return base + n


def check_arm64(root, binary):
    s = list_sections(binary, "arm64")
    hdrs = ["arch/arm64/include/asm/sysreg.h", "arch/arm64/include/generated/asm/sysreg-defs.h"]
    regs = header_values(root, hdrs, "--define", "^SYS_",
                         "--body", r"^(sys_reg|sys_insn|SYS_\w+|__SYS__\w+)\(")
    regs = [(n[4:], v) for n, v in regs if not n.startswith("SYS_AARCH32_")]
    text = "".join(open(os.path.join(root, h)).read() for h in hdrs)
    families = sorted(set(re.findall(r"(?m)^#define\s+(SYS_\w+)\([nmx]\)", text)))
    members = header_values(root, hdrs, *sum([["--call", f"{f}:0-31"] for f in families], []))
    members = [(family_name(n), v) for n, v in members]
    entries = section(s, "arm64 system registers")
    compare("arm64 sysregs (SYS_*)", entries, regs, sysreg_code, subset=True)
    # The listed family members: each one's value and name is that of SYS_<family>(n).
    member_of = {}	# several n of a family can wrap onto one encoding (m & 3)
    for n, v in members:
        member_of.setdefault(sysreg_code(v).lower(), set()).add(n)
    reg_codes = {sysreg_code(v).lower() for _, v in regs}
    extra = [(c, n, a) for c, n, a in entries if c.lower() not in reg_codes]
    ok = True
    for code, name, also in extra:
        if not member_of.get(code.lower(), set()) & {name, *also}:
            ok = fail(f"arm64 sysregs: {name} ({code}) is no SYS_* macro nor family member")
    result(ok, f"arm64 sysregs (SYS_*(n) families): {len(extra)} listed members")

    psci = header_values(root, ["include/uapi/linux/psci.h"], "--define",
                         r"^PSCI_\d_\d_FN(64)?_(?!BASE$)")
    smccc = header_values(root, ["include/linux/arm-smccc.h"], "--define", "^ARM_SMCCC_",
                          "--body", "ARM_SMCCC_CALL_VAL")
    kvm = header_values(root, ["arch/arm64/include/uapi/asm/kvm.h"], "--define", "^KVM_PSCI_FN_",
                        "--body", r"^KVM_PSCI_FN\(")
    names = []
    for n, v in psci:
        m = re.fullmatch(r"PSCI_\d_\d_FN(64)?_(PSCI_)?(\w+)", n)
        names.append(("PSCI_" + m.group(3) + ("_64" if m.group(1) else ""), v))
    names += [(re.sub(r"_FUNC_ID$", "", n[len("ARM_"):]), v) for n, v in smccc]
    names += [("PSCI_0_1_" + n[len("KVM_PSCI_FN_"):], v) for n, v in kvm]
    compare("arm64 SMCCC function ids", section(s, "arm64 SMCCC"), names, lambda v: "0x%x" % v)

    wfx = dict(header_values(root, ["arch/arm64/include/asm/esr.h"], "--define",
                             r"^ESR_ELx_WFx_ISS_(WFI|WFE|WFxT)$"))
    t = wfx["ESR_ELx_WFx_ISS_WFxT"]
    want = [("WFI", wfx["ESR_ELx_WFx_ISS_WFI"]), ("WFE", wfx["ESR_ELx_WFx_ISS_WFE"]),
            ("WFIT", t | wfx["ESR_ELx_WFx_ISS_WFI"]), ("WFET", t | wfx["ESR_ELx_WFx_ISS_WFE"])]
    compare("arm64 WFx kinds", section(s, "arm64 WFx"), want, lambda v: "0x%x" % v)


def check_riscv(root, binary):
    s = list_sections(binary, "riscv")
    sbi = ["arch/riscv/include/asm/sbi.h"]
    cfg = ["-D", "CONFIG_RISCV_SBI", "-D", "CONFIG_RISCV_SBI_V01"]
    exts = header_values(root, sbi, *cfg, "--enum", "^sbi_ext_id$")
    exts = [(n[len("SBI_EXT_"):], v) for n, v in exts if not re.search(r"_(START|END)$", n)]
    compare("riscv SBI extensions", section(s, "RISC-V SBI extensions"), exts, lambda v: "0x%x" % v)
    ext_ids = dict(exts)
    fns = []
    for n, v in header_values(root, sbi, *cfg, "--enum", r"^sbi_ext_\w+_fid$"):
        name = n[len("SBI_EXT_"):]
        ext = max((e for e in ext_ids if name.startswith(e + "_")), key=len, default=None)
        if ext is None:
            die(f"{n}: no SBI extension named in it")
        fns.append((name, ext_ids[ext] << 32 | v))
    compare("riscv SBI functions", section(s, "RISC-V SBI functions"), fns,
            lambda v: "0x%x/%d" % (v >> 32, v & 0xffffffff))
    csrs = header_values(root, ["arch/riscv/include/asm/csr.h"], "--define", "^CSR_",
                         "--body", r"^(0[xX][0-9a-fA-F]+|\d+)$")
    compare("riscv CSRs", section(s, "RISC-V CSRs"), [(n[4:], v) for n, v in csrs],
            lambda v: "0x%03x" % v)


def check_x86(root, binary):
    s = list_sections(binary, "x86")
    hexnum = r"^0[xX][0-9a-fA-F]+$"
    msrs = header_values(root, ["arch/x86/include/asm/msr-index.h"], "--define", "^MSR_",
                         "--body", hexnum)
    msrs += header_values(root, ["arch/x86/include/uapi/asm/kvm_para.h"], "--define", "^MSR_KVM_",
                          "--body", hexnum)
    compare("x86 MSRs", section(s, "x86 MSRs"), [(n[4:], v) for n, v in msrs],
            lambda v: "0x%08x" % v)
    apic = dict(header_values(root, ["arch/x86/include/asm/apicdef.h"], "--define",
                              r"^APIC_(BASE_MSR|[A-Z0-9_]+)$", "--body", hexnum))
    entries = section(s, "x86 x2APIC")
    want = []
    for code, name, _ in entries:
        reg = "APIC_" + name[len("X2APIC_"):]
        if reg not in apic:
            want.append((name, -1))
            print(f"FAIL x86 x2APIC: {name}: no {reg} in apicdef.h")
        else:
            want.append((name, apic["APIC_BASE_MSR"] + (apic[reg] >> 4)))
    compare("x86 x2APIC registers (subset of apicdef.h)", entries, want, lambda v: "0x%x" % v,
            subset=True)
    hcs = header_values(root, ["include/uapi/linux/kvm_para.h"], "--define", "^KVM_HC_")
    compare("x86 KVM hypercalls", section(s, "x86 KVM hypercalls"), hcs, lambda v: "0x%x" % v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="./kvmstat-bpf")
    ap.add_argument("headers")
    args = ap.parse_args()
    check_arm64(args.headers, args.bin)
    check_riscv(args.headers, args.bin)
    check_x86(args.headers, args.bin)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
