// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm.c - the launcher, the power-off decision and the QMP command.
 */
#include "vm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/sysfs.h"
#include "vm/handover.h"
#include "vm/holders.h"
#include "vm/qmp.h"
#include "vm/spawn.h"

/* How long QEMU may take to answer QMP: it does so only after the
 * machine is built, vfio devices realized and guest RAM pinned, which for
 * tens of GiB without huge pages takes seconds. */
#define QMP_START_TIMEOUT_S 120
#define SWTPM_TIMEOUT_S	    10
#define KILL_GRACE_S	    10
/* QMP messages handled per wakeup, and batches read after QEMU exited. */
#define QMP_BATCH	  64
#define QMP_DRAIN_BATCHES 64
/* Lines of QEMU's making logged: a burst per window (see qmp_log_ok()). */
#define QMP_LOG_BURST	  10
#define QMP_LOG_WINDOW_MS 5000
/* Descriptor numbers QEMU gets, named in its arguments. */
#define QMP_FD	     3
#define QMP_ADMIN_FD 4

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vm_notify(const char *msg)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t salen;
	size_t len;
	int fd;

	if (sock == NULL || (sock[0] != '/' && sock[0] != '@') || (len = strlen(sock)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, sock, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) < 0)
		DBG("sd_notify: %s", strerror(errno));
	close(fd);
}

static int run_path(char *buf, size_t len, const char *name, const char *file)
{
	return root_path(buf, len, VM_RUN_DIR "/%s%s%s", name, file ? "/" : "", file ? file : "");
}

