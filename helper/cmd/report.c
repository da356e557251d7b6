// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report.c - `vfiobind plan`, `list` and `status`: the machine and the
 * plan as tables, or as JSON where the program has it (struct json_ops).
 * Nothing is touched.
 */
#include <stdbool.h>
#include <stdio.h>

#include "basic/exitcode.h"
#include "cmd/command.h"
#include "cmd/input.h"
#include "report/report.h"
#include "system/initramfs.h"

/* A plan with nothing refused (a bridge taken by a slot aside) and no
 * non-optional selector absent. */
static bool plan_clean(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->e[i].action == PLAN_REFUSE &&
		    !(p->e[i].f && p->e[i].f->is_bridge && p->e[i].sel->kind != SEL_FUNCTION))
			return false;
		if (p->e[i].action == PLAN_ABSENT && !p->e[i].sel->optional)
			return false;
	}
	return true;
}

/* stdout is the command's product: a failed flush is a failed command. */
static int finish(struct input *in, int rc)
{
	if (fflush(stdout) != 0)
		rc = EXIT_SYSTEM;
	input_free(in);
	return rc;
}

/* The reading each of the three starts with. Return: EXIT_OK with @in
 * read, or the exit code with @in freed. */
static int start(const struct opts *o, const char *name, int argc, bool keep_on_errors, struct input *in)
{
	int rc;

	if (!cmd_want_args(name, argc, 0, 0))
		return EXIT_USAGE;
	rc = input_report(o, in, keep_on_errors);
	if (rc != EXIT_OK)
		input_free(in);
	return rc;
}

int cmd_plan(const struct opts *o, int argc, char **argv)
{
	struct input in = {0};
	int rc;

	(void)argv;
	rc = start(o, "plan", argc, false, &in);
	if (rc != EXIT_OK)
		return rc;
	if (o->json)
		program.json->plan(stdout, &in.plan, &in.pci, in.km, &in.cl);
	else
		report_plan(stdout, &in.plan, &in.pci, in.km, &in.cl);
	rc = in.plan.no_iommu && in.conf.n ? EXIT_SYSTEM : plan_clean(&in.plan) ? EXIT_OK : EXIT_PARTIAL;
	return finish(&in, rc);
}

/* list shows the machine even when the config has errors (nothing is
 * marked then) and exits 3 after it. */
int cmd_list(const struct opts *o, int argc, char **argv)
{
	struct input in = {0};
	int rc;

	(void)argv;
	rc = start(o, "list", argc, true, &in);
	if (rc != EXIT_OK)
		return rc;
	if (o->json) {
		program.json->list(stdout, &in.plan, &in.pci, in.km);
	} else {
		report_list(stdout, &in.plan, &in.pci, in.km);
		if (!pci_iommu_groups_present())
			fprintf(stdout, "(no IOMMU is active: /sys/kernel/iommu_groups is empty)\n");
	}
	return finish(&in, in.errs.n > 0 ? EXIT_CONFIG : EXIT_OK);
}

int cmd_status(const struct opts *o, int argc, char **argv)
{
	struct input in = {0};
	char stale[1024], disabled[1024];
	bool is_stale, is_disabled, ok;
	int rc;

	(void)argv;
	if (!cmd_want_args("status", argc, 0, 0))
		return EXIT_USAGE;
	/* Said first: with the config still wrong, input_report() stops. */
	is_disabled = status_disabled(disabled, sizeof(disabled)) > 0;
	if (is_disabled && !o->json)
		fprintf(stdout,
			"this boot: the image was built without binding: %s; nothing was bound; fix it "
			"(vfiobind check), then %s, and reboot\n",
			disabled, initramfs_rebuild_cmd(initramfs_tool_detect()));
	rc = start(o, "status", argc, false, &in);
	if (rc != EXIT_OK)
		return rc;
	/* An edit without a rebuild: the most common silent failure. */
	is_stale = status_stale(in.conf_path, in.conf_name, stale, sizeof(stale)) > 0;
	if (o->json) {
		ok = program.json->status(stdout, &in.plan, &in.pci, in.km, &in.cl, is_stale ? stale : NULL);
	} else {
		ok = report_status(stdout, &in.plan, &in.pci, &in.cl);
		if (is_stale)
			fprintf(stdout, "warning: %s\n", stale);
	}
	return finish(&in, ok && !is_disabled ? EXIT_OK : EXIT_PARTIAL);
}
