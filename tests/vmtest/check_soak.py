#!/usr/bin/env python3
"""Check a soak run (tests/vmtest/guest.sh SCENARIO=soak, tests/vmtest/e2e.sh --scenario soak).

Usage: check_soak.py LOG OUT

LOG is the console log, OUT what guest.sh wrote to the virtio port (vmtest.sh --out): the waves'
VMM lines, tracefs counts and hist, kvmstat-bpf's NDJSON, the last Prometheus file and the
"SOAK sample" lines. Waves of VMMs ran one after another for SOAK_SECONDS while one
kvmstat-bpf (`-i 1 --prom-file`, --max-keys and --keep-ended well below the run's keys) ran
throughout. Checks:
  counts    per (wave, thread, class): expected == tracefs == hist == KVM stats == the sum of
            kvmstat-bpf's interval lines (check.py's per-thread checks; the total line folds
            the keys of older ended threads into VM 0 "(ended)", --keep-ended); per class:
            the total line == the sum of every wave's tracefs == the sum of the interval lines;
            the keys the total keeps one by one == their interval sums
  identity  every VM of every interval line is a VMM of the run with its name, each vCPU
            thread one of that VMM's with KVM's vCPU id and the VM's name
  setup     waves reuse the tids of sWa and sWb, which collide modulo 16384 and run at once;
            every VMM pid is new
  drops     every reason 0, except unpaired == one first entry per vCPU thread; interval
            drops sum to the total's
  prom      the last Prometheus file's kvmstat_exits_total per (vm, vcpu, class, origin) ==
            the NDJSON total line for the keys it keeps one by one; the series of threads
            folded since the exposition was remade (at most --keep-ended) and VM 0's == the
            total's VM 0 per (class, origin); kvmstat_drops_total == the total's drops
  resources kvmstat-bpf's heap in use after each interval (-v) and its VmRSS, fds and BPF
            maps (fdinfo memlock) sampled after every wave: after the warm-up (the first half
            of the run) the heap grows by at most HEAP_SLACK, RSS by at most
            RSS_SLACK_KB (the rules: their comment), fds at the end as after warm-up, the maps
            and their memory the same in every sample
Per-thread checks are summed up in one ok line per kind (FAIL lines one by one), so the
suite's count does not grow with the run's length. Exits 1 on any failure.
"""
import contextlib
import io
import re
import sys
from collections import defaultdict

import check

# Resources after warm-up: the first half of the run (WARMUP_SHARE). By then the kept keys of
# ended threads reached --keep-ended (the oldest fold from then on), the stats slots cycle
# through --max-keys, the Prometheus state was remade many times, and the buffers that keep
# their largest size (an interval's line, snapshots, the names table) rarely find a larger
# one: in a 10-minute run the heap's low point rose 31 KiB from 60 s to 300 s and 15 KiB
# from 300 s to 600 s, slowing down as a high-water mark does; a leak grows as fast in the
# second half as in the first.
# The heap in use (kvmstat-bpf -v, malloc's count after each interval) goes up and down by
# ~200-400 KiB with each wave: the Prometheus state between remakes (series of up to 64 more
# keys), the names cache between sweeps, the snapshots and views of the keys that changed in
# an interval. So the lowest value over HEAP_WINDOW intervals (several waves) right after
# warm-up and over the last HEAP_WINDOW are compared: HEAP_SLACK is the most the low point
# may rise. Measured: clean runs +13 KiB (3 minutes) and +14 KiB (10 minutes); the names cache
# without its sweep ~0.7 KiB/s; a planted leak of 1 KiB per interval +75 KiB in 3 minutes. There,
# ~60 intervals, ~55 VMMs and ~145 vCPU threads lie between the two windows: a leak of 1 KiB
# per interval, per VMM or per thread raises the low point by 55-145 KiB and fails.
# RSS cannot show that: libbpf frees ~14 MiB after loading, which the heap keeps
# (output_reuse_heap) and later allocations reuse, so RSS is flat until a leak has used it
# up (hours). RSS_SLACK_KB still bounds it (a page of the stack or the arrays' pages).
# FD_SLACK: kvmstat-bpf reads /proc between samples (names of new threads), so a sample may
# catch one such file open; the last sample (VMMs done) has none.
WARMUP_SHARE = 0.5
HEAP_SLACK = 32 * 1024
HEAP_WINDOW = 30
RSS_SLACK_KB = 64
FD_SLACK = 2
HEAP_RE = re.compile(r"kvmstat-bpf: heap (\d+) B in use, (\d+) B free")
SAMPLE_RE = re.compile(r"^SOAK sample (.*)$", re.M)
SOAK_RE = re.compile(r"^GUEST soak waves=(\d+) vmms=(\d+) seconds=(\d+)(?: soak_seconds=(\d+))?", re.M)
PROM_RE = re.compile(r"^(\w+)\{(.*)\} (\S+)$")
LABEL_RE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
SOAK_TIDS = {"a": [6000, 6001], "b": [6000 + check.INFLIGHT_SLOTS, 6001 + check.INFLIGHT_SLOTS]}


