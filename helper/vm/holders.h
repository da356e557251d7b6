/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * holders.h - who holds a VFIO group: the launcher's runtime state and
 * the processes that have /dev/vfio/<group> open.
 *
 * The launcher (`vfiobind vm run NAME`) holds an exclusive flock(2) on
 * /run/vfiobind/vm/NAME/launcher for as long as it runs, with "pid PID"
 * and "groups G..." in it; the kernel drops the lock when the launcher
 * dies however it dies, so an unlocked file is stale whatever it says
 * (no pid guessing, and it works the same under a root prefix). An
 * open /dev/vfio/<group> is read from /proc/PID/fd (root only), which
 * also catches a QEMU that vfiobind did not start; the open file is
 * compared by device number (st_rdev), never by the link's text, which
 * a user can fake in a mount namespace of their own. Unbinding a function
 * whose group is open does not fail: the kernel asks the user to release
 * the device (VFIO_DEVICE_REQUEST), which unplugs it from a running guest,
 * and waits; so the answer has to come before the write. All paths are
 * under the root prefix.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define VM_RUN_DIR "/run/vfiobind/vm"
/* The launcher file is read up to this many bytes, less one. */
#define LAUNCHER_FILE_MAX 1024

/**
 * launcher_parse_text() - read a launcher file's text (@len bytes at
 * @data, of which the first LAUNCHER_FILE_MAX - 1 count; what start.c
 * writes: "pid PID", "user NAME", "groups G..." lines).
 * @pid:       the last valid "pid N" line's N (decimal digits only, at
 *             most INT_MAX), 0 when none.
 * @has_group: whether a "groups" line lists @group as digits.
 * Anything else is ignored: a stale or torn file is only a hint, the lock
 * is the truth.
 */
void launcher_parse_text(const char *data, size_t len, int group, pid_t *pid, bool *has_group);

/**
 * vfio_group_holders() - describe who holds IOMMU group @group.
 * @skip_vm: a VM name whose launcher is the caller (not a holder), or NULL.
 * @buf:     "VM win11 (launcher pid 812); pid 840 (qemu-system-x86)", ""
 *           when free, @len bytes.
 *
 * Return: the number of holders found (0: nobody holds the group).
 */
int vfio_group_holders(int group, const char *skip_vm, char *buf, size_t len);

/**
 * vfio_group_busy() - whether <root>/dev/vfio/@group is open elsewhere:
 * the kernel lets one file at a time open a VFIO group
 * (vfio_group_fops_open() in drivers/vfio/group.c, -EBUSY), so opening
 * it and closing it at once tells, with no capability to read other
 * processes' /proc/PID/fd (the launcher's unit lacks CAP_SYS_PTRACE). A
 * plain file (fake trees) or a failure to open is "not busy".
 */
bool vfio_group_busy(int group);

/**
 * vm_launcher_lock() - become the launcher of VM @name: create and lock
 * <root>/run/vfiobind/vm/NAME/launcher. A tester's shared lock held for an
 * instant (vfio_group_holders()) is waited out, for up to a second.
 * @other: the pid in the file when another launcher holds it.
 * Return: the locked descriptor (keep it open while running); -EBUSY when
 * another launcher runs; another -errno.
 */
int vm_launcher_lock(const char *name, pid_t *other);
