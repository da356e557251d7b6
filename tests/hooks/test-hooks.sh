#!/bin/bash
# The initramfs hooks, proven by the images the real tools build from them.
#
# The project is installed into a scratch tree (make install PREFIX=...), so
# the build-time hooks run the helper and read the config make install put
# there; nothing of this machine's /etc, /boot or /usr/lib/dracut is
# touched. Then, for Debian's kernel:
#   install             DESTDIR layout: every file where its tool looks
#   mkinitcpio-build    the install hook in real mkinitcpio builds of small
#                       images: what it adds (the boot flavour as
#                       /usr/bin/vfiobind); a bad, missing or untrusted
#                       config and a missing helper never fail the build
#                       (exit 0, the errors printed, the image built
#                       without binding: /etc/vfiobind.d/disabled), a
#                       missing boot flavour only warns (the helper goes in)
#   mkinitcpio-busybox  HOOKS=(base udev vfiobind modconf ...), MODULES with
#                       the card's host drivers, and a leftover
#                       `options vfio-pci ids=` in /etc/modprobe.d
#   mkinitcpio-systemd  HOOKS=(base systemd vfiobind modconf ...), the same
#                       MODULES, its build errors compared with a build
#                       without vfiobind (Debian's systemd 252 has its own)
#   dracut-shell        dracut --omit systemd, with the 90vfiobind module
#   dracut-systemd      dracut with systemd, with the 90vfiobind module
#   initramfs-tools     mkinitramfs -d CONFDIR with the hook and init-top script
#   vendor-reset        with a vendor-reset module in the kernel's tree, each
#                       tool's image carries it (built, not booted)
# mkinitcpio is the host's when it has one (Arch); otherwise v41, staged
# from MKINITCPIO_SRC (default ../shared/mkinitcpio beside the repository)
# into MKINITCPIO_STAGE (default build/mkinitcpio) by stage-mkinitcpio.sh.
# Each image is booted in QEMU (tests/boot/qemu-run.sh: q35, intel-iommu,
# TCG, the GPU-shaped card 01:00.0-2 plus an undeclared xHCI 02:00.0) with
# the host drivers inside (bochs, snd_hda_intel, xhci_pci), three times:
#   bind   config 0000:01:00: the card on vfio-pci, no host driver probe line
#          for it, although coldplug loaded the host drivers and bound
#          02:00.0; the helper finished before coldplug
#   off    vfiobind=off: the card on its host drivers
#   error  vfiobind=zz (a config error, exit 3): the boot goes on and the
#          hook's line is in the kernel log
# For each tool, an image built from a config with a typo and one from a
# world-writable config: the build exits 0 with the checker's lines as
# errors, the image carries /etc/vfiobind.d/disabled, and its one boot
# binds nothing (the card on its host drivers), the kernel log and
# /run/vfiobind/status saying why.
# Every image switches to a small ext4 root on a virtio disk whose
# /sbin/init (root-init.sh) reports and powers off.
#
# Usage: tests/hooks/test-hooks.sh [CASE...]     (default: all cases)
# Env:
#   MAKE            make to run the install with (default make)
#   KVER            kernel (default: newest with /boot/vmlinuz-KVER and
#                   /lib/modules/KVER)
#   JOBS            boots run at once (default: number of CPUs); each guest
#                   gets one vCPU
#   QEMU_TIMEOUT    per boot, seconds (default 300)
#   HOOK_TEST_DIR   where trees, images and logs go (default: a new temp
#                   dir, removed after a fully passing run unless KEEP=1)
# Output: `ok N - ...`/`not ok N - ...`, `# ` diagnostics and timings, then
# `N passed, M failed`. Exit 0 only if nothing failed; 2 if it cannot run.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
boot=$repo/tests/boot
make=${MAKE:-make}
jobs=${JOBS:-$(nproc)}
timeout_s=${QEMU_TIMEOUT:-300}
all_cases=(install mkinitcpio-build mkinitcpio-busybox mkinitcpio-systemd dracut-shell dracut-systemd initramfs-tools
	vendor-reset)
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=("${all_cases[@]}")

# The card and its host drivers, as qemu-run.sh builds it.
# 01:00.3 is QEMU's pci-serial, taken by Debian's built-in 8250_pci
# ("serial") during kernel init, before any hook runs.
card=(0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3)
declare -A host_driver=(
	[0000:01:00.0]=bochs-drm
	[0000:01:00.1]=snd_hda_intel
	[0000:01:00.2]=xhci_hcd
	[0000:01:00.3]=serial
	[0000:02:00.0]=xhci_hcd
)
other=0000:02:00.0
# What each host driver prints when it probes a function (dev_printk puts
# the driver's name before the address; bochs also says "Found bochs VGA").
probe_line() {
	case $1 in
	0000:01:00.0) echo "bochs-drm 0000:01:00.0:|\\[drm\\] Found bochs VGA" ;;
	*) echo "${host_driver[$1]} $1:" ;;
	esac
}
# Modules coldplug loads for the card; the images must hold them.
host_modules=(bochs snd_hda_intel xhci_pci)
image_drivers="virtio_pci virtio_blk ext4 ${host_modules[*]}"
root_args="root=/dev/vda rootfstype=ext4 ro"

# shellcheck source=../lib/tap.sh
. "$repo/tests/lib/tap.sh"
# shellcheck source=../lib/guest.sh
. "$repo/tests/lib/guest.sh"

for c in "${cases[@]}"; do
	case " ${all_cases[*]} " in
	*" $c "*) ;;
	*) bail "unknown case: $c (cases: ${all_cases[*]})" ;;
	esac
