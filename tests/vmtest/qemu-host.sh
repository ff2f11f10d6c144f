#!/bin/sh
# The real-VMM test, run by vmtest.sh's /init inside the emulated arm64 KVM host (busybox sh):
# Debian's own QEMU (/opt/qemu, scripts/fetch-qemu.sh) boots Debian's kernel with a busybox
# initramfs (/guest, tests/vmtest/qemu-guest-init.sh) under -accel kvm. check_qemu.py compares:
#   - kvmstat-bpf "life": attached before QEMU starts, stopped after it ended (the VM's whole life),
#     with --prom-file
#   - kvmstat-bpf "attachN": a run of ATTACH_SECONDS per word of ATTACH_RUNS (its --vcpu-source),
#     one after the other, started while the guest idles (its vCPUs asleep inside KVM_RUN) and
#     detached while it still runs; "proc" is what a kernel without CONFIG_KALLSYMS_ALL gets
#   - the raw tracefs stream (trace-lib.sh): kvm_exit and kvm_userspace_exit for the whole life,
#     kvm_entry from the first attach run on (where each exit was accounted); bpf(2) calls (when
#     each kvmstat-bpf attached), by the kernel's clock
#   - an ftrace hist trigger on kvm_exit
#   - KVM's own per-vCPU statistics from QEMU's stats fds, final after QEMU ended (vcpu-stats)
#   - the guest's markers (serial console) and the lines it wrote to its virtio console
# Bulk data (both traces raw, every NDJSON) goes to $VMTEST_OUT (vmtest.sh --out), the rest to
# the console.
# Environment: VMTEST_ARCH; qemu-lib.sh's (QEMU_NAME, QEMU_UUID, ...); ATTACH_RUNS ("auto auto
# proc"), ATTACH_SECONDS (2); KVMSTAT_ARGS adds arguments to every kvmstat-bpf run.

ARCH=${VMTEST_ARCH:?VMTEST_ARCH not set}
[ -c "${VMTEST_OUT:-}" ] || { echo "guest: no VMTEST_OUT (vmtest.sh --out)"; exit 2; }
KVMSTAT=/bin/kvmstat-bpf
ATTACH_RUNS=${ATTACH_RUNS:-auto auto proc}
ATTACH_SECONDS=${ATTACH_SECONDS:-2}

fail() {
	echo "guest: $*"
	exit 1
}

# shellcheck source=tests/vmtest/trace-lib.sh
. /test/trace-lib.sh
trace_arch_setup "$ARCH"
# shellcheck source=tests/vmtest/qemu-lib.sh
. /test/qemu-lib.sh
qemu_arch_setup "$ARCH"

# Starts kvmstat-bpf writing NDJSON to $1 (more arguments: its own), in the background: KPID.
# Returns once the first interval line is written (it is attached).
start_kvmstat() {
	json=$1
	shift
	# shellcheck disable=SC2086
	"$KVMSTAT" run --json "$json" "$@" $KVMSTAT_ARGS >/dev/null 2>"$json.err" &
	KPID=$!
	echo "GUEST kvmstat-bpf started run=$(basename "$json" .ndjson) pid=$KPID args=$*"
	waited=0
	while [ ! -s "$json" ]; do
		kill -0 "$KPID" 2>/dev/null || { cat "$json.err"; fail "kvmstat-bpf exited before its first interval"; }
		waited=$((waited + 1))
		[ "$waited" -le 600 ] || fail "kvmstat-bpf wrote no interval within 60 s"
		sleep 0.1
	done
}

# Waits for kvmstat-bpf $1 (pid) and prints its exit code and stderr under the run's name $2.
finish_kvmstat() {
	wait "$1"
	echo "GUEST kvmstat-bpf run=$2 rc=$?"
	sed "s/^/guest: kvmstat-bpf $2 stderr: /" "/tmp/$2.ndjson.err"
}

# QEMU's threads as the kernel shows them: name, and the syscall each is in (vCPUs: KVM_RUN on
# a vCPU fd), and its KVM fds (anon_inode:kvm-vcpu:ID, ID the vcpu_id).
# A thread on a CPU shows "running" instead of its syscall: read it again until it blocks.
thread_syscall() {
	n=0
	while s=$(cut -d' ' -f1-3 "$1/syscall" 2>/dev/null) && [ "$s" = running ] && [ "$n" -lt 200 ]; do
		usleep 5000
		n=$((n + 1))
	done
	echo "$s" | tr ' ' ,
}

print_threads() {
	for t in /proc/"$QPID"/task/*; do
		echo "QEMU thread tid=${t##*/} syscall=$(thread_syscall "$t") comm=$(cat "$t/comm")"
	done
	for f in /proc/"$QPID"/fd/*; do
		l=$(readlink "$f")
		case "$l" in anon_inode:kvm-*) echo "QEMU fd=${f##*/} target=$l" ;; esac
	done
}

attach_runs() {
	i=1
	for source in $ATTACH_RUNS; do
		echo "guest: kvmstat-bpf attach$i (--vcpu-source $source) for ${ATTACH_SECONDS}s while the guest runs"
		start_kvmstat "/tmp/attach$i.ndjson" -i 0.5 -d "$ATTACH_SECONDS" --vcpu-source "$source"
		finish_kvmstat "$KPID" "attach$i"
		RUNS="$RUNS attach$i"
		i=$((i + 1))
	done
}

# Powers the guest off and waits for QEMU, then for vcpu-stats (which reads the stats then).
stop_qemu_and_stats() {
	stop_qemu
	wait "$SPID"
	echo "GUEST vcpu-stats rc=$?"
}

print_outputs() {
	cat /tmp/vcpu-stats.out
	sed 's/^/guest: qemu: /' /tmp/qemu.out
	echo "=== GUEST CONSOLE BEGIN ==="
	tr -d '\r' <"$CONSOLE"
	echo
	echo "=== GUEST CONSOLE END ==="
	echo "GUEST virtio lines=$(grep -c '^LGUEST virtio line' /tmp/hvc0.out)"
	for run in $RUNS; do
		echo "=== KVMSTAT NDJSON BEGIN run=$run ==="
		cat "/tmp/$run.ndjson"
		echo "=== KVMSTAT NDJSON END ==="
	done >>"$VMTEST_OUT"
	{
		echo "=== PROM BEGIN run=life ==="
		cat /tmp/life.prom
		echo "=== PROM END ==="
	} >>"$VMTEST_OUT"
}

echo "GUEST scenario=qemu kvmstat_args=$KVMSTAT_ARGS attach_runs=$ATTACH_RUNS"
setup_trace 16384 kvm/kvm_exit kvm/kvm_userspace_exit
trace_bpf_syscalls
setup_hist
start_kvmstat /tmp/life.ndjson -i 1 --prom-file /tmp/life.prom
LIFE=$KPID
RUNS=life
start_qemu
/bin/vcpu-stats "$QPID" "$QEMU_VCPUS" >/tmp/vcpu-stats.out 2>&1 &
SPID=$!
wait_guest_idle
print_threads
# Where each exit is accounted, from here on: the attach runs' boundaries need it.
enable_trace_event kvm/kvm_entry
attach_runs
stop_qemu_and_stats
kill -INT "$LIFE"
finish_kvmstat "$LIFE" life
print_trace_lost "$I"
print_trace_lost "$IB" bpf
export_trace "$I" kvm
export_trace "$IB" bpf
print_hist
print_outputs
exit 0
