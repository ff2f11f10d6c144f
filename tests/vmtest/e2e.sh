#!/usr/bin/env bash
# End-to-end exit counting test of one arch: boot the emulated KVM host, run the test VMM and
# kvmstat-bpf there with every ground truth recorded (tests/vmtest/guest.sh), then check the log.
#
# Usage: tests/vmtest/e2e.sh ARCH [--scenario NAME] [--append ARGS] [--timeout S] [--log FILE]
#                            [--env NAME=VAL] [--kvmstat PATH|none] [-v]
#   --scenario: single (default), multivm, fallback, timing, scale, collide, reuse, churn,
#   detail, soak (guest.sh; soak: SOAK_SECONDS from the environment, default 180, bulk
#   output in LOG's .out, checked by check_soak.py), or qemu (arm64, riscv: Debian's QEMU and a Linux guest, qemu-host.sh,
#   checked by check_qemu.py); the log defaults to
#   build/vmtest/ARCH/e2e.log (single) or e2e-NAME.log.
#   Needs build/vmtest/ARCH/vmm (make build/vmtest/ARCH/vmm). kvmstat-bpf: --kvmstat PATH (must
#   exist), else build/ARCH/kvmstat-bpf when it exists; without one (or with 'none') the test
#   checks the VMM against KVM's stats, tracefs and the hist trigger only.
#   Exit status: non-zero if the run or a check failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/vmtest

die() {
	echo "e2e: $*" >&2
	exit 2
}

[ $# -ge 1 ] || die "usage: $0 arm64|riscv|x86 [--scenario NAME] [--append ARGS] [--timeout S]" \
	"[--log FILE] [--env NAME=VAL] [--kvmstat PATH|none] [-v]"
ARCH=$1
shift
case "$ARCH" in arm64 | riscv | x86) ;; *) die "unknown ARCH '$ARCH'" ;; esac
KVMSTAT=$ROOT/build/$ARCH/kvmstat-bpf
KVMSTAT_GIVEN=0
LOG=""
SCENARIO=single
PASS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--scenario) [ $# -ge 2 ] || die "--scenario wants a name"; SCENARIO=$2; shift 2 ;;
	--kvmstat) [ $# -ge 2 ] || die "--kvmstat wants a path or 'none'"; KVMSTAT=$2; KVMSTAT_GIVEN=1; shift 2 ;;
	--log) [ $# -ge 2 ] || die "--log wants a file"; LOG=$2; shift 2 ;;
	--append | --timeout | --env) [ $# -ge 2 ] || die "$1 wants a value"; PASS+=("$1" "$2"); shift 2 ;;
	-v) PASS+=(-v); shift ;;
	*) die "unknown option '$1'" ;;
	esac
done
case "$SCENARIO" in
single) [ -n "$LOG" ] || LOG=$ROOT/build/vmtest/$ARCH/e2e.log ;;
multivm | fallback | timing | scale | collide | reuse | churn | detail)
	[ -n "$LOG" ] || LOG=$ROOT/build/vmtest/$ARCH/e2e-$SCENARIO.log
	PASS+=(--env "SCENARIO=$SCENARIO")
	;;
qemu)
	[ "$ARCH" != x86 ] || die "the qemu scenario runs on arm64 and riscv (tests/vmtest/README.md: why not x86)"
	[ -n "$LOG" ] || LOG=$ROOT/build/vmtest/$ARCH/e2e-$SCENARIO.log
	;;
