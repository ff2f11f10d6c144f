#!/usr/bin/env bash
# Install every Debian (bookworm) package the build, the tests and the demo need.
# Idempotent: runs `apt-get update` once per machine, then installs what is missing.
set -euo pipefail

HOST_PKGS=(
	make clang llvm gcc libc6-dev pkg-config file xz-utils cpio zstd
	libclang-rt-14-dev	# libFuzzer and the sanitizers' runtimes (make fuzz, make asan-bins)
	libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev
	qemu-system-arm qemu-system-misc qemu-system-x86 ipxe-qemu qemu-user
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
	python3 python3-jsonschema prometheus
	libmicrohttpd-dev curl iproute2 strace man-db bash-completion lintian systemd
	python3-yaml python3-prometheus-client
	tmux libxml2-utils chromium python3-pil
)
# libmicrohttpd-dev:arm64: the arm64 loader with run --listen (build/arm64/dynamic, tests/prometheus).
ARM64_PKGS=(libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libzstd-dev:arm64 libmicrohttpd-dev:arm64)

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: must run as root (apt-get install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
	done
}

dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
need=$(missing "${HOST_PKGS[@]}" "${ARM64_PKGS[@]}")
if [ -z "$need" ]; then
	echo "deps: all packages present"
	exit 0
fi
stamp=/var/lib/apt/periodic/kvmstat-bpf-update
if [ ! -e "$stamp" ] || [ -n "$(find /var/lib/dpkg/arch -newer "$stamp" 2>/dev/null)" ]; then
	# Third-party sources on some images are unreachable; Debian's must work.
	apt-get update -q || true
	mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $need
echo "deps: installed: $(echo $need | tr '\n' ' ')"
