// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * diags.c - the list of messages the parsers collect.
 */
#include "basic/diags.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diags_add(struct diags *d, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	char *m;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		char **v = realloc(d->msg, cap * sizeof(*v));

		if (v == NULL) {
			d->n++; /* still an error, even unprinted */
			return;
		}
		d->msg = v;
		d->cap = cap;
	}
	m = strdup(buf);
	d->msg[d->n++] = m;
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n && i < d->cap; i++)
		free(d->msg[i]);
	free(d->msg);
	memset(d, 0, sizeof(*d));
}
