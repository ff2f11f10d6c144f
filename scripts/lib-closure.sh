#!/usr/bin/env bash
# Copy the shared-library closure of a dynamically linked binary of another Debian arch (its
# multiarch libraries installed on this machine, e.g. libmicrohttpd12:arm64) into one directory,
# with the dynamic loader: what a minimal initramfs needs to run it (tests/prometheus/e2e.sh).
#
# Usage: scripts/lib-closure.sh BINARY TRIPLET OUTDIR
#   TRIPLET  Debian multiarch triplet, e.g. aarch64-linux-gnu: libraries are looked up in
#            /lib/TRIPLET and /usr/lib/TRIPLET, as the target's ld.so does.
# OUTDIR gets every NEEDED library (recursively, symlinks resolved) and the PT_INTERP loader,
# each under its soname; the files belong in the target's /lib.
set -euo pipefail

die() {
	echo "lib-closure: $*" >&2
	exit 1
}

[ $# -eq 3 ] || die "usage: $0 BINARY TRIPLET OUTDIR"
BIN=$1 TRIPLET=$2 OUT=$3
[ -f "$BIN" ] || die "no binary '$BIN'"
DIRS=("/lib/$TRIPLET" "/usr/lib/$TRIPLET")

needed() {
	readelf -d "$1" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p'
}

find_lib() {
	local d
	for d in "${DIRS[@]}"; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}

interp=$(readelf -l "$BIN" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
[ -n "$interp" ] || die "$BIN is not dynamically linked (no PT_INTERP)"
loader=$(find_lib "$(basename "$interp")") || die "no $(basename "$interp") for $TRIPLET (install libc6:<arch>)"

rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
cp -L "$loader" "$OUT.tmp/$(basename "$interp")"
queue=("$BIN")
declare -A seen=()
while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	for lib in $(needed "$f"); do
		[ -z "${seen[$lib]:-}" ] || continue
		seen[$lib]=1
		path=$(find_lib "$lib") || die "$lib (needed by $(basename "$f")) not found in ${DIRS[*]}"
		cp -L "$path" "$OUT.tmp/$lib"
		queue+=("$path")
	done
done
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo "lib-closure: $(basename "$BIN"): ${#seen[@]} libraries and $(basename "$interp") in $OUT ($(du -sh "$OUT" | cut -f1))" >&2
