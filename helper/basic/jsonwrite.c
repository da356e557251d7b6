// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jsonout.c - the streaming JSON writer.
 */
#include "basic/jsonwrite.h"

void jw_init(struct jw *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->has[0] = false;
}

static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
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
