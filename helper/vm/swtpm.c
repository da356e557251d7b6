// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swtpm.c - the launcher's stage "swtpm": the VM's TPM, an swtpm(8)
 * process of the VM's user that QEMU reaches through a control socket
 * (QEMU docs/specs/tpm.rst, "The QEMU TPM emulator device").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/sysfs.h"
#include "vm/launch.h"
#include "vm/state.h"

/* The TPM state directory: the user's. Created (by root, owned by the
 * user) when missing and its parent is root's alone. */
static int tpm_dir(struct launch *L, char *path, size_t len)
{
	char parent[PATH_MAX], why[PATH_MAX + 64];
	struct stat st;
	char *slash;

	if (root_path(path, len, "%s", L->vm->tpm) < 0)
		return -ENAMETOOLONG;
	if (lstat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || st.st_uid != L->user.uid) {
			ERR("VM %s: tpm directory %s must be a directory owned by %s", L->vm->name, L->vm->tpm,
			    L->user.name);
			return -EPERM;
		}
		return 0;
	}
	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (lstat(parent, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    !path_dirs_secure(path, strlen(root_get()), why, sizeof(why))) {
		ERR("VM %s: tpm directory %s does not exist; create it: install -d -o %s -m 0700 %s", L->vm->name,
		    L->vm->tpm, L->user.name, L->vm->tpm);
		return -ENOENT;
	}
	if (mkdir(path, 0700) < 0 || lchown(path, L->user.uid, L->user.gid) < 0) {
		int e = errno;

		ERR("VM %s: creating tpm directory %s: %s", L->vm->name, L->vm->tpm, strerror(e));
		return -e;
	}
	INF("VM %s: created tpm directory %s for %s", L->vm->name, L->vm->tpm, L->user.name);
	return 0;
}

/* The socket lives in a directory of the user's under our own: it is
 * swtpm (the user) that creates it. A stale one is removed without
 * following links. Names the socket in L->tpm_sock. */
static int sock_dir(struct launch *L)
{
	char dir[PATH_MAX];
	int r, dfd;

	if (vm_state_path(dir, sizeof(dir), L->vm->name, "swtpm") < 0 ||
	    snprintf(L->tpm_sock, sizeof(L->tpm_sock), "%s/ctrl.sock", dir) >= (int)sizeof(L->tpm_sock))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fchown(dfd, L->user.uid, L->user.gid) < 0 || fchmod(dfd, 0700) < 0) {
		r = -errno;
		close(dfd);
		return r;
	}
	unlinkat(dfd, "ctrl.sock", 0);
	close(dfd);
	return 0;
}

/* As libvirt does: wait for the socket, not a fixed time. */
static int wait_sock(struct launch *L)
{
	long long until = launch_now_ms() + SWTPM_TIMEOUT_S * 1000;
	struct stat st;

	while (lstat(L->tpm_sock, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		int status;

		if (waitpid(L->swtpm, &status, WNOHANG) == L->swtpm) {
			L->swtpm = 0;
			ERR("VM %s: swtpm exited (%s %d) before creating its socket", L->vm->name,
			    WIFEXITED(status) ? "status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			return -EIO;
		}
		if (launch_now_ms() > until) {
			ERR("VM %s: swtpm did not create %s within %d s", L->vm->name, L->tpm_sock, SWTPM_TIMEOUT_S);
			return -ETIMEDOUT;
		}
		usleep(20 * 1000);
	}
	return 0;
}

int launch_swtpm(struct launch *L)
{
	char state[PATH_MAX], a_state[PATH_MAX + 32], a_ctrl[PATH_MAX + 48];
	char *argv[] = {"swtpm", "socket", "--tpm2", "--tpmstate", a_state, "--ctrl", a_ctrl, "--terminate", NULL};
	int r;

	r = tpm_dir(L, state, sizeof(state));
	if (r == 0)
		r = sock_dir(L);
	if (r < 0)
		return r;
	snprintf(a_state, sizeof(a_state), "dir=%s", state);
	snprintf(a_ctrl, sizeof(a_ctrl), "type=unixio,path=%s,mode=0600", L->tpm_sock);
	INF("VM %s: starting swtpm --tpmstate %s --ctrl %s", L->vm->name, a_state, a_ctrl);
	L->swtpm =
	    spawn_as(&L->user, argv,
		     &(struct spawn_opts){.ns = &L->tpm_dev, .memlock = SWTPM_MEMLOCK_BYTES, .affinity = &L->emu});
	if (L->swtpm < 0) {
		r = L->swtpm;
		L->swtpm = 0;
		return r;
	}
	r = wait_sock(L);
	if (r == 0)
		INF("VM %s: swtpm (pid %d) ready", L->vm->name, (int)L->swtpm);
	return r;
}

/* Up to @ms for swtpm to be reaped. */
static void wait_swtpm(struct launch *L, long long ms)
{
	long long until = launch_now_ms() + ms;

	while (L->swtpm && launch_now_ms() < until) {
		launch_reap(L);
		if (L->swtpm)
			usleep(20 * 1000);
	}
}

void launch_stop_swtpm(struct launch *L)
{
	wait_swtpm(L, 5000);
	if (!L->swtpm)
		return;
	kill(L->swtpm, SIGTERM);
	wait_swtpm(L, 2000);
	if (L->swtpm) {
		kill(L->swtpm, SIGKILL);
		waitpid(L->swtpm, NULL, 0);
		L->swtpm = 0;
	}
}
