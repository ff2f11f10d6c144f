#!/usr/bin/env python3
"""Check an end-to-end vmtest log (tests/vmtest/guest.sh run by vmtest.sh).

Usage: check.py LOGFILE

Per vCPU thread and exit class it compares, side by side:
  expected   what the VMM's guest did ("VMM ... expect class=.. count=..")
  KVM stats  KVM's own per-vCPU statistics where one matches a class (per-arch table below)
  tracefs    the raw kvm_exit stream counted per (pid, class) ("TRACE ..." lines)
  hist       the ftrace hist trigger on kvm_exit (where the kernel has one)
  kvmstat    kvmstat-bpf's NDJSON "total" line (when present)
and prints "ok ..." / "FAIL ..." lines and "N passed, N failed". Exits 1 on any failure.

guest.sh's scenario (its "GUEST scenario=" line) adds checks of kvmstat-bpf's NDJSON:
  every scenario  VM pids and names, one vCPU object per VMM thread with KVM's vCPU id (or null
                  with --vcpu-source thread), the vcpu_source, exact counts per (VM, vCPU, class)
  multivm,        the VMMs ran at once (one interval has them all); multivm and fallback: the
  fallback,       test data differ per (VM, vCPU); --span both: every exit has a guest span,
  timing          spans in nanoseconds (per vCPU against the VMM's own clock)
  timing          WFx handling >= 10 x the fast class's, plausible for the timer period; the
                  fast class's guest span grows with the guest's busy loop (vmS spin S, vmL 4 x S)
  collide, reuse, the threads' tids really collide (equal modulo 16384) or come back (a later
  churn           VMM's threads have an earlier one's tids)
  detail          second-level keys, slow exits, the key bound and the rate limit (check_keys.py)
  every scenario  no drops: stats_full, inflight and threads_full are 0

Scenarios run in waves ("GUEST wave=N" lines: VMMs of a wave at once, waves one after another);
the VMM lines, tracefs counts and hist of a wave follow its line, so a tid that a later wave
reuses is another thread there. A vCPU thread is (wave, tid) in the ground truths and (VM pid,
tid) in kvmstat-bpf's output.
"""
import json
import re
import sys
from collections import defaultdict

from check_keys import check_detail


def arm64_class(ec):
    return (2 << 32) | ec  # ARM_EXCEPTION_TRAP << 32 | ESR_ELx.EC


class Arch:
    """What differs per arch: how kvm_exit fields make a class, which KVM stats count which
    classes, which classes the host drives (any count), names for the table."""

    def __init__(self, hist_keys, stats, nondeterministic, names, mode_check=None, hints=None,
                 vcpu_source=None, timing=None):
        self.hist_keys = hist_keys  # (hi, lo) kvm_exit fields: class = hi << 32 | lo; hi None: lo
        # [(classes, KVM stat names)]: the stats' sum == the classes' sum, expected counts
        # when the VMM gives all of them, else tracefs counts (host-driven classes)
        self.stats = stats
        self.nondeterministic = nondeterministic  # class -> True if any count is fine (host IRQs)
        self.names = names  # class -> short name, for the table only
        self.mode_check = mode_check  # fn(log text, checker), e.g. arm64 VHE/nVHE
        self.hints = hints or {}  # class -> known cause of expected != observed
        self.vcpu_source = vcpu_source  # kvmstat-bpf's vcpu_source with the defaults
        self.timing = timing  # (class that sleeps in wfi, fast in-kernel class) of vmm --wfi-us

    def class_of(self, hi, lo):
        return lo if self.hist_keys[0] is None else (hi << 32) | lo

    def name(self, cls):
        return self.names.get(cls, "-")


def arm64_mode_check(text, ck):
    nvhe_wanted = "kvm-arm.mode=nvhe" in command_line(text)
    # 6.12: "kvm [1]: VHE mode ..." / "Hyp nVHE mode ..." / "Protected nVHE mode ..."
    # (older kernels: "Hyp mode ...")
    m = re.search(r"kvm \[\d+\]: (VHE|Hyp nVHE|Hyp|Protected nVHE) mode initialized "
                  r"successfully", text)
    mode = {"VHE": "VHE", "Hyp nVHE": "nVHE", "Hyp": "nVHE", "Protected nVHE": "pKVM"}.get(
        m.group(1)) if m else None
    want = "nVHE" if nvhe_wanted else "VHE"
    ck.check(mode == want, f"arm64 KVM runs in {want} mode (log says {mode or 'nothing'})")


