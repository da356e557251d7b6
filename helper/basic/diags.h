/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diags.h - a growing list of "FILE:LINE: message" strings: what every
 * parser (device list, [vm] sections, kernel command line) collects
 * before the caller decides, so a user fixes all mistakes in one pass.
 */
#pragma once

#include <stddef.h>

struct diags {
	char **msg;
	size_t n;
	size_t cap;
};

/**
 * diags_add() - append a formatted message. Allocation failure drops the
 * message but still counts it, so an error is never lost as "no error".
 */
void diags_add(struct diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void diags_free(struct diags *d);
