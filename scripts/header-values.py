#!/usr/bin/env python3
"""Values of kernel header macros and enum constants, as the C compiler computes them.

Usage: header-values.py [-D NAME[=V]]... [--define RE] [--body RE] [--enum RE]
                        [--call MACRO:FIRST-LAST]... HEADER...

Prints "NAME 0xVALUE" for every object-like macro whose name matches --define (and whose
definition matches --body, when given), every constant of an `enum NAME {...}` whose NAME
matches --enum, and "MACRO(N) 0xVALUE" for N = FIRST..LAST of each --call (a family such as
SYS_PMEVCNTRn_EL0(n)). The headers are preprocessed together
with their #include lines removed (a kernel header's includes need the whole tree) and -D
for the CONFIG_* options the wanted definitions sit under; the values then come from a
small C program compiled with the host gcc, so sys_reg(3, 0, 0, 4, 0), ARM_SMCCC_CALL_VAL(...)
or an enum's implicit values are computed exactly as the kernel computes them, by no
evaluator of ours. Anything that does not compile fails with the compiler's message.
Used by tests/check-kernel-tables.sh and scripts/gen-detail-tables.py.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

# What the removed includes (linux/bits.h, const.h, ...) would have provided.
PRELUDE = r"""
#define _AC(X, Y) (X##Y)
#define _AT(T, X) ((T)(X))
#define _UL(x) (_AC(x, UL))
#define _ULL(x) (_AC(x, ULL))
#define UL(x) (_UL(x))
#define ULL(x) (_ULL(x))
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define GENMASK(h, l) (((~0UL) - (1UL << (l)) + 1) & (~0UL >> (63 - (h))))
#define GENMASK_ULL(h, l) (((~0ULL) - (1ULL << (l)) + 1) & (~0ULL >> (63 - (h))))
/* include/linux/kconfig.h: IS_ENABLED(CONFIG_X) is 1 with -D CONFIG_X */
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x) ___is_defined(x)
#define ___is_defined(val) ____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option) __is_defined(option)
"""


def die(msg):
    print(f"header-values: {msg}", file=sys.stderr)
    sys.exit(1)


def combined_source(headers):
    text = [PRELUDE]
    for h in headers:
        try:
            src = open(h, encoding="utf-8", errors="replace").read()
        except OSError as e:
            die(f"failed to read {h}: {e.strerror}")
        text.append(f"# 1 \"{h}\"\n")
        text.append(re.sub(r"(?m)^[ \t]*#[ \t]*include\b.*$", "", src))
    return "".join(text)


def preprocess(source, defines, macros_only):
    cmd = ["gcc", "-E", "-P", "-undef", "-nostdinc", "-x", "c", "-"]
    cmd += [f"-D{d}" for d in defines]
    if macros_only:
        cmd.insert(2, "-dM")
    r = subprocess.run(cmd, input=source, capture_output=True, text=True)
    if r.returncode:
        die(f"failed to preprocess the headers: {r.stderr.strip()}")
    return r.stdout


def wanted_macros(macro_text, name_re, body_re):
    names = []
    for line in macro_text.splitlines():
        m = re.match(r"#define ([A-Za-z_][A-Za-z0-9_]*)(\(?)\s*(.*)$", line)
        if not m or m.group(2) or not name_re.search(m.group(1)):
            continue
        if body_re and not body_re.search(m.group(3)):
            continue
        names.append(m.group(1))
    return names


def enum_blocks(text, enum_re):
    """(block text, [constant names]) of every `enum NAME {...}` whose NAME matches."""
    blocks = []
    for m in re.finditer(r"\benum\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{([^}]*)\}\s*;", text):
        if not enum_re.search(m.group(1)):
            continue
        consts = re.findall(r"(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)", m.group(2))
        blocks.append((m.group(0), consts))
    return blocks


def own_macros(macro_text, source):
    """The -dM lines of macros the source defines (not the compiler's predefined ones)."""
    defined = set(re.findall(r"(?m)^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)", source))
    return "\n".join(l for l in macro_text.splitlines()
                     if re.match(r"#define ([A-Za-z_][A-Za-z0-9_]*)", l)
                     and re.match(r"#define ([A-Za-z_][A-Za-z0-9_]*)", l).group(1) in defined)


def evaluate(macro_text, enums, names):
    prog = ["#include <stdio.h>", macro_text]
    prog += [b for b, _ in enums]
    prog.append("int main(void)\n{")
    for n in names:
        prog.append(f'\tprintf("%s 0x%llx\\n", "{n}", (unsigned long long)({n}));')
    prog.append("\treturn 0;\n}\n")
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "values.c"), os.path.join(tmp, "values")
        with open(src, "w") as f:
            f.write("\n".join(prog))
        r = subprocess.run(["gcc", "-w", "-o", exe, src], capture_output=True, text=True)
        if r.returncode:
            errors = [l for l in r.stderr.splitlines() if "error" in l][:3]
            die("failed to compile the wanted values: " + " | ".join(errors))
        r = subprocess.run([exe], capture_output=True, text=True)
        if r.returncode:
            die(f"failed to run the value program: exit {r.returncode}")
        return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-D", dest="defines", action="append", default=[])
    ap.add_argument("--define", help="regex of macro names")
    ap.add_argument("--body", help="regex the macro's definition must match")
    ap.add_argument("--enum", help="regex of enum type names")
    ap.add_argument("--call", action="append", default=[], help="MACRO:FIRST-LAST")
    ap.add_argument("headers", nargs="+")
    args = ap.parse_args()
    if not args.define and not args.enum and not args.call:
        die("give --define, --enum or --call")
    source = combined_source(args.headers)
    macro_text = own_macros(preprocess(source, args.defines, True), source)
    names = []
    if args.define:
        names = wanted_macros(macro_text, re.compile(args.define),
                              re.compile(args.body) if args.body else None)
    enums = []
    if args.enum:
        enums = enum_blocks(preprocess(source, args.defines, False), re.compile(args.enum))
        names += [c for _, consts in enums for c in consts]
    for call in args.call:
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*):([0-9]+)-([0-9]+)", call)
        if not m:
            die(f"bad --call {call}: expected MACRO:FIRST-LAST")
        names += [f"{m.group(1)}({n})" for n in range(int(m.group(2)), int(m.group(3)) + 1)]
    if not names:
        die("no macro or enum constant matched in " + " ".join(args.headers))
    sys.stdout.write(evaluate(macro_text, enums, names))


if __name__ == "__main__":
    main()
