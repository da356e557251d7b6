// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qemu.c - the launcher's stage "start QEMU": its command line, its two
 * QMP monitors, the process as the VM's user, and the signals it gets.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "basic/log.h"
#include "system/cpu.h"
#include "system/vmcpu.h"
#include "vm/hugepages.h"
#include "vm/launch.h"
#include "vm/state.h"

/* A listening socket at @path for root alone. */
static int listen_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
		int e = -errno;

		umask(old);
		close(fd);
		return e;
	}
	umask(old);
	return fd;
}

/* The launcher's own options, each "-OPTION" then its value. Headless:
 * nothing at boot shows a window. Two monitors: ours on a socket pair
 * nobody else can reach, and one for root. The TPM as QEMU's
 * docs/specs/tpm.rst starts it with swtpm. */
static int own_opts(struct strv *av, const char *tpm_sock)
{
	int r = strv_pushf(av, "-display");

	if (r == 0)
		r = strv_pushf(av, "none");
	if (r == 0)
		r = strv_pushf(av, "-chardev");
	if (r == 0)
		r = strv_pushf(av, "socket,id=vfiobind-qmp,fd=%d", QMP_FD);
	if (r == 0)
		r = strv_pushf(av, "-mon");
	if (r == 0)
		r = strv_pushf(av, "chardev=vfiobind-qmp,mode=control");
	if (r == 0)
		r = strv_pushf(av, "-chardev");
	if (r == 0)
		r = strv_pushf(av, "socket,id=vfiobind-qmp-admin,fd=%d,server=on,wait=off", QMP_ADMIN_FD);
	if (r == 0)
		r = strv_pushf(av, "-mon");
	if (r == 0)
		r = strv_pushf(av, "chardev=vfiobind-qmp-admin,mode=control");
	if (r < 0 || tpm_sock == NULL)
		return r;
	r = strv_pushf(av, "-chardev");
	if (r == 0)
		r = strv_pushf(av, "socket,id=vfiobind-tpm,path=%s", tpm_sock);
	if (r == 0)
		r = strv_pushf(av, "-tpmdev");
	if (r == 0)
		r = strv_pushf(av, "emulator,id=vfiobind-tpm0,chardev=vfiobind-tpm");
	if (r == 0)
		r = strv_pushf(av, "-device");
	if (r == 0)
		r = strv_pushf(av, "tpm-tis,tpmdev=vfiobind-tpm0");
	return r;
}

/* QEMU's seccomp filter as libvirt's seccomp_sandbox = 1 asks for it
 * (qemu-options.hx, -sandbox): no obsolete system calls, no set*uid or
 * set*gid, no fork or exec (nothing a guest-reachable bug could run), no
 * scheduler or CPU affinity calls (pinning is the launcher's, from
 * outside). Left out with sandbox = no, or when args bring a -sandbox of
 * the user's: QEMU would install both filters, the stricter winning. */
#define QEMU_SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

static int sandbox_opts(const struct vm *vm, struct strv *av)
{
	int r;

	if (vm->no_sandbox)
		return 0;
	for (size_t i = 0; i < av->n; i++)
		if (strcmp(av->v[i], "-sandbox") == 0 || strcmp(av->v[i], "--sandbox") == 0)
			return 0;
	r = strv_pushf(av, "-sandbox");
	return r == 0 ? strv_pushf(av, QEMU_SANDBOX) : r;
}

/* -m from memory =, -smp derived from cpus = (system/vmcpu.h): after
 * the user's words, which hold no -m or -smp when these are added. With
 * cpus =, where each vCPU goes (@L->pin), QEMU started paused (-S) so
 * that none runs before it is pinned, unless the user's -S keeps it so
 * anyway. */
static int resource_opts(struct launch *L, struct strv *av)
{
	const struct vm *vm = L->vm;
	struct cpu_topo t;
	bool derive = vm->cpus && !vm->smp_given;
	int r = vm->cpus ? cpu_topo_read(&t) : -ENOENT;

	if (vm->cpus && r < 0)
		WRN("VM %s: cannot read this host's CPUs (%s): -smp without SMT threads", vm->name, strerror(-r));
	if (vm->cpus) {
		L->npin = cpuset_count(vm->cpus);
		L->pin = calloc(L->npin ? L->npin : 1, sizeof(*L->pin));
		if (L->pin == NULL) {
			cpu_topo_free(&t);
			return -ENOMEM;
		}
	}
	r = vmcpu_qemu_args(vm, derive && r == 0 ? &t : NULL, av, L->pin, L->npin);
	if (r == 0)
		r = huge_qemu_args(vm, av); /* the RAM -m sizes, on hugepages */
	if (r == 0 && vm->cpus) {
		bool user_s = false;

		for (size_t i = 0; i < vm->qemu.n; i++)
			user_s |= strcmp(vm->qemu.v[i], "-S") == 0;
		for (size_t i = 0; i < vm->args.n; i++)
			user_s |= strcmp(vm->args.v[i], "-S") == 0;
		L->pin_cont = !user_s;
		if (L->pin_cont)
			r = strv_pushf(av, "-S");
	}
	if (vm->cpus)
		cpu_topo_free(&t);
	return r;
}

/* The user's command and arguments, ours after them (later options win
 * in QEMU, so -display none overrides a -display of the user's), then
 * the -device arguments of the VM's functions. */
