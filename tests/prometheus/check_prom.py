#!/usr/bin/env python3
"""Check what a real Prometheus scraped from kvmstat-bpf in the emulated host against the
kernel's ground truths of the same run (tests/prometheus/e2e.sh).

Usage: check_prom.py LOG --prometheus URL --time T [--dashboard FILE] [--rules FILE]

LOG is the console log of tests/vmtest/guest.sh with tests/prometheus/hold.sh; every PromQL
query goes through Prometheus's HTTP API, evaluated at time T (after the scrape of the final
counts, the target still up). Checks:
  counts     sum by (vm, vcpu, class) (kvmstat_exits_total) == the VMM's expected count and
             the raw tracefs kvm_exit count of the vCPU's thread, for every (VM, vCPU, class);
             no other series
  VMs        kvmstat_vm_info: one series per VMM with its name and -uuid (also the vm_uuid
             label of its exits); joins on vm give the name
  timing     kvmstat_exit_handling_seconds_count == the thread's kvm_exit -> kvm_entry pairs
             in the trace (exact); every le bucket == the sum of kvmstat-bpf's fine buckets
             below it (its NDJSON total line: exact); histogram_quantile(q) per class in the
             same le bucket as the true q-quantile, which lies in a known fine bucket (exact:
             the stated bound, one bucket, a factor 4); against the raw trace's handling times
             (another probe's clock reads, see BOUND): the share of exits at or below every
             le between the trace's at le / 4 and le * 4, sums within SUM_FACTOR
  format     Prometheus negotiated OpenMetrics (its metadata has the histogram's UNIT)
  drops      no exit lost (stats_full, inflight, threads_full == 0)
  dashboard  every expression of the Grafana dashboard is valid and returns data
  rules      every recording rule returns data; every rule evaluates without error; no alert
             fires (no storm, no drop, the target up)
Prints ok/FAIL/note lines and "N passed, N failed"; exits 1 on any failure.
"""
import argparse
import bisect
import json
import math
import os
import re
import sys
import urllib.parse
import urllib.request
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vmtest"))
import check  # noqa: E402  (tests/vmtest/check.py: the console log and the arch tables)

# The raw trace's handling times come from ftrace's probe, kvmstat-bpf's from its own probe at
# the same tracepoints: each reads the clock at a different moment, and on arm64 interrupts are
# enabled at kvm_exit, so one taken between the two probes moves one clock read by its cost.
# Under TCG that is microseconds per exit (measured: kvmstat-bpf's median HVC64 handling ~7 us
# below the trace's ~23 us), and a quantile in a sparse tail can move by a
# factor 6 when two exits move, and a le in a dense cluster (HVC64 near 16 us) sees 5-26% of
# the exits on its other side depending on the emulator's load. So the trace bounds the
# histogram as distributions, within the stated bound; the exact checks are against the fine
# buckets (whose membership is exact: tests/bpf).
BOUND = 4  # the stated bound: one le bucket
CDF_MIN_PAIRS = 2  # exits that may fall on the other side, for classes with a handful
# Sums follow the few longest exits, which the interrupts between the two probes lengthen the
# most on a loaded emulator (measured x0.78-1.01): a check of the unit (s, not ms or ns) and
# of the class, not of precision.
SUM_FACTOR = 2
QUANTILES = (0.5, 0.9, 0.99)
# Grafana's variables, for evaluating the dashboard's queries: every host and VM, and a rate
# window covering the whole run. Scrapes through the emulator can time out while the VMMs keep
# its CPUs busy, so Prometheus may hold only counts from before and after them: a rate of 0, and
# a NaN mean or p99, is then what the panel truly shows. A query counts when it is valid and
# returns the panel's series; how many hold a number is printed.
RUN_WINDOW = "10m"
GRAFANA_VARS = {"$__rate_interval": RUN_WINDOW, "$__interval": "15s", "$__range": RUN_WINDOW,
                "${instance}": ".*", "$instance": ".*", "${vm_name}": ".*", "$vm_name": ".*",
                "${datasource}": "", "$datasource": ""}


