// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fileio.c - reading whole files, replacing files atomically, mkdir -p.
 */
#include "basic/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a read asks for at least while below @max: more than a /dev/kmsg
 * record can be (CONSOLE_EXT_LOG_MAX, include/linux/printk.h). */
#define READ_CHUNK 8192

static int grow(char **buf, size_t *cap, size_t need)
{
	char *nb;

	if (need <= *cap)
		return 0;
	nb = realloc(*buf, need);
	if (nb == NULL)
		return -ENOMEM;
	*buf = nb;
	*cap = need;
	return 0;
}

/* The buffer size for at least @n + @want bytes and the NUL, at most @max + 1. */
static size_t want_cap(size_t n, size_t want, size_t cap, size_t max)
{
	size_t c = cap > 1 ? (cap - 1) * 2 : 0;

	if (c < n + want)
		c = n + want;
	return (c > max ? max : c) + 1;
}

/* Whether there is more after @max bytes, without keeping it. */
static int more_after(int fd, unsigned flags)
{
	ssize_t k;
	char c;

	do {
		k = read(fd, &c, 1);
	} while (k < 0 && errno == EINTR);
	if (k < 0)
		return (flags & READ_FULL_NONBLOCK) && (errno == EAGAIN || errno == EINVAL) ? 0 : -errno;
	return k > 0;
}

static int check_regular(int fd, unsigned flags, size_t *hint)
{
	struct stat st;

	*hint = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		*hint = (size_t)st.st_size;
	if (!(flags & READ_FULL_REGULAR) || S_ISREG(st.st_mode))
		return 0;
	return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
}

static int read_fd(int fd, size_t max, unsigned flags, char **ret, size_t *ret_len)
{
	size_t n = 0, cap = 0, hint;
	char *buf = NULL;
	int r;

	r = check_regular(fd, flags, &hint);
	/* st_size is a hint only; one byte more to see the end in one read. */
	if (r == 0)
		r = grow(&buf, &cap, want_cap(0, hint ? hint + 1 : READ_CHUNK, 0, max));
	while (r == 0 && n < max) {
		ssize_t k;

		if (n + 1 == cap)
			r = grow(&buf, &cap, want_cap(n, READ_CHUNK, cap, max));
		if (r < 0)
			break;
		k = read(fd, buf + n, cap - 1 - n);
		if (k > 0) {
			n += (size_t)k;
			continue;
		}
		if (k == 0)
			break;
		if (errno == EINTR)
			continue;
		if ((flags & READ_FULL_NONBLOCK) && errno == EAGAIN)
			break;
		if ((flags & READ_FULL_NONBLOCK) && errno == EINVAL) {
			/* The next record does not fit: room for one, or stop at @max. */
			if (cap - 1 - n >= READ_CHUNK || cap - 1 == max)
				break;
			r = grow(&buf, &cap, want_cap(n, READ_CHUNK, cap, max));
			continue;
		}
		r = -errno;
	}
	if (r == 0 && n == max && !(flags & READ_FULL_TRUNCATE)) {
		r = more_after(fd, flags);
		if (r > 0)
			r = -EFBIG;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	*ret = buf;
	if (ret_len)
		*ret_len = n;
	return 0;
}

int read_full(const char *path, size_t max, unsigned flags, char **ret, size_t *ret_len)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | ((flags & READ_FULL_NONBLOCK) ? O_NONBLOCK : 0));
	if (fd < 0)
		return -errno;
	r = read_fd(fd, max, flags, ret, ret_len);
	close(fd);
	return r;
}

/* "DIR/.NAME.XXXXXX" for @path, and DIR alone in @dir ("." when none). */
static int temp_name(const char *path, char *tmp, size_t tmplen, char *dir, size_t dirlen)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t dl = slash ? (size_t)(slash - path) : 0;
	int n;

	if (name[0] == '\0')
		return -EISDIR;
	if (dl + 2 > dirlen)
		return -ENAMETOOLONG;
	if (slash == NULL)
		memcpy(dir, ".", 2);
	else if (dl == 0)
		memcpy(dir, "/", 2);
	else {
		memcpy(dir, path, dl);
		dir[dl] = '\0';
	}
	n = snprintf(tmp, tmplen, "%.*s.%s.XXXXXX", slash ? (int)(dl + 1) : 0, path, name);
	if (n < 0 || (size_t)n >= tmplen)
		return -ENAMETOOLONG;
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd, r = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Steps 2 to 4 of the policy on the new temporary file; closes @fd. */
static int fill_temp(int fd, mode_t mode, write_atomic_fn *fn, void *arg)
{
	FILE *f;
	int r;

	if (fchmod(fd, mode & 07777) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		r = -errno;
		close(fd);
		return r;
	}
	r = fn(f, arg);
	if (r == 0 && fflush(f) != 0)
		r = -errno;
	if (r == 0 && ferror(f))
		r = -EIO;
	if (r == 0 && fsync(fileno(f)) < 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

int write_atomic_stream(const char *path, mode_t mode, write_atomic_fn *fn, void *arg)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd, r;

	r = temp_name(path, tmp, sizeof(tmp), dir, sizeof(dir));
	if (r < 0)
		return r;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fill_temp(fd, mode, fn, arg);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_dir(dir);
}

struct bytes {
	const void *data;
	size_t len;
};

static int write_bytes(FILE *f, void *arg)
{
	const struct bytes *b = arg;

	errno = 0;
	if (b->len > 0 && fwrite(b->data, 1, b->len, f) != b->len)
		return errno ? -errno : -EIO;
	return 0;
}

int write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct bytes b = {data, len};

	return write_atomic_stream(path, mode, write_bytes, &b);
}

int fs_mkdir_p(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		bool last = *p == '\0';

		if (!last && *p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == 0) {
			/* mkdir(2) masks @mode with the umask: set it whole. */
			if (chmod(buf, mode) < 0)
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		}
		if (last)
			return 0;
		*p = '/';
	}
}
