// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * image.c - walking an initramfs image: cpio parts, compressed parts piped
 * through the decompressor.
 */
#include "doctor/image.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/str.h"

struct walker {
	int (*want)(void *ctx, const char *name);
	cpio_cb cb;
	void *ctx;
	unsigned long long pos; /* bytes consumed from the current stream */
};

static int get(FILE *f, struct walker *w, void *buf, size_t n)
{
	if (n && fread(buf, 1, n, f) != n)
		return -EINVAL;
	w->pos += n;
	return 0;
}

static int skip(FILE *f, struct walker *w, unsigned long long n)
{
	char buf[4096];

	while (n > 0) {
		size_t k = n > sizeof(buf) ? sizeof(buf) : (size_t)n;

		if (get(f, w, buf, k) < 0)
			return -EINVAL;
		n -= k;
	}
	return 0;
}

static int align4(FILE *f, struct walker *w)
{
	return skip(f, w, (4 - w->pos % 4) % 4);
}

static int hex8(const char *p, unsigned long *out)
{
	char buf[9], *end;

	memcpy(buf, p, 8);
	buf[8] = '\0';
	errno = 0;
	*out = strtoul(buf, &end, 16);
	return errno || *end ? -EINVAL : 0;
}

/* One archive after its 6-byte magic was read: members up to TRAILER!!!. */
static int walk_archive(FILE *f, struct walker *w, bool magic_read)
{
	for (bool first = true;; first = false) {
		char hdr[110], name[4096];
		unsigned long mode, size, namesize;
		unsigned char *data = NULL;
		const char *n;
		int r;

		if (first && magic_read) {
			memcpy(hdr, "070701", 6);
			if (get(f, w, hdr + 6, sizeof(hdr) - 6) < 0)
				return -EINVAL;
		} else if (get(f, w, hdr, sizeof(hdr)) < 0) {
			return -EINVAL;
		}
		if (memcmp(hdr, "07070", 5) != 0 || (hdr[5] != '1' && hdr[5] != '2'))
			return -EINVAL;
		/* newc: magic, ino, mode, uid, gid, nlink, mtime, filesize,
		 * devmajor, devminor, rdevmajor, rdevminor, namesize, check */
		if (hex8(hdr + 14, &mode) < 0 || hex8(hdr + 54, &size) < 0 || hex8(hdr + 94, &namesize) < 0)
			return -EINVAL;
		if (namesize == 0 || namesize > sizeof(name))
			return -EINVAL;
		if (get(f, w, name, namesize) < 0 || align4(f, w) < 0)
			return -EINVAL;
		name[namesize - 1] = '\0';
		if (strcmp(name, "TRAILER!!!") == 0)
			return 0;
		n = name;
		while (n[0] == '.' && n[1] == '/')
			n += 2;
		while (n[0] == '/')
			n++;
		if (w->want && size <= CPIO_MAX_KEEP && w->want(w->ctx, n)) {
			data = malloc(size ? size : 1);
			if (data == NULL)
				return -ENOMEM;
			if (get(f, w, data, size) < 0) {
				free(data);
				return -EINVAL;
			}
		} else if (skip(f, w, size) < 0) {
			return -EINVAL;
		}
		r = align4(f, w);
		if (r == 0)
			r = w->cb(w->ctx, n, (mode_t)mode, data, size);
		free(data);
		if (r != 0)
			return r;
	}
}

/* What comes next in @f after NUL padding: 'c' cpio (magic consumed), 'z'
 * compressed (@magic holds its first bytes, stream positioned after them),
 * or 0 at the end. */
static int next_part(FILE *f, struct walker *w, unsigned char magic[6])
{
	int c;

	while ((c = fgetc(f)) == 0)
		w->pos++;
	if (c == EOF)
		return 0;
	w->pos++;
	magic[0] = (unsigned char)c;
	if (get(f, w, magic + 1, 5) < 0)
		return -EINVAL;
	if (memcmp(magic, "07070", 5) == 0 && (magic[5] == '1' || magic[5] == '2'))
		return 'c';
	return 'z';
}

