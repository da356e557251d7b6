// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * devns.c - the VM's own /dev (devns.h).
 */
#include "vm/devns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "basic/str.h"
#include "basic/sysfs.h"

/* linux/magic.h; hugetlbfs(5). */
#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

/* What every process finds in /dev: the pseudo devices of devices.txt
 * (Documentation/admin-guide/devices.txt, major 1 and 5), which
 * systemd's DevicePolicy=closed also allows. */
static const char *const pseudo[] = {"null", "zero", "full", "random", "urandom", "tty"};

static struct devns_entry *find(struct devns *ns, const char *path)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i].path, path) == 0)
			return &ns->v[i];
	return NULL;
}

static struct devns_entry *push(struct devns *ns, enum devns_kind kind, const char *path)
{
	struct devns_entry *e;

	if (strlen(path) >= DEVNS_PATH_MAX)
		return NULL;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		struct devns_entry *v = realloc(ns->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		ns->v = v;
		ns->cap = cap;
	}
	e = &ns->v[ns->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	str_copy(e->path, sizeof(e->path), path);
	return e;
}

static int push_link(struct devns *ns, const char *path, const char *target)
{
	struct devns_entry *e = push(ns, DEVNS_LINK, path);

	if (e == NULL)
		return -ENOMEM;
	str_copy(e->src, sizeof(e->src), target);
	return 0;
}

int devns_init(struct devns *ns, const char *stage, uid_t uid, gid_t gid)
{
	static const char *const fdlinks[][2] = {
	    {"/dev/fd", "/proc/self/fd"},
	    {"/dev/stdin", "/proc/self/fd/0"},
	    {"/dev/stdout", "/proc/self/fd/1"},
	    {"/dev/stderr", "/proc/self/fd/2"},
	};
	int r = 0;

	memset(ns, 0, sizeof(*ns));
	ns->uid = uid;
	ns->gid = gid;
	if (str_copy(ns->stage, sizeof(ns->stage), stage) < 0)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++) {
		char path[32];
		struct stat st;
		struct devns_entry *e;

		/* The real /dev, root prefix or not: these are the same
		 * everywhere, and no fake tree has them. */
		snprintf(path, sizeof(path), "/dev/%s", pseudo[i]);
		if (stat(path, &st) < 0)
			return -errno;
		e = push(ns, DEVNS_NODE, path);
		if (e == NULL)
			return -ENOMEM;
		e->mode = st.st_mode;
		e->rdev = st.st_rdev;
		e->uid = st.st_uid;
		e->gid = st.st_gid;
	}
	if (push(ns, DEVNS_PTS, "/dev/pts") == NULL || push(ns, DEVNS_TMPFS, "/dev/shm") == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(fdlinks) / sizeof(fdlinks[0]) && r == 0; i++)
		r = push_link(ns, fdlinks[i][0], fdlinks[i][1]);
	return r;
}

void devns_free(struct devns *ns)
{
	free(ns->v);
	ns->v = NULL;
	ns->n = ns->cap = 0;
}

/* "/dev/" and then components that are neither empty, "." nor "..". */
static bool clean_dev_path(const char *path)
{
	const char *p;

	if (strncmp(path, "/dev/", 5) != 0 || path[5] == '\0')
		return false;
	for (p = path + 4; *p;) {
		const char *c = p + 1, *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		p = c + n;
	}
	return true;
}

/* Whether @path is @dir or below it. */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool on_hugetlbfs(const char *full)
{
	struct statfs sf;

	return statfs(full, &sf) == 0 && (unsigned long)sf.f_type == (unsigned long)HUGETLBFS_MAGIC;
}

static int add_bind(struct devns *ns, const char *path, const char *full)
{
	struct devns_entry *e = find(ns, path);

	if (e == NULL && (e = push(ns, DEVNS_BIND, path)) == NULL)
		return -ENOMEM;
	e->kind = DEVNS_BIND;
	return str_copy(e->src, sizeof(e->src), full) < 0 ? -ENAMETOOLONG : 0;
}

/* A path below one already bind-mounted is there with it. */
static bool covered(const struct devns *ns, const char *path)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i].kind == DEVNS_BIND && under(path, ns->v[i].path))
			return true;
	return false;
}

