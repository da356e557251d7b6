/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm.h - the launcher: `vfiobind vm run NAME` starts one declared VM
 * headless and watches it; `vfiobind vm poweroff NAME` decides, after it,
 * whether the host powers off; `vfiobind vm qmp NAME COMMAND` talks to a
 * running VM. systemd runs the first two from vfiobind-vm@NAME.service.
 * start.c runs the launcher through the stages of launch.h (swtpm.c,
 * qemu.c, supervise.c); poweroff.c decides; qmpcmd.c sends the command.
 *
 * Runtime state, /run/vfiobind/vm/NAME/ (root's, 0755):
 *   launcher   locked (flock) by the running launcher, with "pid PID",
 *              "user NAME", "groups G..." in it (what `vfiobind release`
 *              and a second start check); emptied when it ends
 *   handed     the owner and mode of every file on tmpfs/devtmpfs handed
 *              to the VM's user (/dev/vfio/<group>), written before the
 *              first is (handover.h); removed once they are back, read by
 *              the next start or ExecStopPost otherwise. Files that outlive
 *              a reboot (image files) are recorded the same way in
 *              /var/lib/vfiobind/NAME.handed instead, which a host crash
 *              does not clear
 *   qmp.sock   a QMP monitor for root (0600): `vfiobind vm qmp`, socat
 *   result     written when QEMU has exited: "guest-shutdown" when the
 *              guest powered itself off and nobody asked it to, "stopped"
 *              when the launcher was told to stop (systemctl stop, host
 *              shutdown or reboot), "reboot-limit" when reboot = restart
 *              met its limit (restart.c), "exited" otherwise (QEMU
 *              crashed, was killed, or failed to start, also again after
 *              a guest reboot). Read and removed by `vm poweroff`.
 *   swtpm/     the VM user's (0700): the swtpm control socket
 *
 * The host powers off only when result is guest-shutdown, the VM says
 * poweroff = yes (or vfiobind.poweroff=1 is on the kernel command line),
 * vfiobind.poweroff=0 is not, /run/vfiobind/no-poweroff does not exist,
 * and the host is not already shutting down.
 */
#pragma once

#include "config/cmdline.h"
#include "config/vmconf.h"
#include "vm/devices.h"

#define VM_NO_POWEROFF_FLAG "/run/vfiobind/no-poweroff"

/**
 * vm_run() - start @vm and supervise it until QEMU exits.
 * @d: its functions, resolved and checked (vmdevs_check() found them
 *     ready); the launcher checks again that no one holds their groups.
 *
 * As root: hands /dev/vfio/<group> and the declared disks to the VM's
 * user, lifts RLIMIT_MEMLOCK (vfio pins all guest RAM), starts swtpm when
 * a TPM directory is declared and waits for its socket, then QEMU as the
 * user with the user's command, -display none, two QMP monitors and the
 * -device arguments. Tells systemd READY=1 once QMP answers. On SIGTERM,
 * SIGINT or SIGHUP it sends system_powerdown, waits stop-timeout seconds,
 * then SIGTERM, then SIGKILL 10 s later, each to QEMU's process group.
 * Afterwards it gives the files back, writes the result, and removes its
 * state. With reboot = restart a guest reboot ends QEMU (-no-reboot) and
 * the launcher resets the functions and starts swtpm and QEMU again
 * (restart.c, launch_restart()), at most REBOOT_LIMIT times within
 * REBOOT_WINDOW_MS. What QEMU writes on QMP is read in bounded batches and logged at
 * a bounded rate: the VM's user cannot keep the launcher from its signals
 * and deadlines. Files a killed launcher left handed over are given back
 * first.
 *
 * Return: 0 when QEMU ran and exited after a guest shutdown or a stop;
 * -EPERM not root; -ESRCH no such user, or one that is root or has gid 0; -EBUSY already running or a group
 * in use; -EIO QEMU (or swtpm) failed, or QEMU ended otherwise (crash,
 * killed, the reboot limit, not started again after a reboot); another -errno for a system error. Every cause is
 * logged.
 */
int vm_run(const struct vm *vm, const struct vmdevs *d);

/**
 * vm_notify() - sd_notify(3) without libsystemd: @msg as one datagram to
 * $NOTIFY_SOCKET (nothing when it is not set).
 */
void vm_notify(const char *msg);

/**
 * vm_dev_check() - whether every /dev path @vm's qemu and args words name
 * can be in QEMU's /dev (devns_add_args(): a device node, a hugetlbfs
 * mount, or under /dev/shm), as vm_run() will require.
 * @why: the refusal, naming the key, the argument, the file and line.
 * Return: 0, or the -errno of devns_add_args().
 */
int vm_dev_check(const struct vm *vm, char *why, size_t whylen);

/**
 * vm_restore_left() - give back the files a killed launcher of VM @name
 * left handed over (handover.h), unless a launcher runs. ExecStopPost runs
 * it before vm_poweroff(); vm_run() does the same when it starts.
 * Return: 0 (also when there was nothing), -EBUSY when a launcher runs,
 * or another -errno.
 */
int vm_restore_left(const char *name);

/**
 * vm_poweroff() - the ExecStopPost decision for VM @name (see above).
 * @vm: its declaration, or NULL when the configuration cannot be read
 *      any more (then the host stays up).
 * Under a root prefix the power-off is only logged, never run.
 * Return: 0 (powered off or decided not to), or -errno when systemctl
 * could not be run.
 */
int vm_poweroff(const char *name, const struct vm *vm, const struct cmdline *cl);

/**
 * vm_qmp() - send one command to the running VM @name through its root
 * QMP monitor and print the answer line on stdout.
 * @command: a command name ("query-pci") or a whole JSON object.
 * Bounded whatever the VM sends: 10 s for the handshake, 30 s for the
 * answer, events in between skipped (at most QMP_SKIP_MAX).
 * Return: 0 for a "return" answer; 1 for an "error" answer; -ENOENT when
 * the VM does not run; -EINVAL for a bad @command; -ETIMEDOUT when no
 * answer came; another -errno.
 */
int vm_qmp(const char *name, const char *command);
