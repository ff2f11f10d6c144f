#!/usr/bin/env python3
"""Check a real-VMM vmtest run: tests/vmtest/qemu-host.sh under vmtest.sh --log LOG --out OUT.

Usage: check_qemu.py LOG [OUT]      (OUT defaults to LOG with .out for .log)

Debian's QEMU ran a Linux guest under KVM in the emulated host. Nothing here is what a test VMM
was told to do: the ground truth is the kernel's own, per vCPU thread and class:
  tracefs    the raw kvm_exit / kvm_userspace_exit stream (OUT), counted here; an exit's origin
             is "user" when the thread's next KVM event is kvm_userspace_exit (KVM_RUN returned
             to QEMU), as kvmstat-bpf accounts it
  hist       the ftrace hist trigger on kvm_exit
  KVM stats  QEMU's vCPU stats fds, read after QEMU ended: exits, hvc_exit_stat, wfi/wfe_exit_stat,
             mmio_exit_user (== KVM_EXIT_MMIO returns), signal_exits (== KVM_EXIT_INTR returns)
and the VM's identity from the kernel: QEMU's pid, its vCPU threads ("CPU n/KVM") and the fds
their KVM_RUN is blocked on (/proc/TID/syscall -> /proc/PID/fd/N -> anon_inode:kvm-vcpu:ID).

kvmstat-bpf "life" (attached before QEMU started, stopped after it ended) must equal the
tracefs counts per (thread, class, origin), the hist per (thread, class) and KVM's stats; every
class is one a Linux guest is known to cause (GUESTS); VM pid, name, UUID and vCPU ids are
QEMU's. Each "attachN" run (started while the guest idled, detached while it ran) must count
exactly the exits the trace places inside its boundaries (attach_boundaries), with every vCPU id
known in every line. Prints "ok"/"FAIL" lines and "N passed, N failed"; exits 1 on any failure.
"""
import json
import os
import re
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check as base  # noqa: E402 (the shared checker, arch tables and NDJSON helpers)

# kvm_userspace_exit reasons (include/uapi/linux/kvm.h). KVM_EXIT_UNKNOWN: each vCPU's first
# KVM_RUN, kicked (-EINTR) by QEMU before it entered the guest.
KVM_EXIT_UNKNOWN, KVM_EXIT_MMIO, KVM_EXIT_INTR, KVM_EXIT_SYSTEM_EVENT = 0, 6, 10, 24
KVM_EXIT_RISCV_SBI, KVM_EXIT_RISCV_CSR = 35, 36
RISCV_IRQ = 1 << 63


class Guest:
    """What a Linux guest under QEMU/KVM looks like on one arch."""

    def __init__(self, explained, stats, user_reasons, ioctl_nr, sources, power_off):
        self.explained = explained  # class -> why a Linux guest causes it; others: unexplained
        self.stats = stats  # [(classes, KVM stat names)]: the stats' sum == the classes' tracefs sum
        self.user_reasons = user_reasons  # kvm_userspace_exit reason -> KVM stat counting it, or None
        self.ioctl_nr = ioctl_nr  # ioctl(2) in /proc/TID/syscall
        self.sources = sources  # --vcpu-source -> the vcpu_source it gives on Debian's kernel
        self.power_off = power_off  # KVM_EXIT_SYSTEM_EVENTs of the guest's poweroff


