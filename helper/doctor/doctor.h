/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * doctor.h - `vfiobind doctor`: the whole chain from firmware to VM,
 * checked read-only, one line per check (ok, warn, fail, info), each
 * warn and fail with the fix as a command or a line to add. doctor.c
 * owns the IOMMU, initramfs and boot checks; doctorvm.c the [vm NAME]
 * checks, through the vmconf and spawn APIs only.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "config/cmdline.h"
#include "config/conf.h"
#include "plan/plan.h"
#include "system/kmodule.h"
#include "system/pci.h"

enum doctor_state {
	DOCTOR_OK,
	DOCTOR_INFO,
	DOCTOR_WARN,
	DOCTOR_FAIL,
};

struct doctor_check {
	enum doctor_state state;
	char id[48];	/* "iommu", "image", "vm win11 user", ... */
	char msg[1024]; /* what was found */
	char fix[512];	/* a command or a line to add; "" for ok/info */
};

struct doctor {
	struct doctor_check *c;
	size_t n, cap;
};

/** doctor_add() - record one check; @fix may be NULL. Out of memory drops it. */
void doctor_add(struct doctor *d, enum doctor_state st, const char *id, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* What the checks read, wired by main.c. */
struct doctor_input {
	const struct conf *conf;
	const char *conf_path; /* root prefix included */
	const char *conf_name;
	const struct cmdline *cl;
	const struct pci_list *pci;
	const struct plan *plan;
	struct kmodule *km;
};

/**
 * doctor_run() - every check, in the order of the chain: IOMMU, interrupt
 * remapping, the initramfs generator and its hook, the running kernel's
 * image (helper and config inside, the config equal to @in->conf_path),
 * this boot (status file, declared functions, groups, vfiobind=off), then
 * each VM. Reads only.
 */
void doctor_run(const struct doctor_input *in, struct doctor *d);

/**
 * doctor_vms() - the [vm NAME] checks (doctorvm.c): user, qemu, the files
 * its arguments name, tpm and swtpm, memlock, the unit enabled.
 */
void doctor_vms(const struct conf *conf, struct doctor *d);

/**
 * doctor_print() - the checks as lines ("ok    id  message", then
 * "      fix: ..."), or with @json as one JSON array of objects
 * {"check", "state", "message", "fix"}.
 * Return: the number of failed checks.
 */
size_t doctor_print(FILE *out, const struct doctor *d, bool json);

void doctor_free(struct doctor *d);
