/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reportjson.h - `--json` of list, plan and status (README "JSON
 * output"), written with basic/jsonwrite. Only the host program links
 * these (cmd/host.c): an initramfs has no reader for them.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "config/cmdline.h"
#include "plan/plan.h"
#include "system/kmodule.h"
#include "system/pci.h"

/*
 * The tables of report.h as JSON: one object
 * per function with the table's fields, its IOMMU group's members and the
 * reasons. report_status_json() takes @stale, the stale-image warning of
 * status_stale() or NULL, and returns what report_status() does.
 */
void report_list_json(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km);
void report_plan_json(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km,
		      const struct cmdline *cl);
bool report_status_json(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km,
			const struct cmdline *cl, const char *stale);
