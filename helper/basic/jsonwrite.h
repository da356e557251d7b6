/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jsonout.h - writing JSON (RFC 8259) for scripts: `--json` on list, plan,
 * status and doctor. A streaming writer: members are printed as they come,
 * one per line, indented two blanks per level, so golden files diff well.
 * Strings are escaped per RFC 8259 section 7, and the output is always
 * UTF-8 (RFC 8259 section 8.1): a driver name or a path may carry any
 * byte, so an ill-formed sequence is written as U+FFFD (utf8_decode():
 * one per maximal subpart, Unicode ch. 3), and control characters
 * (< 0x20, 0x7f) as \n, \t or \u00XX.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

struct jw {
	FILE *out;
	int depth;
	bool has[JW_MAX_DEPTH];	  /* a member was printed at this level */
	char close[JW_MAX_DEPTH]; /* '}' or ']' */
};

/** jw_init() - a writer on @out; nothing is printed yet. */
void jw_init(struct jw *w, FILE *out);

/*
 * The calls below take @key: the member name inside an object, NULL
 * inside an array (or for the top value). Nesting deeper than
 * JW_MAX_DEPTH is ignored (the output would be malformed; ours is 4 deep).
 */
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
/** jw_end() - close the innermost object or array; at depth 0 a newline. */
void jw_end(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);
/** jw_str_or_null() - @val, or null when @val is NULL or "". */
void jw_str_or_null(struct jw *w, const char *key, const char *val);
void jw_int(struct jw *w, const char *key, long long val);
void jw_bool(struct jw *w, const char *key, bool val);
void jw_null(struct jw *w, const char *key);
