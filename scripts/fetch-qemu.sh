#!/usr/bin/env bash
# Lay out Debian trixie's own QEMU for an emulated KVM host, with its shared-library closure.
#
# Usage: scripts/fetch-qemu.sh arm64|riscv|x86
#   $CACHE/qemu-ARCH/bin/qemu-system-*   the binary of trixie's qemu-system-arm (arm64 build),
#                                        qemu-system-riscv (riscv64) or qemu-system-x86 (amd64)
#   $CACHE/qemu-ARCH/lib/                every shared library it loads, ld-linux included
#   $CACHE/qemu-ARCH/share/              firmware it loads to boot a -kernel (x86: SeaBIOS and
#                                        the linuxboot option ROM; arm64, riscv: none)
#   $CACHE/qemu-ARCH/run-qemu            sh wrapper: lib/ld-linux... --library-path lib bin/... -L share
#   $CACHE/qemu-ARCH/packages            "name version" of every package a file came from
# Run in the emulated host as /opt/qemu/run-qemu ARGS (the rootfs needs nothing else: no glibc).
# The closure is exact: readelf's NEEDED, recursively, each soname looked up in the packages the
# needing package depends on (Debian's shlibs Depends), so only packages that provide a needed
# library are unpacked further. Nothing is installed; the mirror and the lock are fetch-debs.sh's.
# Prints the directory as the last stdout line; already complete: downloads nothing.
set -euo pipefail

# shellcheck source=scripts/fetch-debs.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/fetch-debs.sh"

# Our arch -> Debian arch, QEMU package and binary, the dynamic loader's name and multiarch dir.
qemu_arch_setup() {
	case "$1" in
	arm64)
		Q_DARCH=arm64 Q_PKG=qemu-system-arm Q_BIN=qemu-system-aarch64
		Q_LDSO=ld-linux-aarch64.so.1 Q_TRIPLET=aarch64-linux-gnu Q_DATA=""
		;;
	riscv)
		Q_DARCH=riscv64 Q_PKG=qemu-system-riscv Q_BIN=qemu-system-riscv64
		Q_LDSO=ld-linux-riscv64-lp64d.so.1 Q_TRIPLET=riscv64-linux-gnu Q_DATA=""	# KVM is the SBI
		;;
	x86)
		Q_DARCH=amd64 Q_PKG=qemu-system-x86 Q_BIN=qemu-system-x86_64
		Q_LDSO=ld-linux-x86-64.so.2 Q_TRIPLET=x86_64-linux-gnu
		# package:path of the firmware -kernel on q35 loads (with -vga none -nic none)
		Q_DATA="seabios:usr/share/seabios/bios-256k.bin qemu-system-data:usr/share/qemu/linuxboot_dma.bin
			qemu-system-data:usr/share/qemu/kvmvapic.bin"
		;;
	*) die "usage: $0 arm64|riscv|x86" ;;
	esac
	QDIR=$CACHE/qemu-$1
}

qemu_complete() {
	[ -e "$QDIR/.complete" ] && [ -x "$QDIR/bin/$Q_BIN" ] && [ -x "$QDIR/run-qemu" ] && [ -d "$QDIR/share" ] &&
		[ -e "$QDIR/lib/$Q_LDSO" ]
}

# "name version" of every package built for the Debian arch (not arch all: no libraries), once
# (a lookup per dependency would decompress the whole list each time).
PKG_INDEX=
index_packages() {
	local f
	PKG_INDEX=$(mktemp "$CACHE/.pkgindex.XXXXXX")
	for f in "$APTDIR"/lists/*_dists_"${SUITE}"_main_binary-"${Q_DARCH}"_Packages*; do
		[ -e "$f" ] || continue
		/usr/lib/apt/apt-helper cat-file "$f" | awk -v a="$Q_DARCH" '
			/^Package: / { p = $2 } /^Version: / { v = $2 }
			/^Architecture: / { if ($2 == a) print p, v }'
	done >"$PKG_INDEX"
	[ -s "$PKG_INDEX" ] || die "no $SUITE Packages list for $Q_DARCH in $APTDIR/lists"
}

version_of() {
	awk -v n="$1" '$1 == n { print }' "$PKG_INDEX" | highest_version
}

# Package names in a Depends field: first alternative, no version or arch qualifier.
depends_of() {
	local field
	for field in Pre-Depends Depends; do dpkg-deb -f "$1" "$field"; done | tr ',' '\n' |
		sed -E 's/\|.*//; s/\(.*\)//; s/:.*//; s/[[:space:]]//g' |
		grep -v '^$' | sort -u
}

