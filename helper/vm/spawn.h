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
 * caller lists survive, at the numbers it asks for: every other one is
 * closed, however high its number (close_range(2), or each one in
 * /proc/self/fd where the kernel lacks it).
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "basic/cpulist.h"

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
 * (uid 0) or its primary group is root's (gid 0: every root-group file
 * would be its); -ENOMEM.
 */
int vmuser_lookup(const char *name, struct vmuser *u);

struct devns;

/* A descriptor the child keeps: @fd moved to @target. */
struct spawn_fd {
	int fd;
	int target;
};

/* What a child gets besides its program and user. */
struct spawn_opts {
	char *const *env;	    /* extra "NAME=value" entries, NULL-terminated, or NULL */
	const struct spawn_fd *fds; /* descriptors to pass, @nfds of them */
	size_t nfds;
	const struct devns *ns; /* its /dev (devns.h), or NULL: the host's */
	/* RLIMIT_MEMLOCK, soft and hard, in bytes: what it may lock and no
	 * more, whatever the launcher's own limit. */
	unsigned long long memlock;
	/* The CPUs it and every thread it makes may run on
	 * (sched_setaffinity(2), inherited); NULL or empty: the launcher's. */
	const struct cpuset *affinity;
};

/**
 * spawn_as() - fork and exec @argv as @u.
 * @argv: program (looked up in SPAWN_PATH when it has no '/') and
 *        arguments, NULL-terminated.
 * @o:    its environment (@o->env added to PATH, HOME, USER, LOGNAME and
 *        LANG), descriptors (stdin is /dev/null, stdout and stderr are the
 *        launcher's: the journal, under systemd), /dev and memlock limit.
 *
 * The child runs in a session of its own; when @o->ns is set, in a mount
 * namespace whose /dev is that list, built before root is dropped; with
 * its memlock limit set (setrlimit(2), as root: a limit above the
 * launcher's hard one needs it); with an empty capability bounding set
 * and ambient set (dropped as root, before setuid) and PR_SET_NO_NEW_PRIVS
 * (prctl(2)): nothing it execs gains a privilege.
 *
 * Return: the child's pid, or -errno from fork(2). A failure in the child
 * (its /dev, dropping privileges, exec) is reported on stderr and the
 * child exits with 127, which the caller sees as the child's exit.
 */
pid_t spawn_as(const struct vmuser *u, char *const argv[], const struct spawn_opts *o);
