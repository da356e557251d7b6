// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-conf.c - libFuzzer harness for the device list parser: any bytes
 * must give selectors or "FILE:LINE: message" errors, never a crash, a
 * leak or undefined behaviour (built with ASan and UBSan).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/conf.h"
#include "config/selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c = {0};
	struct diags errs = {0};
	char d[96];

	conf_parse_buffer((const char *)data, size, "fuzz.conf", &c, &errs);
	/* Everything a selector feeds into messages must hold too. */
	for (size_t i = 0; i < c.n; i++)
		selector_describe(&c.sel[i], d, sizeof(d));
	conf_free(&c);
	diags_free(&errs);
	return 0;
}
