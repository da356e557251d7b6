// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * holders.c - VFIO group holders from the launcher state and /proc.
 */
#include "vm/holders.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/str.h"
#include "basic/sysfs.h"

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

void launcher_parse_text(const char *data, size_t len, int group, pid_t *pid, bool *has_group)
{
	char text[LAUNCHER_FILE_MAX], *line, *save = NULL;

	*pid = 0;
	*has_group = false;
	if (len > sizeof(text) - 1)
		len = sizeof(text) - 1;
	memcpy(text, data, len);
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p, *end, *s2 = NULL;
		unsigned long v;

		if (strncmp(line, "pid ", 4) == 0) {
			errno = 0;
			v = strtoul(line + 4, &end, 10);
			if (errno == 0 && *end == '\0' && v <= INT_MAX && line[4] >= '0' && line[4] <= '9')
				*pid = (pid_t)v;
		} else if (strncmp(line, "groups", 6) == 0) {
			for (p = strtok_r(line + 6, " ", &s2); p; p = strtok_r(NULL, " ", &s2))
				if (all_digits(p) && strtol(p, NULL, 10) == group)
					*has_group = true;
		}
	}
}

/* Parse a launcher file: its pid, and whether @group is listed. */
static void launcher_parse(int fd, int group, pid_t *pid, bool *has_group)
{
	char text[LAUNCHER_FILE_MAX];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	launcher_parse_text(text, n > 0 ? (size_t)n : 0, group, pid, has_group);
}

/* Whether the launcher file @fd is locked by a running launcher: a shared
 * lock cannot be had. One we get is dropped at once. */
static bool launcher_running(int fd)
{
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		return false;
	}
	return errno == EWOULDBLOCK;
}

int vm_launcher_lock(const char *name, pid_t *other)
{
	char path[PATH_MAX];
	bool g;
	int fd;

	*other = 0;
	if (root_path(path, sizeof(path), VM_RUN_DIR "/%s/launcher", name) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	for (int i = 0; i < 20; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK)
			break;
		usleep(50 * 1000);
	}
	launcher_parse(fd, -1, other, &g);
	close(fd);
	return -EBUSY;
}

bool vfio_group_busy(int group)
{
	char path[PATH_MAX];
	int fd;

	if (root_path(path, sizeof(path), "/dev/vfio/%d", group) < 0)
		return false;
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == EBUSY;
	close(fd);
	return false;
}

/* The same device node (a character device has its number, whatever
 * inode names it), or the same file (the fake trees of the tests). */
static bool same_node(const struct stat *a, const struct stat *b)
{
	if (S_ISCHR(a->st_mode) || S_ISCHR(b->st_mode))
		return S_ISCHR(a->st_mode) && S_ISCHR(b->st_mode) && a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int vfio_group_holders(int group, const char *skip_vm, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct stat want;
	struct dirent *de;
	int n = 0;
	DIR *dir;

	buf[0] = '\0';
	if (root_path(path, sizeof(path), VM_RUN_DIR) == 0 && (dir = opendir(path)) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			char lp[PATH_MAX];
			bool has;
			pid_t pid;
			int fd;

			if (de->d_name[0] == '.' || (skip_vm && strcmp(de->d_name, skip_vm) == 0) ||
			    root_path(lp, sizeof(lp), VM_RUN_DIR "/%s/launcher", de->d_name) < 0)
				continue;
			fd = open(lp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0)
				continue;
			launcher_parse(fd, group, &pid, &has);
			if (has && launcher_running(fd)) {
				str_append(buf, len, "%sVM %s (launcher pid %d)", n ? "; " : "", de->d_name, (int)pid);
				n++;
			}
			close(fd);
		}
		closedir(dir);
	}

	/* The file itself, not its name: the link text in /proc is the path
	 * as the process opened it, in its own mount namespace, where any
	 * user can mount a tmpfs and open a "/dev/vfio/2" of their own. */
	if (root_path(path, sizeof(path), "/dev/vfio/%d", group) < 0 || stat(path, &want) < 0)
		return n;
	if (root_path(path, sizeof(path), "/proc") < 0 || (dir = opendir(path)) == NULL)
		return n;
	while ((de = readdir(dir)) != NULL) {
		char fdpath[PATH_MAX], comm[64] = "";
		struct dirent *fe;
		DIR *fds;

		if (!all_digits(de->d_name) || (pid_t)strtol(de->d_name, NULL, 10) == getpid())
			continue;
		if (root_path(fdpath, sizeof(fdpath), "/proc/%s/fd", de->d_name) < 0 || (fds = opendir(fdpath)) == NULL)
			continue; /* gone, or not ours to read */
		while ((fe = readdir(fds)) != NULL) {
			char lp[PATH_MAX];
			struct stat st;

			if (fe->d_name[0] == '.' ||
			    root_path(lp, sizeof(lp), "/proc/%s/fd/%s", de->d_name, fe->d_name) < 0)
				continue;
			/* stat(2) through the magic link reaches the open file. */
			if (stat(lp, &st) < 0 || !same_node(&st, &want))
				continue;
			if (root_path(lp, sizeof(lp), "/proc/%s/comm", de->d_name) == 0)
				sysfs_read_attr(lp, comm, sizeof(comm));
			str_append(buf, len, "%spid %s (%s)", n ? "; " : "", de->d_name, comm[0] ? comm : "?");
			n++;
			break;
		}
		closedir(fds);
	}
	closedir(dir);
	return n;
}
