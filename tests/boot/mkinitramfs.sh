#!/bin/bash
# Builds a minimal busybox initramfs for booting Debian's kernel in QEMU with
# the vfiobind helper, so the helper meets a real kernel's sysfs, driver core
# and vfio instead of a fake root.
#
# Usage: mkinitramfs.sh [options] [MODULE...]
#   -o FILE        output image                (env OUT, default ./initramfs.cpio)
#   -b FILE        vfiobind binary or script   (env VFIOBIND_BOOT, else
#                  VFIOBIND; optional)
#   -c FILE        /etc/vfiobind.conf          (env VFIOBIND_CONF, optional)
#   -r FILE        /etc/vfiobind.d/protected, the image build's record
#                  (env VFIOBIND_RECORD, optional)
#   -i FILE        /init script                (env INIT, default init-bind.sh)
#   -m MODULE      extra module, repeatable    (env EXTRA_MODULES, space list)
#   -f SRC[:DEST]  extra file, repeatable      (env EXTRA_FILES, space list);
#                  DEST is the path inside the image, default SRC
#   -z none|gzip|zstd  compression             (env COMPRESS, default none)
# Other env: KVER (default: newest /lib/modules/*-amd64), MODROOT (root the
# modules come from, default /), BUSYBOX (default /bin/busybox, static),
# NO_VFIO=1 (leave vfio-pci out, unless named).
#
# MODULEs, plus vfio-pci always, are resolved with their dependencies and
# softdeps (vfio's softdep brings vfio_iommu_type1); the image's modules.* indexes are regenerated with depmod -b so
# that both busybox modprobe and libkmod in the guest see only what is there.
#
# The helper lands at /usr/sbin/vfiobind; its shared libraries (ldd) at the
# paths the dynamic loader asked for. A static binary or a script is copied
# alone.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

out=${OUT:-./initramfs.cpio}
bin=${VFIOBIND_BOOT:-${VFIOBIND:-}}
conf=${VFIOBIND_CONF:-}
record=${VFIOBIND_RECORD:-}
init=${INIT:-$here/init-bind.sh}
compress=${COMPRESS:-none}
modroot=${MODROOT:-/}
moddir=${modroot%/}/lib/modules
busybox=${BUSYBOX:-/bin/busybox}
# Word splitting of these two env lists is intended.
# shellcheck disable=SC2206
modules=(${EXTRA_MODULES:-})
# shellcheck disable=SC2206
extra_files=(${EXTRA_FILES:-})

# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" # die

usage() {
	sed -n '/^# Usage:/,/^# The helper/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

while getopts 'o:b:c:r:i:m:f:z:h' opt; do
	case $opt in
	o) out=$OPTARG ;;
	b) bin=$OPTARG ;;
	c) conf=$OPTARG ;;
	r) record=$OPTARG ;;
	i) init=$OPTARG ;;
	m) modules+=("$OPTARG") ;;
	f) extra_files+=("$OPTARG") ;;
	z) compress=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
# NO_VFIO=1: an image someone built without vfio-pci (the fault matrix).
if [ "${NO_VFIO:-0}" = 1 ]; then
	modules+=("$@")
else
	modules+=(vfio-pci "$@")
fi

if [ -z "${KVER:-}" ]; then
	# Newest Debian amd64 kernel; sort -V orders 6.1.0-9 before 6.1.0-56.
	KVER=$(find "$moddir" -mindepth 1 -maxdepth 1 -name '*-amd64' -printf '%f\n' |
		sort -V | tail -n 1)
	[ -n "$KVER" ] || die "no $moddir/*-amd64; set KVER"
fi
[ -d "$moddir/$KVER" ] || die "no modules for $KVER in $moddir"
[ -f "$init" ] || die "init script not found: $init"
[ -z "$bin" ] || [ -f "$bin" ] || die "binary not found: $bin"
[ -z "$conf" ] || [ -f "$conf" ] || die "config not found: $conf"
[ -z "$record" ] || [ -f "$record" ] || die "record not found: $record"
# A dynamic busybox would need its libc in the image too; not worth it.
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked; install busybox-static"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root}
mkdir -p "$root/lib/modules/$KVER"

# Busybox and its applets. --list-full gives each applet's canonical
# directory, so scripts find them at the usual paths.
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] && continue
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