class Quiet(check.Checker):
    """Counts passes without a line; prints failures."""

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}")
        return cond


def grouped(ck, what, fn):
    """fn(quiet checker): one ok line for all its checks if none failed."""
    q = Quiet()
    fn(q)
    if q.failed:
        ck.failed += q.failed
    else:
        ck.check(q.passed > 0, f"{what} ({q.passed} checks)")


def section(text, name):
    m = re.search(rf"^=== {name} BEGIN ===\n(.*?)^=== {name} END ===", text, re.M | re.S)
    return m.group(1).splitlines() if m else None


def role(name):
    """sWa, sWb, sWc -> a, b, c."""
    return name[-1]


def check_setup(log, soak, ks, ck):
    waves, vmms, seconds, _ = soak
    print(f"note soak: {waves} waves, {vmms} VMMs, {len(log.vcpus)} vCPU threads in {seconds} s")
    ck.check(waves >= 3, f"soak: {waves} waves (at least 3)")
    ck.equal("soak: VMMs that ended (GUEST vmm lines) == VMMs started", vmms, len(log.vmm_rcs))
    ck.equal("soak: VMMs that printed their start and end", vmms,
             sum(1 for vm in log.vms.values() if "vcpus" in vm and "seconds" in vm))
    starts = re.findall(r"^VMM vm_pid=(\d+) name=\S+ start", log.text, re.M)
    ck.equal("soak: every VMM got a pid of its own", len(starts), len(set(starts)))

    def per_vmm(q):
        for name, rc in sorted(log.vmm_rcs.items()):
            q.equal(f"VMM {name} exit code", 0, rc)
        for pid, vm in sorted(log.vms.items()):
            mine = sorted(v.tid for v in log.vcpus.values() if v.vm_pid == pid)
            q.equal(f"VM {vm['name']} (pid {pid}): vCPUs with expected counts", int(vm.get("vcpus", -1)),
                    len(mine))
            want = SOAK_TIDS.get(role(vm["name"]))
            if want:
                q.equal(f"VM {vm['name']}: tids (reused every wave)", want, mine)
        for w in range(1, waves + 1):
            vectors = [tuple(sorted(v.expect.items())) for v in log.vcpus.values() if v.wave == w]
            q.check(len(set(vectors)) == len(vectors),
                    f"wave {w}: its (VM, vCPU) pairs have different expected counts")
    grouped(ck, f"soak: {vmms} VMMs ended with 0, sWa/sWb on tids {SOAK_TIDS['a']}/{SOAK_TIDS['b']} "
            "(equal modulo 16384) every wave, test data differ per (VM, vCPU) in a wave", per_vmm)
    grouped(ck, "soak: in every wave the VMMs ran at once (an interval line with all of them)",
            lambda q: check.check_concurrent(log, ks, q))


def check_threads(log, arch, hist, ks, ck):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # a note per thread where a wfi did not trap: summed
        grouped(ck, f"soak: per (wave, thread, class) of {len(log.vcpus)} vCPU threads: expected "
                "== tracefs == hist == KVM stats == kvmstat-bpf's interval lines",
                lambda q: [check.check_vcpu(log, arch, log.vcpus[k], hist, ks, q)
                           for k in sorted(log.vcpus)])
    lines = out.getvalue().splitlines()
    wfi = [line for line in lines if "wfi that did not trap" in line]
    for line in lines:
        if line not in wfi:
            print(line)
    if wfi:
        print(f"note {len(wfi)} of {len(log.vcpus)} threads had a wfi that did not trap, topped up "
              "by the VMM (QEMU TCG, tests/vmm/vmm-arm64.c)")

    def timed(q):
        # every exit of an ended thread is timed (exit -> next entry) except its last one
        untimed = defaultdict(int)
        for o in ks.intervals:
            for pid, tid, c in check.class_objects(o):
                untimed[(pid, tid)] += c["exits"] - c.get("handling", {}).get("count", 0)
        for v in log.vcpus.values():
            q.equal(f"tid {v.tid} (VM {v.name}): exits - timed handling intervals", 1,
                    untimed.get(v.thread))
    grouped(ck, "soak: per thread, exits - timed handling spans == 1 (the last exit)", timed)


