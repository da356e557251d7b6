#!/bin/bash
# Stage mkinitcpio v41 from its source under a build folder, so the hook
# tests build real mkinitcpio images on Debian. Nothing of it enters the
# repository: the source and upstream's fix come from SRC (the shared
# folder CI keeps beside the clone), and everything is written under OUT.
#
# What meson would do (configure_file of meson.build) is done here with
# sed, plus the Debian-vs-Arch differences SRC/README.md lists:
#   BINDIR        PATH of the build: Debian 12 keeps modinfo, depmod, blkid,
#                 switch_root, e2fsck in /usr/sbin, Arch links sbin to bin
#   busybox       install/base copies Arch's /usr/lib/initcpio/busybox;
#                 Debian's busybox-static (/bin/busybox) serves
#   libkmod       install/udev names /usr/lib/libkmod.so.2; Debian keeps
#                 it under the multiarch directory
#
# Usage: stage-mkinitcpio.sh SRC OUT
#   SRC  folder with mkinitcpio-41.tar.gz and 0001-*.patch
#   OUT  staging folder; OUT/bin/mkinitcpio is the result, with its
#        library in OUT/lib/initcpio and its config in OUT/etc. Staged
#        again only when SRC or this script changed (OUT/.stamp).
# Prints the path of the mkinitcpio to use.
set -eu

src=${1:?usage: stage-mkinitcpio.sh SRC OUT}
out=${2:?usage: stage-mkinitcpio.sh SRC OUT}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tarball=$src/mkinitcpio-41.tar.gz
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh" # die
[ -f "$tarball" ] || die "no $tarball (the shared mkinitcpio folder)"
command -v bsdtar >/dev/null || die "bsdtar not found (libarchive-tools)"

stamp=$(cat "$tarball" "$src"/0*.patch "$0" | md5sum | cut -d' ' -f1)
if [ -x "$out/bin/mkinitcpio" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$out/bin/mkinitcpio"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out/src"
tar -xzf "$tarball" -C "$out/src"
s=$(find "$out/src" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -f "$s/mkinitcpio" ] || die "no mkinitcpio in $tarball"
for p in "$src"/0*.patch; do
	[ -e "$p" ] || continue
	patch -s -d "$s" -p1 <"$p" || die "patch $p does not apply"
done

lib=$out/lib/initcpio
etc=$out/etc
udevd=$(command -v systemd-udevd || true)
for d in /usr/lib/systemd /lib/systemd; do
	[ -n "$udevd" ] || [ ! -x "$d/systemd-udevd" ] || udevd=$d/systemd-udevd
done
[ -n "$udevd" ] || die "no systemd-udevd (systemd)"
tmpfiles=$(command -v systemd-tmpfiles || true)
libkmod=$(find /usr/lib /lib -maxdepth 2 -name libkmod.so.2 2>/dev/null | head -n 1)
[ -n "$libkmod" ] || die "no libkmod.so.2 (libkmod2)"
version=$(sed -n 's/^declare -r version=.\(.*\).$/\1/p' "$s/mkinitcpio")
[ "$version" != "@VERSION@" ] || version=41

# configure_file(): the substitutions of meson.build's conf_data, with the
# upstream default (busybox) HOOKS line (meson option systemd_hooks=false).
subst() {
	sed -e "s|@VERSION@|$version|g" \
		-e "s|@BINDIR@|$out/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin|g" \
		-e "s|@SYSCONFDIR@|$etc|g" \
		-e "s|@INITCPIO_LIBDIR@|$lib|g" \
		-e "s|@INITCPIO_SYSCONFDIR@|$etc/initcpio|g" \
		-e "s|@VCONSOLE_CONF@|/etc/vconsole.conf|g" \
		-e "s|@UDEVD_PATH@|$udevd|g" \
		-e "s|@TMPFILES_PATH@|$tmpfiles|g" \
		-e "s|@MKINITCPIO_HOOKS@|base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck|g" \
		-e "s|/usr/lib/initcpio/busybox|/bin/busybox|g" \
		-e "s|'/usr/lib/libkmod.so.2'|'$libkmod'|g" \
		"$1" >"$2"
	chmod "$3" "$2"
}
mkdir -p "$out/bin" "$lib/hooks" "$lib/install" "$lib/udev" "$lib/post" \
	"$etc/initcpio/hooks" "$etc/initcpio/install" "$etc/initcpio/post" "$etc/mkinitcpio.conf.d"
subst "$s/mkinitcpio" "$out/bin/mkinitcpio" 0755
subst "$s/lsinitcpio" "$out/bin/lsinitcpio" 0755
subst "$s/mkinitcpio.conf" "$etc/mkinitcpio.conf" 0644
subst "$s/functions" "$lib/functions" 0755
for f in init init_functions shutdown; do
	subst "$s/$f" "$lib/$f" 0644
done
for f in "$s"/hooks/* "$s"/install/* "$s"/udev/*.rules; do
	case ${f##*/} in meson.build) continue ;; esac
	d=${f%/*}
	subst "$f" "$lib/${d##*/}/${f##*/}" 0644
done
if grep -rq '@[A-Z_]*@' "$out/bin" "$lib"; then
	die "unsubstituted: $(grep -rl '@[A-Z_]*@' "$out/bin" "$lib" | tr '\n' ' ')"
fi
echo "$stamp" >"$out/.stamp"
echo "$out/bin/mkinitcpio"
