// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-jsonwrite.c - libFuzzer harness for what --json and `vm qmp` print
 * from bytes they did not choose (a driver name, a path, QEMU's answer):
 * the JSON writer (basic/jsonwrite.h) and utf8_put_json_line()
 * (basic/utf8.h).
 *
 * Input: a key, a 0x00 byte, a value (no 0x00: the whole input is the key
 * and the value is empty).
 *
 * Promises checked (abort() when broken): the writer's output is valid
 * UTF-8 by a check written here from Unicode Table 3-7, not by the
 * decoder under test; it has no byte below 0x20 but the newlines between
 * members; json_parse() reads it as an object whose fixed member is the
 * value unchanged when the value was valid UTF-8 without control bytes;
 * `vm qmp`'s line is valid UTF-8 with no control byte, no DEL and no C1
 * control (U+0080..U+009F) but its one final newline.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/jsonread.h"
#include "basic/jsonwrite.h"
#include "basic/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unicode 15.0 Table 3-7, well-formed UTF-8 byte sequences. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return false;
		if (i + k >= n)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xbf)
				return false;
		i += k + 1;
	}
	return true;
}

static bool plain(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return false;
	return valid_utf8((const unsigned char *)s, strlen(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t klen = nul ? (size_t)(nul - data) : size;
	char *key = strndup((const char *)data, klen);
	char *val = nul ? strndup((const char *)nul + 1, size - klen - 1) : strdup("");
	char *out = NULL;
	size_t len = 0;
	struct json_val obj, v;
	struct jw w;
	FILE *f;

	if (!key || !val)
		abort();
	f = open_memstream(&out, &len);
	if (!f)
		abort();
	jw_init(&w, f);
	jw_obj(&w, NULL);
	jw_str(&w, key, val);
	jw_str(&w, "fixed", val);
	jw_end(&w);
	if (fclose(f) != 0)
		abort();
	if (!valid_utf8((const unsigned char *)out, len))
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20 && out[i] != '\n')
			abort();
	if (json_parse(out, len, &obj) < 0 || obj.type != JSON_OBJECT)
		abort();
	if (json_get(&obj, "fixed", &v) < 0 || v.type != JSON_STRING)
		abort();
	if (plain(val) && !json_str_eq(&v, val))
		abort();
	free(out);

	out = NULL;
	f = open_memstream(&out, &len);
	if (!f)
		abort();
	utf8_put_json_line(f, (const char *)data, size);
	if (fclose(f) != 0)
		abort();
	if (!valid_utf8((const unsigned char *)out, len))
		abort();
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		if ((c < 0x20 && !(c == '\n' && i == len - 1)) || c == 0x7f)
			abort();
		if (c == 0xc2 && i + 1 < len && (unsigned char)out[i + 1] < 0xa0)
			abort();
	}
	free(out);
	free(key);
	free(val);
	return 0;
}
