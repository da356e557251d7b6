# shellcheck shell=sh
# init-lib.sh - the start every test image's /init shares (busybox ash):
# mkinitramfs.sh puts it in each image as /lib/vfiobind-test/init-lib.sh,
# and the /init sources it after setting $tag, the prefix of its result
# lines on the serial console (VFIOBIND-TEST:, VFIOBIND-LATE:, ...).

export PATH=/usr/sbin:/usr/bin:/sbin:/bin

# guest_mounts: /proc, /sys, /dev (devtmpfs) and a tmpfs on /run (0755,
# nosuid, nodev, as initramfs-tools mounts it), as an initramfs has them
# before any hook runs.
guest_mounts() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
}

# guest_quiet: kernel messages off the console, where they would cut into
# the result lines; the images that need them dump dmesg at the end.
guest_quiet() {
	echo 1 >/proc/sys/kernel/printk
}

# say WORDS: one result line. ($tag is the sourcing /init's.)
# shellcheck disable=SC2154
say() {
	echo "$tag $*"
}
