#!/usr/bin/env bash
# What the emulated host needs to run Debian's QEMU with a Linux guest (qemu-host.sh, demo.sh):
# prints vmtest.sh FILE=/DEST arguments, one per line, after laying out what is missing:
# QEMU and its libraries (scripts/fetch-qemu.sh), the guest kernel (the host's own Debian
# kernel, scripts/fetch-debs.sh), and the guest's initramfs (busybox and qemu-guest-init.sh as
# /init, written to OUT_DIR/qemu-guest.initrd.gz), plus qemu-lib.sh.
# Usage: tests/vmtest/qemu-files.sh ARCH OUT_DIR
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/vmtest

die() {
	echo "qemu-files: $*" >&2
	exit 2
}

[ $# -eq 2 ] || die "usage: $0 ARCH OUT_DIR"
ARCH=$1
OUT_DIR=$2
case "$ARCH" in arm64 | riscv | x86) ;; *) die "no QEMU guest for $ARCH" ;; esac
cache=$("$ROOT/scripts/fetch-debs.sh" "$ARCH" | tail -n1) || die "failed to fetch the $ARCH kernel"
qemu=$("$ROOT/scripts/fetch-qemu.sh" "$ARCH" | tail -n1) || die "failed to fetch QEMU for $ARCH"
mkdir -p "$OUT_DIR"
initrd=$OUT_DIR/qemu-guest.initrd.gz
tree=$(mktemp -d "$OUT_DIR/.guest.XXXXXX")
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{bin,dev,proc,sys}
cp "$cache/busybox" "$tree/bin/busybox"
ln -s busybox "$tree/bin/sh"
cp "$HERE/qemu-guest-init.sh" "$tree/init"
chmod 755 "$tree/init"
(cd "$tree" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$initrd.tmp"
mv -f "$initrd.tmp" "$initrd"
printf '%s\n' "$qemu=/opt/qemu" "$cache/Image=/guest/Image" "$initrd=/guest/initrd.gz" \
	"$HERE/qemu-lib.sh=/test/qemu-lib.sh"
