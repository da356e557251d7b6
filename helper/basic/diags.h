/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diags.h - a growing list of "FILE:LINE: message" strings: what every
 * parser (device list, [vm] sections, kernel command line) collects
 * before the caller decides, so a user fixes all mistakes in one pass.
 *
 * Unlike a struct strv (strv.h), a message that cannot be stored still
 * counts: @n is the number of messages, and @msg[i] is NULL for one lost
 * to an allocation failure (or missing altogether for i >= @cap), so an
 * error is never taken for "no error". Readers walk
 * i < n && i < cap and print a stand-in for a NULL.
 */
#pragma once

#include <stddef.h>

struct diags {
	char **msg;
	size_t n;
	size_t cap;
};

/**
 * diags_add() - append a printf-formatted message (cut at 1023 bytes).
 * Allocation failure drops the text but still counts the message.
 */
void diags_add(struct diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** diags_free() - free every message and the array; @d is empty after. */
void diags_free(struct diags *d);
