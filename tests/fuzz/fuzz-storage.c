// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-storage.c - libFuzzer harness for what the storage guard reads
 * (system/storage.h): <root>/proc/self/mountinfo, /proc/swaps and
 * /etc/fstab through libmount, root= and resume= specs (UUID=, PARTUUID=,
 * /dev/disk/by-path/..., MAJ:MIN, /dev/mapper/VG-LV, ZFS=...), and the EFI
 * variable LoaderDevicePartUUID.
 *
 * Input, split at the first four 0x00 bytes: the spec given as root= (the
 * same one as resume=), mountinfo, swaps, fstab, then the EFI variable's
 * raw bytes (may hold 0x00). A missing part is a missing file. They are
 * written under a temp root made once per process, which also holds a
 * block device tree: disk nvme0n1 (259:0) on PCI function 0000:04:00.0
 * behind the root port 0000:00:02.1 (a bridge, which no hold names),
 * its partitions nvme0n1p1 (259:1) and nvme0n1p2 (259:2), and dm-0
 * (254:0, "vg0-root") on nvme0n1p2.
 *
 * Promises checked (abort() when broken):
 *  - storage_scan() and storage_host_needs() return 0 (nothing here fails
 *    but memory, which the fuzzer does not take away);
 *  - the tree's four block devices are all found (a tree the scan cannot
 *    read would leave every disk path unexercised);
 *  - every mount has a non-empty target, a MAJ:MIN device number and
 *    NUL-terminated strings; the type of / is the type of the last mount
 *    on "/" ("" when none); running and initramfs are never both true;
 *  - every hold says "holds ..." and names 0000:04:00.0 (the only function
 *    below a disk) or the function of a /dev/disk/by-path/pci-... spec it
 *    quotes (a disk not enumerated yet is named by its path); an ext4 mount on 259:0, 259:1, 259:2 or 254:0
 *    makes one (whatever its source says).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/sysfs.h"
#include "config/cmdline.h"
#include "system/pci.h"
#include "system/storage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[PATH_MAX];

static void put(const char *rel, const void *buf, size_t len)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len) || close(fd) < 0)
		abort();
}

static void drop(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (unlink(p) < 0 && errno != ENOENT)
		abort();
}

static void dir(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			abort();
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		abort();
}

static void link_to(const char *target, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p) < 0 && errno != EEXIST)
		abort();
}

/* The disk's sysfs directory below sys/ (links in sys/class/block are
 * relative to it) and below the root. */
#define DISK_REL "devices/pci0000:00/0000:00:02.1/0000:04:00.0/nvme/nvme0/nvme0n1"
#define DISK	 "sys/" DISK_REL

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/fuzz-storage.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(root) == NULL)
		abort();
	dir("proc/self");
	dir("etc");
	dir("sys/class/block");
	dir("sys/firmware/efi/efivars");
	dir("dev/disk/by-path");
	dir(DISK "/nvme0n1p1");
	dir(DISK "/nvme0n1p2");
	dir("sys/devices/virtual/block/dm-0/dm");
	dir("sys/devices/virtual/block/dm-0/slaves");
	put(DISK "/dev", "259:0\n", 6);
	put(DISK "/nvme0n1p1/dev", "259:1\n", 6);
	put(DISK "/nvme0n1p1/partition", "1\n", 2);
	put(DISK "/nvme0n1p2/dev", "259:2\n", 6);
	put(DISK "/nvme0n1p2/partition", "2\n", 2);
	put("sys/devices/virtual/block/dm-0/dev", "254:0\n", 6);
	put("sys/devices/virtual/block/dm-0/dm/name", "vg0-root\n", 9);
	link_to("../../../../../../" DISK "/nvme0n1p2", "sys/devices/virtual/block/dm-0/slaves/nvme0n1p2");
	link_to("../../" DISK_REL, "sys/class/block/nvme0n1");
	link_to("../../" DISK_REL "/nvme0n1p1", "sys/class/block/nvme0n1p1");
	link_to("../../" DISK_REL "/nvme0n1p2", "sys/class/block/nvme0n1p2");
	link_to("../../devices/virtual/block/dm-0", "sys/class/block/dm-0");
	link_to("../../nvme0n1p2", "dev/disk/by-path/pci-0000:04:00.0-nvme-1-part2");
	if (root_set(root) < 0)
		abort();
	log_setup(NULL, false, 0);
}

