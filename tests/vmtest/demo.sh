#!/bin/sh
# `make demo`, inside the emulated arm64 KVM host (busybox sh, run by vmtest.sh's /init): Debian's
# QEMU boots a Linux guest under KVM (qemu-lib.sh, qemu-guest-init.sh) while kvmstat-bpf shows its
# live table on the console: boot, the guest's workload (CPU hotplug, virtio console, timer
# sleeps), then DEMO_IDLE seconds of idle; then the guest powers off and the same run is shown
# per VM and vCPU, with latency histograms, Prometheus lines and one JSON line.
DEMO_IDLE=${DEMO_IDLE:-6}
INTERVAL=${DEMO_INTERVAL:-5}
ARCH=${VMTEST_ARCH:-arm64}
JSON=/tmp/demo.ndjson

fail() {
	echo "demo: $*"
	exit 1
}

# shellcheck source=tests/vmtest/qemu-lib.sh
. /test/qemu-lib.sh
qemu_arch_setup "$ARCH"

echo "demo: kvmstat-bpf attaches, then QEMU boots a Linux guest (-name guest=$QEMU_NAME," \
	"-uuid $QEMU_UUID, $QEMU_VCPUS vCPUs); a table every ${INTERVAL}s"
/bin/kvmstat-bpf run -i "$INTERVAL" --json "$JSON" --prom-file /tmp/kvmstat.prom &
KPID=$!
while [ ! -e "$JSON" ]; do
	kill -0 "$KPID" 2>/dev/null || fail "kvmstat-bpf ended before it attached"
	sleep 0.1
done
start_qemu >/dev/null
wait_guest_idle
echo "demo: the guest ran its workload and idles (guest console: $(grep '^LGUEST' "$CONSOLE" |
	tr '\n' ' '))"
sleep "$DEMO_IDLE"
stop_qemu
kill -INT "$KPID"
wait "$KPID"
echo
echo "demo: the same run per VM and vCPU (kvmstat-bpf report -b vcpu, from its NDJSON)"
/bin/kvmstat-bpf report -b vcpu "$JSON"
echo
echo "demo: latency histograms of the whole run (report --hist), the three busiest classes"
/bin/kvmstat-bpf report --hist "$JSON" | awk '/ time histograms / { on = 1 } on && /^$/ { n++ } on && n < 4'
echo
echo "demo: Prometheus textfile (first lines of /tmp/kvmstat.prom)"
grep -m 12 -E '^# (HELP|TYPE) kvmstat_exits_total|^kvmstat_exits_total|^kvmstat_exit_handling_seconds_bucket' \
	/tmp/kvmstat.prom
echo
echo "demo: one JSON line (the run's total), first 900 bytes"
tail -n 1 "$JSON" | head -c 900
echo
