// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-qmp.c - libFuzzer harness for what the launcher reads, as root,
 * from a QEMU that runs as the VM's user: any bytes as one QMP line must
 * be validated or refused, and the member lookups and the guest-shutdown
 * test must never crash, leak or read out of bounds (ASan, UBSan).
 */
#include <stddef.h>
#include <stdint.h>

#include "basic/jsonread.h"
#include "vm/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *keys[] = {"QMP", "event", "data", "return", "error", "guest", "reason", "id"};
	struct json_val msg, v, w;

	if (json_parse((const char *)data, size, &msg) < 0)
		return 0;
	(void)qmp_is_guest_shutdown(&msg);
	(void)qmp_is_event(&msg, "SHUTDOWN", &v);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (json_get(&msg, keys[i], &v) < 0)
			continue;
		(void)json_str_eq(&v, "guest-shutdown");
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			(void)json_get(&v, keys[k], &w);
	}
	return 0;
}
