# shellcheck shell=sh
# Debian's QEMU and a Linux guest inside the emulated KVM host, shared by qemu-host.sh and demo.sh
# (sourced; busybox sh). QEMU is /opt/qemu (scripts/fetch-qemu.sh), the guest /guest/Image and
# /guest/initrd.gz (tests/vmtest/qemu-guest-init.sh as /init). The sourcing script defines fail()
# and calls qemu_arch_setup first.
# Environment: QEMU_NAME, QEMU_UUID, QEMU_SCOPE (the systemd scope libvirt would run it in; empty:
# none), QEMU_VCPUS (2), QEMU_MEM (MiB, 256); GUEST_ARGS (lguest.* workload parameters);
# BOOT_TIMEOUT (s, default 400) for the guest to reach idle.

QEMU=/opt/qemu/run-qemu
QEMU_NAME=${QEMU_NAME:-lguest}
QEMU_UUID=${QEMU_UUID:-6b1d7f3e-2c4a-4e58-9f61-0a8b3c5d7e92}
QEMU_SCOPE=${QEMU_SCOPE-"machine-qemu\x2d1\x2d$QEMU_NAME.scope"}
QEMU_VCPUS=${QEMU_VCPUS:-2}
QEMU_MEM=${QEMU_MEM:-256}
GUEST_ARGS=${GUEST_ARGS:-lguest.hotplug=3 lguest.lines=20 lguest.sleeps=20}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-400}
CONSOLE=/tmp/guest.console	# the guest's serial console
VC=/tmp/vc	# its virtio console's chardev: FIFOs $VC.in (to the guest) and $VC.out

qemu_arch_setup() {
	case "$1" in
	arm64)
		MACHINE="-M virt,gic-version=3 -cpu host"
		GUEST_CONSOLE=ttyAMA0
		;;
	riscv)	# KVM is the guest's SBI: no firmware
		MACHINE="-M virt -cpu host -bios none"
		GUEST_CONSOLE=ttyS0
		;;
	x86)
		MACHINE="-M q35 -cpu host -vga none"
		GUEST_CONSOLE=ttyS0
		;;
	*) fail "no QEMU guest for $1" ;;
	esac
}

# The cgroup v2 directory QEMU runs in, as libvirt lays it out with systemd:
# machine.slice/<scope>/libvirt/emulator (its vCPU threads would go to .../vcpuN). None without a scope.
qemu_cgroup() {
	[ -n "$QEMU_SCOPE" ] || return 0
	cg=/sys/fs/cgroup
	[ -e "$cg/cgroup.procs" ] || mount -t cgroup2 cgroup2 "$cg" || fail "failed to mount cgroup2"
	cg="$cg/machine.slice/$QEMU_SCOPE/libvirt/emulator"
	mkdir -p "$cg" || fail "failed to create cgroup $cg"
	echo "$cg"
}

# Starts QEMU in the background (QPID) with -name guest=,debug-threads=on (vCPU threads named
# "CPU n/KVM", as libvirt starts it) and -uuid, in QEMU_SCOPE's cgroup from its first
# instruction; the virtio console's output goes to /tmp/hvc0.out.
start_qemu() {
	rm -f "$VC.in" "$VC.out"
	mkfifo "$VC.in" "$VC.out" || fail "failed to create the virtio console FIFOs"
	cgroup=$(qemu_cgroup) || exit 1
	echo "guest: starting QEMU: -name guest=$QEMU_NAME -uuid $QEMU_UUID -smp $QEMU_VCPUS" \
		"${cgroup:+in $cgroup}"
	# shellcheck disable=SC2016,SC2086
	sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" || exit 97; shift; exec "$@"' in-cgroup \
		"$cgroup" "$QEMU" -name "guest=$QEMU_NAME,debug-threads=on" -uuid "$QEMU_UUID" $MACHINE -accel kvm \
		-smp "$QEMU_VCPUS" -m "$QEMU_MEM" -display none -monitor none -nic none -no-reboot \
		-serial "file:$CONSOLE" -kernel /guest/Image -initrd /guest/initrd.gz \
		-append "console=$GUEST_CONSOLE rdinit=/init quiet panic=-1 $GUEST_ARGS" \
		-device virtio-serial-pci -chardev "pipe,id=vc0,path=$VC" -device virtconsole,chardev=vc0 \
		</dev/null >/tmp/qemu.out 2>&1 &
	QPID=$!
	cat "$VC.out" >/tmp/hvc0.out &
	CATPID=$!
	echo "QEMU pid=$QPID name=$QEMU_NAME uuid=$QEMU_UUID vcpus=$QEMU_VCPUS scope=$QEMU_SCOPE"
}

wait_guest_idle() {
	waited=0
	while ! grep -q "^LGUEST idle" "$CONSOLE" 2>/dev/null; do
		kill -0 "$QPID" 2>/dev/null || { cat /tmp/qemu.out "$CONSOLE"; fail "QEMU ended before the guest was idle"; }
		waited=$((waited + 1))
		[ "$waited" -le $((BOOT_TIMEOUT * 5)) ] || fail "the guest was not idle within $BOOT_TIMEOUT s"
		sleep 0.2
	done
	echo "guest: the Linux guest is idle after ${waited}/5 s"
}

# Tells the guest to power off (a line on its virtio console) and waits for QEMU to end.
stop_qemu() {
	echo poweroff >"$VC.in" || fail "failed to write to the virtio console"
	waited=0
	while kill -0 "$QPID" 2>/dev/null; do
		waited=$((waited + 1))
		[ "$waited" -le 600 ] || { kill "$QPID"; fail "QEMU did not end within 60 s of poweroff"; }
		sleep 0.1
	done
	wait "$QPID"
	echo "GUEST qemu rc=$?"
	kill "$CATPID" 2>/dev/null
}
