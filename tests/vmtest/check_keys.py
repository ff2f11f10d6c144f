"""The detail scenario's checks (tests/vmtest/guest.sh SCENARIO=detail), called by check.py.

Second-level keys, per vCPU thread and (class, key), side by side:
  expected  what the VMM's guest did ("VMM ... expect_key class=.. key=.. count=..")
  tracefs   the classes' own events (kvm_hvc_arm64, kvm_handle_sys_reg, kvm_guest_fault,
            kvm_wfx_arm64; kvm_pio, kvm_msr, kvm_cpuid, kvm_page_fault; RISC-V kvm_exit's stval
            and htval), decoded here by the kernel's field layouts: "TRACEKEY" lines. RISC-V
            SBI calls have no event with a7/a6: the VMM's count is their only other truth.
  kvmstat   the per-vCPU "keys" of the first kvmstat-bpf's total line (--detail --slow 1ms)
Every class the VMM gives keys for must match key for key, with no "other" or "unknown".

The second kvmstat-bpf (--detail-max 2 --slow 1ns --slow-rate 20 --slow-burst 5):
  bound       per class at most 2 named keys, each with the first one's exact count; "other"
              holds the rest of the class's exits
  rate limit  records + suppressed + lost == every exit -> entry pair of the trace (all are
              >= 1 ns); records <= CPUs x (burst + rate x seconds); some suppressed

The slow-exit recorder (first kvmstat-bpf, 1 ms) against the trace's exit -> entry pairs per
thread (mono clock, the one bpf_ktime_get_ns reads). A tracepoint calls its probes in the order
they were added; guest.sh adds the trace's kvm_exit probe after kvmstat-bpf's and its kvm_entry
probe before, so each exit's trace exit -> entry lies within kvmstat-bpf's. Hence, exactly:
every trace pair of 1 ms or more has its record; each record's window contains its exit's trace
pair, with the same class and guest PC. A record of an exit the trace timed below 1 ms is the
margin: the emulator (QEMU TCG on a loaded machine) can stall a vCPU for milliseconds between
two probes, which only lengthens kvmstat-bpf's window; they are counted and bounded (half
of the records, or 10). The waiting instruction's records carry the VMM's address of it
("VMM ... pc wfi=0x..").
"""
import json
import re
from collections import defaultdict

KV_RE = re.compile(r"(\w+)=(\S+)")
VMM_KEY_RE = re.compile(r"^VMM vm_pid=\d+ name=\S+ vcpu=\d+ tid=(\d+) (expect_key|pc) (.*)$")
SLOW_NS = 1000000
WRITE = 1 << 63


def num(v):
    """A `fields` value: "0x1f" (numbers), "(0)" (bool)."""
    return int(v.strip("()"), 0)


def arm64(ec):
    return (2 << 32) | ec


def svm(code):
    return (2 << 32) | code


def arm64_key(event, f):
    """(class, key) of a companion event, as bpf/kvmstat.h encodes it."""
    if event == "kvm_hvc_arm64":
        return arm64(0x16), num(f["r0"]) & 0xffffffff
    if event == "kvm_handle_sys_reg":
        return arm64(0x18), num(f["hsr"]) & (0x3ffc1e | 1)  # Op0..CRm, Rt out; bit 0 read
    if event == "kvm_wfx_arm64":
        return arm64(0x01), num(f["is_wfe"])
    if event == "kvm_guest_fault":
        hsr, addr = num(f["hsr"]), num(f["ipa"]) | (num(f["hxfar"]) & 0xfff)
        ec = hsr >> 26
        if ec == 0x24:  # DABT_LOW: ISS WnR (bit 6) is a write
            return arm64(ec), addr | (WRITE if hsr & (1 << 6) else 0)
        return arm64(ec), addr
    return None


def riscv_key(event, f):
    scause, stval, htval = num(f["scause"]), num(f["stval"]), num(f["htval"])
    if scause == 22:  # virtual instruction: rd and rs1 out, rs1 != 0 marked in rd's place
        return scause, (stval & 0xfff0707f) | (0x80 if (stval >> 15) & 0x1f else 0)
    if scause in (20, 21, 23):  # guest page faults: the GPA
        return scause, htval << 2 | (stval & 3)
    return None