GUESTS = {
    "arm64": Guest(
        explained={
            0x0: "IRQ: a host interrupt (timer tick, IPI, device) while the guest ran",
            base.arm64_class(0x01): "WFx: the guest idles in wfi (wfi_exit_stat)",
            base.arm64_class(0x16): "HVC64: PSCI (CPU_ON at boot and hotplug, CPU_OFF, SYSTEM_OFF) "
                                    "and SMCCC discovery calls (hvc_exit_stat)",
            base.arm64_class(0x18): "SYS64: trapped system registers: ID registers (boot, each CPU "
                                    "coming online), CTR_EL0 (cache maintenance), PMU/debug, GIC SGIs",
            base.arm64_class(0x20): "IABT_LOW: first instruction fetch from a guest page KVM had not "
                                    "mapped yet (stage-2 fault)",
            base.arm64_class(0x24): "DABT_LOW: first touch of a guest RAM page (stage-2 fault) and "
                                    "MMIO: PL011, PCI config, virtio (mmio_exit_user/_kernel)",
        },
        stats=[((base.arm64_class(0x16),), ("hvc_exit_stat",)),
               ((base.arm64_class(0x01),), ("wfi_exit_stat", "wfe_exit_stat"))],
        user_reasons={KVM_EXIT_UNKNOWN: None, KVM_EXIT_MMIO: "mmio_exit_user",
                      KVM_EXIT_INTR: "signal_exits", KVM_EXIT_SYSTEM_EVENT: None},
        ioctl_nr=29,
        sources={"auto": "fentry:kvm_arch_vcpu_ioctl_run+ksym:kvm_running_vcpu",
                 "proc": "fentry:kvm_arch_vcpu_ioctl_run+proc"},
        power_off=1,  # PSCI SYSTEM_OFF
    ),
    "riscv": Guest(
        explained={
            10: "SUPERVISOR_SYSCALL: SBI calls (timer, IPIs, HSM hart start/stop at boot and "
                "hotplug), handled in KVM",
            20: "INST_GUEST_PAGE_FAULT: first instruction fetch from an unmapped guest page",
            21: "LOAD_GUEST_PAGE_FAULT: first read of a guest RAM page, and MMIO reads",
            22: "VIRTUAL_INST_FAULT: wfi while idle, trapped CSR accesses (wfi/csr_exit_* stats)",
            23: "STORE_GUEST_PAGE_FAULT: first write to a guest RAM page, and MMIO writes",
            RISCV_IRQ | 1: "IRQ_S_SOFT: a host IPI while the guest ran",
            RISCV_IRQ | 5: "IRQ_S_TIMER: the host timer while the guest ran",
            RISCV_IRQ | 9: "IRQ_S_EXT: a host device interrupt while the guest ran",
        },
        stats=[((22,), ("wfi_exit_stat", "csr_exit_kernel", "csr_exit_user"))],
        # ecall_exit_stat counts the SBI calls KVM forwards to the VMM (vcpu_sbi.c)
        user_reasons={KVM_EXIT_UNKNOWN: None, KVM_EXIT_MMIO: "mmio_exit_user",
                      KVM_EXIT_INTR: "signal_exits", KVM_EXIT_SYSTEM_EVENT: None,
                      KVM_EXIT_RISCV_SBI: "ecall_exit_stat", KVM_EXIT_RISCV_CSR: "csr_exit_user"},
        ioctl_nr=29,
        sources={"auto": "tp_btf:kvm_entry+proc", "proc": "tp_btf:kvm_entry+proc"},
        power_off=0,  # Linux powers off through QEMU's syscon device: an MMIO write
    ),
}

# The markers qemu-guest-init.sh prints, in order: the workload ran and the guest powered off.
GUEST_MARKERS = [r"^LGUEST up cpus=(\d+)", r"^LGUEST hotplug n=\d+ online=0-1$",
                 r"^LGUEST virtio n=(\d+)$", r"^LGUEST sleep n=\d+$", r"^LGUEST idle ",
                 r"^LGUEST poweroff "]
BPF_ATTACH_CMDS = {0x11, 0x1C}  # BPF_RAW_TRACEPOINT_OPEN, BPF_LINK_CREATE
USEC = 1000
# The final read of a run: its stamp (end_mono_ns) comes before the mapped arrays are read. An
# exit accounted within this long after it may or may not be in the total (measured: the read
# of a few keys takes microseconds; but an emulated CPU under load stalls for milliseconds: one
# exit accounted 1.24 ms after the stamp was in the total, on a machine running other emulators).
READ_SLACK_NS = 5000 * USEC

TRACE_RE = re.compile(r"^\s*(.+)-(\d+)\s+\[\d+\]\s+\S+\s+(\d+)\.(\d+):\s+(\w+):\s*(.*)$")
FIELD_RE = re.compile(r"(\w+)=0x([0-9a-f]+)")
SYS_RE = re.compile(r"^NR \d+ \(([0-9a-f]+),")
PROM_RE = re.compile(r"^(\w+)\{(.*)\} (\S+)$")
LABEL_RE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


class Event:
    __slots__ = ("ts", "tid", "kind", "cls", "reason")

    def __init__(self, ts, tid, kind, cls=None, reason=None):
        self.ts, self.tid, self.kind, self.cls, self.reason = ts, tid, kind, cls, reason


class Run:
    """One kvmstat-bpf run: its NDJSON, exit code and pid."""

    def __init__(self, name):
        self.name, self.objs, self.rc, self.pid, self.args = name, [], None, None, []

    def vcpu_source(self, guest):
        """What its vcpu_source must be on Debian's kernel (KALLSYMS_ALL=y)."""
        a = self.args
        src = a[a.index("--vcpu-source") + 1] if "--vcpu-source" in a[:-1] else "auto"
        return "thread" if src == "thread" else guest.sources.get(src)

    @property
    def total(self):
        t = [o for o in self.objs if o.get("type") == "total"]
        return t[-1] if t else None

    @property
    def intervals(self):
        return [o for o in self.objs if o.get("type") == "interval"]


