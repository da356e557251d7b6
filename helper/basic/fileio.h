/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fileio.h - whole files: reading one into memory, replacing one
 * atomically, creating a directory path. The only ways vfiobind reads a
 * config-sized file whole or replaces a file it owns, so that every caller
 * gets the same EINTR handling, size cap and durability (systemd's
 * fileio.c and skalibs' openwritenclose_suffix() are the models).
 *
 * Paths are taken as given: a caller that works under the root prefix
 * (sysfs.h, root_path()) builds the path first.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* read_full() flags. */
enum {
	/* A file longer than @max is cut at @max bytes instead of -EFBIG. */
	READ_FULL_TRUNCATE = 1 << 0,
	/* Only a regular file: a directory is -EISDIR, anything else that
	 * is not a regular file (FIFO, device, socket) -EBADFD. */
	READ_FULL_REGULAR = 1 << 1,
	/* Opened O_NONBLOCK, and EAGAIN ends the data: /dev/kmsg hands out
	 * one record per read(2) and EAGAIN after the last
	 * (kernel/printk/printk.c, devkmsg_read()); it answers EINVAL when
	 * the next record does not fit what is left, so the buffer is grown
	 * first and, at @max, the data ends there as with TRUNCATE. */
	READ_FULL_NONBLOCK = 1 << 2,
};

/**
 * read_full() - read the file at @path whole into a new buffer.
 * @path:  the file (opened O_RDONLY|O_CLOEXEC|O_NOCTTY).
 * @max:   the most bytes taken; a config-sized cap, so that a wrong path
 *         (a disk, /dev/zero) cannot exhaust memory.
 * @flags: READ_FULL_* above, or 0.
 * @ret:   the data, NUL-terminated (one byte past @ret_len), to free();
 *         it may hold NUL bytes of its own. Untouched on error.
 * @ret_len: the number of bytes read, or NULL.
 *
 * Reads until end of file, never trusting st_size (/proc and sysfs files
 * report 0 or 4096); read(2) interrupted by a signal (EINTR) is retried.
 * Return: 0; -EFBIG when the file holds more than @max bytes (without
 * READ_FULL_TRUNCATE); -EISDIR or -EBADFD (READ_FULL_REGULAR); -ENOMEM;
 * or -errno from open(2), fstat(2) or read(2) (-ENOENT: no such file).
 */
int read_full(const char *path, size_t max, unsigned flags, char **ret, size_t *ret_len);

/**
 * write_atomic_fn - what write_atomic_stream() calls to fill the file.
 * @f:   the temporary file, a stdio stream; write with fprintf() & co.
 * @arg: the caller's pointer, passed through.
 * Return: 0, or -errno to abandon the write (the old file stays).
 * Stream errors need not be checked: write_atomic_stream() checks
 * ferror() and the final flush.
 */
typedef int write_atomic_fn(FILE *f, void *arg);

/**
 * write_atomic_stream() - replace the file @path with what @fn writes,
 * so that @path is, at every moment and after a crash at any moment,
 * either the old file whole or the new one whole, never a mix or a short
 * file. The one policy, and why each step:
 *
 *  1. A temporary file ".NAME.XXXXXX" in the same directory, created
 *     with mkostemp(3) (O_EXCL: never a file or link put there before;
 *     O_CLOEXEC: no child the launcher spawns inherits it): rename(2)
 *     is atomic only within one filesystem, and a reader never opens an
 *     unfinished file under the real name.
 *  2. Mode @mode set exactly (fchmod, not masked by the umask): the modes
 *     of these files are part of their contract (0600 for the launcher's
 *     hand-over record, 0644 for status).
 *  3. Everything written, the stream flushed, each error checked: a full
 *     disk fails here, before the old file is touched.
 *  4. fsync(2) of the file: without it a crash after the rename can leave
 *     the new name pointing at an empty or short file (ext4 and XFS
 *     order data and rename only with it).
 *  5. rename(2) over @path: the switch, atomic for every reader. A
 *     symbolic link at @path is replaced, never followed.
 *  6. fsync(2) of the directory: makes the rename itself durable, so the
 *     new file and not the old one is there after a crash.
 *
 * On tmpfs (/run, where bind writes at boot) both fsyncs cost nothing.
 * @path: the file to replace; its directory must exist (fs_mkdir_p()).
 * @mode: its permission bits, e.g. 0644.
 * Return: 0; the -errno of @fn; -EIO when a stream write failed (stdio
 * keeps no errno for it; -ENOSPC or -EFBIG come from the flush); or
 * -errno from mkostemp(3), fchmod(2), fdopen(3), fflush(3), fsync(2),
 * close(2) or rename(2), in which cases @path is untouched and the
 * temporary file removed; or -errno from opening or syncing the
 * directory, when the new file is in place but its rename may not survive
 * a crash.
 */
int write_atomic_stream(const char *path, mode_t mode, write_atomic_fn *fn, void *arg);

/**
 * write_atomic() - write_atomic_stream() of the @len bytes at @data.
 * Return: as write_atomic_stream(), a failed write as its own -errno
 * (-ENOSPC: disk full, -EFBIG: over the file size limit).
 */
int write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/**
 * fs_mkdir_p() - create a directory and its parents with mode @mode
 * exactly, whatever the umask (the launcher's unit has UMask=0077, and
 * QEMU, another user, must still reach its swtpm socket below the state
 * directory); one that exists is left as it is.
 * Return: 0 (also when it exists), -ENAMETOOLONG, or -errno from mkdir(2)
 * or chmod(2).
 */
int fs_mkdir_p(const char *path, unsigned mode);