def check_identity(log, ks, ck):
    def ids(q):
        for o in ks.intervals:
            for vm in o.get("vms", []):
                pid = vm.get("pid")
                mine = {v.tid: v for v in log.vcpus.values() if v.vm_pid == pid}
                name = log.vms.get(pid, {}).get("name")
                q.check(pid in log.vms, f"interval VM pid {pid} is a VMM of the run")
                q.equal(f"VM {pid} name", name, vm.get("name"))
                q.equal(f"VM {pid} vm_uuid", None, vm.get("vm_uuid"))
                for j in vm.get("vcpus", []):
                    v = mine.get(j.get("tid"))
                    if not q.check(v is not None, f"VM {name} tid {j.get('tid')} is one of its threads"):
                        continue
                    q.equal(f"VM {name} tid {v.tid}: vcpu", v.index, j.get("vcpu"))
                    q.equal(f"VM {name} tid {v.tid}: thread name", name, j.get("thread"))
    grouped(ck, f"soak: in all {len(ks.intervals)} interval lines every VM is a VMM with its name, "
            "every vCPU one of its threads with its KVM vCPU id and name", ids)


def per_class(pairs):
    out = defaultdict(int)
    for cls, n in pairs:
        out[cls] += n
    return dict(out)


def check_totals(log, ks, ck):
    total = ks.total
    ck.equal("kvmstat-bpf NDJSON: number of total lines", 1, ks.nr_totals)
    if not total:
        return
    ck.equal("kvmstat-bpf arch", log.arch, total.get("arch"))
    drops = total.get("drops", {})
    print(f"note kvmstat-bpf drops: {drops}")
    for reason, n in sorted(drops.items()):
        want = len(log.vcpus) if reason == "unpaired" else 0  # one first entry per thread
        ck.equal(f"kvmstat-bpf drops.{reason}{' (first entry of each thread)' if want else ''}", want, n)
    for reason in ("stats_full", "inflight", "threads_full"):
        ck.check(reason in drops, f"kvmstat-bpf reports drops.{reason}")
    summed = defaultdict(int)
    for o in ks.intervals:
        for reason, n in o.get("drops", {}).items():
            summed[reason] += n
    ck.equal("kvmstat-bpf: interval drops sum to the total's", drops, dict(summed))
    trace = per_class((c, n) for counts in log.trace.values() for c, n in counts.items())
    mine = check.exits_by_class(total.get("classes", []))
    intervals = per_class((int(c["class"], 16), c["exits"]) for o in ks.intervals
                          for _, _, c in check.class_objects(o))
    print(f"note soak: {sum(trace.values())} exits in tracefs over all waves, kvmstat-bpf total "
          f"{total.get('exits')}")
    ck.equal("kvmstat-bpf total per class == tracefs over all waves", trace, mine)
    ck.equal("kvmstat-bpf total per class == sum of its interval lines", intervals, mine)
    # the keys (thread, class, origin) kept one by one: a thread's may be partly folded
    kept = defaultdict(int)
    for pid, tid, c in check.class_objects(total):
        if pid != 0:
            kept[(pid, tid, int(c["class"], 16))] += c["exits"]
    ck.equal(f"kvmstat-bpf total: the {len(kept)} (thread, class) kept one by one == their "
             "interval sums", {k: ks.count[k[:2]].get(k[2], 0) for k in kept}, dict(kept))
    vm0 = [vm for vm in total.get("vms", []) if vm.get("pid") == 0]
    ck.check(len(vm0) == 1 and vm0[0].get("name") == "(ended)",
             f"kvmstat-bpf total: older ended threads folded into VM 0 '(ended)' (--keep-ended: "
             f"{len({k[:2] for k in kept})} threads' keys kept one by one)")
    check.check_kvmstat_levels(total, ck)


