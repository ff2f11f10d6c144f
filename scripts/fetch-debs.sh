#!/usr/bin/env bash
# Download (once) the Debian trixie .debs the emulated KVM hosts need and lay them out in a cache.
#
# Usage: scripts/fetch-debs.sh arm64|riscv|x86|headers|--mirror
#   arm64|riscv|x86  $CACHE/<arch>/{Image,modules/,busybox,vmlinux.btf,release,config}
#                    modules/net/: virtio-net and what it needs (QEMU user networking)
#                    riscv/x86 also kvm.btf (split BTF of kvm.ko); merged.btf: standalone BTF with KVM's types
#   headers          $CACHE/headers = root of linux-headers-<abi>-common (asm/esr.h, csr.h, vmx.h ...)
#                    plus arm64's generated asm/sysreg-defs.h from linux-headers-<abi>-arm64
# CACHE is ${KVMSTAT_CACHE:-$HOME/.cache/kvmstat-bpf}. Logs go to stderr; the last line on stdout
# is the directory. Already complete: downloads nothing. bookworm has no riscv64 port and only a 6.1
# arm64 kernel, hence trixie; it is used through a private apt config for downloads only, never for
# `apt-get install`.
set -euo pipefail

readonly SUITE=trixie
readonly SERIES=6.12
readonly KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
readonly LISTS_MAX_AGE_MIN=1440
readonly SYSREG_DEFS=arch/arm64/include/generated/asm/sysreg-defs.h
CACHE=${KVMSTAT_CACHE:-$HOME/.cache/kvmstat-bpf}
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
APTDIR=$CACHE/apt
DEBS=$CACHE/debs

log() { echo "fetch-debs: $*" >&2; }
die() {
	echo "fetch-debs: $*" >&2
	exit 1
}

usage() { die "usage: $0 arm64|riscv|x86|headers"; }

# Our arch names -> Debian's.
debian_arch() {
	case "$1" in
	arm64) echo arm64 ;;
	riscv) echo riscv64 ;;
	x86) echo amd64 ;;
	*) usage ;;
	esac
}

