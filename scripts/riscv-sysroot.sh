#!/usr/bin/env bash
# Build $CACHE/riscv/sysroot: just enough of Debian trixie riscv64 to link the loader statically.
#
# bookworm has no riscv64 port, and a whole trixie sysroot makes bookworm's riscv64 ld crash, so
# only the static libraries libbpf.a, libelf.a, libz.a, libzstd.a (lib/) and libbpf's headers
# (include/bpf/) are taken from the trixie -dev packages; glibc and the kernel uapi headers stay
# bookworm's cross ones. trixie's libs need user/compat/riscv_shims.c (glibc 2.38 and
# elfutils 0.192 symbols). Idempotent; prints the sysroot directory as the last stdout line.
set -euo pipefail

# shellcheck source=scripts/fetch-debs.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/fetch-debs.sh"

readonly SYSROOT=$CACHE/riscv/sysroot
readonly SYSROOT_PKGS=(libbpf-dev libelf-dev zlib1g-dev libzstd-dev)
readonly SYSROOT_LIBS=(libbpf.a libelf.a libz.a libzstd.a)

sysroot_complete() {
	local f
	[ -e "$SYSROOT/.complete" ] && [ -e "$SYSROOT/include/bpf/libbpf.h" ] || return 1
	for f in "${SYSROOT_LIBS[@]}"; do [ -s "$SYSROOT/lib/$f" ] || return 1; done
}

build_sysroot() {
	local pkg line name version deb tree lib versions=""
	tree=$(mktemp -d "$CACHE/.extract.XXXXXX")
	EXTRACT_DIR=$tree
	for pkg in "${SYSROOT_PKGS[@]}"; do
		line=$(list_packages riscv64 "$pkg" | highest_version) || die "no $pkg for riscv64 in $SUITE"
		read -r name version <<<"$line"
		deb=$(download_deb riscv64 "$name" "$version")
		dpkg-deb -x "$deb" "$tree"
		versions+="$name $version"$'\n'
	done
	rm -rf "$SYSROOT"
	mkdir -p "$SYSROOT/lib" "$SYSROOT/include"
	for lib in "${SYSROOT_LIBS[@]}"; do
		[ -e "$tree/usr/lib/riscv64-linux-gnu/$lib" ] || die "trixie riscv64 packages lack $lib"
		cp "$tree/usr/lib/riscv64-linux-gnu/$lib" "$SYSROOT/lib/"
	done
	cp -r "$tree/usr/include/bpf" "$SYSROOT/include/"
	printf '%s' "$versions" >"$SYSROOT/.complete"
	rm -rf "$tree"
	echo "riscv-sysroot: $(printf "%s" "$versions" | paste -sd, -)" >&2
}

sysroot_main() {
	[ $# -eq 0 ] || die "usage: $0 (no arguments)"
	mkdir -p "$CACHE"
	if ! sysroot_complete; then
		exec 9>"$CACHE/.lock"
		flock 9
		if ! sysroot_complete; then
			setup_apt
			refresh_lists
			build_sysroot
		fi
	fi
	echo "$SYSROOT"
}

sysroot_main "$@"