class Prometheus:
    def __init__(self, url, at):
        self.url, self.at = url.rstrip("/"), at

    def get(self, path, **params):
        q = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}{path}?{q}", timeout=10) as r:
            return json.load(r)

    def query(self, expr):
        """(status, [(labels, value)]) of an instant query at the check time."""
        try:
            out = self.get("/api/v1/query", query=expr, time=f"{self.at:.3f}")
        except urllib.error.HTTPError as e:
            body = json.load(e)
            return body.get("error", str(e)), []
        if out.get("status") != "success":
            return out.get("error", "failed"), []
        data = out["data"]
        if data["resultType"] == "scalar":
            return "success", [({}, float(data["result"][1]))]
        return "success", [(r["metric"], float(r["value"][1])) for r in data["result"]]


class Trace:
    """The handling-time lines hold.sh printed: per class every microsecond value's count,
    per (thread, class) the number of timed pairs."""

    def __init__(self, text):
        self.values = defaultdict(list)  # class -> sorted handling times in seconds
        self.timed = defaultdict(lambda: defaultdict(int))  # tid -> class -> pairs
        self.unparsed = None
        counts = defaultdict(lambda: defaultdict(int))
        for line in text.splitlines():
            line = line.rstrip("\r")
            kv = dict(check.KV_RE.findall(line))
            if line.startswith("TRACEH ") and "unparsed" in kv:
                self.unparsed = int(kv["unparsed"])
            elif line.startswith("TRACEH "):
                counts[int(kv["class"], 16)][int(kv["us"])] += int(kv["count"])
            elif line.startswith("TRACET "):
                self.timed[int(kv["pid"])][int(kv["class"], 16)] += int(kv["timed"])
        for cls, by_us in counts.items():
            vals = []
            for us in sorted(by_us):
                vals += [us * 1e-6] * by_us[us]
            self.values[cls] = vals

    def quantile(self, cls, q):
        """The exact q-quantile: the ceil(q n)-th smallest handling time."""
        v = self.values[cls]
        return v[max(0, math.ceil(q * len(v)) - 1)] if v else None



def class_code(arch, name):
    for code, n in arch.names.items():
        if n == name:
            return code
    return None


def label_vcpu(v):
    return str(v.index)


def check_counts(prom, log, arch, ck):
    """Per (VM, vCPU, class): Prometheus == expected (when the guest was told) == tracefs."""
    status, res = prom.query("sum by (vm, vcpu, class) (kvmstat_exits_total)")
    if not ck.check(status == "success" and res, f"PromQL sum by (vm, vcpu, class) "
                    f"(kvmstat_exits_total): {status}, {len(res)} series"):
        return
    got = {(int(m["vm"]), m["vcpu"], m["class"]): v for m, v in res}
    seen = set()
    n = 0
    for v in sorted(log.vcpus.values(), key=lambda v: (v.vm_pid, v.index)):
        trace = log.trace.get(v.key, {})
        who = f"VM {v.name} (pid {v.vm_pid}) vCPU {v.index}"
        for cls in sorted(set(trace) | set(v.expect)):
            name = arch.name(cls)
            key = (v.vm_pid, label_vcpu(v), name)
            seen.add(key)
            p = got.get(key, 0)
            want = v.expect.get(cls)
            n += 1
            what = f"{who} {name}: Prometheus {p:.0f} == tracefs {trace.get(cls, 0)}"
            if want is not None:
                what += f" == expected {want}"
            ck.check(p == trace.get(cls, 0) and (want is None or p == want), what)
    extra = sorted(set(got) - seen)
    ck.check(not extra, f"Prometheus has no series beyond the VMMs' vCPUs and classes "
             f"({n} compared){': extra ' + str(extra) if extra else ''}")
    status, res = prom.query("sum by (vm) (kvmstat_exits_total)")
    per_vm = {int(m["vm"]): v for m, v in res}
    for pid, vm in sorted(log.vms.items()):
        want = sum(sum(log.trace.get(k, {}).values()) for k, c in log.vcpus.items() if c.vm_pid == pid)
        ck.equal(f"VM {vm['name']}: sum by (vm) (kvmstat_exits_total) == its threads' kvm_exit "
                 "events in tracefs", want, per_vm.get(pid))


