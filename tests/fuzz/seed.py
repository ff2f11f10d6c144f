#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seed corpora for the fuzz targets, from real runs.

seed.py OUTDIR [--ndjson FILE]... [--log FILE]...

NDJSON lines come from `run --json` files (gen-ndjson's synthetic runs) and
from the emulated KVM hosts' logs (tests/vmtest, the lines between the NDJSON
markers). Each line is kept whole when small, and reduced (first VM, first
vCPUs, first classes and buckets, counts summed again: still a line report
accepts; a tiny one too) so the fuzzer starts from
inputs it can mutate quickly. Writes OUTDIR/{json,record,report}/ and
OUTDIR/ndjson.dict (the schema's member names and enum strings).
"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "docs", "kvmstat.schema.json")
WHOLE_MAX = 32 * 1024
PER_SOURCE = 6


def reduce_classes(classes, n, buckets):
    classes = classes[:n]
    for c in classes:
        for span in ("handling", "guest"):
            s = c.get(span)
            if isinstance(s, dict) and isinstance(s.get("buckets"), list):
                s["buckets"] = s["buckets"][:buckets]
                s["count"] = sum(b["count"] for b in s["buckets"])
    return classes


def reduce_line(o, tiny=False):
    """First VM, vCPUs, classes and buckets (fewer when tiny), counts summed again."""
    o = json.loads(json.dumps(o))
    nb = 2 if tiny else 4
    o["classes"] = reduce_classes(o.get("classes", []), 1 if tiny else 3, nb)
    vms = o.get("vms")
    if isinstance(vms, list):
        o["vms"] = vms[:1]
        for vm in o["vms"]:
            vm["classes"] = reduce_classes(vm.get("classes", []), 1 if tiny else 3, nb)
            if isinstance(vm.get("vcpus"), list):
                vm["vcpus"] = vm["vcpus"][:1 if tiny else 2]
                for c in vm["vcpus"]:
                    c["classes"] = reduce_classes(c.get("classes", []), 1 if tiny else 2, nb)
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def lines_of(path, from_log):
    out = []
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if from_log and not line.startswith('{"schema_version"'):
                continue
            if line.strip():
                out.append(line)
    return out


def write(dirname, data):
    if isinstance(data, str):
        data = data.encode()
    os.makedirs(dirname, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(dirname, name), "wb") as f:
        f.write(data)


def dictionary(path):
    with open(SCHEMA) as f:
        schema = json.load(f)
    words = set()

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "properties" and isinstance(v, dict):
                    words.update('"%s":' % p for p in v)
                if k in ("enum", "const"):
                    for e in v if isinstance(v, list) else [v]:
                        if isinstance(e, str):
                            words.add('"%s"' % e)
                walk(v)
        elif isinstance(x, list):
            for i in x:
                walk(i)
    walk(schema)
    words.update(['null', 'true', '"0x24"', '"\\u0000"', '18446744073709551615', '-1', '1e308'])
    with open(path, "w") as f:
        for w in sorted(words):
            f.write('"%s"\n' % w.replace("\\", "\\\\").replace('"', '\\"'))


# Report option bytes (fuzz_report.c): plain; -b vcpu --hist -I; --json -; -p and --vcpu filters.
REPORT_OPTS = [b"\x00\x00", b"\x62\x03", b"\x81\x00", b"\x02\x0c", b"\x01\x14"]


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    out, sources = args[0], []
    i = 1
    while i + 1 < len(args):
        if args[i] in ("--ndjson", "--log") and os.path.exists(args[i + 1]):
            sources.append((args[i + 1], args[i] == "--log"))
        i += 2
    files = []
    for path, from_log in sources:
        lines = lines_of(path, from_log)
        if not lines:
            continue
        picked = lines[:PER_SOURCE - 1] + lines[-1:]
        reduced = []
        for line in picked:
            try:
                r = reduce_line(json.loads(line))
                tiny = reduce_line(json.loads(line), tiny=True)
            except (ValueError, AttributeError, TypeError):
                continue
            reduced.append(r)
            for target in ("json", "record"):
                write(os.path.join(out, target), r)
                write(os.path.join(out, target), tiny)
                if len(line) <= WHOLE_MAX:
                    write(os.path.join(out, target), line)
        if reduced:
            files.append("\n".join(reduced) + "\n")
    for n, text in enumerate(files):
        write(os.path.join(out, "report"), REPORT_OPTS[n % len(REPORT_OPTS)] + text.encode())
    if len(files) > 1:
        write(os.path.join(out, "report"), b"\x00\x00" + files[0].encode() + b"\x1c" +
              files[1].encode())
    dictionary(os.path.join(out, "ndjson.dict"))
    print("seeds: %d sources, %d report files" % (len(sources), len(files)))


if __name__ == "__main__":
    main()
