#!/bin/sh
# /init of the late-bind test image (busybox ash): a real systemd-udevd
# with udev/69-vfiobind.rules and Debian's 80-drivers.rules, coldplug as
# systemd-udev-trigger does it, then waits for the host to hot-plug two
# functions over QMP (test-late.sh) and reports, as `VFIOBIND-LATE: ...`
# lines on the serial console:
#   coldplug-done                the host's cue to hot-plug
#   dev ADDR id=VVVV:DDDD driver=NAME|none override=NAME|(null) group=N|-
#   kmsg LINE                    dmesg records "vfiobind: ..."
#   nvme LINE                    dmesg records of the nvme driver (the
#                                SR-IOV PF of test-late.sh and its VFs)
#   status LINE                  /run/vfiobind/status
#   done
tag='VFIOBIND-LATE:'
# shellcheck source=init-lib.sh
. /lib/vfiobind-test/init-lib.sh
guest_mounts
guest_quiet

report() {
	for d in /sys/bus/pci/devices/*; do
		drv=none
		[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
		grp=-
		[ -e "$d/iommu_group" ] && grp=$(basename "$(readlink "$d/iommu_group")")
		say "dev ${d##*/} id=$(cut -c3- "$d/vendor"):$(cut -c3- "$d/device") driver=$drv" \
			"override=$(cat "$d/driver_override") group=$grp"
	done
}

mkdir -p /run/udev
/lib/systemd/systemd-udevd --daemon || say "udevd failed to start"
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=120 || say "settle timed out"
report
say coldplug-done

# The two hot-plugged functions: 01:00.0 and 04:00.0 (test-late.sh's ports).
i=0
while [ $i -lt 600 ] && ! { [ -e /sys/bus/pci/devices/0000:01:00.0 ] && [ -e /sys/bus/pci/devices/0000:04:00.0 ]; }; do
	sleep 0.2
	i=$((i + 1))
done
sleep 1
udevadm settle --timeout=120 || say "settle timed out"
say hotplug-seen
report
dmesg | grep 'vfiobind: ' | while IFS= read -r line; do say "kmsg $line"; done
dmesg | grep 'nvme' | grep -v 'vfiobind: ' | while IFS= read -r line; do say "nvme $line"; done
if [ -e /run/vfiobind/status ]; then
	while IFS= read -r line; do say "status $line"; done </run/vfiobind/status
else
	say "status missing"
fi
say "done"
poweroff -f
