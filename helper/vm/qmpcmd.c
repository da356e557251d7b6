// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qmpcmd.c - `vfiobind vm qmp NAME COMMAND`: one command to a running
 * VM through root's QMP monitor, <state>/qmp.sock (launch_qemu()).
 */
#include "vm/vm.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "basic/jsonread.h"
#include "basic/utf8.h"
#include "vm/qmp.h"
#include "vm/state.h"

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
	if (!vm_name_valid(name) || vm_state_path(path, sizeof(path), name, "qmp.sock") < 0)
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
		/* QEMU runs as the VM's user, and a guest puts bytes into
		 * what it says (a device name, a serial): not raw to root's
		 * terminal. */
		utf8_put_json_line(stdout, line, len);
		r = json_get(&msg, "error", &v) == 0 ? 1 : 0;
	}
	qmp_free(&q);
	close(fd);
	return r;
}
