#!/bin/sh
# End-to-end exit counting test, run by vmtest.sh's /init inside the emulated KVM host (busybox sh).
#
# Runs /bin/vmm (tests/vmm/vmm-$ARCH.c) with known per-vCPU exit counts and records, while it runs,
# every independent ground truth the host offers:
#   - the raw tracefs stream of kvm_exit/kvm_entry (own trace instance, `fields` output),
#     counted per (pid, class) -> "TRACE pid=T class=0x.. count=N", "TRACE pid=T entries=N"
#   - an ftrace hist trigger on kvm_exit (where the kernel has HIST_TRIGGERS), printed raw
#   - kvmstat-bpf's NDJSON (when /bin/kvmstat-bpf is present), printed raw
# The VMM itself prints the expected counts and KVM's per-vCPU statistics. tests/vmtest/check.py
# compares them all. Environment: VMTEST_ARCH (from /init); VMM_ARGS overrides the VMM arguments;
# VMM_TIMEOUT (s, default 60) bounds the VMM; KVMSTAT_ARGS adds arguments to `kvmstat-bpf run`.

ARCH=${VMTEST_ARCH:?VMTEST_ARCH not set}
T=/sys/kernel/tracing
I=$T/instances/vmtest
KVMSTAT=/bin/kvmstat-bpf
NDJSON=/tmp/k.ndjson

# Per arch: VMM arguments (~10^4 exits over 2 vCPUs, different per vCPU), the kvm_exit record
# fields that make the class (CLASS_HI << 32 | CLASS_LO; no HI: LO is the class), hist keys.
case "$ARCH" in
arm64)
	DEFAULT_VMM_ARGS="--vcpus 2 --mmio 3000,2200 --hvc 1400,1100 --sys 900,1300 --wfi 250,150 --wfi-us 500"
	CLASS_HI=ret CLASS_LO=esr_ec HIST_KEYS=ret,esr_ec
	;;
riscv)
	DEFAULT_VMM_ARGS="--vcpus 2 --store 2000,1500 --load 800,1200 --ecall 1400,1000 --wfi 200,300 --csr 700,500"
	CLASS_HI="" CLASS_LO=scause HIST_KEYS=scause
	;;
x86)
	DEFAULT_VMM_ARGS="--vcpus 2 --io 2000,1500 --cpuid 1400,1000 --msr 800,1200 --hlt 200,300 --mmio 700,500"
	CLASS_HI=isa CLASS_LO=exit_reason HIST_KEYS=isa,exit_reason
	;;
*)
	echo "guest: unknown VMTEST_ARCH '$ARCH'"
	exit 2
	;;
esac
VMM_ARGS=${VMM_ARGS:-$DEFAULT_VMM_ARGS}
VMM_TIMEOUT=${VMM_TIMEOUT:-60}

fail() {
	echo "guest: $*"
	exit 1
}

# Own trace instance: its buffer, options and events do not disturb anything else.
setup_trace() {
	mkdir -p "$I" || fail "failed to create trace instance $I"
	echo 8192 >"$I/buffer_size_kb" || fail "failed to size the trace buffer"
	echo 1 >"$I/options/fields" || fail "failed to set the trace 'fields' option (kernel < 5.19?)"
	echo 1 >"$I/events/kvm/kvm_exit/enable" || fail "failed to enable kvm_exit"
	echo 1 >"$I/events/kvm/kvm_entry/enable" || fail "failed to enable kvm_entry"
	echo 1 >"$I/tracing_on"
}

HIST_ON=0
setup_hist() {
	if [ ! -e "$T/events/kvm/kvm_exit/hist" ]; then
		echo "guest: note: no hist triggers in this kernel, hist comparison skipped"
		return 0
	fi
	echo "hist:keys=common_pid,$HIST_KEYS:vals=hitcount:size=4096" \
		>"$T/events/kvm/kvm_exit/trigger" || fail "failed to set the kvm_exit hist trigger"
	HIST_ON=1
}

KPID=""
start_kvmstat() {
	waited=0
	if [ ! -x "$KVMSTAT" ]; then
		echo "guest: note: $KVMSTAT absent, kvmstat-bpf comparison skipped"
		return 0
	fi
	# shellcheck disable=SC2086
	"$KVMSTAT" run -i 0.2 --json "$NDJSON" $KVMSTAT_ARGS >/tmp/kvmstat.out 2>/tmp/kvmstat.err &
	KPID=$!
	# The first interval line means it is attached.
	while [ ! -s "$NDJSON" ]; do
		kill -0 "$KPID" 2>/dev/null || {
			cat /tmp/kvmstat.err
			fail "kvmstat-bpf exited before its first interval"
		}
		waited=$((waited + 1))
		[ "$waited" -le 300 ] || fail "kvmstat-bpf wrote no interval within 30 s"
		sleep 0.1
	done
	echo "guest: kvmstat-bpf attached (pid $KPID)"
}