int devns_add(struct devns *ns, const char *path, bool user, bool optional, char *why, size_t whylen)
{
	char full[PATH_MAX], dir[PATH_MAX];
	struct devns_entry *e;
	struct stat st;

	why[0] = '\0';
	if (!clean_dev_path(path) || strlen(path) >= DEVNS_PATH_MAX) {
		snprintf(why, whylen, "%s is not a path under /dev", path);
		return -EINVAL;
	}
	if (under(path, "/dev/pts") || strcmp(path, "/dev/ptmx") == 0) {
		snprintf(why, whylen, "%s: the VM has pseudo-terminals of its own, not the host's", path);
		return -EINVAL;
	}
	if (root_path(full, sizeof(full), "%s", path) < 0)
		return -ENAMETOOLONG;
	if (under(path, "/dev/shm")) {
		/* The host's /dev/shm, whole: the file may not exist until
		 * QEMU creates it, and the host side must see it. */
		if (root_path(dir, sizeof(dir), "/dev/shm") < 0)
			return -ENAMETOOLONG;
		return add_bind(ns, "/dev/shm", dir);
	}
	if (covered(ns, path))
		return 0;
	if (stat(full, &st) < 0) {
		char *slash;
		int r = -errno;

		if (r != -ENOENT)
			return r;
		if (optional)
			return 0;
		/* A file QEMU is to create in a hugetlbfs directory. */
		str_copy(dir, sizeof(dir), path);
		slash = strrchr(dir, '/');
		if (slash && slash > dir + 4) {
			char fulldir[PATH_MAX];

			*slash = '\0';
			if (root_path(fulldir, sizeof(fulldir), "%s", dir) == 0 && on_hugetlbfs(fulldir))
				return add_bind(ns, dir, fulldir);
		}
		snprintf(why, whylen, "%s does not exist", path);
		return -ENOENT;
	}
	if (S_ISDIR(st.st_mode)) {
		if (on_hugetlbfs(full))
			return add_bind(ns, path, full);
		snprintf(why, whylen, "%s is a directory, not a device node or a hugetlbfs mount", path);
		return -EINVAL;
	}
	/* A plain file under a root prefix is a fake tree's node. */
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode) && !(S_ISREG(st.st_mode) && root_get()[0])) {
		snprintf(why, whylen, "%s is not a device node", path);
		return -EINVAL;
	}
	e = find(ns, path);
	if (e == NULL) {
		e = push(ns, S_ISREG(st.st_mode) ? DEVNS_STANDIN : DEVNS_NODE, path);
		if (e == NULL)
			return -ENOMEM;
		e->mode = st.st_mode;
		e->rdev = st.st_rdev;
		e->uid = st.st_uid;
		e->gid = st.st_gid;
	}
	if (user) {
		e->mode = (st.st_mode & S_IFMT) | 0600;
		e->uid = ns->uid;
		e->gid = ns->gid;
	}
	return 0;
}

/* The "/dev/..." paths in one argument, each added. */
static int add_word(struct devns *ns, const char *w, char *why, size_t whylen)
{
	for (size_t i = 0; w[i]; i++) {
		char path[DEVNS_PATH_MAX];
		size_t n;
		int r;

		if ((i > 0 && !strchr("=,:", w[i - 1])) || strncmp(w + i, "/dev/", 5) != 0)
			continue;
		n = strcspn(w + i, ",");
		if (n >= sizeof(path)) {
			snprintf(why, whylen, "a /dev path of more than %zu bytes", sizeof(path) - 1);
			return -ENAMETOOLONG;
		}
		memcpy(path, w + i, n);
		path[n] = '\0';
		r = devns_add(ns, path, false, false, why, whylen);
		if (r < 0)
			return r;
		i += n - 1;
	}
	return 0;
}

int devns_add_args(struct devns *ns, const struct strv *av, size_t *bad, char *why, size_t whylen)
{
	why[0] = '\0';
	for (size_t i = 0; i < av->n; i++) {
		int r = add_word(ns, av->v[i], why, whylen);

		if (r < 0) {
			*bad = i;
			char part[256];

			str_copy(part, sizeof(part), why);
			snprintf(why, whylen, "argument '%.200s': %s", av->v[i], part);
			return r;
		}
	}
	return 0;
}

