#!/bin/bash
# The fault matrix, in real boots: Debian's kernel under QEMU/TCG with the
# helper in a busybox initramfs, the host drivers bound first (as built-in
# drivers are), and one fault per boot - or several independent ones where
# a single config can hold them. For every case:
#   - the guest runs /init to its end and powers off (the boot goes on);
#   - `vfiobind bind` exits with the documented code;
#   - the kernel log has the expected vfiobind line;
#   - no function other than the declared, allowed ones changed driver:
#     every function's driver before the helper is compared with after it.
#
# Usage: tests/boot/test-faults.sh [CASE...]   (default: all)
# Env: VFIOBIND (default <repo>/build/vfiobind), VFIOBIND_BOOT (its boot
# flavour, what the images get; default VFIOBIND), KEEP=1, BOOT_TEST_DIR.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
vfiobind=${VFIOBIND:-$repo/build/vfiobind}
# What the image gets: the boot flavour, as the hooks put it in.
vfiobind_boot=${VFIOBIND_BOOT:-$vfiobind}
[ -x "$vfiobind_boot" ] || bail "no helper at $vfiobind_boot (make)"
make_work faults

# 01:00.3: pci-serial, on the built-in "serial" from kernel init on.
card="0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3"
# nvme: Debian builds it as a module; only the record cases add the device.
modules=(vfio_iommu_type1 xhci_pci snd_hda_intel bochs virtio_pci virtio_blk nvme)
all_cases=(several slot-guard no-iommu no-vfio not-viable root-disk malformed off writable
	record-foreign record-valid record-cut record-legacy)
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=("${all_cases[@]}")

