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

#include "basic/fileio.h"
#include "basic/sysfs.h"
#include "vm/holders.h"

int vm_state_path(char *buf, size_t len, const char *name, const char *file)
{
	return root_path(buf, len, VM_RUN_DIR "/%s%s%s", name, file ? "/" : "", file ? file : "");
}

int vm_state_write(const char *name, const char *file, const char *text)
{
	char path[PATH_MAX];

	if (vm_state_path(path, sizeof(path), name, file) < 0)
		return -ENAMETOOLONG;
	return write_atomic(path, text, strlen(text), 0644);
}

void vm_state_remove(const char *name, const char *file)
{
	char path[PATH_MAX];

	if (vm_state_path(path, sizeof(path), name, file) == 0)
		unlink(path);
}
