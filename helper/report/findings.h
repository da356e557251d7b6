/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * findings.h - what `vfiobind doctor` found: one finding per check (ok,
 * info, warn, fail), each warn and fail with its fix as a command or a
 * line to add, and their output as lines or as JSON. Both halves of
 * doctor add to one list: the host checks (doctor/doctor.h) and the VM
 * checks (vm/doctor.h); the command prints it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum finding_state {
	FINDING_OK,
	FINDING_INFO,
	FINDING_WARN,
	FINDING_FAIL,
};

struct finding {
	enum finding_state state;
	char id[48];	/* "iommu", "image", "vm win11", ... */
	char msg[1024]; /* what was found */
	char fix[512];	/* a command or a line to add; "" for ok/info */
};

struct findings {
	struct finding *f;
	size_t n, cap;
};

/**
 * findings_add() - append one finding to @fs (zero-initialized at first):
 * state @st, check @id, @fix (NULL or "" for none) and the message from
 * @fmt. Each text is cut to its field's size. Out of memory drops it: a
 * report short of a line beats no report.
 */
void findings_add(struct findings *fs, enum finding_state st, const char *id, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/**
 * findings_print() - @fs on @out as lines ("ok    id  message", then
 * "      fix: ...", then "N checks: F failed, W warnings"), or with @json
 * as one JSON array of objects {"check", "state", "message", "fix"}
 * ("fix" null when there is none; basic/jsonwrite.h).
 * Return: the number of failed checks.
 */
size_t findings_print(FILE *out, const struct findings *fs, bool json);

/** findings_free() - free @fs's entries and zero it for reuse. */
void findings_free(struct findings *fs);
