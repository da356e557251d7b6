#!/bin/bash
# Real-kernel test of vfiobind: boots Debian's kernel under QEMU/TCG with the
# helper in a busybox initramfs and checks, from the serial log, which
# driver each function of the emulated card ends up on.
#
# Usage: tests/boot/test-boot.sh [CASE...]    (default: all cases)
# Cases:
#   plain    config declares the card's slot; nothing bound before the
#            helper but the built-in serial driver (01:00.3); coldplug
#            afterwards must not take the card back
#   preload  same, but host drivers bind first (as built-in drivers do):
#            the helper has to move them
#   off      vfiobind=off on the command line: the card stays on its host
#            drivers
#   cmdline  vfiobind=02:00.0 on the command line adds the second xHCI
#   reset    vfiobind=02:00.0+reset=bus on the command line: the second
#            xHCI's reset_method (QEMU's qemu-xhci alone behind its root
#            port: bus, its only method) is written before the bind and
#            reads back after it; then a boot with reset=pm+reset=bus: the
#            kernel refuses pm (EINVAL, "Unsupported reset method"), the
#            helper warns, the methods stay, and the bind goes on
#            (issue 21)
# Env:
#   VFIOBIND      helper to test (default <repo>/build/vfiobind); the
#                 stand-in tests/boot/fake-vfiobind.sh works too
#   VFIOBIND_BOOT its boot flavour, what the image gets (default VFIOBIND)
#   KVER, KERNEL, QEMU, QEMU_TIMEOUT   passed to qemu-run.sh/mkinitramfs.sh
#   BOOT_TEST_DIR where images and serial logs go (default: a new temp
#                 dir, removed after a fully passing run unless KEEP=1)
# Output: `ok N - ...`/`not ok N - ...` lines, `# ` diagnostics, then
# `N passed, M failed`. Exit 0 only if nothing failed; 2 if it cannot run.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
vfiobind=${VFIOBIND:-$repo/build/vfiobind}
# What the image gets: the boot flavour, as the hooks put it in.
vfiobind_boot=${VFIOBIND_BOOT:-$vfiobind}
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(plain preload off cmdline reset)

# The card and its host drivers, as qemu-run.sh builds it.
# 01:00.3 is QEMU's pci-serial: Debian's built-in 8250_pci binds it as
# "serial" during kernel init, before any initramfs code, in every case.
card=(0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3)
declare -A host_driver=(
	[0000:01:00.0]=bochs-drm
	[0000:01:00.1]=snd_hda_intel
	[0000:01:00.2]=xhci_hcd
	[0000:01:00.3]=serial
	[0000:02:00.0]=xhci_hcd
)
other=0000:02:00.0
builtin=0000:01:00.3

for c in "${cases[@]}"; do
	case $c in
	plain | preload | off | cmdline | reset) ;;
	*) bail "unknown case: $c" ;;
	esac
done
[ -x "$vfiobind_boot" ] || bail "no helper at $vfiobind_boot (build it, or set VFIOBIND=$here/fake-vfiobind.sh)"

make_work boot


has_vfio_node() {
	local group
	group=$(field final "$1" group)
	expect_not "$1 iommu group" "$group" none &&
		expect "/dev/vfio/$group for $1" "$(field final "$1" vfiodev)" yes
}

status_file_present() {
	! grep -qx 'status-file missing' "$res" && grep -q '^status-file ' "$res"
}

# The card on vfio-pci with its group node, the other xHCI left alone.
card_on_vfio() {
	local a
	check "$1: vfiobind bind exits 0" bind_rc 0
	for a in "${card[@]}"; do
		check "$1: $a on vfio-pci after bind and coldplug" driver_is "$a" final vfio-pci
		check "$1: /dev/vfio/<group> of $a exists" has_vfio_node "$a"
	done
}

