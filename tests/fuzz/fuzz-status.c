// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-status.c - libFuzzer harness for the readers of this boot's status
 * file (<root>/run/vfiobind/status, report.h): status_disabled() and
 * status_stale(), which doctor and the host commands run on a file the
 * initramfs wrote, on a tmpfs any root process may have written too.
 *
 * Input: the status file, written under a temp root made once per process,
 * beside a fixed /etc/vfiobind.conf.
 *
 * Promises checked (abort() when broken): each returns 0 or 1; the
 * message is NUL-terminated within the buffer it was given (a small one,
 * so that long reasons are cut, not overrun); 1 comes with a message and 0
 * leaves the stale message empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/sysfs.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[PATH_MAX], conf[PATH_MAX + 32];

static void mk(const char *rel)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		abort();
}

static void put(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len) || close(fd) < 0)
		abort();
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	static const char text[] = "0000:01:00.0\n";

	snprintf(root, sizeof(root), "%s/fuzz-status.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(root) == NULL)
		abort();
	mk("/etc");
	mk("/run");
	mk("/run/vfiobind");
	snprintf(conf, sizeof(conf), "%s/etc/vfiobind.conf", root);
	put(conf, text, sizeof(text) - 1);
	if (root_set(root) < 0)
		abort();
	log_setup(NULL, false, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX + 64], msg[80];
	int r;

	if (root[0] == '\0')
		setup();
	snprintf(path, sizeof(path), "%s%s", root, STATUS_FILE);
	put(path, data, size);

	memset(msg, 'x', sizeof(msg));
	r = status_disabled(msg, sizeof(msg));
	if (r != 0 && r != 1)
		abort();
	if (r == 1 && !memchr(msg, 0, sizeof(msg)))
		abort();

	memset(msg, 'x', sizeof(msg));
	msg[0] = '\0';
	r = status_stale(conf, "/etc/vfiobind.conf", msg, sizeof(msg));
	if (r != 0 && r != 1)
		abort();
	if (!memchr(msg, 0, sizeof(msg)) || (r == 1 && msg[0] == '\0'))
		abort();
	return 0;
}
