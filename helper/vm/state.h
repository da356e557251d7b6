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
 * atomically: a temporary file beside it (root's, 0644, O_NOFOLLOW),
 * renamed over it (rename(2) replaces atomically); not synced: /run
 * is a tmpfs (file-hierarchy(7)) and does not outlive the boot.
 * Return: 0; -ENAMETOOLONG; -EIO for a short write; another -errno from
 * open(2), close(2) or rename(2). The temporary file is removed on error.
 */
int vm_state_write(const char *name, const char *file, const char *text);

/** vm_state_remove() - unlink the state file @file of VM @name, if it is there. */
void vm_state_remove(const char *name, const char *file);