class QemuLog:
    """The console log and the bulk output file of one run."""

    def __init__(self, text, out, arch_tables):
        self.arch = None
        self.end_rc = self.qemu_rc = self.stats_rc = None
        self.qemu = {}  # pid, name, uuid, vcpus
        self.threads = {}  # tid -> (comm, syscall "nr,arg0,arg1")
        self.fds = {}  # fd -> link target
        self.kvm_stats = {}  # vcpu id -> {stat: value}
        self.trace_lost = {}
        self.hist_lines = None
        self.console = []
        self.virtio_lines = None
        self.runs = {}
        self.events = []  # Event, in trace order
        self.unparsed = 0
        self.sys = []  # (ts, pid, "enter"/"exit", cmd or ret)
        self.prom = []  # (metric, {label: value}, value) of the life run's --prom-file
        self._parse_log(text)
        self.tables = arch_tables.get(self.arch)
        self.guest = GUESTS.get(self.arch)
        self._parse_out(out)

    def run(self, name):
        return self.runs.setdefault(name, Run(name))

    def _parse_log(self, text):
        section = None
        for line in text.splitlines():
            line = line.rstrip("\r")
            if line in ("=== HIST BEGIN ===", "=== GUEST CONSOLE BEGIN ==="):
                section = line
                if "HIST" in line:
                    self.hist_lines = []
                continue
            if line in ("=== HIST END ===", "=== GUEST CONSOLE END ==="):
                section = None
                continue
            if section and "HIST" in section:
                self.hist_lines.append(line)
            elif section:
                self.console.append(line)
            else:
                self._parse_line(line)

    def _parse_line(self, line):
        kv = dict(base.KV_RE.findall(line))
        if line.startswith("VMTEST arch="):
            self.arch = kv["arch"]
        elif m := re.match(r"^=== VMTEST END rc=(\d+) ===", line):
            self.end_rc = int(m.group(1))
        elif line.startswith("QEMU pid="):
            self.qemu = kv
        elif m := re.match(r"^QEMU thread tid=(\d+) syscall=(\S+) comm=(.*)$", line):
            self.threads[int(m.group(1))] = (m.group(3), m.group(2))
        elif m := re.match(r"^QEMU fd=(\d+) target=(\S+)$", line):
            self.fds[int(m.group(1))] = m.group(2)
        elif line.startswith("GUEST qemu rc="):
            self.qemu_rc = int(kv["rc"])
        elif line.startswith("GUEST vcpu-stats rc="):
            self.stats_rc = int(kv["rc"])
        elif line.startswith("GUEST kvmstat-bpf run="):
            r = self.run(kv["run"])
            r.rc = int(kv["rc"])
        elif m := re.match(r"^GUEST kvmstat-bpf started run=(\w+) pid=(\d+) args=(.*)$", line):
            r = self.run(m.group(1))
            r.pid, r.args = int(m.group(2)), m.group(3).split()
        elif line.startswith("GUEST virtio lines="):
            self.virtio_lines = int(kv["lines"])
        elif line.startswith("KVMSTATS vm_pid=") and "vcpu" in kv:
            self.kvm_stats[int(kv.pop("vcpu"))] = {k: int(v) for k, v in kv.items() if k != "vm_pid"}
        elif line.startswith("TRACE ") and line.split()[1].split("=")[0].endswith("lost"):
            k, v = line.split()[1].split("=")
            self.trace_lost[k] = int(v)

    def _parse_out(self, out):
        section = None
        for line in out.splitlines():
            if m := re.match(r"^=== TRACE BEGIN (\w+) ===$", line):
                section = ("trace", m.group(1))
            elif m := re.match(r"^=== KVMSTAT NDJSON BEGIN run=(\w+) ===$", line):
                section = ("ndjson", m.group(1))
            elif line == "=== PROM BEGIN run=life ===":
                section = ("prom", "life")
            elif line in ("=== TRACE END ===", "=== KVMSTAT NDJSON END ===", "=== PROM END ==="):
                section = None
            elif section and section[0] == "prom":
                if (m := PROM_RE.match(line)):
                    labels = {k: v.encode().decode("unicode_escape") for k, v in LABEL_RE.findall(m.group(2))}
                    self.prom.append((m.group(1), labels, float(m.group(3))))
            elif section and section[0] == "ndjson":
                if line.strip():
                    self.run(section[1]).objs.append(json.loads(line))
            elif section and not line.startswith("#"):
                self._parse_trace(line, section[1])

    def _parse_trace(self, line, instance):
        m = TRACE_RE.match(line)
        if not m:
            self.unparsed += bool(line.strip())
            return
        _, pid, sec, usec, ev, rest = m.groups()
        ts = int(sec) * 1_000_000_000 + int(usec) * USEC
        if instance == "bpf":
            if ev == "sys_enter" and (s := SYS_RE.match(rest)):
                self.sys.append((ts, int(pid), "enter", int(s.group(1), 16)))
            elif ev == "sys_exit":
                self.sys.append((ts, int(pid), "exit", rest.split("=")[-1].strip()))
            return
        f = {k: int(v, 16) for k, v in FIELD_RE.findall(rest)}
        if ev == "kvm_exit":
            hi, lo = self.tables.hist_keys
            if lo not in f or (hi and hi not in f):
                self.unparsed += 1
                return
            self.events.append(Event(ts, int(pid), "exit", self.tables.class_of(f.get(hi, 0), f[lo])))
        elif ev == "kvm_userspace_exit":
            self.events.append(Event(ts, int(pid), "uexit", reason=f.get("reason")))
        elif ev == "kvm_entry":
            self.events.append(Event(ts, int(pid), "entry"))
        else:
            self.unparsed += 1

    def vcpu_threads(self):
        """tid -> vCPU index from QEMU's thread names ("CPU n/KVM")."""
        out = {}
        for tid, (comm, _) in self.threads.items():
            m = re.match(r"^CPU (\d+)/KVM$", comm)
            if m:
                out[tid] = int(m.group(1))
        return out

    def kernel_vcpu_ids(self):
        """tid -> KVM vcpu_id, from the kernel: the fd each vCPU thread's KVM_RUN is blocked on."""
        out = {}
        for tid, (_, syscall) in self.threads.items():
            parts = syscall.split(",")
            if len(parts) == 3 and parts[0] == str(self.guest.ioctl_nr) and parts[2] == "0xae80":
                m = re.match(r"^anon_inode:kvm-vcpu:(\d+)$", self.fds.get(int(parts[1], 16), ""))
                if m:
                    out[tid] = int(m.group(1))
        return out


