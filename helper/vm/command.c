// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * command.c - reading what the VM commands need, running them, and turning
 * their results into the documented exit codes.
 */
#include "vm/command.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "basic/exitcode.h"
#include "basic/log.h"
#include "basic/sysfs.h"
#include "config/cmdline.h"
#include "config/load.h"
#include "config/vmconf.h"
#include "report/report.h"
#include "system/cpu.h"
#include "system/kmodule.h"
#include "system/pci.h"
#include "system/storage.h"
#include "system/vmcpu.h"
#include "system/vmdisk.h"
#include "vm/devices.h"
#include "vm/holders.h"
#include "vm/release.h"
#include "vm/vm.h"

struct vload {
	char conf_path[PATH_MAX];
	const char *conf_name;
	struct conf conf;
	struct cmdline cl;
	struct diags errs;
	struct diags warns;
	struct pci_list pci;
	const struct vm *vm;
	struct vmdevs devs;
};

static void vload_free(struct vload *L)
{
	vmdevs_free(&L->devs);
	pci_list_free(&L->pci);
	conf_free(&L->conf);
	diags_free(&L->errs);
	diags_free(&L->warns);
}

static void print_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->n && i < d->cap; i++)
		ERR("%s", d->msg[i] ? d->msg[i] : "(message lost: out of memory)");
}

/* The config (required), its hygiene, and the kernel command line.
 * Returns an exit code; errors are logged. The [vm] sections' errors are
 * vload_vm()'s: a mistake in one VM refuses that VM alone. */
static int vload_config(const struct vmcmd_opts *o, struct vload *L)
{
	int nerr;

	nerr = config_load(o->config, true, L->conf_path, &L->conf_name, &L->conf, &L->cl, &L->errs, &L->warns);
	if (nerr == -ENAMETOOLONG)
		return EXIT_USAGE;
	if (nerr < 0)
		return EXIT_SYSTEM;
	/* The launcher runs what this file says and hands the disks it
	 * names to a user: a file others could write is not trusted. */
	if (conf_check_secure(L->conf_path, L->conf_name, &L->errs) < 0)
		nerr++;
	print_diags(&L->errs);
	return nerr ? EXIT_CONFIG : EXIT_OK;
}

/* VM @name, refused with its own section's errors. When there is no
 * such VM, every section error is shown: a mistyped header may be why. */
static int vload_vm(struct vload *L, const char *name)
{
	L->vm = vmconf_find(L->conf.vms, name);
	if (L->vm == NULL) {
		if (L->conf.vms)
			print_diags(&L->conf.vms->errs);
		ERR("no [vm %s] in %s", name, L->conf_name);
		return EXIT_CONFIG;
	}
	print_diags(&L->vm->errs);
	return L->vm->errs.n ? EXIT_CONFIG : EXIT_OK;
}

/* The storage guard for the VM's disk = lines: one that holds what the
 * host needs is refused unless its line says 'force' (a warning then).
 * Like a section error, a refusal stops the command before the devices. */
static int vload_disks(struct vload *L, bool run)
{
	struct diags errs = {0}, warns = {0};
	struct storage st;
	size_t refused;

	if (L->vm->disk.n == 0)
		return EXIT_OK;
	if (storage_scan(&st, &L->cl) < 0) {
		storage_free(&st);
		ERR("VM %s: cannot read this host's block devices: %s", L->vm->name, strerror(ENOMEM));
		return EXIT_SYSTEM;
	}
	refused = vmdisk_guard(L->vm, &st, NULL, &errs, &warns);
	for (size_t i = 0; i < warns.n && i < warns.cap; i++)
		WRN("%s", warns.msg[i] ? warns.msg[i] : "(message lost: out of memory)");
	print_diags(&errs);
	if (refused && run)
		ERR("VM %s not started: %zu disk%s the host needs (above)", L->vm->name, refused,
		    refused == 1 ? " holds what" : "s hold what");
	storage_free(&st);
	diags_free(&errs);
	diags_free(&warns);
	return refused ? EXIT_CONFIG : EXIT_OK;
}

/* memory = (or -m) against this host's memory in all (vmmem_check()):
 * more than the host has refuses the VM. A /proc/meminfo that cannot be
 * read checks nothing: QEMU's own allocation is the last word. */
