/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qmp.h - a small client of the QEMU Machine Protocol
 * (docs/interop/qmp-spec.txt): one JSON object per line from QEMU (it
 * ends each with "\r\n"), a greeting, capabilities negotiation, commands
 * answered by "return" or "error", and asynchronous "event" messages that
 * may arrive at any time, also between a command and its answer.
 *
 * The launcher reads QMP as root from a QEMU that runs as the VM's user,
 * so a line is believed only once json_parse() has validated it, and a
 * line over QMP_LINE_MAX is an error, not a reason to grow without bound.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/jsonread.h"

/* query-pci of a big machine is tens of KiB; nothing QMP says to us is
 * near this. */
#define QMP_LINE_MAX (4 * 1024 * 1024)
/* Messages skipped (events, non-JSON lines) while waiting for an answer
 * before giving up: a monitor that only sends events never answers. */
#define QMP_SKIP_MAX 4096

struct qmp {
	int fd;
	char *buf;
	size_t start; /* first byte not yet returned */
	size_t scan;  /* bytes before this offset hold no newline after start */
	size_t len;   /* bytes in buf */
	size_t cap;
	size_t skip; /* bytes of the line returned last, consumed next call */
};

/** qmp_init() - wrap a connected stream socket (the caller owns @fd). */
void qmp_init(struct qmp *q, int fd);

void qmp_free(struct qmp *q);

/**
 * qmp_connect() - connect to a QMP unix socket at @path (already under
 * the root prefix).
 * Return: the socket, or -errno.
 */
int qmp_connect(const char *path);

/**
 * qmp_read() - the next message.
 * @timeout_ms: -1 waits forever; 0 returns only what is buffered.
 * @line:       the message, valid until the next call; not NUL-terminated.
 * @msg:        the message parsed as an object.
 *
 * Each byte is searched for a newline once, and the unread rest is moved
 * to the front only when the buffer is full: the work is linear in what
 * QEMU sends, whatever the mix of long and short lines (a flood of short
 * lines after a long one must not move the long one again for each).
 * With @timeout_ms 0 it reads at most what one line needs, so a caller
 * that bounds its calls per wakeup bounds its work.
 *
 * Return: 1 with a message; 0 at end of stream; -ETIMEDOUT; -EPROTO for a
 * line that is not a JSON object (skipped); -EMSGSIZE for a line over
 * QMP_LINE_MAX (the stream cannot be trusted after that); -errno from
 * poll(2)/read(2).
 */
int qmp_read(struct qmp *q, int timeout_ms, const char **line, size_t *len, struct json_val *msg);

/**
 * qmp_send() - write @json and a newline.
 * Return: 0 or -errno (-EPIPE when QEMU is gone; SIGPIPE must be ignored
 * or blocked by the caller).
 */
int qmp_send(struct qmp *q, const char *json);

/**
 * qmp_handshake() - read the greeting ({"QMP": ...}) and negotiate
 * capabilities ({"execute": "qmp_capabilities"} answered by "return").
 * @timeout_ms is for the whole handshake, events before the answer
 * included (at most QMP_SKIP_MAX of them).
 * Return: 0, -ETIMEDOUT, -EPROTO (not QMP, or an "error" answer), or an
 * error of qmp_read().
 */
int qmp_handshake(struct qmp *q, int timeout_ms);

/**
 * qmp_await_answer() - the answer to the command sent last: the next
 * "return" or "error" message, events skipped.
 * @timeout_ms: for the whole wait, however many events arrive; at most
 *              QMP_SKIP_MAX messages are skipped.
 * Return: 1 with the answer in @line, @len and @msg; -ETIMEDOUT when
 * none came in time or among QMP_SKIP_MAX messages; -EPIPE at end of
 * stream; another error of qmp_read().
 */
int qmp_await_answer(struct qmp *q, int timeout_ms, const char **line, size_t *len, struct json_val *msg);

/**
 * qmp_is_event() - whether @msg is the event @name; its "data" member,
 * if any, goes to @data (type JSON_INVALID when absent).
 */
bool qmp_is_event(const struct json_val *msg, const char *name, struct json_val *data);

/**
 * qmp_is_guest_shutdown() - whether @msg is the SHUTDOWN event QEMU sends
 * when the guest itself powered off: "data": {"guest": true, "reason":
 * "guest-shutdown"} (qapi/run-state.json, ShutdownCause). A host signal,
 * a QMP quit or a guest reset has another reason or guest false.
 */
bool qmp_is_guest_shutdown(const struct json_val *msg);
