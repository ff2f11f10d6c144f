#!/usr/bin/env python3
"""Write kvmstat-bpf(8) from the program's own --help output and docs/kvmstat-bpf.8.in.

Usage: gen-man.py BINARY TEMPLATE OUT

The options and their help, each command's description, usage line and examples come from
`BINARY [COMMAND] --help` (argp: the one source of the command line, so the page cannot
drift from the program); the template holds the prose the program does not print
(Prometheus series, exit status, files) and marks where the generated parts go:
@VERSION@, @DATE@, @DESCRIPTION@ (the top-level help) and @COMMANDS@ (one subsection per
command). The date is SOURCE_DATE_EPOCH's, else the last commit's, so rebuilding an
unchanged tree gives the same page.
"""
import datetime
import os
import re
import subprocess
import sys

COMMANDS = ("run", "report", "list")
# argp's own options, the same for every command: listed once, under the top level.
ARGP_OPTIONS = ("--help", "--usage", "--version")
OPTION_RE = re.compile(r"^ {2}(?:(-\S), )?(?: {4})?(--[\w-]+)(?:=(\S+))?\s{2,}(.*)$")


def esc(text):
    """Roff-escape text: backslashes, hyphens (so they stay ASCII), leading dots and quotes."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text)


def helptext(binary, *args):
    env = dict(os.environ, ARGP_HELP_FMT="rmargin=1000")  # one line per option and paragraph
    out = subprocess.run([binary, *args, "--help"], env=env, check=True, capture_output=True,
                         text=True).stdout
    lines = out.splitlines()
    if lines and lines[0].startswith("Usage:"):
        lines = lines[1:]
    return [l for l in lines if not l.startswith("Mandatory or optional arguments")]


def option_item(m):
    short, long, arg, desc = m.groups()
    head = (f"\\fB{esc(short)}\\fR, " if short else "") + f"\\fB{esc(long)}\\fR"
    if arg:
        head += f"=\\fI{esc(arg)}\\fR"
    return [".TP", head, esc(desc)]


def render(lines, skip_argp):
    """Paragraphs, USAGE (a synopsis line), EXAMPLES and COMMANDS (literal blocks), options."""
    out, in_block = [], False

    def close_block():
        nonlocal in_block
        if in_block:
            out.extend([".fi", ".RE"])
            in_block = False

    for line in lines:
        m = OPTION_RE.match(line)
        if m:
            close_block()
            if not (skip_argp and m.group(2) in ARGP_OPTIONS):
                out.extend(option_item(m))
        elif line.endswith(":") and line.isupper():  # EXAMPLES:, COMMANDS:
            close_block()
            out.extend([".PP", f"\\fB{esc(line[:-1].capitalize())}:\\fR", ".RS 4", ".nf"])
            in_block = True
        elif in_block and line.startswith(" "):
            out.append(esc(line.strip()))
        elif not line.strip():
            close_block()
            out.append(".PP")
        elif line.startswith("USAGE: "):
            out.extend([".PP", "\\fBUsage:\\fR", ".br", f"\\fB{esc(line[7:])}\\fR"])
        else:
            out.append(esc(line))
    close_block()
    return "\n".join(collapse_pp(out))


def collapse_pp(lines):
    out = []
    for l in lines:
        if l == ".PP" and (not out or out[-1] == ".PP" or out[-1].startswith(".SS")):
            continue
        out.append(l)
    while out and out[-1] == ".PP":
        out.pop()
    return out


def page_date():
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        r = subprocess.run(["git", "log", "-1", "--format=%ct"], capture_output=True, text=True,
                           cwd=os.path.dirname(os.path.abspath(__file__)))
        epoch = r.stdout.strip() or "0"
    return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%d")


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    binary, template, out = sys.argv[1:]
    version = subprocess.run([binary, "--version"], check=True, capture_output=True,
                             text=True).stdout.split()[-1]
    top = helptext(binary)
    commands = []
    for cmd in COMMANDS:
        commands += [f".SS {cmd}", render(helptext(binary, cmd), skip_argp=True)]
    with open(template) as f:
        page = f.read()
    for key, value in (("@VERSION@", version), ("@DATE@", page_date()),
                       ("@DESCRIPTION@", render(top, skip_argp=False)),
                       ("@COMMANDS@", "\n".join(commands))):
        page = page.replace(key, value)
    with open(out + ".tmp", "w") as f:
        f.write(page)
    os.replace(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
