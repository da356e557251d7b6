// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state.c - the files of a VM's runtime state directory (state.h).
 */
#include "vm/state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "basic/sysfs.h"
#include "vm/holders.h"

int vm_state_path(char *buf, size_t len, const char *name, const char *file)
{
	return root_path(buf, len, VM_RUN_DIR "/%s%s%s", name, file ? "/" : "", file ? file : "");
}

int vm_state_write(const char *name, const char *file, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd, r = 0;

	if (vm_state_path(path, sizeof(path), name, file) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

void vm_state_remove(const char *name, const char *file)
{
	char path[PATH_MAX];

	if (vm_state_path(path, sizeof(path), name, file) == 0)
		unlink(path);
}