def x86_key(event, f):
    """SVM (the emulated x86 host runs kvm_amd)."""
    if event == "kvm_pio":
        return svm(0x7b), num(f["port"]) | (0 if num(f["rw"]) else 1 << 16)  # rw 0: in (read)
    if event == "kvm_msr":
        return svm(0x7c), num(f["ecx"]) | (1 << 32 if num(f["write"]) else 0)
    if event == "kvm_cpuid":
        return svm(0x72), num(f["function"])
    if event == "kvm_page_fault":
        return svm(0x400), num(f["fault_address"]) | (WRITE if num(f["error_code"]) & 2 else 0)
    if event == "kvm_hypercall":
        return svm(0x81), num(f["nr"])
    return None


DECODE = {"arm64": arm64_key, "riscv": riscv_key, "x86": x86_key}
# The waiting instruction's (class, key; None: any): its slow exits carry the VMM's pc wfi.
# arm64 WFx WFI; RISC-V virtual instruction wfi (other CSR traps share the class); x86 HLT.
WAIT = {"arm64": (arm64(0x01), 0), "riscv": (22, 0x10500073), "x86": (svm(0x78), None)}


def trace_class(arch, f):
    if arch == "arm64":
        return (num(f["ret"]) & 0xff) << 32 | (num(f["esr_ec"]) if num(f["ret"]) & 0xff == 2 else 0)
    if arch == "riscv":
        return num(f["scause"])
    return num(f["isa"]) << 32 | num(f["exit_reason"])


PC_FIELD = {"arm64": "vcpu_pc", "riscv": "sepc", "x86": "guest_rip"}


class KeyLog:
    def __init__(self, text, arch):
        self.arch = arch
        self.expect = defaultdict(lambda: defaultdict(int))  # tid -> (class, key) -> count
        self.wfi_pc = {}  # tid -> guest PC of the waiting instruction
        self.trace = defaultdict(lambda: defaultdict(int))  # tid -> (class, key) -> count
        self.undecoded = 0
        self.pairs_list = []  # (tid, exit us, duration us, class, pc): every exit -> entry
        self.pairs = {}  # tid -> exit -> entry pairs
        self.ndjson2 = None
        section = None
        for line in text.splitlines():
            line = line.rstrip("\r")
            if line == "=== KVMSTAT2 NDJSON BEGIN ===":
                section, self.ndjson2 = "k2", []
            elif line == "=== KVMSTAT2 NDJSON END ===":
                section = None
            elif section:
                if line.strip():
                    self.ndjson2.append(json.loads(line))
            else:
                self._line(line)

    def _line(self, line):
        m = VMM_KEY_RE.match(line)
        if m:
            tid, kind, kv = int(m.group(1)), m.group(2), dict(KV_RE.findall(m.group(3).split("#")[0]))
            if kind == "expect_key":
                self.expect[tid][(num(kv["class"]), num(kv["key"]))] += int(kv["count"])
            elif "wfi" in kv:
                self.wfi_pc[tid] = num(kv["wfi"])
            return
        if line.startswith("TRACEKEY "):
            kv = dict(KV_RE.findall(line))
            ck = DECODE[self.arch](kv["event"], kv)
            if ck is None:
                self.undecoded += 0 if self.arch == "riscv" else int(kv["count"])
            else:
                self.trace[int(kv["pid"])][ck] += int(kv["count"])
        elif line.startswith("TRACEPAIR "):
            kv = dict(KV_RE.findall(line))
            self.pairs_list.append((int(kv["pid"]), int(kv["ts_us"]), int(kv["dur_us"]),
                                    trace_class(self.arch, kv), num(kv[PC_FIELD[self.arch]])))
        elif line.startswith("TRACE ") and "pairs=" in line:
            kv = dict(KV_RE.findall(line))
            self.pairs[int(kv["pid"])] = int(kv["pairs"])


def key_counts(total):
    """tid -> (class, kind, key) -> exits of a total line's per-vCPU keys."""
    out = defaultdict(lambda: defaultdict(int))
    for vm in total.get("vms", []):
        for v in vm.get("vcpus", []):
            for c in v.get("classes", []):
                for k in c.get("keys", []):
                    out[v["tid"]][(int(c["class"], 16), k["kind"], int(k["key"], 16))] += k["exits"]
    return out


def fmt_key(ck):
    return f"class 0x{ck[0]:x} key 0x{ck[1]:x}"


