// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-isolate.c - libFuzzer harness for isolate_record_parse(), the
 * reader of the isolation record (/run/vfiobind/vm/NAME/isolated), which
 * root acts on: every value it returns is one that goes to systemctl or a
 * procfs/sysfs file as it is (a unit's AllowedCPUs and an IRQ's list only
 * digits, commas and dashes; the workqueue mask only hex digits and
 * commas; no newline, NUL-terminated within its buffer), each unit and
 * IRQ at most once, a rejected record names its line, and what
 * isolate_record_format() writes parses back to the same values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/isolate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_val(const char *v, const char *set, bool nonempty)
{
	size_t n = strnlen(v, ISOLATE_VAL_MAX);

	if (n >= ISOLATE_VAL_MAX || (nonempty && n == 0) || strspn(v, set) != n)
		abort();
}

static bool same(const struct isolated *a, const struct isolated *b)
{
	if (memcmp(a->unit_set, b->unit_set, sizeof(a->unit_set)) || a->wq_set != b->wq_set || a->nirq != b->nirq)
		return false;
	for (int u = 0; u < ISOLATE_UNITS; u++)
		if (strcmp(a->unit_val[u], b->unit_val[u]))
			return false;
	if (strcmp(a->wq, b->wq))
		return false;
	for (size_t i = 0; i < a->nirq; i++)
		if (a->irq[i].irq != b->irq[i].irq || strcmp(a->irq[i].list, b->irq[i].list))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct isolated s, back;
	char err[128], *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	r = isolate_record_parse((const char *)data, size, &s, err, sizeof(err));
	if (r < 0) {
		if (strncmp(err, "line ", 5) != 0)
			abort();
		isolated_free(&s);
		return 0;
	}
	for (int u = 0; u < ISOLATE_UNITS; u++)
		check_val(s.unit_val[u], "0123456789,-", false);
	if (s.wq_set)
		check_val(s.wq, "0123456789abcdefABCDEF,", true);
	for (size_t i = 0; i < s.nirq; i++) {
		check_val(s.irq[i].list, "0123456789,-", true);
		for (size_t j = 0; j < i; j++)
			if (s.irq[j].irq == s.irq[i].irq)
				abort();
	}
	f = open_memstream(&text, &len);
	if (f == NULL || isolate_record_format(f, &s) < 0 || fclose(f) != 0)
		abort();
	if (isolate_record_parse(text, len, &back, err, sizeof(err)) < 0 || !same(&s, &back))
		abort();
	free(text);
	isolated_free(&back);
	isolated_free(&s);
	return 0;
}
