// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * load.c - the config and the kernel command line, read once, the same
 * way for the boot-time commands and the VM commands.
 */
#include "config/load.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "basic/sysfs.h"

int config_load(const char *config, bool required, char *path, const char **name, struct conf *c, struct cmdline *cl,
		struct diags *errs, struct diags *warns)
{
	char cpath[PATH_MAX], buf[CMDLINE_MAX];
	int r, nerr;

	if (config) {
		if (snprintf(path, PATH_MAX, "%s", config) >= PATH_MAX)
			return -ENAMETOOLONG;
		*name = config;
	} else {
		if (root_path(path, PATH_MAX, CONF_DEFAULT_PATH) < 0)
			return -ENAMETOOLONG;
		*name = CONF_DEFAULT_PATH;
	}
	nerr = conf_parse_file(path, *name, required, c, errs);
	if (nerr < 0)
		return nerr;

	memset(cl, 0, sizeof(*cl));
	cl->poweroff = -1;
	if (root_path(cpath, sizeof(cpath), "/proc/cmdline") < 0)
		return -ENAMETOOLONG;
	r = cmdline_read(cpath, buf, sizeof(buf));
	if (r < 0)
		return nerr + conf_check_vfs(c, errs); /* no /proc: nothing from the command line */
	r = cmdline_parse(buf, (size_t)r, cl, c, errs, warns);
	return r < 0 ? r : nerr + r + conf_check_vfs(c, errs);
}