/* Write @text to <run dir>/@file atomically (root's, 0644). */
static int state_write(const char *name, const char *file, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd, r = 0;

	if (run_path(path, sizeof(path), name, file) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

static void state_remove(const char *name, const char *file)
{
	char path[PATH_MAX];

	if (run_path(path, sizeof(path), name, file) == 0)
		unlink(path);
}

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

/* Everything the launcher holds while the VM runs. */
struct launch {
	const struct vm *vm;
	const struct vmdevs *d;
	struct vmuser user;
	char dir[PATH_MAX];	  /* its runtime state directory */
	char tpm_sock[PATH_MAX];  /* swtpm's control socket, "" without tpm */
	struct handed *handed;	  /* one per group and disk, all noted */
	size_t nhanded, napplied; /* noted; changed so far */
	int sigfd;
	int lockfd; /* the locked launcher file */
	pid_t qemu, swtpm;
	pid_t qemu_pgid; /* QEMU's process group: its pid, kept after it exits */
	int qemu_status;
	struct qmp qmp;
	bool qmp_open;
	enum { QMP_GREETING, QMP_CAPS, QMP_RUNNING } qmp_state;
	bool stopping;	     /* told to stop: no power-off, whatever the guest does */
	bool guest_shutdown; /* SHUTDOWN guest=true reason=guest-shutdown seen */
	bool qemu_shutdown;  /* any SHUTDOWN event seen: QEMU is on its way out */
	long long deadline;  /* ms; 0: none */
	int deadline_step;   /* 0 start, 1 powerdown wait, 2 SIGTERM sent */
	/* What QEMU says is the VM user's text: logged at a bounded rate. */
	long long log_window; /* ms, start of the current window */
	unsigned log_count, log_dropped;
};

/* Whether one more line of QEMU's making may be logged now: at most
 * QMP_LOG_BURST per QMP_LOG_WINDOW_MS, then one line saying how many were
 * not (printk_ratelimit()'s scheme). A guest or a user forging events
 * must not fill the journal, nor keep the launcher busy writing it. */
static bool qmp_log_ok(struct launch *L)
{
	long long t = now_ms();

	if (t - L->log_window >= QMP_LOG_WINDOW_MS) {
		if (L->log_dropped)
			WRN("VM %s: QMP: %u messages not logged (more than %d in %d s)", L->vm->name, L->log_dropped,
			    QMP_LOG_BURST, QMP_LOG_WINDOW_MS / 1000);
		L->log_window = t;
		L->log_count = L->log_dropped = 0;
	}
	if (L->log_count < QMP_LOG_BURST) {
		L->log_count++;
		return true;
	}
	L->log_dropped++;
	return false;
}

static void restore_handed(struct launch *L)
{
	char rec[PATH_MAX];

	for (size_t i = 0; i < L->napplied; i++) {
		int r = hand_restore(&L->handed[i]);

		if (r < 0)
			WRN("VM %s: giving %s back to uid %u failed: %s", L->vm->name, L->handed[i].path,
			    (unsigned)L->handed[i].uid, strerror(-r));
	}
	/* Given back (or never handed): the record has done its work. */
	if (L->nhanded && run_path(rec, sizeof(rec), L->vm->name, "handed") == 0)
		unlink(rec);
	L->napplied = L->nhanded = 0;
	free(L->handed);
	L->handed = NULL;
}

/* Note every file as it is now: /dev/vfio/<group> of every group, and
 * the declared disks. Nothing changes hands yet. */
static int note_files(struct launch *L)
{
	char why[PATH_MAX + 64];
	size_t n = L->d->ngroups + L->vm->disk.n;
	int r;

	L->handed = calloc(n ? n : 1, sizeof(*L->handed));
	if (L->handed == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < L->d->ngroups; i++, L->nhanded++) {
		r = hand_vfio_group_stat(L->d->groups[i], &L->handed[L->nhanded]);
		if (r < 0) {
			ERR("VM %s: cannot hand /dev/vfio/%d to %s: %s", L->vm->name, L->d->groups[i], L->user.name,
			    strerror(-r));
			return r;
		}
	}
	for (size_t i = 0; i < L->vm->disk.n; i++, L->nhanded++) {
		r = hand_disk_stat(L->vm->disk.v[i], &L->handed[L->nhanded], why, sizeof(why));
		if (r < 0) {
			ERR("VM %s: cannot hand disk %s to %s: %s%s%s", L->vm->name, L->vm->disk.v[i], L->user.name,
			    r == -EINVAL ? "neither a block device nor a regular file" : strerror(-r),
			    why[0] ? ": " : "", why);
			return r;
		}
	}
	return 0;
}

/* Stage "hand over": note, record (synced), then change each file. The
 * record comes first so that no way of dying leaves a file the user's
 * without a note of whose it was. */
static int hand_over(struct launch *L)
{
	char rec[PATH_MAX];
	int r;

	r = note_files(L);
	if (r < 0)
		return r;
	if (run_path(rec, sizeof(rec), L->vm->name, "handed") < 0)
		return -ENAMETOOLONG;
	r = handed_record_write(rec, L->handed, L->nhanded);
	if (r < 0) {
		ERR("VM %s: cannot write %s: %s; nothing handed over", L->vm->name, rec, strerror(-r));
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
		if (i < L->d->ngroups)
			INF("VM %s: /dev/vfio/%d handed to %s (mode 0600)", L->vm->name, L->d->groups[i], L->user.name);
		else
			INF("VM %s: disk %s handed to %s", L->vm->name, L->vm->disk.v[i - L->d->ngroups], L->user.name);
	}
	/* vfio pins every page of guest RAM (vfio_container_dma_map ... -12
	 * without this); LimitMEMLOCK=infinity in the unit does the same. */
	if (setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){RLIM_INFINITY, RLIM_INFINITY}) < 0)
		WRN("VM %s: cannot lift RLIMIT_MEMLOCK: %s; QEMU may fail to map guest RAM", L->vm->name,
		    strerror(errno));
	return 0;
}

/* Reap children; true when QEMU has exited. */
static bool reap(struct launch *L)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == L->qemu) {
			L->qemu_status = st;
			L->qemu = 0;
		} else if (pid == L->swtpm) {
			L->swtpm = 0;
			/* swtpm leaves when QEMU hangs up (--terminate), which
			 * QEMU does on its way out: only news before that. */
			if (L->qemu && !L->stopping && !L->qemu_shutdown)
				WRN("VM %s: swtpm exited (%s %d) while QEMU runs", L->vm->name,
				    WIFEXITED(st) ? "status" : "signal",
				    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		}
	}
	return L->qemu == 0;
}

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
		ERR("VM %s: creating tpm directory %s: %s", L->vm->name, L->vm->tpm, strerror(errno));
		return -errno;
	}
	INF("VM %s: created tpm directory %s for %s", L->vm->name, L->vm->tpm, L->user.name);
	return 0;
}

