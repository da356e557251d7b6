/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * initramfs.h - which initramfs generator this system uses, and the
 * command that rebuilds its image: what a stale-image warning and doctor
 * tell the user to run. Paths are under the root prefix.
 */
#pragma once

enum initramfs_tool {
	INITRAMFS_UNKNOWN,
	INITRAMFS_MKINITCPIO,
	INITRAMFS_TOOLS, /* Debian's initramfs-tools */
	INITRAMFS_DRACUT,
};

/**
 * initramfs_tool_detect() - the generator, by its files.
 *
 * mkinitcpio: /etc/mkinitcpio.conf. initramfs-tools: its mkinitramfs
 * (/usr/sbin or /sbin) with /etc/initramfs-tools. dracut: /etc/dracut.conf
 * or /usr/lib/dracut/dracut.sh. In that order: Debian keeps
 * initramfs-tools as the generator with dracut-core installed beside it.
 * Return: the tool, INITRAMFS_UNKNOWN when none is found.
 */
enum initramfs_tool initramfs_tool_detect(void);

/** initramfs_tool_name() - "mkinitcpio", "initramfs-tools", "dracut", "unknown". */
const char *initramfs_tool_name(enum initramfs_tool t);

/**
 * initramfs_rebuild_cmd() - "mkinitcpio -P", "update-initramfs -u -k all",
 * "dracut -f --regenerate-all", or a sentence for an unknown tool.
 */
const char *initramfs_rebuild_cmd(enum initramfs_tool t);
