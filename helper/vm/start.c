// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * start.c - `vfiobind vm run NAME` (vm_run()): the stages in order
 * (launch.h), and the ones that bracket the rest: prepare, hand over,
 * conclude and give back.
 */
#include "vm/vm.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/sysfs.h"
#include "vm/handover.h"
#include "vm/holders.h"
#include "vm/hugepages.h"
#include "vm/isolate.h"
#include "vm/launch.h"
#include "vm/state.h"

/* The records of @n entries of @h: those on a filesystem that outlives a
 * reboot in HANDED_LIB_DIR, the others in the runtime state directory;
 * a record with no entry is removed. The persistent one first: a crash
 * between the two leaves at most a /run record that the reboot clears. */
static int write_records(const char *name, const struct handed *h, size_t n)
{
	struct handed *part = calloc(n ? n : 1, sizeof(*part));
	char rec[PATH_MAX];
	int r = 0;

	if (part == NULL)
		return -ENOMEM;
	for (int persistent = 1; persistent >= 0 && r == 0; persistent--) {
		size_t m = 0;

		for (size_t i = 0; i < n; i++)
			if (h[i].persistent == (bool)persistent)
				part[m++] = h[i];
		if (handed_record_path(rec, sizeof(rec), name, persistent) < 0) {
			r = -ENAMETOOLONG;
			break;
		}
		if (persistent && m) {
			char dir[PATH_MAX];

			/* StateDirectory= in the unit makes it; by hand, we do. */
			if (root_path(dir, sizeof(dir), HANDED_LIB_DIR) < 0)
				r = -ENAMETOOLONG;
			else
				r = fs_mkdir_p(dir, 0755);
			if (r < 0)
				break;
		}
		r = handed_record_write(rec, part, m);
		if (r < 0)
			ERR("VM %s: cannot write %s: %s", name, rec, strerror(-r));
	}
	free(part);
	return r;
}

static void restore_handed(struct launch *L)
{
	/* Only what changed hands goes back; what failed with a real error
	 * stays recorded, for ExecStopPost or the next start to try again. */
	if (L->nhanded) {
		size_t kept = handed_restore_all(L->handed, L->napplied, L->vm->name);

		write_records(L->vm->name, L->handed, kept);
	}
	L->napplied = L->nhanded = 0;
	free(L->handed);
	L->handed = NULL;
}

/* Whether @real (root-prefixed) is a path under <root>/dev; then @rel
 * is it without the prefix. */
static bool under_dev(const char *real, const char **rel)
{
	size_t n = strlen(root_get());

	*rel = real + n;
	return strncmp(real, root_get(), n) == 0 && strncmp(*rel, "/dev/", 5) == 0;
}

/* A block-device disk goes into QEMU's /dev, for the user, under the
 * name the config gives and the one it resolves to; the host's node
 * stays as it is. Return: 1 when it did, 0 when the disk is a file to
 * hand over, -errno. */
static int disk_in_devns(struct launch *L, size_t i, const struct handed *h)
{
	const char *disk = L->vm->disk.v[i], *rel;
	char why[PATH_MAX + 128];
	int r;

	if (!S_ISBLK(h->mode) || !under_dev(h->path, &rel))
		return 0;
	r = devns_add(&L->qemu_dev, rel, true, false, why, sizeof(why));
	if (r == 0 && strcmp(rel, disk) != 0 && strncmp(disk, "/dev/", 5) == 0)
		r = devns_add(&L->qemu_dev, disk, true, false, why, sizeof(why));
	if (r < 0) {
		ERR("VM %s: disk %s: %s", L->vm->name, disk, why[0] ? why : strerror(-r));
		return r;
	}
	INF("VM %s: disk %s (%s) in QEMU's /dev for %s, mode 0600; the host's node stays as it is", L->vm->name, disk,
	    rel, L->user.name);
	return 1;
}

/* Note every file to hand over as it is now: the declared disks that are
 * files (a block device goes into QEMU's /dev instead). Nothing changes
 * hands yet. */