# copy_file SRC DEST: copy SRC (following symlinks) to DEST in the image.
copy_file() {
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
}

# Shared libraries of a dynamic executable, at the path the loader records
# (the interpreter path, e.g. /lib64/ld-linux-x86-64.so.2, must match
# exactly). ldd fails for static binaries and scripts: nothing to copy then.
copy_libs() {
	local lib
	ldd "$1" 2>/dev/null |
		sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p' |
		while read -r lib; do
			[ -e "$root$lib" ] || copy_file "$lib" "$lib"
		done
}

if [ -n "$bin" ]; then
	copy_file "$bin" /usr/sbin/vfiobind
	chmod 0755 "$root/usr/sbin/vfiobind"
	copy_libs "$bin"
fi
# The helper's config is read by root only; keep it 0644 like a packaged one
# (a group/world-writable config should be refused by the helper).
if [ -n "$conf" ]; then
	copy_file "$conf" /etc/vfiobind.conf
	chmod 0644 "$root/etc/vfiobind.conf"
fi
# The record as `vfiobind check --record` leaves it in an image: 0644.
if [ -n "$record" ]; then
	copy_file "$record" /etc/vfiobind.d/protected
	chmod 0644 "$root/etc/vfiobind.d/protected"
fi
cp "$init" "$root/init"
chmod 0755 "$root/init"
# What every test /init sources first (mounts, say).
install -D -m 0644 "$here/init-lib.sh" "$root/lib/vfiobind-test/init-lib.sh"

for spec in ${extra_files[@]+"${extra_files[@]}"}; do
	src=${spec%%:*}
	dest=${spec#*:}
	[ "$dest" != "$spec" ] || dest=$src
	[ -e "$src" ] || die "extra file not found: $src"
	copy_file "$src" "$dest"
	[ ! -x "$src" ] || copy_libs "$src"
done

# Modules: kmod's modprobe resolves names, aliases, modules.dep and softdeps
# (pre and post) for us; --show-depends prints one "insmod PATH" per module
# without loading anything. An empty config dir keeps this host's
# /etc/modprobe.d (blacklists, options) out of the image.
noconf="$root/.noconf"
mkdir "$noconf"
for m in "${modules[@]}"; do
	modprobe -C "$noconf" -d "$modroot" -S "$KVER" --show-depends "$m" \
		>>"$noconf.deps" || die "module not found: $m"
done
kmods=$(sed -n 's/^insmod \([^ ]*\).*/\1/p' "$noconf.deps" | sort -u)
rm -r "$noconf" "$noconf.deps"
for ko in $kmods; do
	# modprobe -d prefixes its root as given ("//lib/modules/..." for /).
	rel=${ko#*/lib/modules/"$KVER"/}
	mkdir -p "$root/lib/modules/$KVER/$(dirname "$rel")"
	# The kernel decompresses modules only with CONFIG_MODULE_DECOMPRESS
	# and busybox insmod never does: store them plain, depmod renames.
	case $ko in
	*.ko.xz) xz -dc "$ko" >"$root/lib/modules/$KVER/${rel%.xz}" ;;
	*.ko.zst) zstd -qdc "$ko" >"$root/lib/modules/$KVER/${rel%.zst}" ;;
	*.ko.gz) gzip -dc "$ko" >"$root/lib/modules/$KVER/${rel%.gz}" ;;
	*) cp "$ko" "$root/lib/modules/$KVER/$rel" ;;
	esac
done
# modules.builtin* let modprobe/libkmod report built-in modules as present
# instead of "not found"; modules.order keeps depmod's ordering stable.
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ ! -e "$moddir/$KVER/$f" ] || cp "$moddir/$KVER/$f" "$root/lib/modules/$KVER/"
done
depmod -b "$root" "$KVER"

case $compress in
none) filter=(cat) ;;
gzip) filter=(gzip -1) ;;
zstd) filter=(zstd -q -3) ;;
*) die "unknown compression: $compress" ;;
esac

# Sorted names make the image reproducible for identical inputs; -R 0:0 so
# files are root's in the guest whoever builds the image.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) | "${filter[@]}" >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($KVER, $(echo "$kmods" | wc -w) modules, $(du -h "$out" | cut -f1))" >&2
