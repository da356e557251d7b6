/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sysfs.h - every file vfiobind reads or writes, under one root prefix.
 *
 * The root prefix (--root DIR) is how tests run the real binary against a
 * fake tree, the mdevd way: nothing below opens an absolute path directly.
 * In sysfs a write's error is the answer (EBUSY, ENODEV, EINVAL), so every
 * write is checked and returned to the caller as -errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/**
 * root_set() - set the root prefix for every later path.
 * @dir: directory, or NULL/"" / "/" for the real root. Trailing slashes
 *       are dropped.
 *
 * Return: 0, or -ENAMETOOLONG when @dir does not fit PATH_MAX.
 */
int root_set(const char *dir);

/** root_get() - the prefix set by root_set(): "" for the real root. */
const char *root_get(void);

/**
 * root_path() - build "<root><path>" from a printf format.
 * @buf: output buffer of @len bytes.
 * @fmt: absolute path format, e.g. "/sys/bus/pci/devices/%s/driver".
 *
 * Return: 0, or -ENAMETOOLONG when the result does not fit @buf.
 */
int root_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/**
 * root_fopen() - fopen(3) "<root><path>" for reading, close-on-exec ("re").
 * @fmt: absolute path format, as for root_path().
 *
 * Return: the stream, or NULL with errno set: ENAMETOOLONG when the path
 * does not fit PATH_MAX, else fopen(3)'s (ENOENT when it does not exist).
 */
FILE *root_fopen(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * sysfs_read_attr() - read a small text attribute, trailing newline removed.
 * @path: full path (already under the root prefix).
 * @buf:  output buffer of @len bytes, always NUL-terminated on success.
 *
 * Only the first @len - 1 bytes are kept; sysfs attributes are at most a
 * page and the ones vfiobind reads are short.
 * Return: the length read, -ENOENT when the attribute does not exist, or
 * another -errno from open(2)/read(2).
 */
int sysfs_read_attr(const char *path, char *buf, size_t len);

/**
 * sysfs_read_hex() - read an attribute holding "0x..." (vendor, class, ...).
 * @path: full path.
 * @out:  the value.
 *
 * Return: 0, -ENOENT when missing, -EINVAL when it is not a hex number
 * or exceeds 32 bits.
 */
int sysfs_read_hex(const char *path, unsigned long *out);

/**
 * sysfs_write_attr() - write @val to an attribute with one write(2).
 * @path: full path.
 * @val:  the string to write (sysfs store handlers strip one newline).
 *
 * Return: 0, or -errno from open(2)/write(2) (a short write is -EIO). The
 * kernel reports the outcome of the store handler as the write's error:
 * -ENODEV from unbind when the device is not bound to that driver,
 * -EBUSY from bind when the device already has a driver
 * (drivers/base/bus.c unbind_store(), bind_store()).
 */
int sysfs_write_attr(const char *path, const char *val);

/**
 * sysfs_read_link_name() - last path component of a symlink's target.
 * @path: full path of the link (e.g. ".../0000:03:00.0/driver").
 * @buf:  output buffer of @len bytes.
 *
 * Return: the name's length, -ENOENT when there is no link (no driver
 * bound, no IOMMU group), -ENAMETOOLONG, or another -errno from
 * readlink(2).
 */
int sysfs_read_link_name(const char *path, char *buf, size_t len);

/** sysfs_exists() - true when @path exists (any type). */
bool sysfs_exists(const char *path);
