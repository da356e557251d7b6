// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qmp.c - QMP over a unix stream socket.
 */
#include "vm/qmp.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void qmp_init(struct qmp *q, int fd)
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
}

void qmp_free(struct qmp *q)
{
	free(q->buf);
	q->buf = NULL;
	q->start = q->scan = q->len = q->cap = q->skip = 0;
}

int qmp_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Room for more bytes: the consumed front is dropped first (once per
 * buffer-full, not once per line), then the buffer grows. */
static int make_room(struct qmp *q)
{
	size_t cap;
	char *b;

	if (q->len < q->cap)
		return 0;
	if (q->start > 0) {
		memmove(q->buf, q->buf + q->start, q->len - q->start);
		q->len -= q->start;
		q->scan -= q->start;
		q->start = 0;
		if (q->len < q->cap)
			return 0;
	}
	if (q->cap > QMP_LINE_MAX)
		return -EMSGSIZE;
	cap = q->cap ? q->cap * 2 : 4096;
	b = realloc(q->buf, cap);
	if (b == NULL)
		return -ENOMEM;
	q->buf = b;
	q->cap = cap;
	return 0;
}

/* Read more bytes into the buffer. 1: got some; 0: EOF; -errno. */
static int fill(struct qmp *q, int timeout_ms)
{
	struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
	ssize_t n;
	int r;

	r = make_room(q);
	if (r < 0)
		return r;
	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	do {
		n = read(q->fd, q->buf + q->len, q->cap - q->len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	q->len += (size_t)n;
	return 1;
}

int qmp_read(struct qmp *q, int timeout_ms, const char **line, size_t *len, struct json_val *msg)
{
	long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;

	q->start += q->skip;
	q->skip = 0;
	if (q->start == q->len)
		q->start = q->scan = q->len = 0;
	for (;;) {
		char *nl = q->scan < q->len ? memchr(q->buf + q->scan, '\n', q->len - q->scan) : NULL;
		int r, left;

		if (nl) {
			char *p = q->buf + q->start;
			size_t l = (size_t)(nl - p);

			q->skip = l + 1;
			q->scan = q->start + l + 1;
			if (l >= QMP_LINE_MAX)
				return -EMSGSIZE;
			if (l > 0 && p[l - 1] == '\r')
				l--;
			*line = p;
			*len = l;
			if (json_parse(p, l, msg) < 0 || msg->type != JSON_OBJECT)
				return -EPROTO;
			return 1;
		}
		q->scan = q->len;
		if (q->len - q->start >= QMP_LINE_MAX)
			return -EMSGSIZE;
		if (timeout_ms < 0)
			left = -1;
		else if (timeout_ms == 0)
			left = 0;
		else if ((left = (int)(deadline - now_ms())) < 0)
			left = 0;
		r = fill(q, left);
		if (r <= 0)
			return r;
	}
}

int qmp_send(struct qmp *q, const char *json)
{
	size_t len = strlen(json), off = 0;

	while (off <= len) {
		/* The newline goes with the last chunk: QMP reads JSON
		 * streams, but a line is what a human at socat expects too. */
		const char *p = off < len ? json + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t w = send(q->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

/* What is left of @timeout_ms from @deadline (ms, now_ms()); 0 when past. */
static int left_ms(int timeout_ms, long long deadline)
{
	long long left;

	if (timeout_ms < 0)
		return -1;
	left = deadline - now_ms();
	return left <= 0 ? 0 : left > timeout_ms ? timeout_ms : (int)left;
}

int qmp_handshake(struct qmp *q, int timeout_ms)
{
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct json_val msg, v;
	const char *line;
	size_t len;
	int r;

	r = qmp_read(q, timeout_ms, &line, &len, &msg);
	if (r == 0)
		return -EPIPE;
	if (r < 0)
		return r;
	if (json_get(&msg, "QMP", &v) < 0)
		return -EPROTO;
	r = qmp_send(q, "{\"execute\": \"qmp_capabilities\"}");
	if (r < 0)
		return r;
	/* Events may come before the answer, as many as QEMU likes: the
	 * whole handshake has @timeout_ms, and a bounded count of them. */
	for (int n = 0; n < QMP_SKIP_MAX; n++) {
		r = qmp_read(q, left_ms(timeout_ms, deadline), &line, &len, &msg);
		if (r == 0)
			return -EPIPE;
		if (r == -EPROTO)
			continue;
		if (r < 0)
			return r;
		if (json_get(&msg, "return", &v) == 0)
			return 0;
		if (json_get(&msg, "error", &v) == 0)
			return -EPROTO;
	}
	return -ETIMEDOUT;
}

int qmp_await_answer(struct qmp *q, int timeout_ms, const char **line, size_t *len, struct json_val *msg)
{
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct json_val v;

	for (int n = 0; n < QMP_SKIP_MAX; n++) {
		int r = qmp_read(q, left_ms(timeout_ms, deadline), line, len, msg);

		if (r == 0)
			return -EPIPE;
		if (r == -EPROTO)
			continue;
		if (r < 0)
			return r;
		if (json_get(msg, "return", &v) == 0 || json_get(msg, "error", &v) == 0)
			return 1;
	}
	return -ETIMEDOUT;
}

bool qmp_is_event(const struct json_val *msg, const char *name, struct json_val *data)
{
	struct json_val ev;

	if (data)
		data->type = JSON_INVALID;
	if (json_get(msg, "event", &ev) < 0 || !json_str_eq(&ev, name))
		return false;
	if (data && json_get(msg, "data", data) < 0)
		data->type = JSON_INVALID;
	return true;
}

bool qmp_is_guest_shutdown(const struct json_val *msg)
{
	struct json_val data, guest, reason;

	if (!qmp_is_event(msg, "SHUTDOWN", &data) || data.type != JSON_OBJECT)
		return false;
	return json_get(&data, "guest", &guest) == 0 && guest.type == JSON_TRUE &&
	       json_get(&data, "reason", &reason) == 0 && json_str_eq(&reason, "guest-shutdown");
}