ARCHES = {
    "arm64": Arch(
        hist_keys=("ret", "esr_ec"),
        stats=[
            ((arm64_class(0x24),), ("mmio_exit_user",)),  # every DABT_LOW of ours goes to user
            ((arm64_class(0x16),), ("hvc_exit_stat",)),
            ((arm64_class(0x01),), ("wfi_exit_stat", "wfe_exit_stat")),
        ],
        nondeterministic=lambda cls: cls == 0,  # IRQ exits: host ticks, IPIs
        names={
            0: "IRQ",
            arm64_class(0x01): "WFx",
            arm64_class(0x16): "HVC64",
            arm64_class(0x17): "SMC64",
            arm64_class(0x18): "SYS64",
            arm64_class(0x20): "IABT_LOW",
            arm64_class(0x24): "DABT_LOW",
        },
        mode_check=arm64_mode_check,
        vcpu_source="fentry:kvm_arch_vcpu_ioctl_run+ksym:kvm_running_vcpu",  # KALLSYMS_ALL=y
        timing=(arm64_class(0x01), arm64_class(0x16)),  # WFx, HVC64 (PSCI_VERSION)
        hints={
            arm64_class(0x01): "QEMU TCG completes a wfi without trapping when a host interrupt "
            "is pending at that instant (cpu_has_work() before the trap check); the guest "
            "avoids most cases, see tests/vmm/vmm-arm64.c. If KVM stats, tracefs and hist "
            "agree, the emulator, not the tool, lost the exit.",
        },
    ),
    "riscv": Arch(
        hist_keys=(None, "scause"),
        # Per vmm-riscv.c: guest page faults outside RAM are its MMIO loads/stores (+1 first
        # fetch fault on RAM, 0x14, not MMIO); virtual instruction = wfi + csr accesses.
        stats=[
            ((21, 23), ("mmio_exit_user",)),
            ((22,), ("wfi_exit_stat", "csr_exit_kernel", "csr_exit_user")),
        ],
        nondeterministic=lambda cls: bool(cls >> 63),  # interrupts
        names={
            10: "SUPERVISOR_SYSCALL",
            20: "INST_GUEST_PAGE_FAULT",
            21: "LOAD_GUEST_PAGE_FAULT",
            22: "VIRTUAL_INST_FAULT",
            23: "STORE_GUEST_PAGE_FAULT",
            (1 << 63) | 1: "IRQ_S_SOFT",
            (1 << 63) | 5: "IRQ_S_TIMER",
            (1 << 63) | 9: "IRQ_S_EXT",
        },
        vcpu_source="tp_btf:kvm_entry+proc",
        timing=(22, 10),  # VIRTUAL_INST_FAULT (wfi only: --csr 0), SBI ecalls
    ),
    "x86": Arch(
        hist_keys=("isa", "exit_reason"),
        stats=[
            (((2 << 32) | 0x7B,), ("io_exits",)),
            (((2 << 32) | 0x78,), ("halt_exits",)),
            (((2 << 32) | 0x60,), ("irq_exits",)),  # host-driven: compared with tracefs
        ],
        nondeterministic=lambda cls: cls == (2 << 32) | 0x60,  # SVM intr: host interrupts
        names={
            (2 << 32) | 0x60: "intr",
            (2 << 32) | 0x72: "cpuid",
            (2 << 32) | 0x78: "hlt",
            (2 << 32) | 0x7B: "io",
            (2 << 32) | 0x7C: "msr",
            (2 << 32) | 0x400: "npf",
        },
        vcpu_source="tp_btf:kvm_entry+proc",
    ),
}

VMM_RE = re.compile(r"^VMM vm_pid=(\d+) name=(\S+) vcpu=(\d+) tid=(\d+) (\w+)(.*)$")
VMM_VM_RE = re.compile(r"^VMM vm_pid=(\d+) name=(\S+) (start|end) (.*)$")
KV_RE = re.compile(r"(\w+)=(\S+)")
HIST_RE = re.compile(r"^\{(.*)\}\s+hitcount:\s*(\d+)")


def command_line(text):
    m = re.search(r"^VMTEST cmdline=(.*)$", text, re.M)
    return m.group(1) if m else ""


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}")
        return cond

    def equal(self, what, want, got):
        return self.check(want == got, f"{what}: {want} == {got}")


class Vcpu:
    def __init__(self, wave, vm_pid, name, index, tid):
        self.wave, self.vm_pid, self.name, self.index, self.tid = wave, vm_pid, name, index, tid
        self.key = (wave, tid)  # in the ground truths of its wave
        self.thread = (vm_pid, tid)  # in kvmstat-bpf's output
        self.expect = {}  # class -> count
        self.stats = {}  # KVM stat name -> value
        self.user = {}


