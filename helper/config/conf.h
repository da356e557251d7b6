/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf.h - the device list: /etc/vfiobind.conf and vfiobind= items.
 *
 * File syntax: one selector per line (see selector.h), then optional
 * words; '#' starts a comment; blank lines are ignored. Lines longer than
 * CONF_LINE_MAX bytes and NUL bytes are errors. Every error is collected
 * as "FILE:LINE: message" before the caller decides; OpenDoas' parse.y
 * does the same, so a user fixes all mistakes in one pass.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/diags.h"
#include "config/selector.h"

#define CONF_LINE_MAX	  1024
#define CONF_DEFAULT_PATH "/etc/vfiobind.conf"

struct vmconf;

struct conf {
	struct selector *sel;
	size_t n;
	size_t cap;
	/* [vm NAME] sections after the device list (vmconf.h), NULL when
	 * there are none; their errors are kept there, apart from @errs. */
	struct vmconf *vms;
};

/**
 * conf_add() - append a copy of @sel.
 * Return: 0, or -ENOMEM.
 */
int conf_add(struct conf *c, const struct selector *sel);

/**
 * conf_parse_buffer() - parse config text.
 * @buf:  the bytes (need not be NUL-terminated; NUL bytes are errors).
 * @len:  their count.
 * @name: the file name used in messages and stored in each selector; must
 *        outlive @c.
 * @c:    selectors are appended here.
 * @errs: one message per bad line is appended here.
 *
 * Return: the number of errors found on this buffer (0 when clean), or
 * -ENOMEM.
 */
int conf_parse_buffer(const char *buf, size_t len, const char *name, struct conf *c, struct diags *errs);

/**
 * conf_parse_file() - read and parse @path.
 * @path:     the file to open (already root-prefixed).
 * @name:     the name used in messages (the path the user knows).
 * @required: when false, a missing file is an empty list, not an error.
 *
 * Return: the number of errors (each also in @errs), or -ENOMEM. A missing
 * required file, an unreadable one, or one over 1 MiB counts as one error.
 */
int conf_parse_file(const char *path, const char *name, bool required, struct conf *c, struct diags *errs);

void conf_free(struct conf *c);

/**
 * conf_check_vfs() - what only the whole device list (file and command
 * line) shows about SR-IOV: each PF/vfN selector needs a vfs= line for its
 * PF with N above the index, and one PF gets one vfs= value.
 * Return: the number of errors, each "ORIGIN: message" in @errs.
 */
int conf_check_vfs(const struct conf *c, struct diags *errs);

/**
 * conf_check_secure() - refuse a config others could have written.
 * @path: the file (root-prefixed); @name: the name used in the message.
 *
 * The device list decides which devices the host loses at boot, so, as
 * OpenDoas does for doas.conf, it must be a regular file owned by root
 * (or by the user running vfiobind, for tests and unprivileged checks)
 * and not writable by group or others.
 * Return: 0 (also when the file does not exist: nothing to trust), or
 * -EPERM with one message in @errs.
 */
int conf_check_secure(const char *path, const char *name, struct diags *errs);
