// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * input.c - the reading every device command starts with, in one order:
 * config and command line, then the machine, then the plan.
 */
#include "cmd/input.h"

#include <errno.h>
#include <string.h>

#include "basic/exitcode.h"
#include "basic/log.h"
#include "cmd/command.h"
#include "config/load.h"
#include "report/report.h"
#include "system/modprobe.h"

int input_config(const struct opts *o, struct input *in)
{
	int r = config_load(o->config, false, in->conf_path, &in->conf_name, &in->conf, &in->cl, &in->errs, &in->warns);

	if (r >= 0 && in->cl.debug)
		log_setup(NULL, true, LOG_PRIO_DEBUG); /* refined by the caller */
	return r;
}

static void plan_note_cb(void *ctx, const char *msg)
{
	plan_add_note(ctx, LOG_PRIO_WARNING, msg);
}

int input_machine(struct input *in)
{
	int r;

	r = pci_scan(&in->pci);
	if (r < 0) {
		ERR("cannot read /sys/bus/pci/devices: %s", strerror(-r));
		return EXIT_SYSTEM;
	}
	in->km = kmodule_open();
	if (in->km == NULL) {
		ERR("cannot create a libkmod context: %s", strerror(ENOMEM));
		return EXIT_SYSTEM;
	}
	r = storage_scan(&in->storage, &in->cl);
	if (r < 0) {
		ERR("reading block devices failed: %s", strerror(-r));
		return EXIT_SYSTEM;
	}
	r = record_read(&in->rec);
	if (r == 0)
		record_verify(&in->rec, &in->pci, in->cl.root);
	if (r == 0)
		r = plan_build_record(&in->conf, &in->pci, in->km, &in->storage, &in->rec, &in->plan);
	if (r < 0) {
		ERR("planning failed: %s", strerror(-r));
		return EXIT_SYSTEM;
	}
	r = input_vfio_ids_builtin(&in->pci, &in->plan, in->km, plan_note_cb, &in->plan);
	if (r < 0)
		WRN("cannot read the modprobe configuration for vfio-pci ids=: %s", strerror(-r));
	return EXIT_OK;
}

int input_rescan(struct input *in)
{
	int r;

	plan_free(&in->plan);
	pci_list_free(&in->pci);
	r = pci_scan(&in->pci);
	if (r == 0)
		r = plan_build_record(&in->conf, &in->pci, in->km, &in->storage, &in->rec, &in->plan);
	if (r < 0) {
		ERR("reading the machine again failed: %s", strerror(-r));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

int input_report(const struct opts *o, struct input *in, bool keep_on_errors)
{
	int r;

	log_setup(NULL, true, o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_WARNING);
	r = input_config(o, in);
	if (r < 0) {
		ERR("reading the configuration failed: %s", strerror(-r));
		return EXIT_SYSTEM;
	}
	input_log_diags(&in->warns, LOG_PRIO_WARNING);
	if (r > 0) {
		input_log_diags(&in->errs, LOG_PRIO_ERR);
		if (!keep_on_errors)
			return EXIT_CONFIG;
		conf_free(&in->conf); /* the machine is still worth showing */
	}
	return input_machine(in);
}

void input_free(struct input *in)
{
	plan_free(&in->plan);
	record_free(&in->rec);
	storage_free(&in->storage);
	kmodule_close(in->km);
	pci_list_free(&in->pci);
	conf_free(&in->conf);
	diags_free(&in->errs);
	diags_free(&in->warns);
}

void input_log_diags(const struct diags *d, int prio)
{
	for (size_t i = 0; i < d->n && i < d->cap; i++)
		log_printf(prio, "%s", d->msg[i] ? d->msg[i] : "(message lost: out of memory)");
}

static bool vfio_builtin(struct kmodule *km)
{
	return km && kmodule_kind(km, "vfio_pci") == KMODULE_BUILTIN;
}

void input_warn_vfio_ids(const struct pci_list *pci, const struct plan *plan, struct kmodule *km, bool builtin_noted,
			 FILE *out)
{
	struct modprobe_ids_list ids;
	char msg[1536];
	bool builtin = false;
	int r = modprobe_find_ids("vfio-pci", &ids);

	if (r < 0) {
		WRN("cannot read the modprobe configuration for vfio-pci ids=: %s", strerror(-r));
		return;
	}
	/* Asked only when the command line has one: libkmod's lookup logs. */
	for (size_t i = 0; r == 0 && i < ids.n; i++)
		if (ids.e[i].line == 0)
			builtin = vfio_builtin(km);
	for (size_t i = 0; i < ids.n; i++) {
		if (builtin && builtin_noted && ids.e[i].line == 0)
			continue;
		modprobe_ids_describe(&ids.e[i], pci, plan, builtin, msg, sizeof(msg));
		if (out)
			fprintf(out, "warning: %s\n", msg);
		else
			WRN("%s", msg);
	}
	modprobe_ids_free(&ids);
}

int input_vfio_ids_builtin(const struct pci_list *pci, const struct plan *plan, struct kmodule *km,
			   void (*fn)(void *ctx, const char *msg), void *ctx)
{
	struct modprobe_ids_list ids;
	char msg[1536];
	int r, n = 0;

	r = modprobe_find_ids("vfio-pci", &ids);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ids.n; i++) {
		if (ids.e[i].line != 0 || !vfio_builtin(km))
			continue;
		modprobe_ids_describe(&ids.e[i], pci, plan, true, msg, sizeof(msg));
		fn(ctx, msg);
		n++;
	}
	modprobe_ids_free(&ids);
	return n;
}
