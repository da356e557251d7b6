#!/bin/bash
# demo.sh - the main job, shown: boot Debian's kernel in QEMU (TCG, q35,
# intel-iommu) with a GPU-shaped card whose host drivers bind first (as
# built-in drivers do), run `vfiobind bind` in the initramfs, and print
# what the guest saw: `vfiobind list` before and after, the helper's
# kernel log records, and /run/vfiobind/status.
#
# Env: VFIOBIND (default <repo>/build/vfiobind), VFIOBIND_BOOT (its boot
# flavour, what the image gets; default VFIOBIND), KEEP=1 keeps the work dir.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
vfiobind=${VFIOBIND:-$repo/build/vfiobind}
# What the image gets: the boot flavour, as the hooks put it in.
vfiobind_boot=${VFIOBIND_BOOT:-$vfiobind}
work=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-demo.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/guest.sh
. "$repo/tests/lib/guest.sh"

printf '%s\n' '# The GPU-shaped card: VGA, HDA audio and xHCI of one slot.' '0000:01:00' >"$work/vfiobind.conf"
echo "== /etc/vfiobind.conf in the image"
cat "$work/vfiobind.conf"
"$here/mkinitramfs.sh" -o "$work/initramfs.cpio" -b "$vfiobind_boot" -c "$work/vfiobind.conf" \
	-i "$here/init-bind.sh" vfio-pci vfio_iommu_type1 xhci_pci snd_hda_intel bochs >/dev/null
echo
echo "== booting (QEMU, TCG: about 10 s)"
APPEND_EXTRA=vfiobindtest.preload=1 "$here/qemu-run.sh" -i "$work/initramfs.cpio" -l "$work/serial.log"
guest_report "$work/serial.log" >"$work/res"

section() { # TITLE PREFIX
	echo
	echo "== $1"
	sed -n "s/^$2 //p" "$work/res"
}
section "vfiobind list, before bind (host drivers already bound)" list-before
section "vfiobind bind: its kernel log records" kmsg
echo "   ($(grep '^bind rc=' "$work/res"))"
section "vfiobind list, after bind and coldplug" list
section "/run/vfiobind/status" status-file
section "vfiobind status" status-out
echo
echo "== /dev/vfio in the guest"
sed -n 's/^vfio-nodes //p' "$work/res"
grep -q '^status rc=0' "$work/res"
