// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-qmpread.c - libFuzzer harness for the QMP stream framing
 * (qmp_read(), qmp_handshake(), qmp_await_answer(): vm/qmp.h), the bytes
 * the launcher reads as root from a QEMU the VM's user owns. fuzz-qmp
 * covers one line's JSON; this covers how a stream is cut into lines.
 *
 * Input: a mode byte, then the stream QEMU sends, written whole into one
 * end of a socketpair whose write side is then shut down (end of stream).
 * Mode bit 0: read it with qmp_read() until the end; set: a handshake,
 * then answers awaited until an error.
 *
 * Promises checked (abort() when broken): every message returned is a
 * JSON object, at most QMP_LINE_MAX bytes, holds no newline, and is bytes
 * of the input; the stream ends (0, -EPIPE or an error, never
 * -ETIMEDOUT: the whole input is there) within one call per input byte
 * plus one.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/jsonread.h"
#include "basic/log.h"
#include "vm/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg(const uint8_t *in, size_t size, const char *line, size_t len, const struct json_val *msg)
{
	if (len > QMP_LINE_MAX || memchr(line, '\n', len) || msg->type != JSON_OBJECT)
		abort();
	if (len && !memmem(in, size, line, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	struct json_val msg;
	struct qmp q;
	const char *line;
	size_t len, calls = 0;
	int sv[2], r;
	uint8_t mode;

	if (!quiet) {
		log_setup(NULL, false, 0);
		quiet = true;
	}
	if (size < 1 || size > 65536)
		return 0;
	mode = data[0];
	data++;
	size--;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* 64 KiB fit in a unix socket's buffer: the write never blocks. */
	if (size && write(sv[1], data, size) != (ssize_t)size)
		abort();
	if (shutdown(sv[1], SHUT_WR) < 0)
		abort();
	qmp_init(&q, sv[0]);
	if (mode & 1) {
		r = qmp_handshake(&q, 1000);
		while (r == 0 || r == 1) {
			if (++calls > size + 2)
				abort();
			r = qmp_await_answer(&q, 1000, &line, &len, &msg);
			if (r == 1)
				check_msg(data, size, line, len, &msg);
		}
		if (r == -ETIMEDOUT)
			abort();
	} else {
		do {
			if (++calls > size + 2)
				abort();
			r = qmp_read(&q, 1000, &line, &len, &msg);
			if (r == 1)
				check_msg(data, size, line, len, &msg);
		} while (r == 1 || r == -EPROTO);
		if (r == -ETIMEDOUT)
			abort();
	}
	qmp_free(&q);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