def check_vm_info(prom, log, ck):
    status, res = prom.query("kvmstat_vm_info")
    info = defaultdict(list)
    for m, v in res:
        # Prometheus drops a label whose value is empty: no UUID reads back as absent.
        info[int(m["vm"])].append((m.get("vm_name"), m.get("vm_uuid", ""), v))
    ck.equal("kvmstat_vm_info: one series per VMM", sorted(log.vms), sorted(info))
    for pid, vm in sorted(log.vms.items()):
        # the VMM's -uuid as QEMU's (tests/vmtest/guest.sh: vmA has one, vmB none), lowercase
        ck.equal(f"kvmstat_vm_info{{vm=\"{pid}\"}}: (vm_name, vm_uuid, value) == the VMM's "
                 "name and -uuid", [(vm["name"], vm.get("uuid", "").lower(), 1.0)], info.get(pid))
    status, res = prom.query("count by (vm, vm_uuid) (kvmstat_exits_total)")
    labels = defaultdict(set)
    for m, v in res:
        labels[int(m["vm"])].add(m.get("vm_uuid", ""))
    ck.equal("kvmstat_exits_total's vm_uuid label per VM == the VMM's -uuid",
             {p: {vm.get("uuid", "").lower()} for p, vm in log.vms.items()}, dict(labels))
    ck.check(any(vm.get("uuid") for vm in log.vms.values()),
             "test data: a VMM carries a -uuid (else the UUID checks compare empty strings)")
    status, res = prom.query("sum by (vm) (kvmstat_exits_total) * on (vm) group_left (vm_name) "
                             "kvmstat_vm_info")
    joined = {int(m["vm"]): m.get("vm_name") for m, v in res}
    ck.equal("exits joined with kvmstat_vm_info on vm: the VMMs' names",
             {p: vm["name"] for p, vm in log.vms.items()}, joined)


def check_build_info(prom, log, arch, ck):
    status, res = prom.query("kvmstat_build_info")
    m = res[0][0] if len(res) == 1 else {}
    kernel = re.search(r"^VMTEST arch=\S+ kernel=(\S+)", log.text, re.M)
    spans = "handling,guest" if "--span both" in log.kvmstat_args else "handling"
    ck.check(len(res) == 1 and m.get("arch") == log.arch and
             m.get("kernel") == (kernel.group(1) if kernel else None) and
             m.get("vcpu_source") == arch.vcpu_source and m.get("version") and
             m.get("spans") == spans and res[0][1] == 1,
             f"kvmstat_build_info: arch, kernel, vCPU source of the emulated host ({m})")


def check_drops(prom, ck):
    status, res = prom.query("kvmstat_drops_total")
    drops = {m["reason"]: v for m, v in res}
    ck.check(drops.get("stats_full") == 0 and drops.get("inflight") == 0 and
             drops.get("threads_full") == 0, f"kvmstat_drops_total: nothing lost ({drops})")


def check_format(prom, ck):
    """Prometheus keeps a family's UNIT only from OpenMetrics: it negotiated and parsed it."""
    out = prom.get("/api/v1/targets/metadata", match_target='{job="kvmstat-bpf"}')
    meta = {m["metric"]: m for m in out.get("data", [])}
    h = meta.get("kvmstat_exit_handling_seconds", {})
    ck.check(h.get("unit") == "seconds" and h.get("type") == "histogram",
             f"Prometheus scraped OpenMetrics (metadata of kvmstat_exit_handling_seconds: {h})")
    c = meta.get("kvmstat_exits", {})
    ck.check(c.get("type") == "counter",
             f"OpenMetrics counter family kvmstat_exits (without _total): {c}")


