// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-doctorconf.c - libFuzzer harness for doctor's scan of the
 * generators' configuration (doctor_conf_line_has(), doctor/doctor.h):
 * mkinitcpio.conf and dracut.conf.d files, read as text, never run.
 *
 * Input: the configuration text (a 0x00 byte ends it, as in a file read
 * into a string).
 *
 * Promises checked (abort() when broken): for both keys doctor asks, a
 * "found" means the key and the word are in the text; the same text with
 * a line "KEY(vfiobind)" or "KEY\" vfiobind \"" appended is always found
 * (whatever came before: an unterminated quote, a line without newline,
 * blanks); no read past the string (ASan).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *text, size_t len, const char *key, const char *open, const char *close)
{
	size_t kl = strlen(key), ol = strlen(open), cl = strlen(close);
	char *more = malloc(len + kl + ol + cl + 16);

	if (!more)
		abort();
	if (doctor_conf_line_has(text, key, "vfiobind") && (!strstr(text, key) || !strstr(text, "vfiobind")))
		abort();
	snprintf(more, len + kl + ol + cl + 16, "%s\n  %s%svfiobind%s\n", text, key, open, close);
	if (!doctor_conf_line_has(more, key, "vfiobind"))
		abort();
	free(more);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);

	if (!text)
		abort();
	check(text, strlen(text), "HOOKS=", "(base ", ")");
	check(text, strlen(text), "add_dracutmodules+=", "\" ", " \"");
	check(text, strlen(text), "dracutmodules+=", "'", "'");
	free(text);
	return 0;
}
