// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysfs.c - root-prefixed paths and checked sysfs attribute I/O.
 */
#include "basic/sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root_prefix[PATH_MAX];

int root_set(const char *dir)
{
	size_t len;

	root_prefix[0] = '\0';
	if (dir == NULL)
		return 0;
	len = strlen(dir);
	while (len > 0 && dir[len - 1] == '/')
		len--;
	if (len >= sizeof(root_prefix) - 64)
		return -ENAMETOOLONG;
	memcpy(root_prefix, dir, len);
	root_prefix[len] = '\0';
	return 0;
}

const char *root_get(void)
{
	return root_prefix;
}

int root_path(char *buf, size_t len, const char *fmt, ...)
{
	size_t rlen = strlen(root_prefix);
	va_list ap;
	int n;

	if (rlen >= len)
		return -ENAMETOOLONG;
	memcpy(buf, root_prefix, rlen);
	va_start(ap, fmt);
	n = vsnprintf(buf + rlen, len - rlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - rlen)
		return -ENAMETOOLONG;
	return 0;
}

FILE *root_fopen(const char *fmt, ...)
{
	char path[PATH_MAX];
	size_t rlen = strlen(root_prefix);
	va_list ap;
	int n;

	if (rlen >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(path, root_prefix, rlen);
	va_start(ap, fmt);
	n = vsnprintf(path + rlen, sizeof(path) - rlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path) - rlen) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return fopen(path, "re");
}

int sysfs_read_attr(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* sysfs hands out a whole attribute in the first read(2). */
	do {
		n = read(fd, buf, len - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

int sysfs_read_hex(const char *path, unsigned long *out)
{
	char buf[32], *end;
	unsigned long v;
	int r;

	r = sysfs_read_attr(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (strncmp(buf, "0x", 2) != 0 || buf[2] == '\0')
		return -EINVAL;
	errno = 0;
	v = strtoul(buf + 2, &end, 16);
	if (errno != 0 || *end != '\0' || v > 0xffffffffUL)
		return -EINVAL;
	*out = v;
	return 0;
}

int sysfs_write_attr(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	do {
		n = write(fd, val, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	/* Some store handlers only report at close (none of ours do, but a
	 * failed close on a sysfs file is still a failed write). */
	if (close(fd) < 0 && err == 0 && errno != EINTR)
		err = -errno;
	return err;
}

int sysfs_read_link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *name;
	ssize_t n;
	size_t nlen;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	name = strrchr(target, '/');
	name = name ? name + 1 : target;
	nlen = strlen(name);
	if (nlen >= len)
		return -ENAMETOOLONG;
	memcpy(buf, name, nlen + 1);
	return (int)nlen;
}

bool sysfs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}
