// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * doctor.c - `vfiobind doctor`: read everything, act on nothing; the
 * host's checks (doctor/) and each VM's (vm/), one line each with its
 * fix. Exit 0 when no check fails.
 */
#include <stdio.h>
#include <string.h>

#include "basic/exitcode.h"
#include "basic/log.h"
#include "cmd/command.h"
#include "cmd/input.h"
#include "doctor/doctor.h"
#include "report/findings.h"
#include "vm/doctor.h"

/* vfio-pci.ids= that a built-in vfio-pci takes at init: a warning here as
 * in plan and check. */
static void builtin_ids_finding(void *ctx, const char *msg)
{
	findings_add(ctx, FINDING_WARN, "vfio-ids", "delete vfio-pci.ids= from the kernel command line", "%s", msg);
}

int cmd_doctor(const struct opts *o, int argc, char **argv)
{
	struct input in = {0};
	struct findings d = {0};
	struct doctor_input di;
	int r, rc;

	(void)argv;
	if (!cmd_want_args("doctor", argc, 0, 0))
		return EXIT_USAGE;
	log_setup(NULL, true, o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_ERR);
	r = input_config(o, &in);
	if (r < 0) {
		ERR("reading the configuration failed: %s", strerror(-r));
		input_free(&in);
		return EXIT_SYSTEM;
	}
	for (size_t i = 0; r > 0 && i < in.errs.n && i < in.errs.cap; i++)
		findings_add(&d, FINDING_FAIL, "config", "vfiobind check", "%s",
			     in.errs.msg[i] ? in.errs.msg[i] : "(message lost)");
	if (r > 0)
		conf_free(&in.conf); /* the chain is still worth checking */
	rc = input_machine(&in);
	if (rc == EXIT_OK) {
		di = (struct doctor_input){&in.conf, in.conf_path, in.conf_name, &in.cl, &in.pci, &in.plan, in.km};
		doctor_run(&di, &d);
		(void)input_vfio_ids_builtin(&in.pci, &in.plan, in.km, builtin_ids_finding, &d);
		vm_doctor(&in.conf, &d);
		rc = findings_print(stdout, &d, o->json) > 0 ? EXIT_PARTIAL : EXIT_OK;
		if (fflush(stdout) != 0)
			rc = EXIT_SYSTEM;
	}
	findings_free(&d);
	input_free(&in);
	return rc;
}