def check_timed_counts(prom, log, arch, trace, ck):
    status, res = prom.query("sum by (vm, vcpu, class) (kvmstat_exit_handling_seconds_count)")
    got = {(int(m["vm"]), m["vcpu"], m["class"]): v for m, v in res}
    bad, n = [], 0
    for v in log.vcpus.values():  # one wave: a tid is one thread in the trace
        for cls, pairs in trace.timed.get(v.tid, {}).items():
            n += 1
            p = got.get((v.vm_pid, label_vcpu(v), arch.name(cls)), 0)
            if p != pairs:
                bad.append(f"{v.name} vCPU {v.index} {arch.name(cls)}: {p:.0f} != {pairs}")
    ck.check(n > 0 and not bad, f"kvmstat_exit_handling_seconds_count per (VM, vCPU, class) == "
             f"the thread's exit -> entry pairs in tracefs ({n} compared){': ' if bad else ''}"
             f"{'; '.join(bad)}")


def bucket_of(les, x):
    """Index of the le bucket holding x (les sorted, +Inf last): x <= les[i], x > les[i - 1]."""
    return bisect.bisect_left(les, x)


def prom_buckets(prom):
    """class -> {le: count} of the handling histogram, summed over VMs, vCPUs and origins."""
    status, res = prom.query("sum by (class, le) (kvmstat_exit_handling_seconds_bucket)")
    out = defaultdict(dict)
    for m, v in res:
        out[m["class"]][float(m["le"])] = v
    return out


def fine_buckets(ks):
    """class -> sorted [(lo_ns, hi_ns or None, count)]: kvmstat-bpf's in-kernel buckets (its
    NDJSON total line), 4 per power of two; a duration's bucket is exact (tests/bpf)."""
    out = defaultdict(lambda: defaultdict(int))
    for c in ks.total.get("classes", []):
        for b in c.get("handling", {}).get("buckets", []):
            out[c["name"]][(b["lo_ns"], b["hi_ns"])] += b["count"]
    return {name: sorted((lo, hi, n) for (lo, hi), n in d.items()) for name, d in out.items()}


def check_buckets_exact(buckets, fine, ck):
    """Every le = 2^k - 1 ns bucket is the sum of the fine buckets below 2^k ns, through the
    exposition, OpenMetrics, Prometheus's storage and PromQL: nothing interpolated or lost."""
    bad, n = [], 0
    for name, by_le in sorted(buckets.items()):
        f = fine.get(name, [])
        for le, p in sorted(by_le.items()):
            n += 1
            if le == math.inf:
                want = sum(c for _, _, c in f)
            else:
                edge = round(le * 1e9) + 1  # le = 2^k - 1 ns
                want = sum(c for _, hi, c in f if hi is not None and hi <= edge)
            if p != want:
                bad.append(f"{name} le={le:g}: Prometheus {p:.0f}, fine buckets {want}")
    ck.check(n > 0 and not bad and set(buckets) == set(fine),
             f"every kvmstat_exit_handling_seconds_bucket in Prometheus == kvmstat-bpf's fine "
             f"buckets below its le ({n} buckets, {len(buckets)} classes){': ' if bad else ''}"
             f"{'; '.join(bad)}")


def true_bucket(f, les, q):
    """The le bucket holding the true q-quantile of the measured durations: the fine bucket
    where the count reaches ceil(q n) holds it, and lies inside one le bucket."""
    n = sum(c for _, _, c in f)
    rank, cum = max(1, math.ceil(q * n)), 0
    for lo, hi, c in f:
        cum += c
        if cum >= rank:
            return bucket_of(les, lo * 1e-9), lo, hi
    return None, None, None