class Log:
    """Everything check.py reads from the console log."""

    def __init__(self, text):
        self.text = text
        self.arch = None
        self.end_rc = None
        self.vmm_rc = None  # the first non-zero VMM exit code, else 0; None: no VMM line
        self.vmm_rcs = {}  # name -> exit code (one "GUEST vmm" line per VMM)
        self.scenario = "single"
        self.kvmstat_args = ""
        self.vms = {}  # VMM pid -> its "VMM ... start"/"end" values, with "name" and "wave"
        self.vcpus = {}  # (wave, tid) -> Vcpu
        self.wave = 1  # the wave whose lines are being read
        self.trace = defaultdict(lambda: defaultdict(int))  # (wave, pid) -> class -> count
        self.entries = defaultdict(int)  # (wave, pid) -> kvm_entry count
        self.trace_lost = 0
        self.trace_lost_seen = False
        self.trace_unparsed = 0
        self.hist_lines = None  # wave -> raw lines between the markers, None if absent
        self.ndjson = None  # list of objects, None if absent
        self.kvmstat_note = None
        self._parse()

    def _parse(self):
        section = None
        for line in self.text.splitlines():
            line = line.rstrip("\r")
            if line in ("=== HIST BEGIN ===", "=== KVMSTAT NDJSON BEGIN ==="):
                section = line
                if "HIST" in line:
                    self.hist_lines = self.hist_lines or {}
                    self.hist_lines[self.wave] = []
                else:
                    self.ndjson = []
                continue
            if line in ("=== HIST END ===", "=== KVMSTAT NDJSON END ==="):
                section = None
                continue
            if section and "HIST" in section:
                self.hist_lines[self.wave].append(line)
            elif section:
                if line.strip():
                    self.ndjson.append(json.loads(line))
            else:
                self._parse_line(line)

    def _parse_line(self, line):
        m = re.match(r"^VMTEST arch=(\S+)", line)
        if m:
            self.arch = m.group(1)
        m = re.match(r"^=== VMTEST END rc=(\d+) ===", line)
        if m:
            self.end_rc = int(m.group(1))
        m = re.match(r"^GUEST vmm (?:name=(\S+) )?rc=(\d+)", line)
        if m:
            self.vmm_rcs[m.group(1) or "vmtest"] = int(m.group(2))
            if not self.vmm_rc:
                self.vmm_rc = int(m.group(2))
        m = re.match(r"^GUEST scenario=(\S+) kvmstat_args=(.*)$", line)
        if m:
            self.scenario, self.kvmstat_args = m.group(1), m.group(2).strip()
        m = re.match(r"^GUEST wave=(\d+)$", line)
        if m:
            self.wave = int(m.group(1))
        if "kvmstat-bpf comparison skipped" in line:
            self.kvmstat_note = line
        if line.startswith("VMM "):
            self._parse_vmm(line)
        elif line.startswith("TRACE "):
            self._parse_trace(line)

    def _parse_vmm(self, line):
        m = VMM_VM_RE.match(line)
        if m:
            vm = self.vms.setdefault(int(m.group(1)), {"name": m.group(2), "wave": self.wave})
            vm.update((k, v if k == "uuid" else float(v)) for k, v in KV_RE.findall(m.group(4)))
            return
        m = VMM_RE.match(line)
        if not m:
            return
        vm_pid, name, index, tid, kind, rest = m.groups()
        tid = int(tid)
        v = self.vcpus.setdefault((self.wave, tid), Vcpu(self.wave, int(vm_pid), name, int(index), tid))
        kv = dict(KV_RE.findall(rest.split("#", 1)[0]))
        if kind == "expect":
            v.expect[int(kv["class"], 16)] = int(kv["count"])
        elif kind == "kvmstat":
            v.stats = {k: int(val) for k, val in kv.items()}
        elif kind == "user":
            v.user = {k: int(val) for k, val in kv.items()}

    def _parse_trace(self, line):
        kv = dict(KV_RE.findall(line))
        if "lost" in kv:  # cumulative since boot: the last wave's says it all
            self.trace_lost = int(kv["lost"])
            self.trace_lost_seen = True
        elif "unparsed" in kv:
            self.trace_unparsed += int(kv["unparsed"])
        elif "entries" in kv:
            self.entries[(self.wave, int(kv["pid"]))] = int(kv["entries"])
        elif "class" in kv:
            self.trace[(self.wave, int(kv["pid"]))][int(kv["class"], 16)] = int(kv["count"])

    def hist(self, arch):
        """(wave, pid) -> class -> hitcount from the hist trigger output, None if absent."""
        if self.hist_lines is None:
            return None
        out = defaultdict(lambda: defaultdict(int))
        hi, lo = arch.hist_keys
        for wave, lines in self.hist_lines.items():
            for line in lines:
                m = HIST_RE.match(line.strip())
                if not m:
                    continue
                keys = {k.strip(): int(v) for k, v in (p.split(":") for p in m.group(1).split(","))}
                cls = arch.class_of(keys.get(hi, 0), keys[lo])
                out[(wave, keys["common_pid"])][cls] += int(m.group(2))
        return out


def class_objects(obj):
    """(vm pid, tid, class object) for every per-vCPU class of one NDJSON object."""
    for vm in obj.get("vms", []):
        for vcpu in vm.get("vcpus", []):
            for c in vcpu.get("classes", []):
                yield vm.get("pid"), vcpu.get("tid"), c


class Kvmstat:
    """kvmstat-bpf's NDJSON: per ((VM pid, tid), class) totals and interval sums."""

    def __init__(self, objs):
        self.objs = objs
        totals = [o for o in objs if o.get("type") == "total"]
        self.intervals = [o for o in objs if o.get("type") == "interval"]
        self.total = totals[-1] if totals else None
        self.nr_totals = len(totals)
        self.count = defaultdict(lambda: defaultdict(int))  # (vm, tid) -> class -> exits
        if self.total:
            for pid, tid, c in class_objects(self.total):
                self.count[(pid, tid)][int(c["class"], 16)] += c["exits"]

    def interval_sums(self):
        out = defaultdict(lambda: defaultdict(int))
        for o in self.intervals:
            for pid, tid, c in class_objects(o):
                out[(pid, tid)][int(c["class"], 16)] += c["exits"]
        return out


def fmt(v):
    return "-" if v is None else str(v)


def stat_value(v, names):
    if not v.stats or any(n not in v.stats for n in names):
        return None
    return sum(v.stats[n] for n in names)


def stat_group(arch, cls):
    for classes, names in arch.stats:
        if cls in classes:
            return classes, names
    return None, None


def stat_cell(arch, v, cls):
    classes, names = stat_group(arch, cls)
    if not names or not v.stats:
        return "-"
    cell = f"{stat_value(v, names)} {'+'.join(names)}"
    others = [hex(c) for c in classes if c != cls]
    return cell + (f" (with {','.join(others)})" if others else "")


