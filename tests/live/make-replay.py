#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make-replay.py IN OUT N: a saved run for the live view's tests, from gen-ndjson's NDJSON.

gen-ndjson (tests/report) writes a run of one VM (its own process) with 3 vCPU threads
through run's real read/delta/write path; its intervals last milliseconds. OUT has N
interval lines taken from IN's in turn, each 1 s long and following the last (so a
replay paces them like a real run at -i 1), then a total line. The vCPU threads are
split into two VMs so the filter has something to pick: the first two threads are
vCPUs 0 and 1 of VM "web" (IN's pid), the third vCPU 0 of VM "db" (pid + 1).
kvmstat-bpf reads the deepest level of a line only (user/ndjson/record.c), so the
per-VM and per-class sums of IN are left as they are.
"""
import copy
import json
import sys

src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = [json.loads(l) for l in open(src)]
intervals = [l for l in lines if l["type"] == "interval"]
assert intervals and all(l["grouping"] == "vcpu" for l in intervals), "want gen-ndjson's vcpu lines"
t0 = intervals[0]["interval"]["start_mono_ns"]


def split_vms(o):
    vm = o["vms"][0]
    threads = sorted(vm["vcpus"], key=lambda c: c["tid"])
    web, db = copy.deepcopy(vm), copy.deepcopy(vm)
    web["name"], db["name"], db["pid"] = "web", "db", vm["pid"] + 1
    web["vcpus"], db["vcpus"] = threads[:2], threads[2:]
    for vcpus in (web["vcpus"], db["vcpus"]):
        for i, c in enumerate(vcpus):
            c["vcpu"], c["thread"] = i, "CPU %d/KVM" % i
    o["vms"] = [web, db]


with open(dst, "w") as out:
    for i in range(n):
        o = copy.deepcopy(intervals[i % len(intervals)])
        o["interval"]["start_mono_ns"] = t0 + i * 10**9
        o["interval"]["end_mono_ns"] = t0 + (i + 1) * 10**9
        split_vms(o)
        out.write(json.dumps(o, separators=(",", ":")) + "\n")