def vcpu_label(vcpu):
    return str(vcpu["vcpu"]) if vcpu.get("vcpu") is not None else f"tid:{vcpu.get('tid')}"


def check_prom(text, log, ks, ck):
    lines = section(text, "PROM")
    if not ck.check(lines is not None and ks.total is not None, "soak: the last Prometheus file"):
        return
    exits, drops = defaultdict(int), {}
    for line in lines:
        m = PROM_RE.match(line)
        if not m:
            continue
        labels = dict(LABEL_RE.findall(m.group(2)))
        if m.group(1) == "kvmstat_exits_total":
            exits[(labels["vm"], labels["vcpu"], labels["class"], labels["origin"])] += int(m.group(3))
        elif m.group(1) == "kvmstat_drops_total":
            drops[labels["reason"]] = int(m.group(3))
    want = defaultdict(int)
    for vm in ks.total.get("vms", []):
        for vcpu in vm.get("vcpus", []):
            for c in vcpu.get("classes", []):
                want[(str(vm.get("pid")), vcpu_label(vcpu), c.get("name"), c.get("origin"))] += c["exits"]
    # The exposition is remade from the folded counts once --keep-ended keys folded since it
    # was last made (user/cli/output.c): until then the threads folded since keep their series,
    # whose counts the total line has in VM 0.
    kept = {k: n for k, n in want.items() if k[0] != "0"}
    ck.equal(f"Prometheus file: kvmstat_exits_total == the NDJSON total for its {len(kept)} series "
             "of VMs kept one by one", kept, {k: exits.get(k) for k in kept})
    extra = {k: n for k, n in exits.items() if k not in want}
    keep_ended = int(re.search(r"--keep-ended (\d+)", log.kvmstat_args).group(1))
    ck.check(len(extra) <= keep_ended and all(k[0] != "0" for k in extra),
             f"Prometheus file: {len(extra)} series of threads the total folded since the "
             f"exposition was last remade, at most --keep-ended {keep_ended}")
    vm0 = defaultdict(int)
    for k, n in list(extra.items()) + [(k, n) for k, n in exits.items() if k[0] == "0"]:
        vm0[(k[2], k[3])] += n
    ck.equal("Prometheus file: VM 0 and those series per (class, origin) == the total's VM 0 "
             "'(ended)'", {(k[2], k[3]): n for k, n in want.items() if k[0] == "0"}, dict(vm0))
    per_class = defaultdict(int)
    for k, n in exits.items():
        per_class[(k[2], k[3])] += n
    print(f"note soak: Prometheus file {len(exits)} exit series ({len(extra)} of threads folded "
          f"since it was remade), NDJSON total {len(want)}; {sum(per_class.values())} exits")
    ck.equal("Prometheus file: kvmstat_drops_total == NDJSON total drops", ks.total.get("drops"), drops)


def parse_samples(text):
    out = []
    for m in SAMPLE_RE.finditer(text):
        kv = dict(check.KV_RE.findall(m.group(1)))
        out.append({k: float(v) for k, v in kv.items()})
    return out


def warmup_s(soak_seconds):
    return soak_seconds * WARMUP_SHARE