def same_keys(ck, what, want, got):
    """(class, key) -> count maps equal; on a failure the keys that differ."""
    ck.check(want == got, f"{what} ({len(want)} keys of {len({c for c, _ in want})} classes, "
                          f"{sum(want.values())} exits)")
    for key in sorted(set(want) | set(got)):
        if want.get(key) != got.get(key):
            print(f"     {fmt_key(key)}: want {want.get(key, 0)}, got {got.get(key, 0)}")


def check_keys(kl, ks, ck):
    """Per thread and (class, key): VMM == trace (where the kernel traces it) == kvmstat-bpf."""
    got = key_counts(ks.total)
    ck.check(kl.expect, "detail: the VMM printed expect_key lines")
    ck.equal("detail: trace events of key classes the decoder did not know", 0, kl.undecoded)
    for tid in sorted(kl.expect):
        want = kl.expect[tid]
        classes = {c for c, _ in want}
        mine = {(c, k): n for (c, kind, k), n in got[tid].items() if c in classes and kind == "key"}
        odd = {(c, kind): n for (c, kind, k), n in got[tid].items() if c in classes and kind != "key"}
        same_keys(ck, f"detail: tid {tid}: kvmstat-bpf's keys == the VMM's", dict(want), mine)
        ck.equal(f"detail: tid {tid}: no other or unknown in the VMM's classes", {}, odd)
        traced = {c for c, _ in kl.trace[tid]}
        tw = {key: n for key, n in want.items() if key[0] in traced}
        ck.check(tw or kl.arch != "arm64", f"detail: tid {tid}: classes with trace events")
        same_keys(ck, f"detail: tid {tid}: the trace events' keys == the VMM's", tw,
                  {key: n for key, n in kl.trace[tid].items() if key[0] in classes})


def slow_records(objs):
    return [o for o in objs if o.get("type") == "slow_exit"]


def match_records(kl, recs):
    """Each record's exit in the trace: guest.sh added the trace's kvm_exit probe after
    kvmstat-bpf's and its kvm_entry probe before, so an exit's trace exit -> entry lies within
    kvmstat-bpf's: the record's exit is the thread's first trace exit at or after the record's
    time. (record, pair), pair None when there is none."""
    pairs = defaultdict(list)
    for p in kl.pairs_list:
        pairs[p[0]].append(p)
    for v in pairs.values():
        v.sort(key=lambda p: p[1])
    out = []
    for r in recs:
        ts = r["mono_ns"] // 1000  # trace times are whole microseconds
        after = [p for p in pairs[r["tid"]] if p[1] >= ts]
        out.append((r, after[0] if after else None))
    return out


