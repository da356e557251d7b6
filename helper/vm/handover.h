/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * handover.h - the files the launcher hands to the VM's user (declared
 * disks that are image files; a block device and the VM's IOMMU groups
 * get nodes of their own in QEMU's /dev instead, devns.h, and the host's
 * stay root's) and the record that gives them back.
 *
 * The original owner and mode of every file are written to a record
 * (root's, 0600, one "uid gid mode dev ino path" line per file: mode is
 * st_mode in octal, the file type with the permissions; dev the file
 * system's identity, st_dev on tmpfs and ramfs, statfs(2) f_fsid elsewhere
 * (derived from the file system's UUID by ext4, btrfs, f2fs, bcachefs: it
 * survives a reboot that numbers devices differently); path without the
 * root prefix) and synced before the first one changes hands. Two records,
 * by where the file lives:
 *   /run/vfiobind/vm/NAME/handed       files on tmpfs or ramfs (devtmpfs is
 *                                      one of them: the /dev/vfio/<group>
 *                                      an older vfiobind handed over), gone
 *                                      at a reboot together with the record;
 *   /var/lib/vfiobind/NAME.handed      every other file (an image file on
 *                                      ext4, btrfs, ...), which outlives a
 *                                      host crash, so its record must too.
 * The filesystem decides (statfs(2) f_type), not the path: a disk can be
 * a /dev node, and an image can sit on a tmpfs. Whatever ends the
 * launcher (SIGKILL at the end of the unit's stop timeout, an OOM kill, a
 * host crash), the next start and the unit's ExecStopPost find the records
 * and give the files back first; without them the next launcher would
 * note the user as the "original" owner and the hand-over would become
 * permanent.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "vm/spawn.h"

/* A file handed to the VM's user, with what to restore afterwards. */
struct handed {
	char path[PATH_MAX]; /* root-prefixed */
	uid_t uid;
	gid_t gid;
	mode_t mode;	 /* st_mode: file type and permissions */
	dev_t dev;	 /* its file system (st_dev or f_fsid, above) and */
	ino_t ino;	 /* inode: checked before each change */
	bool disk;	 /* a declared disk (owner and mode as for a disk) */
	bool persistent; /* outlives a reboot: recorded under /var/lib */
};

#define HANDED_LIB_DIR "/var/lib/vfiobind"

/**
 * hand_disk_stat() - resolve @path (a block device, or a raw image file)
 * and note what it is now, into @h, with whether its filesystem outlives
 * a reboot (not tmpfs or ramfs, fstatfs(2)).
 *
 * Every directory on the resolved path must be root's and not writable
 * by group or others: otherwise the user could swap a link between the
 * check and the change and have root hand them any disk.
 * @why: a message when refused.
 * Return: 0; -ENOENT; -EPERM with @why; -EINVAL for a file that is
 * neither a block device nor a regular file; or another -errno.
 */
int hand_disk_stat(const char *path, struct handed *h, char *why, size_t whylen);

/**
 * hand_apply() - give @h's file to @u: for a disk the owner @u, world
 * access removed, the group's kept, through a descriptor opened with
 * O_NOFOLLOW; for anything else (no caller since QEMU's /dev holds its
 * own nodes) owner @u, mode 0600, through O_PATH, which opens a device
 * node without claiming it.
 * Return: 0; -ESTALE when the file is no longer the one noted; -errno.
 */
int hand_apply(const struct handed *h, const struct vmuser *u);

/**
 * hand_restore() - put owner and mode back, if the file at the path is
 * still the one noted: opened O_PATH|O_NOFOLLOW, its file system's
 * identity, st_ino and file type compared with @h, then
 * fchownat(AT_EMPTY_PATH) and chmod(2) through /proc/self/fd/N (fchmod(2)
 * refuses O_PATH descriptors, open(2)).
 * A link or another file put at the path is never touched.
 * Return: 0; -ENOENT the file is gone; -ESTALE a link or another file is
 * there now; -EIO /proc is not mounted; another -errno (a real error:
 * the caller keeps the line).
 */
int hand_restore(const struct handed *h);

/**
 * handed_record_format() - serialise @n entries of @h, one line each
 * ("uid gid mode dev ino path", after a comment line), the root prefix
 * (root_get()) taken off each path.
 * Return: 0; -EINVAL for a path with a newline or outside the root prefix.
 */
int handed_record_format(FILE *f, const struct handed *h, size_t n);

/**
 * handed_record_parse() - parse the record text @text (@len bytes) that
 * handed_record_format() wrote; the root prefix is put before each path.
 * Strict: every line is a comment ('#'), empty, or exactly
 * "UID GID MODE DEV INO /PATH": decimal UID and GID below 2^32-1 (-1
 * would mean "unchanged" to chown(2)), MODE octal with at most 07777 of
 * permissions and the type of a regular file, a block or character device
 * (or none, from a record of an older vfiobind), DEV and INO decimal,
 * fields one space apart, no NUL byte.
 * @file:  named in @err.
 * @ret:   the entries, to free(); NULL with @ret_n 0 for none.
 * @err:   "FILE:LINE: what: 'VALUE'" for the first bad line.
 * Return: 0; -EINVAL a bad line (nothing returned); -ENOMEM.
 */
int handed_record_parse(const char *text, size_t len, const char *file, struct handed **ret, size_t *ret_n, char *err,
			size_t errlen);

/**
 * handed_record_write() - replace the record @path (root-prefixed) with
 * the @n entries of @h, mode 0600, with write_atomic_stream() (fileio.h:
 * temporary file, fsync, rename, fsync of the directory); @n 0 removes it.
 * Return: 0; -EINVAL (handed_record_format()); or -errno from
 * write_atomic_stream() or unlink(2).
 */
int handed_record_write(const char *path, const struct handed *h, size_t n);

/**
 * handed_restore_all() - hand_restore() each of the @n entries of @h,
 * one log line each naming VM @vm; the entries that failed with a real
 * error are moved to the front, in order.
 * Return: how many failed (and so must stay recorded).
 */
size_t handed_restore_all(struct handed *h, size_t n, const char *vm);

/**
 * handed_record_restore() - give back every file of the record @path,
 * then keep in it (rewritten atomically) only the lines that failed with
 * a real error; remove it when none did. A record with a bad line is not
 * acted on at all: logged as "FILE:LINE: ..." and kept as it is.
 * @vm names the VM in the log lines.
 * Return: the number of lines kept (0 also when there is no record);
 * -EINVAL a bad line; or -errno when it cannot be read or rewritten.
 */
int handed_record_restore(const char *path, const char *vm);

/**
 * handed_record_path() - the record of VM @name (root-prefixed) for
 * the files that outlive a reboot (@persistent, HANDED_LIB_DIR/NAME.handed)
 * or the others (/run/vfiobind/vm/NAME/handed), into @buf.
 * Return: 0, or -ENAMETOOLONG.
 */
int handed_record_path(char *buf, size_t len, const char *name, bool persistent);

/**
 * path_dirs_secure() - every directory above @real (an absolute, resolved
 * path under the root prefix, @skip bytes of prefix not checked) is owned
 * by root and not writable by group or others.
 * @why: the first offending directory when false.
 */
bool path_dirs_secure(const char *real, size_t skip, char *why, size_t whylen);
