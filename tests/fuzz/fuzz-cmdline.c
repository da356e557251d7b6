// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-cmdline.c - libFuzzer harness for the kernel command line parser
 * (quotes, "--", vfiobind=, vfiobind.*, root=, resume=).
 */
#include <stddef.h>
#include <stdint.h>

#include "config/cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c = {0};
	struct diags errs = {0}, warns = {0};
	struct cmdline cl;

	cmdline_parse((const char *)data, size, &cl, &c, &errs, &warns);
	conf_free(&c);
	diags_free(&errs);
	diags_free(&warns);
	return 0;
}
