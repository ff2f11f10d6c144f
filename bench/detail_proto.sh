#!/bin/sh
# Issue-12 prototype, inside the emulated KVM host (busybox sh): per-exit cost of reading the
# second-level key at kvm_exit through the cached vcpu (core: bpf_probe_read_kernel; cast:
# bpf_rdonly_cast) or from the class's own tracepoint (companion), over a per-thread slot base (slot), per exit kind.
# Run: tests/vmtest/vmtest.sh ARCH bench/detail_proto.sh build/ARCH/detail_proto \
#        build/vmtest/ARCH/vmm=/bin/vmm
# Prints "PROTO cfg=C loop=L rep=N exits=N seconds=S", then slots and bpf_stats per config.
ARCH=${VMTEST_ARCH:?}
EXITS=${BENCH_EXITS:-100000}
REPS=${BENCH_REPS:-3}
case "$ARCH" in
arm64)
	LOOPS="hvc sys"
	CONFIGS="base slot core cast companion"
	vmm_args() {
		case $1 in
		hvc) echo "--mmio 0 --hvc $EXITS --sys 0 --wfi 0" ;;
		sys) echo "--mmio 0 --hvc 0 --sys $EXITS --wfi 0" ;;
		esac
	}
	;;
riscv)
	LOOPS="ecall csr"
	CONFIGS="base slot core cast"
	vmm_args() {
		case $1 in
		ecall) echo "--store 0 --load 0 --ecall $EXITS --wfi 0 --csr 0" ;;
		csr) echo "--store 0 --load 0 --ecall 0 --wfi 0 --csr $EXITS" ;;
		esac
	}
	;;
x86)
	LOOPS="msr cpuid"
	CONFIGS="base slot core companion"
	vmm_args() {
		case $1 in
		msr) echo "--io 0 --cpuid 0 --msr $EXITS --hlt 0 --mmio 0" ;;
		cpuid) echo "--io 0 --cpuid $EXITS --msr 0 --hlt 0 --mmio 0" ;;
		esac
	}
	;;
*) echo "proto: unsupported arch $ARCH"; exit 2 ;;
esac

BGPID=""
start() {
	[ "$1" = base ] && return 0
	/bin/detail_proto "$1" >/tmp/proto.out 2>&1 &
	BGPID=$!
	n=0
	until grep -q attached /tmp/proto.out; do
		kill -0 "$BGPID" 2>/dev/null || { cat /tmp/proto.out; echo "proto: $1 failed"; exit 1; }
		n=$((n + 1)); [ $n -lt 600 ] || { echo "proto: $1 never attached"; exit 1; }
		sleep 0.1
	done
}

stop() {
	[ -n "$BGPID" ] || return 0
	kill -INT "$BGPID"
	wait "$BGPID"
	BGPID=""
}

run_vmm() {
	# shellcheck disable=SC2046
	/bin/vmm --vcpus 1 $(vmm_args "$1") | sed -n 's/.* end seconds=\([0-9.]*\).*/\1/p'
}

echo 0 >/proc/sys/kernel/bpf_stats_enabled
echo "PROTO arch=$ARCH exits=$EXITS reps=$REPS kernel=$(uname -r)"
run_vmm "${LOOPS%% *}" >/dev/null	# warm up
rep=1
while [ $rep -le "$REPS" ]; do
	set -- $CONFIGS
	i=1
	while [ $i -lt $rep ]; do first=$1; shift; set -- "$@" "$first"; i=$((i + 1)); done
	for loop in $LOOPS; do
		for cfg in "$@"; do
			start "$cfg"
			s=$(run_vmm "$loop")
			stop
			echo "PROTO cfg=$cfg loop=$loop rep=$rep exits=$EXITS seconds=$s"
		done
	done
	rep=$((rep + 1))
done

# What each configuration read (last key per thread) and the kernel's per-program figures.
echo 1 >/proc/sys/kernel/bpf_stats_enabled
for loop in $LOOPS; do
	for cfg in $CONFIGS; do
		[ "$cfg" = base ] && continue
		start "$cfg"
		run_vmm "$loop" >/dev/null
		stop
		sed "s/^/PROTOSTATS $cfg $loop /" /tmp/proto.out
	done
done
echo 0 >/proc/sys/kernel/bpf_stats_enabled