def print_table(log, arch, hist, ks):
    for v in sorted(log.vcpus.values(), key=lambda v: (v.wave, v.vm_pid, v.index)):
        trace = log.trace.get(v.key, {})
        mine = ks.count.get(v.thread, {}) if ks else {}
        wave = f" wave {v.wave}" if v.wave > 1 or len(set(u.wave for u in log.vcpus.values())) > 1 \
            else ""
        print(f"\nVM {v.name} (pid {v.vm_pid}) vCPU {v.index} (tid {v.tid}){wave}")
        hdr = ("class", "name", "expected", "KVM stat", "tracefs", "hist", "kvmstat-bpf")
        rows = [hdr]
        classes = set(v.expect) | set(trace) | set(mine)
        for cls in sorted(classes):
            rows.append((hex(cls), arch.name(cls), fmt(v.expect.get(cls)), stat_cell(arch, v, cls),
                         fmt(trace.get(cls, 0)),
                         fmt(hist[v.key].get(cls, 0) if hist is not None else None),
                         fmt(mine.get(cls, 0) if ks else None)))
        rows.append(("total", "", "-", f"{fmt(v.stats.get('exits'))} exits",
                     fmt(sum(trace.values())),
                     fmt(sum(hist[v.key].values()) if hist is not None else None),
                     fmt(sum(mine.values()) if ks else None)))
        rows.append(("kvm_entry", "", "-", "-", fmt(log.entries.get(v.key, 0)), "-", "-"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(hdr))]
        for r in rows:
            print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print()


def check_run(log, ck):
    ck.check(log.arch in ARCHES, f"log names a known arch ({log.arch})")
    ck.equal("test script exit code (end marker)", 0, log.end_rc)
    ck.equal("VMM exit code", 0, log.vmm_rc)
    ck.check(bool(log.vcpus) and all(v.expect for v in log.vcpus.values()),
             f"VMM printed expected counts for {len(log.vcpus)} vCPUs")
    ck.check(all(v.stats for v in log.vcpus.values()), "VMM printed KVM stats for every vCPU")
    ck.equal("tracefs events lost", 0, log.trace_lost if log.trace_lost_seen else None)
    ck.equal("tracefs kvm_exit lines not parsed", 0, log.trace_unparsed)


def check_vcpu(log, arch, v, hist, ks, ck):
    who = f"vcpu {v.index} tid {v.tid}" + (f" (VM {v.name})" if v.wave > 1 or log.wave > 1 else "")
    trace = log.trace.get(v.key, {})
    mine = ks.count.get(v.thread, {}) if ks else {}
    for cls, want in sorted(v.expect.items()):
        what = f"{who} {hex(cls)} {arch.name(cls)}"
        if not ck.equal(f"{what}: expected == tracefs", want, trace.get(cls, 0)) and cls in arch.hints:
            print(f"hint {arch.hints[cls]}")
        if hist is not None:
            ck.equal(f"{what}: expected == hist", want, hist[v.key].get(cls, 0))
        if ks:
            ck.equal(f"{what}: expected == kvmstat-bpf", want, mine.get(cls, 0))
    for cls in sorted(set(trace) - set(v.expect)):
        ck.check(arch.nondeterministic(cls),
                 f"{who} {hex(cls)} {arch.name(cls)}: {trace[cls]} exits in tracefs, "
                 f"{'host-driven, any count' if arch.nondeterministic(cls) else 'NOT expected'}")
    check_stats(arch, v, trace, who, ck)
    total = sum(trace.values())
    ck.equal(f"{who} KVM exits stat == tracefs kvm_exit", v.stats.get("exits"), total)
    ck.equal(f"{who} tracefs kvm_entry == kvm_exit", total, log.entries.get(v.key, 0))
    if hist is not None:
        ck.equal(f"{who} hist total == tracefs total", total, sum(hist[v.key].values()))
    if any(v.user.get(k) for k in ("wfi_repeats", "wfi_rearms", "wfi_topups")):
        print(f"note {who}: wfi that did not trap (QEMU TCG, see vmm-arm64.c): "
              f"{v.user.get('wfi_repeats', 0)} repeated (back before the timer fired), "
              f"{v.user.get('wfi_rearms', 0)} timer re-arms (fired before the wfi), "
              f"{v.user.get('wfi_topups', 0)} periods added after KVM's count")
    if {"mmio", "done"} <= set(v.user) and "mmio_exit_user" in v.stats:
        seen = sum(v.user.get(k, 0) for k in ("mmio", "mmio2", "checks", "done"))
        ck.equal(f"{who} KVM_EXIT_MMIO seen by the VMM == KVM mmio_exit_user",
                 seen, v.stats.get("mmio_exit_user"))
    if ks:
        for cls in sorted(set(trace) | set(mine)):
            ck.equal(f"{who} {hex(cls)} {arch.name(cls)}: tracefs == kvmstat-bpf",
                     trace.get(cls, 0), mine.get(cls, 0))
        ck.check(bool(mine), f"{who}: kvmstat-bpf has the thread under its VM (pid {v.vm_pid})")


def check_stats(arch, v, trace, who, ck):
    """KVM's per-vCPU stats against the expected (or, host-driven, the tracefs) counts."""
    for classes, names in arch.stats:
        what = f"{who} {'+'.join(hex(c) for c in classes)} " \
               f"{'+'.join(arch.name(c) for c in classes)}"
        if all(c in v.expect for c in classes):
            want, source = sum(v.expect[c] for c in classes), "expected"
        elif not any(c in v.expect for c in classes):
            want, source = sum(trace.get(c, 0) for c in classes), "tracefs"
        else:
            ck.check(False, f"{what}: the VMM expects only some of these classes")
            continue
        ck.equal(f"{what}: {source} == KVM {'+'.join(names)}", want, stat_value(v, names))


def span_problems(c):
    """Why a class object's handling stats are inconsistent (empty list: fine)."""
    h = c.get("handling")
    if not h:
        return []
    out = []
    n = h.get("count", 0)
    if sum(b["count"] for b in h.get("buckets", [])) != n:
        out.append(f"bucket counts sum {sum(b['count'] for b in h.get('buckets', []))} != count {n}")
    if n:
        avg = h["total_ns"] / n
        if not h["min_ns"] <= avg <= h["max_ns"]:
            out.append(f"not min {h['min_ns']} <= avg {avg:.0f} <= max {h['max_ns']}")
    return out


