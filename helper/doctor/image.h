/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * image.h - reading an initramfs image as the kernel unpacks it
 * (init/initramfs.c, unpack_to_rootfs(); Documentation/driver-api/
 * early-userspace/buffer-format.rst): segments one after another, NUL
 * padding between them; a segment is a cpio "newc" archive (magic 070701,
 * or 070702 with checksums) or a compressed stream holding cpio archives.
 * In practice an uncompressed early microcode archive comes first (dracut,
 * mkinitcpio's microcode hook, initramfs-tools' early-initramfs) and one
 * compressed archive holds the rest: gzip, xz, zstd, lz4 (legacy frames),
 * lzma or bzip2; several compressed segments back to back are read too.
 *
 * libarchive does the reading, in-process (archive_read_support_format_cpio
 * and its gzip, xz, lzma, zstd, lz4 and bzip2 filters, the code bsdtar and
 * mkinitcpio's lsinitcpio use): no external program, nothing unpacked to
 * disk, only the members asked for kept in memory, and bounded by
 * IMAGE_MAX_BYTES and IMAGE_MAX_ENTRIES. Used by doctor only, never in
 * early boot (vfiobind-boot does not link libarchive).
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#define CPIO_MAX_KEEP	  (1u << 20)   /* largest member content handed over */
#define IMAGE_MAX_BYTES	  (1ull << 30) /* decompressed bytes read per walk, all passes */
#define IMAGE_MAX_ENTRIES (1u << 20)   /* members per walk */

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
 * cpio_walk_memory() - every member of the initramfs image in @buf.
 * @buf, @len: the whole image, as the boot loader hands it to the kernel.
 * @want: which members' content @cb wants (NULL: none); asked once per
 *        member, with the name @cb gets.
 * @what: receives a short description of the layout, one word per
 *        segment, e.g. "cpio + zstd" (@whatlen bytes; may be NULL).
 * Return: 0 when the walk reached the end; the first non-zero value of
 * @cb; -EINVAL when a header or a compressed stream is malformed or
 * truncated; -ENOEXEC when a segment is neither cpio nor a compression
 * read here, or a decompressed segment holds no cpio; -E2BIG past
 * IMAGE_MAX_BYTES or IMAGE_MAX_ENTRIES; -ENOMEM.
 */
int cpio_walk_memory(const void *buf, size_t len, int (*want)(void *ctx, const char *name), cpio_cb cb, void *ctx,
		     char *what, size_t whatlen);

/**
 * cpio_walk_image() - cpio_walk_memory() on the image file at @path
 * (mapped read-only).
 * Return: as cpio_walk_memory(); also -ENOENT, -EACCES (any open(2),
 * fstat(2) or mmap(2) error, negated).
 */
int cpio_walk_image(const char *path, int (*want)(void *ctx, const char *name), cpio_cb cb, void *ctx, char *what,
		    size_t whatlen);
