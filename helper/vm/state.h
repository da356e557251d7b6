/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.h - the files of a VM's runtime state directory,
 * /run/vfiobind/vm/NAME/ under the root prefix (vm.h lists them): their
 * paths, and the small ones the launcher writes whole. Internal to vm/:
 * the launcher's stages write them, `vm poweroff` and `vm qmp` read them.
 */
#pragma once

#include <stddef.h>

/**
 * vm_state_path() - "<root>/run/vfiobind/vm/@name/@file" into @buf (@len
 * bytes); the directory itself when @file is NULL.
 * Return: 0, or -ENAMETOOLONG (root_path()).
 */
int vm_state_path(char *buf, size_t len, const char *name, const char *file);

/**
 * vm_state_write() - write @text to the state file @file of VM @name
 * with write_atomic() (basic/fileio.h), mode 0644: a reader sees the old
 * text or the new, never a part. The one replace policy of the project
 * (it syncs; on /run, a tmpfs, that costs next to nothing).
 * Return: 0; -ENAMETOOLONG; another -errno of write_atomic().
 */
int vm_state_write(const char *name, const char *file, const char *text);

/** vm_state_remove() - unlink the state file @file of VM @name, if it is there. */
void vm_state_remove(const char *name, const char *file);