def exits_by_class(classes):
    """Exits per class, summed over origins (a class can go to the VMM or stay in the kernel)."""
    out = defaultdict(int)
    for c in classes:
        out[int(c["class"], 16)] += c["exits"]
    return dict(out)


def check_kvmstat_levels(total, ck):
    """Optional fields of the total line agree with the per-vCPU classes below them."""
    bad = []
    for vm in total.get("vms", []):
        vm_sum = defaultdict(int)
        for vcpu in vm.get("vcpus", []):
            mine = exits_by_class(vcpu.get("classes", []))
            for cls, n in mine.items():
                vm_sum[cls] += n
            if "exits" in vcpu and vcpu["exits"] != sum(mine.values()):
                bad.append(f"tid {vcpu.get('tid')}: exits {vcpu['exits']} != sum of classes")
        if "classes" in vm and exits_by_class(vm["classes"]) != dict(vm_sum):
            bad.append(f"VM {vm.get('pid')}: classes != sum over its vCPUs")
        if "exits" in vm and vm["exits"] != sum(vm_sum.values()):
            bad.append(f"VM {vm.get('pid')}: exits {vm['exits']} != sum over its vCPUs")
    if "exits" in total and total["exits"] != sum(exits_by_class(total.get("classes", [])).values()):
        bad.append(f"exits {total['exits']} != sum of top-level classes")
    for b in bad:
        ck.check(False, f"kvmstat-bpf total line: {b}")
    if not bad:
        ck.check(True, "kvmstat-bpf total line: per-VM and per-vCPU 'exits'/'classes' sums agree")


def check_kvmstat_vcpu_spans(log, ks, ck):
    """Every exit of a finished vCPU is timed (exit -> next entry) except its last one."""
    threads = {v.thread for v in log.vcpus.values()}
    for pid, tid in sorted({(p, t) for p, t, _ in class_objects(ks.total)} & threads):
        cls = [c for p, t, c in class_objects(ks.total) if (p, t) == (pid, tid)]
        exits = sum(c["exits"] for c in cls)
        timed = sum(c.get("handling", {}).get("count", 0) for c in cls)
        ck.equal(f"kvmstat-bpf tid {tid}: exits - timed handling intervals (the last exit, "
                 "never re-entered)", 1, exits - timed)


def check_kvmstat(log, ks, ck):
    ck.equal("kvmstat-bpf NDJSON: number of total lines", 1, ks.nr_totals)
    ck.check(len(ks.intervals) >= 1, f"kvmstat-bpf NDJSON: {len(ks.intervals)} interval lines")
    if not ks.total:
        return
    ck.equal("kvmstat-bpf arch", log.arch, ks.total.get("arch"))
    drops = ks.total.get("drops", {})
    print(f"note kvmstat-bpf drops: {drops}")
    for reason in ("stats_full", "inflight", "threads_full"):
        ck.equal(f"kvmstat-bpf drops.{reason}", 0, drops.get(reason))
    sums = ks.interval_sums()
    bad = [(thread, cls) for thread in set(sums) | set(ks.count)
           for cls in set(sums.get(thread, {})) | set(ks.count.get(thread, {}))
           if sums[thread].get(cls, 0) != ks.count[thread].get(cls, 0)]
    for (pid, tid), cls in bad:
        ck.equal(f"kvmstat-bpf VM {pid} tid {tid} {hex(cls)}: sum of intervals == total",
                 ks.count[(pid, tid)].get(cls, 0), sums[(pid, tid)].get(cls, 0))
    if not bad:
        ck.check(True, "kvmstat-bpf: sum of interval lines == total line for every (tid, class)")
    summed = defaultdict(int)
    for _, _, c in class_objects(ks.total):
        summed[int(c["class"], 16)] += c["exits"]
    top = exits_by_class(ks.total.get("classes", []))
    ck.check(top == dict(summed), "kvmstat-bpf: top-level classes == sum over VMs and vCPUs")
    check_kvmstat_levels(ks.total, ck)
    check_kvmstat_vcpu_spans(log, ks, ck)
    check_span_consistency(ks, ck)


def bucket_total(c):
    return sum(b["count"] for b in c.get("handling", {}).get("buckets", []))


def check_span_consistency(ks, ck):
    """The total line (read after the VMMs ended) is exact: bucket sums == counts and
    min <= avg <= max. An interval line is a read while vCPUs update their counters without
    atomics (one writer per key): a class's count and its bucket may be one update apart, so
    per vCPU and class they may differ by 1; over all intervals the buckets sum exactly to
    the total's."""
    nobj, problems = 0, []
    if ks.total:
        for c in [c for _, _, c in class_objects(ks.total)] + ks.total.get("classes", []):
            nobj += 1
            problems += [f"total {c.get('class')}: {p}" for p in span_problems(c)]
    summed = defaultdict(int)
    for o in ks.objs:
        if o.get("type") != "interval":
            continue
        for pid, tid, c in class_objects(o):
            n = c.get("handling", {}).get("count", 0)
            summed[(pid, tid, c["class"], c.get("origin"))] += bucket_total(c)
            if abs(bucket_total(c) - n) > 1:
                problems.append(f"interval tid {tid} {c['class']}: buckets {bucket_total(c)} "
                                f"vs count {n} (more than one in-flight update apart)")
    if ks.total:
        for pid, tid, c in class_objects(ks.total):
            key = (pid, tid, c["class"], c.get("origin"))
            if summed.get(key, 0) != bucket_total(c):
                problems.append(f"VM {pid} tid {tid} {c['class']}: interval buckets sum "
                                f"{summed.get(key, 0)} != total's {bucket_total(c)}")
    for p in problems:
        ck.check(False, f"kvmstat-bpf handling stats: {p}")
    if not problems:
        ck.check(True, f"kvmstat-bpf: total min <= avg <= max and bucket sum == count ({nobj} class "
                 "objects); interval buckets within one update of counts and sum to the total's")


