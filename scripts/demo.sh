#!/usr/bin/env bash
# make demo: kvmstat-bpf live on an emulated arm64 KVM host (QEMU TCG, Debian's 6.12 kernel)
# running two KVM guests. Builds what is missing; the console goes to this terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s ARCH=arm64 build/arm64/kvmstat-bpf build/vmtest/arm64/vmm
exec bash tests/vmtest/vmtest.sh arm64 -v --append quiet --timeout 300 \
	--env DEMO_SECONDS="${DEMO_SECONDS:-20}" tests/vmtest/demo.sh \
	build/arm64/kvmstat-bpf build/vmtest/arm64/vmm=/bin/vmm
