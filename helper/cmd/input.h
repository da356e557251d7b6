/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input.h - what the device commands (bind, plan, list, status, doctor)
 * read before they act: the config and the kernel command line, then the
 * machine (PCI functions, libkmod, block devices, the image's record)
 * and the plan built from them. Read once, freed once.
 */
#pragma once

#include <limits.h>
#include <stdio.h>

#include "basic/diags.h"
#include "config/cmdline.h"
#include "config/conf.h"
#include "plan/plan.h"
#include "system/kmodule.h"
#include "system/pci.h"
#include "system/record.h"
#include "system/storage.h"

struct opts;

struct input {
	char conf_path[PATH_MAX]; /* the config as opened (root prefix included) */
	const char *conf_name;	  /* as the user knows it */
	struct conf conf;
	struct cmdline cl;
	struct diags errs;
	struct diags warns;
	struct pci_list pci;
	struct kmodule *km;
	struct storage storage;
	struct record rec;
	struct plan plan;
};

/**
 * input_config() - read the config (@o->config or /etc/vfiobind.conf; a
 * missing file is no error) and /proc/cmdline into @in. vfiobind.debug
 * on the command line turns debug logging on.
 * Return: the number of errors in @in->errs, or -errno (-ENAMETOOLONG,
 * -ENOMEM).
 */
int input_config(const struct opts *o, struct input *in);

/**
 * input_machine() - scan the PCI functions, open libkmod, scan block
 * devices, read the image's record and build the plan for @in->conf.
 * Errors are logged.
 * Return: EXIT_OK, or EXIT_SYSTEM when something could not be read.
 */
int input_machine(struct input *in);

/**
 * input_rescan() - after input_machine() and a change to the machine (a
 * PF's new VFs): scan the PCI functions again and plan again; libkmod,
 * block devices and the record are kept. Errors are logged.
 * Return: EXIT_OK or EXIT_SYSTEM.
 */
int input_rescan(struct input *in);

/**
 * input_report() - input_config() then input_machine() for a reporting
 * command, logging warnings and above (debug with --debug); the config's
 * warnings and errors are logged. With @keep_on_errors, a config with
 * errors still shows the machine (list): the selectors are dropped, the
 * errors stay in @in->errs (the caller's exit code then says so).
 * Return: EXIT_OK, EXIT_CONFIG (errors, and not @keep_on_errors) or
 * EXIT_SYSTEM; errors are logged.
 */
int input_report(const struct opts *o, struct input *in, bool keep_on_errors);

/** input_free() - free what input_config() and input_machine() read. */
void input_free(struct input *in);

/** input_log_diags() - log each message of @d at @prio. */
void input_log_diags(const struct diags *d, int prio);

/**
 * input_warn_vfio_ids() - a leftover `options vfio-pci ids=` (or
 * vfio-pci.ids=, in any spelling modprobe_find_ids() reads): one warning
 * per place, naming the functions of @pci it would take (@pci and @plan
 * may be NULL: then it names none). Logged when @out is NULL, else printed
 * to @out as "warning: ...".
 * @km: to tell a built-in vfio-pci (kmodule_kind()), or NULL.
 * @builtin_noted: input_machine() already put the command line's
 *        vfio-pci.ids= of a built-in vfio-pci into @plan's notes; skip it.
 * Errors (modprobe_find_ids()'s -ENOMEM, -ENAMETOOLONG) are logged.
 */
void input_warn_vfio_ids(const struct pci_list *pci, const struct plan *plan, struct kmodule *km, bool builtin_noted,
			 FILE *out);

/**
 * input_vfio_ids_builtin() - when vfio-pci is built into the kernel
 * (modules.builtin, kmodule_kind()), each vfio-pci.ids= of the kernel
 * command line: the kernel applies it at init (kernel/params.c, then
 * drivers/vfio/pci/vfio_pci.c vfio_pci_fill_ids()), before any hook.
 * @fn: called with each warning (modprobe_ids_describe()).
 * Return: the number of warnings, or -ENOMEM / -ENAMETOOLONG from
 * modprobe_find_ids().
 */
int input_vfio_ids_builtin(const struct pci_list *pci, const struct plan *plan, struct kmodule *km,
			   void (*fn)(void *ctx, const char *msg), void *ctx);