done
want() {
	case " ${cases[*]} " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

if [ -z "${KVER:-}" ]; then
	KVER=$(find /lib/modules -mindepth 1 -maxdepth 1 -name '*-amd64' -printf '%f\n' |
		while read -r k; do [ ! -r "/boot/vmlinuz-$k" ] || echo "$k"; done | sort -V | tail -n 1)
fi
if [ -z "$KVER" ] || [ ! -d "/lib/modules/$KVER" ] || [ ! -r "/boot/vmlinuz-$KVER" ]; then
	bail "no kernel with both /boot/vmlinuz-KVER and /lib/modules/KVER (KVER=${KVER:-})"
fi
export KVER

need() {
	command -v "$1" >/dev/null || bail "$1 not found: $2 (make deps installs it)"
}
need mkfs.ext4 e2fsprogs
if want dracut-shell || want dracut-systemd; then
	need dracut dracut-core
	need lsinitrd dracut-core
	[ -d /usr/lib/dracut/modules.d ] || bail "no /usr/lib/dracut/modules.d (dracut-core)"
fi
if want initramfs-tools; then
	need mkinitramfs initramfs-tools-core
	need unmkinitramfs initramfs-tools-core
fi

if [ -n "${HOOK_TEST_DIR:-}" ]; then
	w=$HOOK_TEST_DIR
	# Never clean up a directory someone else filled.
	[ ! -e "$w" ] || [ -z "$(ls -A "$w")" ] || bail "HOOK_TEST_DIR=$w is not empty"
	mkdir -p "$w"
else
	w=$(mktemp -d "${TMPDIR:-/tmp}/vfiobind-hooks.XXXXXX")
fi
w=$(cd "$w" && pwd)

# Seconds since $1 (from now_ns), as N.NN.
now_ns() { date +%s%N; }
secs_since() {
	local ms=$((($(now_ns) - $1) / 1000000))
	printf '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10))
}
t_all=$(now_ns)

# ---- the scratch install ----------------------------------------------------
# PREFIX and SYSCONFDIR point into $w, so the build-time hooks name the
# helper and config there; dracut gets a copy of its own tree (dracut reads
# modules from $dracutbasedir/modules.d) and initramfs-tools a CONFDIR whose
# hooks/ and scripts/ take ours.
conf=$w/etc/vfiobind.conf
good_conf='# tests/hooks: the GPU-shaped card of qemu-run.sh
0000:01:00
'
bad_conf='0000:01:00 bogus
zz
'
mkdir -p "$w/etc" "$w/dracut" "$w/itools/conf.d" "$w/empty"
printf '%s' "$good_conf" >"$conf"
chmod 0644 "$conf"
[ ! -d /usr/lib/dracut ] || cp -a /usr/lib/dracut/. "$w/dracut/"
"$make" -C "$repo" --no-print-directory install PREFIX="$w/usr" SYSCONFDIR="$w/etc" \
	DRACUTMODDIR="$w/dracut/modules.d" ITOOLSDIR="$w/itools" >"$w/install.log" 2>&1 ||
	bail "make install into $w failed: $(tail -n 5 "$w/install.log")"
vfiobind=$w/usr/bin/vfiobind
boot_flavour=$w/usr/lib/vfiobind/vfiobind-boot
[ -x "$vfiobind" ] || bail "no helper installed at $vfiobind"
[ -x "$boot_flavour" ] || bail "no boot flavour installed at $boot_flavour"
echo "# kernel: $KVER, work dir: $w, $jobs boots at a time"

# ---- boots ----------------------------------------------------------------
# boot NAME IMAGE KERNEL_ARGS [DISK]: start a boot in the background, at most
# $jobs at once; the serial log goes to $w/NAME.log, the exit status and
# wall time to NAME.rc and NAME.time.
boots=()
# What the image builds run under: nothing, or vr_ns (case vendor-reset).
wrap=()
boot() {
	local name=$1 image=$2 args=$3 disk=${4:-}
	local -a extra=(-smp 1)
	if [ -n "$disk" ]; then
		# Its own copy: guests never share a writable disk.
		cp --sparse=always "$disk" "$w/$name.disk"
		extra+=(-drive "file=$w/$name.disk,if=virtio,format=raw")
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	(
		t0=$(now_ns)
		rc=0
		"$boot/qemu-run.sh" -i "$image" -l "$w/$name.log" -t "$timeout_s" -a "quiet $args" \
			-- "${extra[@]}" >"$w/$name.qemu" 2>&1 || rc=$?
		echo "$rc" >"$w/$name.rc"
		secs_since "$t0" >"$w/$name.time"
	) &
	boots+=("$name")
}

# boot_three NAME IMAGE KERNEL_ARGS [DISK [BIND_ARGS]]: the three boots of
# an image; BIND_ARGS go to the bind boot only.
boot_three() {
	boot "$1-bind" "$2" "$3${5:+ $5}" "${4:-}"
	boot "$1-off" "$2" "$3 vfiobind=off" "${4:-}"
	boot "$1-error" "$2" "$3 vfiobind=zz" "${4:-}"
}

# A root file system for the images that switch root: busybox and
# root-init.sh as /sbin/init, made with mkfs.ext4 -d (no loop mount).
make_root() {
	local r=$w/rootfs applet
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp}
	cp /bin/busybox "$r/bin/busybox"
	/bin/busybox --list-full | while read -r applet; do
		[ "$applet" = bin/busybox ] || [ -e "$r/$applet" ] || ln -s /bin/busybox "$r/$applet"
	done
	install -m 0755 "$here/root-init.sh" "$r/sbin/init"
	# systemd's switch-root wants an OS tree.
	printf 'ID=vfiobind-test\nNAME="vfiobind test root"\n' >"$r/etc/os-release"
	mkfs.ext4 -q -F -L vfbroot -d "$r" "$w/root.img" 16M
}

builds=()
# timed NAME COMMAND...: run a build, note its time; its output in NAME.out.
timed() {
	local name=$1 t0 rc=0
	shift
	t0=$(now_ns)
	"$@" >"$w/$name.out" 2>&1 || rc=$?
	builds+=("$name $(secs_since "$t0") s")
	return "$rc"
}

# ---- install layout (DESTDIR) ------------------------------------------------
layout_ok() {
	local d=$w/destdir f rc=0
	for f in usr/bin/vfiobind:755 etc/vfiobind.conf:644 \
		usr/lib/initcpio/install/vfiobind:644 usr/lib/initcpio/hooks/vfiobind:644 \
		usr/lib/vfiobind/vfiobind-boot:755 usr/lib/vfiobind/vfiobind.service:644 \
		usr/lib/dracut/modules.d/90vfiobind/module-setup.sh:755 \
		usr/lib/dracut/modules.d/90vfiobind/vfiobind-pre-udev.sh:755 \
		usr/lib/dracut/modules.d/90vfiobind/vfiobind.service:644 \
		usr/share/initramfs-tools/hooks/vfiobind:755 \
		usr/share/initramfs-tools/scripts/init-top/00vfiobind:755; do
		if [ ! -f "$d/${f%:*}" ]; then
			echo "missing: /${f%:*}"
			rc=1
		elif [ "$(stat -c %a "$d/${f%:*}")" != "${f#*:}" ]; then
			echo "/${f%:*}: mode $(stat -c %a "$d/${f%:*}"), want ${f#*:}"
			rc=1
		fi
	done
	return "$rc"
}

layout_paths() {
	local d=$w/destdir f rc=0
	for f in usr/lib/initcpio/install/vfiobind usr/lib/dracut/modules.d/90vfiobind/module-setup.sh \
		usr/share/initramfs-tools/hooks/vfiobind; do
		if ! grep -qx 'vfiobind_bin=/usr/bin/vfiobind' "$d/$f" ||
			! grep -qx 'vfiobind_boot=/usr/lib/vfiobind/vfiobind-boot' "$d/$f" ||
			! grep -qx 'vfiobind_conf=/etc/vfiobind.conf' "$d/$f"; then
			echo "/$f does not name /usr/bin/vfiobind, /usr/lib/vfiobind/vfiobind-boot and /etc/vfiobind.conf:"
			grep '^vfiobind_' "$d/$f"
			rc=1
		fi
	done
	grep -qx 'vfiobind_unit=/usr/lib/vfiobind/vfiobind.service' \
		"$d/usr/lib/initcpio/install/vfiobind" || {
		echo "the mkinitcpio hook does not name /usr/lib/vfiobind/vfiobind.service"
		rc=1
	}
	return "$rc"
}

layout_keeps_conf() {
	echo '0000:05:00.0  # mine' >"$w/destdir/etc/vfiobind.conf"
	"$make" -C "$repo" --no-print-directory install DESTDIR="$w/destdir" PREFIX=/usr >/dev/null 2>&1 &&
		grep -qx '0000:05:00.0  # mine' "$w/destdir/etc/vfiobind.conf"
}

# The scratch install put its paths into the hooks, or none of the image
# tests below would run the installed helper.
scratch_paths() {
	grep -qx "vfiobind_bin=$w/usr/bin/vfiobind" "$w/dracut/modules.d/90vfiobind/module-setup.sh" &&
		grep -qx "vfiobind_boot=$w/usr/lib/vfiobind/vfiobind-boot" "$w/itools/hooks/vfiobind" &&
		grep -qx "vfiobind_conf=$w/etc/vfiobind.conf" "$w/itools/hooks/vfiobind" &&
		grep -qx "vfiobind_unit=$w/usr/lib/vfiobind/vfiobind.service" \
			"$w/usr/lib/initcpio/install/vfiobind"
}

