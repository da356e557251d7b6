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

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	/* After a failed growth @n is past @cap: grow to hold it, the lost
	 * messages' slots NULL. */
	if (d->n >= d->cap) {
		size_t cap = d->n < 4 ? 8 : d->n * 2;
		char **v = realloc(d->msg, cap * sizeof(*v));

		if (v == NULL) {
			d->n++; /* still an error, even unprinted */
			return;
		}
		for (size_t i = d->cap; i < cap; i++)
			v[i] = NULL;
		d->msg = v;
		d->cap = cap;
	}
	d->msg[d->n++] = strdup(buf);
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n && i < d->cap; i++)
		free(d->msg[i]);
	free(d->msg);
	memset(d, 0, sizeof(*d));
}
