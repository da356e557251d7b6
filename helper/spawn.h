/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spawn.h - running a program as the VM's user, never as root, and the
 * files the launcher hands to that user.
 *
 * The child gets the user's uid, gid and supplementary groups (plus the
 * "kvm" group when it exists, so QEMU may open /dev/kvm without the user
 * being in it), a clean environment, its own session (a ^C at the
 * launcher's terminal goes to the launcher, which powers the guest down
 * instead), and SIGTERM when the launcher dies. Only the descriptors the
 * caller lists survive, at the numbers it asks for.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SPAWN_PATH	 "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SPAWN_MAX_GROUPS 64

struct vmuser {
	char name[64];
	uid_t uid;
	gid_t gid;
	char home[256];
	gid_t groups[SPAWN_MAX_GROUPS];
	int ngroups;
};

/**
 * vmuser_lookup() - the account @name: from the system's user database
 * (NSS), or from <root>/etc/passwd and <root>/etc/group when a root
 * prefix is set (tests).
 * Return: 0; -ESRCH when there is no such user; -EPERM when it is root
 * (uid 0); -ENOMEM.
 */
int vmuser_lookup(const char *name, struct vmuser *u);

/* A descriptor the child keeps: @fd moved to @target. */
struct spawn_fd {
	int fd;
	int target;
};

/**
 * spawn_as() - fork and exec @argv as @u.
 * @argv:  program (looked up in SPAWN_PATH when it has no '/') and
 *         arguments, NULL-terminated.
 * @env:   extra "NAME=value" entries (NULL-terminated, or NULL) added to
 *         PATH, HOME, USER, LOGNAME and LANG.
 * @fds:   descriptors to pass, @nfds of them; stdin is /dev/null, stdout
 *         and stderr are the launcher's (the journal, under systemd).
 *
 * Return: the child's pid, or -errno from fork(2). A failure in the child
 * (dropping privileges, exec) is reported on stderr and the child exits
 * with 127, which the caller sees as the child's exit.
 */
pid_t spawn_as(const struct vmuser *u, char *const argv[], char *const env[], const struct spawn_fd *fds, size_t nfds);

/* A file handed to the VM's user, with what to restore afterwards. */
struct handed {
	char path[PATH_MAX]; /* root-prefixed */
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

/**
 * hand_vfio_group() - give <root>/dev/vfio/@group to @u: owner @u, mode
 * 0600 (no group, no world). /dev is devtmpfs, root's alone, so the path
 * is changed directly (opening a VFIO group would claim it).
 * Return: 0 or -errno from stat(2)/chown(2)/chmod(2).
 */
int hand_vfio_group(int group, const struct vmuser *u, struct handed *h);

/**
 * hand_disk() - give @path (a block device, or a raw image file) to @u:
 * owner @u, world access removed, the group's kept.
 *
 * The path is resolved first and every directory on the resolved path
 * must be root's and not writable by group or others: otherwise the user
 * could swap a link between the check and the change and have root hand
 * them any disk. The change itself goes through a descriptor opened with
 * O_NOFOLLOW.
 * @why: a message when refused.
 * Return: 0; -ENOENT; -EPERM with @why; -EINVAL for a file that is
 * neither a block device nor a regular file; or another -errno.
 */
int hand_disk(const char *path, const struct vmuser *u, struct handed *h, char *why, size_t whylen);

/** hand_restore() - put owner and mode back. Return: 0 or -errno. */
int hand_restore(const struct handed *h);

/**
 * path_dirs_secure() - every directory above @real (an absolute, resolved
 * path under the root prefix, @skip bytes of prefix not checked) is owned
 * by root and not writable by group or others.
 * @why: the first offending directory when false.
 */
bool path_dirs_secure(const char *real, size_t skip, char *why, size_t whylen);
