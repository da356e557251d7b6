// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * restart.c - reboot = restart: a guest reboot ends QEMU (-no-reboot), and
 * the launcher resets the VM's functions through sysfs and starts QEMU
 * again, in the same launcher and unit, with no host power-off. A reset
 * QEMU does inside a running VM is the one a card such as an AMD GPU may
 * not come back from; here the devices are closed, vfio-pci's release
 * resets what it can, the kernel's reset methods run once more from
 * sysfs, and the new QEMU opens them as at boot: to the guest it is a
 * power cycle of its devices.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/sysfs.h"
#include "vm/holders.h"
#include "vm/launch.h"
#include "vm/vm.h"

unsigned restart_reset_functions(const char *name, const struct vmdevs *d)
{
	unsigned failed = 0;

	for (size_t i = 0; i < d->n; i++) {
		const char *fn = d->v[i].f->name;
		char path[PATH_MAX], methods[256];
		int r;

		if (root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/reset_method", fn) < 0)
			r = -ENAMETOOLONG;
		else
			r = sysfs_read_attr(path, methods, sizeof(methods));
		if (r <= 0) {
			/* No method, none left enabled, or a kernel before
			 * 5.15: the kernel has no reset to offer here. */
			INF("VM %s: %s: not reset (%s)", name, fn,
			    r == 0	   ? "reset_method is empty: every method disabled"
			    : r == -ENOENT ? "no reset_method: no reset method, or a kernel before 5.15"
					   : strerror(-r));
			continue;
		}
		if (root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/reset", fn) < 0)
			r = -ENAMETOOLONG;
		else
			r = sysfs_write_attr(path, "1");
		if (r < 0) {
			failed++;
			/* pci_reset_function(): -ENOTTY when no method applied,
			 * e.g. "bus" while another function shares the bus
			 * (pci_parent_bus_reset()). */
			ERR("VM %s: %s: reset (methods %s) failed: %s%s", name, fn, methods, strerror(-r),
			    r == -ENOTTY ? " (no method applies now: 'bus' alone does not while other functions "
					   "share the bus)"
					 : "");
		} else {
			NOTICE("VM %s: %s reset (methods %s)", name, fn, methods);
		}
	}
	return failed;
}

/* A stop signal still queued: it came after supervise's last look. */
static bool stop_queued(struct launch *L)
{
	struct signalfd_siginfo si;

	while (read(L->sigfd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo != SIGCHLD)
			L->stopping = true;
	return L->stopping;
}

/* Whether this reboot is one too many: REBOOT_LIMIT restarts already
 * within REBOOT_WINDOW_MS. Otherwise it is counted. */
static bool over_limit(struct launch *L)
{
	long long now = launch_now_ms();
	unsigned slot = L->reboots % REBOOT_LIMIT;

	if (L->reboots >= REBOOT_LIMIT && now - L->reboot_at[slot] < REBOOT_WINDOW_MS)
		return true;
	L->reboot_at[slot] = now;
	L->reboots++;
	return false;
}

/* Until QEMU's process group is gone and no group of the VM is open
 * (vfio_group_busy()): the functions are reset and the groups opened
 * again only once the old QEMU let go. Bounded by REBOOT_GONE_MS. */
static void wait_gone(struct launch *L)
{
	long long until = launch_now_ms() + REBOOT_GONE_MS;

	for (;;) {
		bool busy = L->qemu_pgid > 0 && kill(-L->qemu_pgid, 0) == 0;

		for (size_t i = 0; i < L->d->ngroups && !busy; i++)
			busy = vfio_group_busy(L->d->groups[i]);
		if (!busy)
			return;
		if (launch_now_ms() >= until) {
			WRN("VM %s: the old QEMU's processes or its devices are still there after %d s; going on",
			    L->vm->name, REBOOT_GONE_MS / 1000);
			return;
		}
		usleep(50 * 1000);
	}
}

/* What the last run left in @L that the next must start without. */
static void clear_run(struct launch *L)
{
	launch_close_qmp(L, NULL);
	free(L->pin);
	L->pin = NULL;
	L->npin = 0;
	L->qemu_pgid = 0;
	L->qemu_status = 0;
	L->qmp_state = QMP_GREETING;
	L->guest_reset = L->guest_shutdown = L->qemu_shutdown = false;
	L->deadline = 0;
	L->deadline_step = 0;
}

int launch_restart(struct launch *L)
{
	const struct vm *vm = L->vm;
	char status[96];
	unsigned failed;
	int r;

	/* Only a clean exit after the reset: a crash stays a crash. */
	if (!vm->reboot_restart || !L->guest_reset || L->guest_shutdown || !WIFEXITED(L->qemu_status) ||
	    WEXITSTATUS(L->qemu_status) != 0)
		return 1;
	if (L->stopping || stop_queued(L)) {
		NOTICE("VM %s: the guest rebooted while the launcher is stopping: not started again", vm->name);
		return 1;
	}
	if (over_limit(L)) {
		ERR("VM %s: the guest rebooted %d times within %d s: not started again (reboot = restart limit)",
		    vm->name, REBOOT_LIMIT + 1, REBOOT_WINDOW_MS / 1000);
		L->reboot_end = "reboot-limit";
		return -EMLINK;
	}
	snprintf(status, sizeof(status), "STATUS=guest reboot %u: resetting the devices, starting QEMU again",
		 L->reboots);
	vm_notify(status);
	NOTICE("VM %s: guest reboot %u: QEMU exited; resetting the functions and starting it again", vm->name,
	       L->reboots);
	wait_gone(L);
	/* A failed reset is logged and the restart goes on: vfio-pci's own
	 * reset at release and open still runs, and a guest without its card
	 * is what QEMU's reboot gave; the limit ends a loop. */
	failed = restart_reset_functions(vm->name, L->d);
	if (failed)
		WRN("VM %s: guest reboot %u: %u function%s not reset; starting QEMU all the same", vm->name, L->reboots,
		    failed, failed == 1 ? "" : "s");
	clear_run(L);
	r = 0;
	if (vm->tpm) {
		/* swtpm --terminate left when QEMU hung up (or leaves now). */
		launch_stop_swtpm(L);
		r = launch_swtpm(L);
	}
	if (r == 0)
		r = launch_qemu(L);
	if (r < 0) {
		ERR("VM %s: guest reboot %u: QEMU could not be started again: %s", vm->name, L->reboots, strerror(-r));
		L->reboot_end = "exited";
		return r;
	}
	NOTICE("VM %s: guest reboot %u: QEMU started again (pid %d)", vm->name, L->reboots, (int)L->qemu);
	snprintf(status, sizeof(status), "STATUS=running; guest reboots: %u", L->reboots);
	vm_notify(status);
	return 0;
}
