// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-qmp.c - libFuzzer harness for what the launcher reads, as root,
 * from a QEMU that runs as the VM's user: any bytes as one QMP line must
 * be validated or refused, and the member lookups and the guest-shutdown
 * test must never crash, leak or read out of bounds (ASan, UBSan). The
 * query-cpus-fast reading (vm/pin.c) too: every element json_at() gives
 * lies inside its array, and json_uint() gives a number only for digits
 * alone, equal to what strtoull(3) reads of them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/jsonread.h"
#include "vm/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_uint(const struct json_val *v)
{
	unsigned long long n;
	char buf[32];

	if (json_uint(v, 1u << 30, &n) < 0)
		return;
	if (v->len == 0 || v->len >= sizeof(buf) || n > (1u << 30))
		abort();
	memcpy(buf, v->p, v->len);
	buf[v->len] = '\0';
	for (size_t i = 0; i < v->len; i++)
		if (buf[i] < '0' || buf[i] > '9')
			abort();
	if (strtoull(buf, NULL, 10) != n)
		abort();
}

static void check_array(const struct json_val *arr)
{
	struct json_val e, w;

	for (size_t i = 0; i < 64 && json_at(arr, i, &e) == 0; i++) {
		if (e.p <= arr->p || e.p + e.len >= arr->p + arr->len)
			abort();
		check_uint(&e);
		if (json_get(&e, "thread-id", &w) == 0)
			check_uint(&w);
		if (json_get(&e, "cpu-index", &w) == 0)
			check_uint(&w);
	}
	if (arr->type != JSON_ARRAY && json_at(arr, 0, &e) != -EINVAL)
		abort();
}

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
	if (json_get(&msg, "return", &v) == 0)
		check_array(&v);
	check_array(&msg);
	return 0;
}