# --- scenario checks: identity (VM, vCPU), spans ------------------------------------

# Per scenario: how many VMMs guest.sh runs (at once, or in waves).
SCENARIO_VMMS = {"single": 1, "multivm": 2, "fallback": 2, "timing": 2, "scale": 8, "collide": 2,
                 "reuse": 2, "churn": 16, "detail": 1}
# The pending-exit array's default size: collide's tids are equal modulo it.
INFLIGHT_SLOTS = 16384
# timing: the fast class's guest-span ratio vmL / vmS (spin k x S against S, k = 4) must lie
# in [LO, HI] x k, of the averages and of the medians (p50). Measured on a loaded 2-core build
# machine (see README, ~50 runs): avg 0.58-0.97 x k, p50 0.59-1.0 x k: a fixed ~25-40 us per
# guest run, host interrupts cutting the longer runs short, emulator stalls adding ms to a few
# runs (the average's tail) or slowing one emulated CPU for a while, p50 in buckets of 1/4
# octave. Guest spans that were really handling times give ~1.2 (p50) or anything in 0.3-4
# (avg, ms outliers), spans without the busy loop ~1.
GUEST_RATIO_AVG = (0.5, 1.5)
GUEST_RATIO_P50 = (0.5, 1.5)
WFX_VS_FAST = 10  # WFx handling avg >= this x the fast class's
SPAN_SHARE = 0.02  # each span's total per vCPU >= this share of the VMM's run time
WFX_PERIOD = (0.5, 50)  # WFx handling avg within these x the timer period


def want_vcpu_source(log, arch):
    args = log.kvmstat_args.split()
    if "--vcpu-source" in args and args[args.index("--vcpu-source") + 1:][:1] == ["thread"]:
        return "thread"
    if "--classic" in args:  # no vcpu argument at kvm_entry: fentry and ksym everywhere
        return "fentry:kvm_arch_vcpu_ioctl_run+ksym:kvm_running_vcpu"
    if "--vcpu-source" in args and args[args.index("--vcpu-source") + 1:][:1] == ["proc"]:
        return arch.vcpu_source.replace("+ksym:kvm_running_vcpu", "+proc")
    return arch.vcpu_source


def json_vms(total):
    """VM pid -> VM object of the total line."""
    return {vm.get("pid"): vm for vm in total.get("vms", [])}


def check_scenario_run(log, ck):
    want = SCENARIO_VMMS.get(log.scenario)
    ck.check(want is not None, f"known scenario ({log.scenario})")
    if want is None:
        return
    ck.equal(f"{log.scenario}: VMMs run (GUEST vmm lines)", want, len(log.vmm_rcs))
    for name, rc in sorted(log.vmm_rcs.items()):
        ck.equal(f"VMM {name} exit code", 0, rc)
    ck.equal(f"{log.scenario}: VMMs that printed their start and end", want,
             sum(1 for vm in log.vms.values() if "vcpus" in vm and "seconds" in vm))
    for pid, vm in sorted(log.vms.items()):
        mine = [v for v in log.vcpus.values() if v.vm_pid == pid]
        ck.equal(f"VM {vm['name']} (pid {pid}): vCPUs with expected counts == its vcpus",
                 int(vm.get("vcpus", -1)), len(mine))
    if log.scenario not in ("single", "timing"):
        # Every (VM, vCPU) makes different counts: a mix-up of VMs or vCPUs changes a count.
        vectors = [tuple(sorted(v.expect.items())) for v in log.vcpus.values()]
        ck.check(len(set(vectors)) == len(vectors),
                 f"test data: the {len(vectors)} (VM, vCPU) pairs have different expected counts")


