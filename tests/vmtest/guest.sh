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
#   scale     8 VMMs x 8 vCPUs (64 vCPU threads) at once, different counts per (VM, vCPU)
#   collide   vmA and vmB, 4 vCPUs each, whose threads get tids equal modulo 16384 (the
#             pending-exit array's size, so modulo every power of two up to it: vmm --tids),
#             running at once, one VMM per CPU; `--span both`
#   reuse     vmOld (4 vCPUs), then, after it ended, vmNew whose threads get vmOld's tids
#   churn     4 waves of 4 VMMs x 4 vCPUs, one after another, each wave's threads reusing
#             the previous wave's tids; `--max-keys` well below the keys of the whole run:
#             stats slots of ended threads must be reused
#   detail    one VMM, 2 vCPUs, --keys (known exits per sysreg / SMCCC function / SBI call /
#             CSR / MMIO address / MSR / port / CPUID leaf, "expect_key" lines) and a waiting
#             instruction (wfi, hlt) blocking 5 ms among them; `--span both --detail --slow 1ms`, a
#             second kvmstat-bpf (KVMSTAT2_ARGS) with `--detail-max 2 --slow 1ns --slow-rate 20
#             --slow-burst 5`: its bound and rate limit. The trace (mono clock, no hist trigger)
#             also records the classes' own events: per (pid, event, key fields)
#             "TRACEKEY pid=T event=E F=V.. count=N", every exit -> entry pair "TRACEPAIR
#             pid=T ts_us=.. dur_us=.. CLASS_FIELDS PC_FIELD", and "TRACE pid=T pairs=N"
#             (tests/vmtest/check_keys.py).
#   soak      waves of 3 VMMs (soak_wave) one after another until SOAK_SECONDS (default 180)
#             are up: sWa and sWb on the same tids every wave, equal modulo 16384 (reused and
#             colliding), sWc on new ones; kvmstat-bpf `-i 1 --prom-file` with --max-keys and
#             --keep-ended well below the run's keys, -v (its heap in use each interval);
#             its RSS, fds and BPF maps' memory sampled after each wave ("SOAK sample"). Bulk output (waves, NDJSON,
#             Prometheus file, samples) goes to $VMTEST_OUT (vmtest.sh --out):
#             tests/vmtest/check_soak.py.
# VMMS overrides the scenario's VMMs: "NAME ARGS;NAME ARGS..." (the VMM gets --name NAME ARGS);
# '|' separates waves: the VMMs of a wave run at once, a wave starts when the previous one ended
# (WAVE_GAP s later). Per wave the ground truths are printed after a "GUEST wave=N" line and reset.
# HIST_TRIGGER=off leaves out the hist trigger: it runs in kvm_exit before kvmstat-bpf's program
# (enabled first) and delays its timestamp by its own cost (~10 us under TCG), which would offset
# handling times measured by kvmstat-bpf against the trace's timestamps (tests/prometheus).
# TRACE_CLOCK sets the trace instance's clock (trace-lib.sh; default mono: one clock for all CPUs,
# the one bpf_ktime_get_ns() reads, so exit -> entry timestamps are handling times).
# AFTER_VMMS names a file sourced once the VMMs (of the last wave) are done, while kvmstat-bpf
# and the trace still run (tests/prometheus/hold.sh: until the build machine has scraped the
# final counts).

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
	DETAIL_VMMS="vmK --vcpus 2 --keys --mmio 370,90 --hvc 350,160 --sys 330,170 --wfi 30,20 --wfi-us 5000"
	KEY_EVENTS="kvm_hvc_arm64:r0 kvm_handle_sys_reg:hsr kvm_guest_fault:hsr,hxfar,ipa kvm_wfx_arm64:is_wfe"
	PC_FIELD=vcpu_pc
	;;
