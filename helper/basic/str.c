// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * str.c - string helpers for messages and parsers.
 */
#include "basic/str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void str_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

int str_copy(char *buf, size_t len, const char *s)
{
	size_t l = strlen(s);
	int r = 0;

	if (len == 0)
		return -ENAMETOOLONG;
	if (l >= len) {
		l = len - 1;
		r = -ENAMETOOLONG;
	}
	memcpy(buf, s, l);
	buf[l] = '\0';
	return r;
}

void str_quote(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t o = 0;

	if (buflen == 0)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[5];
		size_t tl;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			tmp[0] = (char)c;
			tl = 1;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			tl = 4;
		}
		if (o + tl + 4 > buflen) {
			if (o + 4 <= buflen) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(buf + o, tmp, tl);
		o += tl;
	}
	buf[o] = '\0';
}

bool str_span_eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

const char *str_startswith(const char *s, const char *prefix)
{
	size_t l = strlen(prefix);

	return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

bool str_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int str_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