case_install() {
	"$make" -C "$repo" --no-print-directory install DESTDIR="$w/destdir" PREFIX=/usr \
		>"$w/destdir.log" 2>&1 || true
	check "install: make install DESTDIR= PREFIX=/usr puts each file where its tool looks" layout_ok
	check "install: the build-time hooks name the helper, its boot flavour, config and unit by their installed paths" \
		layout_paths
	check "install: a second make install keeps an existing /etc/vfiobind.conf" layout_keeps_conf
	check "install: PREFIX/SYSCONFDIR are rewritten into the hooks (the scratch install)" scratch_paths
}

# ---- mkinitcpio: the real tool ------------------------------------------------
# mkinitcpio is not packaged for Debian: its v41 source (../shared/mkinitcpio
# beside the clone, MKINITCPIO_SRC) is staged under the build folder by
# stage-mkinitcpio.sh. On a host that has mkinitcpio (Arch), that one is
# used. Either way the images are built by the real tool from the scratch
# install's hooks (-D), for Debian's kernel.
mkcpio=
mkcpio_lib=
mkcpio_ls=
mkcpio_setup() {
	if command -v mkinitcpio >/dev/null && [ -d /usr/lib/initcpio/install ]; then
		mkcpio=$(command -v mkinitcpio)
		mkcpio_lib=/usr/lib/initcpio
		mkcpio_ls=$(command -v lsinitcpio)
	else
		mkcpio=$("$here/stage-mkinitcpio.sh" "${MKINITCPIO_SRC:-$repo/../shared/mkinitcpio}" \
			"${MKINITCPIO_STAGE:-$repo/build/mkinitcpio}") || return 1
		mkcpio_lib=${mkcpio%/bin/mkinitcpio}/lib/initcpio
		mkcpio_ls=${mkcpio%/mkinitcpio}/lsinitcpio
	fi
	echo "# mkinitcpio: $mkcpio ($("$mkcpio" -V 2>/dev/null | tr -d '\n'))"
}

# mkcpio_build NAME HOOKS [MODULES] [HOOKDIR] [MODPROBE_D]: build
# $w/NAME.img with the real mkinitcpio, output in NAME.out, exit status in
# NAME.rc. HOOKDIR replaces the scratch install's initcpio folder.
# MODPROBE_D is shown as /etc/modprobe.d to the build (a private mount
# namespace, so nothing of this host changes): what modconf copies into the
# image and what the vfiobind hook's check reads.
mkcpio_build() {
	local name=$1 hooks=$2 modules=${3:-} hookdir=${4:-$w/usr/lib/initcpio} mpd=${5:-} rc=0
	local -a cmd=("$mkcpio" -c "$w/$name.conf" -k "$KVER" -D "$mkcpio_lib" -D "$hookdir" -g "$w/$name.img")
	printf '%s\n' "MODULES=($modules)" "HOOKS=($hooks)" 'COMPRESSION=zstd' \
		"COMPRESSION_OPTIONS=(-3)" >"$w/$name.conf"
	rm -f "$w/$name.img"
	if [ -n "$mpd" ]; then
		local -a ns=(unshare --mount)
		[ "$(id -u)" = 0 ] || ns=(unshare --map-root-user --mount)
		# shellcheck disable=SC2016 # expanded by that sh
		timed "$name" "${ns[@]}" sh -c 'mount --bind "$1" /etc/modprobe.d && shift && exec "$@"' _ \
			"$mpd" "${cmd[@]}" || rc=$?
	else
		timed "$name" "${wrap[@]}" "${cmd[@]}" || rc=$?
	fi
	echo "$rc" >"$w/$name.rc"
}

# The image's files, one path per line (lsinitcpio, also mkinitcpio's).
mkcpio_list() {
	"$mkcpio_ls" "$w/$1.img" >"$w/$1.list" 2>&1
}

mkcpio_rc() {
	[ "$(cat "$w/$1.rc")" = "$2" ] && return 0
	echo "mkinitcpio exited $(cat "$w/$1.rc"), want $2; its output:"
	grep -v 'Possibly missing firmware' "$w/$1.out" | tail -n 25 | sed 's/^/  /'
	return 1
}

# out_has NAME TEXT: the build output has TEXT (fixed string).
out_has() {
	grep -qF -- "$2" "$w/$1.out" && return 0
	echo "no '$2' in the output of the $1 build:"
	grep -v 'Possibly missing firmware' "$w/$1.out" | tail -n 25 | sed 's/^/  /'
	return 1
}

# The runtime hook defines run_earlyhook and nothing else that add_runscript
# registers (mkinitcpio's funcgrep: `run_*()` at the start of a line).
runtime_hook_early_only() {
	local f
	f=$(grep -oE '^[[:space:]]*run_[[:alnum:]_]+\(\)' "$w/usr/lib/initcpio/hooks/vfiobind" |
		tr -d ' \t()' | sort -u | tr '\n' ' ')
	[ "$f" = "run_earlyhook " ] && return 0
	echo "runtime hook defines: ${f:-nothing}; want run_earlyhook only"
	return 1
}

# `mkinitcpio -H vfiobind` prints help(): both image kinds, and that the
# position in a systemd image does not matter (the README says the same).
hook_help() {
	local out
	# -H runs while the options are parsed, before -D takes effect: the
	# hook folders go in mkinitcpio's environment variable instead.
	out=$(MKINITCPIO_INSTALL="$w/usr/lib/initcpio/install:$mkcpio_lib/install" "$mkcpio" -H vfiobind 2>&1) || {
		echo "mkinitcpio -H vfiobind failed: $out"
		return 1
	}
	grep -q 'HOOKS=(base udev vfiobind' <<<"$out" && grep -q 'HOOKS=(base systemd vfiobind' <<<"$out" &&
		grep -q 'does not matter' <<<"$out" && return 0
	echo "help() does not say where the hook goes:"
	echo "$out"
	return 1
}

# The build's ERROR lines that do not come from vfiobind, sorted.
foreign_errors() {
	grep '^==> ERROR:' "$w/$1.out" | grep -v 'vfiobind' | sort
}

same_errors() {
	[ "$(foreign_errors "$1")" = "$(foreign_errors "$2")" ] &&
		! grep -q '^==> ERROR:.*vfiobind' "$w/$1.out" && return 0
	echo "errors of $1:"
	grep '^==> ERROR:' "$w/$1.out" | sed 's/^/  /'
	echo "errors of $2 (without vfiobind):"
	grep '^==> ERROR:' "$w/$2.out" | sed 's/^/  /'
	return 1
}

# The image's files, unpacked into $w/NAME.x.
mkcpio_extract() {
	local x=$w/$1.x
	rm -rf "$x" && mkdir -p "$x"
	(cd "$x" && "$mkcpio_ls" -x "$w/$1.img" >/dev/null 2>&1) || true
}

# A line of the build's config file inside the image (mkcpio_extract).
mkcpio_config_has() {
	local x=$w/$1.x
	grep -qE "$2" "$x/config" 2>/dev/null && return 0
	echo "no '$2' in the image's /config:"
	sed 's/^/  /' "$x/config" 2>/dev/null
	return 1
}

