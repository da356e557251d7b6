// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-sha256.c - the config digest against FIPS 180-4's examples and
 * the padding edges (55, 56, 64 bytes), fed whole and byte by byte.
 */
#include <stdio.h>
#include <string.h>

#include "basic/sha256.h"

static int fails;

static void check(const char *msg, size_t len, const char *want)
{
	struct sha256 s;
	char hex[SHA256_HEX_LEN];

	sha256_init(&s);
	sha256_update(&s, msg, len);
	sha256_hex(&s, hex);
	if (strcmp(hex, want) != 0) {
		printf("not ok - sha256 of %zu bytes (whole): %s, want %s\n", len, hex, want);
		fails++;
	}
	sha256_init(&s);
	for (size_t i = 0; i < len; i++)
		sha256_update(&s, msg + i, 1);
	sha256_hex(&s, hex);
	if (strcmp(hex, want) != 0) {
		printf("not ok - sha256 of %zu bytes (byte by byte): %s, want %s\n", len, hex, want);
		fails++;
	}
}

int main(void)
{
	char a[1000];

	memset(a, 'a', sizeof(a));
	check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check(a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	check(a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
	check(a, 1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
	printf("sha256: %s\n", fails ? "FAILED" : "6 vectors, whole and byte by byte, ok");
	return fails != 0;
}
