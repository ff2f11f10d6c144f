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
# compares them all. Environment: VMTEST_ARCH (from /init); VMM_ARGS overrides the VMM arguments
# (single scenario); VMM_TIMEOUT (s, default 60) bounds each VMM; KVMSTAT_ARGS adds arguments to
# `kvmstat-bpf run`.
#
# SCENARIO (default single) picks the VMMs, run all at once, and kvmstat-bpf's options:
#   single    one VMM "vmtest", 2 vCPUs (VMM_ARGS)
#   multivm   two VMMs, vmA (2 vCPUs, ids 0 1) and vmB (3 vCPUs, KVM ids 5 3 8: not their
#             indices), different counts per vCPU and per VM; `--span both`: check.py checks
#             VM names/pids and vCPU ids against the VMMs'
#   fallback  the same two VMMs with `--span both --vcpu-source thread` (vCPU = thread)
#   timing    two 1-vCPU VMMs, vmS and vmL, blocking in wfi on a 1 ms timer and making fast
#             in-kernel exits after a guest busy loop of S (vmS) and 4 x S (vmL) iterations;
#             `--span both -i 1`: check.py checks span ratios and units. Each VMM is pinned
#             to its own CPU (VMM i to CPU i), so the two busy vCPU threads do not preempt each
#             other at their exits (which would add ms of run-queue wait to handling spans);
#             1 s intervals wake kvmstat-bpf (which preempts one of them) less often.
# VMMS overrides the scenario's VMMs: "NAME ARGS;NAME ARGS..." (the VMM gets --name NAME ARGS).
# HIST_TRIGGER=off leaves out the hist trigger: it runs in kvm_exit before kvmstat-bpf's program
# (enabled first) and delays its timestamp by its own cost (~10 us under TCG), which would offset
# handling times measured by kvmstat-bpf against the trace's timestamps (tests/prometheus).
# TRACE_CLOCK sets the trace instance's clock (trace-lib.sh; default mono: one clock for all CPUs,
# the one bpf_ktime_get_ns() reads, so exit -> entry timestamps are handling times).
# AFTER_VMMS names a file sourced once the VMMs are done, while kvmstat-bpf and the trace still
# run (tests/prometheus/hold.sh: until the build machine has scraped the final counts).

ARCH=${VMTEST_ARCH:?VMTEST_ARCH not set}
KVMSTAT=/bin/kvmstat-bpf
NDJSON=/tmp/k.ndjson

# Per arch: VMM arguments (~10^4 exits over 2 vCPUs, different per vCPU); the VMMs of the multi-VM scenarios: multivm/fallback counts differ per vCPU, per VM and per
# class, so any mix-up of VMs, vCPUs or classes changes a count; vmB creates its VM from a
# thread other than its main one (kvm->userspace_pid is then not the VMM's pid); vmA carries a
# -uuid as QEMU does (mixed case: kvmstat-bpf reports it in lowercase), vmB none; timing: wfi on a
# 1 ms timer and fast in-kernel exits (arm64 HVC64 PSCI_VERSION, riscv SBI ecalls) after spin S or 4 x S.
VMA="vmA -uuid 5A2C0E1F-3B4D-4E6F-8a9b-0c1d2e3f4a5b"
case "$ARCH" in
arm64)
	DEFAULT_VMM_ARGS="--vcpus 2 --mmio 3000,2200 --hvc 1400,1100 --sys 900,1300 --wfi 250,150 --wfi-us 500"
	MULTI_VMMS="$VMA --vcpus 2 --mmio 700,500 --hvc 400,300 --sys 300,450 --wfi 60,40 --wfi-us 500"
	MULTI_VMMS="$MULTI_VMMS;vmB --vcpus 3 --mmio 350,550,450 --hvc 250,350,150 --sys 500,200,350"
	MULTI_VMMS="$MULTI_VMMS --wfi 30,50,70 --wfi-us 500 --vcpu-ids 5,3,8 --vm-thread"
	TIMING_VMM="--vcpus 1 --mmio 0 --hvc 400 --sys 0 --wfi 150 --wfi-us 1000 --spin"
	TIMING_VMMS="vmS $TIMING_VMM 250000;vmL $TIMING_VMM 1000000"
	;;
