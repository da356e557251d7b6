// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-meminfo.c - libFuzzer harness for cpu_meminfo_total_kb()
 * (system/cpu.h): the launcher and doctor read MemTotal from
 * <root>/proc/meminfo and a node's meminfo, files under a root prefix that
 * a test tree or a chroot may hold anything in.
 *
 * Input: the file's bytes (NUL-terminated here, as read_full() does).
 *
 * Promise checked (abort() when broken): a value other than 0 is the
 * decimal right after the first "MemTotal:" and its blanks, followed by
 * " kB".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "system/cpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *end;
	const char *p;
	unsigned long kb;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	kb = cpu_meminfo_total_kb(text);
	if (kb != 0) {
		p = strstr(text, "MemTotal:");
		if (p == NULL)
			abort();
		for (p += strlen("MemTotal:"); *p == ' '; p++)
			;
		/* Compared as a value: leading zeros are allowed. */
		if (*p < '0' || *p > '9' || strtoul(p, &end, 10) != kb || strncmp(end, " kB", 3) != 0)
			abort();
	}
	free(text);
	return 0;
}
