#!/bin/bash
# test-images.sh - vfiobind doctor against real initramfs images: built
# here by Debian's mkinitramfs (initramfs-tools) and dracut from a scratch
# `make install`, with the config, without the hook, and then read by
# doctor in a fake root (tests/fixtures/mksysfs.sh, the qemu-card4
# machine) where /etc/vfiobind.conf is the one built in, or edited since.
#
#   itools-current   the image holds the helper and this very config: ok
#   itools-stale     the config edited after the build: fail, with
#                    update-initramfs -u -k all
#   itools-nohook    built from a CONFDIR without our hook: not in the image
#   dracut-current, dracut-stale (dracut -f --regenerate-all),
#   dracut-nohook    the same with dracut (vfiobind not in --modules)
#
# Env: VFIOBIND (helper, default build/vfiobind), KVER (default: newest
# Debian kernel), DOCTOR_TEST_DIR (scratch, kept with KEEP=1).
# Output: ok/not ok lines, then "N passed, M failed"; exit 0 when none failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
vfiobind=${VFIOBIND:-$repo/build/vfiobind}
make=${MAKE:-make}
# shellcheck source=../lib/tap.sh
. "$repo/tests/lib/tap.sh"

[ -x "$vfiobind" ] || bail "no helper at $vfiobind (make)"
for t in mkinitramfs dracut cpio zstd; do
	command -v "$t" >/dev/null || bail "$t not found (make deps)"
done
if [ -z "${KVER:-}" ]; then
	KVER=$(find /lib/modules -mindepth 1 -maxdepth 1 -name '*-amd64' -printf '%f\n' | sort -V | tail -n 1)
fi
{ [ -n "$KVER" ] && [ -d "/lib/modules/$KVER" ]; } || bail "no Debian kernel in /lib/modules (KVER=${KVER:-})"

w=${DOCTOR_TEST_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-doctor.XXXXXX")}
mkdir -p "$w"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$w"' EXIT

# ---- the images -------------------------------------------------------------
conf='# tests/doctor: the card of the boot tests
0000:01:00
'
mkdir -p "$w/etc" "$w/dracut" "$w/itools/conf.d" "$w/itools-nohook/conf.d" "$w/empty"
printf '%s' "$conf" >"$w/etc/vfiobind.conf"
chmod 0644 "$w/etc/vfiobind.conf"
cp -a /usr/lib/dracut/. "$w/dracut/"
"$make" -C "$repo" --no-print-directory install PREFIX="$w/usr" SYSCONFDIR="$w/etc" \
	DRACUTMODDIR="$w/dracut/modules.d" ITOOLSDIR="$w/itools" >"$w/install.log" 2>&1 ||
	bail "make install failed: $(tail -n 5 "$w/install.log")"
for d in itools itools-nohook; do
	printf '%s\n' 'MODULES=list' 'BUSYBOX=auto' 'COMPRESS=zstd' 'COMPRESSLEVEL=1' 'RUNSIZE=10%' 'FSTYPE=auto' \
		>"$w/$d/initramfs.conf"
	echo 'RESUME=none' >"$w/$d/conf.d/resume"
	: >"$w/$d/modules"
done
mkinitramfs -d "$w/itools" -o "$w/itools.img" "$KVER" >"$w/itools.log" 2>&1 ||
	bail "mkinitramfs failed: $(tail -n 5 "$w/itools.log")"
mkinitramfs -d "$w/itools-nohook" -o "$w/itools-nohook.img" "$KVER" >"$w/itools-nohook.log" 2>&1 ||
	bail "mkinitramfs (no hook) failed: $(tail -n 5 "$w/itools-nohook.log")"
dracut_build() { # OUT MODULES
	dracutbasedir=$w/dracut dracut -q --force --no-hostonly --conf /dev/null --confdir "$w/empty" \
		--kver "$KVER" --modules "$2" --nostrip --compress "zstd -3 -q -T0" "$1" >"$1.log" 2>&1 ||
		bail "dracut failed: $(tail -n 5 "$1.log")"
}
dracut_build "$w/dracut.img" "bash base vfiobind"
dracut_build "$w/dracut-nohook.img" "bash base"

# ---- doctor in a fake root ----------------------------------------------------
# doctor-lib.sh wants $root and $here (the fixtures directory).
doctor_in() { # NAME GENERATOR IMAGE IMAGE-PATH EDIT
	local name=$1 gen=$2 img=$3 at=$4 edit=$5
	root=$w/root-$name
	FIXTURE_RELEASE=$KVER "$repo/tests/fixtures/mksysfs.sh" "$repo/tests/fixtures/topologies/qemu-card4.topo" \
		"$root" >/dev/null 2>&1 || bail "mksysfs.sh failed"
	install -m 0644 "$w/etc/vfiobind.conf" "$root/etc/vfiobind.conf"
	(
		# shellcheck disable=SC2034 # used by doctor-lib.sh
		here=$repo/tests/fixtures
		# shellcheck source=../fixtures/doctor-lib.sh
		. "$repo/tests/fixtures/doctor-lib.sh"
		case $gen in
		initramfs-tools) generator initramfs-tools ;;
		dracut) generator dracut yes ;;
		esac
	)
	mkdir -p "$root/boot"
	cp "$img" "$root$at"
	[ "$edit" = - ] || echo "$edit" >>"$root/etc/vfiobind.conf"
	"$vfiobind" --root "$root" doctor >"$w/$name.out" 2>&1 || true
}
has() { # NAME PATTERN
	grep -qE "$2" "$w/$1.out" && return 0
	echo "doctor said:"
	cat "$w/$1.out"
	return 1
}

edit='0000:00:05.0   # added after the image was built'
doctor_in itools-current initramfs-tools "$w/itools.img" "/boot/initrd.img-$KVER" -
check "itools-current: doctor finds the helper and the same config in the mkinitramfs image" \
	has itools-current '^ok +image +/boot/initrd.img-.*helper and /etc/vfiobind.conf inside, the config as now'
doctor_in itools-stale initramfs-tools "$w/itools.img" "/boot/initrd.img-$KVER" "$edit"
check "itools-stale: doctor says the config in the image differs" \
	has itools-stale '^fail +image +/boot/initrd.img-.*differs from the file'
check "itools-stale: and names update-initramfs" has itools-stale '^ +fix: +update-initramfs -u -k all, then reboot'
doctor_in itools-nohook initramfs-tools "$w/itools-nohook.img" "/boot/initrd.img-$KVER" -
check "itools-nohook: doctor says vfiobind is not in the image" \
	has itools-nohook '^fail +image +/boot/initrd.img-.*vfiobind is not in the image'
doctor_in dracut-current dracut "$w/dracut.img" "/boot/initramfs-$KVER.img" -
check "dracut-current: doctor finds the helper and the same config in the dracut image" \
	has dracut-current '^ok +image +/boot/initramfs-.*helper and /etc/vfiobind.conf inside, the config as now'
doctor_in dracut-stale dracut "$w/dracut.img" "/boot/initramfs-$KVER.img" "$edit"
check "dracut-stale: doctor says the config in the image differs" \
	has dracut-stale '^fail +image +/boot/initramfs-.*differs from the file'
check "dracut-stale: and names dracut" has dracut-stale '^ +fix: +dracut -f --regenerate-all, then reboot'
doctor_in dracut-nohook dracut "$w/dracut-nohook.img" "/boot/initramfs-$KVER.img" -
check "dracut-nohook: doctor says vfiobind is not in the image" \
	has dracut-nohook '^fail +image +/boot/initramfs-.*vfiobind is not in the image'

summary
