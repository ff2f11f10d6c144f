#!/usr/bin/env bash
# make demo: kvmstat-bpf live on an emulated arm64 KVM host (QEMU TCG, Debian's 6.12 kernel) where
# Debian's own QEMU boots a Linux guest under KVM (tests/vmtest/demo.sh). Builds and downloads what
# is missing (Debian packages only); the console goes to this terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s ARCH=arm64 build/arm64/kvmstat-bpf
mapfile -t files < <(bash tests/vmtest/qemu-files.sh arm64 build/demo)
exec bash tests/vmtest/vmtest.sh arm64 -v --append quiet --timeout 900 --log build/demo/demo.log \
	--env DEMO_IDLE="${DEMO_IDLE:-6}" tests/vmtest/demo.sh build/arm64/kvmstat-bpf "${files[@]}"
