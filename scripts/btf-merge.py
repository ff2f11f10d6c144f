#!/usr/bin/env python3
"""Merge a split BTF (a module's .BTF) with its base into one standalone BTF.

Usage: btf-merge.py BASE.btf SPLIT.btf OUT.btf

Split BTF type ids continue after the base's last id, and its string offsets continue after the
end of the base's string section. So base types followed by split types, and base strings
followed by split strings, under one new header, is a valid standalone BTF with every id and
offset unchanged. Tools that cannot take a base (CO-RE tests via btf_custom_path, older bpftool
commands) can then see vmlinux and module types together.
"""
import struct
import sys

HDR = struct.Struct("<HBBIIIII")
MAGIC = 0xEB9F


def read_btf(path):
    """Return (types, strings) sections of the raw BTF at path."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HDR.size:
        sys.exit(f"failed to parse {path}: too short for a BTF header")
    magic, version, _, hdr_len, type_off, type_len, str_off, str_len = HDR.unpack_from(data)
    if magic != MAGIC or version != 1:
        sys.exit(f"failed to parse {path}: not little-endian BTF version 1")
    types = data[hdr_len + type_off:hdr_len + type_off + type_len]
    strings = data[hdr_len + str_off:hdr_len + str_off + str_len]
    if len(types) != type_len or len(strings) != str_len:
        sys.exit(f"failed to parse {path}: truncated")
    return types, strings


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: btf-merge.py BASE.btf SPLIT.btf OUT.btf")
    base_types, base_strs = read_btf(sys.argv[1])
    split_types, split_strs = read_btf(sys.argv[2])
    if base_strs[:1] != b"\0" or base_strs[-1:] != b"\0":
        sys.exit(f"failed to merge {sys.argv[1]}: base string section not NUL-delimited")
    types = base_types + split_types
    strs = base_strs + split_strs
    hdr = HDR.pack(MAGIC, 1, 0, HDR.size, 0, len(types), len(types), len(strs))
    with open(sys.argv[3], "wb") as f:
        f.write(hdr + types + strs)
    print(f"btf-merge: {len(base_types)}+{len(split_types)} type bytes, "
          f"{len(base_strs)}+{len(split_strs)} string bytes -> {sys.argv[3]}", file=sys.stderr)


if __name__ == "__main__":
    main()
