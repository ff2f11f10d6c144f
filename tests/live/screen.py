#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reads what tmux capture-pane shows of the live view, and what a saved run says.

screen.py widest FILE                  the longest line's width (characters)
screen.py sorted FILE COLUMN           exit 0 if every group's rows are in descending COLUMN order
screen.py column FILE COLUMN           the rows' COLUMN values, one per line ("LABEL VALUE")
screen.py shown FILE                   the interval number the status line says is shown
screen.py exits NDJSON N [VM [TID]]    exits of interval line N (1-based) of a saved run, of
                                       VM (pid) and vCPU thread TID when given
screen.py total NDJSON N               exits of interval lines 1..N
"""
import json
import re
import sys

UNITS = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}


def lines(path):
    return open(path, encoding="utf-8").read().split("\n")


def table(path):
    """(header, rows): rows are (group, label, line) between the header and TOTAL."""
    ls = lines(path)
    head = next(i for i, l in enumerate(ls) if l.startswith(" CLASS "))
    rows, group = [], None
    for l in ls[head + 1:]:
        if l.startswith(" TOTAL "):
            break
        if re.match(r"^ VM \d+ ", l):
            group = l
            continue
        if l.strip():
            rows.append((group, l[1:].split()[0], l))
    return ls[head], rows


def value(header, line, column):
    """The cell under COLUMN: rows are the label then one word per column, as the header."""
    titles = header.split()
    cells = line[1:].split()
    i = titles.index(column)
    return cells[i] if i < len(cells) else ""


def number(cell):
    m = re.match(r"^([0-9.]+)(ns|us|ms|s)?$", cell)
    if not m:
        return -1.0 if cell == "-" else float("nan")
    return float(m.group(1)) * UNITS.get(m.group(2) or "", 1)


def status(path):
    return [l for l in lines(path) if l.strip()][-1]


def main(cmd, *args):
    if cmd == "widest":
        print(max(len(l) for l in lines(args[0])))
    elif cmd == "sorted":
        header, rows = table(args[0])
        groups = {}
        for g, label, l in rows:
            groups.setdefault(g, []).append(number(value(header, l, args[1])))
        ok = rows and all(v == sorted(v, reverse=True) for v in groups.values())
        if not ok:
            print(f"not in descending {args[1]} order: {groups}")
        return 0 if ok else 1
    elif cmd == "column":
        header, rows = table(args[0])
        for g, label, l in rows:
            print(label, value(header, l, args[1]))
    elif cmd == "shown":
        m = re.search(r"#(\d+)", status(args[0]))
        print(m.group(1) if m else 0)
    elif cmd in ("exits", "total"):
        run = [json.loads(l) for l in open(args[0])]
        run = [o for o in run if o["type"] == "interval"]
        n = int(args[1])
        pick = run[n - 1:n] if cmd == "exits" else run[:n]
        vm = int(args[2]) if len(args) > 2 else None
        tid = int(args[3]) if len(args) > 3 else None
        print(sum(x["exits"] for o in pick for v in o["vms"] if vm in (None, v["pid"])
                  for c in v["vcpus"] if tid in (None, c["tid"]) for x in c["classes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
