#!/bin/bash
# Real-kernel test: vfiobind loads vfio-pci from compressed modules, as on
# Arch (.ko.zst) and distributions that ship .ko.xz. The image of
# test-boot.sh, repacked with the vfio stack compressed, zstd and xz
# alternating along the dependency chain (vfio-pci needs vfio-pci-core,
# vfio, vfio_virqfd, irqbypass; vfio's softdep adds vfio_iommu_type1), so
# one load exercises both decoders. The host drivers stay uncompressed:
# busybox modprobe, which plays coldplug in init-bind.sh, cannot read zstd.
#
# Debian's kernel is built without CONFIG_MODULE_DECOMPRESS, so libkmod
# must decompress in user space and hand the kernel the plain module
# (init_module, not finit_module): what a static helper without zstd or
# xz support could not do.
#
# Usage: tests/boot/test-compressed.sh   Env: as test-boot.sh (VFIOBIND,
# VFIOBIND_BOOT, KVER, KERNEL, QEMU, QEMU_TIMEOUT, BOOT_TEST_DIR, KEEP).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
vfiobind=${VFIOBIND:-$repo/build/vfiobind}
# What the image gets: the boot flavour, as the hooks put it in.
vfiobind_boot=${VFIOBIND_BOOT:-$vfiobind}
card=(0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3)
declare -A host_driver=(
	[0000:01:00.0]=bochs-drm
	[0000:01:00.1]=snd_hda_intel
	[0000:01:00.2]=xhci_hcd
	[0000:01:00.3]=serial
)
# module name -> compressor
declare -A packed=(
	[vfio-pci]=xz
	[vfio-pci-core]=zstd
	[vfio]=xz
	[vfio_virqfd]=zstd
	[irqbypass]=xz
	[vfio_iommu_type1]=zstd
)

[ -x "$vfiobind_boot" ] || bail "no helper at $vfiobind_boot"
for t in xz zstd cpio depmod; do
	command -v "$t" >/dev/null || bail "$t not found"
done
make_work compressed
echo "# helper: $vfiobind_boot"
echo "# work dir: $work"

printf '%s\n' '# tests/boot: the GPU-shaped card of qemu-run.sh' '0000:01:00' >"$work/vfiobind.conf"
"$here/mkinitramfs.sh" -o "$work/plain.cpio" -b "$vfiobind_boot" -c "$work/vfiobind.conf" \
	-i "$here/init-bind.sh" vfio-pci vfio_iommu_type1 xhci_pci snd_hda_intel bochs \
	2>"$work/mkinitramfs.err" || bail "mkinitramfs.sh failed: $(cat "$work/mkinitramfs.err")"

# Unpack, compress the vfio stack, regenerate the module indexes (depmod
# records the compressed names), pack again the way mkinitramfs.sh does.
tree=$work/tree
rm -rf "$tree"
mkdir "$tree"
(cd "$tree" && cpio --quiet -i -d <"$work/plain.cpio")
kver=$(ls "$tree/lib/modules")
for m in "${!packed[@]}"; do
	ko=$(find "$tree/lib/modules/$kver" -name "$m.ko")
	[ -n "$ko" ] || bail "$m.ko not in the image"
	case ${packed[$m]} in
	# crc32, 1 MiB dictionary: what the kernel's own xz module compression
	# uses (scripts/Makefile.modinst), so the file is a realistic .ko.xz.
	xz) xz --check=crc32 --lzma2=dict=1MiB -q "$ko" ;;
	zstd) zstd -q --rm -19 "$ko" ;;
	esac
done
depmod -b "$tree" "$kver"
image=$work/initramfs.cpio
(cd "$tree" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$image"

# packed_in_image MODULE: the image holds MODULE only compressed.
packed_in_image() {
	local want=.ko.xz listing
	[ "${packed[$1]}" = zstd ] && want=.ko.zst
	listing=$(cpio --quiet -t <"$image" | grep -E "/$1\.ko(\.xz|\.zst)?$")
	expect "$1 in the image" "${listing##*/}" "$1$want"
}

for m in vfio-pci vfio-pci-core vfio vfio_virqfd irqbypass vfio_iommu_type1; do
	check "image: $m only as $m$([ "${packed[$m]}" = zstd ] && echo .ko.zst || echo .ko.xz)" \
		packed_in_image "$m"
done

boot compressed vfiobindtest.preload=1
check "compressed: vfiobind bind exits 0" bind_rc 0
for a in "${card[@]}"; do
	check "compressed: $a on ${host_driver[$a]} before the helper" driver_is "$a" before "${host_driver[$a]}"
	check "compressed: $a on vfio-pci after bind and coldplug" driver_is "$a" final vfio-pci
done
check "compressed: the helper loaded vfio_iommu_type1 too (vfio's softdep)" \
	kmsg_has "loading module vfio_iommu_type1"
no_errors() {
	! grep '^bind-out vfiobind: error' "$res"
}
check "compressed: no error from the helper" no_errors

finish