static int note_files(struct launch *L)
{
	char why[PATH_MAX + 64];
	size_t n = L->vm->disk.n;
	int r;

	L->handed = calloc(n ? n : 1, sizeof(*L->handed));
	if (L->handed == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < L->vm->disk.n; i++) {
		r = hand_disk_stat(L->vm->disk.v[i], &L->handed[L->nhanded], why, sizeof(why));
		if (r < 0) {
			ERR("VM %s: cannot hand disk %s to %s: %s%s%s", L->vm->name, L->vm->disk.v[i], L->user.name,
			    r == -EINVAL ? "neither a block device nor a regular file" : strerror(-r),
			    why[0] ? ": " : "", why);
			return r;
		}
		r = disk_in_devns(L, i, &L->handed[L->nhanded]);
		if (r < 0)
			return r;
		if (r == 0)
			L->nhanded++;
	}
	return 0;
}

/* The /dev paths the VM's qemu and args words name, into @ns; a refusal
 * in @why with the key, the file and the line. */
static int add_words(struct devns *ns, const struct vm *vm, char *why, size_t whylen)
{
	char part[PATH_MAX + 320];
	size_t bad = 0;
	int r = devns_add_args(ns, &vm->qemu, &bad, part, sizeof(part));

	if (r < 0) {
		snprintf(why, whylen, "qemu: %s (%s:%u)", part[0] ? part : strerror(-r), vm->file, vm->qemu_line);
		return r;
	}
	r = devns_add_args(ns, &vm->args, &bad, part, sizeof(part));
	if (r < 0)
		snprintf(why, whylen, "args: %s (%s:%u)", part[0] ? part : strerror(-r), vm->file,
			 vm->args_line && bad < vm->args.n ? vm->args_line[bad] : vm->line);
	return r;
}

/* Stage "devices": what QEMU's /dev holds (devns.h), and swtpm's. The
 * VM's IOMMU groups are the user's there; /dev/kvm, the VFIO container,
 * /dev/userfaultfd and (for a tap) /dev/net/tun as the host has them,
 * when it has them; then every /dev path of the user's command. */
static int make_devns(struct launch *L)
{
	static const char *const optional[] = {"/dev/kvm", "/dev/vfio/vfio", "/dev/userfaultfd"};
	char stage[PATH_MAX], why[PATH_MAX + 800];
	int r;

	if (snprintf(stage, sizeof(stage), "%s/dev", L->dir) >= (int)sizeof(stage))
		return -ENAMETOOLONG;
	if (mkdir(stage, 0700) < 0 && errno != EEXIST) {
		ERR("VM %s: cannot create %s: %s", L->vm->name, stage, strerror(errno));
		return -errno;
	}
	r = devns_init(&L->tpm_dev, stage, L->user.uid, L->user.gid);
	if (r == 0)
		r = devns_init(&L->qemu_dev, stage, L->user.uid, L->user.gid);
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]) && r == 0; i++)
		r = devns_add(&L->qemu_dev, optional[i], false, true, why, sizeof(why));
	if (r == 0 && (devns_uses_tap(&L->vm->qemu) || devns_uses_tap(&L->vm->args)))
		r = devns_add(&L->qemu_dev, "/dev/net/tun", false, false, why, sizeof(why));
	for (size_t i = 0; i < L->d->ngroups && r == 0; i++) {
		char group[32];

		snprintf(group, sizeof(group), "/dev/vfio/%d", L->d->groups[i]);
		r = devns_add(&L->qemu_dev, group, true, false, why, sizeof(why));
	}
	if (r < 0) {
		ERR("VM %s: %s", L->vm->name, why[0] ? why : strerror(-r));
		return r;
	}
	r = add_words(&L->qemu_dev, L->vm, why, sizeof(why));
	if (r < 0)
		ERR("VM %s: %s", L->vm->name, why);
	return r;
}

int vm_dev_check(const struct vm *vm, char *why, size_t whylen)
{
	struct devns ns;
	int r = devns_init(&ns, "/", 0, 0);

	if (r < 0)
		snprintf(why, whylen, "cannot read the host's /dev: %s", strerror(-r));
	else
		r = add_words(&ns, vm, why, whylen);
	devns_free(&ns);
	return r;
}

