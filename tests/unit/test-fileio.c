// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-fileio.c - read_full(), write_atomic() and fs_mkdir_p() in a
 * scratch directory: the new content is there, a file is replaced (a new
 * inode, never rewritten in place), no temporary file is left, and every
 * failure returns -errno with the old file intact.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/fileio.h"

static int passed, failed;
static char top[64];

static void check(int ok, const char *what, int r)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%sok %d - %s (returned %d%s%s)\n", ok ? "" : "not ", passed + failed, what, r, r < 0 ? ": " : "",
	       r < 0 ? strerror(-r) : "");
}

static const char *at(const char *name)
{
	static char path[4][256];
	static unsigned i;
	char *p = path[i++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", top, name);
	return p;
}

/* The whole file at @path equals @want. */
static int has(const char *path, const char *want)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

/* Number of entries of directory @dir whose name starts with '.' and is
 * not . or ..: write_atomic()'s temporary files. */
static int temps(const char *dir)
{
	char cmd[512];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "find '%s' -mindepth 1 -maxdepth 1 -name '.*' | wc -l", dir);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

static int put(const char *path, const char *s)
{
	FILE *f = fopen(path, "we");

	if (f == NULL)
		return -errno;
	fputs(s, f);
	return fclose(f) == 0 ? 0 : -errno;
}

static int lines(FILE *f, void *arg)
{
	for (int i = 1; i <= *(int *)arg; i++)
		fprintf(f, "line %d\n", i);
	return 0;
}

static int refuse(FILE *f, void *arg)
{
	(void)arg;
	fprintf(f, "half a record");
	return -ENOSPC;
}

static void test_write(void)
{
	struct stat before, after;
	int three = 3, r;

	r = write_atomic(at("new"), "hello\n", 6, 0640);
	check(r == 0 && has(at("new"), "hello\n"), "write_atomic: a new file has the content", r);
	check(stat(at("new"), &after) == 0 && (after.st_mode & 07777) == 0640, "write_atomic: mode exactly 0640", r);

	put(at("old"), "old content\n");
	stat(at("old"), &before);
	r = write_atomic_stream(at("old"), 0644, lines, &three);
	stat(at("old"), &after);
	check(r == 0 && has(at("old"), "line 1\nline 2\nline 3\n"), "write_atomic_stream: a file is replaced", r);
	check(before.st_ino != after.st_ino, "write_atomic_stream: by rename (a new inode, not rewritten in place)", r);
	check(temps(top) == 0, "no temporary file is left after success", r);

	r = write_atomic_stream(at("old"), 0644, refuse, NULL);
	check(r == -ENOSPC && has(at("old"), "line 1\nline 2\nline 3\n"),
	      "a writer's error is returned; the old file stays whole", r);
	check(temps(top) == 0, "no temporary file is left after the writer's error", r);

	r = write_atomic(at("missing/file"), "x", 1, 0644);
	check(r == -ENOENT && access(at("missing"), F_OK) < 0, "a missing directory: -ENOENT, nothing created", r);

	r = write_atomic(at("old/file"), "x", 1, 0644);
	check(r == -ENOTDIR && has(at("old"), "line 1\nline 2\nline 3\n"), "a file as directory: -ENOTDIR", r);

	mkdir(at("dir"), 0755);
	put(at("dir/inside"), "keep\n");
	r = write_atomic(at("dir"), "x", 1, 0644);
	check(r == -EISDIR && has(at("dir/inside"), "keep\n"), "a directory at the path: -EISDIR, left alone", r);
	check(temps(top) == 0, "no temporary file is left after a failed rename", r);

	put(at("target"), "target\n");
	symlink("target", at("link"));
	r = write_atomic(at("link"), "new\n", 4, 0644);
	check(r == 0 && has(at("link"), "new\n") && has(at("target"), "target\n") && lstat(at("link"), &after) == 0 &&
		  S_ISREG(after.st_mode),
	      "a symbolic link at the path is replaced, never followed", r);

	r = write_atomic(at(""), "x", 1, 0644);
	check(r == -EISDIR, "a path ending in '/': -EISDIR", r);
}

/* As an unprivileged user (root drops to nobody in a child, since root
 * writes anywhere): a directory it may not write. */
static void test_unwritable(void)
{
	int status = 0, r = 0;
	pid_t pid;

	mkdir(at("ro"), 0755);
	put(at("ro/file"), "old\n");
	chmod(at("ro/file"), 0644);
	if (geteuid() != 0)
		chmod(at("ro"), 0555);
	else
		chmod(top, 0755); /* nobody must reach ro/ */
	pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(100);
		r = write_atomic(at("ro/file"), "new\n", 4, 0644);
		_exit(r == -EACCES ? 0 : r < 0 ? -r : 101);
	}
	waitpid(pid, &status, 0);
	r = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	check(r == 0 && has(at("ro/file"), "old\n") && temps(at("ro")) == 0,
	      "a directory the writer may not write: -EACCES, the old file intact", r == 0 ? -EACCES : r);
	chmod(at("ro"), 0755);
}