# marker_ok TREE REASON: an unpacked image built without binding: its
# /etc/vfiobind.d/disabled starts with REASON, it has the helper and no
# device list (nor a record).
marker_ok() {
	local x=$1 rc=0
	if [ ! -f "$x/etc/vfiobind.d/disabled" ]; then
		echo "no /etc/vfiobind.d/disabled in the image ($x)"
		return 1
	fi
	case $(head -n 1 "$x/etc/vfiobind.d/disabled") in
	"$2"*) ;;
	*)
		echo "the marker says: $(cat "$x/etc/vfiobind.d/disabled")"
		echo "want it to start with: $2"
		rc=1
		;;
	esac
	[ -x "$x/usr/bin/vfiobind" ] || {
		echo "no /usr/bin/vfiobind in the image"
		rc=1
	}
	[ ! -e "$x/etc/vfiobind.conf" ] || {
		echo "the image has /etc/vfiobind.conf"
		rc=1
	}
	[ ! -e "$x/etc/vfiobind.d/protected" ] || {
		echo "the image has a record"
		rc=1
	}
	return "$rc"
}

# The builds of images without binding, in every tool: BAD is typo (the
# bad config) or untrusted (the good one, world-writable). Each sets $conf
# back to the good config, mode 0644.
set_conf() {
	case $1 in
	typo) printf '%s' "$bad_conf" >"$conf" ;;
	untrusted) chmod 0666 "$conf" ;;
	*)
		printf '%s' "$good_conf" >"$conf"
		chmod 0644 "$conf"
		;;
	esac
}

# The reason each marker must start with.
disabled_why() {
	case $1 in
	typo) echo "vfiobind check failed on $conf ($conf:1: " ;;
	untrusted) echo "$conf is not trusted (owner or mode" ;;
	esac
}

# The build-time checks of image NAME (built from config BAD, exit status
# RC, unpacked in TREE): exit 0, the errors, the marker; then its boot.
disabled_build() {
	local name=$1 bad=$2 rc=$3 tree=$4 img=$5 args=$6
	check "$name: the build exits 0 although the config is $bad" test "$rc" = 0
	check "$name: ... an image is written" image_ok "$name" "$img"
	if [ "$bad" = typo ]; then
		check "$name: ... the checker's FILE:LINE: messages are in the build's output" \
			reports_checker_bad "$name.out"
	else
		check "$name: ... the build says the config is not trusted" out_has "$name" "vfiobind: $conf is not trusted"
	fi
	check "$name: ... and that the image binds nothing" out_has "$name" "vfiobind: the image is built without binding"
	check "$name: the image has the marker with the reason, the helper, no device list" \
		marker_ok "$tree" "$(disabled_why "$bad")"
	[ -s "$img" ] || return 0
	boot "$name" "$img" "$args" "$w/root.img"
	disabled+=("$name:$bad")
}
disabled=()

