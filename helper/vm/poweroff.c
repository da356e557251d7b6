// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * poweroff.c - `vfiobind vm poweroff NAME`, the unit's ExecStopPost: after
 * the VM ended, whether the host powers off (the rule is in vm.h).
 */
#include "vm/vm.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/sysfs.h"
#include "vm/spawn.h"
#include "vm/state.h"

/* Whether systemd is already taking the host down (a reboot must not
 * become a power-off): `systemctl is-system-running` says "stopping". */
static bool host_stopping(void)
{
	char buf[64] = "";
	FILE *p;

	p = popen("systemctl is-system-running 2>/dev/null", "r");
	if (p == NULL)
		return false;
	if (fgets(buf, sizeof(buf), p) == NULL)
		buf[0] = '\0';
	pclose(p);
	return strncmp(buf, "stopping", 8) == 0;
}

/* The launcher's result file, consumed (a later stop must not see it
 * again): 1 when it says guest-shutdown; 0, said why, otherwise. */
static int guest_shut_down(const char *name)
{
	char path[PATH_MAX], result[64] = "";

	if (vm_state_path(path, sizeof(path), name, "result") < 0)
		return -ENAMETOOLONG;
	if (sysfs_read_attr(path, result, sizeof(result)) < 0)
		result[0] = '\0';
	unlink(path);
	if (strcmp(result, "guest-shutdown") == 0)
		return 1;
	INF("VM %s: no host power-off: %s", name,
	    strcmp(result, "stopped") == 0  ? "the VM was stopped (systemctl stop, host shutdown or reboot)"
	    : strcmp(result, "exited") == 0 ? "QEMU ended without a clean guest shutdown"
	    : strcmp(result, "reboot-limit") == 0
		? "the guest rebooted too often (reboot = restart: the restart limit)"
		: "the launcher left no result (the VM did not start, or the launcher was killed)");
	return 0;
}

/* After a guest shutdown: whether everything that can keep the host up
 * is silent, each said when it is not. */
static bool policy_allows(const char *name, const struct vm *vm, const struct cmdline *cl)
{
	char path[PATH_MAX];

	if (root_path(path, sizeof(path), VM_NO_POWEROFF_FLAG) == 0 && sysfs_exists(path)) {
		NOTICE("VM %s: the guest shut down; %s exists: the host stays up", name, VM_NO_POWEROFF_FLAG);
		return false;
	}
	if (cl->poweroff == 0) {
		NOTICE(
		    "VM %s: the guest shut down; vfiobind.poweroff=0 is on the kernel command line: the host stays up",
		    name);
		return false;
	}
	if (vm == NULL) {
		WRN("VM %s: the guest shut down, but the configuration no longer declares it: the host stays up", name);
		return false;
	}
	if (cl->poweroff != 1 && !vm->poweroff) {
		INF("VM %s: the guest shut down; poweroff = no: the host stays up", name);
		return false;
	}
	return true;
}

/* systemctl --no-block poweroff: we run inside the unit's stop, which the
 * power-off job waits for; waiting for it here would wait for ourselves. */
static int systemctl_poweroff(const char *name)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *argv[] = {"systemctl", "--no-block", "poweroff", NULL};

		setenv("PATH", SPAWN_PATH, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		ERR("VM %s: systemctl --no-block poweroff failed (status %d)", name,
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -EIO;
	}
	return 0;
}

int vm_poweroff(const char *name, const struct vm *vm, const struct cmdline *cl)
{
	int r = guest_shut_down(name);

	if (r <= 0 || !policy_allows(name, vm, cl))
		return r;
	if (root_get()[0]) {
		NOTICE("VM %s: the guest shut itself down: powering the host off (under --root %s: not run: systemctl "
		       "--no-block poweroff)",
		       name, root_get());
		return 0;
	}
	if (host_stopping()) {
		INF("VM %s: the guest shut down; the host is already shutting down", name);
		return 0;
	}
	NOTICE("VM %s: the guest shut itself down: powering the host off", name);
	return systemctl_poweroff(name);
}