static int vload_memory(struct vload *L, bool run)
{
	struct diags errs = {0};
	size_t refused = vmmem_check(L->vm, cpu_mem_total_kb(-1), &errs);

	print_diags(&errs);
	if (refused && run)
		ERR("VM %s not started: its memory (above)", L->vm->name);
	diags_free(&errs);
	return refused ? EXIT_CONFIG : EXIT_OK;
}

/* cpus = and emulator-cpus = against this host (vmcpu.h): an absent or
 * offline CPU refuses the VM, the rest are warnings; on @out (vm check)
 * what the vCPUs get. A host whose CPUs
 * cannot be read is a system error when they are needed. */
static int vload_cpus(struct vload *L, bool run, FILE *out)
{
	struct diags errs = {0}, warns = {0};
	struct cpu_topo t;
	size_t refused;
	int r;

	if (L->vm->cpus == NULL && L->vm->emulator_cpus == NULL)
		return EXIT_OK;
	r = cpu_topo_read(&t);
	if (r < 0) {
		cpu_topo_free(&t);
		ERR("VM %s: cannot read this host's CPUs: %s", L->vm->name, strerror(-r));
		return EXIT_SYSTEM;
	}
	refused = vmcpu_check(L->vm, &t, &errs, &warns);
	for (size_t i = 0; i < warns.n && i < warns.cap; i++)
		WRN("%s", warns.msg[i] ? warns.msg[i] : "(message lost: out of memory)");
	print_diags(&errs);
	if (refused && run)
		ERR("VM %s not started: its CPUs (above)", L->vm->name);
	if (!refused && out && L->vm->cpus) {
		char what[1024], list[128];

		cpulist_format(L->vm->cpus, list, sizeof(list));
		vmcpu_describe(L->vm, &t, what, sizeof(what));
		fprintf(out, "VM %s: cpus %s: %s\n", L->vm->name, list, what);
	}
	cpu_topo_free(&t);
	diags_free(&errs);
	diags_free(&warns);
	return refused ? EXIT_CONFIG : EXIT_OK;
}

static int vload_devs(struct vload *L)
{
	struct diags errs = {0};
	int r;

	r = pci_scan(&L->pci);
	if (r < 0) {
		ERR("cannot read /sys/bus/pci/devices: %s", strerror(-r));
		return EXIT_SYSTEM;
	}
	r = vmdevs_resolve(L->vm, &L->conf, &L->pci, &L->devs, &errs);
	print_diags(&errs);
	diags_free(&errs);
	if (r < 0)
		return EXIT_SYSTEM;
	return r ? EXIT_PARTIAL : EXIT_OK;
}

/* config + VM + devices, each step's failure ends it. */
static int vload_all(const struct vmcmd_opts *o, struct vload *L, const char *name)
{
	int rc = vload_config(o, L);

	if (rc == EXIT_OK)
		rc = vload_vm(L, name);
	if (rc == EXIT_OK)
		rc = vload_devs(L);
	return rc;
}

static int cmd_qemu_args(const struct vmcmd_opts *o, const char *name)
{
	struct vload L = {0};
	struct strv av = {0};
	int rc;

	log_setup(NULL, true, o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_WARNING);
	rc = vload_all(o, &L, name);
	if (rc == EXIT_OK && vmdevs_qemu_args(&L.devs, &av) < 0)
		rc = EXIT_SYSTEM;
	/* One option and its value per line: $(vfiobind qemu-args NAME)
	 * splits into the right words (values never hold blanks). */
	for (size_t i = 0; rc == EXIT_OK && i + 1 < av.n; i += 2)
		printf("%s %s\n", av.v[i], av.v[i + 1]);
	if (fflush(stdout) != 0)
		rc = EXIT_SYSTEM;
	strv_free(&av);
	vload_free(&L);
	return rc;
}

