// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jsonout.c - the streaming JSON writer.
 */
#include "basic/jsonwrite.h"

#include <stdint.h>
#include <string.h>

#include "basic/utf8.h"

void jw_init(struct jw *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->has[0] = false;
}

/* @s as a JSON string (RFC 8259 section 7) in UTF-8: an ill-formed
 * sequence becomes U+FFFD (utf8_decode(), maximal subparts), control
 * characters (< 0x20 and 0x7f) an escape. */
static void put_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', out);
	while (n > 0) {
		uint32_t cp;
		size_t k = utf8_decode(p, n, &cp);

		if (cp == '"')
			fputs("\\\"", out);
		else if (cp == '\\')
			fputs("\\\\", out);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (cp < 0x20 || cp == 0x7f)
			fprintf(out, "\\u%04x", (unsigned)cp);
		else if (cp == UTF8_REPLACEMENT)
			fputs(UTF8_REPLACEMENT_STR, out); /* also for a U+FFFD in @s */
		else
			fwrite(p, 1, k, out);
		p += k;
		n -= k;
	}
	fputc('"', out);
}

/* The separator, the indentation and the key of the next member. */
static void member(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		fputs(w->has[w->depth] ? ",\n" : "\n", w->out);
		w->has[w->depth] = true;
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->out);
	}
	if (key) {
		put_string(w->out, key);
		fputs(": ", w->out);
	}
}

static void open_(struct jw *w, const char *key, char c)
{
	member(w, key);
	fputc(c, w->out);
	if (w->depth + 1 < JW_MAX_DEPTH) {
		w->depth++;
		w->has[w->depth] = false;
		w->close[w->depth] = c == '{' ? '}' : ']';
	}
}

void jw_obj(struct jw *w, const char *key)
{
	open_(w, key, '{');
}

void jw_arr(struct jw *w, const char *key)
{
	open_(w, key, '[');
}

void jw_end(struct jw *w)
{
	if (w->depth == 0)
		return;
	if (w->has[w->depth]) {
		fputc('\n', w->out);
		for (int i = 0; i < w->depth - 1; i++)
			fputs("  ", w->out);
	}
	fputc(w->close[w->depth], w->out);
	w->depth--;
	if (w->depth == 0)
		fputc('\n', w->out);
}

void jw_str(struct jw *w, const char *key, const char *val)
{
	member(w, key);
	put_string(w->out, val);
}

void jw_str_or_null(struct jw *w, const char *key, const char *val)
{
	if (val == NULL || val[0] == '\0')
		jw_null(w, key);
	else
		jw_str(w, key, val);
}

void jw_int(struct jw *w, const char *key, long long val)
{
	member(w, key);
	fprintf(w->out, "%lld", val);
}

void jw_bool(struct jw *w, const char *key, bool val)
{
	member(w, key);
	fputs(val ? "true" : "false", w->out);
}

void jw_null(struct jw *w, const char *key)
{
	member(w, key);
	fputs("null", w->out);
}
