#!/bin/sh
# /sbin/init of the test root file system (busybox ash) that the dracut and
# initramfs-tools images switch to. By then the initramfs has done all it
# does in a real boot: run the vfiobind hook, start udev, coldplug, mount
# this root. This reports what the guest ended up with as
# `VFIOBIND-TEST: ...` lines on the serial console, then powers off.
#
# Result lines, after the tag:
#   start cmdline=...
#   dev ADDR driver=NAME|none     every PCI function
#   module NAME                   every loaded module (/proc/modules)
#   status-file missing|LINE      /run/vfiobind/status, kept across switch_root
#   param vfio_pci.disable_vga=Y|N   when vfio-pci is loaded
#   done
# then the whole kernel log between VFIOBIND-DMESG-BEGIN and -END.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
tag='VFIOBIND-TEST:'

# The initramfs moved these over; mount whatever it did not.
[ -e /proc/self ] || mount -t proc proc /proc
[ -e /sys/bus ] || mount -t sysfs sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
# Keep kernel messages off the console while reporting.
echo 1 >/proc/sys/kernel/printk

say() {
	echo "$tag $*"
}

say "start cmdline=$(cat /proc/cmdline)"
for d in /sys/bus/pci/devices/*; do
	driver=none
	[ ! -e "$d/driver" ] || driver=$(basename "$(readlink "$d/driver")")
	say "dev ${d##*/} driver=$driver"
done
while read -r name _; do
	say "module $name"
done </proc/modules
if [ -f /run/vfiobind/status ]; then
	while IFS= read -r line; do
		say "status-file $line"
	done </run/vfiobind/status
else
	say "status-file missing"
fi
# vfio-pci's options as the kernel took them (modprobe.d, kept by vfiobind
# except ids=).
[ ! -r /sys/module/vfio_pci/parameters/disable_vga ] ||
	say "param vfio_pci.disable_vga=$(cat /sys/module/vfio_pci/parameters/disable_vga)"
say "done"

echo VFIOBIND-DMESG-BEGIN
dmesg
echo VFIOBIND-DMESG-END
sync
poweroff -f