static int cmd_vm_check(const struct vmcmd_opts *o, const char *name)
{
	struct vload L = {0};
	struct diags why = {0};
	int rc;

	log_setup(NULL, true, o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_WARNING);
	rc = vload_config(o, &L);
	if (rc == EXIT_OK)
		rc = vload_vm(&L, name);
	if (rc == EXIT_OK)
		rc = vload_disks(&L, false);
	if (rc == EXIT_OK)
		rc = vload_memory(&L, false);
	if (rc == EXIT_OK)
		rc = vload_cpus(&L, false, o->quiet ? NULL : stdout);
	if (rc == EXIT_OK)
		rc = vload_devs(&L);
	if (rc == EXIT_OK) {
		if (!o->quiet)
			printf("VM %s: user %s, %zu function%s in %zu IOMMU group%s\n", L.vm->name, L.vm->user,
			       L.devs.n, L.devs.n == 1 ? "" : "s", L.devs.ngroups, L.devs.ngroups == 1 ? "" : "s");
		char dev[PATH_MAX + 800];

		if (vmdevs_check(L.vm, &L.devs, &L.pci, o->quiet ? NULL : stdout, &why) > 0)
			rc = EXIT_PARTIAL;
		if (vm_dev_check(L.vm, dev, sizeof(dev)) < 0) {
			diags_add(&why, "VM %s: %s", L.vm->name, dev);
			rc = EXIT_PARTIAL;
		}
		print_diags(&why);
	}
	if (fflush(stdout) != 0)
		rc = EXIT_SYSTEM;
	diags_free(&why);
	vload_free(&L);
	return rc;
}

static int cmd_vm_run(const struct vmcmd_opts *o, const char *name)
{
	struct vload L = {0};
	struct diags why = {0};
	int rc, r;

	log_setup(NULL, true, o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_INFO);
	rc = vload_config(o, &L);
	if (L.cl.vm_off) {
		NOTICE("vfiobind.vm=off on the kernel command line: VM %s is not started this boot", name);
		/* Type=notify: an exit 0 before READY=1 fails the unit
		 * ("protocol"); after it, the unit is simply inactive. The
		 * unit's condition catches the usual spellings first. */
		vm_notify("READY=1\nSTATUS=vfiobind.vm=off: not started this boot");
		vload_free(&L);
		return EXIT_OK;
	}
	if (rc == EXIT_OK)
		rc = vload_vm(&L, name);
	if (rc == EXIT_OK)
		rc = vload_disks(&L, true);
	if (rc == EXIT_OK)
		rc = vload_memory(&L, true);
	if (rc == EXIT_OK)
		rc = vload_cpus(&L, true, NULL);
	if (rc == EXIT_OK)
		rc = vload_devs(&L);
	if (rc == EXIT_OK) {
		char stale[1024];

		/* Not a refusal: the devices may be right all the same. */
		if (status_stale(L.conf_path, L.conf_name, stale, sizeof(stale)) > 0)
			WRN("%s", stale);
	}
	if (rc == EXIT_OK && vmdevs_check(L.vm, &L.devs, &L.pci, NULL, &why) > 0) {
		print_diags(&why);
		ERR("VM %s not started: %zu problem%s above", name, why.n, why.n == 1 ? "" : "s");
		rc = EXIT_PARTIAL;
	}
	if (rc == EXIT_OK) {
		r = vm_run(L.vm, &L.devs);
		rc = r == 0			? EXIT_OK
		     : r == -ESRCH		? EXIT_CONFIG
		     : r == -EBUSY || r == -EIO ? EXIT_PARTIAL
						: EXIT_SYSTEM;
	}
	diags_free(&why);
	vload_free(&L);
	return rc;
}

static int cmd_vm_poweroff(const struct vmcmd_opts *o, const char *name)
{
	struct vload L = {0};
	int rc, r;

	log_setup(NULL, true, o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_INFO);
	/* A broken config keeps the host up, it does not fail the stop. */
	rc = vload_config(o, &L);
	if (rc == EXIT_OK)
		L.vm = vmconf_find(L.conf.vms, name);
	/* ExecStopPost: a launcher killed at the end of the stop timeout
	 * left the files it handed over; they go back first. */
	r = vm_restore_left(name);
	if (r < 0 && r != -EBUSY)
		WRN("VM %s: cannot give back what the launcher left: %s", name, strerror(-r));
	r = vm_poweroff(name, L.vm, &L.cl);
	vload_free(&L);
	return r < 0 ? EXIT_SYSTEM : EXIT_OK;
}

