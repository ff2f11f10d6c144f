#!/usr/bin/env python3
"""Summarize bench logs: ns per exit per configuration, added cost over the baseline, ratios.

Usage: report.py LOG [LOG...]  (console logs of bench/guest-bench.sh runs, one per arch)
Prints Markdown tables on stdout. Figures are medians over the repetitions; spread is min..max.
"""
import re
import statistics
import sys

LABELS = {
    "base": "nothing attached (baseline)",
    "kvmstat": "kvmstat-bpf as shipped (tp_btf)",
    "kvmstat-proc": "kvmstat-bpf --vcpu-source proc (no kvm_running_vcpu ksym)",
    "kvmstat-direct": "kvmstat-bpf, the old direct-mapped store (lossy on collision)",
    "kvmstat-probe": "kvmstat-bpf, pending exits by open addressing (8 probes)",
    "kvmstat-hash": "kvmstat-bpf, pending exits in a hash keyed by pid_tgid",
    "kvmstat-task": "kvmstat-bpf, pending exits in task storage",
    "kvmstat-sampled": "kvmstat-bpf --time-every 16 (every exit counted)",
    "kvmstat-detail": "kvmstat-bpf --detail (every exit keyed)",
    "kvmstat-slow": "kvmstat-bpf --slow 10ms (checked at every exit, none recorded)",
    "straightforward": "straightforward aggregator (per-CPU pending + per-CPU hash by class)",
    "floor": "empty programs, same attach points (floor)",
    "floor-clock": "floor + one clock read per program (what any exact timing needs)",
    "kvmstat-classic": "kvmstat-bpf --classic (tracepoints)",
    "floor-classic": "empty classic tracepoint programs",
    "ftrace": "ftrace kvm_exit+kvm_entry events",
    "ftrace-hist": "ftrace events + hist trigger",
}


def parse(path):
    head, runs, stats = {}, {}, []
    for line in open(path, errors="replace"):
        line = line.strip()
        m = re.match(r"BENCH arch=(\S+) exits=(\d+) reps=(\d+) kernel=(\S+)", line)
        if m:
            head = {"arch": m[1], "exits": int(m[2]), "reps": int(m[3]), "kernel": m[4]}
        m = re.match(r"BENCH cfg=(\S+) rep=\d+ exits=(\d+) seconds=([0-9.]+)", line)
        if m:
            runs.setdefault(m[1], []).append(float(m[3]) * 1e9 / int(m[2]))
        m = re.match(r"BPFSTATS (\S+) .*prog (\S+) run_cnt=(\d+) run_time_ns=(\d+)", line)
        if m:
            stats.append((m[1], m[2], int(m[3]), int(m[4])))
    if not head or "base" not in runs:
        sys.exit(f"report: {path}: no bench results (did the run fail?)")
    return head, runs, stats


def fmt_us(ns):
    return f"{ns / 1000:.2f}"


def added_ratio(runs, cfg, ref):
    """Median ratio of added costs, and its range over the repetitions (each against its own baseline)."""
    med = (statistics.median(runs[cfg]) - statistics.median(runs["base"])) / \
          (statistics.median(runs[ref]) - statistics.median(runs["base"]))
    per_rep = [(c - b) / (r - b) for c, r, b in zip(runs[cfg], runs[ref], runs["base"]) if r > b]
    return med, min(per_rep, default=med), max(per_rep, default=med)


def targets(runs):
    """Issue 6's targets: added <= 1.5x the floor's added, and <= 1/3 of ftrace events + hist."""
    checks = [("floor", 1.5, "the empty-program floor's added cost"),
              ("ftrace-hist", 1 / 3, "what ftrace events + hist trigger add")]
    out = []
    for cfg in ("kvmstat", "kvmstat-sampled"):
        if cfg not in runs:
            continue
        for ref, bound, what in checks:
            if ref not in runs:
                continue
            med, lo, hi = added_ratio(runs, cfg, ref)
            verdict = "met" if med <= bound else "not met"
            out.append(f"- {LABELS[cfg]}: adds {med:.2f}x {what} (per repetition {lo:.2f}..{hi:.2f}; "
                       f"target <= {bound:.2f}: **{verdict}**)")
    return ["", "Against the targets (median of added costs; per-repetition range):", ""] + out if out else []


def table(head, runs, stats):
    base = statistics.median(runs["base"])
    floor = statistics.median(runs["floor"]) - base if "floor" in runs else None
    out = [f"### {head['arch']} ({head['kernel']}, {head['exits']} exits per run, "
           f"{head['reps']} rotated repetitions)", "",
           "| configuration | us per exit (median) | spread (min..max) | added over baseline (us) "
           "| added / floor's added |", "|---|---|---|---|---|"]
    for cfg in LABELS:
        if cfg not in runs:
            continue
        v = runs[cfg]
        med = statistics.median(v)
        added = med - base
        ratio = f"{added / floor:.2f}" if floor and cfg != "base" else "-"
        out.append(f"| {LABELS[cfg]} | {fmt_us(med)} | {fmt_us(min(v))}..{fmt_us(max(v))} "
                   f"| {fmt_us(added) if cfg != 'base' else '-'} | {ratio} |")
    if "kvmstat" in runs and "floor-clock" in runs:
        k = statistics.median(runs["kvmstat"]) - base
        c = statistics.median(runs["floor-clock"]) - base
        out += ["", f"kvmstat-bpf adds {(k - c) / 1000:.2f} us per exit beyond empty programs that only read "
                f"the clock ({k / c:.2f}x of floor+clock)."]
    out += targets(runs)
    if stats:
        out += ["", "Kernel's own per-program figures (kernel.bpf_stats_enabled=1, separate run):", "",
                "| tool | program | runs | ns per run |", "|---|---|---|---|"]
        for tool, prog, cnt, ns in stats:
            if cnt < 1000:	# once-per-KVM_RUN programs: not per exit
                continue
            out.append(f"| {tool} | {prog} | {cnt} | {ns / cnt:.0f} |")
    return "\n".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: report.py LOG [LOG...]")
    print("\n\n".join(table(*parse(p)) for p in sys.argv[1:]))


if __name__ == "__main__":
    main()