# The one boot of an image built without binding.
check_disabled_boot() {
	local b=${1%%:*} bad=${1#*:} a why
	why=$(disabled_why "$bad")
	split_log "$b"
	check "$b: the boot goes on to the report ($(cat "$w/$b.time") s)" booted "$b"
	check "$b: the kernel log says the image was built without binding, and why" \
		kmsg_has "$b" "vfiobind: the image was built without binding: $why"
	check "$b: ... and to rebuild after fixing it" kmsg_has "$b" "; rebuild after fixing it"
	check "$b: ... and the hook saw bind exit 3" kmsg_has "$b" "vfiobind: hook: vfiobind bind exited 3"
	check "$b: /run/vfiobind/status says why" grep -qF "status-file # disabled $why" "$w/$b.res"
	for a in "${card[@]}"; do
		check "$b: $a stays on ${host_driver[$a]}" driver_is "$b" "$a" "${host_driver[$a]}"
	done
	check "$b: $other on xhci_hcd" driver_is "$b" "$other" xhci_hcd
}

# Small images (no block or filesystem modules): what the install hook adds
# and what a broken setup does to the build.
case_mkinitcpio_build() {
	local nm=mkcpio-good hd=$w/nobin-hooks
	mkcpio_build "$nm" "base vfiobind"
	check "mkinitcpio-build: HOOKS=(base vfiobind) builds, exit 0" mkcpio_rc "$nm" 0
	mkcpio_list "$nm" || true
	mkcpio_extract "$nm"
	check "mkinitcpio-build: the installed helper is /usr/bin/vfiobind in the image" \
		listing_has "$w/$nm.list" '^usr/bin/vfiobind$'
	check "mkinitcpio-build: ... the boot flavour (PKGLIBDIR/vfiobind-boot)" \
		same_file "$w/$nm.x/usr/bin/vfiobind" "$boot_flavour"
	check "mkinitcpio-build: the config is /etc/vfiobind.conf" listing_has "$w/$nm.list" '^etc/vfiobind\.conf$'
	check "mkinitcpio-build: vfio-pci, vfio and vfio_iommu_type1 are in the image" \
		listing_has "$w/$nm.list" '/vfio/pci/vfio-pci\.ko'
	check "mkinitcpio-build: ... vfio_iommu_type1" listing_has "$w/$nm.list" '/vfio/vfio_iommu_type1\.ko'
	check "mkinitcpio-build: the runtime hook is /hooks/vfiobind (busybox images)" \
		listing_has "$w/$nm.list" '^hooks/vfiobind$'
	check "mkinitcpio-build: ... and /config runs it as an early hook" \
		mkcpio_config_has "$nm" "^EARLYHOOKS=.*vfiobind"
	check "mkinitcpio-build: the unit is in /usr/lib/systemd/system (systemd images)" \
		listing_has "$w/$nm.list" '^usr/lib/systemd/system/vfiobind\.service$'
	check "mkinitcpio-build: ... enabled by a sysinit.target.wants link" \
		listing_has "$w/$nm.list" '^usr/lib/systemd/system/sysinit\.target\.wants/vfiobind\.service$'
	mkcpio_build mkcpio-nosh "vfiobind"
	mkcpio_list mkcpio-nosh || true
	check "mkinitcpio-build: HOOKS=(vfiobind) without base still gets a shell for the unit" \
		listing_has "$w/mkcpio-nosh.list" '^usr/bin/sh$'
	check "mkinitcpio-build: the runtime hook defines run_earlyhook only" runtime_hook_early_only
	check "mkinitcpio-build: mkinitcpio -H vfiobind prints help(): where the hook goes" hook_help

	# A bad config never fails the build (exit 0): the checker's lines
	# are errors, and the image is built without binding, with the
	# marker that says why at boot.
	printf '%s' "$bad_conf" >"$conf"
	mkcpio_build mkcpio-bad "base vfiobind"
	printf '%s' "$good_conf" >"$conf"
	check "mkinitcpio-build: a config with errors: the build exits 0 all the same" mkcpio_rc mkcpio-bad 0
	check "mkinitcpio-build: ... saying the config has errors" \
		out_has mkcpio-bad "==> ERROR: vfiobind: $conf has errors"
	check "mkinitcpio-build: ... with the checker's FILE:LINE: messages" \
		mkcpio_reports_checker_bad mkcpio-bad
	check "mkinitcpio-build: ... and that the image binds nothing" \
		out_has mkcpio-bad "==> ERROR: vfiobind: the image is built without binding"
	mkcpio_extract mkcpio-bad
	check "mkinitcpio-build: ... the image has the marker with the reason, and no device list" \
		marker_ok "$w/mkcpio-bad.x" "vfiobind check failed on $conf ($conf:1: "

	mv "$conf" "$conf.away"
	mkcpio_build mkcpio-noconf "base vfiobind"
	mv "$conf.away" "$conf"
	check "mkinitcpio-build: no config: exit 0, saying there is none" mkcpio_rc mkcpio-noconf 0
	check "mkinitcpio-build: ... '==> ERROR: vfiobind: no device list at'" \
		out_has mkcpio-noconf "==> ERROR: vfiobind: no device list at $conf"
	mkcpio_extract mkcpio-noconf
	check "mkinitcpio-build: ... the marker says so" marker_ok "$w/mkcpio-noconf.x" "no device list at $conf"
	chmod 0666 "$conf"
	mkcpio_build mkcpio-untrusted "base vfiobind"
	chmod 0644 "$conf"
	check "mkinitcpio-build: a world-writable config: exit 0" mkcpio_rc mkcpio-untrusted 0
	check "mkinitcpio-build: ... saying it is not trusted" \
		out_has mkcpio-untrusted "==> ERROR: vfiobind: $conf is not trusted"
	mkcpio_extract mkcpio-untrusted
	check "mkinitcpio-build: ... the marker says so" marker_ok "$w/mkcpio-untrusted.x" "$conf is not trusted"

	# A [vm] section's mistake: one warning, one "WARNING" on the line.
	printf '%s\n' "$good_conf" '[vm x]' 'user = root' >"$conf"
	mkcpio_build mkcpio-vmwarn "base vfiobind"
	printf '%s' "$good_conf" >"$conf"
	check "mkinitcpio-build: a [vm] mistake is a warning, the build passes" mkcpio_rc mkcpio-vmwarn 0
	check "mkinitcpio-build: ... said once: '==> WARNING: vfiobind: FILE:LINE' (no second 'warning:')" \
		grep -qE "^==> WARNING: vfiobind: $conf:[0-9]+: " "$w/mkcpio-vmwarn.out"

	# The install hook as a broken install would leave it: no helper.
	mkdir -p "$hd/install" "$hd/hooks"
	sed "s|^vfiobind_bin=.*|vfiobind_bin=$w/usr/bin/no-such-vfiobind|" \
		"$w/usr/lib/initcpio/install/vfiobind" >"$hd/install/vfiobind"
	cp "$w/usr/lib/initcpio/hooks/vfiobind" "$hd/hooks/vfiobind"
	mkcpio_build mkcpio-nobin "base vfiobind" "" "$hd"
	check "mkinitcpio-build: no helper at BINDIR: exit 0 all the same" mkcpio_rc mkcpio-nobin 0
	check "mkinitcpio-build: ... saying so" out_has mkcpio-nobin "no helper at $w/usr/bin/no-such-vfiobind"
	mkcpio_extract mkcpio-nobin
	check "mkinitcpio-build: ... the marker says so" \
		marker_ok "$w/mkcpio-nobin.x" "no helper at $w/usr/bin/no-such-vfiobind"

	# No boot flavour: the image gets the host's helper, with a warning,
	# and the build passes.
	sed "s|^vfiobind_boot=.*|vfiobind_boot=$w/usr/lib/vfiobind/no-such-boot|" \
		"$w/usr/lib/initcpio/install/vfiobind" >"$hd/install/vfiobind"
	mkcpio_build mkcpio-noboot "base vfiobind" "" "$hd"
	check "mkinitcpio-build: no boot flavour: the build passes all the same" mkcpio_rc mkcpio-noboot 0
	check "mkinitcpio-build: ... warning once that the image gets the host's helper" \
		out_has mkcpio-noboot "==> WARNING: vfiobind: no boot flavour at $w/usr/lib/vfiobind/no-such-boot; the image gets $vfiobind instead"
	mkcpio_extract mkcpio-noboot
	check "mkinitcpio-build: ... which is /usr/bin/vfiobind in the image" \
		same_file "$w/mkcpio-noboot.x/usr/bin/vfiobind" "$vfiobind"
}

mkcpio_reports_checker_bad() {
	reports_checker_bad "$1.out"
}

# The two real images, booted like the others. Both carry the card's host
# drivers in MODULES; the busybox one is built with a leftover
# `options vfio-pci ids=` for the card's xHCI ID (1b36:000d, the ID of the
# undeclared 02:00.0 too) in /etc/modprobe.d, which modconf copies in.
bb_hooks="base udev vfiobind modconf keyboard block filesystems fsck"
sd_hooks="base systemd vfiobind modconf kms keyboard sd-vconsole block filesystems fsck"
# The images built without binding (a typo, an untrusted config) only have
# to boot to the report: base, udev and the hook, with the root's and the
# card's drivers in MODULES instead of the autodetect-less block and
# filesystems hooks (which add every storage driver: 77-81 s a build here,
# against 24-29 s).
bb_small_hooks="base udev vfiobind modconf"
leftover=/etc/modprobe.d/vfio-leftover.conf
leftover_line='options vfio-pci ids=1b36:000d disable_vga=1'

case_mkinitcpio_busybox() {
	local nm=mkinitcpio-busybox mpd=$w/modprobe.d
	mkdir -p "$mpd"
	[ ! -d /etc/modprobe.d ] || cp -a /etc/modprobe.d/. "$mpd/"
	# Only the ids= line: with the manual setup's `softdep drm pre:
	# vfio-pci` left too, modprobe loads vfio-pci with ids= whenever
	# vfiobind does not (vfiobind=off, a config error), as it did before.
	printf '%s\n' '# left over from the manual setup' "$leftover_line" >"$mpd/${leftover##*/}"
	mkcpio_build "$nm" "$bb_hooks" "${host_modules[*]}" "" "$mpd"
	check "$nm: HOOKS=($bb_hooks) builds, exit 0" mkcpio_rc "$nm" 0
	[ -s "$w/$nm.img" ] || return 0
	mkcpio_list "$nm" || true
	check "$nm: modconf copied the leftover ids= line into the image" \
		listing_has "$w/$nm.list" "^${leftover#/}\$"
	check "$nm: the build warns about it, naming the file and line" \
		out_has "$nm" "==> WARNING: vfiobind: $leftover:2: vfio-pci ids=1b36:000d is ignored"
	boot_three "$nm" "$w/$nm.img" "$root_args" "$w/root.img"

	local bad
	for bad in typo untrusted; do
		set_conf "$bad"
		mkcpio_build "$nm-$bad" "$bb_small_hooks" "$image_drivers"
		set_conf good
		mkcpio_extract "$nm-$bad"
		disabled_build "$nm-$bad" "$bad" "$(cat "$w/$nm-$bad.rc")" "$w/$nm-$bad.x" "$w/$nm-$bad.img" "$root_args"
	done
}

case_mkinitcpio_systemd() {
	local nm=mkinitcpio-systemd
	mkcpio_build "$nm" "$sd_hooks" "${host_modules[*]}"
	# Debian 12's systemd 252 and kbd differ from Arch's: the same errors
	# come without vfiobind (../shared/mkinitcpio/README.md), so compare.
	mkcpio_build "$nm-ref" "${sd_hooks/vfiobind /}" "${host_modules[*]}"
	check "$nm: HOOKS=($sd_hooks) builds an image" image_ok "$nm" "$w/$nm.img"
	check "$nm: ... with no error but those of the same build without vfiobind" same_errors "$nm" "$nm-ref"
	[ -s "$w/$nm.img" ] || return 0
	mkcpio_list "$nm" || true
	check "$nm: the image has vfiobind.service, enabled" \
		listing_has "$w/$nm.list" 'sysinit\.target\.wants/vfiobind\.service$'
	boot_three "$nm" "$w/$nm.img" "$root_args" "$w/root.img"
}

# The leftover ids= line, at boot: the helper named it in the kernel log,
# loaded vfio-pci with the other option only, and the undeclared function
# with that ID stayed with its host driver (check_boots checks 02:00.0).
check_leftover() {
	local b=$1-bind
	check "$1: the helper's warning names $leftover:2 in the kernel log" \
		kmsg_has "$b" "vfiobind: $leftover:2: vfio-pci ids=1b36:000d is ignored"
	check "$1: vfio-pci loaded with disable_vga=1 and without ids=" \
		kmsg_has "$b" "vfiobind: loading module vfio_pci with options disable_vga=1"
	check "$1: vfio_pci's disable_vga parameter is Y" \
		grep -qx 'param vfio_pci.disable_vga=Y' "$w/$b.res"
	check "$1: no undeclared function on vfio-pci (no error from the check after binding)" \
		kmsg_lacks "$b" "vfiobind did not bind it"
}

# ---- result parsing -----------------------------------------------------------
# For boot NAME: $w/NAME.res (result lines without the tag) and NAME.dmesg.
split_log() {
	guest_report "$w/$1.log" >"$w/$1.res"
	tr -d '\r' <"$w/$1.log" | sed -n '/^VFIOBIND-DMESG-BEGIN$/,/^VFIOBIND-DMESG-END$/p' >"$w/$1.dmesg"
}

booted() {
	local rc
	rc=$(cat "$w/$1.rc" 2>/dev/null || echo missing)
	[ "$rc" = 0 ] && grep -qx 'done' "$w/$1.res" && return 0
	case $rc in
	124) echo "QEMU timed out (${timeout_s}s)" ;;
	0) echo "the guest powered off before the report was done" ;;
	*) echo "qemu-run.sh exit $rc: $(tail -n 2 "$w/$1.qemu")" ;;
	esac
	echo "serial log tail ($w/$1.log):"
	tr -d '\r' <"$w/$1.log" | grep -av '^VFIOBIND-TEST: module' | tail -n 20 | sed 's/^/  /'
	return 1
}