# --- ground truth from the trace ---------------------------------------------------------------

def accounted_exits(events):
    """Each exit with where kvmstat-bpf accounts it: (exit event, accounting event or None,
    origin). The accounting event is the thread's next kvm_entry (origin kernel) or, earlier,
    kvm_userspace_exit (origin user). Without kvm_entry in the trace (it is enabled late), an
    exit followed by another exit was re-entered in between (KVM_RUN enters the guest before
    every exit): its accounting time is unknown (None), origin kernel."""
    pending = {}
    out = []
    for ev in events:
        p = pending.pop(ev.tid, None)
        if ev.kind == "exit":
            if p:
                out.append((p, None, "kernel"))
            pending[ev.tid] = ev
        elif ev.kind == "uexit":
            if p:
                out.append((p, ev, "user"))
        elif p:  # entry
            out.append((p, ev, "kernel"))
    for p in pending.values():
        out.append((p, None, "unaccounted"))
    return out


def trace_counts(accounted):
    """(tid, class, origin) -> exits; exits never accounted are left out."""
    out = defaultdict(int)
    for ex, _, origin in accounted:
        if origin != "unaccounted":
            out[(ex.tid, ex.cls, origin)] += 1
    return out


def per_class(counts):
    out = defaultdict(int)
    for (tid, cls, _), n in counts.items():
        out[(tid, cls)] += n
    return out


def user_returns(events):
    """tid -> reason -> kvm_userspace_exit events."""
    out = defaultdict(lambda: defaultdict(int))
    for ev in events:
        if ev.kind == "uexit":
            out[ev.tid][ev.reason] += 1
    return out


def hist_counts(log):
    if log.hist_lines is None:
        return None
    lg = base.Log("")
    lg.hist_lines = {1: log.hist_lines}  # one wave: the QEMU guest's life
    h = lg.hist(log.tables)
    return {(pid, cls): n for (_, pid), by_cls in h.items() for cls, n in by_cls.items()}


def kvmstat_counts(obj):
    """(tid, class, origin) -> exits of one NDJSON object."""
    out = defaultdict(int)
    for _, tid, c in base.class_objects(obj):
        out[(tid, int(c["class"], 16), c.get("origin"))] += c["exits"]
    return out


def name(tables, cls):
    return tables.name(cls)


# --- checks ------------------------------------------------------------------------------------