riscv)
	DEFAULT_VMM_ARGS="--vcpus 2 --store 2000,1500 --load 800,1200 --ecall 1400,1000 --wfi 200,300 --csr 700,500"
	MULTI_VMMS="$VMA --vcpus 2 --store 500,300 --load 200,350 --ecall 400,250 --wfi 60,90 --csr 150,100"
	MULTI_VMMS="$MULTI_VMMS;vmB --vcpus 3 --store 250,450,350 --load 300,150,250"
	MULTI_VMMS="$MULTI_VMMS --ecall 200,300,350 --wfi 40,70,50 --csr 200,120,80 --vcpu-ids 5,3,8 --vm-thread"
	TIMING_VMM="--vcpus 1 --store 0 --load 0 --ecall 300 --wfi 150 --wfi-us 1000 --csr 0 --spin"
	TIMING_VMMS="vmS $TIMING_VMM 400000;vmL $TIMING_VMM 1600000"
	DETAIL_VMMS="vmK --vcpus 2 --keys --store 370,90 --load 210,130 --ecall 350,160 --csr 330,170"
	DETAIL_VMMS="$DETAIL_VMMS --wfi 30,20 --wfi-us 5000"
	KEY_EVENTS="kvm_exit:scause,stval,htval"	# 6.12 has no other KVM event on RISC-V
	PC_FIELD=sepc
	;;
x86)
	DEFAULT_VMM_ARGS="--vcpus 2 --io 2000,1500 --cpuid 1400,1000 --msr 800,1200 --hlt 200,300 --mmio 700,500"
	MULTI_VMMS="$VMA --vcpus 2 --io 500,300 --cpuid 200,350 --msr 400,250 --hlt 60,90 --mmio 150,100"
	MULTI_VMMS="$MULTI_VMMS;vmB --vcpus 3 --io 250,450,350 --cpuid 300,150,250"
	MULTI_VMMS="$MULTI_VMMS --msr 200,300,350 --hlt 40,70,50 --mmio 200,120,80"
	TIMING_VMMS=""	# no timer to block on in vmm-x86
	DETAIL_VMMS="vmK --vcpus 2 --keys --io 370,90 --cpuid 350,160 --msr 330,170 --hlt 30,20"
	DETAIL_VMMS="$DETAIL_VMMS --mmio 210,130 --wfi-us 5000"	# the VMM sleeps 5 ms on each hlt
	KEY_EVENTS="kvm_pio:rw,port kvm_msr:write,ecx kvm_cpuid:function kvm_page_fault:fault_address,error_code"
	KEY_EVENTS="$KEY_EVENTS kvm_hypercall:nr"
	PC_FIELD=guest_rip
	;;
*)
	echo "guest: unknown VMTEST_ARCH '$ARCH'"
	exit 2
	;;
esac
# A vmm count list for VM $2 of $3 vCPUs: "B+nV,B+nV+1,.." (n = $3), times $4 (default 1),
# so no two (VM, vCPU) pairs make the same counts.
count_list() {
	base=$1 vm=$2 n=$3 mult=${4:-1} i=0 out=""
	while [ "$i" -lt "$n" ]; do
		out="$out${out:+,}$(((base + n * vm + i) * mult))"
		i=$((i + 1))
	done
	echo "$out"
}

# tids T, T+1, .. for $2 vCPUs
tid_list() {
	i=0 out=""
	while [ "$i" -lt "$2" ]; do
		out="$out${out:+,}$(($1 + i))"
		i=$((i + 1))
	done
	echo "$out"
}

# The counts of VM $1 with $2 vCPUs, per arch, times $3 (default 1): ~100 exits per vCPU,
# every vCPU and VM different.
vm_counts() {
	case "$ARCH" in
	arm64) echo "--mmio $(count_list 20 "$1" "$2" "$3") --hvc $(count_list 40 "$1" "$2" "$3")" \
		"--sys $(count_list 10 "$1" "$2" "$3") --wfi $(count_list 2 "$1" "$2" "$3") --wfi-us 500" ;;
	riscv) echo "--store $(count_list 20 "$1" "$2" "$3") --load $(count_list 10 "$1" "$2" "$3")" \
		"--ecall $(count_list 40 "$1" "$2" "$3") --wfi $(count_list 2 "$1" "$2" "$3")" \
		"--csr $(count_list 5 "$1" "$2" "$3")" ;;
	x86) echo "--io $(count_list 20 "$1" "$2" "$3") --cpuid $(count_list 40 "$1" "$2" "$3")" \
		"--msr $(count_list 10 "$1" "$2" "$3") --hlt $(count_list 2 "$1" "$2" "$3")" \
		"--mmio $(count_list 5 "$1" "$2" "$3")" ;;
	esac
}