def check_identity(log, arch, ks, ck):
    """VMs by VMM pid and name, vCPUs by KVM's id (or by thread), exact per (VM, vCPU, class)."""
    total = ks.total
    source = want_vcpu_source(log, arch)
    by_thread = source == "thread"
    ck.equal("kvmstat-bpf vcpu_source", source, total.get("vcpu_source"))
    vms = json_vms(total)
    ck.equal("kvmstat-bpf VM pids == the VMMs' pids", sorted(log.vms), sorted(vms))
    got = defaultdict(int)  # (VM pid, vCPU id or tid, class) -> exits
    for pid, vm in sorted(log.vms.items()):
        jvm = vms.get(pid, {})
        who = f"VM {vm['name']} (pid {pid})"
        ck.equal(f"{who}: kvmstat-bpf VM name", vm["name"], jvm.get("name"))
        # QEMU's -uuid from the VMM's command line, lowercase; null when it has none.
        ck.equal(f"{who}: kvmstat-bpf vm_uuid == the VMM's -uuid", vm.get("uuid", "").lower() or None,
                 jvm.get("vm_uuid"))
        mine = {v.tid: v for v in log.vcpus.values() if v.vm_pid == pid}
        jvcpus = jvm.get("vcpus", [])
        ck.equal(f"{who}: kvmstat-bpf vCPU threads == the VMM's", sorted(mine),
                 sorted(j.get("tid") for j in jvcpus))
        for j in jvcpus:
            v = mine.get(j.get("tid"))
            if v is None:
                continue
            want = None if by_thread else v.index
            ck.equal(f"{who} tid {v.tid}: kvmstat-bpf vcpu == "
                     f"{'null (thread)' if by_thread else 'the VMM' + chr(39) + 's KVM vcpu_id'}",
                     want, j.get("vcpu"))
            ck.equal(f"{who} tid {v.tid}: kvmstat-bpf thread name", vm["name"], j.get("thread"))
            for c in j.get("classes", []):
                got[(pid, j.get("tid") if by_thread else j.get("vcpu"), int(c["class"], 16))] += \
                    c["exits"]
    bad = []
    n = 0
    for v in log.vcpus.values():
        for cls, want in v.expect.items():
            n += 1
            key = (v.vm_pid, v.tid if by_thread else v.index, cls)
            if got.get(key, 0) != want:
                bad.append(f"VM {log.vms.get(v.vm_pid, {}).get('name')} (pid {v.vm_pid}) "
                           f"vCPU {key[1]}{' (tid)' if by_thread else ''} {hex(cls)} "
                           f"{arch.name(cls)}: expected {want}, kvmstat-bpf {got.get(key, 0)}")
    for b in bad:
        ck.check(False, b)
    if not bad:
        ck.check(True, f"kvmstat-bpf per (VM pid, {'tid' if by_thread else 'vCPU id'}, class) == "
                 f"expected ({n} counts, {len(log.vms)} VMs)")


def check_concurrent(log, ks, ck):
    """The VMMs of a wave ran at the same time: one interval line has exits of all of them."""
    for wave in sorted({vm["wave"] for vm in log.vms.values()}):
        want = {pid for pid, vm in log.vms.items() if vm["wave"] == wave}
        if len(want) < 2:
            continue
        both = sum(1 for o in ks.intervals
                   if want <= {vm.get("pid") for vm in o.get("vms", []) if vm.get("exits")})
        ck.check(both >= 1, f"wave {wave}: VMMs ran at once: {both} interval lines with exits of "
                 f"all {len(want)} VMs")


def wave_tids(log, wave):
    return sorted(v.tid for v in log.vcpus.values() if v.wave == wave)


def check_tid_setup(log, ck):
    """The scenario's threads really collide or come back: the test is not vacuous."""
    if log.scenario == "collide":
        a, b = (sorted(v.tid for v in log.vcpus.values() if v.vm_pid == pid) for pid in sorted(log.vms))
        ck.check(len(a) == len(b) and a and all(x % INFLIGHT_SLOTS == y % INFLIGHT_SLOTS and x != y
                                                for x, y in zip(a, b)),
                 f"collide: the VMs' tids {a} and {b} are pairwise equal modulo {INFLIGHT_SLOTS}")
    if log.scenario in ("reuse", "churn"):
        waves = sorted({v.wave for v in log.vcpus.values()})
        ck.equal(f"{log.scenario}: waves", {"reuse": 2, "churn": 4}[log.scenario], len(waves))
        for w in waves[1:]:
            ck.check(wave_tids(log, w) == wave_tids(log, w - 1) and wave_tids(log, w),
                     f"{log.scenario}: wave {w}'s threads have wave {w - 1}'s tids "
                     f"({wave_tids(log, w)})")


def span(c, name):
    return c.get(name) or {}


def check_span_units(log, ks, ck):
    """--span both: per vCPU, every exit has a guest span, and guest + handling spans (disjoint
    intervals of the thread's KVM_RUN time) add up to no more than the VMM's own run time (its
    CLOCK_MONOTONIC, printed in ms) and, for the VM's busiest vCPU, to at least half of it; each
    of the two spans alone is at least SPAN_SHARE of it (measured >= 10%: a unit 1000 x too
    large or too small fails one of these)."""
    if set(ks.total.get("spans", [])) != {"handling", "guest"}:
        ck.check(False, f"kvmstat-bpf spans {ks.total.get('spans')}: want handling and guest")
        return
    vms = json_vms(ks.total)
    for pid, vm in sorted(log.vms.items()):
        seconds = vm.get("seconds")
        sums = []
        for j in vms.get(pid, {}).get("vcpus", []):
            cls = j.get("classes", [])
            who = f"VM {vm['name']} tid {j.get('tid')}"
            exits = sum(c["exits"] for c in cls)
            ck.equal(f"{who}: guest spans == exits", exits,
                     sum(span(c, "guest").get("count", 0) for c in cls))
            for name in ("guest", "handling"):
                one = sum(span(c, name).get("total_ns", 0) for c in cls)
                ck.check(seconds is not None and one >= SPAN_SHARE * seconds * 1e9,
                         f"{who}: {name} spans {one / 1e9:.3f} s >= {SPAN_SHARE:.0%} of the VMM "
                         f"run {seconds} s")
            ns = sum(span(c, "guest").get("total_ns", 0) + span(c, "handling").get("total_ns", 0)
                     for c in cls)
            sums.append(ns)
            ck.check(seconds is not None and ns <= (seconds + 0.001) * 1e9,
                     f"{who}: guest + handling spans {ns / 1e9:.3f} s <= VMM run {seconds} s")
        busiest = max(sums, default=0)
        ck.check(seconds is not None and busiest >= 0.5 * seconds * 1e9,
                 f"VM {vm['name']}: busiest vCPU's spans {busiest / 1e9:.3f} s >= half the VMM "
                 f"run {seconds} s")