# driver_is NAME ADDR WANT: in boot NAME, ADDR ended on WANT.
driver_is() {
	guest_driver_is "$w/$1.res" "$2" "$3"
}

no_probe_line() {
	local pat
	pat=$(probe_line "$2")
	! grep -qE "$pat" "$w/$1.dmesg" && return 0
	echo "the kernel log has the host driver's probe of $2:"
	grep -E "$pat" "$w/$1.dmesg" | head -n 5 | sed 's/^/  /'
	return 1
}

has_probe_line() {
	grep -qE "$(probe_line "$2")" "$w/$1.dmesg" && return 0
	echo "no probe line '$(probe_line "$2")' for $2 in the kernel log"
	return 1
}

modules_loaded() {
	local m rc=0
	for m in "${host_modules[@]}"; do
		grep -qx "module $m" "$w/$1.res" || {
			echo "module $m not loaded"
			rc=1
		}
	done
	return "$rc"
}

# kmsg_ts NAME PATTERN: timestamp (seconds, as in [   1.234567]) of the
# first (or with a third argument, last) kernel log line matching PATTERN.
kmsg_ts() {
	local l
	if [ -n "${3:-}" ]; then
		l=$(grep -E "$2" "$w/$1.dmesg" | tail -n 1)
	else
		l=$(grep -E -m 1 "$2" "$w/$1.dmesg")
	fi
	sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\].*/\1/p' <<<"$l"
}

# The helper's last kernel log line comes before coldplug probed 02:00.0.
before_coldplug() {
	local t_helper t_cold
	t_helper=$(kmsg_ts "$1" '\] vfiobind: [^h]' last)
	t_cold=$(kmsg_ts "$1" "xhci_hcd $other:")
	[ -n "$t_helper" ] || {
		echo "no vfiobind line in the kernel log"
		return 1
	}
	[ -n "$t_cold" ] || {
		echo "no coldplug probe of $other in the kernel log"
		return 1
	}
	awk -v a="$t_helper" -v b="$t_cold" 'BEGIN { exit !(a < b) }' && return 0
	echo "the helper's last line is at $t_helper s, coldplug probed $other at $t_cold s"
	return 1
}

kmsg_has() {
	grep -qF -- "$2" "$w/$1.dmesg" && return 0
	echo "no '$2' in the kernel log; its vfiobind lines:"
	grep -F 'vfiobind' "$w/$1.dmesg" | sed 's/^/  /'
	return 1
}

kmsg_lacks() {
	! grep -qF -- "$2" "$w/$1.dmesg" && return 0
	echo "unexpected in the kernel log:"
	grep -F -- "$2" "$w/$1.dmesg" | sed 's/^/  /'
	return 1
}

# The checks on the three boots of image NAME.
check_boots() {
	local name=$1 what=$2 b a
	for b in bind off error; do
		split_log "$name-$b"
	done

	b=$name-bind
	check "$name: bind boot reached the report and powered off ($(cat "$w/$b.time") s)" booted "$b"
	for a in "${card[@]}"; do
		check "$name: $a on vfio-pci" driver_is "$b" "$a" vfio-pci
		check "$name: $a never probed by ${host_driver[$a]} (no probe line)" no_probe_line "$b" "$a"
	done
	check "$name: coldplug loaded ${host_modules[*]} all the same" modules_loaded "$b"
	check "$name: coldplug bound undeclared $other to xhci_hcd" driver_is "$b" "$other" xhci_hcd
	check "$name: $what finished before coldplug probed $other" before_coldplug "$b"
	check "$name: the helper exited 0 (no hook line)" kmsg_lacks "$b" "vfiobind: hook:"
	check "$name: /run/vfiobind/status says bound for the card" guest_status_bound "$w/$b.res" "${card[@]}"

	b=$name-off
	check "$name: vfiobind=off boot reached the report ($(cat "$w/$b.time") s)" booted "$b"
	check "$name: vfiobind=off: the helper says it binds nothing" \
		kmsg_has "$b" "vfiobind=off on the kernel command line"
	for a in "${card[@]}"; do
		check "$name: vfiobind=off: $a on ${host_driver[$a]}" driver_is "$b" "$a" "${host_driver[$a]}"
	done

	b=$name-error
	check "$name: vfiobind=zz (exit 3) boot goes on to the report ($(cat "$w/$b.time") s)" booted "$b"
	check "$name: vfiobind=zz: the hook's line is in the kernel log" \
		kmsg_has "$b" "vfiobind: hook: vfiobind bind exited 3"
	check "$name: vfiobind=zz: $other still probed by its host driver" has_probe_line "$b" "$other"
	for a in "${card[@]}"; do
		check "$name: vfiobind=zz: $a left to ${host_driver[$a]}" driver_is "$b" "$a" "${host_driver[$a]}"
	done
}

# ---- image builds ---------------------------------------------------------------
image_ok() {
	[ -s "$2" ] && return 0
	echo "the build failed; its output:"
	tail -n 25 "$w/$1.out" | sed 's/^/  /'
	return 1
}

# same_file GOT WANT: GOT, a file taken out of an image, is WANT byte for byte.
same_file() {
	cmp -s "$1" "$2" && return 0
	echo "$1 ($(stat -c %s "$1" 2>/dev/null || echo missing) bytes) is not $2 ($(stat -c %s "$2") bytes)"
	return 1
}

# listing_has IMAGE-LISTING PATTERN
listing_has() {
	grep -qE "$2" "$1" && return 0
	echo "no '$2' in the image ($1)"
	return 1
}

listing_lacks() {
	! grep -qE "$2" "$1" && return 0
	echo "the image has '$2':"
	grep -E "$2" "$1" | sed 's/^/  /'
	return 1
}

