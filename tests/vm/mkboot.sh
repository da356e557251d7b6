#!/bin/bash
# mkboot.sh OUT [DEAF] - assemble boot.S into a 1 MiB raw disk image whose
# first sector boots (the inner guest of the VM tests). DEAF=1: a guest
# that ignores the ACPI power button.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
defs=()
[ "${2:-0}" = 1 ] && defs=(--defsym DEAF=1)
as --32 "${defs[@]}" -o "$tmp/boot.o" "$here/boot.S"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$tmp/boot.bin" "$tmp/boot.o"
[ "$(stat -c %s "$tmp/boot.bin")" = 512 ] || { echo "mkboot.sh: boot sector is not 512 bytes" >&2; exit 1; }
truncate -s 1M "$tmp/boot.img"
dd if="$tmp/boot.bin" of="$tmp/boot.img" conv=notrunc status=none
mv "$tmp/boot.img" "$out"
