#!/bin/sh
# Alternative /init: asks the real kernel the questions the helper's design
# depends on (which sysfs write binds, which error a repeated write returns)
# and prints the answers as `VFIOBIND-FACT: ...` lines. Not a pass/fail test:
# a record of kernel behaviour to re-check on a new kernel.
#
#   tests/boot/mkinitramfs.sh -o /tmp/facts.cpio -i tests/boot/init-facts.sh \
#       vfio-pci xhci_pci snd_hda_intel bochs
#   tests/boot/qemu-run.sh -i /tmp/facts.cpio -l /tmp/facts.log
#   grep -a VFIOBIND-FACT /tmp/facts.log
#
# Uses the card of qemu-run.sh: 01:00.0 VGA, 01:00.1 HDA, 01:00.2 xHCI, and
# 02:00.0 xHCI outside the card.

tag='VFIOBIND-FACT:'
# shellcheck source=init-lib.sh
. /lib/vfiobind-test/init-lib.sh
guest_mounts
guest_quiet

pci=/sys/bus/pci
vga=0000:01:00.0 hda=0000:01:00.1 xhci=0000:01:00.2 other=0000:02:00.0

drv() {
	if [ -e "$pci/devices/$1/driver" ]; then
		basename "$(readlink "$pci/devices/$1/driver")"
	else
		echo none
	fi
}

# try DESCRIPTION VALUE FILE: write VALUE (no newline) to FILE and report
# success or the error text the shell got from write(2)/open(2). echo, not
# printf: ash's printf builtin fails silently on a write error.
try() {
	# shellcheck disable=SC3037
	err=$( (echo -n "$2" >"$3") 2>&1) && err=ok
	say "$1: ${err##*: }"
}

for m in bochs snd_hda_intel xhci_pci; do modprobe "$m"; done
say "host drivers: vga=$(drv $vga) hda=$(drv $hda) xhci=$(drv $xhci) other=$(drv $other)"

# Does driver_override alone move a bound device? (expected: no)
try "override while bound" vfio-pci "$pci/devices/$vga/driver_override"
say "vga after override: $(drv $vga)"

try "unbind vga via drivers/bochs-drm/unbind" $vga "$pci/drivers/bochs-drm/unbind"
try "unbind vga again, same file" $vga "$pci/drivers/bochs-drm/unbind"
try "unbind vga again, via devices/ADDR/driver/unbind" $vga "$pci/devices/$vga/driver/unbind"

# Before vfio-pci exists: does drivers_probe succeed, and does the host
# driver take the device back? (override must keep bochs-drm off it)
try "drivers_probe vga, no vfio-pci loaded" $vga "$pci/drivers_probe"
say "vga after that probe: $(drv $vga)"
try "drivers_probe with newline" "$vga
" "$pci/drivers_probe"
try "drivers_probe unknown address" 0000:09:00.0 "$pci/drivers_probe"

# Override + unbind the HDA too, leave the xHCI on the host driver, then
# load vfio-pci: does registering the driver bind the waiting devices?
try "override hda" vfio-pci "$pci/devices/$hda/driver_override"
try "unbind hda" $hda "$pci/devices/$hda/driver/unbind"
modprobe vfio-pci
say "after modprobe vfio-pci, no drivers_probe: vga=$(drv $vga) hda=$(drv $hda) xhci=$(drv $xhci)"
say "/dev/vfio after partial bind:" /dev/vfio/* "(xhci still on $(drv $xhci), group not viable)"

try "drivers_probe vga, already on vfio-pci" $vga "$pci/drivers_probe"
try "bind other xhci to vfio-pci without override" $other "$pci/drivers/vfio-pci/bind"
try "unbind other xhci" $other "$pci/drivers/xhci_hcd/unbind"
try "bind other xhci to vfio-pci without override, unbound" $other "$pci/drivers/vfio-pci/bind"
try "drivers_probe other xhci, no override" $other "$pci/drivers_probe"
say "other after that: $(drv $other)"

# Override on a device bound elsewhere, then drivers_probe without unbind.
try "override xhci" vfio-pci "$pci/devices/$xhci/driver_override"
try "drivers_probe xhci while on xhci_hcd" $xhci "$pci/drivers_probe"
say "xhci after that: $(drv $xhci)"
try "unbind xhci" $xhci "$pci/devices/$xhci/driver/unbind"
try "bind xhci via drivers/vfio-pci/bind" $xhci "$pci/drivers/vfio-pci/bind"
say "xhci now: $(drv $xhci)"

try "override with trailing newline" "vfio-pci
" "$pci/devices/$other/driver_override"
say "override reads back: '$(cat "$pci/devices/$other/driver_override")'"
try "clear override by open+close, no write" "" "$pci/devices/$other/driver_override"
say "override reads back: '$(cat "$pci/devices/$other/driver_override")'"
try "clear override with newline" "
" "$pci/devices/$other/driver_override"
say "override reads back: '$(cat "$pci/devices/$other/driver_override")'"

try "unbind vga from vfio-pci" $vga "$pci/drivers/vfio-pci/unbind"
try "drivers_probe vga, override still vfio-pci" $vga "$pci/drivers_probe"
say "vga after re-probe: $(drv $vga)"
say "done"
poweroff -f
