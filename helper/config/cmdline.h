/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdline.h - the kernel command line parameters vfiobind reads.
 *
 *   vfiobind=SEL[+WORD...][,SEL[+WORD...]...]   add selectors for this boot
 *   vfiobind=off                                 bind nothing this boot
 *   vfiobind.debug                               log at debug level
 *   vfiobind.vm=off                              the launcher starts no VM
 *   vfiobind.poweroff=0                          no host power-off after
 *                                                a clean guest shutdown
 *
 * root= and resume= are kept too: the storage guard refuses to hand away
 * the disks they name.
 *
 * Several vfiobind= parameters add up; "off" anywhere wins. Words use '+'
 * on the command line because blanks end a parameter there:
 * vfiobind=0000:03:00+group,0000:0c:00.0+id=1022:43fc.
 * Tokenising follows the kernel's next_arg() (lib/cmdline.c): blanks
 * separate, double quotes group ("vfiobind=a b" is one parameter), and
 * "--" ends the kernel's parameters (what follows is init's).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config/conf.h"

#define CMDLINE_ORIGIN "kernel command line"
#define CMDLINE_MAX    8192

struct cmdline {
	bool off;      /* vfiobind=off */
	bool debug;    /* vfiobind.debug */
	bool vm_off;   /* vfiobind.vm=off */
	int poweroff;  /* vfiobind.poweroff=: -1 unset, 0, 1 */
	unsigned nsel; /* selectors added by vfiobind= */
	/* The disks the storage guard protects, as given (last one wins, as
	 * in the kernel's own parsing): "UUID=...", "/dev/nvme0n1p2", ... */
	char root[256];	  /* root= */
	char resume[256]; /* resume= */
};

/**
 * cmdline_parse() - parse a kernel command line.
 * @buf:   the text of /proc/cmdline (@len bytes; NUL bytes end it).
 * @cl:    flags found.
 * @c:     selectors from vfiobind= are appended, with file
 *         CMDLINE_ORIGIN and line 0.
 * @errs:  "kernel command line: vfiobind=...: message" per bad item.
 * @warns: unknown vfiobind.* parameters.
 *
 * Return: the number of errors, or -ENOMEM.
 */
int cmdline_parse(const char *buf, size_t len, struct cmdline *cl, struct conf *c, struct diags *errs,
		  struct diags *warns);

/**
 * cmdline_read() - read @path (/proc/cmdline under the root prefix) with
 * read_full().
 * @buf: @len bytes, NUL-terminated; a longer file is cut to @len - 1
 *       (the kernel's is at most COMMAND_LINE_SIZE, 2048 on x86, plus a
 *       newline: fs/proc/cmdline.c).
 * Return: the length, -EINVAL when @len is 0, -ENOMEM, or -errno from
 * open(2)/read(2) (-ENOENT when /proc is not mounted).
 */
int cmdline_read(const char *path, char *buf, size_t len);
