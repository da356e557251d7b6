// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * supervise.c - the launcher's stage "supervise": from QEMU's start to
 * its exit, one poll(2) loop over the signals, QMP and the deadlines.
 * QMP is QEMU's (docs/interop/qmp-spec.rst): a greeting, then
 * qmp_capabilities, then answers and events; what it says is the VM
 * user's text, read in bounded batches and logged at a bounded rate.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/log.h"
#include "vm/launch.h"
#include "vm/vm.h"

long long launch_now_ms(void)
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

/* Whether one more line of QEMU's making may be logged now: at most
 * QMP_LOG_BURST per QMP_LOG_WINDOW_MS, then one line saying how many were
 * not (printk_ratelimit()'s scheme). A guest or a user forging events
 * must not fill the journal, nor keep the launcher busy writing it. */
static bool qmp_log_ok(struct launch *L)
{
	long long t = launch_now_ms();

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

bool launch_reap(struct launch *L)
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
		L->deadline = launch_now_ms() + (long long)L->vm->stop_timeout * 1000;
		L->deadline_step = 1;
		return;
	}
	NOTICE("VM %s: %s, and QMP is not there to ask the guest: terminating QEMU", L->vm->name, why);
	launch_kill_qemu(L, SIGTERM);
	L->deadline = launch_now_ms() + KILL_GRACE_S * 1000;
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
		launch_kill_qemu(L, SIGKILL);
		L->deadline = 0;
		return;
	}
	launch_kill_qemu(L, SIGTERM);
	L->deadline = launch_now_ms() + KILL_GRACE_S * 1000;
	L->deadline_step = 2;
}

void launch_close_qmp(struct launch *L, const char *why)
{
	if (!L->qmp_open)
		return;
	if (why)
		WRN("VM %s: QMP: %s; no longer listening (no host power-off this time)", L->vm->name, why);
	close(L->qmp.fd);
	qmp_free(&L->qmp);
	L->qmp_open = false;
}

static void running(struct launch *L)
{
	L->qmp_state = QMP_RUNNING;
	/* A stop that came before QMP answered keeps its kill deadline. */
	if (!L->stopping)
		L->deadline = 0;
	vm_notify("READY=1");
	NOTICE("VM %s: running: QEMU pid %d as %s (uid %u), %zu PCI function%s", L->vm->name, (int)L->qemu,
	       L->user.name, (unsigned)L->user.uid, L->d->n, L->d->n == 1 ? "" : "s");
}

/* The vCPUs pinned (or not, logged): the guest may start, unless the
 * user's own -S asked for it to wait. */
static void after_pin(struct launch *L)
{
	if (!L->pin_cont) {
		running(L);
	} else if (qmp_send(&L->qmp, "{\"execute\": \"cont\"}") < 0) {
		launch_close_qmp(L, "cannot send cont: the guest stays paused");
	} else {
		L->qmp_state = QMP_CONT;
	}
}

/* Whether a SHUTDOWN event's @data says the machine was reset: by the
 * guest ("guest": true, "reason": "guest-reset": a reset register, the
 * keyboard controller, a triple fault, a watchdog) or by root's QMP
 * system_reset ("host-qmp-system-reset"); with -no-reboot QEMU turns
 * either into its exit (qapi/run-state.json, ShutdownCause). */
static bool shutdown_is_reset(const struct json_val *data)
{
	struct json_val guest, reason;

	if (data->type != JSON_OBJECT || json_get(data, "reason", &reason) < 0)
		return false;
	if (json_str_eq(&reason, "host-qmp-system-reset"))
		return true;
	return json_str_eq(&reason, "guest-reset") && json_get(data, "guest", &guest) == 0 && guest.type == JSON_TRUE;
}

static void on_message(struct launch *L, const struct json_val *msg, const char *line, size_t len)
{
	struct json_val v, data;

	if (L->qmp_state == QMP_GREETING) {
		if (json_get(msg, "QMP", &v) < 0) {
			launch_close_qmp(L, "no QMP greeting");
			return;
		}
		if (qmp_send(&L->qmp, "{\"execute\": \"qmp_capabilities\"}") < 0) {
			launch_close_qmp(L, "cannot send qmp_capabilities");
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
		} else if (L->vm->reboot_restart && shutdown_is_reset(&data)) {
			if (!L->guest_reset)
				NOTICE("VM %s: the guest reboots: QEMU exits (-no-reboot, reboot = restart)%s",
				       L->vm->name, L->stopping ? "; the launcher is stopping: no restart" : "");
			L->guest_reset = true;
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
			launch_close_qmp(L, "qmp_capabilities refused");
		else if (L->qmp_state == QMP_PIN) /* unpinned, but the guest runs */
			after_pin(L);
		else if (L->qmp_state == QMP_CONT)
			launch_close_qmp(L, "cont refused: the guest stays paused");
		return;
	}
	if (json_get(msg, "return", &v) < 0)
		return;
	if (L->qmp_state == QMP_CAPS && L->npin) {
		/* Paused (-S): the vCPU threads exist, no guest code ran. */
		if (qmp_send(&L->qmp, "{\"execute\": \"query-cpus-fast\"}") < 0)
			launch_close_qmp(L, "cannot send query-cpus-fast");
		else
			L->qmp_state = QMP_PIN;
	} else if (L->qmp_state == QMP_PIN) {
		launch_pin_vcpus(L, &v);
		after_pin(L);
	} else if (L->qmp_state == QMP_CAPS || L->qmp_state == QMP_CONT) {
		running(L);
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
			launch_close_qmp(L, NULL); /* QEMU is exiting */
			return;
		}
		if (r < 0) {
			launch_close_qmp(L, strerror(-r));
			return;
		}
		on_message(L, &msg, line, len);
	}
}

void launch_supervise(struct launch *L)
{
	L->deadline = launch_now_ms() + QMP_START_TIMEOUT_S * 1000;
	L->deadline_step = 0;
	while (L->qemu) {
		struct pollfd pfd[2] = {{.fd = L->sigfd, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
		int timeout = -1, r;

		if (L->qmp_open)
			pfd[1].fd = L->qmp.fd;
		if (L->deadline) {
			long long left = L->deadline - launch_now_ms();

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
		if (launch_reap(L))
			break;
		if (L->deadline && launch_now_ms() >= L->deadline)
			on_deadline(L);
	}
	/* What is left of QEMU's group goes first (a wrapper's children),
	 * then whatever QMP had still buffered (the SHUTDOWN event comes
	 * right before QEMU exits): with no writer left that is finite, and
	 * bounded all the same. */
	launch_kill_qemu(L, SIGKILL);
	for (int i = 0; i < QMP_DRAIN_BATCHES && L->qmp_open; i++)
		on_qmp(L, QMP_BATCH);
}
