/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.h - just enough JSON (RFC 8259) to read QMP messages: validate one
 * value and look up members of an object, without building a tree.
 *
 * The launcher reads these as root from a QEMU that runs as the VM's
 * user, so nothing here trusts the input: every value is validated
 * before a member is believed, nesting is bounded, and strings are only
 * compared, never decoded into buffers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 64

enum json_type {
	JSON_INVALID,
	JSON_OBJECT,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
};

/* A value inside the caller's text: @p points at its first byte. */
struct json_val {
	enum json_type type;
	const char *p;
	size_t len;
};

/**
 * json_parse() - validate @len bytes as exactly one JSON value (blanks
 * around it allowed).
 * @v: the value, when valid.
 * Return: 0, or -EINVAL (malformed, trailing bytes, or nested deeper
 * than JSON_MAX_DEPTH).
 */
int json_parse(const char *s, size_t len, struct json_val *v);

/**
 * json_get() - member @key of object @obj (a value from json_parse()).
 * Keys are compared after decoding escapes ("\u0065vent" is "event").
 * With a repeated key the first one wins.
 * Return: 0 with @out set, -ENOENT when absent, -EINVAL when @obj is not
 * an object.
 */
int json_get(const struct json_val *obj, const char *key, struct json_val *out);

/**
 * json_at() - element @i (from 0) of array @arr (a value from
 * json_parse()).
 * Return: 0 with @out set, -ENOENT when the array is shorter, -EINVAL when
 * @arr is not an array.
 */
int json_at(const struct json_val *arr, size_t i, struct json_val *out);

/**
 * json_uint() - @v as an unsigned integer: a JSON number of digits alone
 * (no sign, fraction or exponent) that fits in @max.
 * Return: 0 with @out set, -EINVAL for anything else, -ERANGE above @max.
 */
int json_uint(const struct json_val *v, unsigned long long max, unsigned long long *out);

/** json_str_eq() - whether @v is a string equal to @s after decoding. */
bool json_str_eq(const struct json_val *v, const char *s);
