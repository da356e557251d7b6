// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-conf.c - libFuzzer harness for the device list parser: any bytes
 * must give selectors or "FILE:LINE: message" errors, never a crash, a
 * leak or undefined behaviour (built with ASan and UBSan). A selector's
 * reset= value is what bind writes to sysfs, so it must hold only the
 * kernel's method names, each once, blank-separated, or "default" alone.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reset(const char *r)
{
	if (memchr(r, '\0', SELECTOR_RESET_MAX) == NULL)
		abort();
	if (strcmp(r, "default") == 0 || r[0] == '\0')
		return;
	for (const char *p = r;;) {
		size_t n = strcspn(p, " ");

		if (!selector_reset_method_known(p, n))
			abort();
		/* Each name once: none of them again after this one. */
		for (const char *q = p + n; *q;) {
			size_t m = strcspn(++q, " ");

			if (m == n && memcmp(p, q, n) == 0)
				abort();
			q += m;
		}
		if (p[n] == '\0')
			return;
		p += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c = {0};
	struct diags errs = {0};
	char d[96];

	conf_parse_buffer((const char *)data, size, "fuzz.conf", &c, &errs);
	/* Everything a selector feeds into messages must hold too. */
	for (size_t i = 0; i < c.n; i++) {
		selector_describe(&c.sel[i], d, sizeof(d));
		check_reset(c.sel[i].reset);
	}
	conf_free(&c);
	diags_free(&errs);
	return 0;
}
