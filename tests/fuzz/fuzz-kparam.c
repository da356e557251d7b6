// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-kparam.c - libFuzzer harness for kparam_next(), the kernel's
 * next_arg() word splitting, and modprobe_options_drop(): every span
 * stays inside its word, each call makes progress, and what is kept never
 * sets ids= when split again (the promise kmodule_load_without() relies on).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "system/modprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void split_all(const char *s)
{
	const char *end = s + strlen(s);
	struct kparam p;

	while (kparam_next(&s, &p)) {
		if (p.word_len == 0 || p.word + p.word_len != s || s > end)
			abort();
		if (p.name < p.word || p.name + p.name_len > p.word + p.word_len)
			abort();
		if (p.val && (p.val < p.name + p.name_len || p.val + p.val_len > p.word + p.word_len))
			abort();
	}
	if (s != end)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), kept[1024], dropped[1024];
	const char *k;
	struct kparam p;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	split_all(s);
	modprobe_options_drop(s, "ids", kept, dropped, sizeof(kept));
	split_all(kept);
	split_all(dropped);
	k = kept;
	while (kparam_next(&k, &p))
		if (kparam_name_eq(p.name, p.name_len, "ids"))
			abort();
	free(s);
	return 0;
}
