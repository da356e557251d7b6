// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * storage.c - block devices below PCI functions, probed with libblkid.
 */
#include "system/storage.h"

#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/str.h"
#include "basic/sysfs.h"

static int find_dev(const struct storage *st, const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->b[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A device path from /proc (mount source, swap file name) to a kernel
 * name: /dev/nvme0n1p2 -> nvme0n1p2, /dev/mapper/vg-root -> the dm device
 * whose dm/name is vg-root. Anything else (a file, "none") -> "". */
static void dev_path_to_name(const struct storage *st, const char *path, char *out, size_t len)
{
	const char *name;

	out[0] = '\0';
	if ((name = str_startswith(path, "/dev/mapper/")) != NULL) {
		for (size_t i = 0; i < st->n; i++)
			if (strcmp(st->b[i].dm_name, name) == 0)
				str_copy(out, len, st->b[i].name);
		return;
	}
	if ((name = str_startswith(path, "/dev/")) != NULL && strchr(name, '/') == NULL)
		str_copy(out, len, name);
}

/*
 * The tables are read with libmount (util-linux: what mount(8) and
 * findmnt(8) use), which undoes their escaping (\040 and the rest,
 * mangle.c), skips comments and broken lines, and knows each format. No
 * libmnt_cache is set, so no tag or path is resolved through /dev. One
 * thing reaches past the root prefix: a mountinfo source "/dev/root" (a root
 * the kernel mounted itself) is named by libmount from /sys/dev/block and
 * root= of /proc/cmdline (mnt_guess_system_root()), the running system's
 * answer; mounts are matched by MAJ:MIN first, so the name is only a label.
 */

/* Parse @path ("/proc/self/mountinfo", ...: under the root prefix) with
 * @parse, each entry to @take with @arg. A missing or unreadable file is an
 * empty table. Return: 0, -ENOMEM, or the first error of @take. */
static int read_table(struct storage *st, const char *path, int (*parse)(struct libmnt_table *, const char *),
		      int (*take)(struct storage *, struct libmnt_fs *, const void *), const void *arg)
{
	char full[PATH_MAX];
	struct libmnt_table *tb;
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	int r = 0, p;

	if (root_path(full, sizeof(full), "%s", path) < 0)
		return 0;
	tb = mnt_new_table();
	it = mnt_new_iter(MNT_ITER_FORWARD);
	if (tb == NULL || it == NULL) {
		r = -ENOMEM;
	} else if ((p = parse(tb, full)) < 0) {
		if (p != -ENOENT)
			DBG("%s: not read: %s", full, strerror(-p));
	} else {
		while (r == 0 && mnt_table_next_fs(tb, it, &fs) == 0)
			r = take(st, fs, arg);
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return r;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* mountinfo(5): MAJ:MIN alone misses btrfs (an anonymous device number),
 * so the source is kept too, and the type and super options decide how the
 * mount is followed (zfs, overlay, a network file system). */
static int take_mount(struct storage *st, struct libmnt_fs *fs, const void *arg)
{
	const char *target = or_empty(mnt_fs_get_target(fs)), *fstype = or_empty(mnt_fs_get_fstype(fs));
	dev_t devno = mnt_fs_get_devno(fs);
	struct storage_mount *m;

	(void)arg;
	if (!target[0])
		return 0;
	if (strcmp(target, "/") == 0)
		str_copy(st->root_fstype, sizeof(st->root_fstype), fstype);
	m = realloc(st->mounts, (st->nmounts + 1) * sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	st->mounts = m;
	m = &st->mounts[st->nmounts];
	snprintf(m->devnum, sizeof(m->devnum), "%u:%u", major(devno), minor(devno));
	str_copy(m->fstype, sizeof(m->fstype), fstype);
	m->source = strdup(or_empty(mnt_fs_get_source(fs)));
	m->target = strdup(target);
	m->opts = strdup(or_empty(mnt_fs_get_fs_options(fs)));
	if (m->source == NULL || m->target == NULL || m->opts == NULL) {
		free(m->source);
		free(m->target);
		free(m->opts);
		return -ENOMEM;
	}
	st->nmounts++;
	return 0;
}

static int parse_mountinfo(struct libmnt_table *tb, const char *path)
{
	/* mnt_table_parse_mtab() would look at the host's /etc/mtab and
	 * utab; the file alone is what is asked for. */
	return mnt_table_parse_file(tb, path);
}

static int read_mounts(struct storage *st)
{
	return read_table(st, "/proc/self/mountinfo", parse_mountinfo, take_mount, NULL);
}

/* /proc/swaps: the Filename column. */
static int take_swap(struct storage *st, struct libmnt_fs *fs, const void *arg)
{
	const char *file = mnt_fs_get_source(fs);

	(void)arg;
	return file && file[0] ? strv_push(&st->swaps, file, strlen(file)) : 0;
}

static int read_swaps(struct storage *st)
{
	return read_table(st, "/proc/swaps", mnt_table_parse_swaps, take_swap, NULL);
}

static int add_dev(struct storage *st, const char *name)
{
	char path[PATH_MAX], buf[64];
	struct blkdev *b, *nb;

	if (strlen(name) >= sizeof(st->b->name))
		return 0; /* no kernel block device name is this long */
	nb = realloc(st->b, (st->n + 1) * sizeof(*nb));
	if (nb == NULL)
		return -ENOMEM;
	st->b = nb;
	b = &st->b[st->n];
	memset(b, 0, sizeof(*b));
	b->disk = -1;
	memcpy(b->name, name, strlen(name) + 1);
	if (root_path(path, sizeof(path), "/sys/class/block/%s", name) == 0)
		b->syspath = realpath(path, NULL);
	if (b->syspath == NULL)
		return 0; /* vanished: not counted */
	if (root_path(path, sizeof(path), "/sys/class/block/%s/dev", name) == 0)
		sysfs_read_attr(path, b->devnum, sizeof(b->devnum));
	if (root_path(path, sizeof(path), "/sys/class/block/%s/partition", name) == 0 &&
	    sysfs_read_attr(path, buf, sizeof(buf)) > 0) {
		char *end;
		unsigned long no;

		errno = 0;
		no = strtoul(buf, &end, 10);
		b->partno = errno == 0 && *end == '\0' && no <= 65535 ? (int)no : 0;
	}
	if (root_path(path, sizeof(path), "/sys/class/block/%s/dm/name", name) == 0)
		sysfs_read_attr(path, b->dm_name, sizeof(b->dm_name));
	/* dm and md devices sit on slaves/ (sysfs-block); one that shows
	 * none cannot be followed down. */
	b->stacked = b->dm_name[0] != '\0' ||
		     (root_path(path, sizeof(path), "/sys/class/block/%s/md", name) == 0 && access(path, F_OK) == 0) ||
		     (root_path(path, sizeof(path), "/sys/class/block/%s/dm", name) == 0 && access(path, F_OK) == 0);
	st->n++;
	return 0;
}

/* Partitions -> their disk (the parent directory in sysfs), stacked
 * devices -> their slaves. */
static int link_devs(struct storage *st)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < st->n; i++) {
		struct blkdev *b = &st->b[i];
		struct dirent *de;
		DIR *d;

		if (b->partno > 0) {
			char *slash = strrchr(b->syspath, '/');

			if (slash) {
				const char *parent;

				*slash = '\0';
				parent = strrchr(b->syspath, '/');
				b->disk = parent ? find_dev(st, parent + 1) : -1;
				*slash = '/';
			}
		}
		if (root_path(path, sizeof(path), "/sys/class/block/%s/slaves", b->name) < 0 ||
		    (d = opendir(path)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			int s = de->d_name[0] == '.' ? -1 : find_dev(st, de->d_name);
			int *ns;

			if (s < 0)
				continue;
			ns = realloc(b->slaves, (b->nslaves + 1) * sizeof(*ns));
			if (ns == NULL) {
				closedir(d);
				return -ENOMEM;
			}
			b->slaves = ns;
			b->slaves[b->nslaves++] = s;
		}
		closedir(d);
	}
	return 0;
}

/* What says "this is the initramfs" (see storage.h): a file its builder
 * puts there, or / being the kernel's rootfs. Never the absence of one. */
static bool in_initramfs(const struct storage *st)
{
	static const char *const marks[] = {
	    "/etc/initrd-release",  /* systemd's in_initrd(); dracut, mkinitcpio systemd images */
	    "/init_functions",	    /* mkinitcpio's busybox /init */
	    "/conf/initramfs.conf", /* initramfs-tools */
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (root_path(path, sizeof(path), "%s", marks[i]) == 0 && access(path, F_OK) == 0) {
			DBG("the initramfs: %s exists", marks[i]);
			return true;
		}
	return strcmp(st->root_fstype, "rootfs") == 0;
}

int storage_scan(struct storage *st, const struct cmdline *cl)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = 0;

	memset(st, 0, sizeof(*st));
	if (cl) {
		snprintf(st->root, sizeof(st->root), "%s", cl->root);
		snprintf(st->resume, sizeof(st->resume), "%s", cl->resume);
	}
	if (root_path(path, sizeof(path), "/sys/class/block") == 0 && (d = opendir(path)) != NULL) {
		while (r == 0 && (de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				r = add_dev(st, de->d_name);
		closedir(d);
	}
	if (r == 0)
		r = link_devs(st);
	if (r == 0)
		r = read_mounts(st);
	if (r == 0)
		r = read_swaps(st);
	/* The running system: not the initramfs, and / is a mounted
	 * filesystem. A / in memory (tmpfs, ramfs: some initramfs builders
	 * unpack into one, live systems run from one) shows no disk the host
	 * needs, so it is not taken for the booted system. */
	st->initramfs = in_initramfs(st);
	st->running = !st->initramfs && st->root_fstype[0] && strcmp(st->root_fstype, "tmpfs") != 0 &&
		      strcmp(st->root_fstype, "ramfs") != 0 && strcmp(st->root_fstype, "rootfs") != 0;
	return r;
}

void storage_free(struct storage *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->b[i].syspath);
		free(st->b[i].slaves);
		free(st->b[i].need);
	}
	for (size_t i = 0; i < st->nmounts; i++) {
		free(st->mounts[i].source);
		free(st->mounts[i].target);
		free(st->mounts[i].opts);
	}
	strv_free(&st->swaps);
	record_list_free(&st->holds);
	record_untraced_free(&st->untraced);
	free(st->b);
	free(st->mounts);
	memset(st, 0, sizeof(*st));
}

static void copy_value(blkid_probe pr, const char *key, char *out, size_t len)
{
	const char *v = NULL;

	out[0] = '\0';
	if (blkid_probe_lookup_value(pr, key, &v, NULL) == 0 && v)
		snprintf(out, len, "%s", v);
}

static void probe_superblock(struct blkdev *b)
{
	char path[PATH_MAX];
	blkid_probe pr;

	if (root_path(path, sizeof(path), "/dev/%s", b->name) < 0)
		return;
	pr = blkid_new_probe_from_filename(path);
	if (pr == NULL) {
		DBG("%s: cannot probe %s", b->name, path);
		return;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL);
	/* A partition table on a whole disk is reported as PTTYPE. */
	blkid_probe_enable_partitions(pr, 1);
	if (blkid_do_safeprobe(pr) == 0) {
		copy_value(pr, "TYPE", b->type, sizeof(b->type));
		if (!b->type[0])
			copy_value(pr, "PTTYPE", b->type, sizeof(b->type));
		copy_value(pr, "UUID", b->uuid, sizeof(b->uuid));
		copy_value(pr, "LABEL", b->label, sizeof(b->label));
	}
	blkid_free_probe(pr);
}

/* PARTUUID and PARTLABEL live in the disk's partition table: read it once
 * from the whole disk and hand the entries to the partitions by number.
 * (Probing a partition alone finds its table only through sysfs, which a
 * root prefix does not have.) */
static void probe_partitions(struct storage *st, int disk)
{
	char path[PATH_MAX];
	blkid_partlist ls;
	blkid_probe pr;

	if (root_path(path, sizeof(path), "/dev/%s", st->b[disk].name) < 0)
		return;
	pr = blkid_new_probe_from_filename(path);
	if (pr == NULL)
		return;
	ls = blkid_probe_get_partitions(pr);
	for (int i = 0; ls && i < blkid_partlist_numof_partitions(ls); i++) {
		blkid_partition par = blkid_partlist_get_partition(ls, i);
		int no = blkid_partition_get_partno(par);
		const char *uuid = blkid_partition_get_uuid(par);
		const char *name = blkid_partition_get_name(par);

		for (size_t j = 0; j < st->n; j++) {
			if (st->b[j].disk != disk || st->b[j].partno != no)
				continue;
			snprintf(st->b[j].partuuid, sizeof(st->b[j].partuuid), "%s", uuid ? uuid : "");
			snprintf(st->b[j].partlabel, sizeof(st->b[j].partlabel), "%s", name ? name : "");
		}
	}
	blkid_free_probe(pr);
}

/* /dev/VG/LV: LVM's symlink for the dm device "VG-LV" (dashes in either
 * name doubled). */
static bool vg_lv_names(const char *spec, const char *dm_name)
{
	const char *vg, *lv;
	char want[256];
	size_t o = 0;

	/* The prefix first: spec + 5 is past the end of a shorter string. */
	if (strncmp(spec, "/dev/", 5) != 0 || !dm_name[0])
		return false;
	vg = spec + 5;
	lv = strchr(vg, '/');
	if (lv == NULL || strchr(lv + 1, '/'))
		return false;
	for (const char *p = vg; *p && o + 3 < sizeof(want); p++) {
		if (p == lv) {
			want[o++] = '-';
			continue;
		}
		if (*p == '-')
			want[o++] = '-';
		want[o++] = *p;
	}
	want[o] = '\0';
	return strcmp(want, dm_name) == 0;
}

/* The kernel name a /dev path leads to through the links under the root
 * (/dev/disk/by-id/..., /dev/VG/LV, /dev/md/NAME, /dev/root is not one),
 * or "" when it leads nowhere in /dev. Not libblkid's blkid_evaluate_spec()
 * or libmount's cache: they resolve through the host's /dev and udev
 * database, not the root prefix, and before udev there is neither. */
static void dev_link_to_name(const char *spec, char *out, size_t len)
{
	char path[PATH_MAX], devdir[PATH_MAX];
	char *real = NULL, *rdev = NULL;

	out[0] = '\0';
	if (strncmp(spec, "/dev/", 5) != 0 || root_path(path, sizeof(path), "%s", spec) < 0 ||
	    root_path(devdir, sizeof(devdir), "/dev") < 0)
		return;
	real = realpath(path, NULL);
	rdev = realpath(devdir, NULL);
	if (real && rdev) {
		size_t l = strlen(rdev);

		if (strncmp(real, rdev, l) == 0 && real[l] == '/' && strchr(real + l + 1, '/') == NULL)
			snprintf(out, len, "%s", real + l + 1);
	}
	free(real);
	free(rdev);
}

static bool is_fn_name(const char *s)
{
	static const char shape[] = "xxxx:xx:xx.x";

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] != 'x' ? s[i] != shape[i]
				    : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

/* udev's path_id names a disk by the PCI function it hangs off:
 * /dev/disk/by-path/pci-0000:04:00.0-nvme-1-part2. The address is known
 * even before udev makes the link. Return: where "pci-" + the address
 * starts in @spec (the address copied to @fn), or NULL. */
static const char *by_path_function(const char *spec, char *fn, size_t len)
{
	static const char dir[] = "/dev/disk/by-path/";
	const char *p;

	if (strncmp(spec, dir, sizeof(dir) - 1) != 0)
		return NULL;
	p = strstr(spec + sizeof(dir) - 1, "pci-");
	if (p == NULL || strlen(p + 4) < 12 || !is_fn_name(p + 4) || (p[16] != '\0' && p[16] != '-'))
		return NULL;
	snprintf(fn, len, "%.12s", p + 4);
	return p;
}

static bool is_majmin(const char *s)
{
	size_t a = strspn(s, "0123456789"), b;

	if (a == 0 || s[a] != ':')
		return false;
	b = strspn(s + a + 1, "0123456789");
	return b > 0 && s[a + 1 + b] == '\0';
}

static void probe(struct storage *st, size_t i)
{
	struct blkdev *b = &st->b[i];

	if (b->probed)
		return;
	b->probed = true;
	probe_superblock(b);
	if (b->disk >= 0 && !st->b[b->disk].probed) {
		st->b[b->disk].probed = true;
		probe_superblock(&st->b[b->disk]);
	}
	if (b->disk >= 0)
		probe_partitions(st, b->disk);
}

static void probe_all(struct storage *st)
{
	if (st->all_probed)
		return;
	for (size_t i = 0; i < st->n; i++)
		probe(st, i);
	st->all_probed = true;
}

/* The device @spec (root=, resume=, a mount source, an fstab entry)
 * names, or -1. TAG=value names are matched against libblkid's probes
 * of every device, done once. */
static int resolve(struct storage *st, const char *spec)
{
	static const struct {
		const char *prefix, *tag;
	} bydir[] = {{"/dev/disk/by-uuid/", "UUID"},
		     {"/dev/disk/by-partuuid/", "PARTUUID"},
		     {"/dev/disk/by-label/", "LABEL"},
		     {"/dev/disk/by-partlabel/", "PARTLABEL"}};
	char *type = NULL, *val = NULL, name[64];
	int hit = -1;

	if (!spec[0])
		return -1;
	if (is_majmin(spec)) {
		for (size_t i = 0; i < st->n; i++)
			if (strcmp(st->b[i].devnum, spec) == 0)
				return (int)i;
		return -1;
	}
	dev_link_to_name(spec, name, sizeof(name));
	if (name[0] && (hit = find_dev(st, name)) >= 0)
		return hit;
	dev_path_to_name(st, spec, name, sizeof(name));
	if (name[0] && (hit = find_dev(st, name)) >= 0)
		return hit;
	for (size_t i = 0; i < st->n; i++)
		if (vg_lv_names(spec, st->b[i].dm_name))
			return (int)i;
	for (size_t i = 0; i < sizeof(bydir) / sizeof(bydir[0]); i++) {
		size_t pl = strlen(bydir[i].prefix);

		if (strncmp(spec, bydir[i].prefix, pl) == 0) {
			type = strdup(bydir[i].tag);
			val = strdup(spec + pl);
			break;
		}
	}
	/* NAME=value, with libblkid's own quoting rules. */
	if (type == NULL && (spec[0] == '/' || blkid_parse_tag_string(spec, &type, &val) != 0)) {
		free(type);
		free(val);
		return -1;
	}
	if (type && val)
		probe_all(st);
	for (size_t i = 0; type && val && hit < 0 && i < st->n; i++) {
		const struct blkdev *b = &st->b[i];

		if ((strcmp(type, "UUID") == 0 && strcasecmp(b->uuid, val) == 0) ||
		    (strcmp(type, "PARTUUID") == 0 && strcasecmp(b->partuuid, val) == 0) ||
		    (strcmp(type, "LABEL") == 0 && strcmp(b->label, val) == 0) ||
		    (strcmp(type, "PARTLABEL") == 0 && strcmp(b->partlabel, val) == 0))
			hit = (int)i;
	}
	free(type);
	free(val);
	return hit;
}

static const struct pci_func *pci_by_name(const struct pci_list *pci, const char *name)
{
	for (size_t i = 0; pci && i < pci->n; i++)
		if (strcmp(pci->f[i].name, name) == 0)
			return &pci->f[i];
	return NULL;
}

/* "holds WHY (CHAIN)" in @out (a record line's text): the chain, which
 * names the device, is kept whole (callers keep it under 400 bytes) and a
 * long @why (a mount point is up to PATH_MAX) is cut, ending in "...". */
static void hold_text(char *out, size_t len, const char *why, const char *chain)
{
	static const char dots[] = "...";
	size_t fixed = strlen("holds  ()") + strlen(chain) + 1, w = strlen(why);

	if (fixed + w <= len || fixed + sizeof(dots) > len)
		snprintf(out, len, "holds %s (%s)", why, chain);
	else
		snprintf(out, len, "holds %.*s%s (%s)", (int)(len - fixed - (sizeof(dots) - 1)), why, dots, chain);
}

/* Every PCI function on @syspath (bridges left out) holds @why. */
static int hold_path(struct storage *st, const struct pci_list *pci, const char *syspath, const char *why,
		     const char *chain)
{
	char text[512];

	for (const char *p = strchr(syspath, '/'); p; p = strchr(p + 1, '/')) {
		char fn[16];
		const struct pci_func *f;

		if (strlen(p + 1) < 12 || !is_fn_name(p + 1) || (p[13] != '/' && p[13] != '\0'))
			continue;
		snprintf(fn, sizeof(fn), "%.12s", p + 1);
		f = pci_by_name(pci, fn);
		if (f && f->is_bridge)
			continue;
		hold_text(text, sizeof(text), why, chain);
		if (record_list_add(&st->holds, fn, text) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Down from @dev through slaves/, extending @chain ("/dev/mapper/vg0-root
 * -> dm-0 -> nvme0n1p2"); a depth bound keeps a looped fake tree finite.
 * A dm or md device without slaves/ ends the way down: untraced. */
static int walk(struct storage *st, const struct pci_list *pci, int dev, const char *why, char *chain, size_t clen,
		int depth)
{
	const struct blkdev *b = &st->b[dev];
	size_t mark = strlen(chain);
	int r;

	if (depth > 16)
		return 0;
	/* "/dev/nvme0n1p2 -> nvme0n1p2" says nothing twice. */
	if (!(depth == 0 && str_startswith(chain, "/dev/") && strcmp(chain + 5, b->name) == 0))
		str_append(chain, clen, "%s%s", chain[0] ? " -> " : "", b->name);
	r = hold_path(st, pci, b->syspath, why, chain);
	if (r == 0 && !b->need) {
		/* For storage_disk_holds(): the first need through here. */
		if (asprintf(&st->b[dev].need, "%s via %s", why, chain) < 0) {
			st->b[dev].need = NULL;
			r = -ENOMEM;
		}
		st->b[dev].need_seq = st->need_seq++;
	}
	if (r == 0 && b->stacked && b->nslaves == 0) {
		char text[512];

		snprintf(text, sizeof(text), "%s: %s%s%s is a stacked device that shows no slaves/", chain, b->name,
			 b->dm_name[0] ? " dm " : "", b->dm_name);
		r = record_untraced_add(&st->untraced, why, false, text);
	}
	for (size_t s = 0; r == 0 && s < b->nslaves; s++)
		r = walk(st, pci, b->slaves[s], why, chain, clen, depth + 1);
	chain[mark] = '\0';
	return r;
}

/* File systems whose one mount spans several devices, each of them
 * carrying the same TYPE and UUID (libblkid: btrfs, bcachefs, and a ZFS
 * pool's zfs_member, whose UUID is the pool GUID). */
static bool multi_device(const char *type)
{
	return strcmp(type, "btrfs") == 0 || strcmp(type, "bcachefs") == 0 || strcmp(type, "zfs_member") == 0;
}

/* btrfs lists a mounted file system's devices in
 * /sys/fs/btrfs/UUID/devices/NAME (Documentation/ABI/testing/sysfs-fs-btrfs):
 * every device listed beside @dev. Return: how many, or -ENOMEM. */
static int btrfs_sysfs_members(struct storage *st, const struct pci_list *pci, int dev, const char *why,
			       const char *spec)
{
	char path[PATH_MAX], chain[400];
	struct dirent *de;
	DIR *d;
	int r = 0, n = 0;

	if (root_path(path, sizeof(path), "/sys/fs/btrfs") < 0 || (d = opendir(path)) == NULL)
		return 0;
	while (r == 0 && (de = readdir(d)) != NULL) {
		struct dirent *me;
		DIR *md;

		if (de->d_name[0] == '.' ||
		    root_path(path, sizeof(path), "/sys/fs/btrfs/%s/devices/%s", de->d_name, st->b[dev].name) < 0 ||
		    access(path, F_OK) != 0 ||
		    root_path(path, sizeof(path), "/sys/fs/btrfs/%s/devices", de->d_name) < 0 ||
		    (md = opendir(path)) == NULL)
			continue;
		while (r == 0 && (me = readdir(md)) != NULL) {
			int m = me->d_name[0] == '.' ? -1 : find_dev(st, me->d_name);

			if (m < 0)
				continue;
			snprintf(chain, sizeof(chain), "%s -> btrfs %s", spec, de->d_name);
			r = walk(st, pci, m, why, chain, sizeof(chain), 1);
			n++;
		}
		closedir(md);
	}
	closedir(d);
	return r < 0 ? r : n;
}

/* Every other device of @dev's multi-device file system. */
static int members(struct storage *st, const struct pci_list *pci, int dev, const char *why, const char *spec)
{
	char type[32], uuid[64], chain[400];
	int r;

	probe(st, (size_t)dev);
	r = btrfs_sysfs_members(st, pci, dev, why, spec);
	if (r < 0 || !multi_device(st->b[dev].type) || !st->b[dev].uuid[0])
		return r < 0 ? r : 0;
	snprintf(type, sizeof(type), "%s", st->b[dev].type);
	snprintf(uuid, sizeof(uuid), "%s", st->b[dev].uuid);
	probe_all(st);
	r = 0;
	for (size_t i = 0; r == 0 && i < st->n; i++) {
		if ((int)i == dev || strcmp(st->b[i].type, type) != 0 || strcmp(st->b[i].uuid, uuid) != 0)
			continue;
		snprintf(chain, sizeof(chain), "%s -> %s UUID=%s", spec, type, uuid);
		r = walk(st, pci, (int)i, why, chain, sizeof(chain), 1);
	}
	return r;
}

/* @spec (a name, or -1 and @dev) down to the PCI functions; @found, when
 * not NULL, says whether it named a device. */
static int need_found(struct storage *st, const struct pci_list *pci, const char *why, const char *spec, int dev,
		      bool *found)
{
	char chain[400], fn[16];
	const char *pci_part;
	int r;

	snprintf(chain, sizeof(chain), "%s", spec);
	if (dev < 0)
		dev = resolve(st, spec);
	if (found)
		*found = dev >= 0;
	if (dev >= 0) {
		r = walk(st, pci, dev, why, chain, sizeof(chain), 0);
		return r < 0 ? r : members(st, pci, dev, why, spec);
	}
	if ((pci_part = by_path_function(spec, fn, sizeof(fn))) != NULL) {
		char text[512];

		if (found)
			*found = true;
		/* A spec too long for the chain keeps the part that names the
		 * function. */
		if (strlen(spec) >= sizeof(chain))
			snprintf(chain, sizeof(chain), "/dev/disk/by-path/...%s", pci_part);
		hold_text(text, sizeof(text), why, chain);
		return record_list_add(&st->holds, fn, text);
	}
	return 0;
}

static int need(struct storage *st, const struct pci_list *pci, const char *why, const char *spec, int dev)
{
	return need_found(st, pci, why, spec, dev, NULL);
}

/* A ZFS dataset (rpool/ROOT/debian) down to the members of its pool
 * (rpool): libblkid's zfs_member carries the pool name as LABEL
 * (util-linux libblkid/src/superblocks/zfs.c). */
static int need_zfs(struct storage *st, const struct pci_list *pci, const char *why, const char *dataset)
{
	char pool[256], chain[400], text[512];
	int r = 0;
	bool found = false;

	snprintf(pool, sizeof(pool), "%.*s", (int)strcspn(dataset, "/@"), dataset);
	probe_all(st);
	for (size_t i = 0; r == 0 && i < st->n; i++) {
		if (strcmp(st->b[i].type, "zfs_member") != 0 || strcmp(st->b[i].label, pool) != 0)
			continue;
		found = true;
		snprintf(chain, sizeof(chain), "%s -> zfs pool %s", dataset, pool);
		r = walk(st, pci, (int)i, why, chain, sizeof(chain), 1);
	}
	if (r == 0 && !found) {
		snprintf(text, sizeof(text), "zfs %s: no member device of pool %s found", dataset, pool);
		r = record_untraced_add(&st->untraced, why, false, text);
	}
	return r;
}

static bool network_fs(const char *type)
{
	static const char *const net[] = {"nfs", "nfs4", "cifs", "smb3", "9p", "ceph", "glusterfs", "fuse.glusterfs"};

	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++)
		if (strcmp(type, net[i]) == 0)
			return true;
	return false;
}

/* An overlay's lower layers are directories of other mounts, each traced
 * as a mount itself: the overlay is followed when its super options name
 * them (lowerdir=/a:/b, absolute). */
static bool overlay_followed(const char *opts)
{
	const char *p = opts;

	while ((p = strstr(p, "lowerdir")) != NULL) {
		if ((p == opts || p[-1] == ',') &&
		    (str_startswith(p, "lowerdir=/") || str_startswith(p, "lowerdir+=/")))
			return true;
		p++;
	}
	return false;
}

/* btrfs and bcachefs: every device of the file system. bcachefs names
 * them all in the source, joined by ':' (/dev/sda1:/dev/sdb1). */
static int need_multi(struct storage *st, const struct pci_list *pci, const struct storage_mount *m)
{
	char one[PATH_MAX], text[512];
	const char *p = m->source;
	bool any = false;
	int r = 0;

	while (r == 0 && *p) {
		const char *next = strstr(p + 1, ":/dev/");
		size_t l = next ? (size_t)(next - p) : strlen(p);
		bool found = false;

		snprintf(one, sizeof(one), "%.*s", (int)l, p);
		r = need_found(st, pci, m->target, one, -1, &found);
		any = any || found;
		p = next ? next + 1 : p + l;
	}
	if (r == 0 && !any) {
		snprintf(text, sizeof(text), "%s %s: no device of it found", m->fstype, m->source);
		r = record_untraced_add(&st->untraced, m->target, false, text);
	}
	return r;
}

/* root= as the initramfs reads it: a ZFS dataset (initramfs-tools'
 * root=ZFS=, dracut's root=zfs:), a network root (nfsroot.rst,
 * dracut.cmdline(7)), or a block device. */
static int need_root(struct storage *st, const struct pci_list *pci)
{
	static const char *const net[] = {"nfs:", "nfs4:", "cifs:", "iscsi:", "nbd:"};
	const char *root = st->root, *ds;
	char text[512];

	if (!root[0])
		return 0;
	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++) {
		if (strcmp(root, "/dev/nfs") == 0 || strcmp(root, "dhcp") == 0 || strcmp(root, "dhcp6") == 0 ||
		    str_startswith(root, net[i])) {
			snprintf(text, sizeof(text), "root=%s: a network root", root);
			return record_untraced_add(&st->untraced, "root=", true, text);
		}
	}
	if ((ds = str_startswith(root, "ZFS=")) != NULL || (ds = str_startswith(root, "zfs:")) != NULL) {
		if (strcmp(ds, "AUTO") != 0)
			return need_zfs(st, pci, "root=", ds);
		/* dracut's zfs:AUTO: the pool's bootfs, chosen at boot; a zfs
		 * / mounted now is traced as a mount. */
		for (size_t i = 0; i < st->nmounts; i++)
			if (strcmp(st->mounts[i].target, "/") == 0 && strcmp(st->mounts[i].fstype, "zfs") == 0)
				return 0;
		snprintf(text, sizeof(text), "root=%s: the pool is chosen at boot", root);
		return record_untraced_add(&st->untraced, "root=", false, text);
	}
	return need(st, pci, "root=", root, -1);
}

/* fstab(5) entries the host mounts at boot: noauto ones are left out.
 * noauto alone: not mounted at boot. With x-systemd.automount it is, on
 * first access (an /efi the host updates). */
static int take_fstab(struct storage *st, struct libmnt_fs *fs, const void *pci)
{
	const char *spec = or_empty(mnt_fs_get_source(fs)), *file = or_empty(mnt_fs_get_target(fs));
	const char *opts = mnt_fs_get_options(fs);
	char why[PATH_MAX + 16];

	/* "+": the option noauto itself; a bare "noauto" pattern means "auto
	 * absent" to mnt_match_options(). */
	if (!spec[0] || (mnt_match_options(opts, "+noauto") && !mnt_match_options(opts, "x-systemd.automount")))
		return 0;
	snprintf(why, sizeof(why), "%s in /etc/fstab", mnt_fs_is_swaparea(fs) ? "swap" : file);
	return need(st, pci, why, spec, -1);
}

static int fstab_needs(struct storage *st, const struct pci_list *pci)
{
	return read_table(st, "/etc/fstab", mnt_table_parse_fstab, take_fstab, pci);
}

/* The ESP the boot loader started from: systemd-boot (and other loaders
 * implementing the Boot Loader Interface) put its partition UUID in the
 * EFI variable LoaderDevicePartUUID, UTF-16LE after 4 bytes of attributes
 * (systemd: docs/BOOT_LOADER_INTERFACE.md). An /efi that systemd's
 * gpt-auto generator automounts shows up nowhere else. No library reads
 * it: systemd's efivars code is not a library; the format is 4 bytes and
 * a NUL-terminated UTF-16LE string of ASCII hex and dashes. */
static int esp_needs(struct storage *st, const struct pci_list *pci)
{
	char path[PATH_MAX], spec[64] = "PARTUUID=";
	unsigned char raw[4 + 2 * 40];
	size_t n, o = strlen(spec);
	FILE *f;

	if (root_path(path, sizeof(path),
		      "/sys/firmware/efi/efivars/LoaderDevicePartUUID-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f") < 0 ||
	    (f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(raw, 1, sizeof(raw), f);
	fclose(f);
	for (size_t i = 4; i + 1 < n && raw[i] && o + 1 < sizeof(spec); i += 2)
		spec[o++] = (char)raw[i];
	spec[o] = '\0';
	return o > 9 ? need(st, pci, "the ESP the boot loader ran from (LoaderDevicePartUUID)", spec, -1) : 0;
}

int storage_host_needs(struct storage *st, const struct pci_list *pci)
{
	int r = 0;

	record_list_free(&st->holds);
	record_untraced_free(&st->untraced);
	for (size_t i = 0; i < st->n; i++) {
		free(st->b[i].need);
		st->b[i].need = NULL;
	}
	st->need_seq = 0;
	st->needs_traced = true;
	for (size_t i = 0; r == 0 && i < st->nmounts; i++) {
		const struct storage_mount *m = &st->mounts[i];
		char text[512];
		int dev = -1;

		if (network_fs(m->fstype)) {
			/* Over a NIC: no disk holds it, and the host cannot
			 * boot without it at / or /usr. */
			if (strcmp(m->target, "/") != 0 && strcmp(m->target, "/usr") != 0)
				continue;
			snprintf(text, sizeof(text), "%s %s: a network file system", m->fstype, m->source);
			r = record_untraced_add(&st->untraced, m->target, true, text);
			continue;
		}
		if (strcmp(m->fstype, "zfs") == 0) {
			r = need_zfs(st, pci, m->target, m->source);
			continue;
		}
		if (strcmp(m->fstype, "overlay") == 0) {
			if (!overlay_followed(m->opts)) {
				snprintf(text, sizeof(text), "overlay %s: its lower layer is not shown (no lowerdir=)",
					 m->source);
				r = record_untraced_add(&st->untraced, m->target, false, text);
			}
			continue;
		}
		/* MAJ:MIN first: the source may be /dev/root or gone; an
		 * anonymous number (major 0: btrfs, tmpfs) matches nothing. */
		if (!str_startswith(m->devnum, "0:")) {
			for (size_t j = 0; dev < 0 && j < st->n; j++)
				if (strcmp(st->b[j].devnum, m->devnum) == 0)
					dev = (int)j;
		}
		if (dev < 0 && (strcmp(m->fstype, "btrfs") == 0 || strcmp(m->fstype, "bcachefs") == 0))
			r = need_multi(st, pci, m);
		else if (dev >= 0 || m->source[0] == '/')
			r = need(st, pci, m->target, m->source, dev);
	}
	for (size_t i = 0; r == 0 && i < st->swaps.n; i++)
		r = need(st, pci, "swap", st->swaps.v[i], -1);
	if (r == 0)
		r = need(st, pci, "resume=", st->resume, -1);
	if (r == 0)
		r = need_root(st, pci);
	if (r == 0)
		r = fstab_needs(st, pci);
	if (r == 0)
		r = esp_needs(st, pci);
	return r;
}

bool storage_root_on_usb(const struct storage *st)
{
	return str_startswith(st->root, "/dev/disk/by-id/usb-") ||
	       (str_startswith(st->root, "/dev/disk/by-path/") && strstr(st->root, "-usb-") != NULL);
}

static bool path_has_function(const char *path, const char *fn)
{
	size_t l = strlen(fn);

	for (const char *p = strstr(path, fn); p; p = strstr(p + 1, fn))
		if (p[-1] == '/' && (p[l] == '/' || p[l] == '\0'))
			return true;
	return false;
}

size_t storage_below(struct storage *st, const struct pci_func *f, size_t *idx, size_t max)
{
	bool *in = calloc(st->n ? st->n : 1, sizeof(*in));
	bool grew = true;
	size_t n = 0;

	if (in == NULL)
		return 0;
	for (size_t i = 0; i < st->n; i++)
		in[i] = path_has_function(st->b[i].syspath, f->name);
	/* Stacked devices: a fixed point over slaves/ (dm on md on a
	 * partition). Each pass adds at least one device or stops. */
	while (grew) {
		grew = false;
		for (size_t i = 0; i < st->n; i++) {
			for (size_t s = 0; !in[i] && s < st->b[i].nslaves; s++) {
				if (in[st->b[i].slaves[s]]) {
					in[i] = true;
					grew = true;
				}
			}
		}
	}
	for (size_t i = 0; i < st->n && n < max; i++) {
		if (!in[i])
			continue;
		probe(st, i);
		idx[n++] = i;
	}
	free(in);
	return n;
}

void storage_describe(const struct blkdev *b, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s%s%s%s%s", b->name, b->type[0] ? " " : "", b->type,
		 b->uuid[0] ? " UUID=" : "", b->uuid, b->label[0] ? " LABEL=" : "", b->label,
		 b->partuuid[0] ? " PARTUUID=" : "", b->partuuid, b->dm_name[0] ? " dm=" : "", b->dm_name);
}

/* Whether device @w of a chain lies on the disk @d: it is @d, a partition
 * of @d, or the whole disk @d is a partition of. */
static bool lies_on(const struct storage *st, int w, int d)
{
	return w == d || st->b[w].disk == d || st->b[d].disk == w;
}

/* The device @path names (see storage.h), or -1. */
static int disk_device(struct storage *st, const char *path)
{
	char full[PATH_MAX], devnum[24];
	struct stat sb;

	if (root_path(full, sizeof(full), "%s", path) < 0)
		return -1;
	if (stat(full, &sb) == 0 && S_ISBLK(sb.st_mode)) {
		snprintf(devnum, sizeof(devnum), "%u:%u", major(sb.st_rdev), minor(sb.st_rdev));
		for (size_t i = 0; i < st->n; i++)
			if (strcmp(st->b[i].devnum, devnum) == 0)
				return (int)i;
	}
	return str_startswith(path, "/dev/") ? resolve(st, path) : -1;
}

bool storage_disk_holds(struct storage *st, const struct pci_list *pci, const char *path, char *why, size_t len)
{
	int dev, hit = -1;

	why[0] = '\0';
	dev = disk_device(st, path);
	if (dev < 0 || (!st->needs_traced && storage_host_needs(st, pci) < 0))
		return false;
	DBG("disk %s is %s", path, st->b[dev].name);
	for (size_t i = 0; i < st->n; i++)
		if (st->b[i].need && lies_on(st, (int)i, dev) && (hit < 0 || st->b[i].need_seq < st->b[hit].need_seq))
			hit = (int)i;
	if (hit < 0)
		return false;
	snprintf(why, len, "%s%s", st->b[hit].need, st->b[dev].disk == hit ? " (its whole disk)" : "");
	return true;
}