def check_quantiles(prom, arch, trace, buckets, fine, ck):
    """histogram_quantile(q) lands in the le bucket holding the true q-quantile (the stated
    bound: one bucket, a factor 4), exactly. The raw trace's quantile is printed beside it."""
    for q in QUANTILES:
        status, res = prom.query(f"histogram_quantile({q}, sum by (class, le) "
                                 "(kvmstat_exit_handling_seconds_bucket))")
        for m, r in sorted(res, key=lambda x: x[0]["class"]):
            name, pq = m["class"], f"p{q * 100:g}"
            les = sorted(buckets.get(name, {}))
            b, lo, hi = true_bucket(fine.get(name, []), les, q)
            got = bucket_of(les, r)
            ck.check(b is not None and got == b,
                     f"{name} {pq}: histogram_quantile {r * 1e6:.2f} us in the le bucket of the "
                     f"true {pq} (in [{(lo or 0) / 1e3:g}, {(hi or 0) / 1e3:g}) us)")
            cls = class_code(arch, name)
            t = trace.quantile(cls, q) if cls is not None else None
            print(f"note {name} {pq}: the raw trace's {(t or 0) * 1e6:.0f} us "
                  f"(histogram_quantile x{r / t if t else 0:.2f})")


def check_trace_cdf(buckets, arch, trace, ck):
    """The histogram against the raw trace's handling times, within the stated bound: at every
    le, the share of exits at or below it lies between the trace's shares at le / 4 and
    le * 4 (every exit's two durations within a factor 4, one bucket), give or take
    CDF_MIN_PAIRS exits. The largest difference at le itself is printed: the probes' offset."""
    for name, by_le in sorted(buckets.items()):
        cls = class_code(arch, name)
        vals = trace.values.get(cls, []) if cls is not None else []
        n = by_le.get(math.inf, 0)
        bad, worst, at = [], 0.0, None
        for le, p in sorted(by_le.items()):
            if le == math.inf or not n:
                continue
            share = lambda x: bisect.bisect_right(vals, x + 1e-12) / n
            lo, hi = share(le / BOUND) - CDF_MIN_PAIRS / n, share(le * BOUND) + CDF_MIN_PAIRS / n
            if not lo <= p / n <= hi:
                bad.append(f"le {le * 1e6:g} us: {p / n:.1%} not in [{lo:.1%}, {hi:.1%}]")
            if abs(p / n - share(le)) >= worst:
                worst, at = abs(p / n - share(le)), le
        ck.check(n and n == len(vals) and not bad,
                 f"{name}: histogram within a factor {BOUND} of the raw trace's handling times "
                 f"({len(vals)} pairs){': ' + '; '.join(bad) if bad else ''}")
        print(f"note {name}: shares at or below an le differ from the trace's by at most "
              f"{worst:.1%} (at {(at or 0) * 1e6:g} us)")


def check_sums(prom, arch, trace, ck):
    """Sums of handling times against the raw trace's: seconds, the right classes."""
    status, res = prom.query("sum by (class) (kvmstat_exit_handling_seconds_sum)")
    for m, p in sorted(res, key=lambda r: r[0]["class"]):
        cls = class_code(arch, m["class"])
        want = sum(trace.values.get(cls, []))
        ratio = p / want if want else 0
        ck.check(1 / SUM_FACTOR <= ratio <= SUM_FACTOR,
                 f"{m['class']}: kvmstat_exit_handling_seconds_sum {p:.6f} s vs the raw trace's "
                 f"{want:.6f} s (x{ratio:.3f}, within x{SUM_FACTOR})")


def grafana_expr(expr):
    for k in sorted(GRAFANA_VARS, key=len, reverse=True):
        expr = expr.replace(k, GRAFANA_VARS[k])
    return expr


def numbers(res):
    return sum(not math.isnan(v) for _, v in res)


def expand_records(expr, records):
    """expr with each recorded series written as its rule's expression, windows the run's."""
    for name in sorted(records, key=len, reverse=True):
        expr = re.sub(rf"\b{re.escape(name)}\b", lambda _: f"({records[name]})", expr)
    return re.sub(r"\[1m\]", f"[{RUN_WINDOW}]", expr)


