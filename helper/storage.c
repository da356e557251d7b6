// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * storage.c - block devices below PCI functions, probed with libblkid.
 */
#include "storage.h"

#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "str.h"
#include "sysfs.h"

static char *read_whole(const char *path)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return NULL;
	for (;;) {
		size_t n;

		if (len + 4096 + 1 > cap) {
			char *nb;

			/* /proc files are small; a bound keeps a hostile root
			 * prefix from eating memory. */
			if (cap >= 4 * 1024 * 1024)
				break;
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (nb == NULL)
				break;
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static int strv_add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (nv[*n] == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

static bool strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

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
	out[0] = '\0';
	if (strncmp(path, "/dev/mapper/", 12) == 0) {
		for (size_t i = 0; i < st->n; i++)
			if (strcmp(st->b[i].dm_name, path + 12) == 0)
				snprintf(out, len, "%s", st->b[i].name);
		return;
	}
	if (strncmp(path, "/dev/", 5) == 0 && strchr(path + 5, '/') == NULL)
		snprintf(out, len, "%s", path + 5);
}

static int read_mounts(struct storage *st)
{
	char path[PATH_MAX], name[64];
	char *buf, *line, *save = NULL;
	int r = 0;

	/* mountinfo(5): "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - TYPE SOURCE SUPER"
	 * MAJ:MIN alone misses btrfs (an anonymous device number), so the
	 * source is matched too. */
	if (root_path(path, sizeof(path), "/proc/self/mountinfo") < 0 || (buf = read_whole(path)) == NULL)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && r == 0; line = strtok_r(NULL, "\n", &save)) {
		char devnum[32], src[PATH_MAX];
		const char *sep = strstr(line, " - ");

		if (sscanf(line, "%*s %*s %31s", devnum) == 1)
			r = strv_add(&st->mounted, &st->nmounted, devnum);
		if (r == 0 && sep && sscanf(sep + 3, "%*s %4095s", src) == 1) {
			dev_path_to_name(st, src, name, sizeof(name));
			if (name[0])
				r = strv_add(&st->mounted, &st->nmounted, name);
		}
	}
	free(buf);
	return r;
}

static int read_swaps(struct storage *st)
{
	char path[PATH_MAX], name[64];
	char *buf, *line, *save = NULL;
	int r = 0;

	if (root_path(path, sizeof(path), "/proc/swaps") < 0 || (buf = read_whole(path)) == NULL)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && r == 0; line = strtok_r(NULL, "\n", &save)) {
		char file[PATH_MAX];

		if (strncmp(line, "Filename", 8) == 0 || sscanf(line, "%4095s", file) != 1)
			continue;
		dev_path_to_name(st, file, name, sizeof(name));
		if (name[0])
			r = strv_add(&st->swaps, &st->nswaps, name);
	}
	free(buf);
	return r;
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
	return r;
}

void storage_free(struct storage *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->b[i].syspath);
		free(st->b[i].slaves);
	}
	for (size_t i = 0; i < st->nmounted; i++)
		free(st->mounted[i]);
	for (size_t i = 0; i < st->nswaps; i++)
		free(st->swaps[i]);
	free(st->b);
	free(st->mounted);
	free(st->swaps);
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

/* Does spec (a root= or resume= value) name @b? */
static bool spec_names(const struct storage *st, const struct blkdev *b, const char *spec)
{
	static const struct {
		const char *prefix, *tag;
	} bydir[] = {{"/dev/disk/by-uuid/", "UUID"},
		     {"/dev/disk/by-partuuid/", "PARTUUID"},
		     {"/dev/disk/by-label/", "LABEL"},
		     {"/dev/disk/by-partlabel/", "PARTLABEL"}};
	char *type = NULL, *val = NULL, name[64];
	bool hit = false;

	if (!spec[0])
		return false;
	for (size_t i = 0; i < sizeof(bydir) / sizeof(bydir[0]); i++) {
		size_t pl = strlen(bydir[i].prefix);

		if (strncmp(spec, bydir[i].prefix, pl) == 0) {
			type = strdup(bydir[i].tag);
			val = strdup(spec + pl);
			break;
		}
	}
	/* NAME=value, with libblkid's own quoting rules. */
	if (type == NULL && blkid_parse_tag_string(spec, &type, &val) != 0) {
		free(type);
		free(val);
		type = val = NULL;
	}
	if (type && val) {
		if (strcmp(type, "UUID") == 0)
			hit = strcasecmp(b->uuid, val) == 0;
		else if (strcmp(type, "PARTUUID") == 0)
			hit = strcasecmp(b->partuuid, val) == 0;
		else if (strcmp(type, "LABEL") == 0)
			hit = strcmp(b->label, val) == 0;
		else if (strcmp(type, "PARTLABEL") == 0)
			hit = strcmp(b->partlabel, val) == 0;
		free(type);
		free(val);
		return hit;
	}
	free(type);
	free(val);
	dev_path_to_name(st, spec, name, sizeof(name));
	if (name[0])
		return strcmp(name, b->name) == 0;
	/* /dev/VG/LV: LVM's symlink for the dm device "VG-LV" (dashes in
	 * either name doubled). */
	if (strncmp(spec, "/dev/", 5) == 0 && b->dm_name[0]) {
		const char *vg = spec + 5, *lv = strchr(vg, '/');
		char want[256];
		size_t o = 0;

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
		return strcmp(want, b->dm_name) == 0;
	}
	return false;
}

static void evaluate(struct storage *st, struct blkdev *b)
{
	b->holds = 0;
	if (spec_names(st, b, st->root))
		b->holds |= STORAGE_ROOT;
	if (spec_names(st, b, st->resume))
		b->holds |= STORAGE_RESUME;
	if ((b->devnum[0] && strv_has(st->mounted, st->nmounted, b->devnum)) ||
	    strv_has(st->mounted, st->nmounted, b->name))
		b->holds |= STORAGE_MOUNTED;
	if (strv_has(st->swaps, st->nswaps, b->name))
		b->holds |= STORAGE_SWAP;
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
		evaluate(st, &st->b[b->disk]);
	}
	if (b->disk >= 0)
		probe_partitions(st, b->disk);
	evaluate(st, b);
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

void storage_reasons(unsigned holds, char *buf, size_t len)
{
	buf[0] = '\0';
	if (holds & STORAGE_ROOT)
		str_append(buf, len, "%sroot=", buf[0] ? ", " : "");
	if (holds & STORAGE_RESUME)
		str_append(buf, len, "%sresume=", buf[0] ? ", " : "");
	if (holds & STORAGE_MOUNTED)
		str_append(buf, len, "%smounted", buf[0] ? ", " : "");
	if (holds & STORAGE_SWAP)
		str_append(buf, len, "%sswap", buf[0] ? ", " : "");
}
