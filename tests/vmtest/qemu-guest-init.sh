#!/bin/sh
# /init of the Linux guest that QEMU boots inside the emulated KVM host (tests/vmtest/qemu-host.sh):
# Debian's own kernel, this script and a static busybox. A short, known workload, then idle until
# told to power off. Markers ("LGUEST ...") go to the serial console (ttyAMA0 on arm64).
#
#   up        both CPUs online (the kernel brought CPU 1 up with PSCI CPU_ON)
#   hotplug   CPU 1 offline and online again HOTPLUG times (PSCI CPU_OFF/CPU_ON: HVC64; the
#             returning CPU reads its ID registers: SYS64; IPIs)
#   virtio    LINES lines written to the virtio console /dev/hvc0 (virtio-serial-pci: queue
#             notifications are MMIO writes, DABT_LOW, handled by KVM's ioeventfd)
#   sleep     SLEEPS 10 ms sleeps on each CPU (timer interrupts, WFx while idle)
#   idle      both vCPUs asleep in WFI inside KVM_RUN, the guest blocked reading /dev/hvc0, until
#             the host writes a line; then "poweroff" (PSCI SYSTEM_OFF, an exit to QEMU)
# Parameters from the kernel command line: lguest.hotplug=N lguest.lines=N lguest.sleeps=N.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

param() {
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^lguest\.$1=//p")
	echo "${v:-$2}"
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

HOTPLUG=$(param hotplug 3)
LINES=$(param lines 20)
SLEEPS=$(param sleeps 20)
CPU1=/sys/devices/system/cpu/cpu1/online

echo "LGUEST up cpus=$(grep -c ^processor /proc/cpuinfo) uptime=$(uptime_s)"
i=0
while [ "$i" -lt "$HOTPLUG" ]; do
	echo 0 >"$CPU1" && echo 1 >"$CPU1" || echo "LGUEST error: CPU 1 hotplug failed"
	i=$((i + 1))
done
echo "LGUEST hotplug n=$HOTPLUG online=$(cat /sys/devices/system/cpu/online)"
i=0
while [ "$i" -lt "$LINES" ]; do
	i=$((i + 1))
	echo "LGUEST virtio line $i" >/dev/hvc0 || echo "LGUEST error: write to /dev/hvc0 failed"
done
echo "LGUEST virtio n=$LINES"
for cpu in 0 1; do
	taskset -c "$cpu" sh -c "i=0; while [ \$i -lt $SLEEPS ]; do usleep 10000; i=\$((i + 1)); done" ||
		echo "LGUEST error: sleeps on CPU $cpu failed"
done
echo "LGUEST sleep n=$SLEEPS"
echo "LGUEST idle uptime=$(uptime_s)"
read -r cmd </dev/hvc0
echo "LGUEST $cmd uptime=$(uptime_s)"
poweroff -f
