/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * str.h - string helpers: building a message in a fixed buffer, quoting
 * untrusted bytes for it, and the small tests the parsers share on
 * (pointer, length) spans of a line that is not NUL-terminated there.
 * Nothing here allocates.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/**
 * str_append() - printf at the end of the NUL-terminated string in @buf.
 * @len: the size of @buf. Output that does not fit is cut; @buf stays
 *       NUL-terminated, and a full buffer is left as it is.
 */
void str_append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/**
 * str_copy() - copy the string @s into @buf of @len bytes (at least 1),
 * cut to fit and always NUL-terminated.
 * Return: 0, or -ENAMETOOLONG when @s was cut.
 */
int str_copy(char *buf, size_t len, const char *s);

/**
 * str_quote() - copy @len bytes of untrusted input into @buf for a message:
 * printable ASCII kept, anything else (and the backslash) as \xHH,
 * truncated with "..." so a line of garbage never floods a log record.
 * @buflen: the size of @buf; 0 leaves it untouched.
 */
void str_quote(const char *s, size_t len, char *buf, size_t buflen);

/** str_span_eq() - whether the @len bytes at @s are exactly the string @lit. */
bool str_span_eq(const char *s, size_t len, const char *lit);

/**
 * str_startswith() - whether @s begins with @prefix.
 * Return: @s just past the prefix, or NULL when it does not begin so.
 */
const char *str_startswith(const char *s, const char *prefix);

/**
 * str_is_blank() - a blank inside a line: space, tab, CR, VT or FF; not
 * the newline, which ends the line (config and [vm] lines, selector words).
 */
bool str_is_blank(char c);

/** str_hexval() - the value of hex digit @c (either case), or -1. */
int str_hexval(char c);
