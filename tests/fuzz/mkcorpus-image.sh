#!/bin/bash
# mkcorpus-image.sh [DIR] - the seed corpus of fuzz-image: tiny initramfs
# images in the layouts the generators write, made with Debian's cpio,
# gzip, zstd, xz, lz4 and bzip2 (default DIR: tests/fuzz/corpus/image beside this
# script). Fixed names, times, owners and (--reproducible) inode numbers:
# the same tools give the same bytes.
#
#   newc.cpio            one uncompressed newc archive
#   gzip.img             gzip'd cpio (initramfs-tools' default before zstd)
#   zstd.img             zstd'd cpio (dracut, mkinitcpio, initramfs-tools)
#   ucode-xz.img         early microcode cpio + xz main (--check=crc32)
#   ucode-zstd-gzip.img  microcode cpio + zstd segment + gzip segment
#   ucode-zstd-gzip-xz.img  the same + an xz segment, the helper in the gzip
#                        one, the config in the xz one (the fixture case
#                        doctor-segments: tests/fixtures/doctor-lib.sh)
#   ucode-lz4-gzip.img   microcode cpio + lz4 legacy + gzip segment, which
#                        is not read (doctor-lz4-unread)
#   bzip2-lzma.img       a bzip2 segment + an lzma-alone segment
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus/image}
mkdir -p "$out"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

mkdir -p "$w/early/kernel/x86/microcode" "$w/main/usr/bin" "$w/main/etc" "$w/more/etc" \
	"$w/s1/lib/modules" "$w/s2/usr/bin" "$w/s3/etc"
printf 'ucode' >"$w/early/kernel/x86/microcode/GenuineIntel.bin"
printf '\177ELF' >"$w/main/usr/bin/vfiobind"
printf '0000:01:00\n' >"$w/main/etc/vfiobind.conf"
printf 'x\n' >"$w/more/etc/more.conf"
printf 'init\n' >"$w/s1/init"
cp "$w/main/usr/bin/vfiobind" "$w/s2/usr/bin/"
cp "$w/main/etc/vfiobind.conf" "$w/s3/etc/"
find "$w" -exec touch -h -d @0 {} +

cpio_of() { # DIR
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet)
}
cpio_of "$w/main" >"$out/newc.cpio"
cpio_of "$w/main" | gzip -n -9 >"$out/gzip.img"
cpio_of "$w/main" | zstd -q -19 >"$out/zstd.img"
{ cpio_of "$w/early"; cpio_of "$w/main" | xz -T1 --check=crc32; } >"$out/ucode-xz.img"
{ cpio_of "$w/early"; cpio_of "$w/main" | zstd -q -19; cpio_of "$w/more" | gzip -n -9; } >"$out/ucode-zstd-gzip.img"
{ cpio_of "$w/early"; cpio_of "$w/s1" | zstd -q -19; cpio_of "$w/s2" | gzip -n -9; cpio_of "$w/s3" | xz -T1 --check=crc32; } \
	>"$out/ucode-zstd-gzip-xz.img"
{ cpio_of "$w/early"; cpio_of "$w/main" | lz4 -l -q -9; cpio_of "$w/more" | gzip -n -9; } >"$out/ucode-lz4-gzip.img"
{ cpio_of "$w/main" | bzip2 -9; cpio_of "$w/more" | xz --format=lzma; } >"$out/bzip2-lzma.img"
