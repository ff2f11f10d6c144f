#!/usr/bin/env bash
# Boot an emulated KVM host (QEMU TCG, Debian trixie 6.12 kernel) and run one test script in it.
#
# Usage: tests/vmtest/vmtest.sh ARCH [options] SCRIPT [FILE[=/DEST]...]
#   ARCH            arm64 | riscv | x86
#   --append ARGS   extra kernel command line (e.g. "kvm-arm.mode=nvhe")
#   --timeout S     kill QEMU after S seconds (default 300)
#   --env NAME=VAL  environment for SCRIPT (repeatable)
#   --log FILE      console log (default build/vmtest/ARCH/<script>.log)
#   --forward H:G   TCP host forward 127.0.0.1:H (build machine) -> guest port G (repeatable): QEMU
#                   user networking, restricted (the guest reaches nothing), guest eth0 10.0.2.15
#   --out FILE      a virtio serial port into FILE (truncated first): what SCRIPT writes to
#                   $VMTEST_OUT lands there, at virtio speed (the console is slow for bulk data)
#   -v              also stream the console to stdout
#   SCRIPT          copied to /test/ and run by /init with VMTEST_ARCH=ARCH, cwd /test
#   FILE[=/DEST]    copied into the initramfs: to /DEST, else executables to /bin/, others to /test/;
#                   a directory (with its contents) only to /DEST
#
# The kernel, its KVM modules and a static busybox come from scripts/fetch-debs.sh ARCH (cached).
# /init mounts proc, sysfs, devtmpfs, tracefs, debugfs, bpffs, tmpfs /tmp; sets `ulimit -l unlimited`;
# loads the KVM modules; enables the BPF JIT; runs SCRIPT; prints "=== VMTEST END rc=N ===" and
# powers off. Exit status: SCRIPT's, or 124 on timeout, 125 when the end marker is missing
# (crash, panic), 2 on usage errors. The log path is printed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
END_MARKER="=== VMTEST END rc="
OUT_PORT=vmtest.out	# the virtio port's name, for --out

die() {
	echo "vmtest: $*" >&2
	exit 2
}

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

# Per-arch QEMU command line (measured settings, tests/vmtest/README.md), console and KVM
# modules in load order.
# shellcheck disable=SC2054 # the commas are QEMU's (-M virt,virtualization=on)
arch_setup() {
	case "$1" in
	arm64)
		QEMU=qemu-system-aarch64
		QEMU_ARGS=(-M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on
			-smp 2 -m 1024 -accel tcg,thread=multi)
		CONSOLE=ttyAMA0
		MODULES=""
		;;
	riscv)
		QEMU=qemu-system-riscv64
		QEMU_ARGS=(-M virt -cpu rv64,h=true -smp 2 -m 1024 -accel tcg,thread=multi -bios default)
		CONSOLE=ttyS0
		MODULES="kvm"
		;;
	x86)
		# thread=multi sometimes oopses the emulated kernel when KVM patches a static key.
		QEMU=qemu-system-x86_64
		QEMU_ARGS=(-M q35 -accel tcg,thread=single -cpu EPYC -smp 2 -m 1024)
		CONSOLE=ttyS0
		MODULES="irqbypass ccp kvm kvm-amd"
		;;
	*) die "unknown ARCH '$1' (arm64 | riscv | x86)" ;;
	esac
	command -v "$QEMU" >/dev/null || die "$QEMU not found (run scripts/deps.sh)"
}