def check_slow(kl, ks, ck):
    """The 1 ms records against the trace's exit -> entry pairs (see the module's doc)."""
    recs = slow_records(ks.objs)
    total = ks.total
    ck.equal("slow: records == the total line's count", total.get("slow", {}).get("records"), len(recs))
    ck.equal("slow: none suppressed or lost (rate limit not reached)", (0, 0),
             (total["slow"]["suppressed"], total["slow"]["lost"]))
    tids = set(kl.expect)
    recs = [r for r in recs if r["tid"] in tids]
    matched = match_records(kl, recs)
    bad, outside, recorded, stretched = [], [], set(), []
    for r, p in matched:
        if p is None:
            outside.append((r["tid"], r["mono_ns"], "no trace exit after it"))
            continue
        recorded.add((p[0], p[1]))
        end_us = (r["mono_ns"] + r["handling_ns"]) / 1000
        if p[1] + p[2] > end_us + 1:  # the trace's entry must not be after kvmstat-bpf's
            outside.append((r["tid"], r["mono_ns"], r["handling_ns"], p[1], p[2]))
        if int(r["class"], 16) != p[3] or int(r["pc"], 16) != p[4]:
            bad.append((r["tid"], r["class"], r["pc"], hex(p[3]), hex(p[4])))
        if p[2] * 1000 < SLOW_NS:
            stretched.append(r["handling_ns"] / 1000 - p[2])
    ck.equal("slow: each record's exit -> entry contains its exit's in the trace", [], outside[:5])
    ck.equal("slow: each record's class and guest PC are its exit's in the trace", [], bad[:5])
    missing = [(p[0], p[1], p[2]) for p in kl.pairs_list
               if p[0] in tids and p[2] * 1000 >= SLOW_NS and (p[0], p[1]) not in recorded]
    ck.equal("slow: every trace exit -> entry of 1 ms or more has its record", [], missing[:5])
    print(f"     slow: {len(recs)} records, {len(recorded)} of distinct exits; {len(stretched)} of "
          f"exits the trace timed below 1 ms (emulator stalls between the probes: "
          f"+{max(stretched or [0]):.0f} us at most)")
    ck.check(len(recorded) == len(recs), "slow: one record per exit")
    ck.check(len(stretched) <= max(10, len(recs) // 2),
             f"slow: records of exits the trace timed below 1 ms: {len(stretched)} <= "
             f"max(10, {len(recs)} / 2)")
    cls, key = WAIT[kl.arch]
    waits = [r for r in recs if int(r["class"], 16) == cls and
             (key is None or int(r["key"]["key"], 16) == key)]
    ck.check(len(waits) >= 10, f"slow: the waiting instruction's exits among them ({len(waits)})")
    bad_pc = [(r["tid"], r["pc"]) for r in waits if int(r["pc"], 16) != kl.wfi_pc.get(r["tid"])]
    ck.equal("slow: their guest PC is the VMM's address of the waiting instruction", [], bad_pc[:5])


def class_keys(total):
    """class -> (kind, key) -> exits, summed over vCPUs."""
    out = defaultdict(lambda: defaultdict(int))
    for (c, kind, k), n in ((key, n) for keys in key_counts(total).values() for key, n in keys.items()):
        out[c][(kind, k)] += n
    return out


def check_bound(kl, ks, ck):
    """The second kvmstat-bpf: at most 2 named keys per class, exact; the rest in other."""
    objs2 = kl.ndjson2
    total2 = [o for o in objs2 if o.get("type") == "total"][-1]
    full = class_keys(ks.total)
    bounded = class_keys(total2)
    ck.equal("bound: detail_max of the second run", 2, total2.get("detail_max"))
    classes = {c for keys in kl.expect.values() for c, _ in keys}
    for c in sorted(classes):
        named = {k: n for (kind, k), n in bounded[c].items() if kind == "key"}
        other = bounded[c].get(("other", 0), 0)
        distinct = {k for (kind, k) in full[c] if kind == "key"}
        ck.equal(f"bound: class 0x{c:x}: named keys == min(2, {len(distinct)})", min(2, len(distinct)),
                 len(named))
        ck.equal(f"bound: class 0x{c:x}: each named key's exits == the unbounded run's",
                 {k: full[c][("key", k)] for k in named}, named)
        ck.equal(f"bound: class 0x{c:x}: other == the exits of the keys not admitted",
                 sum(n for (kind, k), n in full[c].items() if kind == "key" and k not in named), other)


def check_rate_limit(kl, ck):
    objs2 = kl.ndjson2
    total2 = [o for o in objs2 if o.get("type") == "total"][-1]
    slow = total2["slow"]
    recs = slow_records(objs2)
    pairs = sum(kl.pairs.get(tid, 0) for tid in kl.expect)
    start = objs2[0]["interval"]["start_mono_ns"]
    secs = (total2["interval"]["end_mono_ns"] - start) / 1e9
    cpus = max(r["cpu"] for r in recs) + 1 if recs else 1
    bound = 2 * (5 + 20 * secs)  # 2 CPUs in the emulated host, burst 5, 20 per second
    ck.equal("rate limit: records == the total line's", slow["records"], len(recs))
    ck.equal("rate limit: records + suppressed + lost == the trace's exit -> entry pairs", pairs,
             slow["records"] + slow["suppressed"] + slow["lost"])
    ck.check(slow["suppressed"] > 0, f"rate limit: suppressed counted ({slow['suppressed']})")
    ck.check(cpus <= 2 and 0 < slow["records"] <= bound,
             f"rate limit: 0 < records {slow['records']} <= 2 CPUs x (5 + 20/s x {secs:.1f} s) = {bound:.0f}")


def check_detail(log_text, arch, ks, ck):
    kl = KeyLog(log_text, arch)
    check_keys(kl, ks, ck)
    check_slow(kl, ks, ck)
    if kl.ndjson2 is None:
        ck.check(False, "detail: the second kvmstat-bpf's NDJSON")
        return
    check_bound(kl, ks, ck)
    check_rate_limit(kl, ck)
