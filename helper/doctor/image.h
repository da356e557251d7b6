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
 * Where each compressed stream ends is told by its own library (zlib,
 * libzstd, liblzma, libbz2), as the kernel's decompressors report it;
 * lz4's legacy framing has no end, so nothing after an lz4 stream is read
 * (struct image_layout's @unread says so when something was there).
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
 * struct image_layout - what a walk saw of the image as a whole.
 * @what:   one word per segment, e.g. "cpio + zstd + gzip".
 * @unread: NULL, or the compression ("lz4") after whose stream more than
 *          NUL padding followed that was not read: its members are not
 *          among those the walk reported (not an error: the walk returns 0).
 */
struct image_layout {
	char what[64];
	const char *unread;
};

/**
 * cpio_walk_memory() - every member of the initramfs image in @buf.
 * @buf, @len: the whole image, as the boot loader hands it to the kernel.
 * @want: which members' content @cb wants (NULL: none); asked once per
 *        member, with the name @cb gets.
 * @layout: receives the layout (may be NULL); set on every return.
 * Return: 0 when the walk reached the end (only NUL bytes after the last
 * segment); the first non-zero value of @cb; -EINVAL when a header or a
 * compressed stream is malformed or truncated; -ENOEXEC when a segment is
 * neither cpio nor a compression read here, or a decompressed segment
 * holds no cpio; -E2BIG past IMAGE_MAX_BYTES or IMAGE_MAX_ENTRIES, or an
 * xz/lzma dictionary over 256 MiB; -ENOMEM.
 */
int cpio_walk_memory(const void *buf, size_t len, int (*want)(void *ctx, const char *name), cpio_cb cb, void *ctx,
		     struct image_layout *layout);

/**
 * cpio_walk_image() - cpio_walk_memory() on the image file at @path
 * (mapped read-only).
 * Return: as cpio_walk_memory(); also -ENOENT, -EACCES (any open(2),
 * fstat(2) or mmap(2) error, negated).
 */
int cpio_walk_image(const char *path, int (*want)(void *ctx, const char *name), cpio_cb cb, void *ctx,
		    struct image_layout *layout);