def check_run(log, ck):
    ck.equal("test script exit code (end marker)", 0, log.end_rc)
    ck.equal("QEMU exit code", 0, log.qemu_rc)
    ck.equal("vcpu-stats exit code (held QEMU's vCPU stats fds, read them after it ended)", 0,
             log.stats_rc)
    want = int(log.qemu.get("vcpus", -1))
    ck.equal("KVM stats for every vCPU", list(range(want)), sorted(log.kvm_stats))
    at = 0
    text = log.console
    for rx in GUEST_MARKERS:
        found = next((i for i in range(at, len(text)) if re.search(rx, text[i])), None)
        ck.check(found is not None, f"guest console: marker /{rx}/ in order")
        if found is not None:
            at = found + 1
            m = re.search(rx, text[found])
            if rx.startswith("^LGUEST up"):
                ck.equal("guest: CPUs online", want, int(m.group(1)))
            if rx.startswith("^LGUEST virtio"):
                ck.equal("guest: lines written to the virtio console == lines QEMU's chardev got",
                         int(m.group(1)), log.virtio_lines)
    errors = [line for line in text if line.startswith("LGUEST error")]
    ck.check(not errors, f"guest: no workload errors ({errors[:2]})")
    ck.equal("tracefs events lost (KVM events, bpf calls)", {"lost": 0, "bpf_lost": 0}, log.trace_lost)
    ck.equal("tracefs lines not parsed", 0, log.unparsed)
    for r in sorted(log.runs.values(), key=lambda r: r.name):
        ck.equal(f"kvmstat-bpf {r.name} exit code", 0, r.rc)


def check_identity_truth(log, ck):
    """The vCPU threads QEMU names "CPU n/KVM" are blocked in KVM_RUN on vcpu fd n (kernel view)."""
    names, kernel = log.vcpu_threads(), log.kernel_vcpu_ids()
    ck.equal("QEMU vCPU threads (named CPU n/KVM)", int(log.qemu.get("vcpus", -1)), len(names))
    ck.equal("each vCPU thread idles in KVM_RUN on the fd of kvm-vcpu:n, n its name's index",
             names, kernel)
    return kernel


def check_classes_explained(log, counts, vcpus, ck):
    explained = log.guest.explained
    seen = sorted({cls for (tid, cls) in counts if tid in vcpus})
    for cls in seen:
        ck.check(cls in explained, f"class {hex(cls)} {name(log.tables, cls)}: "
                 f"{explained.get(cls, 'NOT explained for a Linux guest')}")
    others = sorted({tid for (tid, _) in counts} - set(vcpus))
    ck.check(not others, f"kvm_exit only from QEMU's vCPU threads (others: {others})")


def check_kvm_stats(log, vcpus, classes, returns, ck):
    """KVM's own per-vCPU counters against the trace."""
    g = log.guest
    for tid, vid in sorted(vcpus.items()):
        st = log.kvm_stats.get(vid, {})
        who = f"vCPU {vid} (tid {tid})"
        mine = {cls: n for (t, cls), n in classes.items() if t == tid}
        ck.equal(f"{who}: KVM exits == tracefs kvm_exit", st.get("exits"), sum(mine.values()))
        for cls_list, names in g.stats:
            ck.equal(f"{who}: KVM {'+'.join(names)} == tracefs "
                     f"{'+'.join(name(log.tables, c) for c in cls_list)}",
                     sum(st[n] for n in names) if all(n in st for n in names) else None,
                     sum(mine.get(c, 0) for c in cls_list))
        for reason, stat in g.user_reasons.items():
            if stat:
                ck.equal(f"{who}: KVM {stat} == tracefs kvm_userspace_exit reason {reason}",
                         st.get(stat), returns[tid].get(reason, 0))
        unknown = sorted(set(returns[tid]) - set(g.user_reasons))
        ck.check(not unknown, f"{who}: kvm_userspace_exit reasons known ({unknown or 'all'})")
    off = sum(r.get(KVM_EXIT_SYSTEM_EVENT, 0) for r in returns.values())
    ck.equal("KVM_EXIT_SYSTEM_EVENTs: the guest's poweroff", g.power_off, off)


def key_name(tables, k):
    """(tid, class[, origin]) as text."""
    return f"tid {k[0]} {hex(k[1])} {name(tables, k[1])}{'/' + k[2] if len(k) > 2 else ''}"


def compare(what, want, got, tables, ck):
    """want/got: (tid, class[, origin]) -> count; one ok line, or a FAIL per difference."""
    bad = [k for k in sorted(set(want) | set(got), key=str) if want.get(k, 0) != got.get(k, 0)]
    for k in bad:
        ck.check(False, f"{what}: {key_name(tables, k)}: want {want.get(k, 0)}, got {got.get(k, 0)}")
    if not bad:
        ck.check(True, f"{what}: {len(want)} counts, {sum(want.values())} exits, all equal")