/* Stage "hand over": note, record (synced), then change each file. The
 * record comes first so that no way of dying leaves a file the user's
 * without a note of whose it was. */
static int hand_over(struct launch *L)
{
	int r;

	r = make_devns(L);
	if (r == 0)
		r = note_files(L);
	if (r < 0)
		return r;
	r = write_records(L->vm->name, L->handed, L->nhanded);
	if (r < 0) {
		ERR("VM %s: nothing handed over", L->vm->name);
		return r;
	}
	for (size_t i = 0; i < L->nhanded; i++) {
		const struct handed *h = &L->handed[i];

		/* Counted before the change: a half-done one is put back too. */
		L->napplied = i + 1;
		r = hand_apply(h, &L->user);
		if (r < 0) {
			ERR("VM %s: cannot hand %s to %s: %s", L->vm->name, h->path, L->user.name,
			    r == -ESTALE ? "it changed while being handed over" : strerror(-r));
			return r;
		}
		INF("VM %s: disk %s handed to %s", L->vm->name, h->path + strlen(root_get()), L->user.name);
	}
	return 0;
}

/* The launcher file, through its locked descriptor: renaming another
 * file over it would leave the lock on an unlinked inode. */
static int launcher_state(struct launch *L)
{
	char text[1024];
	size_t used;

	used = (size_t)snprintf(text, sizeof(text), "pid %d\nuser %s\ngroups", (int)getpid(), L->user.name);
	for (size_t i = 0; i < L->d->ngroups && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, " %d", L->d->groups[i]);
	if (used + 1 >= sizeof(text))
		return -E2BIG;
	text[used++] = '\n';
	if (ftruncate(L->lockfd, 0) < 0 || pwrite(L->lockfd, text, used, 0) != (ssize_t)used)
		return -errno ? -errno : -EIO;
	return 0;
}

/* Give back what a launcher that was killed (SIGKILL at the end of the
 * unit's stop timeout, the OOM killer) or a host crash left handed over:
 * the /run record, then the one under /var/lib (the only one left after a
 * crash and a reboot). The caller holds the launcher lock, so no live
 * launcher's files are touched.
 * Return: the lines kept (not given back, a real error each), or -errno
 * when a record cannot be read or is not one (each logged). */
static int restore_left(const char *name)
{
	char rec[PATH_MAX];
	int kept = 0;

	/* The host's CPUs first: a failure is logged and stays recorded, and
	 * only keeps this run from isolating (isolate_apply()). */
	isolate_restore(name);
	for (int persistent = 0; persistent <= 1; persistent++) {
		int n;

		if (handed_record_path(rec, sizeof(rec), name, persistent) < 0)
			return -ENAMETOOLONG;
		if (access(rec, F_OK) < 0)
			continue;
		NOTICE("VM %s: the last launcher ended without giving its files back%s; doing so now", name,
		       persistent ? " (the host crashed or was reset while the VM ran, or the launcher was killed)"
				  : "");
		n = handed_record_restore(rec, name);
		if (n < 0) {
			if (n != -EINVAL)
				ERR("VM %s: cannot give back what %s records: %s", name, rec, strerror(-n));
			return n;
		}
		if (n > 0)
			ERR("VM %s: %d file%s of %s not given back (above); they stay recorded there", name, n,
			    n == 1 ? "" : "s", rec);
		kept += n;
	}
	return kept;
}

int vm_restore_left(const char *name)
{
	char path[PATH_MAX];
	pid_t other;
	int fd, r;

	/* After a reboot /run is empty but a persistent record may be left:
	 * the state directory is made so that the lock can be taken. */
	if (handed_record_path(path, sizeof(path), name, true) == 0 && access(path, F_OK) == 0 &&
	    vm_state_path(path, sizeof(path), name, NULL) == 0)
		fs_mkdir_p(path, 0755);
	fd = vm_launcher_lock(name, &other);
	if (fd == -ENOENT)
		return 0; /* no state directory: nothing was ever handed over */
	if (fd < 0)
		return fd;
	r = restore_left(name);
	/* The pages a killed launcher added (none recorded with
	 * keep-hugepages = yes). */
	if (huge_give_back(name) < 0 && r == 0)
		r = -EIO;
	close(fd);
	return r < 0 ? r : 0;
}