def class_of_vm(ks, pid, cls):
    """The (summed over vCPUs and origins) class object of one VM: count and span averages."""
    out = {"exits": 0}
    for vm in ks.total.get("vms", []):
        if vm.get("pid") != pid:
            continue
        for c in vm.get("classes", []):
            if int(c["class"], 16) != cls:
                continue
            out["exits"] += c["exits"]
            for name in ("handling", "guest"):
                s = out.setdefault(name, {"count": 0, "total_ns": 0})
                s["count"] += span(c, name).get("count", 0)
                s["total_ns"] += span(c, name).get("total_ns", 0)
    for name in ("handling", "guest"):
        s = out.get(name)
        if s:
            s["avg_ns"] = s["total_ns"] / s["count"] if s["count"] else 0
    return out


def vm_p50(ks, pid, cls, name):
    """kvmstat-bpf's p50 of one span of a class of a VM (one vCPU, one origin: as printed)."""
    for vm in ks.total.get("vms", []):
        if vm.get("pid") == pid:
            found = [span(c, name).get("p50_ns", 0) for c in vm.get("classes", [])
                     if int(c["class"], 16) == cls]
            return found[0] if len(found) == 1 else 0
    return 0


def check_timing(log, arch, ks, ck):
    """WFx handling (a ~1 ms sleep) against a fast in-kernel class, and the fast class's guest
    span against the guest's busy loop (VMs with spin S and k x S)."""
    if arch.timing is None:
        ck.check(False, f"timing scenario: no timing classes for {log.arch}")
        return
    wfx, fast = arch.timing
    guest_avg, guest_p50 = {}, {}
    for pid, vm in sorted(log.vms.items()):
        who = f"VM {vm['name']} (spin {vm.get('spin', 0):.0f})"
        period_ns = vm.get("wfi_us", 0) * 1000
        w = class_of_vm(ks, pid, wfx).get("handling", {}).get("avg_ns", 0)
        f = class_of_vm(ks, pid, fast)
        fh = f.get("handling", {}).get("avg_ns", 0)
        ck.check(period_ns > 0 and fh > 0 and w >= WFX_VS_FAST * fh,
                 f"{who}: {arch.name(wfx)} handling avg {w / 1e3:.1f} us >= {WFX_VS_FAST} x "
                 f"{arch.name(fast)} handling avg {fh / 1e3:.1f} us (ratio "
                 f"{w / fh if fh else 0:.0f})")
        lo, hi = WFX_PERIOD
        ck.check(lo * period_ns <= w <= hi * period_ns,
                 f"{who}: {arch.name(wfx)} handling avg {w / 1e6:.3f} ms within {lo}..{hi} x "
                 f"the {period_ns / 1e6:g} ms timer period (nanoseconds)")
        spin = vm.get("spin", 0)
        guest_avg[spin] = f.get("guest", {}).get("avg_ns", 0)
        guest_p50[spin] = vm_p50(ks, pid, fast, "guest")
        print(f"note {who}: {arch.name(fast)} guest span avg {guest_avg[spin] / 1e3:.1f} us, "
              f"p50 {guest_p50[spin] / 1e3:.1f} us, handling avg {fh / 1e3:.1f} us; "
              f"{arch.name(wfx)} handling avg {w / 1e3:.1f} us")
    spins = sorted(guest_avg)
    if len(spins) < 2 or not spins[0] or not guest_avg[spins[0]]:
        ck.check(False, f"timing: two VMs with different non-zero spins (got {spins})")
        return
    k = spins[-1] / spins[0]
    for what, values, bounds in (("avg", guest_avg, GUEST_RATIO_AVG),
                                 ("p50", guest_p50, GUEST_RATIO_P50)):
        ratio = values[spins[-1]] / values[spins[0]] if values[spins[0]] else 0
        lo, hi = bounds[0] * k, bounds[1] * k
        ck.check(lo <= ratio <= hi,
                 f"{arch.name(fast)} guest span {what} grows with the busy loop: spin x{k:g} "
                 f"gives x{ratio:.2f} ({values[spins[-1]] / 1e3:.1f} / "
                 f"{values[spins[0]] / 1e3:.1f} us, want x{lo:.2f}..{hi:.2f})")


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        log = Log(f.read().decode("utf-8", "replace"))
    ck = Checker()
    check_run(log, ck)
    arch = ARCHES.get(log.arch)
    if arch is None:
        print(f"{ck.passed} passed, {ck.failed} failed")
        return 1
    if arch.mode_check:
        arch.mode_check(log.text, ck)
    hist = log.hist(arch)
    if hist is None:
        print(f"note no hist trigger output for {log.arch}: hist column skipped")
    ks = Kvmstat(log.ndjson) if log.ndjson is not None else None
    if ks is None:
        print(f"note no kvmstat-bpf NDJSON: {log.kvmstat_note or 'section absent'}")
    print_table(log, arch, hist, ks)
    for key in sorted(log.vcpus):
        check_vcpu(log, arch, log.vcpus[key], hist, ks, ck)
    check_scenario_run(log, ck)
    check_tid_setup(log, ck)
    if ks:
        check_kvmstat(log, ks, ck)
        if ks.total:
            check_identity(log, arch, ks, ck)
            if len(log.vms) > 1:
                check_concurrent(log, ks, ck)
            if "--span both" in log.kvmstat_args:
                check_span_units(log, ks, ck)
            if log.scenario == "timing":
                check_timing(log, arch, ks, ck)
            if log.scenario == "detail":
                check_detail(log.text, log.arch, ks, ck)
    print(f"{ck.passed} passed, {ck.failed} failed")
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())
