// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * initramfs.c - the generator and its rebuild command.
 */
#include "system/initramfs.h"

#include <limits.h>
#include <stdbool.h>

#include "basic/sysfs.h"

static bool exists(const char *p)
{
	char path[PATH_MAX];

	return root_path(path, sizeof(path), "%s", p) == 0 && sysfs_exists(path);
}

enum initramfs_tool initramfs_tool_detect(void)
{
	if (exists("/etc/mkinitcpio.conf"))
		return INITRAMFS_MKINITCPIO;
	if ((exists("/usr/sbin/mkinitramfs") || exists("/sbin/mkinitramfs")) && exists("/etc/initramfs-tools"))
		return INITRAMFS_TOOLS;
	if (exists("/etc/dracut.conf") || exists("/usr/lib/dracut/dracut.sh"))
		return INITRAMFS_DRACUT;
	return INITRAMFS_UNKNOWN;
}

const char *initramfs_tool_name(enum initramfs_tool t)
{
	switch (t) {
	case INITRAMFS_MKINITCPIO:
		return "mkinitcpio";
	case INITRAMFS_TOOLS:
		return "initramfs-tools";
	case INITRAMFS_DRACUT:
		return "dracut";
	default:
		return "unknown";
	}
}

const char *initramfs_rebuild_cmd(enum initramfs_tool t)
{
	switch (t) {
	case INITRAMFS_MKINITCPIO:
		return "mkinitcpio -P";
	case INITRAMFS_TOOLS:
		return "update-initramfs -u -k all";
	case INITRAMFS_DRACUT:
		return "dracut -f --regenerate-all";
	default:
		return "rebuild the initramfs with your distribution's tool";
	}
}
