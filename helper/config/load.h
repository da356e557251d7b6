/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * load.h - what every command reads before it acts: the device list (with
 * its [vm NAME] sections) and the kernel command line, under the root
 * prefix.
 */
#pragma once

#include <stdbool.h>

#include "config/cmdline.h"
#include "config/conf.h"

/**
 * config_load() - read the config and /proc/cmdline.
 * @config:   the --config FILE, or NULL for /etc/vfiobind.conf under the
 *            root prefix.
 * @required: whether a missing config file is an error.
 * @path:     receives the path opened (PATH_MAX bytes).
 * @name:     receives the name used in messages (the path the user knows).
 * @c:        selectors of the file, then those of vfiobind=.
 * @cl:       the command line's flags; all off when /proc is not mounted
 *            (a chroot), which is not an error.
 * @errs, @warns: "FILE:LINE: message" per error, warnings apart.
 *
 * Return: the number of errors added to @errs, -ENAMETOOLONG when a path
 * does not fit, or -ENOMEM.
 */
int config_load(const char *config, bool required, char *path, const char **name, struct conf *c, struct cmdline *cl,
		struct diags *errs, struct diags *warns);
