// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - the log sink: /dev/kmsg records and stderr lines.
 */
#include "basic/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Facility "daemon" (3), like dracut's "<30>": keeps our records apart
 * from the kernel's own (facility 0) while `journalctl -k` still shows
 * them, since journald reads every /dev/kmsg record as a kernel one. */
#define KMSG_FACILITY (3 << 3)

static char kmsg_path[PATH_MAX];
static bool log_to_stderr = true;
static bool stderr_is_journal;
static int log_max_prio = LOG_PRIO_INFO;

/*
 * Under systemd, stderr may be a stream to journald: $JOURNAL_STREAM then
 * holds its "device:inode" (systemd.exec(5)). A "<N>" prefix on each line
 * gives the record its priority (SyslogLevelPrefix=, on by default), so
 * the launcher's errors are errors in the journal, not info.
 */
static bool journal_is_stderr(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(const char *path, bool to_stderr, int max_prio)
{
	stderr_is_journal = journal_is_stderr();
	kmsg_path[0] = '\0';
	if (path != NULL && strlen(path) < sizeof(kmsg_path))
		strcpy(kmsg_path, path);
	log_to_stderr = to_stderr;
	log_max_prio = max_prio;
}

int log_get_max_prio(void)
{
	return log_max_prio;
}

static const char *prio_label(int prio)
{
	switch (prio) {
	case LOG_PRIO_ERR:
		return "error: ";
	case LOG_PRIO_WARNING:
		return "warning: ";
	default:
		return "";
	}
}

/*
 * /dev/kmsg rate-limits writers per open file (printk.devkmsg=ratelimit,
 * the default: a burst of 10 records per 5 s, the rest silently dropped,
 * kernel/printk/printk.c devkmsg_write()). A bind logs more than 10 lines,
 * so every record gets a fresh open, as a shell's `echo >/dev/kmsg` does.
 */
static void kmsg_write(int prio, const char *msg)
{
	char rec[1024];
	int fd, len;

	if (kmsg_path[0] == '\0')
		return;
	len = snprintf(rec, sizeof(rec), "<%d>vfiobind: %s\n", KMSG_FACILITY | prio, msg);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(rec)) {
		len = sizeof(rec) - 1;
		rec[len - 1] = '\n';
	}
	fd = open(kmsg_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	/* One write(2) is one record; a failed record is not worth a retry. */
	if (write(fd, rec, (size_t)len) < 0) {
		/* nothing to do: the log is best effort */
	}
	close(fd);
}

void log_vprintf(int prio, const char *fmt, va_list ap)
{
	char msg[900];
	int saved_errno = errno;
	size_t len;

	if (prio > log_max_prio)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';

	kmsg_write(prio, msg);
	if (log_to_stderr && stderr_is_journal)
		fprintf(stderr, "<%d>vfiobind: %s%s\n", prio, prio_label(prio), msg);
	else if (log_to_stderr)
		fprintf(stderr, "vfiobind: %s%s\n", prio_label(prio), msg);
	errno = saved_errno;
}

void log_printf(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(prio, fmt, ap);
	va_end(ap);
}
