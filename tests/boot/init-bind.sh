#!/bin/sh
# /init of the boot-test initramfs (busybox ash). Stands in for the early
# part of a real initramfs: optionally lets host drivers bind first, runs
# `vfiobind bind`, then does what udev coldplug would do, and reports every
# observation on the serial console as `VFIOBIND-TEST: ...` lines for the
# host to grep. Powers off at the end so QEMU exits.
#
# Kernel command line words read here:
#   vfiobindtest.preload=1  load host drivers (by modalias, like coldplug)
#                           before the helper runs: emulates drivers built
#                           into the kernel, which bind before any hook.
#   vfiobindtest.shell=1    drop to a shell instead of powering off.
#   vfiobindtest.confmode=MODE   chmod /etc/vfiobind.conf first.
#   vfiobindtest.modprobe=A,B    modprobe these after the preload.
#
# Result lines, after the tag (KEY=VALUE fields):
#   start kernel=RELEASE cmdline=...
#   groups N                     number of IOMMU groups
#   dev PHASE ADDR id=VVVV:DDDD class=0xCCCCCC group=N|none driver=NAME|none
#       vfiodev=yes|no reset=M1,M2|none|absent   PHASE: before, bound
#                        (after bind), final (after coldplug); vfiodev:
#                        /dev/vfio/<group> exists; reset: reset_method
#                        (blanks as commas; none: empty; absent: no file)
#   coldplug PHASE ADDR rc=N
#   bind rc=N time=SECONDS       exit status and duration of `vfiobind bind`
#   bind-out LINE                its stdout/stderr
#   status rc=N, status-out LINE `vfiobind status` exit and output
#   status-file missing|LINE     /run/vfiobind/status
#   list-before LINE             `vfiobind list` before bind
#   list LINE                    `vfiobind list` at the end
#   vfio-nodes PATH...           /dev/vfio/* at the end
#   kmsg LINE                    dmesg records "vfiobind: ..."
#   done                         reached the end (a missing `done` = hang/crash)
# The full dmesg follows between `VFIOBIND-DMESG-BEGIN`/`-END`.

tag='VFIOBIND-TEST:'
# shellcheck source=init-lib.sh
. /lib/vfiobind-test/init-lib.sh
guest_mounts
# The kernel's messages are dumped as a whole at the end.
guest_quiet

# Prefix every line of stdin with the tag and a word.
say_lines() {
	while IFS= read -r line; do
		say "$1 $line"
	done
}

cmdline=$(cat /proc/cmdline)
has_word() {
	case " $cmdline " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# Centiseconds since boot: busybox date has no %N.
now_cs() {
	read -r up _ </proc/uptime
	# "1" in front: a fraction like "08" is not read as octal.
	echo $((${up%.*} * 100 + 1${up#*.} - 100))
}

link_name() {
	if [ -e "$1" ]; then
		basename "$(readlink "$1")"
	else
		echo none
	fi
}

list_devices() {
	for d in /sys/bus/pci/devices/*; do
		a=${d##*/}
		group=$(link_name "$d/iommu_group")
		vfiodev=no
		[ ! -e "/dev/vfio/$group" ] || vfiodev=yes
		reset=absent
		if [ -e "$d/reset_method" ]; then
			reset=$(tr ' ' ',' <"$d/reset_method")
			[ -n "$reset" ] || reset=none
		fi
		say "dev $1 $a id=$(sed 's/^0x//' "$d/vendor"):$(sed 's/^0x//' "$d/device")" \
			"class=$(cat "$d/class") group=$group driver=$(link_name "$d/driver")" \
			"vfiodev=$vfiodev reset=$reset"
	done
}

# What udev does at coldplug: modprobe every device's modalias. Only modules
# present in the image can load, so the image decides the host drivers.
coldplug() {
	for d in /sys/bus/pci/devices/*; do
		modprobe -q "$(cat "$d/modalias")"
		say "coldplug $1 ${d##*/} rc=$?"
	done
}

say "start kernel=$(uname -r) cmdline=$cmdline"
say "groups $(find /sys/kernel/iommu_groups -mindepth 1 -maxdepth 1 | wc -l)"

! has_word vfiobindtest.preload=1 || coldplug preload
# vfiobindtest.confmode=MODE: chmod the config (the hygiene check);
# vfiobindtest.modprobe=A,B: load these too before the helper (virtio_blk
# for a root disk: coldplug of PCI modaliases alone does not reach it).
for w in $cmdline; do
	case $w in
	vfiobindtest.confmode=*) chmod "${w#*=}" /etc/vfiobind.conf ;;
	vfiobindtest.modprobe=*)
		for m in $(echo "${w#*=}" | tr , ' '); do
			modprobe "$m"
			say "modprobe $m rc=$?"
		done
		;;
	esac
done
list_devices before
vfiobind list 2>&1 | say_lines list-before

t0=$(now_cs)
vfiobind bind >/run/bind.out 2>&1
rc=$?
t1=$(now_cs)
say "bind rc=$rc time=$(((t1 - t0) / 100)).$(printf %02d $(((t1 - t0) % 100)))"
say_lines bind-out </run/bind.out
list_devices bound

coldplug final
list_devices final

vfiobind status >/run/status.out 2>&1
say "status rc=$?"
say_lines status-out </run/status.out
if [ -f /run/vfiobind/status ]; then
	say_lines status-file </run/vfiobind/status
else
	say "status-file missing"
fi
vfiobind list 2>&1 | say_lines list
say "vfio-nodes" /dev/vfio/*
# The helper's own records only, not the command line echoed at boot.
dmesg | grep '\] vfiobind: ' | say_lines kmsg
say "done"

echo VFIOBIND-DMESG-BEGIN
dmesg
echo VFIOBIND-DMESG-END

if has_word vfiobindtest.shell=1; then
	echo 7 >/proc/sys/kernel/printk
	setsid cttyhack sh
fi
poweroff -f
