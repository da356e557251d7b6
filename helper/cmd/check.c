// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check.c - `vfiobind check [FILE]`: a config checked without acting
 * (doas -C is the model). The image build runs it with --devices-only
 * and --record DIR: then it also holds the device list against this host
 * (a declared function below what the host needs fails the build) and
 * writes what bind must refuse at boot into the image.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/exitcode.h"
#include "basic/log.h"
#include "basic/str.h"
#include "basic/sysfs.h"
#include "cmd/command.h"
#include "cmd/input.h"
#include "config/conf.h"
#include "config/vmconf.h"
#include "plan/plan.h"
#include "system/cpu.h"
#include "system/record.h"
#include "system/storage.h"
#include "system/vmcpu.h"
#include "system/vmdisk.h"

/* The host as the image build sees it. */
struct host {
	struct pci_list pci;
	struct storage st;
	struct cmdline cl;
	struct kmodule *km;
	struct plan p;
};

static void host_free(struct host *h)
{
	plan_free(&h->p);
	storage_free(&h->st);
	kmodule_close(h->km);
	pci_list_free(&h->pci);
}

/* root= and resume= of this boot; its vfiobind= are not the image's. */
static void host_cmdline(struct cmdline *cl)
{
	struct conf scratch = {0};
	struct diags e = {0}, w = {0};
	char path[PATH_MAX], *buf = malloc(CMDLINE_MAX);
	int n;

	if (buf && root_path(path, sizeof(path), "/proc/cmdline") == 0 &&
	    (n = cmdline_read(path, buf, CMDLINE_MAX)) >= 0)
		cmdline_parse(buf, (size_t)n, cl, &scratch, &e, &w);
	free(buf);
	conf_free(&scratch);
	diags_free(&e);
	diags_free(&w);
}

/* Every declared function the host needs is an error unless 'force'.
 * Return: the number of errors. */