riscv)
	DEFAULT_VMM_ARGS="--vcpus 2 --store 2000,1500 --load 800,1200 --ecall 1400,1000 --wfi 200,300 --csr 700,500"
	MULTI_VMMS="$VMA --vcpus 2 --store 500,300 --load 200,350 --ecall 400,250 --wfi 60,90 --csr 150,100"
	MULTI_VMMS="$MULTI_VMMS;vmB --vcpus 3 --store 250,450,350 --load 300,150,250"
	MULTI_VMMS="$MULTI_VMMS --ecall 200,300,350 --wfi 40,70,50 --csr 200,120,80 --vcpu-ids 5,3,8 --vm-thread"
	TIMING_VMM="--vcpus 1 --store 0 --load 0 --ecall 300 --wfi 150 --wfi-us 1000 --csr 0 --spin"
	TIMING_VMMS="vmS $TIMING_VMM 400000;vmL $TIMING_VMM 1600000"
	;;
x86)
	DEFAULT_VMM_ARGS="--vcpus 2 --io 2000,1500 --cpuid 1400,1000 --msr 800,1200 --hlt 200,300 --mmio 700,500"
	MULTI_VMMS="$VMA --vcpus 2 --io 500,300 --cpuid 200,350 --msr 400,250 --hlt 60,90 --mmio 150,100"
	MULTI_VMMS="$MULTI_VMMS;vmB --vcpus 3 --io 250,450,350 --cpuid 300,150,250"
	MULTI_VMMS="$MULTI_VMMS --msr 200,300,350 --hlt 40,70,50 --mmio 200,120,80"
	TIMING_VMMS=""	# no timer to block on in vmm-x86
	;;
*)
	echo "guest: unknown VMTEST_ARCH '$ARCH'"
	exit 2
	;;
esac
SCENARIO=${SCENARIO:-single}
PIN_VMMS=0
case "$SCENARIO" in
single) SCENARIO_VMMS="vmtest ${VMM_ARGS:-$DEFAULT_VMM_ARGS}" SCENARIO_KVMSTAT="" ;;
multivm) SCENARIO_VMMS=$MULTI_VMMS SCENARIO_KVMSTAT="--span both" ;;
fallback) SCENARIO_VMMS=$MULTI_VMMS SCENARIO_KVMSTAT="--span both --vcpu-source thread" ;;
timing) SCENARIO_VMMS=$TIMING_VMMS SCENARIO_KVMSTAT="--span both -i 1" PIN_VMMS=1 ;;
*)
	echo "guest: unknown SCENARIO '$SCENARIO' (single | multivm | fallback | timing)"
	exit 2
	;;
esac
VMMS=${VMMS:-$SCENARIO_VMMS}
KVMSTAT_ARGS="$SCENARIO_KVMSTAT${KVMSTAT_ARGS:+ $KVMSTAT_ARGS}"
VMM_TIMEOUT=${VMM_TIMEOUT:-60}
if [ -z "$VMMS" ]; then
	echo "guest: scenario '$SCENARIO' has no VMMs on $ARCH"
	exit 2
fi

fail() {
	echo "guest: $*"
	exit 1
}

# shellcheck source=tests/vmtest/trace-lib.sh
. /test/trace-lib.sh
trace_arch_setup "$ARCH"

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

print_ndjson() {
	[ -n "$KPID" ] || return 0
	echo "=== KVMSTAT NDJSON BEGIN ==="
	cat "$NDJSON"
	echo "=== KVMSTAT NDJSON END ==="
}

