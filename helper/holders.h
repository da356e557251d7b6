/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * holders.h - who holds a VFIO group: the launcher's runtime state and
 * the processes that have /dev/vfio/<group> open.
 *
 * The launcher (`vfiobind vm run NAME`) records itself in
 * /run/vfiobind/vm/NAME/launcher as "pid PID" and "groups G...", and
 * removes the file when it exits; a file whose pid is gone is stale. An
 * open /dev/vfio/<group> is read from /proc/PID/fd (root only), which
 * also catches a QEMU that vfiobind did not start. Unbinding a function
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
 * vm_launcher_pid() - the pid of the running launcher of VM @name.
 * Return: the pid, or 0 when none runs (no state file, or a stale one).
 */
pid_t vm_launcher_pid(const char *name);

/** pid_alive() - whether <root>/proc/@pid exists. */
bool pid_alive(pid_t pid);