bool devns_uses_tap(const struct strv *av)
{
	for (size_t i = 0; i + 1 < av->n; i++) {
		const char *o = av->v[i], *v = av->v[i + 1];

		if (o[0] == '-' && o[1] == '-')
			o++;
		if ((strcmp(o, "-netdev") == 0 || strcmp(o, "-nic") == 0 || strcmp(o, "-net") == 0) &&
		    (strcmp(v, "tap") == 0 || strncmp(v, "tap,", 4) == 0 || strcmp(v, "bridge") == 0 ||
		     strncmp(v, "bridge,", 7) == 0))
			return true;
	}
	return false;
}

/* ---- in the child: no allocation, every failure named in @what ---------- */

/* mkdir -p of @path's parent directories, all below @stage. */
static int make_parents(const char *stage, const char *path)
{
	char buf[2 * DEVNS_PATH_MAX];
	size_t base = strlen(stage);

	if (snprintf(buf, sizeof(buf), "%s%s", stage, path + 4) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + base + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int build_one(const struct devns *ns, const struct devns_entry *e, const char *dst)
{
	int fd;

	switch (e->kind) {
	case DEVNS_NODE:
		if (mknod(dst, e->mode, e->rdev) < 0)
			return -errno;
		break;
	case DEVNS_STANDIN:
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		close(fd);
		break;
	case DEVNS_LINK:
		return symlink(e->src, dst) < 0 ? -errno : 0;
	case DEVNS_BIND:
		if (mkdir(dst, 0755) < 0 && errno != EEXIST)
			return -errno;
		return mount(e->src, dst, NULL, MS_BIND | MS_REC, NULL) < 0 ? -errno : 0;
	case DEVNS_PTS:
		if (mkdir(dst, 0755) < 0)
			return -errno;
		if (mount("devpts", dst, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
			return -errno;
		{
			char ptmx[2 * DEVNS_PATH_MAX];

			snprintf(ptmx, sizeof(ptmx), "%s/ptmx", ns->stage);
			return symlink("pts/ptmx", ptmx) < 0 ? -errno : 0;
		}
	case DEVNS_TMPFS:
		if (mkdir(dst, 01777) < 0)
			return -errno;
		return mount("vfiobind-shm", dst, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0 ? -errno : 0;
	}
	/* A node or stand-in: its owner, then its mode (chown(2) may clear
	 * set-ID bits, and the mode is exact whatever the umask). */
	if (chown(dst, e->uid, e->gid) < 0 || chmod(dst, e->mode & 07777) < 0)
		return -errno;
	return 0;
}

int devns_enter(const struct devns *ns, char *what, size_t len)
{
	char dst[2 * DEVNS_PATH_MAX];

	if (unshare(CLONE_NEWNS) < 0) {
		snprintf(what, len, "unshare(CLONE_NEWNS)");
		return -errno;
	}
	/* libvirt's virProcessSetupPrivateMountNS(): slave, not private, so
	 * that mounts the host makes later still reach the VM. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		snprintf(what, len, "making / a slave mount");
		return -errno;
	}
	if (mount("vfiobind-dev", ns->stage, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME, "mode=0755,size=1m") <
	    0) {
		snprintf(what, len, "mounting a tmpfs on %s", ns->stage);
		return -errno;
	}
	umask(0);
	/* Nodes and links first, mounts last: a mount covers a directory. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ns->n; i++) {
			const struct devns_entry *e = &ns->v[i];
			bool mounted = e->kind == DEVNS_BIND || e->kind == DEVNS_PTS || e->kind == DEVNS_TMPFS;
			int r;

			if (mounted != (pass == 1))
				continue;
			r = make_parents(ns->stage, e->path);
			if (r == 0 && snprintf(dst, sizeof(dst), "%s%s", ns->stage, e->path + 4) >= (int)sizeof(dst))
				r = -ENAMETOOLONG;
			if (r == 0)
				r = build_one(ns, e, dst);
			if (r < 0) {
				snprintf(what, len, "creating %s (%s)", e->path,
					 e->kind == DEVNS_NODE	 ? "mknod"
					 : e->kind == DEVNS_LINK ? "symlink"
								 : "mount");
				return r;
			}
		}
	}
	if (mount(ns->stage, "/dev", NULL, MS_MOVE, NULL) < 0) {
		snprintf(what, len, "moving %s over /dev", ns->stage);
		return -errno;
	}
	return 0;
}
