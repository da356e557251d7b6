// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmdline.c - kernel command line parsing.
 */
#include "config/cmdline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/str.h"

#define PREFIX "vfiobind"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Parse one "SEL+WORD+WORD" item of vfiobind=. Returns 1 on error. */
static int parse_item(const char *s, size_t len, struct conf *c, struct diags *errs)
{
	struct selector sel;
	char err[256], q[96];

	if (selector_parse_line(s, len, '+', &sel, err, sizeof(err)) != 0) {
		str_quote(s, len, q, sizeof(q));
		diags_add(errs, "%s: vfiobind=%s: %s", CMDLINE_ORIGIN, q, err);
		return 1;
	}
	sel.file = CMDLINE_ORIGIN;
	sel.line = 0;
	return conf_add(c, &sel) < 0 ? -ENOMEM : 0;
}

static int parse_value(const char *v, size_t vlen, struct cmdline *cl, struct conf *c, struct diags *errs)
{
	int nerr = 0;
	size_t i = 0;

	if (str_span_eq(v, vlen, "off")) {
		cl->off = true;
		return 0;
	}
	if (vlen == 0) {
		diags_add(errs, "%s: vfiobind= is empty (expected off or a list of selectors)", CMDLINE_ORIGIN);
		return 1;
	}
	while (i <= vlen) {
		size_t start = i;
		int r;

		while (i < vlen && v[i] != ',')
			i++;
		if (i == start) {
			diags_add(errs, "%s: vfiobind=: empty item in the list", CMDLINE_ORIGIN);
			nerr++;
		} else {
			r = parse_item(v + start, i - start, c, errs);
			if (r < 0)
				return r;
			if (r == 0)
				cl->nsel++;
			nerr += r;
		}
		i++;
	}
	return nerr;
}

/* A boolean-ish value: "" (bare parameter), 1/y/yes/on, 0/n/no/off. */
static int parse_bool(const char *v, size_t vlen, bool bare)
{
	if (bare || str_span_eq(v, vlen, "1") || str_span_eq(v, vlen, "y") || str_span_eq(v, vlen, "yes") ||
	    str_span_eq(v, vlen, "on"))
		return 1;
	if (str_span_eq(v, vlen, "0") || str_span_eq(v, vlen, "n") || str_span_eq(v, vlen, "no") ||
	    str_span_eq(v, vlen, "off"))
		return 0;
	return -1;
}

static int parse_param(const char *p, size_t plen, const char *v, size_t vlen, bool bare, struct cmdline *cl,
		       struct conf *c, struct diags *errs, struct diags *warns)
{
	char q[96];
	int b;

	if (str_span_eq(p, plen, "root") || str_span_eq(p, plen, "resume")) {
		char *dst = p[1] == 'o' ? cl->root : cl->resume;

		if (!bare && vlen < sizeof(cl->root)) {
			memcpy(dst, v, vlen);
			dst[vlen] = '\0';
		}
		return 0;
	}
	if (str_span_eq(p, plen, PREFIX)) {
		if (bare) {
			diags_add(errs, "%s: vfiobind needs a value (off, or a list of selectors)", CMDLINE_ORIGIN);
			return 1;
		}
		return parse_value(v, vlen, cl, c, errs);
	}
	if (plen < sizeof(PREFIX) || memcmp(p, PREFIX ".", sizeof(PREFIX)) != 0)
		return 0; /* not ours */

	b = parse_bool(v, vlen, bare);
	if (str_span_eq(p, plen, PREFIX ".debug")) {
		if (b < 0)
			goto bad_bool;
		cl->debug = b;
	} else if (str_span_eq(p, plen, PREFIX ".vm")) {
		if (b < 0)
			goto bad_bool;
		cl->vm_off = !b;
	} else if (str_span_eq(p, plen, PREFIX ".poweroff")) {
		if (b < 0)
			goto bad_bool;
		cl->poweroff = b;
	} else {
		str_quote(p, plen, q, sizeof(q));
		diags_add(warns, "%s: unknown parameter %s ignored", CMDLINE_ORIGIN, q);
	}
	return 0;

bad_bool:
	str_quote(v, vlen, q, sizeof(q));
	diags_add(errs, "%s: %.*s=%s: expected 0 or 1 (off or on)", CMDLINE_ORIGIN, (int)plen, p, q);
	return 1;
}

int cmdline_parse(const char *buf, size_t len, struct cmdline *cl, struct conf *c, struct diags *errs,
		  struct diags *warns)
{
	const char *nul = memchr(buf, '\0', len);
	size_t i = 0;
	int nerr = 0;

	memset(cl, 0, sizeof(*cl));
	cl->poweroff = -1;
	if (nul)
		len = (size_t)(nul - buf);

	while (i < len) {
		size_t start, end, eqpos = 0;
		bool in_quote = false, has_eq = false;
		const char *p, *v;
		size_t plen, vlen;
		int r;

		while (i < len && is_space(buf[i]))
			i++;
		if (i == len)
			break;
		start = i;
		for (; i < len; i++) {
			if (is_space(buf[i]) && !in_quote)
				break;
			if (!has_eq && buf[i] == '=') {
				has_eq = true;
				eqpos = i;
			}
			if (buf[i] == '"')
				in_quote = !in_quote;
		}
		end = i;
		if (end - start == 2 && memcmp(buf + start, "--", 2) == 0)
			break; /* the rest belongs to init */

		/* Quote stripping as next_arg(): "param=value", param="value". */
		p = buf + start;
		if (has_eq) {
			plen = eqpos - start;
			v = buf + eqpos + 1;
			vlen = end - eqpos - 1;
		} else {
			plen = end - start;
			v = p + plen;
			vlen = 0;
		}
		if (plen > 0 && p[0] == '"') {
			p++;
			plen--;
			if (!has_eq && plen > 0 && p[plen - 1] == '"')
				plen--;
		}
		if (vlen > 0 && v[0] == '"') {
			v++;
			vlen--;
		}
		if (vlen > 0 && v[vlen - 1] == '"')
			vlen--;

		r = parse_param(p, plen, v, vlen, !has_eq, cl, c, errs, warns);
		if (r < 0)
			return r;
		nerr += r;
	}
	return nerr;
}

int cmdline_read(const char *path, char *buf, size_t len)
{
	size_t got;
	char *data;
	int r;

	if (len == 0)
		return -EINVAL;
	r = read_full(path, len - 1, READ_FULL_TRUNCATE, &data, &got);
	if (r < 0)
		return r;
	memcpy(buf, data, got + 1);
	free(data);
	return (int)got;
}