def check_dashboard(prom, path, ck):
    with open(path) as f:
        dash = json.load(f)
    exprs = [(p["title"], t["expr"]) for p in dash["panels"] for t in p.get("targets", [])]
    for title, expr in exprs:
        status, res = prom.query(grafana_expr(expr))
        ck.check(status == "success" and bool(res),
                 f"dashboard '{title}': {status}, {len(res)} series ({numbers(res)} with a number)")
    for var in dash["templating"]["list"]:
        m = re.match(r"label_values\((.*),\s*(\w+)\)$", var.get("definition", ""))
        if not m:
            continue
        status, res = prom.query(grafana_expr(m.group(1)))
        ck.check(status == "success" and any(m.group(2) in lbl for lbl, _ in res),
                 f"dashboard variable {var['name']}: {m.group(1)} has label {m.group(2)}")
    return len(exprs)


def check_rules(prom, path, ck):
    import yaml  # Debian python3-yaml
    with open(path) as f:
        groups = yaml.safe_load(f)["groups"]
    rules = [r for g in groups for r in g["rules"]]
    records = {r["record"]: r["expr"] for r in rules if "record" in r}
    for r in rules:
        if "record" in r:
            # Its expression over the run (Prometheus records it every second, but with the
            # scrapes the emulator let through); that Prometheus evaluates it is checked below.
            status, res = prom.query(expand_records(r["expr"], records))
            ck.check(status == "success" and bool(res),
                     f"recording rule {r['record']}: {status}, {len(res)} series "
                     f"({numbers(res)} with a number)")
        else:
            status, res = prom.query(r["expr"])
            ck.check(status == "success" and not res,
                     f"alert {r['alert']}: expression valid, not firing ({len(res)} series)")
    loaded = prom.get("/api/v1/rules")["data"]["groups"]
    health = {r.get("name"): (r.get("health"), r.get("lastError", ""))
              for g in loaded for r in g["rules"]}
    names = [r.get("record") or r.get("alert") for r in rules]
    bad = {n: health.get(n) for n in names if health.get(n, ("missing",))[0] != "ok"}
    ck.check(not bad, f"Prometheus evaluated all {len(names)} rules without error{': ' if bad else ''}"
             f"{bad if bad else ''}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log")
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--time", type=float, required=True)
    ap.add_argument("--dashboard")
    ap.add_argument("--rules")
    a = ap.parse_args()
    with open(a.log, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    log = check.Log(text)
    arch = check.ARCHES.get(log.arch)
    ck = check.Checker()
    if not ck.check(arch is not None and log.vcpus, f"log of a run with VMMs ({log.arch}, "
                    f"{len(log.vcpus)} vCPUs)"):
        return 1
    trace = Trace(text)
    prom = Prometheus(a.prometheus, a.time)
    status, res = prom.query('up{job="kvmstat-bpf"}')
    ck.check(res and res[0][1] == 1, f"target up at the check time ({res})")
    ck.equal("trace lines hold.sh could not parse", 0, trace.unparsed)
    check_counts(prom, log, arch, ck)
    check_vm_info(prom, log, ck)
    check_build_info(prom, log, arch, ck)
    check_drops(prom, ck)
    check_format(prom, ck)
    check_timed_counts(prom, log, arch, trace, ck)
    ks = check.Kvmstat(log.ndjson or [])
    if ck.check(ks.total is not None, "kvmstat-bpf's NDJSON total line (its fine buckets)"):
        buckets, fine = prom_buckets(prom), fine_buckets(ks)
        check_buckets_exact(buckets, fine, ck)
        check_quantiles(prom, arch, trace, buckets, fine, ck)
        check_trace_cdf(buckets, arch, trace, ck)
    check_sums(prom, arch, trace, ck)
    status, res = prom.query('scrape_duration_seconds{job="kvmstat-bpf"}')
    if res:
        print(f"note Prometheus's last scrape of the emulated host took {res[0][1] * 1e3:.1f} ms")
    if a.dashboard:
        check_dashboard(prom, a.dashboard, ck)
    if a.rules:
        check_rules(prom, a.rules, ck)
    print(f"{ck.passed} passed, {ck.failed} failed")
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())