/* A write the kernel refuses half-way (a full disk, here the file size
 * limit: EFBIG once past it) fails before the old file is touched. */
static void test_short_write(void)
{
	char data[65536];
	int status = 0, r;
	pid_t pid;

	memset(data, 'x', sizeof(data));
	put(at("limited"), "old\n");
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = {4096, 4096};

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(100);
		r = write_atomic(at("limited"), data, sizeof(data), 0644);
		_exit(r == -EFBIG ? 0 : r < 0 ? -r : 101);
	}
	waitpid(pid, &status, 0);
	r = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	check(r == 0 && has(at("limited"), "old\n") && temps(top) == 0,
	      "a write refused half-way (file size limit): -EFBIG, the old file intact, no temporary file",
	      r == 0 ? -EFBIG : r);
}

static void test_read(void)
{
	char big[100000], *buf = NULL;
	size_t len = 0;
	int r, fd;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	write_atomic(at("big"), big, sizeof(big), 0644);
	r = read_full(at("big"), sizeof(big), 0, &buf, &len);
	check(r == 0 && len == sizeof(big) && memcmp(buf, big, len) == 0 && buf[len] == '\0',
	      "read_full: 100000 bytes whole at a cap of exactly that, NUL-terminated", r);
	free(buf);
	buf = NULL;

	r = read_full(at("big"), sizeof(big) - 1, 0, &buf, &len);
	check(r == -EFBIG && buf == NULL, "read_full: one byte over the cap is -EFBIG", r);

	r = read_full(at("big"), 10, READ_FULL_TRUNCATE, &buf, &len);
	check(r == 0 && len == 10 && memcmp(buf, "abcdefghij", 11) == 0, "read_full: TRUNCATE keeps the cap's bytes",
	      r);
	free(buf);

	write_atomic(at("nul"), "a\0b", 3, 0644);
	r = read_full(at("nul"), 100, 0, &buf, &len);
	check(r == 0 && len == 3 && memcmp(buf, "a\0b", 4) == 0, "read_full: NUL bytes inside are kept", r);
	free(buf);

	write_atomic(at("empty"), "", 0, 0644);
	r = read_full(at("empty"), 100, READ_FULL_REGULAR, &buf, &len);
	check(r == 0 && len == 0 && buf[0] == '\0', "read_full: an empty file is an empty string", r);
	free(buf);

	r = read_full("/proc/self/status", 1 << 20, 0, &buf, &len);
	check(r == 0 && len > 100 && buf[len - 1] == '\n' && strstr(buf, "\nPid:"),
	      "read_full: a /proc file (st_size 0) whole", r);
	free(buf);

	r = read_full(at("nothing"), 100, 0, &buf, &len);
	check(r == -ENOENT, "read_full: a missing file is -ENOENT", r);
	r = read_full(at("dir"), 100, READ_FULL_REGULAR, &buf, &len);
	check(r == -EISDIR, "read_full: REGULAR refuses a directory: -EISDIR", r);
	r = read_full("/dev/null", 100, READ_FULL_REGULAR, &buf, &len);
	check(r == -EBADFD, "read_full: REGULAR refuses a device: -EBADFD", r);

	/* A FIFO whose writer stays: without NONBLOCK this would wait. */
	mkfifo(at("fifo"), 0600);
	fd = open(at("fifo"), O_RDWR | O_CLOEXEC);
	r = fd >= 0 && write(fd, "abc\n", 4) == 4 ? read_full(at("fifo"), 100, READ_FULL_NONBLOCK, &buf, &len) : -EIO;
	check(r == 0 && len == 4 && strcmp(buf, "abc\n") == 0, "read_full: NONBLOCK ends at EAGAIN", r);
	if (r == 0)
		free(buf);
	if (fd >= 0)
		close(fd);
}

static void test_mkdir(void)
{
	struct stat st;
	int r;

	r = fs_mkdir_p(at("a/b/c"), 0755);
	check(r == 0 && stat(at("a/b/c"), &st) == 0 && S_ISDIR(st.st_mode), "fs_mkdir_p: creates the parents", r);
	r = fs_mkdir_p(at("a/b/c"), 0755);
	check(r == 0, "fs_mkdir_p: an existing directory is fine", r);
	r = fs_mkdir_p(at("old/sub"), 0755);
	check(r == -ENOTDIR, "fs_mkdir_p: a file on the way is -ENOTDIR", r);
	/* The launcher's unit has UMask=0077; QEMU must still get through. */
	{
		mode_t old = umask(077);
		struct stat st2;

		r = fs_mkdir_p(at("m/n"), 0755);
		umask(old);
		check(r == 0 && stat(at("m"), &st) == 0 && stat(at("m/n"), &st2) == 0 && (st.st_mode & 07777) == 0755 &&
			  (st2.st_mode & 07777) == 0755,
		      "fs_mkdir_p: under umask 077 the new directories are 0755 all the same", r);
	}
}

static int rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(top, sizeof(top), "%s/fileio.XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_write();
	test_unwritable();
	test_short_write();
	test_read();
	test_mkdir();
	nftw(top, rm, 16, FTW_DEPTH | FTW_PHYS);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
