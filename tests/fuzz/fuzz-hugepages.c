// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-hugepages.c - libFuzzer harness for huge_record_parse(), the
 * reader of the launcher's hugepage record (/run/vfiobind/vm/NAME/hugepages),
 * which root acts on by writing nr_hugepages: every entry it returns names
 * a node below 1024 or the global pool, a page size of 2048 or 1048576
 * KiB and at least one page added; a rejected record returns nothing and
 * names a line within it (or the one after its last); and what
 * huge_record_format() writes of the entries parses back to the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/hugepages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct huge_entry v[HUGE_RECORD_MAX], w[HUGE_RECORD_MAX];
	char text[HUGE_RECORD_MAX * 64 + 64];
	size_t n = 99, m = 0, lines = 1;
	unsigned line = 0;
	int r = huge_record_parse((const char *)data, size, v, &n, &line);

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (r < 0) {
		if (n != 0 || line == 0 || line > lines + 1)
			abort();
		return 0;
	}
	if (n > HUGE_RECORD_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((v[i].node != HUGE_GLOBAL && (v[i].node < 0 || v[i].node >= 1024)) ||
		    (v[i].kb != 2048 && v[i].kb != 1048576) || v[i].add == 0)
			abort();
	r = huge_record_format(v, n, text, sizeof(text));
	if (r < 0 || huge_record_parse(text, (size_t)r, w, &m, NULL) < 0 || m != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (v[i].node != w[i].node || v[i].kb != w[i].kb || v[i].add != w[i].add || v[i].before != w[i].before)
			abort();
	return 0;
}
