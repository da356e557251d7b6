// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * handover.c - files handed to the VM's user, and the record of their
 * original owners.
 */
#include "vm/handover.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/str.h"
#include "basic/sysfs.h"
#include "vm/holders.h"

/* A record is a few lines per VM; a cap keeps a wrong file from memory. */
#define RECORD_MAX (1 << 20)

/* The kernel's include/uapi/linux/magic.h: spelled out, because musl's
 * static build has no kernel headers on its include path. */
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif
#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC 0x858458f6
#endif

/* Whether the filesystem holding @fd outlives a reboot: not tmpfs, not ramfs. devtmpfs is a tmpfs (or ramfs
 * without CONFIG_TMPFS) and reports its magic (drivers/base/devtmpfs.c).
 * Unknown (statfs failed): persistent, the safe side. */
static bool fs_persistent(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return true;
	return sf.f_type != TMPFS_MAGIC && sf.f_type != RAMFS_MAGIC;
}

/* The identity a handed file is checked by, with its inode number: st_dev
 * on tmpfs and ramfs, which a reboot empties anyway; elsewhere the
 * filesystem's ID from statfs(2) f_fsid, which ext4, btrfs (per
 * subvolume), f2fs and bcachefs derive from the filesystem's UUID: a
 * reboot may number the devices (dm-N, loopN, btrfs' anonymous st_dev)
 * differently, and the record under /var/lib must still know the file
 * (fs/ext4/super.c, fs/btrfs/super.c ext4_statfs/btrfs_statfs; xfs uses
 * the device number, as st_dev). fstatfs(2) takes O_PATH descriptors
 * (open(2), since Linux 3.12). Return: false when fstatfs fails. */
static bool file_identity(int fd, const struct stat *st, dev_t *id)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	if (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC)
		*id = st->st_dev;
	else
		*id = (dev_t)((uint64_t)(uint32_t)sf.f_fsid.__val[0] | (uint64_t)(uint32_t)sf.f_fsid.__val[1] << 32);
	return true;
}

int handed_record_path(char *buf, size_t len, const char *name, bool persistent)
{
	if (persistent)
		return root_path(buf, len, HANDED_LIB_DIR "/%s.handed", name);
	return root_path(buf, len, VM_RUN_DIR "/%s/handed", name);
}

bool path_dirs_secure(const char *real, size_t skip, char *why, size_t whylen)
{
	char dir[PATH_MAX];
	size_t len = strlen(real);

	if (len >= sizeof(dir))
		return false;
	memcpy(dir, real, len + 1);
	/* Each ancestor, from the nearest up to the top of the tree. */
	for (char *slash = strrchr(dir, '/'); slash; slash = strrchr(dir, '/')) {
		struct stat st;

		*slash = '\0';
		if (strlen(dir) < skip)
			break;
		if (lstat(dir[0] ? dir : "/", &st) < 0 || !S_ISDIR(st.st_mode)) {
			snprintf(why, whylen, "%s is not a directory", dir[0] ? dir : "/");
			return false;
		}
		if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
			snprintf(why, whylen, "%s is %s", dir[0] ? dir : "/",
				 st.st_uid != 0 ? "not owned by root" : "writable by group or others");
			return false;
		}
		if (slash == dir)
			break;
	}
	return true;
}

static int open_disk(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int hand_disk_stat(const char *path, struct handed *h, char *why, size_t whylen)
{
	char full[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int fd, r = 0;

	memset(h, 0, sizeof(*h));
	why[0] = '\0';
	if (root_path(full, sizeof(full), "%s", path) < 0)
		return -ENAMETOOLONG;
	if (realpath(full, real) == NULL)
		return -errno;
	if (!path_dirs_secure(real, strlen(root_get()), why, whylen))
		return -EPERM;
	fd = open_disk(real);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !file_identity(fd, &st, &h->dev)) {
		r = -errno;
	} else if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
		r = -EINVAL;
	} else {
		str_copy(h->path, sizeof(h->path), real);
		h->uid = st.st_uid;
		h->gid = st.st_gid;
		h->mode = st.st_mode;
		h->ino = st.st_ino;
		h->disk = true;
		h->persistent = fs_persistent(fd);
	}
	close(fd);
	return r;
}

/* The file noted in @h, open as @fd: same identity (file_identity()),
 * inode and type. A record of an older vfiobind has no type (mode & S_IFMT
 * 0): a link is still refused. */
