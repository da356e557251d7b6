/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * image.h - reading an initramfs image as the kernel unpacks it
 * (init/initramfs.c, unpack_to_rootfs(); Documentation/driver-api/
 * early-userspace/buffer-format.rst): cpio "newc" archives (magic 070701,
 * or 070702 with checksums), one after another, each padded with NULs;
 * any of them may be compressed. In practice an uncompressed early
 * microcode archive comes first (dracut, mkinitcpio's microcode hook,
 * initramfs-tools' early-initramfs) and one compressed archive holds the
 * rest: gzip, xz, zstd, lz4 (legacy frames), lzma or bzip2.
 *
 * A compressed part is handed to Debian's own decompressor (gzip, xz,
 * zstd, lz4, bzip2, found in PATH) and read from its output as a stream:
 * nothing is unpacked to disk, and only the members asked for are kept in
 * memory. Used by doctor only, never in early boot.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#define CPIO_MAX_KEEP (1u << 20) /* largest member content handed over */

/**
 * cpio_cb - called for every member, in archive order.
 * @name:    its path as stored, without a leading "./" or "/".
 * @mode:    st_mode bits from the header.
 * @data:    its content when @want returned true for it and it is at
 *           most CPIO_MAX_KEEP bytes, else NULL.
 * Return: 0 to go on, anything else stops the walk and is returned.
 */
typedef int (*cpio_cb)(void *ctx, const char *name, mode_t mode, const unsigned char *data, size_t size);

/**
 * cpio_walk_image() - every member of the image at @path.
 * @want: which members' content @cb wants (NULL: none).
 * @what: receives a short description of the layout, e.g. "cpio + zstd"
 *        (@whatlen bytes; may be NULL).
 * Return: 0 when the walk reached the end; the first non-zero value of
 * @cb; -ENOENT/-EACCES from open(2); -EINVAL when a header is malformed;
 * -ENOEXEC when a compressed part's decompressor is missing or fails
 * before any member.
 */
int cpio_walk_image(const char *path, int (*want)(void *ctx, const char *name), cpio_cb cb, void *ctx, char *what,
		    size_t whatlen);
