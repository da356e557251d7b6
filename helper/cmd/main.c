// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - vfiobind's command line: parse options, wire the parts, turn
 * errors into messages and the documented exit codes. Nothing below main
 * exits or prints usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "config/cmdline.h"
#include "cmd/complete.h"
#include "config/conf.h"
#include "doctor/doctor.h"
#include "basic/exitcode.h"
#include "config/input.h"
#include "system/kmodule.h"
#include "basic/log.h"
#include "system/modprobe.h"
#include "system/pci.h"
#include "plan/plan.h"
#include "system/record.h"
#include "report/report.h"
#include "system/storage.h"
#include "basic/sysfs.h"
#include "vm/command.h"
#include "vm/doctor.h"
#include "config/vmconf.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

struct opts {
	const char *root;
	const char *config;
	bool quiet;
	bool debug;
	bool devices_only;  /* check: [vm] section errors are warnings */
	const char *record; /* check: the image's /etc/vfiobind.d, being built */
	bool json;	    /* list, plan, status, doctor: JSON on stdout */
};

/* Everything read before a command acts. */
struct input {
	char conf_path[PATH_MAX];
	const char *conf_name;
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

static void usage(FILE *out)
{
	fprintf(out, "Usage: vfiobind [OPTIONS] COMMAND\n"
		     "Hand chosen PCI functions to vfio-pci in early boot.\n"
		     "\n"
		     "Commands:\n"
		     "  bind               bind the declared functions to vfio-pci, verify, write\n"
		     "                     /run/vfiobind/status, log to /dev/kmsg (the initramfs hooks run this)\n"
		     "  plan               show what bind would do to each function; touches nothing\n"
		     "  list               every PCI function by IOMMU group; '*' marks declared ones\n"
		     "  status             declared against actual; exit 0 only when all are on vfio-pci\n"
		     "  check [FILE]       check a config (default /etc/vfiobind.conf); touches nothing\n"
		     "  doctor             check the whole chain, IOMMU to VM; each problem with its fix\n");
	vmcmd_usage(out);
	fprintf(out, "\n"
		     "Options:\n"
		     "  -r, --root DIR     take /sys, /proc, /etc, /run, /dev, /lib/modules under DIR\n"
		     "  -c, --config FILE  device list (default /etc/vfiobind.conf under the root)\n"
		     "  -q, --quiet        bind: log to the kernel log only, not to stderr\n"
		     "  -d, --debug        log debug messages (also: vfiobind.debug on the kernel command line)\n"
		     "  -D, --devices-only check: only device list errors count; [vm] section errors\n"
		     "                     are warnings (the initramfs hooks use this)\n"
		     "  -R, --record DIR   check: also check the list against this host (a declared\n"
		     "                     function below what it needs fails), then write what\n"
		     "                     bind must refuse at boot into DIR (the image's\n"
		     "                     /etc/vfiobind.d; the initramfs hooks use this)\n"
		     "  -j, --json         list, plan, status, doctor: JSON on stdout (README \"JSON output\")\n"
		     "  -h, --help         show this help\n"
		     "  -V, --version      show the version\n"
		     "\n"
		     "Exit codes: 0 done, 1 some declared function not on vfio-pci, 2 usage,\n"
		     "3 config error (nothing done), 4 system error (no sysfs, no IOMMU, no vfio-pci).\n");
}

static void input_free(struct input *in)
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

/* Read the kernel command line and the config. Returns the error count,
 * or -errno. */
static int read_input(const struct opts *o, struct input *in, bool config_required)
{
	int r = input_read(o->config, config_required, in->conf_path, &in->conf_name, &in->conf, &in->cl, &in->errs,
			   &in->warns);

	if (r >= 0 && in->cl.debug)
		log_setup(NULL, true, LOG_PRIO_DEBUG); /* refined by the caller */
	return r;
}

static void log_diags(const struct diags *d, int prio)
{
	for (size_t i = 0; i < d->n && i < d->cap; i++)
		log_printf(prio, "%s", d->msg[i] ? d->msg[i] : "(message lost: out of memory)");
}

/* A leftover `options vfio-pci ids=` (or vfio-pci.ids=): one warning per
 * place, logged (@out NULL) or printed to @out as the checker's warnings. */
static void warn_vfio_ids(const struct pci_list *pci, const struct plan *plan, FILE *out)
{
	struct modprobe_ids_list ids;
	char msg[1536];
	int r = modprobe_find_ids("vfio-pci", &ids);

	if (r < 0) {
		WRN("cannot read the modprobe configuration for vfio-pci ids=: %s", strerror(-r));
		return;
	}
	for (size_t i = 0; i < ids.n; i++) {
		modprobe_ids_describe(&ids.e[i], pci, plan, msg, sizeof(msg));
		if (out)
			fprintf(out, "warning: %s\n", msg);
		else
			WRN("%s", msg);
	}
	modprobe_ids_free(&ids);
}

static int scan_and_plan(struct input *in)
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
		r = plan_build_record(&in->conf, &in->pci, in->km, &in->storage, &in->rec, &in->plan);
	if (r < 0) {
		ERR("planning failed: %s", strerror(-r));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

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

static int cmd_bind(const struct opts *o)
{
	struct input in = {0};
	char kmsg[PATH_MAX];
	int r, rc, prio = o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_INFO;
	size_t on = 0, total = 0;

	if (root_path(kmsg, sizeof(kmsg), "/dev/kmsg") < 0)
		kmsg[0] = '\0';
	log_setup(kmsg, !o->quiet, prio);

	r = read_input(o, &in, false);
	if (r >= 0)
		status_set_config(in.conf_path, in.conf_name);
	if (in.cl.debug)
		prio = LOG_PRIO_DEBUG;
	log_setup(kmsg, !o->quiet, prio);
	if (r < 0) {
		ERR("reading the configuration failed: %s", strerror(-r));
		input_free(&in);
		return EXIT_SYSTEM;
	}
	log_diags(&in.warns, LOG_PRIO_WARNING);
	if (in.cl.off) {
		NOTICE("vfiobind=off on the kernel command line: binding nothing this boot");
		if (r == 0)
			status_write(&in.plan, true);
		input_free(&in);
		return EXIT_OK;
	}
	if (r == 0 && conf_check_secure(in.conf_path, in.conf_name, &in.errs) < 0)
		r = 1;
	if (r > 0) {
		log_diags(&in.errs, LOG_PRIO_ERR);
		ERR("%d error%s in the device list: binding nothing (a partial binding helps no VM)", r,
		    r > 1 ? "s" : "");
		status_write(&in.plan, false);
		input_free(&in);
		return EXIT_CONFIG;
	}
	if (in.conf.n == 0) {
		INF("no devices declared in %s or on the kernel command line", in.conf_name);
		status_write(&in.plan, false);
		input_free(&in);
		return EXIT_OK;
	}

	rc = scan_and_plan(&in);
	if (rc != EXIT_OK) {
		input_free(&in);
		return rc;
	}
	if (in.plan.no_iommu && plan_count(&in.plan, PLAN_REFUSE) > 0) {
		report_no_iommu();
		for (size_t i = 0; i < in.plan.n; i++)
			if (in.plan.e[i].action != PLAN_ABSENT)
				in.plan.e[i].result = RESULT_REFUSED;
		status_write(&in.plan, false);
		input_free(&in);
		return EXIT_SYSTEM;
	}
	report_log_plan(&in.plan);
	warn_vfio_ids(&in.pci, &in.plan, NULL);
	r = apply_plan(&in.plan, in.km);
	apply_check_undeclared(&in.plan, &in.pci);

	for (size_t i = 0; i < in.plan.n; i++) {
		const struct plan_entry *e = &in.plan.e[i];

		if (e->f && e->f->is_bridge)
			continue;
		if (e->action == PLAN_ABSENT && e->sel->optional)
			continue;
		total++;
		on += e->result == RESULT_BOUND || e->result == RESULT_ALREADY;
	}
	if (status_write(&in.plan, false) < 0)
		WRN("cannot write %s", STATUS_FILE);
	if (on == total)
		NOTICE("%zu of %zu declared functions on vfio-pci", on, total);
	else
		ERR("%zu of %zu declared functions on vfio-pci; the others keep their host drivers", on, total);

	rc = r < 0 ? EXIT_SYSTEM : on == total ? EXIT_OK : EXIT_PARTIAL;
	input_free(&in);
	return rc;
}

/* plan, list and status share the reading; @which picks the report. */
static int cmd_report(const struct opts *o, char which)
{
	struct input in = {0};
	int r, rc;

	log_setup(NULL, true, o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_WARNING);
	r = read_input(o, &in, false);
	if (r < 0) {
		ERR("reading the configuration failed: %s", strerror(-r));
		input_free(&in);
		return EXIT_SYSTEM;
	}
	log_diags(&in.warns, LOG_PRIO_WARNING);
	if (r > 0) {
		log_diags(&in.errs, LOG_PRIO_ERR);
		if (which != 'l') {
			input_free(&in);
			return EXIT_CONFIG;
		}
		/* list still shows the machine; nothing is marked. */
		conf_free(&in.conf);
	}
	rc = scan_and_plan(&in);
	if (rc != EXIT_OK) {
		input_free(&in);
		return rc;
	}
	switch (which) {
	case 'p':
		if (o->json)
			report_plan_json(stdout, &in.plan, &in.pci, in.km, &in.cl);
		else
			report_plan(stdout, &in.plan, &in.pci, in.km, &in.cl);
		rc = in.plan.no_iommu && in.conf.n ? EXIT_SYSTEM : plan_clean(&in.plan) ? EXIT_OK : EXIT_PARTIAL;
		break;
	case 'l':
		if (o->json) {
			report_list_json(stdout, &in.plan, &in.pci, in.km);
			rc = r > 0 ? EXIT_CONFIG : EXIT_OK;
			break;
		}
		report_list(stdout, &in.plan, &in.pci, in.km);
		if (!pci_iommu_groups_present())
			fprintf(stdout, "(no IOMMU is active: /sys/kernel/iommu_groups is empty)\n");
		rc = r > 0 ? EXIT_CONFIG : EXIT_OK;
		break;
	default: {
		/* An edit without a rebuild: the most common silent failure. */
		char stale[1024];
		bool is_stale = status_stale(in.conf_path, in.conf_name, stale, sizeof(stale)) > 0;

		if (o->json) {
			rc = report_status_json(stdout, &in.plan, &in.pci, in.km, &in.cl, is_stale ? stale : NULL)
				 ? EXIT_OK
				 : EXIT_PARTIAL;
			break;
		}
		rc = report_status(stdout, &in.plan, &in.pci, &in.cl) ? EXIT_OK : EXIT_PARTIAL;
		if (is_stale)
			fprintf(stdout, "warning: %s\n", stale);
		break;
	}
	}
	if (fflush(stdout) != 0)
		rc = EXIT_SYSTEM;
	input_free(&in);
	return rc;
}

/*
 * The image build's half of the storage and viability guards: on the
 * booted host every disk, mount and swap and the full module set are
 * visible. A declared function the host needs fails the build (unless
 * force); what bind must know at boot is written into the image.
 * Return: the number of errors, or -errno.
 */
static int check_host(const struct opts *o, const struct conf *c)
{
	struct pci_list pci = {0};
	struct storage st = {0};
	struct cmdline cl = {0};
	struct conf scratch = {0};
	struct diags e = {0}, w = {0};
	struct record_list block = {0};
	struct plan p = {0};
	struct kmodule *km = NULL;
	char path[PATH_MAX], *buf = malloc(CMDLINE_MAX);
	int r, n, errors = 0;

	/* root= and resume= of this boot; its vfiobind= are not the image's. */
	if (buf && root_path(path, sizeof(path), "/proc/cmdline") == 0 &&
	    (n = cmdline_read(path, buf, CMDLINE_MAX)) >= 0)
		cmdline_parse(buf, (size_t)n, &cl, &scratch, &e, &w);
	free(buf);
	r = pci_scan(&pci);
	if (r < 0) {
		/* A chroot or container without /sys: build a generic image
		 * rather than none; the boot then fails closed. */
		fprintf(stderr,
			"warning: cannot read this host's PCI devices (%s): no record written; at boot storage "
			"controllers are refused unless 'force'\n",
			strerror(-r));
		conf_free(&scratch);
		diags_free(&e);
		diags_free(&w);
		return 0;
	}
	if ((km = kmodule_open()) == NULL)
		r = -ENOMEM;
	if (r == 0)
		r = storage_scan(&st, &cl);
	if (r == 0)
		r = plan_build(c, &pci, km, &st, &p);
	for (size_t i = 0; r == 0 && i < p.n; i++) {
		const struct plan_entry *pe = &p.e[i];
		const char *why = pe->f ? record_list_find(&st.holds, pe->f->name) : NULL;
		char org[256];

		if (why == NULL)
			continue;
		selector_origin(pe->sel, org, sizeof(org));
		if (pe->sel->force) {
			fprintf(stderr, "warning: %s: %s: %s; bound anyway at boot (force)\n", org, pe->f->name, why);
			continue;
		}
		fprintf(stderr, "%s: %s: %s; the host needs it: remove the line, or add the word 'force'\n", org,
			pe->f->name, why);
		errors++;
	}
	if (r == 0 && errors == 0 && o->record) {
		r = plan_predict_blockers(&pci, km, &block);
		if (r == 0)
			r = record_write(o->record, &st.holds, &block);
		if (r < 0)
			fprintf(stderr, "vfiobind: cannot write the record into %s: %s\n", o->record, strerror(-r));
		for (size_t i = 0; r == 0 && !o->quiet && i < st.holds.n; i++)
			printf("protected: %s %s\n", st.holds.v[i].fn, st.holds.v[i].text);
		for (size_t i = 0; r == 0 && !o->quiet && i < block.n; i++)
			printf("blocker: %s %s\n", block.v[i].fn, block.v[i].text);
	} else if (r < 0) {
		fprintf(stderr, "vfiobind: cannot read this host's devices: %s\n", strerror(-r));
	}
	record_list_free(&block);
	plan_free(&p);
	storage_free(&st);
	kmodule_close(km);
	pci_list_free(&pci);
	conf_free(&scratch);
	diags_free(&e);
	diags_free(&w);
	return r < 0 ? r : errors;
}

/* doctor: read everything, act on nothing; exit 0 when no check fails. */
static int cmd_doctor(const struct opts *o)
{
	struct input in = {0};
	struct findings d = {0};
	struct doctor_input di;
	int r, rc;

	log_setup(NULL, true, o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_ERR);
	r = read_input(o, &in, false);
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
	rc = scan_and_plan(&in);
	if (rc != EXIT_OK) {
		findings_free(&d);
		input_free(&in);
		return rc;
	}
	di = (struct doctor_input){&in.conf, in.conf_path, in.conf_name, &in.cl, &in.pci, &in.plan, in.km};
	doctor_run(&di, &d);
	vm_doctor(&in.conf, &d);
	rc = findings_print(stdout, &d, o->json) > 0 ? EXIT_PARTIAL : EXIT_OK;
	if (fflush(stdout) != 0)
		rc = EXIT_SYSTEM;
	findings_free(&d);
	input_free(&in);
	return rc;
}

static int cmd_check(const struct opts *o, const char *file)
{
	struct conf c = {0};
	struct diags errs = {0};
	char path[PATH_MAX];
	const char *name;
	int r;

	log_setup(NULL, true, LOG_PRIO_WARNING);
	if (file) {
		name = file;
		snprintf(path, sizeof(path), "%s", file);
	} else if (o->config) {
		name = o->config;
		snprintf(path, sizeof(path), "%s", o->config);
	} else {
		name = CONF_DEFAULT_PATH;
		if (root_path(path, sizeof(path), CONF_DEFAULT_PATH) < 0)
			return EXIT_USAGE;
	}
	r = conf_parse_file(path, name, true, &c, &errs);
	if (r >= 0 && conf_check_secure(path, name, &errs) < 0)
		r++;
	for (size_t i = 0; i < errs.n && i < errs.cap; i++)
		fprintf(stderr, "%s\n", errs.msg[i] ? errs.msg[i] : "(message lost: out of memory)");
	if (r >= 0 && o->devices_only) {
		/* The image build asks: only the device list decides what the
		 * initramfs does, and a launcher typo must not leave the next
		 * image without vfiobind. The launcher refuses such a VM. */
		const struct diags *vd = c.vms ? &c.vms->errs : NULL;

		for (size_t i = 0; vd && i < vd->n && i < vd->cap; i++)
			fprintf(stderr, "warning: %s (the VM launcher will refuse this VM)\n",
				vd->msg[i] ? vd->msg[i] : "(message lost: out of memory)");
	} else if (r >= 0) {
		r += vmcmd_check_errors(&c);
	}
	if (r == 0) {
		/* The image build runs this: a leftover ids= line in modprobe.d
		 * goes into the image with it. The functions it would take are
		 * this machine's, when its sysfs can be read. */
		struct pci_list pci = {0};
		struct plan plan = {0};
		bool scanned = pci_scan(&pci) == 0 && plan_build(&c, &pci, NULL, NULL, &plan) == 0;

		warn_vfio_ids(scanned ? &pci : NULL, scanned ? &plan : NULL, stderr);
		plan_free(&plan);
		pci_list_free(&pci);
	}
	if (r == 0 && o->record) {
		int h = check_host(o, &c);

		r = h < 0 ? h : r + h;
	}
	if (r == 0 && !o->quiet) {
		printf("%s: %zu selector%s, no errors\n", name, c.n, c.n == 1 ? "" : "s");
		vmcmd_check_summary(stdout, &c);
	}
	conf_free(&c);
	diags_free(&errs);
	if (r < 0)
		return EXIT_SYSTEM;
	return r > 0 ? EXIT_CONFIG : EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"root", required_argument, NULL, 'r'},   {"config", required_argument, NULL, 'c'},
	    {"quiet", no_argument, NULL, 'q'},	      {"debug", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},	      {"version", no_argument, NULL, 'V'},
	    {"devices-only", no_argument, NULL, 'D'}, {"record", required_argument, NULL, 'R'},
	    {"json", no_argument, NULL, 'j'},	      {NULL, 0, NULL, 0},
	};
	struct opts o = {0};
	const char *cmd;
	int c;

