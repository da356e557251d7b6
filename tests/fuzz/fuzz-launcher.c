// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-launcher.c - libFuzzer harness for launcher_parse_text(), the
 * reader of /run/vfiobind/vm/NAME/launcher (what `vfiobind release` and a
 * second start read to name a VM's launcher): the pid is never negative,
 * a group is found only where its digits stand in the text, and what the
 * launcher would write for the answer ("pid P", "groups G") parses back to
 * the same answer. The group asked about comes from the input's first
 * bytes, so that the fuzzer can match it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/holders.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char again[64], digits[16];
	bool has, has2;
	pid_t pid, pid2;
	int group, len;

	if (size < 2)
		return 0;
	group = data[0] | (data[1] & 0x7f) << 8;
	data += 2;
	size -= 2;
	launcher_parse_text((const char *)data, size, group, &pid, &has);
	if (pid < 0)
		abort();
	snprintf(digits, sizeof(digits), "%d", group);
	if (has && memmem(data, size, digits, strlen(digits)) == NULL)
		abort();
	len =
	    snprintf(again, sizeof(again), "pid %d\nuser u\ngroups%s%s\n", (int)pid, has ? " " : "", has ? digits : "");
	launcher_parse_text(again, (size_t)len, group, &pid2, &has2);
	if (pid2 != pid || has2 != has)
		abort();
	return 0;
}