# image NAME CONFIG-TEXT [RECORD-TEXT]: an initramfs with this
# /etc/vfiobind.conf and, given RECORD-TEXT, this /etc/vfiobind.d/protected
# and the machine-id of the record cases' machine.
make_image() {
	local opts=()
	printf '%s' "$2" >"$work/$1.conf"
	if [ $# -ge 3 ]; then
		printf '%s' "$3" >"$work/$1.record"
		echo "$machine_id" >"$work/machine-id"
		opts=(-r "$work/$1.record" -f "$work/machine-id:/etc/machine-id")
	fi
	image=$work/$1.cpio
	"$here/mkinitramfs.sh" -o "$image" -b "$vfiobind_boot" -c "$work/$1.conf" -i "$here/init-bind.sh" \
		${opts[@]+"${opts[@]}"} "${modules[@]}" 2>"$work/mkinitramfs.err" >/dev/null ||
		bail "mkinitramfs.sh failed: $(cat "$work/mkinitramfs.err")"
}

# The common assertions after a boot: exit code, log line(s), what moved.
outcome() { # NAME RC "CHANGED" LOG-LINE...
	local name=$1 rc=$2 changed=$3 line
	shift 3
	check "$name: vfiobind bind exits $rc" bind_rc "$rc"
	for line in "$@"; do
		check "$name: kernel log: vfiobind: ${line:0:70}" kmsg_has "$line"
	done
	check "$name: only [${changed:-nothing}] changed driver" only_changed before bound "$changed"
}

case_several() {
	# Independent faults in one config: an absent device, a repeated line,
	# the boot GPU declared, and an id= guard that does not match (the
	# undeclared xHCI is 1b36:000d, not 1234:1111).
	make_image several "0000:01:00
0000:05:00.0
0000:01:00
0000:02:00.0 id=1234:1111
"
	boot several vfiobindtest.preload=1
	outcome several 1 "$card" \
		"0000:05:00.0 (/etc/vfiobind.conf:2): no such PCI function" \
		"0000:01:00.0: selected again by /etc/vfiobind.conf:3" \
		"0000:01:00.0 is the boot GPU (boot_vga=1)" \
		"0000:02:00.0: refused: it is 1b36:000d, not 1234:1111 (id= guard at /etc/vfiobind.conf:4)" \
		"4 of 6 declared functions on vfio-pci"
}

case_slot-guard() {
	# After a hardware change another card sits in the slot.
	make_image slot-guard "0000:01:00 id=1002:744c
"
	boot slot-guard vfiobindtest.preload=1
	outcome slot-guard 1 "" \
		"0000:01:00.0: refused: function 0 is 1234:1111, not 1002:744c (id= guard at /etc/vfiobind.conf:1)"
}

case_no-iommu() {
	make_image no-iommu "0000:01:00
"
	QEMU_IOMMU=0 boot no-iommu vfiobindtest.preload=1
	outcome no-iommu 4 "" "no IOMMU groups in /sys/kernel/iommu_groups: the IOMMU is off"
}

case_no-vfio() {
	NO_VFIO=1 make_image no-vfio "0000:01:00
"
	boot no-vfio vfiobindtest.preload=1
	outcome no-vfio 4 "" "vfio-pci is not in /lib/modules/"
}

case_not-viable() {
	# Only the xHCI of the card: its VGA, HDA and serial share IOMMU group 4.
	make_image not-viable "0000:01:00.2
"
	boot not-viable vfiobindtest.preload=1
	outcome not-viable 1 "" \
		"0000:01:00.2: refused: IOMMU group 4 is not viable: 0000:01:00.0 (1234:1111, driver bochs-drm); 0000:01:00.1 (8086:293e, driver snd_hda_intel); 0000:01:00.3 (1b36:0002, driver serial) are not selected"
}

case_root-disk() {
	# root= names the filesystem on a virtio disk; its controller is
	# declared (a typo away from the card). The card still binds.
	local uuid=4c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f
	truncate -s 8M "$work/root.img"
	mkfs.ext4 -q -F -U "$uuid" -L hostroot "$work/root.img" >/dev/null 2>&1
	make_image root-disk "0000:00:06.0
0000:01:00
"
	QEMU_EXTRA="-drive file=$work/root.img,format=raw,if=none,id=rootdisk -device virtio-blk-pci,drive=rootdisk,bus=pcie.0,addr=06.0" \
		boot root-disk vfiobindtest.preload=1 vfiobindtest.modprobe=virtio_blk "root=UUID=$uuid"
	outcome root-disk 1 "$card" \
		"0000:00:06.0: refused: holds root= (UUID=$uuid -> vda)" \
		"4 of 5 declared functions on vfio-pci"
}

case_malformed() {
	make_image malformed "0000:01:00
0000:02:00.0 grouped
03:00:0
"
	boot malformed vfiobindtest.preload=1
	outcome malformed 3 "" \
		"/etc/vfiobind.conf:2: unknown word 'grouped'" \
		"/etc/vfiobind.conf:3: '03:00:0' is not a PCI address" \
		"2 errors in the device list: binding nothing"
}

case_off() {
	make_image off "0000:01:00
"
	boot off vfiobindtest.preload=1 vfiobind=off
	outcome off 0 "" "vfiobind=off on the kernel command line: binding nothing this boot"
}

case_writable() {
	make_image writable "0000:01:00
"
	boot writable vfiobindtest.preload=1 vfiobindtest.confmode=0666
	outcome writable 3 "" \
		"/etc/vfiobind.conf: writable by others (mode 0666): refusing to trust it"
}

# The record cases: the machine booted has this machine-id and root=; an
# NVMe controller (QEMU's 1b36:0010, subsystem 1af4:1100, class 010802) at
# 00:07.0 on an empty disk, so nothing visible at boot ties it to root=;
# q35's AHCI at 00:1f.2 is the other storage controller. The config
# declares the NVMe (a typo away from the card) and the card: without a
# record the boot cannot know the NVMe holds nothing, so it is refused
# unless force; with this machine's record listing it free it is bound.
machine_id=5e1f0c2a9b8d4e7fa6c3b2d1e0f9a8b7
boot_root=UUID=7d3c1b2a-0e9f-4a8b-9c7d-6e5f4a3b2c1d
nvme_ident="1b36:0010 1af4:1100 010802"
ahci_ident="8086:2922 1af4:1100 010601"
nvme_conf="0000:00:07.0
0000:01:00
"
# record MACHINE-ID ROOT: a record as `vfiobind check --record` writes it
# on a machine with these two QEMU storage controllers, both free.
record() {
	printf '%s\n' "# vfiobind: written by \`vfiobind check --record\` at image build; read by \`vfiobind bind\`" \
		"vfiobind-record 2" "machine-id $1" "root=$2" \
		"0000:00:07.0 $nvme_ident free" "0000:00:1f.2 $ahci_ident free" "end 2"
}

# boot_nvme NAME: boot the record cases' machine.
boot_nvme() {
	truncate -s 8M "$work/nvme.img"
	QEMU_EXTRA="-drive file=$work/nvme.img,format=raw,if=none,id=nv -device nvme,serial=vfb1,drive=nv,bus=pcie.0,addr=07.0" \
		boot "$1" vfiobindtest.preload=1 "root=$boot_root"
}

# nvme_after NAME DRIVER: the NVMe was on nvme before the helper (coldplug
# reached it) and is on DRIVER after bind; the card is on vfio-pci.
nvme_after() {
	local a
	check "$1: 0000:00:07.0 on nvme before the helper" driver_is 0000:00:07.0 before nvme
	check "$1: 0000:00:07.0 on $2 after bind" driver_is 0000:00:07.0 bound "$2"
	for a in $card; do
		check "$1: $a on vfio-pci after bind" driver_is "$a" bound vfio-pci
	done
}

nvme_refused="0000:00:07.0: refused: is a storage controller, and this image carries no record of the disks the host needs"

case_record-foreign() {
	# The record of another machine (a cloned image: the same QEMU
	# hardware, the NVMe listed free there): its machine-id and root=
	# differ from this boot's. Not used, so the NVMe is refused.
	make_image record-foreign "$nvme_conf" \
		"$(record 0a1b2c3d4e5f60718293a4b5c6d7e8f9 UUID=11111111-2222-4333-8444-555555555555)
"
	boot_nvme record-foreign
	outcome record-foreign 1 "$card" \
		"record of another machine: root=UUID=11111111-2222-4333-8444-555555555555 recorded, root=$boot_root now" \
		"$nvme_refused" \
		"4 of 5 declared functions on vfio-pci"
	nvme_after record-foreign nvme
}

case_record-valid() {
	# The same image with this machine's record: the NVMe is free, so it
	# is bound too (record-foreign failed for the reason it gives).
	make_image record-valid "$nvme_conf" "$(record "$machine_id" "$boot_root")
"
	boot_nvme record-valid
	outcome record-valid 0 "0000:00:07.0 $card" "5 of 5 declared functions on vfio-pci"
	nvme_after record-valid vfio-pci
}

case_record-cut() {
	# This machine's record, cut short inside its fifth line (a full
	# disk, a crash mid-write): no record, the NVMe is refused.
	local full
	full=$(record "$machine_id" "$boot_root")
	make_image record-cut "$nvme_conf" "$(printf '%s\n' "$full" | head -n 5)
0000:00:1f.2 8086:29"
	boot_nvme record-cut
	outcome record-cut 1 "$card" \
		"record cut short at line 6" \
		"$nvme_refused" \
		"4 of 5 declared functions on vfio-pci"
	nvme_after record-cut nvme
}

case_record-legacy() {
	# A record in the format before issue 17 (lines "ADDRESS holds ..."),
	# from another machine whose root was on 0000:04:00.0: nothing ties it
	# to this one, and the old binary read 00:07.0 as free because it is
	# not listed. Not a record of this version: the NVMe is refused.
	make_image record-legacy "$nvme_conf" \
		"0000:04:00.0 holds / (/dev/nvme0n1p2)
"
	boot_nvme record-legacy
	outcome record-legacy 1 "$card" \
		"/etc/vfiobind.d/protected:1: not a vfiobind record of this version" \
		"$nvme_refused" \
		"4 of 5 declared functions on vfio-pci"
	nvme_after record-legacy nvme
}

for c in "${cases[@]}"; do
	case " ${all_cases[*]} " in
	*" $c "*) ;;
	*) bail "unknown case: $c (known: ${all_cases[*]})" ;;
	esac
done
echo "# helper: $vfiobind_boot"
for c in "${cases[@]}"; do
	"case_$c"
done
finish