# Starts every VMM of $VMMS at once, in the background: NVMM, VMM_NAME_i, VMM_PID_i.
NVMM=0
start_vmms() {
	set -f
	IFS=';'
	# shellcheck disable=SC2086
	set -- $VMMS
	unset IFS
	for spec in "$@"; do
		# shellcheck disable=SC2086
		set -- $spec
		name=$1
		shift
		args=$*
		pin=""
		[ "$PIN_VMMS" = 0 ] || pin="taskset -c $((NVMM % $(nproc)))"
		echo "guest: running${pin:+ $pin} /bin/vmm --name $name $args"
		# shellcheck disable=SC2086
		$pin timeout "$VMM_TIMEOUT" /bin/vmm --name "$name" $args >"/tmp/vmm.$NVMM.out" \
			2>"/tmp/vmm.$NVMM.err" &
		eval "VMM_NAME_$NVMM=\$name VMM_PID_$NVMM=\$!"
		NVMM=$((NVMM + 1))
	done
	set +f
}

# Shortly before `timeout` kills a VMM that hangs: where its threads wait (kernel stacks)
# and the per-CPU interrupt counts, in the log for a post-mortem.
WATCHDOG=""
start_watchdog() {
	[ "$VMM_TIMEOUT" -gt 5 ] || return 0
	(
		sleep $((VMM_TIMEOUT - 3))
		for exe in /proc/[0-9]*/exe; do
			[ "$(readlink "$exe")" = /bin/vmm ] || continue
			for t in "${exe%/exe}"/task/*; do
				echo "guest: hung vmm thread ${t#/proc/}: $(cat "$t/comm") $(cat "$t/wchan")"
				sed 's/^/guest:   /' "$t/stack" 2>/dev/null
			done
		done
		sed 's/^/guest: interrupts: /' /proc/interrupts
	) &
	WATCHDOG=$!
}

stop_watchdog() {
	[ -n "$WATCHDOG" ] || return 0
	kill "$WATCHDOG" 2>/dev/null
	wait "$WATCHDOG" 2>/dev/null
}

# Waits for them: VMM_RC_i, and VMM_RC the first failure's (0: none).
VMM_RC=0
wait_vmms() {
	i=0
	pid=""
	while [ "$i" -lt "$NVMM" ]; do
		eval "pid=\$VMM_PID_$i"
		wait "$pid"
		rc=$?
		eval "VMM_RC_$i=\$rc"
		[ "$VMM_RC" != 0 ] || VMM_RC=$rc
		i=$((i + 1))
	done
	seconds=$(($(date +%s) - start))
}

# The single scenario keeps its one "GUEST vmm rc=" line; more VMMs have one each, with name=.
print_vmms() {
	i=0
	while [ "$i" -lt "$NVMM" ]; do
		eval "name=\$VMM_NAME_$i rc=\$VMM_RC_$i"
		if [ "$NVMM" = 1 ]; then
			echo "GUEST vmm rc=$rc seconds=$seconds"
		else
			echo "GUEST vmm name=$name rc=$rc seconds=$seconds"
		fi
		cat "/tmp/vmm.$i.out"
		sed "s/^/guest: vmm $name stderr: /" "/tmp/vmm.$i.err"
		i=$((i + 1))
	done
}

echo "GUEST scenario=$SCENARIO kvmstat_args=$KVMSTAT_ARGS"
setup_trace 8192 kvm/kvm_exit kvm/kvm_entry
setup_hist
start_kvmstat
start=$(date +%s)
start_vmms
start_watchdog
wait_vmms
stop_watchdog
if [ -n "${AFTER_VMMS:-}" ]; then
	# shellcheck disable=SC1090
	. "$AFTER_VMMS"
fi
echo 0 >"$I/tracing_on"
stop_kvmstat
print_vmms
count_trace
print_hist
print_ndjson
if [ "$VMM_RC" != 0 ]; then
	# The kernel's side of it (e.g. "vmm[pid]: unhandled exception" at info level).
	dmesg | tail -n 30 | sed 's/^/guest: dmesg: /'
	sed 's/^/guest: interrupts: /' /proc/interrupts
	fail "a VMM failed (rc $VMM_RC)"
fi
[ "$KVMSTAT_RC" = 0 ] || fail "kvmstat-bpf failed (rc $KVMSTAT_RC)"
exit 0