static int build_argv(struct launch *L, struct strv *av, const char *tpm_sock)
{
	const struct vm *vm = L->vm;
	int r = 0;

	for (size_t i = 0; i < vm->qemu.n && r == 0; i++)
		r = strv_push(av, vm->qemu.v[i], strlen(vm->qemu.v[i]));
	for (size_t i = 0; i < vm->args.n && r == 0; i++)
		r = strv_push(av, vm->args.v[i], strlen(vm->args.v[i]));
	if (r == 0)
		r = resource_opts(L, av);
	if (r == 0)
		r = sandbox_opts(vm, av);
	/* reboot = restart: a guest reset ends QEMU (SHUTDOWN, reason
	 * guest-reset; softmmu/runstate.c, qemu_system_reset_request()), and
	 * restart.c starts it again. */
	if (r == 0 && vm->reboot_restart)
		r = strv_pushf(av, "-no-reboot");
	if (r == 0)
		r = own_opts(av, tpm_sock);
	if (r == 0)
		r = vmdevs_qemu_args(L->d, av);
	return r;
}

static void log_argv(const struct vm *vm, const struct strv *av)
{
	char line[800];
	size_t used = 0;

	line[0] = '\0';
	for (size_t i = 0; i < av->n && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s", i ? " " : "", av->v[i]);
	INF("VM %s: %s", vm->name, line);
}

/* Signal QEMU's process group, not only its pid: QEMU leads a session of
 * its own (spawn_as() calls setsid()), and a qemu = script that does not
 * exec leaves the real QEMU, holding the devices, as its child. The group
 * outlives its leader while a member lives, and the kernel does not reuse
 * a pid that is still a group's id, so -pid names that group alone. */
void launch_kill_qemu(struct launch *L, int sig)
{
	if (L->qemu_pgid > 0 && kill(-L->qemu_pgid, sig) < 0 && errno != ESRCH)
		WRN("VM %s: kill(-%d, %d): %s", L->vm->name, (int)L->qemu_pgid, sig, strerror(errno));
	/* Right after the fork the child may not have called setsid() yet:
	 * no such group, and the signal would be lost (a stop queued while
	 * reboot = restart started QEMU again met that). Its pid then. */
	if (L->qemu > 0 && kill(L->qemu, sig) < 0 && errno != ESRCH)
		WRN("VM %s: kill(%d, %d): %s", L->vm->name, (int)L->qemu, sig, strerror(errno));
}

/* A limit above the launcher's own hard one needs CAP_SYS_RESOURCE
 * (setrlimit(2)), which the unit does without: its LimitMEMLOCK=infinity
 * is the room. Run by hand with less, QEMU gets the hard limit, said
 * here, not in the journal of a failed vfio_container_dma_map. */
static bool have_sys_resource(void)
{
	char line[128];
	bool have = false;
	FILE *f = fopen("/proc/self/status", "re");

	/* CAP_SYS_RESOURCE is 24 (linux/capability.h, which the static
	 * build lacks); CapEff is the effective set in hex (proc(5)). */
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:", 7) == 0)
			have = (strtoull(line + 7, NULL, 16) >> 24) & 1;
	if (f)
		fclose(f);
	return have;
}

static void memlock_room(const struct vm *vm, unsigned long long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want &&
	    !have_sys_resource())
		WRN("VM %s: QEMU may lock only %llu MiB, the launcher's hard RLIMIT_MEMLOCK (raising it needs "
		    "CAP_SYS_RESOURCE; the unit's LimitMEMLOCK=infinity gives the room): vfio may fail to map guest "
		    "RAM",
		    vm->name, (unsigned long long)rl.rlim_max >> 20);
}

/* As the user, with our QMP socket pair on QMP_FD and root's listening
 * monitor on QMP_ADMIN_FD. */
int launch_qemu(struct launch *L)
{
	const struct vm *vm = L->vm;
	char admin[PATH_MAX], envvm[VM_NAME_MAX + 16];
	char *env[] = {envvm, NULL};
	int sv[2], admin_fd, r;
	struct strv av = {0};

	if (vm_state_path(admin, sizeof(admin), vm->name, "qmp.sock") < 0)
		return -ENAMETOOLONG;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	admin_fd = listen_unix(admin);
	if (admin_fd < 0) {
		ERR("VM %s: cannot listen on %s: %s", vm->name, admin, strerror(-admin_fd));
		close(sv[0]);
		close(sv[1]);
		return admin_fd;
	}
	r = build_argv(L, &av, L->tpm_sock[0] ? L->tpm_sock : NULL);
	if (r == 0) {
		struct spawn_fd fds[] = {{sv[1], QMP_FD}, {admin_fd, QMP_ADMIN_FD}};
		unsigned long long ram = vm->memory_mib ? vm->memory_mib : QEMU_DEFAULT_RAM_MIB;
		struct spawn_opts so = {.env = env,
					.fds = fds,
					.nfds = 2,
					.ns = &L->qemu_dev,
					.memlock = (ram + MEMLOCK_EXTRA_MIB) << 20,
					.affinity = &L->emu};

		log_argv(vm, &av);
		snprintf(envvm, sizeof(envvm), "VFIOBIND_VM=%s", vm->name);
		INF("VM %s: QEMU may lock %llu MiB (guest RAM %llu MiB + %llu MiB)", vm->name, ram + MEMLOCK_EXTRA_MIB,
		    ram, MEMLOCK_EXTRA_MIB);
		memlock_room(vm, so.memlock);
		L->qemu = spawn_as(&L->user, av.v, &so);
		if (L->qemu < 0) {
			r = L->qemu;
			L->qemu = 0;
			ERR("VM %s: fork: %s", vm->name, strerror(-r));
		}
		L->qemu_pgid = L->qemu;
	}
	strv_free(&av);
	close(sv[1]);
	close(admin_fd);
	if (r < 0) {
		close(sv[0]);
		return r;
	}
	qmp_init(&L->qmp, sv[0]);
	L->qmp_open = true;
	return 0;
}