/* The next part of the input, up to a 0x00 byte (@last: to the end);
 * false when the input ended before it. */
static bool part(const uint8_t **p, const uint8_t *end, bool last, const uint8_t **s, size_t *len)
{
	const uint8_t *nul;

	if (*p == NULL)
		return false;
	nul = last ? NULL : memchr(*p, 0, (size_t)(end - *p));
	*s = *p;
	*len = nul ? (size_t)(nul - *p) : (size_t)(end - *p);
	*p = nul ? nul + 1 : NULL;
	return true;
}

static void nul_in(const char *s, size_t size)
{
	if (!memchr(s, 0, size))
		abort();
}

static void check_scan(const struct storage *st)
{
	const char *root_type = "";

	if (st->n != 4)
		abort();
	nul_in(st->root_fstype, sizeof(st->root_fstype));
	for (size_t i = 0; i < st->nmounts; i++) {
		const struct storage_mount *m = &st->mounts[i];

		nul_in(m->devnum, sizeof(m->devnum));
		nul_in(m->fstype, sizeof(m->fstype));
		if (!m->source || !m->target || !m->opts || !m->target[0] || !strchr(m->devnum, ':'))
			abort();
		if (strcmp(m->target, "/") == 0)
			root_type = m->fstype;
	}
	if (strcmp(root_type, st->root_fstype) != 0 && strlen(root_type) < sizeof(st->root_fstype) - 1)
		abort();
	for (size_t i = 0; i < st->swaps.n; i++)
		if (!st->swaps.v[i][0])
			abort();
	if (st->running && st->initramfs)
		abort();
}

static bool on_disk(const struct storage *st)
{
	static const char *const nums[] = {"259:0", "259:1", "259:2", "254:0"};

	for (size_t i = 0; i < st->nmounts; i++)
		for (size_t j = 0; j < sizeof(nums) / sizeof(nums[0]); j++)
			if (strcmp(st->mounts[i].devnum, nums[j]) == 0 && strcmp(st->mounts[i].fstype, "ext4") == 0)
				return true;
	return false;
}

static void check_needs(const struct storage *st)
{
	for (size_t i = 0; i < st->holds.n; i++) {
		nul_in(st->holds.v[i].fn, sizeof(st->holds.v[i].fn));
		nul_in(st->holds.v[i].text, sizeof(st->holds.v[i].text));
		char by_path[32];

		snprintf(by_path, sizeof(by_path), "pci-%s", st->holds.v[i].fn);
		if ((strcmp(st->holds.v[i].fn, "0000:04:00.0") != 0 && !strstr(st->holds.v[i].text, by_path)) ||
		    strncmp(st->holds.v[i].text, "holds ", 6) != 0) {
			fprintf(stderr, "hold %s: %s\n", st->holds.v[i].fn, st->holds.v[i].text);
			abort();
		}
	}
	for (size_t i = 0; i < st->untraced.n; i++) {
		nul_in(st->untraced.v[i].mount, sizeof(st->untraced.v[i].mount));
		nul_in(st->untraced.v[i].why, sizeof(st->untraced.v[i].why));
	}
	if (on_disk(st) && st->holds.n == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[] = {"proc/self/mountinfo", "proc/swaps", "etc/fstab",
					    "sys/firmware/efi/efivars/"
					    "LoaderDevicePartUUID-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"};
	const uint8_t *p = data, *end = data + size, *s;
	struct cmdline cl;
	struct pci_func fns[2] = {{.name = "0000:00:02.1", .is_bridge = true}, {.name = "0000:04:00.0"}};
	struct pci_list pci = {.f = fns, .n = 2};
	struct storage st;
	size_t len;

	if (root[0] == '\0')
		setup();
	memset(&cl, 0, sizeof(cl));
	if (part(&p, end, false, &s, &len)) {
		snprintf(cl.root, sizeof(cl.root), "%.*s", (int)len, (const char *)s);
		snprintf(cl.resume, sizeof(cl.resume), "%s", cl.root);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (part(&p, end, i + 1 == sizeof(files) / sizeof(files[0]), &s, &len))
			put(files[i], s, len);
		else
			drop(files[i]);
	}
	if (storage_scan(&st, &cl) != 0)
		abort();
	check_scan(&st);
	if (storage_host_needs(&st, &pci) != 0)
		abort();
	check_needs(&st);
	storage_free(&st);
	return 0;
}
