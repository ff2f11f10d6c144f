#!/bin/sh
# make bench, inside the emulated KVM host (busybox sh): per-exit cost of each configuration.
# One vCPU makes a long run of the cheapest in-kernel exit (arm64 `hvc` PSCI_VERSION, RISC-V SBI
# ecall); configurations are rotated across repetitions so drift hits them all alike.
# Prints "BENCH cfg=NAME rep=N exits=N seconds=S" per run, then the kernel's per-program stats.
ARCH=${VMTEST_ARCH:?}
EXITS=${BENCH_EXITS:-300000}
REPS=${BENCH_REPS:-5}
T=/sys/kernel/tracing
case "$ARCH" in
arm64)
	VMM="/bin/vmm --vcpus 1 --mmio 0 --hvc $EXITS --sys 0 --wfi 0"
	HIST="hist:keys=common_pid,ret,esr_ec:vals=hitcount"
	CONFIGS=${BENCH_CONFIGS:-"base kvmstat kvmstat-proc kvmstat-sampled kvmstat-direct kvmstat-probe kvmstat-hash kvmstat-task kvmstat-detail kvmstat-slow straightforward floor floor-clock kvmstat-classic floor-classic ftrace ftrace-hist"}
	;;
riscv)
	VMM="/bin/vmm --vcpus 1 --store 0 --load 0 --ecall $EXITS --wfi 0 --csr 0"
	HIST=""	# no HIST_TRIGGERS in Debian's riscv64 kernel
	CONFIGS=${BENCH_CONFIGS:-"base kvmstat kvmstat-proc kvmstat-sampled kvmstat-direct kvmstat-probe kvmstat-hash kvmstat-task kvmstat-detail kvmstat-slow straightforward floor floor-clock kvmstat-classic floor-classic ftrace"}
	;;
*) echo "bench: unsupported arch $ARCH"; exit 2 ;;
esac

BGPID=""
# Start a tool in the background and wait until it says it is attached.
start_bg() {
	"$@" >/tmp/bg.out 2>&1 &
	BGPID=$!
	n=0
	until grep -q "attached" /tmp/bg.out; do
		kill -0 "$BGPID" 2>/dev/null || { cat /tmp/bg.out; echo "bench: $1 failed"; exit 1; }
		n=$((n + 1)); [ $n -lt 600 ] || { echo "bench: $1 never attached"; exit 1; }
		sleep 0.1
	done
}

stop_bg() {
	[ -n "$BGPID" ] || return 0
	kill -INT "$BGPID"
	wait "$BGPID"
	BGPID=""
}

setup() {
	case "$1" in
	base) ;;
	kvmstat) start_bg /bin/kvmstat-bpf run -v -i 100000 -b class ;;
	kvmstat-sampled) start_bg /bin/kvmstat-bpf run -v -i 100000 -b class --time-every 16 ;;
	kvmstat-direct | kvmstat-probe | kvmstat-hash | kvmstat-task)	# the other pending-exit stores
		start_bg /bin/kvmstat-bpf run -v -i 100000 -b class --inflight "${1#kvmstat-}" ;;
	kvmstat-classic) start_bg /bin/kvmstat-bpf run -v -i 100000 -b class --classic ;;
	kvmstat-proc) start_bg /bin/kvmstat-bpf run -v -i 100000 -b class --vcpu-source proc ;;
	# every exit is keyed (arm64 HVC: kvm_hvc_arm64; RISC-V ecall: the vcpu's a7/a6)
	kvmstat-detail) start_bg /bin/kvmstat-bpf run -v -i 100000 -b class --detail ;;
	# the recorder's check on every exit; none of these exits is that slow
	kvmstat-slow) start_bg /bin/kvmstat-bpf run -v -i 100000 -b class --slow 10ms ;;
	floor) start_bg /bin/floor ;;
	floor-classic) start_bg /bin/floor --classic ;;
	floor-clock) start_bg /bin/floor --clock ;;
	straightforward) start_bg /bin/floor --straightforward ;;
	ftrace | ftrace-hist)
		echo 1 >$T/events/kvm/kvm_exit/enable
		echo 1 >$T/events/kvm/kvm_entry/enable
		[ "$1" = ftrace-hist ] && echo "$HIST" >$T/events/kvm/kvm_exit/trigger
		echo 1 >$T/tracing_on
		;;
	esac
}

teardown() {
	case "$1" in
	ftrace | ftrace-hist)
		[ "$1" = ftrace-hist ] && echo "!$HIST" >$T/events/kvm/kvm_exit/trigger
		echo 0 >$T/events/kvm/kvm_exit/enable
		echo 0 >$T/events/kvm/kvm_entry/enable
		echo >$T/trace
		;;
	*) stop_bg ;;
	esac
}

run_vmm() {
	# shellcheck disable=SC2086
	out=$($VMM) || { echo "bench: vmm failed"; exit 1; }
	echo "$out" | sed -n 's/.* end seconds=\([0-9.]*\).*/\1/p'
}

echo 0 >/proc/sys/kernel/bpf_stats_enabled	# its own accounting costs per run
echo "BENCH arch=$ARCH exits=$EXITS reps=$REPS kernel=$(uname -r) configs=$CONFIGS"
run_vmm >/dev/null	# warm up
rep=1
while [ $rep -le "$REPS" ]; do
	# rotate the order by the repetition number
	set -- $CONFIGS
	i=1
	while [ $i -lt $rep ]; do first=$1; shift; set -- "$@" "$first"; i=$((i + 1)); done
	for cfg in "$@"; do
		setup "$cfg"
		s=$(run_vmm)
		teardown "$cfg"
		echo "BENCH cfg=$cfg rep=$rep exits=$EXITS seconds=$s"
	done
	rep=$((rep + 1))
done

# The kernel's own per-program figures (run_time_ns / run_cnt), in a separate run.
echo 1 >/proc/sys/kernel/bpf_stats_enabled
for tool in kvmstat kvmstat-proc kvmstat-sampled kvmstat-direct kvmstat-probe kvmstat-hash \
	kvmstat-task kvmstat-detail kvmstat-slow straightforward floor floor-clock; do
	case " $CONFIGS " in *" $tool "*) ;; *) continue ;; esac
	setup "$tool"
	run_vmm >/dev/null
	teardown "$tool"
	grep -E "prog .*run_cnt" /tmp/bg.out | sed "s/^/BPFSTATS $tool /"
done
echo 0 >/proc/sys/kernel/bpf_stats_enabled