def check_life(log, vcpus, accounted, ck):
    run = log.runs.get("life")
    total = run.total if run else None
    if not ck.check(total is not None, "kvmstat-bpf life: a total line"):
        return
    truth = trace_counts(accounted)
    compare("kvmstat-bpf life == tracefs per (tid, class, origin)", truth, kvmstat_counts(total),
            log.tables, ck)
    leftover = [(ex.tid, hex(ex.cls)) for ex, _, o in accounted if o == "unaccounted"]
    ck.check(not leftover, f"every traced exit was followed by its thread's next KVM event "
             f"({leftover[:4]})")
    drops = total.get("drops", {})
    ck.equal("kvmstat-bpf life: drops.stats_full, inflight", (0, 0),
             (drops.get("stats_full"), drops.get("inflight")))
    ck.equal("kvmstat-bpf life: unpaired (each vCPU thread's first kvm_entry)", len(vcpus),
             drops.get("unpaired"))
    check_intervals_sum(run, ck)
    ck.equal("kvmstat-bpf life: vcpu_source", run.vcpu_source(log.guest), total.get("vcpu_source"))
    check_vm_identity(log, run, vcpus, ck)
    base.check_kvmstat_levels(total, ck)


def check_prometheus(log, vcpus, truth, ck):
    """The life run's --prom-file at its end: kvmstat_exits_total per (vCPU, class, origin) ==
    tracefs, labelled with QEMU's pid, name and UUID; kvmstat_vm_info also with its scope."""
    total = log.runs["life"].total
    names = {int(c["class"], 16): c["name"] for _, _, c in base.class_objects(total)}
    want = defaultdict(int)
    for (tid, cls, origin), n in truth.items():
        want[(str(vcpus.get(tid)), names.get(cls, hex(cls)), origin)] += n
    got = defaultdict(int)
    bad = []
    ident = {"vm": log.qemu.get("pid"), "vm_name": log.qemu.get("name"),
             "vm_uuid": log.qemu.get("uuid")}
    for metric, labels, value in log.prom:
        if metric != "kvmstat_exits_total":
            continue
        got[(labels.get("vcpu"), labels.get("class"), labels.get("origin"))] += int(value)
        if {k: labels.get(k) for k in ident} != ident:
            bad.append(f"labels {labels}")
    info = [labels for metric, labels, _ in log.prom if metric == "kvmstat_vm_info"]
    ck.equal("Prometheus kvmstat_vm_info: QEMU's pid, name, UUID and scope",
             [dict(ident, vm_scope=log.qemu.get("scope", ""))], info)
    ck.check(not bad, f"Prometheus kvmstat_exits_total labelled with QEMU's pid, name and UUID "
             f"({bad[:1]})")
    diff = [k for k in sorted(set(want) | set(got)) if want.get(k, 0) != got.get(k, 0)]
    for k in diff:
        ck.check(False, f"Prometheus kvmstat_exits_total{{vcpu={k[0]},class={k[1]},origin={k[2]}}}: "
                 f"{got.get(k, 0)}, tracefs {want.get(k, 0)}")
    if not diff:
        ck.check(True, f"Prometheus kvmstat_exits_total per (vcpu, class, origin) == tracefs: "
                 f"{len(want)} series, {sum(want.values())} exits")


def check_intervals_sum(run, ck):
    summed = defaultdict(int)
    for o in run.intervals:
        for k, n in kvmstat_counts(o).items():
            summed[k] += n
    ck.check(dict(summed) == dict(kvmstat_counts(run.total)),
             f"kvmstat-bpf {run.name}: its {len(run.intervals)} interval lines sum to its total")


def check_vm_identity(log, run, vcpus, ck, every_line=False):
    """VM pid, name and UUID are QEMU's; each vCPU object is one of its vCPU threads with the
    kernel's vcpu_id and QEMU's thread name (every_line: in every interval line too)."""
    objs = run.objs if every_line else [run.total]
    pid = int(log.qemu.get("pid", -1))
    bad = []
    for o in objs:
        where = f"{run.name} {o.get('type')} ending {o.get('interval', {}).get('end_mono_ns')}"
        vms = o.get("vms", [])
        if sorted(v.get("pid") for v in vms) != ([pid] if vms else []):
            bad.append(f"{where}: VM pids {[v.get('pid') for v in vms]}, want [{pid}]")
        for vm in vms:
            if vm.get("name") != log.qemu.get("name"):
                bad.append(f"{where}: VM name {vm.get('name')!r}, want {log.qemu.get('name')!r}")
            if vm.get("vm_uuid") != log.qemu.get("uuid"):
                bad.append(f"{where}: VM uuid {vm.get('vm_uuid')!r}, want {log.qemu.get('uuid')!r}")
            if vm.get("vm_scope") != (log.qemu.get("scope") or None):
                bad.append(f"{where}: VM scope {vm.get('vm_scope')!r}, want {log.qemu.get('scope')!r}")
            for v in vm.get("vcpus", []):
                tid = v.get("tid")
                if v.get("vcpu") != vcpus.get(tid):
                    bad.append(f"{where}: tid {tid} vcpu {v.get('vcpu')}, want {vcpus.get(tid)}")
                if v.get("vcpu_index") != log.vcpu_threads().get(tid):
                    bad.append(f"{where}: tid {tid} vcpu_index {v.get('vcpu_index')}, want "
                               f"{log.vcpu_threads().get(tid)} (QEMU's thread name)")
                if v.get("thread") != log.threads.get(tid, ("?",))[0]:
                    bad.append(f"{where}: tid {tid} thread {v.get('thread')!r}, want "
                               f"{log.threads.get(tid, ('?',))[0]!r}")
    for b in bad:
        ck.check(False, f"kvmstat-bpf identity: {b}")
    if not bad:
        ck.check(True, f"kvmstat-bpf {run.name}: VM pid {pid}, name {log.qemu.get('name')!r}, uuid "
                 f"{log.qemu.get('uuid')}, scope {log.qemu.get('scope')}, vCPU ids and indexes and "
                 "thread names of QEMU in "
                 f"{'every line' if every_line else 'the total'} ({len(objs)} objects)")


