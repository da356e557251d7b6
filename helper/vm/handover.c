// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * handover.c - files handed to the VM's user, and the record of their
 * original owners.
 */
#include "vm/handover.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/str.h"
#include "basic/sysfs.h"

int hand_vfio_group_stat(int group, struct handed *h)
{
	struct stat st;

	memset(h, 0, sizeof(*h));
	if (root_path(h->path, sizeof(h->path), "/dev/vfio/%d", group) < 0)
		return -ENAMETOOLONG;
	if (lstat(h->path, &st) < 0)
		return -errno;
	h->uid = st.st_uid;
	h->gid = st.st_gid;
	h->mode = st.st_mode & 07777;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	return 0;
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
	if (fstat(fd, &st) < 0) {
		r = -errno;
	} else if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
		r = -EINVAL;
	} else {
		str_copy(h->path, sizeof(h->path), real);
		h->uid = st.st_uid;
		h->gid = st.st_gid;
		h->mode = st.st_mode & 07777;
		h->dev = st.st_dev;
		h->ino = st.st_ino;
		h->disk = true;
	}
	close(fd);
	return r;
}

static bool same_file(const struct stat *st, const struct handed *h)
{
	return st->st_dev == h->dev && st->st_ino == h->ino;
}

int hand_apply(const struct handed *h, const struct vmuser *u)
{
	struct stat st;
	int fd, r = 0;

	if (!h->disk) {
		if (lstat(h->path, &st) < 0)
			return -errno;
		if (!same_file(&st, h) || S_ISLNK(st.st_mode))
			return -ESTALE;
		if (lchown(h->path, u->uid, st.st_gid) < 0 || chmod(h->path, 0600) < 0)
			return -errno;
		return 0;
	}
	fd = open_disk(h->path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!same_file(&st, h))
		r = -ESTALE;
	else if (fchown(fd, u->uid, (gid_t)-1) < 0 || fchmod(fd, (st.st_mode & 0660) | 0600) < 0)
		r = -errno;
	close(fd);
	return r;
}

int hand_restore(const struct handed *h)
{
	struct stat st;

	if (lstat(h->path, &st) < 0)
		return -errno;
	if (!same_file(&st, h) || S_ISLNK(st.st_mode))
		return -ESTALE;
	if (lchown(h->path, h->uid, h->gid) < 0 || chmod(h->path, h->mode) < 0)
		return -errno;
	return 0;
}

struct record_args {
	const struct handed *h;
	size_t n;
};

static int print_record(FILE *f, void *arg)
{
	const struct record_args *a = arg;
	size_t skip = strlen(root_get());

	fprintf(f, "# vfiobind: owner and mode to give back: uid gid mode dev ino path\n");
	for (size_t i = 0; i < a->n; i++) {
		const struct handed *h = &a->h[i];

		fprintf(f, "%u %u %04o %llu %llu %s\n", (unsigned)h->uid, (unsigned)h->gid, (unsigned)h->mode,
			(unsigned long long)h->dev, (unsigned long long)h->ino, h->path + skip);
	}
	return 0;
}

int handed_record_write(const char *path, const struct handed *h, size_t n)
{
	struct record_args a = {h, n};

	for (size_t i = 0; i < n; i++)
		if (strchr(h[i].path, '\n'))
			return -EINVAL;
	return write_atomic_stream(path, 0600, print_record, &a);
}

/* One record line into @h; false when it is not one. */
static bool record_parse(const char *line, struct handed *h)
{
	unsigned uid, gid, mode;
	unsigned long long dev, ino;
	int off = -1;

	memset(h, 0, sizeof(*h));
	if (sscanf(line, "%u %u %o %llu %llu %n", &uid, &gid, &mode, &dev, &ino, &off) != 5 || off < 0 ||
	    line[off] != '/' || mode > 07777)
		return false;
	if (root_path(h->path, sizeof(h->path), "%s", line + off) < 0)
		return false;
	h->uid = uid;
	h->gid = gid;
	h->mode = mode;
	h->dev = (dev_t)dev;
	h->ino = (ino_t)ino;
	return true;
}

int handed_record_restore(const char *path, const char *vm)
{
	char line[PATH_MAX + 128];
	int n = 0;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		struct handed h;
		int r;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!record_parse(line, &h)) {
			WRN("VM %s: %s: not a record line: %.80s", vm, path, line);
			continue;
		}
		n++;
		r = hand_restore(&h);
		if (r == -ENOENT || r == -ESTALE)
			INF("VM %s: %s %s since it was handed over: nothing to give back", vm, h.path,
			    r == -ENOENT ? "is gone" : "was replaced");
		else if (r < 0)
			WRN("VM %s: giving %s back to uid %u failed: %s", vm, h.path, (unsigned)h.uid, strerror(-r));
		else
			NOTICE("VM %s: %s given back to uid %u (mode %04o)", vm, h.path, (unsigned)h.uid,
			       (unsigned)h.mode);
	}
	fclose(f);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return n;
}