parse_args() {
	[ $# -ge 1 ] || usage
	ARCH=$1
	shift
	APPEND=""
	TIMEOUT=300
	ENVS=()
	LOG=""
	OUT=""
	VERBOSE=0
	FORWARDS=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--append) [ $# -ge 2 ] || usage; APPEND=$2; shift 2 ;;
		--timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
		--env) [ $# -ge 2 ] || usage; ENVS+=("$2"); shift 2 ;;
		--log) [ $# -ge 2 ] || usage; LOG=$2; shift 2 ;;
		--forward) [ $# -ge 2 ] || usage; FORWARDS+=("$2"); shift 2 ;;
		--out) [ $# -ge 2 ] || usage; OUT=$2; shift 2 ;;
		-v) VERBOSE=1; shift ;;
		-h | --help) usage ;;
		--) shift; break ;;
		-*) die "unknown option '$1'" ;;
		*) break ;;
		esac
	done
	[ $# -ge 1 ] || usage
	SCRIPT=$1
	shift
	FILES=("$@")
	[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, got '$TIMEOUT'"
	[ -f "$SCRIPT" ] || die "no test script '$SCRIPT'"
	local e
	for e in "${ENVS[@]}"; do
		[[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env wants NAME=VALUE, got '$e'"
	done
	for e in "${FORWARDS[@]}"; do
		[[ "$e" =~ ^[0-9]+:[0-9]+$ ]] || die "--forward wants HOSTPORT:GUESTPORT, got '$e'"
	done
}

# QEMU user networking for --forward: restrict=on cuts the guest off from the host and the
# outside (forwards still work); every forward listens on the build machine's loopback only.
net_args() {
	local f fwd=""
	[ ${#FORWARDS[@]} -gt 0 ] || return 0
	for f in "${FORWARDS[@]}"; do
		fwd+=",hostfwd=tcp:127.0.0.1:${f%%:*}-:${f#*:}"
	done
	echo "-netdev user,id=n0,restrict=on$fwd -device virtio-net-pci,netdev=n0"
}

# Copy FILE[=/DEST] into the initramfs tree $1.
add_file() {
	local tree=$1 spec=$2 src dest
	src=${spec%%=*}
	if [ "$src" != "$spec" ]; then
		dest=${spec#*=}
	elif [ -d "$src" ]; then
		die "directory '$src' needs a destination (DIR=/DEST)"
	elif [ -x "$src" ]; then
		dest=/bin/$(basename "$src")
	else
		dest=/test/$(basename "$src")
	fi
	[ -e "$src" ] || die "no file '$src'"
	[[ "$dest" == /* ]] || die "destination '$dest' of '$src' must be absolute"
	mkdir -p "$tree$(dirname "$dest")"
	cp -rL "$src" "$tree$dest"
}

# /init: runs as PID 1 with busybox's sh.
write_init() {
	local tree=$1 script_name=$2 e
	{
		echo "ARCH='$ARCH'"
		echo "MODULES='$MODULES'"
		echo "SCRIPT='/test/$script_name'"
		echo "NET_MODULES='$NET_MODULES'"
		[ -z "$OUT" ] || echo "OUT_PORT='$OUT_PORT'"
	} >"$tree/etc/vmtest.conf"
	: >"$tree/etc/vmtest.env"
	for e in "${ENVS[@]}"; do
		printf 'export %s=%q\n' "${e%%=*}" "${e#*=}" >>"$tree/etc/vmtest.env"
	done
	cat >"$tree/init" <<'EOF'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
. /etc/vmtest.conf
. /etc/vmtest.env

fail() {
	echo "vmtest-init: $*"
	echo "=== VMTEST END rc=99 ==="
	poweroff -f
}

ulimit -l unlimited || fail "failed to raise RLIMIT_MEMLOCK"
for m in $MODULES; do
	insmod "/lib/modules/kvm/$m.ko" || fail "failed to load $m.ko"
done
[ -e /dev/kvm ] || fail "no /dev/kvm after loading KVM"
if [ -n "$NET_MODULES" ]; then
	for m in $NET_MODULES; do
		insmod "/lib/modules/net/$m.ko" || fail "failed to load $m.ko"
	done
	# QEMU user networking's guest address: host forwards go to it.
	ip link set lo up && ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up ||
		fail "failed to configure eth0"
fi
echo 1 >/proc/sys/net/core/bpf_jit_enable || fail "failed to enable the BPF JIT"
if [ -n "${OUT_PORT:-}" ]; then
	for p in /sys/class/virtio-ports/*; do
		[ "$(cat "$p/name" 2>/dev/null)" = "$OUT_PORT" ] && export VMTEST_OUT=/dev/${p##*/}
	done
	[ -c "${VMTEST_OUT:-}" ] || fail "no virtio port $OUT_PORT for --out"
fi
# Only errors and worse reach the console while the test runs (other messages would split
# its output lines); KVM's own messages are shown once, warnings after the test.
echo 4 >/proc/sys/kernel/printk
echo "VMTEST arch=$ARCH kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "VMTEST cmdline=$(cat /proc/cmdline)"
dmesg | grep -iE 'kvm|hyp mode|vhe' | sed 's/^/VMTEST dmesg: /'
seen=$(dmesg -r | wc -l)
cd /test
VMTEST_ARCH=$ARCH sh "$SCRIPT"
rc=$?
# "<N>": N = facility * 8 + level; warning is level 4.
dmesg -r | tail -n +$((seen + 1)) | awk -F'[<>]' '$1 == "" && $2 % 8 <= 4' |
	sed 's/^/VMTEST dmesg warning: /'
echo "=== VMTEST END rc=$rc ==="
sync
poweroff -f
EOF
	chmod 755 "$tree/init"
}

build_initramfs() {
	local cache=$1 tree=$2 out=$3 f m
	mkdir -p "$tree"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,test,lib/modules/kvm}
	cp "$cache/busybox" "$tree/bin/busybox"
	ln -s busybox "$tree/bin/sh"
	for m in $MODULES; do
		cp "$cache/modules/$m.ko" "$tree/lib/modules/kvm/$m.ko"
	done
	NET_MODULES=""
	if [ ${#FORWARDS[@]} -gt 0 ]; then
		NET_MODULES="failover net_failover virtio_net"	# load order (scripts/fetch-debs.sh)
		mkdir -p "$tree/lib/modules/net"
		for m in $NET_MODULES; do
			cp "$cache/modules/net/$m.ko" "$tree/lib/modules/net/$m.ko"
		done
	fi
	# A console node before devtmpfs is mounted, so early /init output is not lost.
	mknod -m 600 "$tree/dev/console" c 5 1 2>/dev/null || true
	cp "$SCRIPT" "$tree/test/$(basename "$SCRIPT")"
	for f in "${FILES[@]}"; do
		add_file "$tree" "$f"
	done
	write_init "$tree" "$(basename "$SCRIPT")"
	(cd "$tree" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
	mv -f "$out.tmp" "$out"
}

# Runs QEMU under a timeout with the console in $LOG; returns QEMU's/timeout's status.
boot() {
	local cache=$1 initrd=$2 append
	append="console=$CONSOLE rdinit=/init panic=-1 $APPEND"
	local net
	# shellcheck disable=SC2207 # net_args prints words without blanks inside them
	net=($(net_args))
	local cmd=(timeout -k 5 "$TIMEOUT" "$QEMU" "${QEMU_ARGS[@]}" "${net[@]}" -nographic -no-reboot
		-kernel "$cache/Image" -initrd "$initrd" -append "$append")
	if [ -n "$OUT" ]; then
		: >"$OUT"
		cmd+=(-device virtio-serial-pci -chardev "file,id=vmtest_out,path=$OUT"
			-device "virtserialport,chardev=vmtest_out,name=$OUT_PORT")
	fi
	echo "vmtest: ${cmd[*]}" >&2
	if [ "$VERBOSE" = 1 ]; then
		"${cmd[@]}" </dev/null 2>&1 | tee "$LOG"
		return "${PIPESTATUS[0]}"
	fi
	"${cmd[@]}" </dev/null >"$LOG" 2>&1
}

# The script's exit code from the end marker; 124/125 with a message when there is none.
result() {
	local qemu_rc=$1 line
	line=$(tr -d '\r' <"$LOG" | grep -a "^$END_MARKER" | tail -n1 || true)
	if [ -n "$line" ]; then
		line=${line#"$END_MARKER"}
		echo "${line%% *}"
		return 0
	fi
	if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
		echo "vmtest: timed out after ${TIMEOUT}s without the end marker" >&2
		echo 124
		return 0
	fi
	if grep -aq 'Kernel panic' "$LOG"; then
		echo "vmtest: kernel panic (see log)" >&2
	else
		echo "vmtest: QEMU exited ($qemu_rc) without the end marker: crash or early failure" >&2
	fi
	echo 125
}

main() {
	local cache dir initrd qemu_rc=0 rc start
	parse_args "$@"
	arch_setup "$ARCH"
	cache=$("$ROOT/scripts/fetch-debs.sh" "$ARCH" | tail -n1) ||
		die "failed to fetch the $ARCH kernel and busybox (scripts/fetch-debs.sh $ARCH)"
	dir=$ROOT/build/vmtest/$ARCH
	mkdir -p "$dir"
	[ -n "$LOG" ] || LOG=$dir/$(basename "${SCRIPT%.*}").log
	mkdir -p "$(dirname "$LOG")"
	# Per log, so runs with different logs can go on at the same time.
	initrd=${LOG%.log}.initrd.cpio.gz
	TREE=$(mktemp -d "$dir/.initramfs.XXXXXX")
	trap 'rm -rf "$TREE"' EXIT	# global: a die in build_initramfs runs the trap outside main
	build_initramfs "$cache" "$TREE" "$initrd"
	rm -rf "$TREE"
	start=$(date +%s)
	boot "$cache" "$initrd" || qemu_rc=$?
	rm -f "$initrd"
	rc=$(result "$qemu_rc")
	if [ "$rc" != 0 ] && [ "$VERBOSE" = 0 ]; then
		echo "vmtest: last console lines:" >&2
		tr -d '\r' <"$LOG" | tail -n 25 | sed 's/^/  | /' >&2
	fi
	echo "vmtest: $ARCH: rc=$rc in $(($(date +%s) - start))s, log: $LOG" >&2
	echo "$LOG"
	exit "$rc"
}

main "$@"