# The Debian archive this machine's own apt configuration uses (so no new host is contacted), or
# KVMSTAT_MIRROR. One-line (sources.list) and deb822 (*.sources) entries are read; the archive is
# the first URI serving a Debian release suite (not -security/-updates/-backports). No host name
# is written here: without one in the configuration we stop and say so.
# `fetch-debs.sh --mirror` prints it (tests/scripts/test_fetch_mirror.sh).
detect_mirror() {
	local uri
	if [ -n "${KVMSTAT_MIRROR:-}" ]; then
		echo "$KVMSTAT_MIRROR"
		return 0
	fi
	local f files=()
	local etc=${KVMSTAT_APT_ETC:-/etc/apt}	# tests point it elsewhere
	for f in "$etc"/sources.list "$etc"/sources.list.d/*.list "$etc"/sources.list.d/*.sources; do
		[ -r "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || die "no apt sources on this machine (/etc/apt/sources.list*); set KVMSTAT_MIRROR=URL of a Debian mirror"
	uri=$(awk '
		function archive(suites,   i, n, a) {
			n = split(suites, a, /[ \t]+/)
			for (i = 1; i <= n; i++)
				if (a[i] ~ /^[a-z]+$/) return 1
			return 0
		}
		/^[ \t]*#/ { next }
		/^deb[ \t]/ {	# deb [opts] URI SUITE COMPONENTS...
			sub(/\[[^]]*\][ \t]*/, "")
			if ($2 ~ /^https?:\/\// && archive($3)) { print $2; exit }
			next
		}
		/^URIs:/ { uris = $2; next }
		/^Suites:/ { sub(/^Suites:[ \t]*/, ""); if (uris ~ /^https?:\/\// && archive($0)) { print uris; exit } }
		/^[ \t]*$/ { uris = "" }' "${files[@]}")
	[ -n "$uri" ] || die "no Debian archive in this machine's apt configuration (/etc/apt/sources.list*); set KVMSTAT_MIRROR=URL of a Debian mirror"
	echo "$uri"
}

# Scratch tree of the .deb being unpacked; removed on every exit.
EXTRACT_DIR=
trap 'if [ -n "$EXTRACT_DIR" ]; then rm -rf "$EXTRACT_DIR"; fi' EXIT

APT_OPTS=()
setup_apt() {
	local mirror
	mirror=$(detect_mirror)
	mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$DEBS"
	echo "deb [arch=amd64,arm64,riscv64 signed-by=$KEYRING] ${mirror%/} $SUITE main" \
		>"$APTDIR/sources.list"
	[ -e "$APTDIR/status" ] || : >"$APTDIR/status"
	APT_OPTS=(
		-o "Dir::Etc::SourceList=$APTDIR/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o Dir::Etc::Preferences=/dev/null
		-o Dir::Etc::PreferencesParts=/dev/null
		-o "Dir::State::Lists=$APTDIR/lists"
		-o "Dir::State::status=$APTDIR/status"
		-o "Dir::Cache=$APTDIR/cache"
		-o APT::Architecture=amd64
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64 -o APT::Architectures::=riscv64
		-o Acquire::Languages=none
		-o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false
		-o APT::Sandbox::User=root
	)
}

# `apt-get update` on the private config only when the lists are missing or older than a day.
refresh_lists() {
	local stamp=$APTDIR/lists/.kvmstat-updated out
	if [ -e "$stamp" ] && [ -n "$(find "$stamp" -mmin -"$LISTS_MAX_AGE_MIN")" ]; then
		return 0
	fi
	log "apt-get update ($SUITE, private lists in $APTDIR)"
	if ! out=$(apt-get "${APT_OPTS[@]}" -q update 2>&1); then
		die "cannot reach the Debian mirror ($(detect_mirror)): apt-get update for $SUITE failed: $(echo "$out" | grep -E '^(E|W):' | head -n1)"
	fi
	if echo "$out" | grep -q '^W: Failed to fetch'; then
		die "cannot reach the Debian mirror ($(detect_mirror)): $(echo "$out" | grep '^W: Failed' | head -n1)"
	fi
	touch "$stamp"
}

# "name version" for every package of Debian arch $1 whose name matches the ERE $2.
list_packages() {
	local darch=$1 regex=$2 f found=0
	for f in "$APTDIR"/lists/*_dists_"${SUITE}"_main_binary-"${darch}"_Packages*; do
		[ -e "$f" ] || continue
		found=1
		/usr/lib/apt/apt-helper cat-file "$f" | awk -v re="^(${regex})\$" '
			/^Package: / { p = $2 }
			/^Version: / { if (p ~ re) print p, $2 }'
	done
	[ "$found" = 1 ] || die "no $SUITE Packages list for $darch in $APTDIR/lists"
}

# Highest "name version" line on stdin by Debian version order.
highest_version() {
	local best_n="" best_v="" n v
	while read -r n v; do
		if [ -z "$best_v" ] || dpkg --compare-versions "$v" gt "$best_v"; then
			best_n=$n
			best_v=$v
		fi
	done
	[ -n "$best_v" ] && echo "$best_n $best_v"
}

# Newest kernel ABI of the series, e.g. "6.12.57+deb13", from the image packages of Debian arch $1.
newest_abi() {
	local darch=$1 line
	line=$(list_packages "$darch" "linux-image-${SERIES//./\\.}\\.[0-9]+\\+deb[0-9]+-${darch}(-unsigned)?" |
		highest_version) || die "no linux-image-${SERIES}.*-${darch} in $SUITE"
	line=${line%% *}
	line=${line#linux-image-}
	line=${line%-unsigned}
	echo "${line%-"$darch"}"
}

# The image package for ABI $2: the -unsigned one where a signed wrapper exists (same kernel inside).
image_package() {
	local darch=$1 abi=$2 line
	line=$(list_packages "$darch" "linux-image-${abi//+/\\+}-${darch}-unsigned" | highest_version) ||
		line=$(list_packages "$darch" "linux-image-${abi//+/\\+}-${darch}" | highest_version) ||
		die "no image package for $abi on $darch"
	echo "$line"
}

# Download package $2 version $3 of Debian arch $1 into $DEBS (skipped if present); print the path.
download_deb() {
	local darch=$1 name=$2 version=$3 file
	file=$(find_deb "$darch" "$name" "$version")
	if [ -z "$file" ]; then
		log "downloading $name $version ($darch)"
		(cd "$DEBS" && apt-get "${APT_OPTS[@]}" -q download "$name:$darch=$version" >&2) ||
			die "failed to download $name:$darch=$version from $(detect_mirror)"
		file=$(find_deb "$darch" "$name" "$version")
		[ -n "$file" ] || die "downloaded $name $version but found no .deb in $DEBS"
	fi
	echo "$file"
}

find_deb() {
	local darch=$1 name=$2 version=$3 f
	for f in "$DEBS/${name}_"*"_${darch}.deb" "$DEBS/${name}_"*"_all.deb"; do
		[ -e "$f" ] || continue
		[ "$(dpkg-deb -f "$f" Version)" = "$version" ] && echo "$f" && return 0
	done
	return 0
}

# Copy $1 to $2 through a temporary name so an interrupted run never leaves half a file.
install_file() {
	cp "$1" "$2.tmp" && mv -f "$2.tmp" "$2"
}

decompress_module() {
	local ko=$1 out=$2
	case "$ko" in
	*.xz) xz -dc "$ko" >"$out.tmp" ;;
	*.zst) zstd -qdc "$ko" >"$out.tmp" ;;
	*.gz) gzip -dc "$ko" >"$out.tmp" ;;
	*) cp "$ko" "$out.tmp" ;;
	esac
	mv -f "$out.tmp" "$out"
}

# KVM modules each arch must insmod, in load order (arm64: KVM is built in).
kvm_modules() {
	case "$1" in
	arm64) ;;
	riscv) echo kvm ;;
	x86) echo irqbypass ccp kvm kvm-amd ;;
	esac
}

# virtio-net for QEMU user networking (tests/prometheus: a server in the emulated host reached from
# the build machine through a host forward), in load order; modules on all three kernels.
net_modules() { echo failover net_failover virtio_net; }

# $CACHE/ARCH/modules/net/*.ko from the unpacked image tree $1 of kernel release $2.
layout_net_modules() {
	local tree=$1 release=$2 dir=$3 m ko
	mkdir -p "$dir/modules/net"
	for m in $(net_modules); do
		ko=$(find "$tree"/{usr/,}lib/modules/"$release" -name "$m.ko*" 2>/dev/null | head -n1 || true)
		[ -n "$ko" ] || die "no $m.ko in the $release image package"
		decompress_module "$ko" "$dir/modules/net/$m.ko"
	done
}

layout_arch() {
	local arch=$1 darch abi img img_n img_v bb bb_v tree dir=$CACHE/$1 release m ko
	darch=$(debian_arch "$arch")
	abi=$(newest_abi "$darch")
	read -r img_n img_v <<<"$(image_package "$darch" "$abi")"
	bb_v=$(list_packages "$darch" busybox-static | highest_version) || die "no busybox-static for $darch"
	bb_v=${bb_v#* }
	img=$(download_deb "$darch" "$img_n" "$img_v")
	bb=$(download_deb "$darch" busybox-static "$bb_v")

	mkdir -p "$dir/modules"
	tree=$(mktemp -d "$CACHE/.extract.XXXXXX")
	EXTRACT_DIR=$tree
	log "extracting $(basename "$img")"
	dpkg-deb -x "$img" "$tree/k"
	dpkg-deb -x "$bb" "$tree/b"

	release=$(basename "$(find "$tree/k/boot" -name 'vmlinu[xz]-*' | head -n1)")
	release=${release#vmlinu?-}
	[ -n "$release" ] || die "no kernel image in $(basename "$img")"
	# arm64 vmlinuz and riscv vmlinux are raw Images; x86 vmlinuz is a bzImage.
	install_file "$(find "$tree/k/boot" -name "vmlinu[xz]-$release")" "$dir/Image"
	install_file "$tree/k/boot/config-$release" "$dir/config"
	bb=$(find "$tree/b/bin" "$tree/b/usr/bin" -maxdepth 1 -type f -name busybox 2>/dev/null | head -n1 || true)
	[ -n "$bb" ] || die "no bin/busybox in busybox-static $bb_v"
	install_file "$bb" "$dir/busybox"
	chmod 755 "$dir/busybox"
	for m in $(kvm_modules "$arch"); do
		ko=$(find "$tree/k"/{usr/,}lib/modules/"$release" -name "$m.ko*" 2>/dev/null | head -n1 || true)
		[ -n "$ko" ] || die "no $m.ko in $(basename "$img")"
		decompress_module "$ko" "$dir/modules/$m.ko"
	done
	layout_net_modules "$tree/k" "$release" "$dir"

	python3 "$SCRIPTS/extract-btf.py" "$dir/Image" "$dir/vmlinux.btf.tmp" >&2 ||
		die "failed to extract BTF from $dir/Image"
	mv -f "$dir/vmlinux.btf.tmp" "$dir/vmlinux.btf"
	if [ "$arch" != arm64 ]; then
		# KVM is a module here: CO-RE checks need its types merged into the kernel's BTF.
		# Host binutils objcopy knows no RISC-V ELF; llvm-objcopy reads every target. .BTF is not
		# SHF_ALLOC, so `-O binary --only-section` would write nothing: dump the section instead.
		llvm-objcopy --dump-section ".BTF=$dir/kvm.btf.tmp" "$dir/modules/kvm.ko" "$tree/kvm.ko.copy"
		[ -s "$dir/kvm.btf.tmp" ] || die "kvm.ko has no .BTF section"
		mv -f "$dir/kvm.btf.tmp" "$dir/kvm.btf"
		python3 "$SCRIPTS/btf-merge.py" "$dir/vmlinux.btf" "$dir/kvm.btf" "$dir/merged.btf.tmp" >&2 ||
			die "failed to merge $dir/kvm.btf into $dir/vmlinux.btf"
		mv -f "$dir/merged.btf.tmp" "$dir/merged.btf"
	else
		cp -f "$dir/vmlinux.btf" "$dir/merged.btf"	# KVM built in: vmlinux has its types
	fi
	echo "$release" >"$dir/release"
	printf '%s %s\nbusybox-static %s\n' "$img_n" "$img_v" "$bb_v" >"$dir/.complete"
	rm -rf "$tree"
	log "$arch: $release ($img_n $img_v, busybox-static $bb_v)"
}

layout_headers() {
	local dir=$CACHE/headers abi line n v deb tree src f
	abi=$(newest_abi arm64)
	line=$(list_packages amd64 "linux-headers-${abi//+/\\+}-common" | highest_version) ||
		die "no linux-headers-$abi-common in $SUITE"
	read -r n v <<<"$line"
	deb=$(download_deb all "$n" "$v")
	tree=$(mktemp -d "$CACHE/.extract.XXXXXX")
	EXTRACT_DIR=$tree
	dpkg-deb -x "$deb" "$tree"
	src=$(find "$tree/usr/src" -mindepth 1 -maxdepth 1 -type d -name 'linux-headers-*-common' | head -n1)
	[ -n "$src" ] || die "no usr/src/linux-headers-*-common in $(basename "$deb")"
	for f in arch/arm64/include/asm/esr.h arch/riscv/include/asm/csr.h \
		arch/x86/include/uapi/asm/vmx.h arch/x86/include/uapi/asm/svm.h; do
		[ -e "$src/$f" ] || die "$(basename "$deb") lacks $f"
	done
	# Most arm64 system registers are generated (arch/arm64/tools/sysreg): only the arch
	# package has the generated header; it joins the common tree at its kernel-tree path.
	line=$(list_packages arm64 "linux-headers-${abi//+/\\+}-arm64" | highest_version) ||
		die "no linux-headers-$abi-arm64 in $SUITE"
	read -r an av <<<"$line"
	adeb=$(download_deb arm64 "$an" "$av")
	dpkg-deb -x "$adeb" "$tree/arm64"
	gen=$(find "$tree/arm64/usr/src" -path "*/$SYSREG_DEFS" | head -n1)
	[ -n "$gen" ] || die "$(basename "$adeb") lacks $SYSREG_DEFS"
	mkdir -p "$(dirname "$src/$SYSREG_DEFS")"
	cp "$gen" "$src/$SYSREG_DEFS"
	rm -rf "$dir"
	mv "$src" "$dir"
	printf '%s %s\n%s %s\n' "$n" "$v" "$an" "$av" >"$dir/.complete"
	rm -rf "$tree"
	log "headers: $n $v"
}

complete() {
	local dir=$CACHE/$1 f
	[ -e "$dir/.complete" ] || return 1
	case "$1" in
	headers) [ -s "$dir/$SYSREG_DEFS" ]; return ;;
	riscv | x86) for f in kvm.btf merged.btf; do [ -s "$dir/$f" ] || return 1; done ;;
	arm64) [ -s "$dir/merged.btf" ] || return 1 ;;
	esac
	for f in Image busybox vmlinux.btf release; do [ -s "$dir/$f" ] || return 1; done
	for f in $(kvm_modules "$1"); do [ -s "$dir/modules/$f.ko" ] || return 1; done
	for f in $(net_modules); do [ -s "$dir/modules/net/$f.ko" ] || return 1; done
}

main() {
	[ $# -eq 1 ] || usage
	if [ "$1" = --mirror ]; then
		detect_mirror
		return 0
	fi
	case "$1" in arm64 | riscv | x86 | headers) ;; *) usage ;; esac
	mkdir -p "$CACHE"
	if ! complete "$1"; then
		# Also guards the shared lists and download dir against a concurrent run for another arch.
		exec 9>"$CACHE/.lock"
		flock 9
		if ! complete "$1"; then
			setup_apt
			refresh_lists
			if [ "$1" = headers ]; then layout_headers; else layout_arch "$1"; fi
		fi
	fi
	echo "$CACHE/$1"
}

# Sourced (by scripts/riscv-sysroot.sh) for its apt helpers; run as a script otherwise.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