dracut_build() {
	# $1 output, rest: dracut arguments. Host-independent: no host-only,
	# no /etc/dracut.conf*, only the modules named; the host drivers and
	# the root's virtio/ext4 by --drivers. Debian's binaries are stripped
	# already, and dracut's default zstd -15 takes most of the build time:
	# --nostrip and zstd -3 make it a few seconds.
	local out=$1
	shift
	"${wrap[@]}" env dracutbasedir="$w/dracut" dracut -q --force --no-hostonly --conf /dev/null --confdir "$w/empty" \
		--kver "$KVER" --drivers "$image_drivers" --nostrip --compress "zstd -3 -q -T0" "$@" "$out"
}

shell_mods="bash base rootfs-block kernel-modules udev-rules vfiobind"
systemd_mods="systemd systemd-initrd dracut-systemd $shell_mods"
dracut_args="$root_args rd.skipfsck rd.shell=0 rd.emergency=poweroff"

case_dracut_shell() {
	local img=$w/dracut-shell.img
	timed dracut-shell dracut_build "$img" -m "$shell_mods" --omit systemd || true
	check "dracut-shell: dracut --omit systemd builds an image with the module" image_ok dracut-shell "$img"
	[ -s "$img" ] || return 0
	lsinitrd "$img" >"$w/dracut-shell.list" 2>&1 || true
	check "dracut-shell: the image has the pre-udev hook" \
		listing_has "$w/dracut-shell.list" 'lib/dracut/hooks/pre-udev/00-vfiobind-pre-udev\.sh'
	check "dracut-shell: ... and not the unit" listing_lacks "$w/dracut-shell.list" 'vfiobind\.service'
	check "dracut-shell: the image has /usr/bin/vfiobind, /etc/vfiobind.conf and vfio-pci" \
		listing_has "$w/dracut-shell.list" 'usr/bin/vfiobind$'
	lsinitrd -f usr/bin/vfiobind "$img" >"$w/dracut-shell.vfiobind" 2>/dev/null || true
	check "dracut-shell: /usr/bin/vfiobind is the boot flavour (PKGLIBDIR/vfiobind-boot)" \
		same_file "$w/dracut-shell.vfiobind" "$boot_flavour"
	check "dracut-shell: --no-hostonly: a generic image carries no record of this host" \
		listing_lacks "$w/dracut-shell.list" 'etc/vfiobind\.d/protected'
	boot_three dracut-shell "$img" "$dracut_args" "$w/root.img"
}

case_dracut_systemd() {
	local img=$w/dracut-systemd.img
	timed dracut-systemd dracut_build "$img" -m "$systemd_mods" || true
	check "dracut-systemd: dracut with systemd builds an image with the module" image_ok dracut-systemd "$img"
	[ -s "$img" ] || return 0
	lsinitrd "$img" >"$w/dracut-systemd.list" 2>&1 || true
	check "dracut-systemd: the image has vfiobind.service, enabled in sysinit.target.wants" \
		listing_has "$w/dracut-systemd.list" 'sysinit\.target\.wants/vfiobind\.service'
	check "dracut-systemd: ... and not the pre-udev hook" \
		listing_lacks "$w/dracut-systemd.list" 'pre-udev/[0-9]*-vfiobind'
	# rd.driver.pre makes dracut-cmdline.service load the card's host
	# drivers at once: the unit is ordered before it.
	boot_three dracut-systemd "$img" "$dracut_args" "$w/root.img" "rd.driver.pre=bochs,snd_hda_intel"
}

# A config with a typo (a shell image) and a world-writable one (a systemd
# image): each build exits 0 and writes an image without binding.
dracut_bad() {
	local bad nm img rc
	for bad in typo untrusted; do
		nm=dracut-$bad img=$w/dracut-$bad.img rc=0
		set_conf "$bad"
		if [ "$bad" = typo ]; then
			timed "$nm" dracut_build "$img" -m "$shell_mods" --omit systemd || rc=$?
		else
			timed "$nm" dracut_build "$img" -m "$systemd_mods" || rc=$?
		fi
		set_conf good
		rm -rf "$w/$nm.x" && mkdir -p "$w/$nm.x"
		[ ! -s "$img" ] || (cd "$w/$nm.x" && lsinitrd --unpack "$img" >/dev/null 2>&1) || true
		disabled_build "$nm" "$bad" "$rc" "$w/$nm.x" "$img" "$dracut_args"
	done
}

# Compare against the checker's lines for the bad config (written again,
# since $conf holds the good one by now).
reports_checker_bad() {
	local d=$w/checker
	mkdir -p "$d"
	printf '%s' "$bad_conf" >"$d/vfiobind.conf"
	chmod 0644 "$d/vfiobind.conf"
	# The build named $conf; the checker names the file it is given.
	"$vfiobind" check "$d/vfiobind.conf" 2>&1 >/dev/null |
		sed "s|^$d/vfiobind.conf|$conf|" >"$d/expected"
	[ -s "$d/expected" ] || {
		echo "vfiobind check printed nothing for the bad config"
		return 1
	}
	local line rc=0
	while IFS= read -r line; do
		grep -qF -- "$line" "$w/$1" || {
			echo "missing from the build output: $line"
			rc=1
		}
	done <"$d/expected"
	[ "$rc" = 0 ] || sed 's/^/  output: /' "$w/$1"
	return "$rc"
}

itools_build() {
	"${wrap[@]}" mkinitramfs -d "$w/itools" -o "$1" "$KVER"
}

# A CONFDIR of our own: only the modules the test needs, no resume device of
# this host's, fast compression. Our hook and init-top script are already in
# it (ITOOLSDIR).
itools_conf() {
	printf '%s\n' 'MODULES=list' 'BUSYBOX=auto' 'COMPRESS=zstd' 'COMPRESSLEVEL=1' \
		'RUNSIZE=10%' 'FSTYPE=auto' >"$w/itools/initramfs.conf"
	echo 'RESUME=none' >"$w/itools/conf.d/resume"
	# One module per line; the list is split on purpose.
	# shellcheck disable=SC2086
	printf '%s\n' $image_drivers >"$w/itools/modules"
}

# init-top runs in the order of the ORDER file mkinitramfs wrote.
itools_order() {
	local order
	order=$(sed -n 's|^/scripts/init-top/\([^ ]*\) .*|\1|p' "$1" | tr '\n' ' ')
	case " $order" in
	*" 00vfiobind "*" udev "*) return 0 ;;
	esac
	echo "init-top order: $order"
	return 1
}

case_initramfs_tools() {
	local img=$w/initramfs-tools.img
	itools_conf
	timed initramfs-tools itools_build "$img" || true
	check "initramfs-tools: mkinitramfs -d CONFDIR builds an image with the hook" \
		image_ok initramfs-tools "$img"
	[ -s "$img" ] || return 0
	rm -rf "$w/itools-x"
	unmkinitramfs "$img" "$w/itools-x" >/dev/null 2>&1 || true
	local main=$w/itools-x
	[ ! -d "$main/main" ] || main=$main/main
	check "initramfs-tools: init-top/00vfiobind runs before init-top/udev" \
		itools_order "$main/scripts/init-top/ORDER"
	check "initramfs-tools: the image has /usr/bin/vfiobind and /etc/vfiobind.conf" \
		test -x "$main/usr/bin/vfiobind" -a -f "$main/etc/vfiobind.conf"
	check "initramfs-tools: /usr/bin/vfiobind is the boot flavour (PKGLIBDIR/vfiobind-boot)" \
		same_file "$main/usr/bin/vfiobind" "$boot_flavour"
	check "initramfs-tools: the image has vfio-pci" \
		test -n "$(find "$main/usr/lib/modules/$KVER" -name 'vfio-pci.ko*' 2>/dev/null)"
	# mkinitramfs builds for the machine it runs on: the record of what this
	# host needs (vfiobind check --record) goes into the image.
	check "initramfs-tools: the image carries the build's record, /etc/vfiobind.d/protected" \
		test -f "$main/etc/vfiobind.d/protected" -a -f "$main/etc/vfiobind.d/blockers"
	boot_three initramfs-tools "$img" "$root_args fsck.mode=skip" "$w/root.img"

	local bad nm x rc
	for bad in typo untrusted; do
		nm=initramfs-tools-$bad x=$w/initramfs-tools-$bad.x rc=0
		set_conf "$bad"
		timed "$nm" itools_build "$w/$nm.img" || rc=$?
		set_conf good
		rm -rf "$x"
		unmkinitramfs "$w/$nm.img" "$x" >/dev/null 2>&1 || true
		[ ! -d "$x/main" ] || x=$x/main
		disabled_build "$nm" "$bad" "$rc" "$x" "$w/$nm.img" "$root_args fsck.mode=skip"
	done
}