static bool same_file(int fd, const struct stat *st, const struct handed *h)
{
	dev_t id;

	if (S_ISLNK(st->st_mode))
		return false;
	if ((h->mode & S_IFMT) && (st->st_mode & S_IFMT) != (h->mode & S_IFMT))
		return false;
	return file_identity(fd, st, &id) && id == h->dev && st->st_ino == h->ino;
}

/* The file at @path, never a link's target: O_PATH opens without reading
 * or claiming it (a VFIO group is claimed by open(2)), O_NOFOLLOW opens a
 * link as itself. Checked against @h. Return: the descriptor; -ESTALE. */
static int open_noted(const struct handed *h)
{
	struct stat st;
	int fd = open(h->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (!same_file(fd, &st, h)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* Owner and mode of the file behind the O_PATH descriptor @fd. fchmod(2)
 * refuses O_PATH descriptors (EBADF, open(2)), fchmodat(2) has no
 * AT_EMPTY_PATH before fchmodat2 (Linux 6.6): chmod(2) follows the
 * /proc/self/fd magic link to that very file instead. chown first: it
 * clears set-user-ID and set-group-ID bits that chmod then puts back. */
static int fd_chown_chmod(int fd, uid_t uid, gid_t gid, mode_t mode)
{
	char proc[64];

	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (chmod(proc, mode & 07777) < 0)
		return errno == ENOENT ? -EIO : -errno; /* no /proc: not "the file is gone" */
	return 0;
}

int hand_apply(const struct handed *h, const struct vmuser *u)
{
	struct stat st;
	int fd, r = 0;

	if (!h->disk) {
		fd = open_noted(h);
		if (fd < 0)
			return fd;
		r = fd_chown_chmod(fd, u->uid, h->gid, 0600);
		close(fd);
		return r;
	}
	fd = open_disk(h->path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!same_file(fd, &st, h))
		r = -ESTALE;
	else if (fchown(fd, u->uid, (gid_t)-1) < 0 || fchmod(fd, (st.st_mode & 0660) | 0600) < 0)
		r = -errno;
	close(fd);
	return r;
}

int hand_restore(const struct handed *h)
{
	int fd = open_noted(h), r;

	if (fd < 0)
		return fd;
	r = fd_chown_chmod(fd, h->uid, h->gid, h->mode);
	close(fd);
	return r;
}

int handed_record_format(FILE *f, const struct handed *h, size_t n)
{
	const char *root = root_get();
	size_t skip = strlen(root);

	for (size_t i = 0; i < n; i++)
		if (strchr(h[i].path, '\n') || strncmp(h[i].path, root, skip) != 0 || h[i].path[skip] != '/')
			return -EINVAL;
	fprintf(f, "# vfiobind: owner and mode to give back: uid gid mode dev ino path\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%u %u %07o %llu %llu %s\n", (unsigned)h[i].uid, (unsigned)h[i].gid, (unsigned)h[i].mode,
			(unsigned long long)h[i].dev, (unsigned long long)h[i].ino, h[i].path + skip);
	return 0;
}

struct record_args {
	const struct handed *h;
	size_t n;
};

static int print_record(FILE *f, void *arg)
{
	const struct record_args *a = arg;

	return handed_record_format(f, a->h, a->n);
}

int handed_record_write(const char *path, const struct handed *h, size_t n)
{
	struct record_args a = {h, n};

	if (n == 0)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	return write_atomic_stream(path, 0600, print_record, &a);
}

/* One number of @base (8 or 10) from *@p up to the next space, at most
 * @max: digits only (strtoull(3) would take a sign and blanks). */
static bool field_num(const char **p, const char *end, int base, unsigned long long max, unsigned long long *v)
{
	const char *s = *p;

	*v = 0;
	if (s == end || *s < '0' || *s >= '0' + base)
		return false;
	for (; s < end && *s >= '0' && *s < '0' + base; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (*v > (max - d) / (unsigned)base)
			return false;
		*v = *v * (unsigned)base + d;
	}
	if (s == end || *s != ' ')
		return false;
	*p = s + 1;
	return true;
}

/* One record line [@s, @end) into @h; what is wrong into @what. */
static bool record_line(const char *s, const char *end, struct handed *h, const char **what)
{
	unsigned long long uid, gid, mode, dev, ino;
	mode_t type;

	memset(h, 0, sizeof(*h));
	if (!field_num(&s, end, 10, 0xfffffffeULL, &uid) || !field_num(&s, end, 10, 0xfffffffeULL, &gid)) {
		*what = "not a uid and gid below 4294967295";
		return false;
	}
	if (!field_num(&s, end, 8, 0177777, &mode)) {
		*what = "not an octal mode";
		return false;
	}
	type = (mode_t)mode & S_IFMT;
	if (type != 0 && type != S_IFREG && type != S_IFBLK && type != S_IFCHR) {
		*what = "not the mode of a regular file or a device";
		return false;
	}
	if (!field_num(&s, end, 10, (unsigned long long)(dev_t)-1, &dev) ||
	    !field_num(&s, end, 10, (unsigned long long)(ino_t)-1, &ino)) {
		*what = "not a device and inode number";
		return false;
	}
	if (s == end || *s != '/') {
		*what = "not an absolute path";
		return false;
	}
	if (memchr(s, '\0', (size_t)(end - s))) {
		*what = "a NUL byte in the path";
		return false;
	}
	if (root_path(h->path, sizeof(h->path), "%.*s", (int)(end - s), s) < 0) {
		*what = "path too long";
		return false;
	}
	h->uid = (uid_t)uid;
	h->gid = (gid_t)gid;
	h->mode = (mode_t)mode;
	h->dev = (dev_t)dev;
	h->ino = (ino_t)ino;
	h->disk = type != S_IFCHR;
	return true;
}

int handed_record_parse(const char *text, size_t len, const char *file, struct handed **ret, size_t *ret_n, char *err,
			size_t errlen)
{
	const char *p = text, *end = text + len;
	struct handed *h = NULL;
	size_t n = 0, cap = 0;
	unsigned lineno = 0;

	*ret = NULL;
	*ret_n = 0;
	err[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end, *what;

		lineno++;
		if (eol > p && p[0] != '#') {
			if (n == cap) {
				struct handed *g = reallocarray(h, cap ? cap * 2 : 4, sizeof(*h));

				if (g == NULL) {
					free(h);
					return -ENOMEM;
				}
				h = g;
				cap = cap ? cap * 2 : 4;
			}
			if (!record_line(p, eol, &h[n], &what)) {
				snprintf(err, errlen, "%s:%u: %s: '%.*s'", file, lineno, what,
					 (int)((eol - p) > 120 ? 120 : eol - p), p);
				free(h);
				return -EINVAL;
			}
			n++;
		}
		p = nl ? nl + 1 : end;
	}
	*ret = h;
	*ret_n = n;
	return 0;
}

size_t handed_restore_all(struct handed *h, size_t n, const char *vm)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		int r = hand_restore(&h[i]);

		if (r == -ENOENT) {
			INF("VM %s: %s is gone since it was handed over: nothing to give back", vm, h[i].path);
		} else if (r == -ESTALE) {
			WRN("VM %s: %s is a link or another file since it was handed over: not touched", vm, h[i].path);
		} else if (r < 0) {
			WRN("VM %s: giving %s back to uid %u failed: %s; kept in the record", vm, h[i].path,
			    (unsigned)h[i].uid, strerror(-r));
			if (kept != i)
				memmove(&h[kept], &h[i], sizeof(*h));
			kept++;
		} else {
			NOTICE("VM %s: %s given back to uid %u (mode %04o)", vm, h[i].path, (unsigned)h[i].uid,
			       (unsigned)(h[i].mode & 07777));
		}
	}
	return kept;
}

int handed_record_restore(const char *path, const char *vm)
{
	char err[PATH_MAX + 256];
	struct handed *h;
	size_t n, kept;
	char *text;
	int r;

	r = read_full(path, RECORD_MAX, READ_FULL_REGULAR, &text, &n);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = handed_record_parse(text, n, path, &h, &n, err, sizeof(err));
	free(text);
	if (r < 0) {
		if (r == -EINVAL)
			ERR("VM %s: %s; nothing in that record given back, and it is kept: fix or remove it", vm, err);
		return r;
	}
	kept = handed_restore_all(h, n, vm);
	r = handed_record_write(path, h, kept);
	free(h);
	if (r < 0)
		return r;
	return (int)kept;
}
