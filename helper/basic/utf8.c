// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * utf8.c - the UTF-8 decoder, Table 3-7 of the Unicode Standard (ch. 3).
 * A table walk of a few lines; iconv(3) cannot serve: it stops at the
 * first ill-formed byte (EILSEQ) without saying how many make its maximal
 * subpart, and needs a locale-independent descriptor per call site.
 */
#include "basic/utf8.h"

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char b, lo = 0x80, hi = 0xbf;
	size_t need, i;
	uint32_t c;

	if (n == 0) {
		*cp = UTF8_REPLACEMENT;
		return 0;
	}
	b = s[0];
	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	/* Table 3-7: the lead byte gives the length and the range of the
	 * second byte (which excludes overlongs, surrogates and > U+10FFFF). */
	if (b >= 0xc2 && b <= 0xdf) {
		need = 1;
		c = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		need = 2;
		c = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		need = 3;
		c = b & 0x07;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
	} else {
		/* 80..BF (a stray continuation), C0, C1, F5..FF: never in
		 * UTF-8; the maximal subpart is this byte alone. */
		*cp = UTF8_REPLACEMENT;
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			/* the maximal subpart: the bytes that still could
			 * have begun a well-formed sequence */
			*cp = UTF8_REPLACEMENT;
			return i;
		}
		c = c << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return need + 1;
}

bool utf8_valid(const unsigned char *s, size_t n)
{
	while (n > 0) {
		uint32_t cp;
		size_t k = utf8_decode(s, n, &cp);

		/* a U+FFFD in the text is 3 bytes; a replacement is 1..3 */
		if (cp == UTF8_REPLACEMENT && !(k == 3 && s[0] == 0xef && s[1] == 0xbf && s[2] == 0xbd))
			return false;
		s += k;
		n -= k;
	}
	return true;
}

void utf8_put_json_line(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	while (len > 0) {
		uint32_t cp;
		size_t k = utf8_decode(p, len, &cp);

		if (cp == '\t' || cp == '\r' || cp == '\n')
			fputc(' ', out);
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			fprintf(out, "\\u%04x", (unsigned)cp);
		else if (cp == UTF8_REPLACEMENT)
			fputs(UTF8_REPLACEMENT_STR, out);
		else
			fwrite(p, 1, k, out);
		p += k;
		len -= k;
	}
	fputc('\n', out);
}
