// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jsonread.c - a validating JSON scanner for QMP.
 */
#include "basic/jsonread.h"

#include <errno.h>
#include <string.h>

#include "basic/str.h"

struct cur {
	const char *p;
	const char *end;
};

static void skip_ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* Decode the next character of a string body at *@p (before @end) into a
 * code point; -1 when malformed. Surrogates are returned as they are:
 * we compare with ASCII keys, so pairing them buys nothing. */
static long str_next(const char **p, const char *end)
{
	unsigned char ch = (unsigned char)**p;
	long cp = 0;

	if (ch < 0x20)
		return -1;
	if (ch != '\\') {
		(*p)++;
		return ch;
	}
	if (end - *p < 2)
		return -1;
	switch ((*p)[1]) {
	case '"':
	case '\\':
	case '/':
		cp = (*p)[1];
		break;
	case 'b':
		cp = '\b';
		break;
	case 'f':
		cp = '\f';
		break;
	case 'n':
		cp = '\n';
		break;
	case 'r':
		cp = '\r';
		break;
	case 't':
		cp = '\t';
		break;
	case 'u':
		if (end - *p < 6)
			return -1;
		for (int i = 2; i < 6; i++) {
			int h = str_hexval((*p)[i]);

			if (h < 0)
				return -1;
			cp = cp * 16 + h;
		}
		*p += 6;
		return cp;
	default:
		return -1;
	}
	*p += 2;
	return cp;
}

static int scan_string(struct cur *c)
{
	c->p++; /* the opening quote */
	while (c->p < c->end && *c->p != '"')
		if (str_next(&c->p, c->end) < 0)
			return -EINVAL;
	if (c->p == c->end)
		return -EINVAL;
	c->p++;
	return 0;
}

static int scan_number(struct cur *c)
{
	const char *start;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p == c->end)
		return -EINVAL;
	if (*c->p == '0') {
		c->p++;
	} else if (*c->p >= '1' && *c->p <= '9') {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	} else {
		return -EINVAL;
	}
	if (c->p < c->end && *c->p == '.') {
		start = ++c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == start)
			return -EINVAL;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		start = c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == start)
			return -EINVAL;
	}
	return 0;
}

static int scan_literal(struct cur *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return -EINVAL;
	c->p += n;
	return 0;
}

static int scan_value(struct cur *c, int depth, struct json_val *v);

/* Object or array body, after its opening bracket. */
static int scan_container(struct cur *c, int depth, char close, bool object)
{
	struct json_val v;

	skip_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return 0;
	}
	for (;;) {
		skip_ws(c);
		if (object) {
			if (c->p == c->end || *c->p != '"' || scan_string(c) < 0)
				return -EINVAL;
			skip_ws(c);
			if (c->p == c->end || *c->p != ':')
				return -EINVAL;
			c->p++;
		}
		if (scan_value(c, depth + 1, &v) < 0)
			return -EINVAL;
		skip_ws(c);
		if (c->p == c->end)
			return -EINVAL;
		if (*c->p == close) {
			c->p++;
			return 0;
		}
		if (*c->p != ',')
			return -EINVAL;
		c->p++;
	}
}

static int scan_value(struct cur *c, int depth, struct json_val *v)
{
	int r;

	if (depth > JSON_MAX_DEPTH)
		return -EINVAL;
	skip_ws(c);
	if (c->p == c->end)
		return -EINVAL;
	v->p = c->p;
	switch (*c->p) {
	case '{':
		c->p++;
		v->type = JSON_OBJECT;
		r = scan_container(c, depth, '}', true);
		break;
	case '[':
		c->p++;
		v->type = JSON_ARRAY;
		r = scan_container(c, depth, ']', false);
		break;
	case '"':
		v->type = JSON_STRING;
		r = scan_string(c);
		break;
	case 't':
		v->type = JSON_TRUE;
		r = scan_literal(c, "true");
		break;
	case 'f':
		v->type = JSON_FALSE;
		r = scan_literal(c, "false");
		break;
	case 'n':
		v->type = JSON_NULL;
		r = scan_literal(c, "null");
		break;
	default:
		v->type = JSON_NUMBER;
		r = scan_number(c);
		break;
	}
	if (r < 0) {
		v->type = JSON_INVALID;
		return r;
	}
	v->len = (size_t)(c->p - v->p);
	return 0;
}

int json_parse(const char *s, size_t len, struct json_val *v)
{
	struct cur c = {s, s + len};

	if (scan_value(&c, 0, v) < 0)
		return -EINVAL;
	skip_ws(&c);
	return c.p == c.end ? 0 : -EINVAL;
}

bool json_str_eq(const struct json_val *v, const char *s)
{
	const char *p, *end;

	if (v->type != JSON_STRING)
		return false;
	p = v->p + 1;
	end = v->p + v->len - 1; /* the closing quote */
	while (p < end) {
		long cp = str_next(&p, end);

		if (cp < 0 || *s == '\0' || cp != (unsigned char)*s)
			return false;
		s++;
	}
	return *s == '\0';
}

int json_get(const struct json_val *obj, const char *key, struct json_val *out)
{
	struct cur c;

	if (obj->type != JSON_OBJECT)
		return -EINVAL;
	c.p = obj->p + 1;
	c.end = obj->p + obj->len;
	skip_ws(&c);
	if (*c.p == '}')
		return -ENOENT;
	/* The object was validated whole: the scan below cannot fail. */
	for (;;) {
		struct json_val k, v;

		skip_ws(&c);
		if (scan_value(&c, 1, &k) < 0)
			return -EINVAL;
		skip_ws(&c);
		c.p++; /* ':' */
		if (scan_value(&c, 1, &v) < 0)
			return -EINVAL;
		if (json_str_eq(&k, key)) {
			*out = v;
			return 0;
		}
		skip_ws(&c);
		if (c.p >= c.end || *c.p != ',')
			return -ENOENT;
		c.p++;
	}
}

int json_at(const struct json_val *arr, size_t i, struct json_val *out)
{
	struct cur c;

	if (arr->type != JSON_ARRAY)
		return -EINVAL;
	c.p = arr->p + 1;
	c.end = arr->p + arr->len;
	skip_ws(&c);
	if (*c.p == ']')
		return -ENOENT;
	/* The array was validated whole: the scan below cannot fail. */
	for (size_t k = 0;; k++) {
		struct json_val v;

		skip_ws(&c);
		if (scan_value(&c, 1, &v) < 0)
			return -EINVAL;
		if (k == i) {
			*out = v;
			return 0;
		}
		skip_ws(&c);
		if (c.p >= c.end || *c.p != ',')
			return -ENOENT;
		c.p++;
	}
}

int json_uint(const struct json_val *v, unsigned long long max, unsigned long long *out)
{
	unsigned long long n = 0;

	if (v->type != JSON_NUMBER || v->len == 0 || v->len > 20)
		return -EINVAL;
	for (size_t i = 0; i < v->len; i++) {
		unsigned d;

		if (v->p[i] < '0' || v->p[i] > '9')
			return -EINVAL;
		d = (unsigned)(v->p[i] - '0');
		if (n > (max - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}