# Unpacks package $1 (downloaded if needed) into $TREE/$1; records it.
UNPACKED=" "
unpack() {
	local name=$1 line version deb
	case "$UNPACKED" in *" $name "*) return 0 ;; esac
	line=$(version_of "$name") || die "no $name for $Q_DARCH in $SUITE"
	version=${line#* }
	deb=$(download_deb "$Q_DARCH" "$name" "$version")
	mkdir -p "$TREE/$name"
	dpkg-deb -x "$deb" "$TREE/$name"
	UNPACKED+="$name "
	echo "$name $version" >>"$TREE/.versions"
}

needed_of() {
	readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

# The file providing soname $1 in the unpacked package $2, or nothing.
provider_file() {
	local f
	for f in "$TREE/$2"/{usr/,}lib/"$Q_TRIPLET"/"$1"; do
		[ -e "$f" ] && echo "$f" && return 0
	done
	return 0
}

# Copies the library closure of ELF $1 (from package $2) into $QDIR/lib: each NEEDED soname from
# $2 or the packages $2 depends on. Fails naming the soname when none provides it.
copy_closure() {
	local elf=$1 pkg=$2 so dep f found
	for so in $(needed_of "$elf"); do
		[ -e "$QDIR/lib/$so" ] && continue
		found=""
		# The package itself first: libc.so.6 needs libc6's own ld-linux.
		for dep in "$pkg" $(depends_of "$(download_deb "$Q_DARCH" "$pkg" "$(version_of "$pkg" | cut -d' ' -f2)")"); do
			version_of "$dep" >/dev/null || continue	# virtual or arch all: no libraries
			unpack "$dep"
			f=$(provider_file "$so" "$dep")
			if [ -n "$f" ]; then
				found=$dep
				break
			fi
		done
		[ -n "$found" ] || die "no package $pkg depends on provides $so (needed by $(basename "$elf"))"
		cp -L "$f" "$QDIR/lib/$so"
		echo "$(basename "$elf") -> $so ($found)" >>"$TREE/.closure"
		copy_closure "$QDIR/lib/$so" "$found"
	done
}

# Q_DATA's files into $QDIR/share (arch all packages: listed with the arch's, downloaded as all).
copy_data() {
	local spec pkg path line deb
	mkdir -p "$QDIR/share"
	for spec in $Q_DATA; do
		pkg=${spec%%:*}
		path=${spec#*:}
		line=$(list_packages "$Q_DARCH" "$pkg" | highest_version) || die "no $pkg in $SUITE"
		deb=$(download_deb all "$pkg" "${line#* }")
		mkdir -p "$TREE/data-$pkg"
		dpkg-deb -x "$deb" "$TREE/data-$pkg"
		[ -f "$TREE/data-$pkg/$path" ] || die "$pkg has no $path"
		cp "$TREE/data-$pkg/$path" "$QDIR/share/"
		echo "$line" >>"$TREE/.versions"
	done
}

layout_qemu() {
	local arch=$1 bin
	TREE=$(mktemp -d "$CACHE/.extract.XXXXXX")
	EXTRACT_DIR=$TREE
	index_packages
	rm -rf "$QDIR"
	mkdir -p "$QDIR/bin" "$QDIR/lib"
	unpack "$Q_PKG"
	bin=$TREE/$Q_PKG/usr/bin/$Q_BIN
	[ -x "$bin" ] || die "$Q_PKG has no usr/bin/$Q_BIN"
	cp "$bin" "$QDIR/bin/$Q_BIN"
	copy_closure "$bin" "$Q_PKG"
	# The interpreter: libc.so.6 needs it, so the closure has it.
	[ -e "$QDIR/lib/$Q_LDSO" ] || die "no $Q_LDSO in the closure of $Q_BIN"
	copy_data
	cat >"$QDIR/run-qemu" <<EOF
#!/bin/sh
# $Q_BIN with its own libraries and firmware (scripts/fetch-qemu.sh): no glibc in the rootfs needed.
d=\$(dirname "\$0")
exec "\$d/lib/$Q_LDSO" --library-path "\$d/lib" "\$d/bin/$Q_BIN" -L "\$d/share" "\$@"
EOF
	chmod 755 "$QDIR/run-qemu"
	sort -u "$TREE/.versions" >"$QDIR/packages"
	cp "$TREE/.closure" "$QDIR/closure"
	cp "$QDIR/packages" "$QDIR/.complete"
	rm -rf "$TREE" "$PKG_INDEX"
	log "qemu-$arch: $Q_BIN and $(find "$QDIR/lib" -type f | wc -l) libraries" \
		"($(du -sm "$QDIR" | cut -f1) MB) from $(wc -l <"$QDIR/packages") packages"
}

qemu_main() {
	[ $# -eq 1 ] || die "usage: $0 arm64|riscv|x86"
	qemu_arch_setup "$1"
	mkdir -p "$CACHE"
	if ! qemu_complete; then
		exec 9>"$CACHE/.lock"
		flock 9
		if ! qemu_complete; then
			setup_apt
			refresh_lists
			layout_qemu "$1"
		fi
	fi
	echo "$QDIR"
}

qemu_main "$@"
