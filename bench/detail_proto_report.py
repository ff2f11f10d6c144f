#!/usr/bin/env python3
"""Summarizes bench/detail_proto.sh logs: per exit kind, median us per exit of each
configuration, what it adds over `slot` (the per-thread slot every design has), and the
kernel's ns per program run. Usage: bench/detail_proto_report.py LOG..."""
import re
import statistics
import sys


def summarize(path):
    runs, stats, arch = {}, {}, "?"
    for line in open(path, errors="replace"):
        m = re.search(r"PROTO arch=(\S+)", line)
        if m:
            arch = m.group(1)
        m = re.search(r"PROTO cfg=(\S+) loop=(\S+) rep=\d+ exits=(\d+) seconds=([0-9.]+)", line)
        if m:
            runs.setdefault((m.group(2), m.group(1)), []).append(float(m.group(4)) / int(m.group(3)) * 1e6)
        m = re.search(r"PROTOSTATS (\S+) (\S+) detail-proto: prog (\S+) run_cnt=(\d+) run_time_ns=(\d+)", line)
        if m and int(m.group(4)) > 1000:
            stats.setdefault((m.group(2), m.group(1)), []).append(
                (m.group(3), int(m.group(5)) // int(m.group(4))))
    print(f"### {arch} ({path})\n")
    print("| exit kind | configuration | us per exit (median) | spread | added over slot (us) | ns per program run (bpf_stats) |")
    print("|---|---|---|---|---|---|")
    for loop in sorted({l for l, _ in runs}):
        slot = statistics.median(runs.get((loop, "slot"), [0]))
        for cfg in ("base", "slot", "core", "cast", "companion"):
            v = runs.get((loop, cfg))
            if not v:
                continue
            med = statistics.median(v)
            added = "-" if cfg in ("base", "slot") else f"{med - slot:.2f}"
            progs = ", ".join(f"{p} {ns}" for p, ns in stats.get((loop, cfg), []))
            print(f"| {loop} | {cfg} | {med:.2f} | {min(v):.2f}..{max(v):.2f} | {added} | {progs} |")
    print()


for p in sys.argv[1:]:
    summarize(p)