def attach_boundaries(log, run):
    """(A0, A1): the bpf(2) call that attached kvmstat-bpf's last program (kvm_exit: it goes
    last, after the programs that account an exit), entry and exit by the kernel's clock: the
    last attach call before the run's first read. None if the trace lacks it."""
    first_read = run.intervals[0]["interval"]["end_mono_ns"]
    last = enter = None
    for ts, pid, kind, val in log.sys:
        if pid != run.pid or ts > first_read:
            continue
        if kind == "enter":
            enter = (ts, val)
        elif enter and enter[1] in BPF_ATTACH_CMDS:
            last = (enter[0], ts)
            enter = None
    return last


def classify(exit_ts, acct_ts, a, end):
    """1: counted, 0: not, None: at a boundary (either is right). An exit is counted when its
    kvm_exit fired after the kvm_exit program was attached (during the attach call: at the
    boundary) and it was accounted (its next kvm_entry or kvm_userspace_exit) no later than the
    run's final read (end, ns; within READ_SLACK_NS after it: at the boundary)."""
    a0, a1 = a
    if exit_ts + USEC <= a0:  # trace stamps are whole microseconds
        return 0
    start = 1 if exit_ts >= a1 else None
    if acct_ts is None or acct_ts > end + READ_SLACK_NS + USEC:
        return 0
    done = 1 if acct_ts + USEC <= end else None
    return None if start is None or done is None else 1


def check_attach_run(log, run, vcpus, accounted, ck):
    total = run.total
    if not ck.check(total is not None and run.intervals, f"kvmstat-bpf {run.name}: total and "
                    f"interval lines ({len(run.intervals)})"):
        return
    a = attach_boundaries(log, run)
    if not ck.check(a is not None, f"kvmstat-bpf {run.name} (pid {run.pid}): its attach call in "
                    "the bpf(2) trace"):
        return
    end = total["interval"]["end_mono_ns"]
    first = run.intervals[0]["interval"]
    ck.check(first["start_mono_ns"] <= a[0] and a[1] <= first["end_mono_ns"],
             f"kvmstat-bpf {run.name}: attached ({a[0]}..{a[1]} ns) within its first interval "
             f"({first['start_mono_ns']}..{first['end_mono_ns']} ns)")
    want, maybe = defaultdict(int), defaultdict(int)
    for ex, acct, origin in accounted:
        if acct is None and origin != "unaccounted":
            continue  # re-entered before kvm_entry was traced: long before any attach run
        c = classify(ex.ts, acct.ts if acct else None, a, end)
        key = (ex.tid, ex.cls, origin)
        if c == 1:
            want[key] += 1
        elif c is None:
            maybe[key] += 1
    got = kvmstat_counts(total)
    bad = [k for k in sorted(set(want) | set(got), key=str)
           if not want.get(k, 0) <= got.get(k, 0) <= want.get(k, 0) + maybe.get(k, 0)]
    for k in bad:
        ck.check(False, f"kvmstat-bpf {run.name} {key_name(log.tables, k)}: {got.get(k, 0)}, "
                 f"tracefs inside the boundaries {want.get(k, 0)} "
                 f"(+{maybe.get(k, 0)} at a boundary)")
    if not bad:
        ck.check(True, f"kvmstat-bpf {run.name} == tracefs from attach ({a[1] / 1e9:.6f} s) to "
                 f"its final read ({end / 1e9:.6f} s): {sum(got.values())} exits in "
                 f"{len(got)} (tid, class, origin) counts; {sum(maybe.values())} at a boundary")
    ck.check(sum(got.values()) > 0, f"kvmstat-bpf {run.name}: saw the idle guest's exits")
    drops = total.get("drops", {})
    ck.equal(f"kvmstat-bpf {run.name}: drops.stats_full, inflight", (0, 0),
             (drops.get("stats_full"), drops.get("inflight")))
    check_intervals_sum(run, ck)
    ck.equal(f"kvmstat-bpf {run.name} ({' '.join(run.args)}): vcpu_source",
             run.vcpu_source(log.guest), total.get("vcpu_source"))
    check_vm_identity(log, run, vcpus, ck, every_line=True)
    after = sum(1 for ex, _, _ in accounted if ex.ts > end + READ_SLACK_NS)
    ck.check(after > 0, f"the guest kept running after kvmstat-bpf {run.name} detached "
             f"({after} exits after)")