/* Stage "prepare": root, the user, the state directory, the lock, what a
 * killed launcher left behind, and nobody else holding a group. */
static int prepare(struct launch *L)
{
	const struct vm *vm = L->vm;
	char holders[512];
	pid_t other;
	int r;

	if (geteuid() != 0) {
		ERR("VM %s: vm run must run as root: it hands devices to the VM's user and starts QEMU as that user",
		    vm->name);
		return -EPERM;
	}
	r = vmuser_lookup(vm->user, &L->user);
	if (r < 0) {
		ERR("VM %s: user '%s' %s (%s:%u)", vm->name, vm->user,
		    r != -EPERM ? "does not exist"
		    : L->user.uid == 0
			? "is root"
			: "has group root (gid 0) as its primary group: QEMU would run with root's group",
		    vm->file, vm->user_line);
		return r == -ENOMEM ? r : -ESRCH;
	}
	if (vm_state_path(L->dir, sizeof(L->dir), vm->name, NULL) < 0)
		return -ENAMETOOLONG;
	r = fs_mkdir_p(L->dir, 0755);
	if (r < 0) {
		ERR("VM %s: cannot create %s: %s", vm->name, L->dir, strerror(-r));
		return r;
	}
	/* One launcher per VM: the lock says so, and dies with us. */
	L->lockfd = vm_launcher_lock(vm->name, &other);
	if (L->lockfd == -EBUSY) {
		ERR("VM %s: already running (launcher pid %d)", vm->name, (int)other);
		return -EBUSY;
	}
	if (L->lockfd < 0) {
		ERR("VM %s: cannot lock %s/launcher: %s", vm->name, L->dir, strerror(-L->lockfd));
		return L->lockfd;
	}
	/* Before anything is noted: a file still the user's from a launcher
	 * that died would be noted with the user as its owner. */
	r = restore_left(vm->name);
	if (r != 0) {
		ERR("VM %s: not started: files a previous launcher handed over are not all given back", vm->name);
		return r < 0 ? r : -EIO;
	}
	/* A killed launcher's hugepages; a record that cannot be acted on
	 * does not keep the VM from starting, a pool that cannot be written
	 * is logged and tried again at the next stop. */
	r = huge_give_back(vm->name);
	if (r < 0 && r != -EINVAL)
		WRN("VM %s: hugepages a previous launcher added are not all given back (above)", vm->name);
	for (size_t i = 0; i < L->d->ngroups; i++) {
		if (vfio_group_holders(L->d->groups[i], vm->name, holders, sizeof(holders)) > 0) {
			ERR("VM %s: IOMMU group %d is in use by %s", vm->name, L->d->groups[i], holders);
			return -EBUSY;
		}
		if (vfio_group_busy(L->d->groups[i])) {
			ERR("VM %s: IOMMU group %d is open in a process the launcher cannot see (another user's "
			    "QEMU?)",
			    vm->name, L->d->groups[i]);
			return -EBUSY;
		}
	}
	return 0;
}

/* From here on a SIGTERM is an event to handle, not an end. */
static int watch_signals(struct launch *L)
{
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	L->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (L->sigfd < 0)
		return -errno;
	vm_state_remove(L->vm->name, "result");
	r = launcher_state(L);
	if (r < 0)
		ERR("VM %s: cannot write %s/launcher: %s", L->vm->name, L->dir,
		    r == -E2BIG ? "too many IOMMU groups to list" : strerror(-r));
	return r;
}