def check_heap(text, soak_seconds, ck):
    """-v's heap in use after each interval (1 s): its low point no higher at the end than
    after warm-up. The Prometheus state is a sawtooth (remade every --keep-ended folded
    keys, a few waves), so the lowest value of a window of intervals, not one interval, is
    compared: the first HEAP_WINDOW after warm-up against the last HEAP_WINDOW."""
    heap = [int(a) for a, _ in HEAP_RE.findall(text)]
    warmup = int(warmup_s(soak_seconds))
    window = min(HEAP_WINDOW, (len(heap) - warmup) // 3)  # shorter in a short local run
    if not ck.check(window >= 5, f"soak: kvmstat-bpf -v heap lines ({len(heap)}) for the "
                    f"{warmup} s warm-up and two windows"):
        return
    warm, end = heap[warmup:warmup + window], heap[-window:]
    print(f"note soak figures: heap in use (malloc) first interval {heap[0] / 1024:.0f} KiB; "
          f"intervals {warmup + 1}-{warmup + window}: {min(warm) / 1024:.0f}-"
          f"{max(warm) / 1024:.0f} KiB; last {window} (to {len(heap)}): {min(end) / 1024:.0f}-"
          f"{max(end) / 1024:.0f} KiB; max after warm-up {max(heap[warmup:]) / 1024:.0f} KiB")
    ck.check(min(end) - min(warm) <= HEAP_SLACK,
             f"soak: heap in use, lowest of the last {window} intervals {min(end) / 1024:.0f} KiB "
             f"<= lowest of the {window} after warm-up {min(warm) / 1024:.0f} KiB + "
             f"{HEAP_SLACK // 1024} KiB")


def check_resources(samples, soak_seconds, ck):
    if not ck.check(len(samples) >= 3, f"soak: {len(samples)} samples of kvmstat-bpf's resources"):
        return
    t0 = samples[0]["t"]
    warmup = warmup_s(soak_seconds)
    post = [s for s in samples if s["t"] - t0 >= warmup]
    if not ck.check(len(post) >= 2, f"soak: {len(post)} samples after the {warmup:.0f} s warm-up"):
        return
    first, warm, end = samples[0], post[0], samples[-1]
    top = max(post, key=lambda s: s["rss_kb"])
    print(f"note soak figures: RSS start {first['rss_kb']:.0f} KiB, after warm-up "
          f"({warm['t'] - t0:.0f} s) {warm['rss_kb']:.0f} KiB, end ({end['t'] - t0:.0f} s) "
          f"{end['rss_kb']:.0f} KiB, max after warm-up {top['rss_kb']:.0f} KiB; RssAnon "
          f"{first['anon_kb']:.0f} / {warm['anon_kb']:.0f} / {end['anon_kb']:.0f} KiB; fds "
          f"{first['fds']:.0f} / {warm['fds']:.0f} / {end['fds']:.0f} (max "
          f"{max(s['fds'] for s in samples):.0f}); BPF maps {end['maps']:.0f}, "
          f"{end['map_bytes'] / 1024:.0f} KiB (fdinfo memlock); {len(samples)} samples")
    ck.check(top["rss_kb"] - warm["rss_kb"] <= RSS_SLACK_KB,
             f"soak: RSS after warm-up grows by at most {RSS_SLACK_KB} KiB: {warm['rss_kb']:.0f} KiB "
             f"at {warm['t'] - t0:.0f} s, max {top['rss_kb']:.0f} KiB at {top['t'] - t0:.0f} s, end "
             f"{end['rss_kb']:.0f} KiB")
    fd_top = max(post, key=lambda s: s["fds"])
    ck.check(fd_top["fds"] <= warm["fds"] + FD_SLACK and end["fds"] == warm["fds"],
             f"soak: open fds at the end == after warm-up ({end['fds']:.0f} == {warm['fds']:.0f}), "
             f"never more than {FD_SLACK} above (max {fd_top['fds']:.0f} at {fd_top['t'] - t0:.0f} s)")
    for what in ("maps", "map_bytes"):
        values = sorted({s[what] for s in samples})
        ck.check(len(values) == 1, f"soak: BPF {what} the same in every sample ({values[:5]})")


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    text = ""
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            text += f.read().decode("utf-8", "replace") + "\n"
    log = check.Log(text)
    ck = check.Checker()
    check.check_run(log, ck)
    arch = check.ARCHES.get(log.arch)
    m = SOAK_RE.search(text)
    if arch is None or not ck.check(log.scenario == "soak" and m is not None,
                                    f"a soak run (scenario {log.scenario}, 'GUEST soak' line)") \
            or not ck.check(log.ndjson is not None, "kvmstat-bpf's NDJSON"):
        print(f"{ck.passed} passed, {ck.failed} failed")
        return 1
    soak = tuple(int(x or m.group(3)) for x in m.groups())
    if arch.mode_check:
        arch.mode_check(log.text, ck)
    hist = log.hist(arch)
    ks = check.Kvmstat(log.ndjson)
    # Per thread the interval lines: the total line keeps only the last --keep-ended keys.
    ks.count_total, ks.count = ks.count, ks.interval_sums()
    check_setup(log, soak, ks, ck)
    check_threads(log, arch, hist, ks, ck)
    check_identity(log, ks, ck)
    check_totals(log, ks, ck)
    check_prom(text, log, ks, ck)
    check_resources(parse_samples(text), soak[3], ck)
    check_heap(text, soak[3], ck)
    print(f"{ck.passed} passed, {ck.failed} failed")
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())