def check_schema(log, ck):
    try:
        import jsonschema
    except ImportError:
        print("skip NDJSON schema: no python3-jsonschema")
        return
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                        "kvmstat.schema.json")
    with open(path) as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    bad = [(r.name, e.message) for r in log.runs.values() for o in r.objs
           for e in validator.iter_errors(o)]
    ck.check(not bad, f"NDJSON of every run valid against docs/kvmstat.schema.json ({bad[:2]})")


def print_table(log, vcpus, truth, hist, ks):
    tables = log.tables
    for tid, vid in sorted(vcpus.items(), key=lambda x: x[1]):
        st = log.kvm_stats.get(vid, {})
        print(f"\nVM {log.qemu.get('name')} (QEMU pid {log.qemu.get('pid')}) vCPU {vid} (tid {tid})")
        rows = [("class", "name", "origin", "tracefs", "hist", "kvmstat-bpf")]
        keys = sorted({k for k in set(truth) | set(ks) if k[0] == tid}, key=lambda k: (k[1], k[2]))
        for k in keys:
            rows.append((hex(k[1]), name(tables, k[1]), k[2], str(truth.get(k, 0)),
                         str(hist.get((tid, k[1]), 0)) if hist is not None else "-", str(ks.get(k, 0))))
        rows.append(("total", "", "", str(sum(n for k, n in truth.items() if k[0] == tid)),
                     str(sum(n for k, n in hist.items() if k[0] == tid)) if hist is not None else "-",
                     str(sum(n for k, n in ks.items() if k[0] == tid))))
        rows.append(("KVM", "", "", f"exits={st.get('exits')}", f"hvc={st.get('hvc_exit_stat')}",
                     f"wfi={st.get('wfi_exit_stat')} mmio_user={st.get('mmio_exit_user')} "
                     f"mmio_kernel={st.get('mmio_exit_kernel')} signal={st.get('signal_exits')}"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print()


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = sys.argv[1]
    out_path = sys.argv[2] if len(sys.argv) == 3 else re.sub(r"\.log$", "", path) + ".out"
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    try:
        with open(out_path, "rb") as f:
            out = f.read().decode("utf-8", "replace")
    except OSError as e:
        out = ""
        print(f"note no output file {out_path}: {e.strerror}")
    ck = base.Checker()
    arch_ok = re.search(r"^VMTEST arch=(\S+)", text, re.M)
    if not ck.check(arch_ok and arch_ok.group(1) in GUESTS, "log names an arch with a QEMU "
                    f"scenario ({arch_ok.group(1) if arch_ok else None})"):
        print(f"{ck.passed} passed, {ck.failed} failed")
        return 1
    log = QemuLog(text, out, base.ARCHES)
    check_run(log, ck)
    vcpus = check_identity_truth(log, ck)
    accounted = accounted_exits(log.events)
    truth = trace_counts(accounted)
    classes = per_class(truth)
    hist = hist_counts(log)
    life = log.runs.get("life")
    print_table(log, vcpus, truth, hist, kvmstat_counts(life.total) if life and life.total else {})
    check_classes_explained(log, classes, vcpus, ck)
    if hist is not None:
        compare("hist == tracefs per (tid, class)", dict(classes), hist, log.tables, ck)
    check_kvm_stats(log, vcpus, classes, user_returns(log.events), ck)
    check_life(log, vcpus, accounted, ck)
    if ck.check(bool(log.prom), "the life run's --prom-file"):
        check_prometheus(log, vcpus, truth, ck)
    attach = sorted((r for r in log.runs.values() if r.name.startswith("attach")),
                    key=lambda r: r.name)
    want = set(log.guest.sources.values())
    ck.check(len(attach) >= 2 and want <= {r.vcpu_source(log.guest) for r in attach},
             f"attach runs: {len(attach)} (attach, detach, attach again; vCPUs by {sorted(want)})")
    for r in attach:
        check_attach_run(log, r, vcpus, accounted, ck)
    check_schema(log, ck)
    print(f"{ck.passed} passed, {ck.failed} failed")
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())