/* After launch_supervise(): how QEMU ended, into the result file. */
static int conclude(struct launch *L)
{
	const struct vm *vm = L->vm;
	const char *result;
	char text[32];
	int r = 0;

	if (WIFEXITED(L->qemu_status))
		INF("VM %s: QEMU exited with status %d", vm->name, WEXITSTATUS(L->qemu_status));
	else if (WIFSIGNALED(L->qemu_status))
		WRN("VM %s: QEMU was killed by signal %d", vm->name, WTERMSIG(L->qemu_status));
	if (L->stopping) {
		result = "stopped";
	} else if (L->reboot_end) {
		/* reboot = restart ended (restart.c): logged there. */
		result = L->reboot_end;
		r = -EIO;
	} else if (L->guest_shutdown && WIFEXITED(L->qemu_status) && WEXITSTATUS(L->qemu_status) == 0) {
		result = "guest-shutdown";
	} else {
		result = "exited";
		r = -EIO;
		ERR("VM %s: QEMU ended without a guest shutdown%s", vm->name,
		    L->qmp_state == QMP_RUNNING ? "" : ", before QMP answered (see its messages above)");
	}
	if (L->log_dropped)
		WRN("VM %s: QMP: %u more messages not logged (rate limit)", vm->name, L->log_dropped);
	snprintf(text, sizeof(text), "%s\n", result);
	if (vm_state_write(vm->name, "result", text) < 0)
		WRN("VM %s: cannot write the result", vm->name);
	INF("VM %s: result: %s", vm->name, result);
	return r;
}

/* Stage "give back": whatever still runs ends, the files go back to
 * their owners, the state is cleared. Safe after any earlier stage. */
static void give_back(struct launch *L)
{
	if (L->qemu) {
		launch_kill_qemu(L, SIGKILL);
		waitpid(L->qemu, NULL, 0);
		L->qemu = 0;
	}
	launch_kill_qemu(L, SIGKILL);
	launch_close_qmp(L, NULL);
	launch_stop_swtpm(L);
	restore_handed(L);
	if (L->isolated)
		isolate_restore(L->vm->name);
	L->isolated = false;
	if (L->huge_reserved) {
		huge_give_back(L->vm->name);
		L->huge_reserved = false;
	}
	free(L->pin);
	L->pin = NULL;
	devns_free(&L->qemu_dev);
	devns_free(&L->tpm_dev);
	if (L->lockfd >= 0) {
		/* Only the launcher holding the lock: a second one, refused,
		 * must not take the running one's monitor away. */
		vm_state_remove(L->vm->name, "qmp.sock");
		/* Emptied, not removed: a launcher starting now may already
		 * have it open, waiting for the lock. */
		if (ftruncate(L->lockfd, 0) < 0)
			WRN("VM %s: cannot empty %s/launcher: %s", L->vm->name, L->dir, strerror(errno));
		close(L->lockfd);
	}
	if (L->sigfd >= 0)
		close(L->sigfd);
}

/* Stage "isolate" (isolate.h): the host off cpus = while the VM runs,
 * the VM's own devices' IRQs left alone. Never stops the VM. */
static int isolate(struct launch *L)
{
	const char **bdfs = calloc(L->d->n ? L->d->n : 1, sizeof(*bdfs));

	if (bdfs == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < L->d->n; i++)
		bdfs[i] = L->d->v[i].f->name;
	L->isolated = isolate_apply(L->vm->name, L->vm->cpus, bdfs, L->d->n);
	free(bdfs);
	return 0;
}

int vm_run(const struct vm *vm, const struct vmdevs *d)
{
	struct launch L = {.vm = vm, .d = d, .sigfd = -1, .lockfd = -1};
	int r;

	r = prepare(&L);
	if (r == 0)
		r = watch_signals(&L);
	if (r == 0) {
		r = huge_reserve(vm);
		L.huge_reserved = r == 0 && vm->hugepages_kb && !vm->keep_hugepages;
	}
	if (r == 0)
		r = hand_over(&L);
	if (r == 0)
		launch_emulator_cpus(&L);
	if (r == 0 && vm->isolate && vm->cpus)
		r = isolate(&L);
	if (r == 0 && vm->tpm)
		r = launch_swtpm(&L);
	if (r == 0)
		r = launch_qemu(&L);
	if (r == 0) {
		/* reboot = restart: a guest reboot starts QEMU again. */
		do
			launch_supervise(&L);
		while (launch_restart(&L) == 0);
		r = conclude(&L);
	}
	give_back(&L);
	return r;
}
