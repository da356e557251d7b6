/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * storage.h - the storage guard: which disks sit below a PCI function, what
 * is on them, and whether the host needs any of them.
 *
 * A disk is below a function when the function's sysfs directory is on the
 * disk's device path (/sys/class/block/NAME resolves to
 * /sys/devices/pci0000:00/.../0000:04:00.0/nvme/nvme0/nvme0n1); partitions
 * sit below their disk; device-mapper and md devices sit on whatever their
 * slaves/ links name (Documentation/ABI/stable/sysfs-block). The guard
 * goes the other way: from what the host needs (root=, resume=, the
 * mounted filesystems in /proc/self/mountinfo, the active swap in
 * /proc/swaps, /etc/fstab) down the slaves/ links to the disks and the PCI
 * functions on their paths, all under the root prefix. The three tables are
 * read with libmount (util-linux's parsers, escaping included); names are
 * matched with libblkid's probes (UUID, LABEL, partition UUID and name).
 *
 * What slaves/ does not show is found by probing: every member of a
 * multi-device file system (btrfs, bcachefs: the same TYPE and UUID on
 * several devices; /sys/fs/btrfs/UUID/devices/ too), and the members of a
 * ZFS pool (TYPE zfs_member, LABEL the pool name). A needed mount that
 * cannot be followed to block devices is "untraced" (a network root, a
 * ZFS pool with no member found, a dm or md device without slaves/, an
 * overlay whose lower layer is not shown).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/strv.h"
#include "config/cmdline.h"
#include "system/pci.h"
#include "system/record.h"

struct blkdev {
	char name[64];	   /* kernel name: nvme0n1p2, dm-0 */
	char dm_name[128]; /* dm/name (vg-root), md/... : "" otherwise */
	char devnum[24];   /* "259:2" from the dev attribute */
	char *syspath;	   /* resolved /sys/class/block/NAME */
	int disk;	   /* index of the whole disk of a partition, or -1 */
	int partno;	   /* partition number; 0 for a whole device */
	int *slaves;	   /* indices this device is stacked on */
	bool stacked;	   /* a dm or md device: it should have slaves/ */
	size_t nslaves;
	bool probed;
	char type[32]; /* libblkid TYPE: ext4, ntfs, swap, LVM2_member, ... */
	char uuid[64];
	char label[128];
	char partuuid[64];
	char partlabel[128];
	/* The first need storage_host_needs() traced through this device,
	 * "/ via /dev/mapper/vg0-root -> dm-0 -> nvme0n1p2", and its place in
	 * that walk's order (storage_disk_holds() names the first); NULL when
	 * none did. */
	char *need;
	unsigned need_seq;
};

/* A line of /proc/self/mountinfo. */
struct storage_mount {
	char devnum[24]; /* MAJ:MIN (0:N for btrfs, tmpfs, overlay: anonymous) */
	char *source;	 /* /dev/mapper/vg0-root, tmpfs, rpool/ROOT/debian, ... */
	char *target;	 /* the mount point, octal escapes undone */
	char *opts;	 /* the super options: lowerdir=... of an overlay */
	char fstype[64];
};

struct storage {
	struct blkdev *b;
	size_t n;
	struct storage_mount *mounts;
	size_t nmounts;
	struct strv swaps; /* the Filename column of /proc/swaps */
	char root[256];	   /* root= and resume= as given */
	char resume[256];
	char root_fstype[64]; /* the type of / in mountinfo, "" when not listed */
	/* The initramfs, by what says so under the root prefix:
	 * /etc/initrd-release (systemd's in_initrd(): dracut and mkinitcpio's
	 * systemd images), /init_functions (mkinitcpio's busybox images),
	 * /conf/initramfs.conf (initramfs-tools), or / of type rootfs (the
	 * kernel's own initramfs mount). Never "/ is not rootfs". */
	bool initramfs;
	/* Not the initramfs and / mounted from a filesystem that is not in
	 * memory (not rootfs, tmpfs or ramfs): the running system (or an image
	 * build on it), where every mount, swap and disk the host needs is
	 * visible. */
	bool running;
	bool all_probed;
	/* Filled by storage_host_needs(): every PCI function below what the
	 * host needs, with why ("holds / (/dev/mapper/vg0-root -> dm-0 ->
	 * nvme0n1p2)"). */
	struct record_list holds;
	/* Filled by storage_host_needs(): every needed mount (or root=) that
	 * could not be followed to block devices (record.h). */
	struct record_untraced_list untraced;
	bool needs_traced; /* storage_host_needs() ran */
	unsigned need_seq; /* the next blkdev.need_seq */
};

/**
 * storage_scan() - read <root>/sys/class/block, and mountinfo and swaps
 * with libmount (mnt_table_parse_file(), mnt_table_parse_swaps()).
 * @st: filled in; free with storage_free().
 * @cl: the kernel command line (root=, resume=); may be NULL.
 *
 * Nothing is probed yet: probing happens when a device must be matched by
 * UUID, LABEL, PARTUUID or PARTLABEL, or described. A missing
 * /sys/class/block (no block devices) is an empty list, a missing or
 * unreadable table an empty table.
 * Return: 0, or -ENOMEM.
 */
int storage_scan(struct storage *st, const struct cmdline *cl);

void storage_free(struct storage *st);

/**
 * storage_host_needs() - find every PCI function below what the host
 * needs and record it in @st->holds with the path that makes it needed.
 * @pci: the functions; bridges on a device path are left out (vfiobind
 *       never binds them).
 *
 * What the host needs: every mounted filesystem (/, /usr, /boot, /efi...),
 * every active swap, resume=, root=, every /etc/fstab entry without
 * noauto (unless automounted), and the ESP the boot loader names in the EFI
 * variable LoaderDevicePartUUID. A name is resolved as the kernel and udev accept it: UUID=,
 * PARTUUID=, LABEL=, PARTLABEL= (libblkid probes), /dev/NAME, /dev/mapper/,
 * /dev/VG/LV, any /dev symlink present (/dev/disk/by-*), MAJ:MIN, and
 * /dev/disk/by-path/pci-ADDR-... by the address it names even when udev
 * has not made the link yet (Documentation/admin-guide/kernel-parameters:
 * root=; udev's path_id). From each device, slaves/ are followed down
 * through dm, md and LUKS to the disks; every PCI function on a disk's
 * sysfs path counts (an NVMe controller, an xHCI above a USB disk). No
 * limit on the number of devices.
 *
 * Beyond slaves/: a name that libblkid finds on several devices of a
 * multi-device type (btrfs, bcachefs, zfs_member) counts for each of them;
 * a btrfs or bcachefs mount holds every device of its UUID (probed, and
 * /sys/fs/btrfs/UUID/devices/); a zfs mount, or root=ZFS=POOL/... and
 * root=zfs:POOL/... (initramfs-tools, dracut), holds every zfs_member
 * labelled POOL.
 *
 * Untraced (@st->untraced): a network file system (nfs, nfs4, cifs, smb3,
 * 9p, ceph) at / or /usr, a network root= (/dev/nfs, nfs:, nfs4:, cifs:,
 * dhcp, dhcp6, iscsi:, nbd:; dracut.cmdline(7), nfsroot.rst), marked
 * network; a zfs mount or ZFS root= whose pool shows no member; a btrfs
 * or bcachefs mount whose devices are not found; a dm or md device on
 * the way down that shows no slaves/; an overlay whose super options name
 * no absolute lowerdir (its layers' own mounts are traced as mounts).
 * Return: 0, or -ENOMEM.
 */
int storage_host_needs(struct storage *st, const struct pci_list *pci);

/**
 * storage_below() - the block devices below @f: its disks, their
 * partitions, and every device stacked on any of those (repeatedly, so an
 * LV on a PV on a partition counts).
 * @idx: filled with indices into @st->b, at most @max (pass @st->n for all).
 *
 * Each device returned has been probed (libblkid; a device node that
 * cannot be opened leaves the probe fields empty).
 * Return: the number of devices.
 */
size_t storage_below(struct storage *st, const struct pci_func *f, size_t *idx, size_t max);

/**
 * storage_describe() - one device for a message:
 * "nvme0n1p2 ext4 UUID=0a34... LABEL=root", plus " (dm vg-root)".
 */
void storage_describe(const struct blkdev *b, char *buf, size_t len);

/**
 * storage_root_on_usb() - root= names a USB disk by its udev name
 * (/dev/disk/by-id/usb-..., /dev/disk/by-path/...-usb-...).
 */
bool storage_root_on_usb(const struct storage *st);

/**
 * storage_disk_holds() - whether a disk handed to a VM (disk = PATH of
 * /etc/vfiobind.conf) holds something the host needs, and through what.
 * @st:   from storage_scan(), under the same root prefix.
 * @pci:  the functions, as for storage_host_needs() (may be NULL: bridges
 *        on a device path are then not told apart, which only matters to
 *        @st->holds).
 * @path: the path as configured: a /dev node, a /dev/disk/by-* link,
 *        /dev/mapper/NAME, /dev/VG/LV, or a regular image file.
 * @why:  on true, what it holds and the chain that leads to it, @len bytes:
 *        "/ via /dev/nvme0n1p2", "/ via /dev/mapper/vg0-root -> dm-0 ->
 *        nvme0n1p2", "swap via /dev/sdb (its whole disk)".
 *
 * @path is resolved to its block device: a block node by its device number
 * (st_rdev, matched against each device's dev attribute); any other path
 * under /dev by name as storage_host_needs() resolves names (links under
 * the root, /dev/NAME, /dev/mapper/NAME, /dev/VG/LV, /dev/disk/by-uuid/...
 * by libblkid's probes), which is how a fake tree's plain files stand for
 * nodes. Anything else (an image file, a path that does not exist) is not
 * a block device and holds nothing here.
 *
 * What the host needs is exactly what storage_host_needs() traces (run
 * once per @st, here if not yet): every mounted filesystem with the
 * members of a ZFS pool or multi-device btrfs, active swap, resume=,
 * root=, each /etc/fstab entry mounted at boot, the ESP named by
 * LoaderDevicePartUUID, each down slaves/ (dm, LUKS, md;
 * Documentation/ABI/stable/sysfs-block). The disk holds a need when a
 * device of its chain is the disk itself, a partition of it, or the whole
 * disk it is a partition of. So a whole disk whose partition holds / is
 * held, and so is a partition that is an LVM PV, LUKS container or md
 * member below /; a device stacked on a needed one is not (an LV of the
 * root's volume group, the usual VM disk, holds nothing the host mounts).
 * The first need traced is the one named. A need the build could not trace
 * (@st->untraced) names no disk: it is the device guard's business.
 * Return: true when the disk holds something the host needs (@why filled),
 * false otherwise (@why ""); false too when tracing ran out of memory.
 */
bool storage_disk_holds(struct storage *st, const struct pci_list *pci, const char *path, char *why, size_t len);
