/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * utf8.h - the one UTF-8 decoder: the JSON writer and `vm qmp`'s
 * terminal output both take their characters from it, so a byte that is
 * not UTF-8 text is replaced the same way everywhere.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What an ill-formed sequence stands for: U+FFFD REPLACEMENT CHARACTER. */
#define UTF8_REPLACEMENT 0xfffdu
/* U+FFFD encoded, for writers that print it. */
#define UTF8_REPLACEMENT_STR "\xef\xbf\xbd"

/**
 * utf8_decode() - the next character of the @n bytes at @s (@n >= 1).
 * @cp: the code point; UTF8_REPLACEMENT for an ill-formed sequence.
 *
 * Well-formed is Table 3-7 of The Unicode Standard, Version 15.0, ch. 3
 * (D92): no overlong forms, no surrogates (U+D800..U+DFFF), nothing over
 * U+10FFFF. An ill-formed sequence is consumed as its "maximal subpart"
 * (ch. 3, "U+FFFD Substitution of Maximal Subparts", D93b): the longest
 * prefix of a well-formed sequence, or else one byte. So "\xe2\x82" before
 * "A" is one U+FFFD then "A"; "\xed\xa0\x80" (a surrogate) is three
 * U+FFFD; "\xc0\xaf" two; a stray continuation byte one. This is what
 * the WHATWG Encoding Standard's UTF-8 decoder and ICU do, so a reader
 * using either counts the same replacements.
 *
 * Return: the bytes consumed, 1 to 4, never more than @n (0 when @n is 0).
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/**
 * utf8_valid() - whether the @n bytes at @s are well-formed UTF-8 in the
 * sense of utf8_decode() (a U+FFFD written as its three bytes is valid).
 */
bool utf8_valid(const unsigned char *s, size_t n);

/**
 * utf8_put_json_line() - write the @len bytes of JSON text at @s (one
 * that json_parse() accepted: a QMP answer) and a newline to @out, a
 * terminal: the same JSON value, in UTF-8, with no byte a terminal acts
 * on. A control character there can only be JSON whitespace outside a
 * string (\t, \r, \n: written as a blank) or DEL and the C1 controls
 * U+0080..U+009F inside one (written as \u00XX); any other below 0x20 is
 * written as \u00XX too (not JSON, but nothing is when it is there). An
 * ill-formed sequence is written as U+FFFD, one per maximal subpart
 * (utf8_decode()).
 */
void utf8_put_json_line(FILE *out, const char *s, size_t len);