KVMSTAT_RC=0
stop_kvmstat() {
	[ -n "$KPID" ] || return 0
	kill -INT "$KPID"
	wait "$KPID"
	KVMSTAT_RC=$?
	echo "GUEST kvmstat-bpf rc=$KVMSTAT_RC"
	sed 's/^/guest: kvmstat-bpf stderr: /' /tmp/kvmstat.err
}

# "TRACE pid=T class=0x.. count=N" per (pid, class) of kvm_exit, "TRACE pid=T entries=N".
# Emulated, awk is slow: per line it only counts the raw (TASK-PID, hi token, lo token) triple,
# at token positions found once (`fields` output: "name=0xHEX (DEC)"); END decodes the few
# distinct triples. Lines not in the usual "TASK-PID [CPU] FLAGS TS: EVENT:" shape (a blank in
# a task name) are reported as unparsed.
count_trace() {
	awk -v hi="$CLASS_HI" -v lo="$CLASS_LO" '
	function find(name,    k) {
		for (k = 6; k <= NF; k++)
			if (index($k, name "=") == 1)
				return k
		return 0
	}
	function value(tok) { tok = substr(tok, index(tok, "=") + 1); sub(/^0x/, "", tok); return tok }
	function pid_of(task,    n, parts) { n = split(task, parts, "-"); return parts[n] }
	$5 == "kvm_entry:" { raw_entries[$1]++; next }
	$5 == "kvm_exit:" {
		if (!klo || index($klo, lo "=") != 1 || (khi && index($khi, hi "=") != 1)) {
			klo = find(lo)
			khi = hi == "" ? 0 : find(hi)
			if (!klo || (hi != "" && !khi)) { bad++; next }
		}
		raw[$1 SUBSEP (khi ? $khi : "") SUBSEP $klo]++
		next
	}
	/^#/ { next }
	/ kvm_(exit|entry): / { bad++ }
	END {
		for (k in raw) {
			split(k, a, SUBSEP)
			hv = a[2] == "" ? "" : value(a[2])
			lv = value(a[3])
			if (hv == "" || hv == "0") cls = "0x" lv
			else { while (length(lv) < 8) lv = "0" lv; cls = "0x" hv lv }
			exits[pid_of(a[1]) " " cls] += raw[k]
		}
		for (k in exits) {
			split(k, a, " ")
			printf "TRACE pid=%s class=%s count=%d\n", a[1], a[2], exits[k]
		}
		for (t in raw_entries)
			entries[pid_of(t)] += raw_entries[t]
		for (p in entries) printf "TRACE pid=%s entries=%d\n", p, entries[p]
		printf "TRACE unparsed=%d\n", bad
	}' "$I/trace"
	# Events lost to a full buffer would make every count above wrong.
	cat "$I"/per_cpu/cpu*/stats | awk '
		/^overrun:/ { lost += $2 } /^dropped events:/ { lost += $3 }
		END { printf "TRACE lost=%d\n", lost }'
}

print_hist() {
	[ "$HIST_ON" = 1 ] || return 0
	echo "=== HIST BEGIN ==="
	cat "$T/events/kvm/kvm_exit/hist"
	echo "=== HIST END ==="
	echo "!hist:keys=common_pid,$HIST_KEYS:vals=hitcount:size=4096" >"$T/events/kvm/kvm_exit/trigger"
}

print_ndjson() {
	[ -n "$KPID" ] || return 0
	echo "=== KVMSTAT NDJSON BEGIN ==="
	cat "$NDJSON"
	echo "=== KVMSTAT NDJSON END ==="
}

setup_trace
setup_hist
start_kvmstat
echo "guest: running /bin/vmm --name vmtest $VMM_ARGS"
start=$(date +%s)
# shellcheck disable=SC2086
timeout "$VMM_TIMEOUT" /bin/vmm --name vmtest $VMM_ARGS >/tmp/vmm.out 2>/tmp/vmm.err
VMM_RC=$?
echo 0 >"$I/tracing_on"
stop_kvmstat
echo "GUEST vmm rc=$VMM_RC seconds=$(($(date +%s) - start))"
cat /tmp/vmm.out
sed 's/^/guest: vmm stderr: /' /tmp/vmm.err
count_trace
print_hist
print_ndjson
[ "$VMM_RC" = 0 ] || fail "the VMM failed (rc $VMM_RC)"
[ "$KVMSTAT_RC" = 0 ] || fail "kvmstat-bpf failed (rc $KVMSTAT_RC)"
exit 0
