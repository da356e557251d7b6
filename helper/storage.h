/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * storage.h - the storage guard: which disks sit below a PCI function, what
 * is on them, and whether the host needs any of them.
 *
 * A disk is below a function when the function's sysfs directory is on the
 * disk's device path (/sys/class/block/NAME resolves to
 * /sys/devices/pci0000:00/.../0000:04:00.0/nvme/nvme0/nvme0n1); partitions
 * sit below their disk; device-mapper and md devices sit on whatever their
 * slaves/ links name (Documentation/ABI/stable/sysfs-block). Each such
 * device is probed with libblkid (filesystem type, UUID, LABEL, partition
 * UUID and name) and compared with root= and resume= from the kernel
 * command line, the mounted filesystems (/proc/self/mountinfo) and the
 * active swap (/proc/swaps), all under the root prefix.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "pci.h"

/* Why a block device must stay with the host (bit mask). */
enum {
	STORAGE_ROOT = 1 << 0,	  /* named by root= */
	STORAGE_RESUME = 1 << 1,  /* named by resume= */
	STORAGE_MOUNTED = 1 << 2, /* a mounted filesystem */
	STORAGE_SWAP = 1 << 3,	  /* active swap */
};

struct blkdev {
	char name[64];	   /* kernel name: nvme0n1p2, dm-0 */
	char dm_name[128]; /* dm/name (vg-root), md/... : "" otherwise */
	char devnum[24];   /* "259:2" from the dev attribute */
	char *syspath;	   /* resolved /sys/class/block/NAME */
	int disk;	   /* index of the whole disk of a partition, or -1 */
	int partno;	   /* partition number; 0 for a whole device */
	int *slaves;	   /* indices this device is stacked on */
	size_t nslaves;
	bool probed;
	char type[32]; /* libblkid TYPE: ext4, ntfs, swap, LVM2_member, ... */
	char uuid[64];
	char label[128];
	char partuuid[64];
	char partlabel[128];
	unsigned holds; /* STORAGE_* reasons, valid once probed */
};

struct storage {
	struct blkdev *b;
	size_t n;
	char **mounted; /* "MAJ:MIN" and source device names of every mount */
	size_t nmounted;
	char **swaps; /* device names in /proc/swaps */
	size_t nswaps;
	char root[256]; /* root= and resume= as given */
	char resume[256];
};

/**
 * storage_scan() - read <root>/sys/class/block, mountinfo and swaps.
 * @st: filled in; free with storage_free().
 * @cl: the kernel command line (root=, resume=); may be NULL.
 *
 * Nothing is probed yet: probing happens per function, for the few
 * devices that matter. A missing /sys/class/block (no block devices) is
 * an empty list.
 * Return: 0, or -ENOMEM.
 */
int storage_scan(struct storage *st, const struct cmdline *cl);

void storage_free(struct storage *st);

/**
 * storage_below() - the block devices below @f: its disks, their
 * partitions, and every device stacked on any of those (repeatedly, so an
 * LV on a PV on a partition counts).
 * @idx: filled with indices into @st->b, at most @max.
 *
 * Each device returned has been probed (libblkid; a device node that
 * cannot be opened leaves the probe fields empty) and its reasons to stay
 * (STORAGE_*) computed.
 * Return: the number of devices (capped at @max).
 */
size_t storage_below(struct storage *st, const struct pci_func *f, size_t *idx, size_t max);

/**
 * storage_describe() - one device for a message:
 * "nvme0n1p2 ext4 UUID=0a34... LABEL=root", plus " (dm vg-root)".
 */
void storage_describe(const struct blkdev *b, char *buf, size_t len);

/**
 * storage_reasons() - "root=, mounted" style text for @holds; "" for 0.
 */
void storage_reasons(unsigned holds, char *buf, size_t len);