static int cmd_vm_qmp(const struct vmcmd_opts *o, const char *name, const char *command)
{
	int r;

	log_setup(NULL, true, o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_WARNING);
	r = vm_qmp(name, command);
	if (r == -EINVAL) {
		ERR("vm qmp: '%s' is neither a QMP command name nor a one-line JSON object", command);
		return EXIT_USAGE;
	}
	if (r == -ENOENT) {
		ERR("VM %s is not running (no QMP monitor at " VM_RUN_DIR "/%s/qmp.sock)", name, name);
		return EXIT_PARTIAL;
	}
	if (r < 0) {
		ERR("VM %s: QMP: %s", name, strerror(-r));
		return EXIT_SYSTEM;
	}
	return r ? EXIT_PARTIAL : EXIT_OK;
}

static int cmd_release(const struct vmcmd_opts *o, const char *what)
{
	struct selector sel;
	struct pci_list pci = {0};
	struct kmodule *km;
	char err[256], kmsg[PATH_MAX];
	int r;

	if (selector_parse(what, strlen(what), &sel, err, sizeof(err)) < 0) {
		fprintf(stderr, "vfiobind: release: %s\n", err);
		return EXIT_USAGE;
	}
	if (sel.kind == SEL_ID) {
		fprintf(stderr,
			"vfiobind: release takes a PCI address or slot (0000:03:00.1, 0000:03:00), not an ID\n");
		return EXIT_USAGE;
	}
	/* A driver change on a live host: to the kernel log as well. */
	if (root_path(kmsg, sizeof(kmsg), "/dev/kmsg") < 0)
		kmsg[0] = '\0';
	log_setup(kmsg, !o->quiet, o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_INFO);
	r = pci_scan(&pci);
	if (r < 0) {
		ERR("cannot read /sys/bus/pci/devices: %s", strerror(-r));
		return EXIT_SYSTEM;
	}
	km = kmodule_open();
	r = release_functions(&sel, &pci, km);
	kmodule_close(km);
	pci_list_free(&pci);
	if (r == -ENOENT || r > 0)
		return EXIT_PARTIAL;
	return r < 0 ? EXIT_SYSTEM : EXIT_OK;
}

static bool want_args(const char *what, int argc, int n)
{
	if (argc == n)
		return true;
	fprintf(stderr, "vfiobind: %s takes %d argument%s\n", what, n, n == 1 ? "" : "s");
	return false;
}

int vmcmd_main(const char *cmd, const struct vmcmd_opts *o, int argc, char **argv)
{
	const char *sub;

	if (strcmp(cmd, "qemu-args") == 0)
		return want_args("qemu-args NAME", argc, 1) ? cmd_qemu_args(o, argv[0]) : EXIT_USAGE;
	if (strcmp(cmd, "release") == 0)
		return want_args("release ADDRESS|SLOT", argc, 1) ? cmd_release(o, argv[0]) : EXIT_USAGE;
	if (argc < 2) {
		fprintf(stderr, "vfiobind: vm takes a subcommand and a VM name: vm check|run|poweroff|qmp NAME\n");
		return EXIT_USAGE;
	}
	sub = argv[0];
	if (!vm_name_valid(argv[1])) {
		fprintf(stderr, "vfiobind: '%s' is not a VM name\n", argv[1]);
		return EXIT_USAGE;
	}
	if (strcmp(sub, "check") == 0)
		return want_args("vm check NAME", argc - 1, 1) ? cmd_vm_check(o, argv[1]) : EXIT_USAGE;
	if (strcmp(sub, "run") == 0)
		return want_args("vm run NAME", argc - 1, 1) ? cmd_vm_run(o, argv[1]) : EXIT_USAGE;
	if (strcmp(sub, "poweroff") == 0)
		return want_args("vm poweroff NAME", argc - 1, 1) ? cmd_vm_poweroff(o, argv[1]) : EXIT_USAGE;
	if (strcmp(sub, "qmp") == 0)
		return want_args("vm qmp NAME COMMAND", argc - 1, 2) ? cmd_vm_qmp(o, argv[1], argv[2]) : EXIT_USAGE;
	fprintf(stderr, "vfiobind: unknown vm subcommand '%s' (check, run, poweroff, qmp)\n", sub);
	return EXIT_USAGE;
}
