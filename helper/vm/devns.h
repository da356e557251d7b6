/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * devns.h - the /dev a VM's QEMU (or its swtpm) sees: a fresh tmpfs in a
 * mount namespace of its own, holding only the nodes that VM needs.
 *
 * libvirt's QEMU driver does the same per domain (qemu.conf namespaces =
 * ["mount"], qemu_namespace.c): unshare(CLONE_NEWNS), every mount made a
 * slave of the host's, a tmpfs built on a staging directory, the nodes
 * created in it with mknod(2), then moved over /dev (MS_MOVE). Here the
 * list is collected by the launcher, as root, before the fork: every
 * refusal is the launcher's message, with the VM's name. The child only
 * builds what the list says (devns_enter()), still as root, before it
 * drops to the VM's user.
 *
 * What a node's owner is: the VM's IOMMU groups (/dev/vfio/N) and its
 * declared block-device disks are created for the VM's user, mode 0600,
 * while the host's nodes stay root's: no other process of the user can
 * open them, and after a crash there is nothing to give back. Every other
 * node keeps its host owner and mode: the namespace makes a node visible,
 * never more open than on the host (a block device named only in `args`
 * stays the disk group's, as it is for the user without vfiobind).
 *
 * Under a root prefix (tests) the VM-specific nodes come from the tree:
 * a plain file there (the fake trees are plain files) becomes an empty
 * stand-in file with the owner and mode a node would get; the pseudo
 * devices (null, zero, ...) always come from the real /dev.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "basic/strv.h"

/* A path in the VM's /dev, as QEMU's arguments name it. */
#define DEVNS_PATH_MAX 256

enum devns_kind {
	DEVNS_NODE,    /* mknod(2) @mode @rdev, then @uid @gid */
	DEVNS_STANDIN, /* an empty regular file (a fake tree's node) */
	DEVNS_BIND,    /* the host directory @src bind-mounted (hugetlbfs, /dev/shm) */
	DEVNS_LINK,    /* a symbolic link to @src */
	DEVNS_PTS,     /* a new devpts instance, /dev/ptmx a link into it */
	DEVNS_TMPFS,   /* a private tmpfs, mode 1777 (/dev/shm) */
};

struct devns_entry {
	enum devns_kind kind;
	char path[DEVNS_PATH_MAX]; /* "/dev/..." */
	mode_t mode;		   /* file type and permissions (NODE, STANDIN) */
	dev_t rdev;
	uid_t uid;
	gid_t gid;
	char src[DEVNS_PATH_MAX]; /* BIND: host path (root-prefixed); LINK: target */
};

struct devns {
	struct devns_entry *v;
	size_t n, cap;
	char stage[DEVNS_PATH_MAX]; /* an empty directory to build on */
	uid_t uid;		    /* the VM's user, for devns_add(.user = true) */
	gid_t gid;
};

/**
 * devns_init() - an empty list for the VM's user @uid:@gid, built on the
 * directory @stage (created
 * by the caller, root's, empty; a tmpfs is mounted on it only inside the
 * child's namespace), then the nodes every process needs: null, zero,
 * full, random, urandom and tty with their host owner and mode, a devpts
 * instance of its own (ptmx, pts/), /dev/shm as a private tmpfs, and the
 * links fd, stdin, stdout and stderr into /proc/self/fd.
 * Return: 0; -ENAMETOOLONG; -ENOMEM; -errno from stat(2) of a pseudo
 * device.
 */
int devns_init(struct devns *ns, const char *stage, uid_t uid, gid_t gid);

/** devns_free() - release @ns; it may be zeroed or half built. */
void devns_free(struct devns *ns);

/**
 * devns_add() - put @path (absolute, under /dev, as QEMU opens it) in the
 * VM's /dev: the node the host has there (symbolic links followed), for
 * @owner with mode 0600 when @owner is set, else with its host owner and
 * mode. A directory on hugetlbfs is bind-mounted; a path under /dev/shm
 * brings the host's /dev/shm instead of the private one (a shared-memory
 * file the host reads, as Looking Glass's). A path already in the list
 * is not added twice, but a later @user wins.
 * @optional: a missing node is skipped (0), not -ENOENT.
 * @why:      set on a refusal, @whylen bytes.
 * Return: 0; -ENOENT no such path; -EINVAL not under /dev, "..", or not a
 * device node, a hugetlbfs directory or under /dev/shm (@why says which);
 * -ENAMETOOLONG; -ENOMEM; another -errno from stat(2).
 */
int devns_add(struct devns *ns, const char *path, bool user, bool optional, char *why, size_t whylen);

/**
 * devns_add_args() - every "/dev/..." path @av names, in an argument of
 * its own or after '=', ',' or ':' (file=/dev/sdb, mem-path=/dev/hugepages,
 * path=/dev/kvmfr0), up to the next ','; with its host owner and mode. A
 * path that does not exist yet but whose directory is a hugetlbfs mount
 * (QEMU creates its file there) brings that directory.
 * @why: set on a refusal, naming the argument.
 * @bad: set on a refusal to the index of that argument in @av.
 * Return: 0, or the first devns_add() error.
 */
int devns_add_args(struct devns *ns, const struct strv *av, size_t *bad, char *why, size_t whylen);

/**
 * devns_uses_tap() - whether @av asks for a tap network device (-netdev
 * tap, -nic tap, -net tap): QEMU then opens /dev/net/tun.
 */
bool devns_uses_tap(const struct strv *av);

/**
 * devns_enter() - in the child, as root, before dropping privileges: a
 * mount namespace of its own (unshare(2) CLONE_NEWNS, every mount a slave
 * of the host's, so nothing done here reaches the host), a tmpfs built on
 * @ns->stage with every entry, moved over /dev. Allocates nothing.
 * @what: on failure, the step and path that failed, @len bytes.
 * Return: 0, or -errno of the failed step (EPERM from mknod(2) under
 * systemd: the unit's DeviceAllow= lacks that device).
 */
int devns_enter(const struct devns *ns, char *what, size_t len);
