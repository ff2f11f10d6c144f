#!/usr/bin/env python3
"""Cut the raw BTF blob (.BTF section contents) out of a kernel image.

Usage: extract-btf.py IMAGE OUT

A vmlinux/Image carries its BTF verbatim; find it by its header: magic 0xeB9F, version 1,
hdr_len 24, type_off 0, str_off == type_len, string section starting and ending with NUL.
A compressed image (x86 bzImage) is searched inside every gzip/xz/zstd stream it contains,
as scripts/extract-vmlinux in the kernel tree does.
"""
import gzip
import lzma
import struct
import subprocess
import sys
import zlib

BTF_MAGIC = b"\x9f\xeb\x01"  # little-endian 0xeB9F, version 1
HDR = struct.Struct("<HBBIIIII")


def btf_candidates(data):
    """Yield (offset, length) of every plausible BTF blob in data."""
    pos = data.find(BTF_MAGIC)
    while pos >= 0:
        if pos + HDR.size <= len(data):
            _, _, _, hdr_len, type_off, type_len, str_off, str_len = HDR.unpack_from(data, pos)
            end = pos + hdr_len + str_off + str_len
            strs = pos + hdr_len + str_off
            if (hdr_len == HDR.size and type_off == 0 and str_off == type_len
                    and type_len > 0 and str_len > 1 and end <= len(data)
                    and data[strs] == 0 and data[end - 1] == 0):
                yield pos, end - pos
        pos = data.find(BTF_MAGIC, pos + 1)


def largest_btf(data):
    best = max(btf_candidates(data), key=lambda c: c[1], default=None)
    return None if best is None else data[best[0]:best[0] + best[1]]


def decompress_gzip(data, off):
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    return d.decompress(data[off:])


def decompress_xz(data, off):
    d = lzma.LZMADecompressor(lzma.FORMAT_XZ)
    return d.decompress(data[off:])


def decompress_zstd(data, off):
    # No zstd module in Debian's python3 stdlib; the zstd CLI is installed by scripts/deps.sh.
    out = subprocess.run(["zstd", "-qdc"], input=data[off:], capture_output=True)
    return out.stdout


STREAMS = [(b"\x1f\x8b\x08", decompress_gzip), (b"\xfd7zXZ\x00", decompress_xz),
           (b"\x28\xb5\x2f\xfd", decompress_zstd)]


def btf_in_compressed_streams(data):
    for magic, decompress in STREAMS:
        off = data.find(magic)
        while off >= 0:
            try:
                inner = decompress(data, off)
            except (zlib.error, lzma.LZMAError, EOFError):
                inner = b""
            if len(inner) > 1 << 20:
                blob = largest_btf(inner)
                if blob:
                    return blob
            off = data.find(magic, off + 1)
    return None


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: extract-btf.py IMAGE OUT")
    image, out = sys.argv[1:]
    try:
        with open(image, "rb") as f:
            data = f.read()
    except OSError as e:
        sys.exit(f"failed to read {image}: {e.strerror}")
    blob = largest_btf(data) or btf_in_compressed_streams(data)
    if not blob:
        sys.exit(f"failed to find BTF in {image}: no valid BTF header")
    with open(out, "wb") as f:
        f.write(blob)
    print(f"extract-btf: {len(blob)} bytes of BTF from {image}", file=sys.stderr)


if __name__ == "__main__":
    main()