# scale: 8 VMMs of 8 vCPUs at once.
scale_vmms() {
	k=0 out=""
	while [ "$k" -lt 8 ]; do
		out="$out${out:+;}vm$k --vcpus 8 $(vm_counts "$k" 8)"
		k=$((k + 1))
	done
	echo "$out"
}

# collide: tids T.. and T+16384.. (pid_max is 32768 in the emulated hosts), one VMM per CPU,
# ~1000 exits per vCPU: long runs side by side.
COLLIDE_TID=1000
collide_vmms() {
	echo "vmA --vcpus 4 $(vm_counts 0 4 10) --tids $(tid_list $COLLIDE_TID 4);" \
		"vmB --vcpus 4 $(vm_counts 1 4 10) --tids $(tid_list $((COLLIDE_TID + 16384)) 4)"
}

# reuse: the same tids in two VMMs, one after the other; vmNew's vCPUs have other KVM ids
# (where the VMM can choose them), so an inherited vCPU id shows.
REUSE_TID=3000
reuse_vmms() {
	ids=""
	[ "$ARCH" = x86 ] || ids="--vcpu-ids 4,5,6,7"
	echo "vmOld --vcpus 4 $(vm_counts 0 4) --tids $(tid_list $REUSE_TID 4)|" \
		"vmNew --vcpus 4 $(vm_counts 1 4) --tids $(tid_list $REUSE_TID 4) $ids"
}

# churn: waves w1..w4 of VMMs wWa..wWd; VMM k of every wave has the tids 5000+16k... A wave's
# 16 threads have up to ~130 keys (classes x origins), the run ~500: --max-keys holds one wave
# and a half, so the run is exact only if the slots of ended threads' keys are used again.
CHURN_MAX_KEYS=192
churn_vmms() {
	w=1 out=""
	while [ "$w" -le 4 ]; do
		k=0 wave=""
		for v in a b c d; do
			wave="$wave${wave:+;}w$w$v --vcpus 4 $(vm_counts $((4 * w + k)) 4)"
			wave="$wave --tids $(tid_list $((5000 + 16 * k)) 4)"
			k=$((k + 1))
		done
		out="$out${out:+|}$wave"
		w=$((w + 1))
	done
	echo "$out"
}

# soak: wave $1 of 3 VMMs: sWa (2 vCPUs, tids 6000-6001) and sWb (2 vCPUs, tids 6000-6001 +
# 16384: equal modulo the pending-exit array's size) on the same tids every wave, running at
# once; sWc (4 vCPUs) on the tids the kernel hands out. Counts cycle over 4 waves (so a
# wave's exits in the next wave's VMs would show), different per (VM, vCPU) within a wave.
SOAK_TID=6000
SOAK_MAX_KEYS=128
SOAK_KEEP_ENDED=64
SOAK_PROM=/tmp/k.prom
soak_wave() {
	base=$((3 * ($1 % 4)))
	echo "s$1a --vcpus 2 $(vm_counts "$base" 2) --tids $(tid_list $SOAK_TID 2);" \
		"s$1b --vcpus 2 $(vm_counts $((base + 1)) 2) --tids $(tid_list $((SOAK_TID + 16384)) 2);" \
		"s$1c --vcpus 4 $(vm_counts $((base + 2)) 4)"
}

