#!/bin/sh
# /init of the mkinitcpio-style test image (busybox ash). mkinitcpio is not
# packaged for Debian, so this does what mkinitcpio's /init does up to the
# point where it would mount the root, in the same order and with the same
# hook runner (init and init_functions of archlinux/mkinitcpio):
#
#   mount_setup; . /config
#   run_hookfunctions 'run_earlyhook' 'early hook' $EARLYHOOKS
#   modprobe -qab $MODULES
#   run_hookfunctions 'run_hook' 'hook' $HOOKS
#
# then hands over to the reporter (root-init.sh, at /report), which prints
# what the guest ended up with and powers off. /config is written by the
# test the way mkinitcpio writes it: EARLYHOOKS lists, in HOOKS order, the
# runtime hooks that define run_earlyhook; HOOKS those that define run_hook.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin

# mount_setup
mount -t proc proc /proc -o nosuid,noexec,nodev
mount -t sysfs sys /sys -o nosuid,noexec,nodev
mount -t devtmpfs dev /dev -o mode=0755,nosuid
mount -t tmpfs run /run -o nosuid,nodev,mode=0755
mkdir -m755 /run/initramfs

# run_hookfunctions as in init_functions: a hook counts only if its file is
# executable (add_runscript installs it 0755), the function is unset before
# each file is sourced, and a file without the function is skipped.
run_hookfunctions() {
	rh_fn=$1
	rh_desc=$2
	shift 2
	for rh_hook in "$@"; do
		[ -x "/hooks/$rh_hook" ] || continue
		unset "$rh_fn"
		# shellcheck disable=SC1090
		. "/hooks/$rh_hook"
		type "$rh_fn" >/dev/null || continue
		echo ":: running $rh_desc [$rh_hook]"
		"$rh_fn"
	done
}

# shellcheck disable=SC1091
. /config

# Word splitting of the lists is intended, as in mkinitcpio's /init.
# shellcheck disable=SC2086
run_hookfunctions 'run_earlyhook' 'early hook' $EARLYHOOKS

if [ -n "$MODULES" ]; then
	# shellcheck disable=SC2086
	modprobe -qab $MODULES
fi

# shellcheck disable=SC2086
run_hookfunctions 'run_hook' 'hook' $HOOKS

exec /report