/* swtpm as the user; returns once its control socket exists. */
static int start_swtpm(struct launch *L, char *sock, size_t socklen)
{
	char dir[PATH_MAX], state[PATH_MAX], a_state[PATH_MAX + 32], a_ctrl[PATH_MAX + 48];
	char *argv[] = {"swtpm", "socket", "--tpm2", "--tpmstate", a_state, "--ctrl", a_ctrl, "--terminate", NULL};
	struct stat st;
	long long until;
	int r, dfd;

	r = tpm_dir(L, state, sizeof(state));
	if (r < 0)
		return r;
	/* The socket lives in a directory of the user's under our own: it
	 * is swtpm (the user) that creates it. A stale one is removed
	 * without following links. */
	if (run_path(dir, sizeof(dir), L->vm->name, "swtpm") < 0 ||
	    snprintf(sock, socklen, "%s/ctrl.sock", dir) >= (int)socklen)
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

	snprintf(a_state, sizeof(a_state), "dir=%s", state);
	snprintf(a_ctrl, sizeof(a_ctrl), "type=unixio,path=%s,mode=0600", sock);
	INF("VM %s: starting swtpm --tpmstate %s --ctrl %s", L->vm->name, a_state, a_ctrl);
	L->swtpm = spawn_as(&L->user, argv, NULL, NULL, 0);
	if (L->swtpm < 0) {
		r = L->swtpm;
		L->swtpm = 0;
		return r;
	}
	/* As libvirt does: wait for the socket, not a fixed time. */
	until = now_ms() + SWTPM_TIMEOUT_S * 1000;
	while (lstat(sock, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		int status;

		if (waitpid(L->swtpm, &status, WNOHANG) == L->swtpm) {
			L->swtpm = 0;
			ERR("VM %s: swtpm exited (%s %d) before creating its socket", L->vm->name,
			    WIFEXITED(status) ? "status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			return -EIO;
		}
		if (now_ms() > until) {
			ERR("VM %s: swtpm did not create %s within %d s", L->vm->name, sock, SWTPM_TIMEOUT_S);
			return -ETIMEDOUT;
		}
		usleep(20 * 1000);
	}
	INF("VM %s: swtpm (pid %d) ready", L->vm->name, (int)L->swtpm);
	return 0;
}

/* Append "-OPTION" and its formatted value. */
static int push_opt(struct strv *av, const char *opt, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int push_opt(struct strv *av, const char *opt, const char *fmt, ...)
{
	char val[PATH_MAX + 128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(val))
		return -ENAMETOOLONG;
	if (strv_push(av, opt, strlen(opt)) < 0 || strv_push(av, val, (size_t)n) < 0)
		return -ENOMEM;
	return 0;
}

static int build_argv(struct launch *L, struct strv *av, const char *tpm_sock)
{
	const struct vm *vm = L->vm;
	int r = 0;

	for (size_t i = 0; i < vm->qemu.n && r == 0; i++)
		r = strv_push(av, vm->qemu.v[i], strlen(vm->qemu.v[i]));
	for (size_t i = 0; i < vm->args.n && r == 0; i++)
		r = strv_push(av, vm->args.v[i], strlen(vm->args.v[i]));
	/* Headless: nothing at boot shows a window. Later options win in
	 * QEMU, so this overrides a -display of the user's. Two monitors:
	 * ours on a socket pair nobody else can reach, and one for root. */
	if (r == 0)
		r = push_opt(av, "-display", "none");
	if (r == 0)
		r = push_opt(av, "-chardev", "socket,id=vfiobind-qmp,fd=%d", QMP_FD);
	if (r == 0)
		r = push_opt(av, "-mon", "chardev=vfiobind-qmp,mode=control");
	if (r == 0)
		r = push_opt(av, "-chardev", "socket,id=vfiobind-qmp-admin,fd=%d,server=on,wait=off", QMP_ADMIN_FD);
	if (r == 0)
		r = push_opt(av, "-mon", "chardev=vfiobind-qmp-admin,mode=control");
	if (r == 0 && tpm_sock) {
		r = push_opt(av, "-chardev", "socket,id=vfiobind-tpm,path=%s", tpm_sock);
		if (r == 0)
			r = push_opt(av, "-tpmdev", "emulator,id=vfiobind-tpm0,chardev=vfiobind-tpm");
		if (r == 0)
			r = push_opt(av, "-device", "tpm-tis,tpmdev=vfiobind-tpm0");
	}
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
static void kill_qemu(struct launch *L, int sig)
{
	if (L->qemu_pgid > 0 && kill(-L->qemu_pgid, sig) < 0 && errno != ESRCH)
		WRN("VM %s: kill(-%d, %d): %s", L->vm->name, (int)L->qemu_pgid, sig, strerror(errno));
}

static void begin_stop(struct launch *L, const char *why)
{
	char msg[64];

	if (L->stopping)
		return;
	L->stopping = true;
	snprintf(msg, sizeof(msg), "STOPPING=1\nEXTEND_TIMEOUT_USEC=%llu",
		 (unsigned long long)(L->vm->stop_timeout + 2 * KILL_GRACE_S) * 1000000ULL);
	vm_notify(msg);
	if (L->qmp_open && L->qmp_state == QMP_RUNNING &&
	    qmp_send(&L->qmp, "{\"execute\": \"system_powerdown\"}") == 0) {
		NOTICE("VM %s: %s: asking the guest to power off (system_powerdown), up to %u s", L->vm->name, why,
		       L->vm->stop_timeout);
		L->deadline = now_ms() + (long long)L->vm->stop_timeout * 1000;
		L->deadline_step = 1;
		return;
	}
	NOTICE("VM %s: %s, and QMP is not there to ask the guest: terminating QEMU", L->vm->name, why);
	kill_qemu(L, SIGTERM);
	L->deadline = now_ms() + KILL_GRACE_S * 1000;
	L->deadline_step = 2;
}

static void on_deadline(struct launch *L)
{
	switch (L->deadline_step) {
	case 0:
		ERR("VM %s: QEMU did not answer QMP within %d s; terminating it", L->vm->name, QMP_START_TIMEOUT_S);
		break;
	case 1:
		WRN("VM %s: the guest did not power off within %u s (stop-timeout); terminating QEMU", L->vm->name,
		    L->vm->stop_timeout);
		break;
	default:
		WRN("VM %s: QEMU still runs %d s after SIGTERM; killing it", L->vm->name, KILL_GRACE_S);
		kill_qemu(L, SIGKILL);
		L->deadline = 0;
		return;
	}
	kill_qemu(L, SIGTERM);
	L->deadline = now_ms() + KILL_GRACE_S * 1000;
	L->deadline_step = 2;
}

static void close_qmp(struct launch *L, const char *why)
{
	if (!L->qmp_open)
		return;
	if (why)
		WRN("VM %s: QMP: %s; no longer listening (no host power-off this time)", L->vm->name, why);
	close(L->qmp.fd);
	qmp_free(&L->qmp);
	L->qmp_open = false;
}

static void on_message(struct launch *L, const struct json_val *msg, const char *line, size_t len)
{
	struct json_val v, data;

	if (L->qmp_state == QMP_GREETING) {
		if (json_get(msg, "QMP", &v) < 0) {
			close_qmp(L, "no QMP greeting");
			return;
		}
		if (qmp_send(&L->qmp, "{\"execute\": \"qmp_capabilities\"}") < 0) {
			close_qmp(L, "cannot send qmp_capabilities");
			return;
		}
		L->qmp_state = QMP_CAPS;
		return;
	}
	if (qmp_is_event(msg, "SHUTDOWN", &data)) {
		bool first = !L->qemu_shutdown;

		L->qemu_shutdown = true;
		if (qmp_is_guest_shutdown(msg)) {
			bool seen = L->guest_shutdown;

			L->guest_shutdown = true;
			if (seen)
				return; /* said once is enough */
			NOTICE("VM %s: the guest powered itself off%s", L->vm->name,
			       L->stopping ? " (as asked: the launcher is stopping)" : "");
		} else if (first && qmp_log_ok(L)) {
			INF("VM %s: QEMU shuts down: %.*s", L->vm->name, (int)(data.type ? data.len : 2),
			    data.type ? data.p : "{}");
		}
		return;
	}
	if (json_get(msg, "event", &v) == 0) {
		if (qmp_log_ok(L))
			INF("VM %s: QMP event %.*s", L->vm->name, (int)v.len, v.p);
		return;
	}
	if (json_get(msg, "error", &v) == 0) {
		if (qmp_log_ok(L))
			WRN("VM %s: QMP error: %.*s", L->vm->name, (int)(len > 300 ? 300 : len), line);
		if (L->qmp_state == QMP_CAPS)
			close_qmp(L, "qmp_capabilities refused");
		return;
	}
	if (L->qmp_state == QMP_CAPS && json_get(msg, "return", &v) == 0) {
		L->qmp_state = QMP_RUNNING;
		L->deadline = 0;
		vm_notify("READY=1");
		NOTICE("VM %s: running: QEMU pid %d as %s (uid %u), %zu PCI function%s", L->vm->name, (int)L->qemu,
		       L->user.name, (unsigned)L->user.uid, L->d->n, L->d->n == 1 ? "" : "s");
	}
}

/* At most @max messages: QEMU (the VM's user) decides how many there
 * are, and signals, reaping and deadlines must come round between two
 * batches however fast they arrive. */
static void on_qmp(struct launch *L, int max)
{
	for (int i = 0; i < max && L->qmp_open; i++) {
		struct json_val msg;
		const char *line;
		size_t len;
		int r = qmp_read(&L->qmp, 0, &line, &len, &msg);

		if (r == -ETIMEDOUT)
			return;
		if (r == -EPROTO) {
			if (qmp_log_ok(L))
				WRN("VM %s: QMP: ignoring a line that is not a JSON object", L->vm->name);
			continue;
		}
		if (r == 0) {
			close_qmp(L, NULL); /* QEMU is exiting */
			return;
		}
		if (r < 0) {
			close_qmp(L, strerror(-r));
			return;
		}
		on_message(L, &msg, line, len);
	}
}

static void supervise(struct launch *L)
{
	L->deadline = now_ms() + QMP_START_TIMEOUT_S * 1000;
	L->deadline_step = 0;
	while (L->qemu) {
		struct pollfd pfd[2] = {{.fd = L->sigfd, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
		int timeout = -1, r;

		if (L->qmp_open)
			pfd[1].fd = L->qmp.fd;
		if (L->deadline) {
			long long left = L->deadline - now_ms();

			timeout = left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
		}
		r = poll(pfd, 2, timeout);
		if (r < 0 && errno != EINTR) {
			ERR("VM %s: poll: %s", L->vm->name, strerror(errno));
			break;
		}
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			while (read(L->sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					continue; /* reaped below */
				begin_stop(L, si.ssi_signo == SIGTERM  ? "stop requested (SIGTERM)"
					      : si.ssi_signo == SIGINT ? "interrupted (SIGINT)"
								       : "hangup (SIGHUP)");
			}
		}
		if (r > 0 && L->qmp_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			on_qmp(L, QMP_BATCH);
		if (reap(L))
			break;
		if (L->deadline && now_ms() >= L->deadline)
			on_deadline(L);
	}
	/* What is left of QEMU's group goes first (a wrapper's children),
	 * then whatever QMP had still buffered (the SHUTDOWN event comes
	 * right before QEMU exits): with no writer left that is finite, and
	 * bounded all the same. */
	kill_qemu(L, SIGKILL);
	for (int i = 0; i < QMP_DRAIN_BATCHES && L->qmp_open; i++)
		on_qmp(L, QMP_BATCH);
}

/* swtpm terminates when QEMU disconnects (--terminate); bounded wait. */
static void stop_swtpm(struct launch *L)
{
	long long until = now_ms() + 5000;

	while (L->swtpm && now_ms() < until) {
		reap(L);
		if (L->swtpm)
			usleep(20 * 1000);
	}
	if (!L->swtpm)
		return;
	kill(L->swtpm, SIGTERM);
	until = now_ms() + 2000;
	while (L->swtpm && now_ms() < until) {
		reap(L);
		if (L->swtpm)
			usleep(20 * 1000);
	}
	if (L->swtpm) {
		kill(L->swtpm, SIGKILL);
		waitpid(L->swtpm, NULL, 0);
		L->swtpm = 0;
	}
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
 * unit's stop timeout, the OOM killer) left handed over. The caller holds
 * the launcher lock, so no live launcher's files are touched. */
static void restore_left(const char *name)
{
	char rec[PATH_MAX];
	int n;

	if (run_path(rec, sizeof(rec), name, "handed") < 0)
		return;
	if (access(rec, F_OK) == 0)
		NOTICE("VM %s: the last launcher ended without giving its files back; doing so now", name);
	n = handed_record_restore(rec, name);
	if (n < 0)
		WRN("VM %s: cannot read %s: %s", name, rec, strerror(-n));
}

int vm_restore_left(const char *name)
{
	pid_t other;
	int fd;

	fd = vm_launcher_lock(name, &other);
	if (fd == -ENOENT)
		return 0; /* no state directory: nothing was ever handed over */
	if (fd < 0)
		return fd;
	restore_left(name);
	close(fd);
	return 0;
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
	if (run_path(L->dir, sizeof(L->dir), vm->name, NULL) < 0)
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
	restore_left(vm->name);
	for (size_t i = 0; i < L->d->ngroups; i++) {
		if (vfio_group_holders(L->d->groups[i], vm->name, holders, sizeof(holders)) > 0) {
			ERR("VM %s: IOMMU group %d is in use by %s", vm->name, L->d->groups[i], holders);
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
	state_remove(L->vm->name, "result");
	r = launcher_state(L);
	if (r < 0)
		ERR("VM %s: cannot write %s/launcher: %s", L->vm->name, L->dir,
		    r == -E2BIG ? "too many IOMMU groups to list" : strerror(-r));
	return r;
}

/* Stage "start QEMU": as the user, with our QMP socket pair on QMP_FD
 * and root's listening monitor on QMP_ADMIN_FD. */
static int start_qemu(struct launch *L)
{
	const struct vm *vm = L->vm;
	char admin[PATH_MAX], envvm[VM_NAME_MAX + 16];
	char *env[] = {envvm, NULL};
	int sv[2], admin_fd, r;
	struct strv av = {0};

	if (run_path(admin, sizeof(admin), vm->name, "qmp.sock") < 0)
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

		log_argv(vm, &av);
		snprintf(envvm, sizeof(envvm), "VFIOBIND_VM=%s", vm->name);
		L->qemu = spawn_as(&L->user, av.v, env, fds, 2);
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

/* After supervise(): how QEMU ended, into the result file. */
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
	if (state_write(vm->name, "result", text) < 0)
		WRN("VM %s: cannot write the result", vm->name);
	INF("VM %s: result: %s", vm->name, result);
	return r;
}

/* Stage "give back": whatever still runs ends, the files go back to
 * their owners, the state is cleared. Safe after any earlier stage. */
static void give_back(struct launch *L)
{
	if (L->qemu) {
		kill_qemu(L, SIGKILL);
		waitpid(L->qemu, NULL, 0);
		L->qemu = 0;
	}
	kill_qemu(L, SIGKILL);
	close_qmp(L, NULL);
	stop_swtpm(L);
	restore_handed(L);
	state_remove(L->vm->name, "qmp.sock");
	if (L->lockfd >= 0) {
		/* Emptied, not removed: a launcher starting now may already
		 * have it open, waiting for the lock. */
		if (ftruncate(L->lockfd, 0) < 0)
			WRN("VM %s: cannot empty %s/launcher: %s", L->vm->name, L->dir, strerror(errno));
		close(L->lockfd);
	}
	if (L->sigfd >= 0)
		close(L->sigfd);
}

int vm_run(const struct vm *vm, const struct vmdevs *d)
{
	struct launch L = {.vm = vm, .d = d, .sigfd = -1, .lockfd = -1};
	int r;

	r = prepare(&L);
	if (r == 0)
		r = watch_signals(&L);
	if (r == 0)
		r = hand_over(&L);
	if (r == 0 && vm->tpm)
		r = start_swtpm(&L, L.tpm_sock, sizeof(L.tpm_sock));
	if (r == 0)
		r = start_qemu(&L);
	if (r == 0) {
		supervise(&L);
		r = conclude(&L);
	}
	give_back(&L);
	return r;
}

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

int vm_poweroff(const char *name, const struct vm *vm, const struct cmdline *cl)
{
	char path[PATH_MAX], result[64] = "";
	bool policy;
	pid_t pid;
	int st;

	if (run_path(path, sizeof(path), name, "result") < 0)
		return -ENAMETOOLONG;
	if (sysfs_read_attr(path, result, sizeof(result)) < 0)
		result[0] = '\0';
	unlink(path); /* consumed: a later stop must not see it again */
	if (strcmp(result, "guest-shutdown") != 0) {
		INF("VM %s: no host power-off: %s", name,
		    strcmp(result, "stopped") == 0 ? "the VM was stopped (systemctl stop, host shutdown or reboot)"
		    : strcmp(result, "exited") == 0
			? "QEMU ended without a clean guest shutdown"
			: "the launcher left no result (the VM did not start, or the launcher was killed)");
		return 0;
	}
	if (root_path(path, sizeof(path), VM_NO_POWEROFF_FLAG) == 0 && sysfs_exists(path)) {
		NOTICE("VM %s: the guest shut down; %s exists: the host stays up", name, VM_NO_POWEROFF_FLAG);
		return 0;
	}
	if (cl->poweroff == 0) {
		NOTICE(
		    "VM %s: the guest shut down; vfiobind.poweroff=0 is on the kernel command line: the host stays up",
		    name);
		return 0;
	}
	if (vm == NULL) {
		WRN("VM %s: the guest shut down, but the configuration no longer declares it: the host stays up", name);
		return 0;
	}
	policy = cl->poweroff == 1 || vm->poweroff;
	if (!policy) {
		INF("VM %s: the guest shut down; poweroff = no: the host stays up", name);
		return 0;
	}
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
	/* --no-block: we run inside the unit's stop, which the power-off
	 * job waits for; waiting for it here would wait for ourselves. */
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

static bool command_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

int vm_qmp(const char *name, const char *command)
{
	char path[PATH_MAX], json[4096];
	struct json_val msg, v;
	struct qmp q;
	const char *line;
	size_t len;
	int fd, r;

	if (command[0] == '{') {
		if (json_parse(command, strlen(command), &v) < 0 || v.type != JSON_OBJECT ||
		    strlen(command) >= sizeof(json) || strchr(command, '\n'))
			return -EINVAL;
		snprintf(json, sizeof(json), "%s", command);
	} else {
		if (!command_name_ok(command) || strlen(command) > 64)
			return -EINVAL;
		snprintf(json, sizeof(json), "{\"execute\": \"%s\"}", command);
	}
	if (!vm_name_valid(name) || run_path(path, sizeof(path), name, "qmp.sock") < 0)
		return -EINVAL;
	fd = qmp_connect(path);
	if (fd < 0)
		return fd == -ECONNREFUSED ? -ENOENT : fd;
	qmp_init(&q, fd);
	r = qmp_handshake(&q, 10000);
	if (r == 0)
		r = qmp_send(&q, json);
	if (r == 0)
		r = qmp_await_answer(&q, 30000, &line, &len, &msg);
	if (r == 1) {
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
		r = json_get(&msg, "error", &v) == 0 ? 1 : 0;
	}
	qmp_free(&q);
	close(fd);
	return r;
}
