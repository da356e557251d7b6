/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * strv.h - a growing list of strings, each its own copy, kept
 * NULL-terminated so that @v is an argv at every moment (QEMU's command
 * line, a VM's disks, /proc/swaps' files, modprobe.d's names).
 *
 * A failed push returns -ENOMEM and leaves the list as it was: unlike a
 * struct diags, a list with a hole is never handed on.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct strv {
	char **v; /* NULL-terminated once anything was pushed; else NULL */
	size_t n;
	size_t cap;
};

/**
 * strv_push() - append a copy of the @len bytes at @s (a NUL among them
 * ends the copy).
 * Return: 0, or -ENOMEM.
 */
int strv_push(struct strv *sv, const char *s, size_t len);

/**
 * strv_pushf() - append a formatted string of at most 4095 bytes.
 * Return: 0, -ENAMETOOLONG when longer (nothing appended), or -ENOMEM.
 */
int strv_pushf(struct strv *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** strv_contains() - whether @s is in @sv (compared with strcmp). */
bool strv_contains(const struct strv *sv, const char *s);

/** strv_sort() - sort @sv in strcmp() order. */
void strv_sort(struct strv *sv);

/** strv_free() - free every string and the array; @sv is empty after. */
void strv_free(struct strv *sv);