# The built-in driver had the function before the helper ran, and the
# helper says so in the kernel log, naming it built-in.
builtin_moved() {
	check "$1: $builtin on serial (built-in 8250_pci) before the helper" driver_is $builtin before serial
	check "$1: kernel log says $builtin was moved off serial (built-in)" \
		kmsg_has "$builtin: unbound from serial (built-in)"
}

case_plain() {
	boot plain
	card_on_vfio plain
	builtin_moved plain
	check "plain: undeclared $other on xhci_hcd" driver_is $other final xhci_hcd
	check "plain: /run/vfiobind/status written" status_file_present
	check "plain: vfiobind lines in the kernel log" logs_to_kmsg
}

case_preload() {
	local a
	boot preload vfiobindtest.preload=1
	for a in "${card[@]}"; do
		check "preload: $a on ${host_driver[$a]} before the helper" \
			driver_is "$a" before "${host_driver[$a]}"
	done
	card_on_vfio preload
	for a in "${card[@]}"; do
		check "preload: kernel log says $a was moved off ${host_driver[$a]}" \
			kmsg_has "$a: unbound from ${host_driver[$a]}"
	done
	check "preload: kernel log names serial built-in" kmsg_has "$builtin: unbound from serial (built-in)"
	check "preload: undeclared $other still on xhci_hcd" driver_is $other final xhci_hcd
}

case_off() {
	local a
	boot off vfiobind=off
	check "off: vfiobind bind exits 0 (disabled is not an error)" bind_rc 0
	check "off: the kernel log says why nothing was bound" \
		kmsg_has "vfiobind=off on the kernel command line: binding nothing this boot"
	for a in "${card[@]}"; do
		check "off: $a on ${host_driver[$a]}, not vfio-pci" \
			driver_is "$a" final "${host_driver[$a]}"
	done
}

case_cmdline() {
	boot cmdline vfiobind=02:00.0
	card_on_vfio cmdline
	check "cmdline: $other added by vfiobind= is on vfio-pci" driver_is $other final vfio-pci
}

case_reset() {
	boot reset vfiobind=02:00.0+reset=bus
	check "reset: vfiobind bind exits 0" bind_rc 0
	check "reset: $other on vfio-pci" driver_is $other final vfio-pci
	check "reset: the kernel log has the write and its read-back" \
		kmsg_has "$other: reset_method set to 'bus' (was 'bus')"
	check "reset: $other reset_method reads bus after bind" expect "$other reset_method" \
		"$(field bound $other reset)" bus
	boot reset-refused vfiobind=02:00.0+reset=pm+reset=bus
	check "reset-refused: vfiobind bind exits 0 (a refused method never fails the boot)" bind_rc 0
	check "reset-refused: $other on vfio-pci" driver_is $other final vfio-pci
	check "reset-refused: the helper warns that the kernel refused 'pm bus'" \
		kmsg_has "$other: the kernel refused reset_method 'pm bus'"
	check "reset-refused: the kernel says why (Unsupported reset method 'pm')" \
		grep -q "$other: Unsupported reset method 'pm'" "${res%.res}.log"
	check "reset-refused: $other reset_method still reads bus" expect "$other reset_method" \
		"$(field final $other reset)" bus
}

echo "# helper: $vfiobind_boot"
echo "# work dir: $work"
# The card by slot: every function of 01:00, whatever its driver.
printf '%s\n' '# tests/boot: the GPU-shaped card of qemu-run.sh' '0000:01:00' \
	>"$work/vfiobind.conf"
image=$work/initramfs.cpio
"$here/mkinitramfs.sh" -o "$image" -b "$vfiobind_boot" \
	-c "$work/vfiobind.conf" -i "$here/init-bind.sh" \
	vfio-pci vfio_iommu_type1 xhci_pci snd_hda_intel bochs 2>"$work/mkinitramfs.err" ||
	bail "mkinitramfs.sh failed: $(cat "$work/mkinitramfs.err")"

for c in "${cases[@]}"; do
	"case_$c"
done

finish
