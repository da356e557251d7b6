// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-cpulist.c - libFuzzer harness for cpulist_read() and
 * cpulist_format(): an accepted list formats to text that parses back to
 * the same set, in fewer or as many bytes as a plain list of its CPUs,
 * whose count matches; a refused one says why, naming the value.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cpulist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The longest text of a set: every CPU alone, "0,1,...,8191". */
#define TEXT_MAX (CPUSET_MAX * 5)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cpuset a, b;
	static char text[TEXT_MAX], again[TEXT_MAX], err[256];
	size_t n;
	int r;

	err[0] = '\0';
	r = cpulist_read((const char *)data, size, &a, err, sizeof(err));
	if (r < 0) {
		if ((r != -EINVAL && r != -ERANGE) || err[0] != '\'')
			abort();
		return 0;
	}
	if (cpuset_count(&a) == 0)
		abort(); /* an accepted list names at least one CPU */
	n = cpulist_format(&a, text, sizeof(text));
	if (n >= sizeof(text) || strlen(text) != n)
		abort();
	if (cpulist_read(text, n, &b, err, sizeof(err)) != 0 || !cpuset_equal(&a, &b))
		abort();
	/* The formatted text is canonical: it formats to itself. */
	if (cpulist_format(&b, again, sizeof(again)) != n || strcmp(text, again) != 0)
		abort();
	/* A cut buffer still ends in a NUL and reports the whole length. */
	if (cpulist_format(&a, err, 8) != n || strlen(err) > 7)
		abort();
	return 0;
}
