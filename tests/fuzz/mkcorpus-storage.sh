#!/bin/bash
# mkcorpus-storage.sh [DIR] - the seed corpus of fuzz-storage (default DIR:
# tests/fuzz/corpus/storage beside this script). Each seed is the harness's
# input: root= spec, mountinfo, swaps, fstab and the EFI variable
# LoaderDevicePartUUID, split by single 0x00 bytes, against the harness's
# tree (nvme0n1 259:0 on 0000:04:00.0, nvme0n1p1 259:1, nvme0n1p2 259:2,
# dm-0 254:0 "vg0-root" on nvme0n1p2).
#
#   ext4-root.in          root=UUID=, / on nvme0n1p2, a swap partition and a
#                         swap file, fstab with noauto/automount/by-path
#                         lines, the ESP's PARTUUID in the EFI variable
#   lvm-btrfs-overlay.in  / on LVM, btrfs /home, an overlay, NFS; fstab
#                         swap by MAJ:MIN
#   zfs-initramfs.in      root=ZFS=, rootfs / (the initramfs), a ZFS mount
#   dev-root.in           / mounted by the kernel: source /dev/root
#   by-path-root.in       root= a by-path link of a disk not enumerated yet
#   long-mount-point.in   a by-path source under a 600-byte mount point: the
#                         hold's text keeps the function's name
#   long-by-path.in       the same with a 600-byte by-path name
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus/storage}
mkdir -p "$out"

# seed NAME SPEC MOUNTINFO SWAPS FSTAB [EFIVAR (printf format)]
seed() {
	{
		printf '%s' "$2"
		printf '\000'
		printf '%s' "$3"
		printf '\000'
		printf '%s' "$4"
		printf '\000'
		printf '%s' "$5"
		if [ $# -ge 6 ]; then
			printf '\000'
			# shellcheck disable=SC2059 # the variable's bytes, as a format
			printf "$6"
		fi
	} >"$out/$1.in"
}

# UTF-16LE of an ASCII string, NUL-terminated, after 4 bytes of attributes
# (as printf escapes).
efivar() {
	local s=$1 i
	printf '\\006\\000\\000\\000'
	for ((i = 0; i < ${#s}; i++)); do
		printf '%s\\000' "${s:i:1}"
	done
	printf '\\000\\000'
}

swaps_hdr='Filename				Type		Size		Used		Priority'
seed ext4-root "UUID=0a3407de-014b-458b-b5c1-848e92a327a3" \
	"22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
23 22 0:21 / /proc rw - proc proc rw
24 22 0:27 / /mnt/my\\040disk rw - tmpfs tmpfs rw,size=10k
" \
	"$swaps_hdr
/dev/nvme0n1p1                          partition	8388604		0		-2
/swap\\040file file 1024 0 -3
" \
	"# <file system> <dir> <type> <options> <dump> <pass>
PARTUUID=7d3c9d2f-1e4b-4c66-8b22-3d0ffee00021 /efi vfat noauto,x-systemd.automount,umask=0077 0 2
/dev/disk/by-path/pci-0000:04:00.0-nvme-1-part2 /srv/game\\040library ext4 defaults,noauto_da_alloc 0 2
LABEL=Windows /mnt/windows ntfs3 noauto 0 0
" "$(efivar 7D3C9D2F-1E4B-4C66-8B22-3D0FFEE00021)"

seed lvm-btrfs-overlay "/dev/mapper/vg0-root" \
	"30 1 254:0 / / rw - ext4 /dev/mapper/vg0-root rw
31 30 0:40 / /home rw - btrfs /dev/nvme0n1p1 rw,subvol=/home
32 30 0:50 / /merged rw - overlay overlay rw,lowerdir=/a:/b,upperdir=/u,workdir=/w
33 30 0:51 / /net rw - nfs4 srv:/export rw
" "$swaps_hdr
" "259:2 none swap sw 0 0
"

seed zfs-initramfs "ZFS=rpool/ROOT/debian" \
	"1 1 0:2 / / rw shared:1 - rootfs rootfs rw
40 1 0:60 / /tank rw - zfs rpool/data rw,xattr
" "" ""

seed dev-root "259:2" "22 1 259:2 / / rw - ext4 /dev/root rw
" "" ""

seed by-path-root "/dev/disk/by-path/pci-0000:05:00.0-nvme-1-part2" "" "" ""

long=$(printf 'a%.0s' $(seq 1 600))
seed long-mount-point "" "26 1 8:0 / /$long rw - ext4 /dev/disk/by-path/pci-0000:05:00.0-nvme-1 rw
" "" ""
seed long-by-path "" "26 1 8:0 / /$long rw - ext4 /dev/disk/by-path/$long-pci-0000:05:00.0-nvme-1 rw
" "" ""
