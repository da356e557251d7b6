// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpulist.c - CPU sets and the kernel's CPU-list text (cpulist.h). glibc's
 * cpu_set_t has no parser for this format (and only 1024 CPUs), and
 * libnuma's numa_parse_cpustring() reads the running machine and prints
 * its own errors, so the parser is here, after lib/bitmap-str.c.
 */
#include "basic/cpulist.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "basic/str.h"

void cpuset_zero(struct cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

void cpuset_set(struct cpuset *s, unsigned cpu)
{
	if (cpu < CPUSET_MAX)
		s->bits[cpu / CPUSET_WORD_BITS] |= 1UL << (cpu % CPUSET_WORD_BITS);
}

bool cpuset_has(const struct cpuset *s, unsigned cpu)
{
	return cpu < CPUSET_MAX && (s->bits[cpu / CPUSET_WORD_BITS] >> (cpu % CPUSET_WORD_BITS)) & 1;
}

unsigned cpuset_count(const struct cpuset *s)
{
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(s->bits) / sizeof(s->bits[0]); i++)
		n += (unsigned)__builtin_popcountl(s->bits[i]);
	return n;
}

int cpuset_next(const struct cpuset *s, int after)
{
	unsigned c = (unsigned)(after + 1);

	while (c < CPUSET_MAX) {
		unsigned long w = s->bits[c / CPUSET_WORD_BITS] >> (c % CPUSET_WORD_BITS);

		if (w)
			return (int)(c + (unsigned)__builtin_ctzl(w));
		c = (c / CPUSET_WORD_BITS + 1) * CPUSET_WORD_BITS;
	}
	return -1;
}

bool cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

void cpuset_and(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < sizeof(dst->bits) / sizeof(dst->bits[0]); i++)
		dst->bits[i] = a->bits[i] & b->bits[i];
}

void cpuset_andnot(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < sizeof(dst->bits) / sizeof(dst->bits[0]); i++)
		dst->bits[i] = a->bits[i] & ~b->bits[i];
}

void cpuset_or(struct cpuset *dst, const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < sizeof(dst->bits) / sizeof(dst->bits[0]); i++)
		dst->bits[i] = a->bits[i] | b->bits[i];
}

/* One parse: the text, where we are, and where the message goes. */
struct lp {
	const char *s;
	size_t len, i;
	char *err;
	size_t errlen;
	char q[64]; /* the whole value, quoted for messages */
};

static int fail(struct lp *p, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct lp *p, int e, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->errlen)
		snprintf(p->err, p->errlen, "'%s': %s", p->q, msg);
	return e;
}

/* The text from the current position to the end of its entry, quoted. */
static void entry_quote(const struct lp *p, size_t from, char *q, size_t qlen)
{
	size_t to = from;

	while (to < p->len && p->s[to] != ',')
		to++;
	str_quote(p->s + from, to - from, q, qlen);
}

/* A decimal CPU number at the current position (bitmap_getnum()). */
static int number(struct lp *p, size_t entry, unsigned *out)
{
	unsigned long v = 0;
	size_t start = p->i;
	char q[48];

	while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
		/* Past the ceiling the value no longer matters, only that it is
		 * too big: stop growing it before it could overflow. */
		if (v < CPUSET_MAX)
			v = v * 10 + (unsigned long)(p->s[p->i] - '0');
		p->i++;
	}
	if (p->i == start) {
		entry_quote(p, entry, q, sizeof(q));
		if (p->i == p->len || p->s[p->i] == ',')
			return fail(p, -EINVAL, "'%s' is missing a CPU number", q);
		return fail(p, -EINVAL, "'%s' is not a CPU number or range", q);
	}
	if (v >= CPUSET_MAX) {
		str_quote(p->s + start, p->i - start, q, sizeof(q));
		return fail(p, -ERANGE, "CPU %s is beyond %d, the highest a kernel numbers", q, CPUSET_MAX - 1);
	}
	*out = (unsigned)v;
	return 0;
}

static bool entry_end(const struct lp *p)
{
	return p->i == p->len || p->s[p->i] == ',';
}

/* One entry: N, A-B or A-B:USED/GROUP (bitmap_parse_region()). */
static int entry(struct lp *p, struct cpuset *out)
{
	size_t from = p->i;
	unsigned a, b, used, group;
	char q[48];
	int r;

	r = number(p, from, &a);
	if (r < 0)
		return r;
	b = a;
	used = group = 1;
	if (!entry_end(p) && p->s[p->i] == '-') {
		p->i++;
		r = number(p, from, &b);
		if (r < 0)
			return r;
		if (b < a)
			return fail(p, -EINVAL, "range %u-%u is reversed; write %u-%u", a, b, b, a);
		used = group = b - a + 1;
		if (!entry_end(p) && p->s[p->i] == ':') {
			p->i++;
			if ((r = number(p, from, &used)) < 0)
				return r;
			if (entry_end(p) || p->s[p->i] != '/')
				return fail(p, -EINVAL, "a group is A-B:USED/GROUP, e.g. 0-7:1/2");
			p->i++;
			if ((r = number(p, from, &group)) < 0)
				return r;
			if (group == 0 || used == 0 || used > group)
				return fail(p, -EINVAL, "in %u-%u:%u/%u, USED must be from 1 to GROUP", a, b, used,
					    group);
		}
	}
	if (!entry_end(p)) {
		entry_quote(p, from, q, sizeof(q));
		if (str_is_blank(p->s[p->i]))
			return fail(p, -EINVAL, "'%s': a CPU list has no blanks", q);
		return fail(p, -EINVAL, "'%s' is not a CPU number or range", q);
	}
	/* bitmap_set_region(): from each GROUP CPUs, the first USED. */
	for (unsigned long c = a; c <= b; c += group)
		for (unsigned long k = c; k < c + used && k <= b; k++)
			cpuset_set(out, (unsigned)k);
	return 0;
}

int cpulist_read(const char *s, size_t len, struct cpuset *out, char *err, size_t errlen)
{
	struct lp p = {.s = s, .len = len, .err = err, .errlen = errlen};
	int r;

	str_quote(s, len, p.q, sizeof(p.q));
	if (p.len > 0 && s[p.len - 1] == '\n')
		p.len--;
	cpuset_zero(out);
	if (p.len == 0)
		return fail(&p, -EINVAL, "an empty CPU list");
	for (;;) {
		if (p.s[p.i] == ',')
			return fail(&p, -EINVAL, "an empty entry (a comma at the start, the end, or twice)");
		r = entry(&p, out);
		if (r < 0)
			return r;
		if (p.i == p.len)
			return 0;
		p.i++; /* the comma */
		if (p.i == p.len)
			return fail(&p, -EINVAL, "an empty entry (a comma at the start, the end, or twice)");
	}
}

size_t cpulist_format(const struct cpuset *s, char *buf, size_t len)
{
	size_t n = 0;
	char tmp[32];

	if (len)
		buf[0] = '\0';
	for (int c = cpuset_next(s, -1); c >= 0;) {
		int end = c, k;

		while ((k = cpuset_next(s, end)) == end + 1)
			end = k;
		int w = end > c ? snprintf(tmp, sizeof(tmp), "%s%d-%d", n ? "," : "", c, end)
				: snprintf(tmp, sizeof(tmp), "%s%d", n ? "," : "", c);
		if (len && n + (size_t)w < len)
			memcpy(buf + n, tmp, (size_t)w + 1);
		else if (len && n < len)
			buf[n] = '\0';
		n += (size_t)w;
		c = k;
	}
	return n;
}
