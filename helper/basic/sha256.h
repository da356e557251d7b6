/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sha256.h - SHA-256 (FIPS 180-4) of a file, for the config digest that
 * bind records in /run/vfiobind/status and status/doctor compare: the same
 * number `sha256sum /etc/vfiobind.conf` prints, so a user can check by
 * hand. Our own 100 lines rather than libcrypto: the static helper must
 * stay under 1 MiB, and no library it links already offers one.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 65 /* 64 hex digits and the NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes so far */
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/** sha256_hex() - finish @s and write 64 lowercase hex digits to @hex. */
void sha256_hex(struct sha256 *s, char hex[SHA256_HEX_LEN]);

/**
 * sha256_file() - the digest of the file at @path (no root prefix added).
 * Return: 0 with @hex set; -errno from open(2)/read(2) (-ENOENT: no file).
 */
int sha256_file(const char *path, char hex[SHA256_HEX_LEN]);
