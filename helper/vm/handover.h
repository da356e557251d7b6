/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * handover.h - the files the launcher hands to the VM's user
 * (/dev/vfio/<group>, declared disks) and the record that gives them back.
 *
 * The original owner and mode of every file are written to a record,
 * /run/vfiobind/vm/NAME/handed (root's, 0600, one "uid gid mode dev ino
 * path" line per file, path without the root prefix), and synced before
 * the first one changes hands. Whatever ends the launcher (SIGKILL at the
 * end of the unit's stop timeout, an OOM kill, a crash), the next start
 * and the unit's ExecStopPost find that record and give the files back;
 * without it the next launcher would note the user as the "original"
 * owner and the handover would become permanent.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vm/spawn.h"

/* A file handed to the VM's user, with what to restore afterwards. */
struct handed {
	char path[PATH_MAX]; /* root-prefixed */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	dev_t dev; /* the file's identity, checked before each change */
	ino_t ino;
	bool disk; /* changed through a descriptor; a vfio group by path */
};

/**
 * hand_vfio_group_stat() - what <root>/dev/vfio/@group is now, into @h.
 * Return: 0 or -errno from lstat(2); -ENAMETOOLONG.
 */
int hand_vfio_group_stat(int group, struct handed *h);

/**
 * hand_disk_stat() - resolve @path (a block device, or a raw image file)
 * and note what it is now, into @h.
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
 * hand_apply() - give @h's file to @u: owner @u, mode 0600 for a VFIO
 * group (/dev is devtmpfs, root's alone, and opening a VFIO group would
 * claim it, so the path is changed directly); for a disk the owner @u,
 * world access removed, the group's kept, through a descriptor opened
 * with O_NOFOLLOW.
 * Return: 0; -ESTALE when the file is no longer the one noted; -errno.
 */
int hand_apply(const struct handed *h, const struct vmuser *u);

/**
 * hand_restore() - put owner and mode back, if the file is still the one
 * noted (a link put in its place is never followed).
 * Return: 0; -ESTALE when another file is there now; -errno.
 */
int hand_restore(const struct handed *h);

/**
 * handed_record_write() - write the record @path (root-prefixed) of the
 * @n files in @h, mode 0600, with write_atomic_stream() (fileio.h): the
 * record is synced before the first file changes hands, and a crash
 * leaves the previous record or this one whole.
 * Return: 0; -EINVAL for a path with a newline (the record is one line
 * per file); or -errno from write_atomic_stream().
 */
int handed_record_write(const char *path, const struct handed *h, size_t n);

/**
 * handed_record_restore() - give back every file of the record @path and
 * remove it. @vm names the VM in the log lines (one per file).
 * Return: the number of files in the record (0 when there is none), or
 * -errno when it cannot be read (it is kept then).
 */
int handed_record_restore(const char *path, const char *vm);

/**
 * path_dirs_secure() - every directory above @real (an absolute, resolved
 * path under the root prefix, @skip bytes of prefix not checked) is owned
 * by root and not writable by group or others.
 * @why: the first offending directory when false.
 */
bool path_dirs_secure(const char *real, size_t skip, char *why, size_t whylen);