	while ((c = getopt_long(argc, argv, "+r:c:qdDR:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.root = optarg;
			break;
		case 'c':
			o.config = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'd':
			o.debug = true;
			break;
		case 'D':
			o.devices_only = true;
			break;
		case 'R':
			o.record = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("vfiobind %s\n", VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (root_set(o.root) < 0) {
		fprintf(stderr, "vfiobind: --root: path too long\n");
		return EXIT_USAGE;
	}
	cmd = argv[optind++];

	if (strcmp(cmd, "check") == 0) {
		if (argc - optind > 1) {
			usage(stderr);
			return EXIT_USAGE;
		}
		return cmd_check(&o, optind < argc ? argv[optind] : NULL);
	}
	/* Hidden: the shell completions' source of live candidates. */
	if (strcmp(cmd, "complete") == 0)
		return complete_main(o.config, argc - optind, argv + optind);
	if (vmcmd_is(cmd)) {
		struct vmcmd_opts vo = {.config = o.config, .quiet = o.quiet, .debug = o.debug};

		return vmcmd_main(cmd, &vo, argc - optind, argv + optind);
	}
	if (optind != argc) {
		fprintf(stderr, "vfiobind: %s takes no arguments\n", cmd);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "bind") == 0)
		return cmd_bind(&o);
	if (strcmp(cmd, "plan") == 0)
		return cmd_report(&o, 'p');
	if (strcmp(cmd, "list") == 0)
		return cmd_report(&o, 'l');
	if (strcmp(cmd, "status") == 0)
		return cmd_report(&o, 's');
	if (strcmp(cmd, "doctor") == 0)
		return cmd_doctor(&o);
	fprintf(stderr, "vfiobind: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
