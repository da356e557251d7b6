/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - one sink for every message vfiobind prints about what it does.
 *
 * In early boot the sink is /dev/kmsg (under the root prefix), one record
 * per line as "<PRI>vfiobind: message", so the lines land in the kernel log
 * and the journal (dracut writes "<30>dracut: ..." the same way). When run
 * by hand the same lines also go to stderr. libkmod's own messages are
 * routed here too (kmod_set_log_fn), never silenced.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

/* syslog(3) priorities; kept numeric so no <syslog.h> macros leak around. */
enum log_prio {
	LOG_PRIO_ERR = 3,
	LOG_PRIO_WARNING = 4,
	LOG_PRIO_NOTICE = 5,
	LOG_PRIO_INFO = 6,
	LOG_PRIO_DEBUG = 7,
};

/**
 * log_setup() - choose where messages go.
 * @kmsg_path: path of the kernel log device (normally "/dev/kmsg" under the
 *             root prefix), or NULL for no kernel log. The file must already
 *             exist: it is opened O_WRONLY|O_APPEND without O_CREAT, so a
 *             test tree without it simply gets no kernel log.
 * @to_stderr: also print each message to stderr.
 * @max_prio:  messages with a priority number above this are dropped
 *             (LOG_PRIO_INFO by default, LOG_PRIO_DEBUG with vfiobind.debug).
 */
void log_setup(const char *kmsg_path, bool to_stderr, int max_prio);

/** log_get_max_prio() - the current threshold set by log_setup(). */
int log_get_max_prio(void);

/**
 * log_printf() - emit one message at priority @prio.
 *
 * The message is one line; a trailing newline in @fmt is allowed and
 * dropped, embedded newlines are replaced by spaces so that a record never
 * splits. Never fails: a sink that cannot be written is skipped.
 */
void log_printf(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** log_vprintf() - log_printf() with a va_list (for libkmod's log hook). */
void log_vprintf(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define ERR(...)    log_printf(LOG_PRIO_ERR, __VA_ARGS__)
#define WRN(...)    log_printf(LOG_PRIO_WARNING, __VA_ARGS__)
#define NOTICE(...) log_printf(LOG_PRIO_NOTICE, __VA_ARGS__)
#define INF(...)    log_printf(LOG_PRIO_INFO, __VA_ARGS__)
#define DBG(...)    log_printf(LOG_PRIO_DEBUG, __VA_ARGS__)
