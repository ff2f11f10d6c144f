#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validate every line of kvmstat-bpf NDJSON files against docs/kvmstat.schema.json.

Usage: /usr/bin/python3 tests/json/check_schema.py [--schema SCHEMA] FILE...

Prints one line per invalid record (FILE:LINE: where: why) and exits 1 if any
line is invalid or a file has no records; 0 otherwise. Needs Debian's
python3-jsonschema (draft 2020-12), hence /usr/bin/python3.
"""
import argparse
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("check_schema: failed to import jsonschema: install python3-jsonschema "
             "and run with /usr/bin/python3")

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                      "kvmstat.schema.json")


def where(err):
    """JSON path of a validation error, e.g. vms[0].vcpus[1].classes[2].handling."""
    out = ""
    for p in err.absolute_path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out or "(record)"


def check_file(path, validator):
    bad = records = 0
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                print(f"{path}:{lineno}: not JSON: {e}")
                bad += 1
                continue
            records += 1
            for err in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path)):
                print(f"{path}:{lineno}: {where(err)}: {err.message[:300]}")
                bad += 1
    if not records and not bad:
        print(f"{path}: no records")
        bad += 1
    return records, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", default=SCHEMA)
    ap.add_argument("files", nargs="+", metavar="FILE")
    args = ap.parse_args()
    with open(args.schema) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failed = 0
    for path in args.files:
        records, bad = check_file(path, validator)
        failed += bad
        if not bad:
            print(f"{path}: {records} records valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
