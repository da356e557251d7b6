#!/bin/sh
# /init of the end-to-end test's initramfs (busybox ash): what a real
# initramfs does for vfiobind, then the switch to a real root where
# systemd is PID 1.
#
#   1. `vfiobind bind` with /etc/vfiobind.conf of the image: the card goes
#      to vfio-pci before anything else could claim it (the config also
#      holds the [vm e2e] section, which bind must ignore);
#   2. the root: this host's / shared read-only over 9p (mount tag
#      hostroot), a tmpfs overlay on top, tmpfs on /tmp and /var/tmp
#      (systemd-tmpfiles would otherwise empty the host's /tmp into the
#      overlay, over 9p, for minutes), and the staged files (tag stage:
#      `make install` output, the test's config, unit and inner guest)
#      copied in;
#   3. the test user, the host's own enabled units left out (only the
#      stage's are enabled), /.dockerenv hidden (systemd would think it
#      runs in a container);
#   4. /run (with /run/vfiobind/status), /dev, /sys, /proc moved into the
#      new root, as initramfs-tools and dracut do, and switch_root to
#      systemd.
# Progress goes to the serial console as `VFIOBIND-E2E: ...` lines.

tag='VFIOBIND-E2E:'
# shellcheck source=../boot/init-lib.sh
. /lib/vfiobind-test/init-lib.sh
guest_mounts

die() {
	say "initramfs: $*"
	echo "VFIOBIND-E2E-FATAL"
	poweroff -f
}

# The storage case (test-vm.sh, second boot): this image carries the
# record the first boot's build-time check wrote; bind must refuse the
# virtio disk's function by it. Before the card's bind, which then writes
# the status file.
if [ -f /etc/vfiobind-storage.conf ]; then
	vfiobind -q -c /etc/vfiobind-storage.conf bind
	say "initramfs: storage bind rc=$?"
fi
vfiobind -q bind
say "initramfs: vfiobind bind rc=$?"
for d in /sys/bus/pci/devices/0000:01:00.*; do
	say "initramfs: ${d##*/} driver=$(basename "$(readlink "$d/driver" 2>/dev/null || echo none)")"
done

for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe "$m" || die "modprobe $m failed"
done
mkdir -p /lower /stage /ovl /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower ||
	die "cannot mount the host's root (9p tag hostroot)"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 stage /stage ||
	die "cannot mount the stage (9p tag stage)"
mount -t tmpfs -o mode=0755 tmpfs /ovl
mkdir -p /ovl/upper /ovl/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/ovl/upper,workdir=/ovl/work /newroot ||
	die "cannot mount the overlay"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /newroot/tmp
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /newroot/var/tmp

# The host's enabled units stay home: this boot runs the stage's.
rm -rf /newroot/etc/systemd/system/*.wants /newroot/.dockerenv
cp -a /stage/. /newroot/ || die "cannot copy the stage"
umount /stage
echo "vfiobind-e2e:x:4242:4242:vfiobind end-to-end test:/nonexistent:/usr/sbin/nologin" >>/newroot/etc/passwd
echo "vfiobind-e2e:x:4242:" >>/newroot/etc/group
echo "vfiobind-e2e:!:19000::::::" >>/newroot/etc/shadow
say "initramfs: root ready, switching to systemd"

for m in run dev sys proc; do
	mount -o move "/$m" "/newroot/$m" || die "cannot move /$m"
done
exec switch_root /newroot /lib/systemd/systemd