SCENARIO=${SCENARIO:-single}
PIN_VMMS=0
SYNC_START=0
WAVE_GAP=${WAVE_GAP:-1}
case "$SCENARIO" in
single) SCENARIO_VMMS="vmtest ${VMM_ARGS:-$DEFAULT_VMM_ARGS}" SCENARIO_KVMSTAT="" ;;
multivm) SCENARIO_VMMS=$MULTI_VMMS SCENARIO_KVMSTAT="--span both" ;;
fallback) SCENARIO_VMMS=$MULTI_VMMS SCENARIO_KVMSTAT="--span both --vcpu-source thread" ;;
timing) SCENARIO_VMMS=$TIMING_VMMS SCENARIO_KVMSTAT="--span both -i 1" PIN_VMMS=1 ;;
scale) SCENARIO_VMMS=$(scale_vmms) SCENARIO_KVMSTAT="-i 1" SYNC_START=1 ;;
collide) SCENARIO_VMMS=$(collide_vmms) SCENARIO_KVMSTAT="--span both" PIN_VMMS=1 SYNC_START=1 ;;
reuse) SCENARIO_VMMS=$(reuse_vmms) SCENARIO_KVMSTAT="" SYNC_START=1 ;;
churn) SCENARIO_VMMS=$(churn_vmms) SCENARIO_KVMSTAT="--max-keys $CHURN_MAX_KEYS" SYNC_START=1 ;;
soak)
	SCENARIO_VMMS=$(soak_wave 1)	# and more, made per wave (run_soak)
	SCENARIO_KVMSTAT="-i 1 --prom-file $SOAK_PROM --max-keys $SOAK_MAX_KEYS --keep-ended $SOAK_KEEP_ENDED -v"
	SYNC_START=1
	VMM_TIMEOUT=${VMM_TIMEOUT:-20}	# a wave takes 1-3 s: a hung one (the emulator) costs less
	;;
detail)
	SCENARIO_VMMS=$DETAIL_VMMS SCENARIO_KVMSTAT="--span both --detail --slow 1ms"
	KVMSTAT2_ARGS=${KVMSTAT2_ARGS:---detail-max 2 --slow 1ns --slow-rate 20 --slow-burst 5}
	TRACE_CLOCK=${TRACE_CLOCK:-mono} HIST_TRIGGER=${HIST_TRIGGER:-off} KEY_EVENTS_ON=$KEY_EVENTS
	EXIT_TRACE_LATE=1
	;;
*)
	echo "guest: unknown SCENARIO '$SCENARIO' (single | multivm | fallback | timing | scale |" \
		"collide | reuse | churn | detail | soak)"
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

# soak: the bulk of what the check reads (waves, NDJSON, samples) through the virtio port of
# vmtest.sh --out (the console is slow); else all on the console.
if [ "$SCENARIO" = soak ]; then
	[ -c "${VMTEST_OUT:-}" ] || fail "the soak scenario wants vmtest.sh --out"
	SOAK_SECONDS=${SOAK_SECONDS:-180}
	exec 3>>"$VMTEST_OUT"
else
	exec 3>&1
fi

# shellcheck source=tests/vmtest/trace-lib.sh
. /test/trace-lib.sh
trace_arch_setup "$ARCH"