soak)
	[ -n "$LOG" ] || LOG=$ROOT/build/vmtest/$ARCH/e2e-$SCENARIO.log
	SOAK_SECONDS=${SOAK_SECONDS:-180}
	[[ "$SOAK_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "SOAK_SECONDS wants whole seconds, got '$SOAK_SECONDS'"
	# the boot, the last wave and the output after SOAK_SECONDS: a few minutes at most
	PASS=(--timeout $((SOAK_SECONDS + 400)) "${PASS[@]}" --out "${LOG%.log}.out"
		--env "SCENARIO=$SCENARIO" --env "SOAK_SECONDS=$SOAK_SECONDS")
	;;
*) die "unknown scenario '$SCENARIO' (single | multivm | fallback | timing | scale | collide | reuse | churn | detail | soak | qemu)" ;;
esac

FILES=("$HERE/trace-lib.sh=/test/trace-lib.sh")
SCRIPT=$HERE/guest.sh
CHECK=$HERE/check.py
if [ "$SCENARIO" = qemu ]; then
	SCRIPT=$HERE/qemu-host.sh
	CHECK=$HERE/check_qemu.py
	STATS=$ROOT/build/vmtest/$ARCH/vcpu-stats
	[ -x "$STATS" ] || die "no $STATS: build it first (make build/vmtest/$ARCH/vcpu-stats)"
	mapfile -t qemu_files < <("$HERE/qemu-files.sh" "$ARCH" "$ROOT/build/vmtest/$ARCH") &&
		[ ${#qemu_files[@]} -gt 0 ] || die "failed to lay out QEMU and the Linux guest"
	FILES+=("${qemu_files[@]}" "$STATS=/bin/vcpu-stats")
	PASS=(--timeout 900 "${PASS[@]}" --out "${LOG%.log}.out")
elif [ "$SCENARIO" = soak ]; then
	CHECK=$HERE/check_soak.py
fi
if [ "$SCENARIO" != qemu ]; then
	VMM=$ROOT/build/vmtest/$ARCH/vmm
	[ -x "$VMM" ] || die "no $VMM: build it first (make build/vmtest/$ARCH/vmm)"
	FILES+=("$VMM=/bin/vmm")
fi
if [ "$KVMSTAT" != none ] && [ -x "$KVMSTAT" ]; then
	FILES+=("$KVMSTAT=/bin/kvmstat-bpf")
elif [ "$KVMSTAT" != none ] && [ "$KVMSTAT_GIVEN" = 1 ]; then
	die "no kvmstat-bpf at $KVMSTAT"
else
	echo "e2e: note: no kvmstat-bpf ($KVMSTAT): checking the VMM against the other ground truths only" >&2
fi

# The emulator itself (QEMU TCG) rarely kills a VMM (SIGSEGV the guest kernel never logged) or hangs
# its vCPUs (~2 in 100 loaded two-VM runs, with or without kvmstat-bpf's fentry). Such a run proves
# nothing either way: it is run once more, and says so. A run whose VMMs finished is never retried,
# so every count mismatch fails.
emulator_failed() {
	local run_rc=$1 log=$2 out=${2%.log}.out	# soak: the VMMs' lines are in its .out
	[ "$SCENARIO" = soak ] || out=/dev/null
	[ "$run_rc" = 124 ] || [ "$run_rc" = 125 ] ||
		grep -qE '^GUEST vmm (name=[^ ]+ )?rc=(1[2-9][0-9]|2[0-9][0-9]) ' "$log" "$out"
}

run_once() {
	run_rc=0
	"$HERE/vmtest.sh" "$ARCH" "${PASS[@]}" --log "$LOG" "$SCRIPT" "${FILES[@]}" >/dev/null ||
		run_rc=$?
}

run_once
if [ "$run_rc" != 0 ] && emulator_failed "$run_rc" "$LOG"; then
	cp "$LOG" "$LOG.emulator-failure"
	[ "$SCENARIO" != soak ] || cp "${LOG%.log}.out" "${LOG%.log}.out.emulator-failure"
	echo "e2e: $ARCH ($SCENARIO): a VMM died by a signal or QEMU timed out (log kept in" \
		"$LOG.emulator-failure); running once more"
	run_once
fi
check_rc=0
if [ "$SCENARIO" = soak ]; then
	python3 "$CHECK" "$LOG" "${LOG%.log}.out" || check_rc=$?
else
	python3 "$CHECK" "$LOG" || check_rc=$?
fi
echo "e2e: $ARCH ($SCENARIO): run rc=$run_rc, check rc=$check_rc, log: $LOG"
[ "$run_rc" = 0 ] && [ "$check_rc" = 0 ]