static int host_needs(const struct host *h)
{
	int errors = 0;

	for (size_t i = 0; i < h->p.n; i++) {
		const struct plan_entry *pe = &h->p.e[i];
		const char *why = pe->f ? record_list_find(&h->st.holds, pe->f->name) : NULL;
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
	return errors;
}

/* A needed mount the build could not follow to its block devices: the
 * boot refuses every storage controller (and for a network root every
 * network controller) unless 'force'. A warning, not an error: the image
 * is built, and the boot fails closed. */
static void host_untraced(const struct host *h)
{
	for (size_t i = 0; i < h->st.untraced.n; i++) {
		const struct record_untraced *u = &h->st.untraced.v[i];

		fprintf(
		    stderr,
		    "warning: cannot trace %s (%s) to the devices that hold it: at boot every storage controller%s is "
		    "refused unless 'force'\n",
		    u->mount, u->why, u->network ? " and every network controller" : "");
	}
}

/* What bind must know at boot, into the image's /etc/vfiobind.d. */
static int host_record(const struct opts *o, struct host *h)
{
	struct record_list block = {0};
	struct record_tie tie = {0};
	int r = plan_predict_blockers(&h->pci, h->km, &block);

	/* What ties the record to this machine: the boot checks both. */
	record_machine_id(false, tie.machine_id, sizeof(tie.machine_id));
	snprintf(tie.root, sizeof(tie.root), "%s", h->cl.root);
	if (r == 0)
		r = record_write(o->record, &tie, &h->pci, &h->st.holds, &h->st.untraced, &block);
	if (r < 0)
		fprintf(stderr, "vfiobind: cannot write the record into %s: %s\n", o->record, strerror(-r));
	for (size_t i = 0; r == 0 && !o->quiet && i < h->st.holds.n; i++)
		printf("protected: %s %s\n", h->st.holds.v[i].fn, h->st.holds.v[i].text);
	for (size_t i = 0; r == 0 && !o->quiet && i < h->st.untraced.n; i++)
		printf("untraced: %s%s (%s)\n", h->st.untraced.v[i].network ? "network " : "",
		       h->st.untraced.v[i].mount, h->st.untraced.v[i].why);
	for (size_t i = 0; r == 0 && !o->quiet && i < block.n; i++)
		printf("blocker: %s %s\n", block.v[i].fn, block.v[i].text);
	record_list_free(&block);
	return r;
}

/*
 * The image build's half of the storage and viability guards: on the
 * booted host every disk, mount and swap and the full module set are
 * visible. Return: the number of errors, or -errno.
 */
static int check_host(const struct opts *o, const struct conf *c)
{
	struct host h = {0};
	int r, errors = 0;

	host_cmdline(&h.cl);
	r = pci_scan(&h.pci);
	if (r < 0) {
		/* A chroot or container without /sys: build a generic image
		 * rather than none; the boot then fails closed. */
		fprintf(stderr,
			"warning: cannot read this host's PCI devices (%s): no record written; at boot storage "
			"controllers are refused unless 'force'\n",
			strerror(-r));
		return 0;
	}
	if ((h.km = kmodule_open()) == NULL)
		r = -ENOMEM;
	if (r == 0)
		r = storage_scan(&h.st, &h.cl);
	if (r == 0)
		r = plan_build(c, &h.pci, h.km, &h.st, &h.p);
	if (r == 0) {
		host_untraced(&h);
		errors = host_needs(&h);
	}
	if (r == 0 && errors == 0 && o->record)
		r = host_record(o, &h);
	else if (r < 0)
		fprintf(stderr, "vfiobind: cannot read this host's devices: %s\n", strerror(-r));
	host_free(&h);
	return r < 0 ? r : errors;
}

/* The [vm] sections' errors: errors of `check`, warnings of the image
 * build's `check --devices-only` (only the device list decides what the
 * initramfs does, and a launcher typo must not leave the next image
 * without vfiobind; the launcher refuses such a VM). Return: the errors. */
static int check_vms(const struct opts *o, const struct conf *c)
{
	const struct diags *d = c->vms ? &c->vms->errs : NULL;

	for (size_t i = 0; d && i < d->n && i < d->cap; i++)
		fprintf(stderr, "%s%s%s\n", o->devices_only ? "warning: " : "",
			d->msg[i] ? d->msg[i] : "(message lost: out of memory)",
			o->devices_only ? " (the VM launcher will refuse this VM)" : "");
	return d && !o->devices_only ? (int)d->n : 0;
}

/* The storage guard for every VM's disk = lines (vmdisk.h): a disk that
 * holds what the host needs is an error unless its line says 'force'. As
 * with the [vm] sections' other errors, the image build's --devices-only
 * prints them as warnings. Return: the errors. */
static int check_vm_disks(const struct opts *o, const struct conf *c)
{
	struct diags errs = {0}, warns = {0};
	struct cmdline cl = {0};
	struct storage st;
	size_t refused = 0, ndisks = 0;

	for (size_t i = 0; c->vms && i < c->vms->n; i++)
		ndisks += c->vms->vm[i].disk.n;
	if (ndisks == 0)
		return 0;
	host_cmdline(&cl);
	if (storage_scan(&st, &cl) < 0) {
		storage_free(&st);
		fprintf(stderr, "vfiobind: cannot read this host's block devices: %s\n", strerror(ENOMEM));
		return 1;
	}
	for (size_t i = 0; i < c->vms->n; i++)
		refused += vmdisk_guard(&c->vms->vm[i], &st, NULL, &errs, &warns);
	for (size_t i = 0; i < warns.n && i < warns.cap; i++)
		fprintf(stderr, "warning: %s\n", warns.msg[i] ? warns.msg[i] : "(message lost: out of memory)");
	for (size_t i = 0; i < errs.n && i < errs.cap; i++)
		fprintf(stderr, "%s%s%s\n", o->devices_only ? "warning: " : "",
			errs.msg[i] ? errs.msg[i] : "(message lost: out of memory)",
			o->devices_only ? " (the VM launcher will refuse this VM)" : "");
	storage_free(&st);
	diags_free(&errs);
	diags_free(&warns);
	return o->devices_only ? 0 : (int)refused;
}

/* Every VM's cpus = and emulator-cpus = against this host's CPUs, and its
 * memory against the host's memory (vmcpu.h): a CPU that is absent or
 * offline, or more memory than the host has, is an error, printed as a
 * warning by the image build's --devices-only as the other VM errors are;
 * CPU 0, split SMT siblings, two L3s or two nodes are warnings. Without
 * a readable /sys (an image built in a chroot) only a warning that the CPUs
 * were not checked; without /proc/meminfo, memory is not. Return: the
 * errors. */
static int check_vm_host(const struct opts *o, const struct conf *c)
{
	struct diags errs = {0}, warns = {0};
	struct cpu_topo t;
	size_t refused = 0;
	bool cpus = false, mem = false;
	unsigned long total = 0;
	int r;

	for (size_t i = 0; c->vms && i < c->vms->n; i++) {
		cpus = cpus || c->vms->vm[i].cpus || c->vms->vm[i].emulator_cpus;
		mem = mem || c->vms->vm[i].memory_mib;
	}
	/* No /proc/meminfo (an image built in a chroot): not checked here,
	 * and not worth a warning on every build; vm run checks at start. */
	if (mem)
		total = cpu_mem_total_kb(-1);
	for (size_t i = 0; total && i < c->vms->n; i++)
		refused += vmmem_check(&c->vms->vm[i], total, &errs);
	r = cpus ? cpu_topo_read(&t) : 0;
	if (r < 0)
		fprintf(stderr, "warning: cannot read this host's CPUs (%s): cpus = not checked against them\n",
			strerror(-r));
	for (size_t i = 0; cpus && r == 0 && i < c->vms->n; i++)
		refused += vmcpu_check(&c->vms->vm[i], &t, &errs, &warns);
	for (size_t i = 0; i < warns.n && i < warns.cap; i++)
		fprintf(stderr, "warning: %s\n", warns.msg[i] ? warns.msg[i] : "(message lost: out of memory)");
	for (size_t i = 0; i < errs.n && i < errs.cap; i++)
		fprintf(stderr, "%s%s%s\n", o->devices_only ? "warning: " : "",
			errs.msg[i] ? errs.msg[i] : "(message lost: out of memory)",
			o->devices_only ? " (the VM launcher will refuse this VM)" : "");
	if (cpus)
		cpu_topo_free(&t);
	diags_free(&errs);
	diags_free(&warns);
	return o->devices_only ? 0 : (int)refused;
}

/* One line per declared VM. */
static void check_summary(const char *name, const struct conf *c)
{
	printf("%s: %zu selector%s, no errors\n", name, c->n, c->n == 1 ? "" : "s");
	for (size_t i = 0; c->vms && i < c->vms->n; i++) {
		const struct vm *vm = &c->vms->vm[i];
		char res[256] = "", list[128];

		/* The performance keys, when given: what the launcher will do. */
		if (vm->memory_mib % 1024 == 0 && vm->memory_mib)
			str_append(res, sizeof(res), ", memory %lluG", vm->memory_mib / 1024);
		else if (vm->memory_mib)
			str_append(res, sizeof(res), ", memory %lluM", vm->memory_mib);
		if (vm->cpus) {
			cpulist_format(vm->cpus, list, sizeof(list));
			str_append(res, sizeof(res), ", cpus %s%s", list, vm->isolate ? " isolated" : "");
		}
		if (vm->hugepages_kb)
			str_append(res, sizeof(res), ", hugepages %s%s",
				   vm->hugepages_kb == VM_HUGE_1G_KB ? "1G" : "2M", vm->keep_hugepages ? " kept" : "");
		if (vm->reboot_restart)
			str_append(res, sizeof(res), ", reboot restart");
		printf("[vm %s] user %s, %s, %s%s, poweroff %s%s%s\n", vm->name, vm->user,
		       vm->ndev ? "devices as listed" : "every declared function", vm->qemu.n ? vm->qemu.v[0] : "-",
		       vm->tpm ? ", tpm" : "", vm->poweroff ? "yes" : "no", vm->no_sandbox ? ", no sandbox" : "", res);
	}
}

/* A line that selects a bridge: `plan` and `bind` always refuse it. */
static void check_bridges(const struct plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct plan_entry *e = &plan->e[i];
		char org[256];

		if (e->f == NULL || !e->f->is_bridge || e->sel == NULL)
			continue;
		selector_origin(e->sel, org, sizeof(org));
		fprintf(stderr, "warning: %s: %s %s: plan and bind refuse it; remove it from that line\n", org,
			e->f->name, e->reason[0] ? e->reason : "is a bridge; vfiobind never binds bridges");
	}
}