static const char *decompressor(const unsigned char *m, const char **name)
{
	static const struct {
		unsigned char magic[6];
		size_t len;
		const char *prog, *name;
	} tab[] = {
	    {{0x1f, 0x8b}, 2, "gzip", "gzip"},
	    {{0xfd, '7', 'z', 'X', 'Z', 0}, 6, "xz", "xz"},
	    {{0x28, 0xb5, 0x2f, 0xfd}, 4, "zstd", "zstd"},
	    {{0x02, 0x21, 0x4c, 0x18}, 4, "lz4", "lz4"},
	    {{0x04, 0x22, 0x4d, 0x18}, 4, "lz4", "lz4"},
	    {{'B', 'Z', 'h'}, 3, "bzip2", "bzip2"},
	    {{0x5d, 0, 0}, 3, "xz", "lzma"},
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (memcmp(m, tab[i].magic, tab[i].len) == 0) {
			*name = tab[i].name;
			return tab[i].prog;
		}
	return NULL;
}

/* The decompressor reading @fd (positioned at the compressed part) and
 * writing to a pipe; stderr to /dev/null (trailing padding makes some
 * complain after the data). */
static pid_t run_decompressor(const char *prog, const char *fmt, int fd, int *out)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (dup2(fd, 0) < 0 || dup2(p[1], 1) < 0 || (null >= 0 && dup2(null, 2) < 0))
			_exit(127);
		if (strcmp(fmt, "lzma") == 0)
			execlp(prog, prog, "--format=lzma", "-dc", (char *)NULL);
		else
			execlp(prog, prog, "-dc", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

/* The members of the decompressor's output @z: cpio archives back to back,
 * as the kernel reads them (init/initramfs.c, unpack_to_rootfs()). */
static int walk_stream(FILE *z, struct walker *w, unsigned char *magic)
{
	int r = 0, kind;

	w->pos = 0;
	kind = next_part(z, w, magic);
	if (kind != 'c')
		r = -ENOEXEC; /* no tool, or not a cpio inside */
	while (r == 0 && kind == 'c') {
		r = walk_archive(z, w, true);
		if (r == 0)
			kind = next_part(z, w, magic);
	}
	if (r == 0 && kind == 'z')
		r = -EINVAL; /* nested compression: not what the kernel reads */
	return r;
}

/* The compressed part of @f that starts with @magic, through its
 * decompressor. Closes @f. */
static int walk_compressed(FILE *f, struct walker *w, unsigned char *magic, char *what, size_t whatlen)
{
	const char *fmt = NULL, *prog = decompressor(magic, &fmt);
	int fd = fileno(f), in = -1, st = 0, r;
	FILE *z;
	pid_t pid;

	if (prog == NULL) {
		fclose(f);
		return -EINVAL;
	}
	if (what)
		str_append(what, whatlen, "%s%s", what[0] ? " + " : "", fmt);
	/* The child reads the file from the compressed part on. */
	if (lseek(fd, (off_t)(w->pos - 6), SEEK_SET) < 0) {
		r = -errno;
		fclose(f);
		return r;
	}
	pid = run_decompressor(prog, fmt, fd, &in);
	fclose(f);
	if (pid < 0)
		return (int)pid;
	z = fdopen(in, "rb");
	if (z == NULL) {
		close(in);
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
		return -ENOMEM;
	}
	r = walk_stream(z, w, magic);
	/* Stop the tool if we stopped early; its exit code is not
	 * the answer (trailing padding upsets some). */
	kill(pid, SIGTERM);
	fclose(z);
	waitpid(pid, &st, 0);
	return r;
}

int cpio_walk_image(const char *path, int (*want)(void *ctx, const char *name), cpio_cb cb, void *ctx, char *what,
		    size_t whatlen)
{
	struct walker w = {want, cb, ctx, 0};
	unsigned char magic[6];
	FILE *f;
	int r, kind;

	if (what && whatlen)
		what[0] = '\0';
	f = fopen(path, "rbe");
	if (f == NULL)
		return -errno;
	while ((kind = next_part(f, &w, magic)) == 'c') {
		if (what)
			str_append(what, whatlen, "%scpio", what[0] ? " + " : "");
		r = walk_archive(f, &w, true);
		if (r != 0) {
			fclose(f);
			return r;
		}
	}
	if (kind == 'z')
		return walk_compressed(f, &w, magic, what, whatlen);
	fclose(f);
	return kind < 0 ? kind : 0;
}
