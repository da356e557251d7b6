/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * str.h - building a message in a fixed buffer, a piece at a time.
 */
#pragma once

#include <stddef.h>

/**
 * str_append() - printf at the end of the NUL-terminated string in @buf.
 * @len: the size of @buf. Output that does not fit is cut; @buf stays
 *       NUL-terminated, and a full buffer is left as it is.
 */
void str_append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