/* The image build runs check: a leftover ids= line in modprobe.d goes
 * into the image with it, and a vfio-pci.ids= of the command line is the
 * kernel's own when vfio-pci is built in. The functions it would take
 * are this machine's, when its sysfs can be read; so are the bridges a
 * line selects. */
static void check_machine(const struct conf *c)
{
	struct pci_list pci = {0};
	struct plan plan = {0};
	struct kmodule *km = kmodule_open();
	bool scanned = pci_scan(&pci) == 0 && plan_build(c, &pci, NULL, NULL, &plan) == 0;

	if (scanned)
		check_bridges(&plan);
	input_warn_vfio_ids(scanned ? &pci : NULL, scanned ? &plan : NULL, km, false, stderr);
	kmodule_close(km);
	plan_free(&plan);
	pci_list_free(&pci);
}

int cmd_check(const struct opts *o, int argc, char **argv)
{
	struct conf c = {0};
	struct diags errs = {0};
	char path[PATH_MAX];
	const char *name = argc > 0 ? argv[0] : o->config;
	int r;

	if (!cmd_want_args("check [FILE]", argc, 0, 1))
		return EXIT_USAGE;
	log_setup(NULL, true, LOG_PRIO_WARNING);
	if (name == NULL) {
		name = CONF_DEFAULT_PATH;
		if (root_path(path, sizeof(path), "%s", name) < 0)
			return EXIT_USAGE;
	} else if (snprintf(path, sizeof(path), "%s", name) >= (int)sizeof(path)) {
		return EXIT_USAGE;
	}
	r = conf_parse_file(path, name, true, &c, &errs);
	if (r >= 0)
		r += conf_check_vfs(&c, &errs);
	if (r >= 0 && conf_check_secure(path, name, &errs) < 0)
		r++;
	for (size_t i = 0; i < errs.n && i < errs.cap; i++)
		fprintf(stderr, "%s\n", errs.msg[i] ? errs.msg[i] : "(message lost: out of memory)");
	if (r >= 0)
		r += check_vms(o, &c);
	if (r >= 0)
		r += check_vm_disks(o, &c);
	if (r >= 0)
		r += check_vm_host(o, &c);
	if (r == 0)
		check_machine(&c);
	if (r == 0 && o->record) {
		int h = check_host(o, &c);

		r = h < 0 ? h : r + h;
	}
	if (r == 0 && !o->quiet)
		check_summary(name, &c);
	conf_free(&c);
	diags_free(&errs);
	if (r < 0)
		return EXIT_SYSTEM;
	return r > 0 ? EXIT_CONFIG : EXIT_OK;
}
