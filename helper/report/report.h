/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h - what vfiobind tells people and programs: the plan and list
 * tables on stdout, the plan's decisions in the log, the warning about a
 * leftover vfio-pci ids=, and the status file /run/vfiobind/status
 * (tmpfs /run survives switch_root: systemd and dracut move it into the
 * real root).
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "config/cmdline.h"
#include "plan/plan.h"
#include "system/kmodule.h"
#include "system/modprobe.h"

#define STATUS_DIR  "/run/vfiobind"
#define STATUS_FILE STATUS_DIR "/status"
/* What an initramfs hook puts into the image instead of the binding when
 * the build's check failed: one line, the reason (bind logs it). */
#define IMAGE_DISABLED_FILE "/etc/vfiobind.d/disabled"

/**
 * report_plan() - print what bind would do, one block per function; a
 * "reset:" line where bind writes reset_method (plan_entry.reset).
 */
void report_plan(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km,
		 const struct cmdline *cl);

/**
 * report_list() - every function grouped by IOMMU group; '*' marks selected
 * ones; "reset=flr,bus" (or "reset=none") is the function's reset_method
 * where the kernel has the attribute (5.15+).
 */
void report_list(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km);

/**
 * report_status() - declared against actual; the RESET column is the
 * function's reset_method now ("flr,bus"; "none" when every method is
 * disabled; "-" without the attribute).
 * Return: true when every selected function is on vfio-pci, every IOMMU
 * group they are in is viable, and no non-optional selector is absent.
 */
bool report_status(FILE *out, const struct plan *p, const struct pci_list *pci, const struct cmdline *cl);

/**
 * report_func_state() - the STATE column of `status` for function @f, which
 * is present: "not on vfio-pci", "group not viable" (then @blockers, of
 * @len bytes, names what keeps its IOMMU group, as plan_group_blockers()
 * says) or "ok". report_status() and report_status_json() share it.
 */
const char *report_func_state(const struct pci_func *f, const struct pci_list *pci, const struct plan *p,
			      char *blockers, size_t len);

/**
 * report_log_plan() - log refusals, absences and notes of a plan (bind
 * logs them before acting, so the kernel log tells the whole story).
 */
void report_log_plan(const struct plan *p);

/**
 * status_write() - write <root>/run/vfiobind/status.
 *
 * Format: a "#" header line, then one line per selected function:
 * "ADDRESS VENDOR:DEVICE GROUP RESULT DRIVER", fields separated by one
 * blank, "-" for an unknown field; RESULT is bound, already, failed,
 * refused, absent or off. Written with write_atomic_stream() (fileio.h),
 * so a reader never sees half a file; the directory is created first.
 * Return: 0, -ENAMETOOLONG, or -errno from fs_mkdir_p() or
 * write_atomic_stream().
 */
int status_write(const struct plan *p, bool off);

/**
 * status_set_config() - the config bind read: status_write() then adds a
 * second header line, "# config NAME sha256 HEX" (the digest of the file
 * at @path, as sha256sum prints it) or "# config NAME absent", so that a
 * later status_stale() can tell an image built from another config.
 * @path: the file as opened (root prefix included); @name: as the user
 * knows it. Both are copied.
 */
void status_set_config(const char *path, const char *name);

/**
 * status_write_disabled() - write <root>/run/vfiobind/status for an image
 * built without binding (IMAGE_DISABLED_FILE): the header, then
 * "# disabled REASON" and no function line.
 * Return: as status_write().
 */
int status_write_disabled(const char *reason);

/**
 * status_disabled() - whether this boot's status file says the image was
 * built without binding; the reason goes to @msg.
 * Return: 1 (disabled, @msg set) or 0.
 */
int status_disabled(char *msg, size_t len);

/**
 * status_stale() - whether this boot's bind used another config than the
 * one at @path now: the image was built before the last edit.
 * @msg: the warning, naming both digests and the rebuild command of the
 *       generator found (initramfs_tool_detect()), @len bytes.
 * Return: 1 when stale (with @msg); 0 when the same, or when it cannot be
 * told (no status file, a status file without the config line: a helper
 * from before it was recorded, or vfiobind never ran).
 */
int status_stale(const char *path, const char *name, char *msg, size_t len);

/**
 * modprobe_ids_describe() - the one warning about a leftover vfio-pci
 * `ids=` @m (modprobe_find_ids()): where it is, which functions it would
 * hand to vfio-pci that @plan does not choose (read from @pci;
 * "vendor:device" match, as vfio-pci's ids= matches with the subsystem
 * fields left out: drivers/vfio/pci/vfio_pci.c, vfio_pci_fill_ids()), and
 * to delete it.
 * @plan: the plan (NULL: every matching function counts as undeclared).
 * @builtin: vfio-pci is built into the kernel (kmodule_kind()): then an
 *        ids= of the command line is not vfiobind's to leave out, the
 *        kernel applies it at init (kernel/params.c parse_args() for
 *        built-in parameters, vfio_pci_init() -> vfio_pci_fill_ids()),
 *        and the message says so and names what it takes.
 * @buf:  the message, @len bytes, cut to fit.
 */
void modprobe_ids_describe(const struct modprobe_ids *m, const struct pci_list *pci, const struct plan *plan,
			   bool builtin, char *buf, size_t len);

/** report_no_iommu() - the one error line for a machine without IOMMU. */
void report_no_iommu(void);
