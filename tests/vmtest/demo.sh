#!/bin/sh
# `make demo`, inside the emulated arm64 KVM host: two guests with a mixed workload for about
# 20 s while kvmstat-bpf shows its live table on the console, then the summary per vCPU and one
# JSON line. Busybox sh; run by vmtest.sh's /init.
DURATION=${DEMO_SECONDS:-20}

# One VMM after another for DURATION seconds: MMIO to the VMM (DABT_LOW/user), PSCI calls (HVC64),
# trapped ID register reads (SYS64), WFI on a 1 ms virtual timer (WFx); host ticks give IRQ exits.
workload() {
	end=$(($(date +%s) + DURATION))
	while [ "$(date +%s)" -lt "$end" ]; do
		/bin/vmm --name "$1" --vcpus 2 --mmio "$2" --hvc 600,300 --sys 200,400 --wfi 40,20 \
			--wfi-us 1000 >/dev/null 2>&1 || { echo "demo: vmm $1 failed"; return 1; }
	done
}

echo "demo: starting two guests (web, db) for ${DURATION}s; kvmstat-bpf attaches now"
workload web 800,400 &
W1=$!
workload db 100,900 &
W2=$!
/bin/kvmstat-bpf run -i 1 -d "$DURATION" --json /tmp/demo.ndjson --prom-file /tmp/kvmstat.prom
wait "$W1" "$W2"
echo
echo "demo: the same run per VM and vCPU (from its NDJSON)"
if /bin/kvmstat-bpf report --help >/dev/null 2>&1; then
	/bin/kvmstat-bpf report -b vcpu /tmp/demo.ndjson
	echo
	echo "demo: latency histograms of the whole run"
	/bin/kvmstat-bpf report --hist /tmp/demo.ndjson
fi
echo
echo "demo: Prometheus textfile (first lines of /tmp/kvmstat.prom)"
grep -m 12 -E '^# (HELP|TYPE) kvmstat_exits_total|^kvmstat_exits_total|^kvmstat_exit_handling_seconds_bucket' /tmp/kvmstat.prom
echo
echo "demo: one JSON line (the run's total), first 800 bytes"
tail -n 1 /tmp/demo.ndjson | head -c 800
echo