# A tracepoint calls its probes in the order they were added. EXIT_TRACE_LATE=1 (detail): the
# trace's kvm_exit probe after kvmstat-bpf's, its kvm_entry probe before, so the trace's exit ->
# entry of each exit lies within kvmstat-bpf's (an emulator stall between two probes can only
# lengthen kvmstat-bpf's).
enable_exit_trace() {
	echo 1 >"$I/events/kvm/kvm_exit/enable" || fail "failed to enable kvm_exit"
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

# A second kvmstat-bpf with other options (KVMSTAT2_ARGS), attached before the VMMs start too.
KPID2=""
start_kvmstat2() {
	[ -n "${KVMSTAT2_ARGS:-}" ] && [ -x "$KVMSTAT" ] || return 0
	# shellcheck disable=SC2086
	"$KVMSTAT" run -i 0.2 --json /tmp/k2.ndjson $KVMSTAT2_ARGS >/tmp/kvmstat2.out 2>/tmp/kvmstat2.err &
	KPID2=$!
	waited=0
	while [ ! -s /tmp/k2.ndjson ]; do
		kill -0 "$KPID2" 2>/dev/null || {
			cat /tmp/kvmstat2.err
			fail "the second kvmstat-bpf exited before its first interval"
		}
		waited=$((waited + 1))
		[ "$waited" -le 300 ] || fail "the second kvmstat-bpf wrote no interval within 30 s"
		sleep 0.1
	done
	echo "guest: second kvmstat-bpf attached (pid $KPID2): $KVMSTAT2_ARGS"
}

KVMSTAT_RC=0
stop_kvmstat() {
	[ -n "$KPID" ] || return 0
	kill -INT "$KPID"
	wait "$KPID"
	KVMSTAT_RC=$?
	echo "GUEST kvmstat-bpf rc=$KVMSTAT_RC"
	sed 's/^/guest: kvmstat-bpf stderr: /' /tmp/kvmstat.err >&3	# soak: -v, long
	[ -n "$KPID2" ] || return 0
	kill -INT "$KPID2"
	wait "$KPID2"
	rc=$?
	echo "GUEST kvmstat-bpf2 rc=$rc"
	[ "$KVMSTAT_RC" != 0 ] || KVMSTAT_RC=$rc
	sed 's/^/guest: kvmstat-bpf2 stderr: /' /tmp/kvmstat2.err
	# what it printed under its tables: the slow-exit lines (the rest is in its NDJSON)
	grep -m 3 '^slow exits' /tmp/kvmstat2.out | sed 's/^/guest: kvmstat-bpf2: /'
}

# detail: the key fields of KEY_EVENTS per (pid, event) -> "TRACEKEY pid=T event=E F=V.. count=N";
# per thread, every exit -> entry pair with its exit's class and PC fields -> "TRACEPAIR pid=T
# ts_us=.. dur_us=.. F=V.." (a few thousand), and their number -> "TRACE pid=T pairs=N". Raw
# tokens ("name=0xHEX"): check_keys.py decodes them.
count_trace_keys() {
	[ -n "${KEY_EVENTS_ON:-}" ] || return 0
	awk -v events="$KEY_EVENTS_ON" -v hi="$CLASS_HI" -v lo="$CLASS_LO" -v pc="$PC_FIELD" '
	BEGIN {
		n = split(events, evs, " ")
		for (i = 1; i <= n; i++) {
			split(evs[i], p, ":")
			want[p[1] ":"] = p[2]
		}
	}
	function pid_of(task,    n, parts) { n = split(task, parts, "-"); return parts[n] }
	function usec(ts) { sub(/:$/, "", ts); split(ts, t, "."); return t[1] * 1000000 + t[2] }
	function pick(names,    n, f, k, out, i) {
		out = ""
		n = split(names, f, ",")
		for (i = 1; i <= n; i++)
			for (k = 6; k <= NF; k++)
				if (index($k, f[i] "=") == 1) { out = out " " $k; break }
		return out
	}
	$5 == "kvm_exit:" {
		exit_us[$1] = usec($4)
		exit_fields[$1] = pick((hi == "" ? "" : hi ",") lo "," pc)
	}
	$5 == "kvm_entry:" && ($1 in exit_us) {
		d = usec($4) - exit_us[$1]
		pairs[pid_of($1)]++
		printf "TRACEPAIR pid=%s ts_us=%d dur_us=%d%s\n", pid_of($1), exit_us[$1], d, exit_fields[$1]
		delete exit_us[$1]
	}
	$5 in want { keys[pid_of($1) " " $5 pick(want[$5])]++ }
	END {
		for (k in keys) {
			n = split(k, a, " ")
			sub(/:$/, "", a[2])
			line = "TRACEKEY pid=" a[1] " event=" a[2]
			for (i = 3; i <= n; i++) line = line " " a[i]
			print line " count=" keys[k]
		}
		for (p in pairs) printf "TRACE pid=%s pairs=%d\n", p, pairs[p]
	}' "$I/trace"
}

print_ndjson() {
	[ -n "$KPID" ] || return 0
	echo "=== KVMSTAT NDJSON BEGIN ==="
	cat "$NDJSON"
	echo "=== KVMSTAT NDJSON END ==="
	[ -n "$KPID2" ] || return 0
	echo "=== KVMSTAT2 NDJSON BEGIN ==="
	cat /tmp/k2.ndjson
	echo "=== KVMSTAT2 NDJSON END ==="
}

# Starts the VMMs of the wave $1 in the background: VMM_NAME_i, VMM_PID_i for i = FIRST..NVMM-1.
# SYNC_START=1 (the scale, collide, reuse and churn scenarios): one by one, each once the
# previous one's vCPU threads exist (no fork of ours can take a tid a VMM asks for), their
# guests all at once when the file $2 appears (vmm --start-file). Else all at once, as they come.
NVMM=0
FIRST=0
start_vmms() {
	FIRST=$NVMM
	go=""
	[ "$SYNC_START" = 0 ] || go=$2
	[ -z "$go" ] || rm -f "$go"
	set -f
	IFS=';'
	# shellcheck disable=SC2086
	set -- $1
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
		$pin timeout "$VMM_TIMEOUT" /bin/vmm --name "$name" ${go:+--start-file "$go"} $args \
			>"/tmp/vmm.$NVMM.out" 2>"/tmp/vmm.$NVMM.err" &
		eval "VMM_NAME_$NVMM=\$name VMM_PID_$NVMM=\$!"
		[ -z "$go" ] || wait_running "$NVMM"
		NVMM=$((NVMM + 1))
	done
	set +f
	[ -z "$go" ] || touch "$go"
}

# VMM $1 has created its vCPU threads (or ended: it failed).
wait_running() {
	eval "pid=\$VMM_PID_$1"
	until grep -q " running$" "/tmp/vmm.$1.out" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
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
	i=$FIRST
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
	i=$FIRST
	while [ "$i" -lt "$NVMM" ]; do
		eval "name=\$VMM_NAME_$i rc=\$VMM_RC_$i"
		if [ "$NVMM" = 1 ] && [ "$waves" = 1 ]; then
			echo "GUEST vmm rc=$rc seconds=$seconds"
		else
			echo "GUEST vmm name=$name rc=$rc seconds=$seconds"
		fi
		cat "/tmp/vmm.$i.out"
		sed "s/^/guest: vmm $name stderr: /" "/tmp/vmm.$i.err"
		i=$((i + 1))
	done
}

# Wave $1 (VMMs $2): its ground truths printed when it ended (a "GUEST wave=N" line first
# when there are several, waves != 1), then reset for the next.
run_wave() {
	w=$1
	[ "$w" = 1 ] || sleep "$WAVE_GAP"
	[ "$w" = 1 ] || setup_hist
	# The VMM processes of wave w get pids from 20000 + 1000 w: new ones each wave (a
	# VMM restarts as another process), apart from the tids the VMMs choose (vmm --tids).
	[ "$waves" = 1 ] || echo $((20000 + 1000 * w)) >/proc/sys/kernel/ns_last_pid
	start=$(date +%s)
	start_vmms "$2" "/tmp/start.$w"
	start_watchdog
	wait_vmms
	stop_watchdog
	if [ "$w" = "$waves" ] && [ -n "${AFTER_VMMS:-}" ]; then
		# shellcheck disable=SC1090
		. "$AFTER_VMMS"
	fi
	echo 0 >"$I/tracing_on"
	{
		[ "$waves" = 1 ] || echo "GUEST wave=$w"
		print_vmms
		count_trace
		count_trace_keys
		print_hist
	} >&3
	[ "$w" = "$waves" ] || reset_trace
}

# The waves of VMMS, one after another.
run_waves() {
	set -f
	IFS='|'
	# shellcheck disable=SC2086
	set -- $VMMS
	unset IFS
	set +f
	waves=$#
	n=1
	for wave in "$@"; do
		run_wave "$n" "$wave"
		n=$((n + 1))
	done
}

# soak: waves (soak_wave) until SOAK_SECONDS are up, kvmstat-bpf sampled before the first and
# after each (soak_sample); the VMM pids of wave w start at 20000 + 1000 w, so pid_max goes up
# to the kernel's limit. Ends with "GUEST soak waves=N".
run_soak() {
	echo 4194304 >/proc/sys/kernel/pid_max || fail "failed to raise pid_max"
	waves=0	# not known in advance: every wave is reset after it
	soak_start=$(date +%s)
	n=0
	soak_sample >/tmp/soak.samples
	while [ $(($(date +%s) - soak_start)) -lt "$SOAK_SECONDS" ]; do
		n=$((n + 1))
		run_wave "$n" "$(soak_wave "$n")"
		# between waves: a process forked while a VMM starts could take a tid it asks for
		soak_sample >>/tmp/soak.samples
		echo "guest: soak wave $n done at $(($(date +%s) - soak_start)) s"
		[ "$VMM_RC" = 0 ] || break
	done
	echo "GUEST soak waves=$n vmms=$NVMM seconds=$(($(date +%s) - soak_start))" \
		"soak_seconds=$SOAK_SECONDS" >&3
}

# soak: kvmstat-bpf's resident memory (VmRSS, RssAnon), open fds and its BPF maps (those
# among its fds) with the kernel's account of their memory (fdinfo memlock), one line.
soak_sample() {
	read -r up _ </proc/uptime
	awk -v t="$up" '
	function end_file() { if (is_map) { maps++; bytes += mem }; is_map = 0; mem = 0 }
	FNR == 1 { end_file(); if (FILENAME ~ /fdinfo/) fds++ }
	/^VmRSS:/ { rss = $2 }
	/^RssAnon:/ { anon = $2 }
	/^map_type:/ { is_map = 1 }
	/^memlock:/ { mem = $2 }
	END {
		end_file()
		printf "SOAK sample t=%s rss_kb=%d anon_kb=%d fds=%d maps=%d map_bytes=%.0f\n",
			t, rss, anon, fds, maps, bytes
	}' "/proc/$KPID/status" "/proc/$KPID/fdinfo"/* 2>/dev/null
}

# The samples and the last Prometheus file.
print_soak() {
	[ "$SCENARIO" = soak ] || return 0
	cat /tmp/soak.samples
	echo "=== PROM BEGIN ==="
	cat "$SOAK_PROM"
	echo "=== PROM END ==="
}

echo "GUEST scenario=$SCENARIO kvmstat_args=$KVMSTAT_ARGS"
# kvm_exit's trace event later with EXIT_TRACE_LATE (enable_exit_trace); the key events of detail.
trace_events=kvm/kvm_entry
[ "${EXIT_TRACE_LATE:-0}" = 1 ] || trace_events="kvm/kvm_exit $trace_events"
for ev in ${KEY_EVENTS_ON:-}; do
	[ "${ev%%:*}" = kvm_exit ] || trace_events="$trace_events kvm/${ev%%:*}"
done
# shellcheck disable=SC2086
setup_trace 8192 $trace_events
setup_hist
start_kvmstat
start_kvmstat2
[ "${EXIT_TRACE_LATE:-0}" = 0 ] || enable_exit_trace
if [ "$SCENARIO" = soak ]; then
	run_soak
else
	run_waves
fi
stop_kvmstat
{
	print_ndjson
	print_soak
} >&3
if [ "$VMM_RC" != 0 ]; then
	# The kernel's side of it (e.g. "vmm[pid]: unhandled exception" at info level).
	dmesg | tail -n 30 | sed 's/^/guest: dmesg: /'
	sed 's/^/guest: interrupts: /' /proc/interrupts
	fail "a VMM failed (rc $VMM_RC)"
fi
[ "$KVMSTAT_RC" = 0 ] || fail "kvmstat-bpf failed (rc $KVMSTAT_RC)"
exit 0
