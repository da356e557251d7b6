/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpulist.h - sets of CPU numbers and the kernel's CPU-list text for them
 * ("0-3,8,10-11"), as sysfs prints them (cpu/online, thread_siblings_list,
 * cache/index3/shared_cpu_list, node/nodeN/cpulist) and as a [vm] section
 * takes them (cpus =, emulator-cpus =). Here in basic/ and not beside the
 * sysfs readers in system/cpu.h because the config parser (a lower layer)
 * reads the same format.
 *
 * A set is a fixed bitmap of CPUSET_MAX bits (1 KiB): the kernel's own
 * ceiling (x86 CONFIG_NR_CPUS with MAXSMP), so no CPU a kernel can number
 * is out of reach, and nothing is allocated.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CPUSET_MAX	 8192
#define CPUSET_WORD_BITS (8 * sizeof(unsigned long))

struct cpuset {
	unsigned long bits[CPUSET_MAX / CPUSET_WORD_BITS];
};

/** cpuset_zero() - empty @s. */
void cpuset_zero(struct cpuset *s);
/** cpuset_set() - add CPU @cpu to @s; a CPU >= CPUSET_MAX is ignored. */
void cpuset_set(struct cpuset *s, unsigned cpu);
/** cpuset_has() - whether @cpu is in @s (false for @cpu >= CPUSET_MAX). */
bool cpuset_has(const struct cpuset *s, unsigned cpu);
/** cpuset_count() - the number of CPUs in @s. */
unsigned cpuset_count(const struct cpuset *s);
/**
 * cpuset_next() - the lowest CPU of @s above @after (-1 for the first).
 * Return: that CPU, or -1 when there is none:
 *   for (int c = cpuset_next(s, -1); c >= 0; c = cpuset_next(s, c))
 */
int cpuset_next(const struct cpuset *s, int after);
/** cpuset_equal() - whether @a and @b hold the same CPUs. */
bool cpuset_equal(const struct cpuset *a, const struct cpuset *b);
/** cpuset_and() - @dst = @a & @b (@dst may be @a or @b). */
void cpuset_and(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b);
/** cpuset_andnot() - @dst = @a & ~@b (@dst may be @a or @b). */
void cpuset_andnot(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b);
/** cpuset_or() - @dst = @a | @b (@dst may be @a or @b). */
void cpuset_or(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b);

/**
 * cpulist_read() - read a CPU list into @out.
 * @s, @len: the text (not NUL-terminated there); one trailing newline is
 *           allowed, as sysfs ends its files with one.
 * @err:     on failure, a message that quotes the value and names the bad
 *           part ("'4-2': range 4-2 is reversed"), @errlen bytes.
 *
 * The format of the kernel's bitmap_parselist() (lib/bitmap-str.c):
 * comma-separated decimal CPU numbers and ranges A-B, a range optionally
 * followed by :USED/GROUP (of each GROUP CPUs from A, the first USED:
 * "0-7:1/2" is 0,2,4,6). Stricter than the kernel, which a config should
 * be: no blanks, no empty entry (",," or a comma at either end), no 'N'
 * (the kernel's "highest CPU", which depends on the machine), and an empty
 * text is an error (the kernel's empty set is only valid in sysfs, which
 * the caller reads with @len 0 allowed by checking first).
 * Return: 0; -EINVAL for a malformed list, a reversed range (4-2) or a
 * bad group (USED 0 or above GROUP); -ERANGE for a CPU >= CPUSET_MAX.
 * @out is unspecified on failure.
 */
int cpulist_read(const char *s, size_t len, struct cpuset *out, char *err, size_t errlen);

/**
 * cpulist_format() - @s as a CPU list in the kernel's form (bitmap_print_
 * to_pagebuf() with list = true: ascending, runs of two or more as A-B),
 * "" for an empty set.
 * Return: the length of the whole text, as snprintf(3) does: when it is
 * >= @len, the text was cut (still NUL-terminated when @len > 0).
 */
size_t cpulist_format(const struct cpuset *s, char *buf, size_t len);
