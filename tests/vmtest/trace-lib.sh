# shellcheck shell=sh
# Ground truth from ftrace, shared by guest.sh and qemu-host.sh (sourced; busybox sh inside the
# emulated KVM host): the raw tracefs stream of KVM events in an own trace instance, counted per
# (vCPU thread, class) here or exported raw to the host, and an ftrace hist trigger on kvm_exit.
# The sourcing script defines fail() and calls trace_arch_setup first.

T=/sys/kernel/tracing
I=$T/instances/vmtest

# The kvm_exit record fields that make the class (CLASS_HI << 32 | CLASS_LO; no HI: LO is the
# class), the hist keys, and the bpf(2) syscall number (raw_syscalls filter) per arch.
trace_arch_setup() {
	case "$1" in
	arm64) CLASS_HI=ret CLASS_LO=esr_ec HIST_KEYS=ret,esr_ec NR_BPF=280 ;;
	riscv) CLASS_HI="" CLASS_LO=scause HIST_KEYS=scause NR_BPF=280 ;;
	x86) CLASS_HI=isa CLASS_LO=exit_reason HIST_KEYS=isa,exit_reason NR_BPF=321 ;;
	*) fail "unknown arch '$1'" ;;
	esac
}

# Own trace instance: its buffer, options and events do not disturb anything else. Timestamps
# are CLOCK_MONOTONIC (trace_clock mono, or TRACE_CLOCK): one clock for all CPUs (a vCPU thread
# may exit on one and re-enter on another), the one bpf_ktime_get_ns() reads and kvmstat-bpf
# stamps its intervals with. $1: buffer KiB per CPU; then the events to enable (kvm/kvm_exit).
setup_trace() {
	kb=$1
	shift
	mkdir -p "$I" || fail "failed to create trace instance $I"
	echo "$kb" >"$I/buffer_size_kb" || fail "failed to size the trace buffer"
	echo "${TRACE_CLOCK:-mono}" >"$I/trace_clock" || fail "failed to set the trace clock ${TRACE_CLOCK:-mono}"
	echo 1 >"$I/options/fields" || fail "failed to set the trace 'fields' option (kernel < 5.19?)"
	for ev in "$@"; do
		enable_trace_event "$ev"
	done
	echo 1 >"$I/tracing_on"
}

enable_trace_event() {
	echo 1 >"$I/events/$1/enable" || fail "failed to enable $1"
}

# bpf(2) calls, entry and exit: when kvmstat-bpf attached its programs, by the kernel's clock. An
# instance of their own: the `fields` output of the KVM events' instance cannot print the
# syscall's arguments (the bpf command).
IB=$T/instances/vmtest-bpf
trace_bpf_syscalls() {
	mkdir -p "$IB" || fail "failed to create trace instance $IB"
	echo mono >"$IB/trace_clock" || fail "failed to set the trace clock to mono"
	echo "id == $NR_BPF" >"$IB/events/raw_syscalls/filter" || fail "failed to filter raw_syscalls"
	echo 1 >"$IB/events/raw_syscalls/enable" || fail "failed to enable raw_syscalls"
	echo 1 >"$IB/tracing_on"
}

# The raw text of trace instance $1 (a path) to the file vmtest.sh --out gives the host (the
# emulated CPU is too slow to parse large traces: the check does it), between
# "=== TRACE BEGIN $2 ===" and "=== TRACE END ===".
export_trace() {
	[ -n "${VMTEST_OUT:-}" ] || fail "no VMTEST_OUT: run vmtest.sh with --out"
	echo 0 >"$1/tracing_on"
	{
		echo "=== TRACE BEGIN $2 ==="
		cat "$1/trace"
		echo "=== TRACE END ==="
	} >>"$VMTEST_OUT" || fail "failed to export trace $2"
}

# "TRACE lost=N" (or "TRACE $2_lost=N"): events lost to a full buffer in instance $1 would make
# every count wrong.
print_trace_lost() {
	cat "$1"/per_cpu/cpu*/stats | awk -v name="${2:+${2}_}lost" '
		/^overrun:/ { lost += $2 } /^dropped events:/ { lost += $3 }
		END { printf "TRACE %s=%d\n", name, lost }'
}

# HIST_TRIGGER=off leaves it out (it runs in kvm_exit before other programs and delays their
# timestamps by its own cost, tests/prometheus).
HIST_ON=0
setup_hist() {
	if [ "${HIST_TRIGGER:-on}" = off ]; then
		echo "guest: note: hist trigger off (HIST_TRIGGER=off), hist comparison skipped"
		return 0
	fi
	if [ ! -e "$T/events/kvm/kvm_exit/hist" ]; then
		echo "guest: note: no hist triggers in this kernel, hist comparison skipped"
		return 0
	fi
	echo "hist:keys=common_pid,$HIST_KEYS:vals=hitcount:size=4096" \
		>"$T/events/kvm/kvm_exit/trigger" || fail "failed to set the kvm_exit hist trigger"
	HIST_ON=1
}

print_hist() {
	[ "$HIST_ON" = 1 ] || return 0
	echo "=== HIST BEGIN ==="
	cat "$T/events/kvm/kvm_exit/hist"
	echo "=== HIST END ==="
	echo "!hist:keys=common_pid,$HIST_KEYS:vals=hitcount:size=4096" >"$T/events/kvm/kvm_exit/trigger"
	HIST_ON=0
}

# Between waves: the next wave's threads may reuse this wave's tids.
reset_trace() {
	echo >"$I/trace"
	echo 1 >"$I/tracing_on"
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
	print_trace_lost "$I"
}