# ---- vendor-reset -------------------------------------------------------------
# vendor-reset (gnif/vendor-reset, built by dkms) in the kernel's module tree:
# each tool's hook adds it. The module is the kernel's own dummy.ko copied as
# updates/vendor-reset.ko, shown to the builds by an overlay on
# /lib/modules/KVER in a private mount namespace, where depmod writes its
# index into the overlay's upper folder (once: later mounts show it): this
# host's module tree is never written. The images are not booted: the kernel would load the copy under
# its own name (dummy), and bind's use of the module (loaded before
# reset_method device_specific) is proven on the kernel model (fixture
# reset-bind). Every other image of this suite is built without it.
vr_ns() {
	# shellcheck disable=SC2016 # expanded by that sh
	unshare --mount --propagation private sh -c '
		mount -t overlay vfiobind-vr -o "lowerdir=/lib/modules/$1,upperdir=$2/upper,workdir=$2/work" \
			"/lib/modules/$1" && { [ -e "$2/upper/modules.dep" ] || depmod "$1"; } &&
			shift 2 && exec "$@"' _ "$KVER" "$w/vr" "$@"
}

# vr_has NAME LISTING: the image's listing holds vendor-reset.ko (any
# compression), and says where.
vr_has() {
	grep -qE 'updates/vendor-reset\.ko' "$2" && return 0
	echo "$1: no updates/vendor-reset.ko in the image; vendor lines of its listing:"
	grep -i vendor "$2" | sed 's/^/  /'
	return 1
}

vr_visible() {
	vr_ns modinfo -k "$KVER" vendor-reset >/dev/null || {
		echo "modinfo -k $KVER vendor-reset: not found in the overlay"
		return 1
	}
	! modinfo -k "$KVER" vendor-reset >/dev/null 2>&1 && return 0
	echo "this host has vendor-reset for $KVER: the images without it cannot be told apart"
	return 1
}

case_vendor_reset() {
	local src x
	if [ "$(id -u)" != 0 ]; then
		ok "vendor-reset: # SKIP needs root (a mount namespace with an overlay on /lib/modules/$KVER)"
		return 0
	fi
	src=$(find "/lib/modules/$KVER/kernel" -name 'dummy.ko*' -print -quit)
	[ -n "$src" ] || bail "no dummy.ko in /lib/modules/$KVER to stand in for vendor-reset"
	rm -rf "$w/vr" && mkdir -p "$w/vr/upper/updates" "$w/vr/work"
	cp "$src" "$w/vr/upper/updates/vendor-reset.ko${src##*/dummy.ko}"
	check "vendor-reset: modinfo finds the module in the overlay, and not on this host" vr_visible
	wrap=(vr_ns)

	mkcpio_build vr-mkinitcpio "base vfiobind"
	mkcpio_list vr-mkinitcpio || true
	check "vendor-reset: mkinitcpio: the hook adds it" vr_has mkinitcpio "$w/vr-mkinitcpio.list"

	timed vr-dracut dracut_build "$w/vr-dracut.img" -m "$shell_mods" --omit systemd || true
	lsinitrd "$w/vr-dracut.img" >"$w/vr-dracut.list" 2>&1 || true
	check "vendor-reset: dracut: the module adds it" vr_has dracut "$w/vr-dracut.list"

	itools_conf
	timed vr-itools itools_build "$w/vr-itools.img" || true
	x=$w/vr-itools.x
	rm -rf "$x"
	unmkinitramfs "$w/vr-itools.img" "$x" >/dev/null 2>&1 || true
	(cd "$x" && find . -type f) >"$w/vr-itools.list" 2>&1 || true
	check "vendor-reset: initramfs-tools: the hook adds it" vr_has initramfs-tools "$w/vr-itools.list"
	check "vendor-reset: initramfs-tools: ... and says so" \
		listing_has "$w/vr-itools.out" '^I: vfiobind: vendor-reset added$'
	wrap=()
	if [ -s "$w/dracut-shell.list" ]; then
		check "vendor-reset: without it in the tree, no image has it (dracut-shell)" \
			listing_lacks "$w/dracut-shell.list" 'vendor-reset'
	fi
}

# ---- run ----------------------------------------------------------------------

want install && case_install
if want mkinitcpio-build || want mkinitcpio-busybox || want mkinitcpio-systemd || want vendor-reset; then
	mkcpio_setup >"$w/mkinitcpio-stage.log" 2>&1 ||
		bail "cannot stage mkinitcpio: $(tail -n 5 "$w/mkinitcpio-stage.log")"
	cat "$w/mkinitcpio-stage.log"
fi
want mkinitcpio-build && case_mkinitcpio_build
if want mkinitcpio-busybox || want mkinitcpio-systemd || want dracut-shell || want dracut-systemd ||
	want initramfs-tools; then
	make_root >"$w/rootfs.log" 2>&1 || bail "cannot make the root image: $(cat "$w/rootfs.log")"
fi
# Images first, each image's boots start as soon as it exists.
want mkinitcpio-busybox && case_mkinitcpio_busybox
want mkinitcpio-systemd && case_mkinitcpio_systemd
want initramfs-tools && case_initramfs_tools
want dracut-shell && case_dracut_shell
want dracut-systemd && case_dracut_systemd
if want dracut-shell || want dracut-systemd; then
	dracut_bad
fi
want vendor-reset && case_vendor_reset
echo "# waiting for ${#boots[@]} boots"
wait

if want mkinitcpio-busybox && [ -s "$w/mkinitcpio-busybox.img" ]; then
	check_boots mkinitcpio-busybox "run_earlyhook"
	check_leftover mkinitcpio-busybox
fi
want mkinitcpio-systemd && [ -s "$w/mkinitcpio-systemd.img" ] && check_boots mkinitcpio-systemd "vfiobind.service"
want initramfs-tools && [ -s "$w/initramfs-tools.img" ] && check_boots initramfs-tools "init-top/00vfiobind"
want dracut-shell && [ -s "$w/dracut-shell.img" ] && check_boots dracut-shell "the pre-udev hook"
want dracut-systemd && [ -s "$w/dracut-systemd.img" ] && check_boots dracut-systemd "vfiobind.service"
for b in "${disabled[@]}"; do
	check_disabled_boot "$b"
done

for b in "${builds[@]}"; do
	echo "# build time: $b"
done
for b in "${boots[@]}"; do
	echo "# boot wall time: $b $(cat "$w/$b.time" 2>/dev/null || echo ?) s"
done
echo "# total: $(secs_since "$t_all") s"
if [ "$tap_failed" -eq 0 ] && [ -z "${KEEP:-}" ] && [ -z "${HOOK_TEST_DIR:-}" ]; then
	rm -rf "$w"
else
	echo "# logs kept in $w"
fi
summary
