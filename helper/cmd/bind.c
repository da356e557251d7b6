// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bind.c - `vfiobind bind`: what the initramfs hooks run. Reads the
 * device list and the command line, plans, applies, verifies, writes
 * /run/vfiobind/status and logs every step to the kernel log. With an
 * address, `vfiobind bind 0000:05:00.0` is the late bind the udev rule
 * (udev/69-vfiobind.rules) runs for a function that appears after the
 * initramfs: the same plan and sequence, narrowed to that function's
 * IOMMU group, with an exit before the machine is read for the functions
 * coldplug replays that the list does not select. A vfs= PF's run (at
 * boot when its driver is bound, or on its udev bind event) creates its
 * VFs first (apply/sriov.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "apply/apply.h"
#include "apply/sriov.h"
#include "basic/exitcode.h"
#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/sysfs.h"
#include "cmd/command.h"
#include "cmd/input.h"
#include "plan/plan.h"
#include "report/report.h"

/*
 * One bind at a time: a PF's run creates VFs whose own udev add events
 * start runs of their own; those wait here, then find their VF on
 * vfio-pci. The lock goes with the process.
 */
static void bind_lock(void)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd;

	if (root_path(dir, sizeof(dir), STATUS_DIR) < 0 || root_path(path, sizeof(path), STATUS_DIR "/lock") < 0)
		return;
	fs_mkdir_p(dir, 0755);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		WRN("cannot lock %s: %s", path, strerror(errno));
}

/*
 * An image the hook built without binding (its check of the config failed
 * at build time): log the hook's reason, write it to the status file, bind
 * nothing. Returns -1 when the image has no such marker, else the exit code.
 */
static int bind_disabled(void)
{
	char path[PATH_MAX], *buf = NULL;
	const char *reason = "no reason recorded";
	int r;

	if (root_path(path, sizeof(path), "%s", IMAGE_DISABLED_FILE) < 0)
		return -1;
	r = read_full(path, 4096, READ_FULL_TRUNCATE, &buf, NULL);
	if (r == -ENOENT)
		return -1;
	if (r == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0])
			reason = buf;
	}
	ERR("the image was built without binding: %s; rebuild after fixing it", reason);
	if (status_write_disabled(reason) < 0)
		WRN("cannot write %s", STATUS_FILE);
	free(buf);
	return EXIT_CONFIG;
}

/* The config and the command line into @in (input_config()), the status
 * file told which config it was, and the log set up again with the
 * command line's vfiobind.debug. Returns input_config()'s result. */
static int bind_input(const struct opts *o, struct input *in, const char *kmsg, int prio)
{
	int r = input_config(o, in);

	if (r >= 0)
		status_set_config(in->conf_path, in->conf_name);
	log_setup(kmsg, !o->quiet, in->cl.debug ? LOG_PRIO_DEBUG : prio);
	return r;
}

/*
 * The config and the command line, and what they alone decide: off for
 * this boot, a config with errors, nothing declared. Returns -1 when bind
 * goes on to the machine, else the exit code (status written).
 */
static int bind_config(const struct opts *o, struct input *in, const char *kmsg)
{
	int r, prio = o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_INFO;

	log_setup(kmsg, !o->quiet, prio);
	r = bind_disabled();
	if (r >= 0)
		return r;
	r = bind_input(o, in, kmsg, prio);
	if (r < 0) {
		ERR("reading the configuration failed: %s", strerror(-r));
		return EXIT_SYSTEM;
	}
	input_log_diags(&in->warns, LOG_PRIO_WARNING);
	if (in->cl.off) {
		NOTICE("vfiobind=off on the kernel command line: binding nothing this boot");
		if (r == 0)
			status_write(&in->plan, true);
		return EXIT_OK;
	}
	if (r == 0 && conf_check_secure(in->conf_path, in->conf_name, &in->errs) < 0)
		r = 1;
	if (r > 0) {
		input_log_diags(&in->errs, LOG_PRIO_ERR);
		ERR("%d error%s in the device list: binding nothing (a partial binding helps no VM)", r,
		    r > 1 ? "s" : "");
		status_write(&in->plan, false);
		return EXIT_CONFIG;
	}
	if (in->conf.n == 0) {
		INF("no devices declared in %s or on the kernel command line", in->conf_name);
		status_write(&in->plan, false);
		return EXIT_OK;
	}
	return -1;
}

/* Without an IOMMU nothing can be bound safely: every entry refused. */
static int bind_no_iommu(struct plan *p)
{
	report_no_iommu();
	for (size_t i = 0; i < p->n; i++)
		if (p->e[i].action != PLAN_ABSENT)
			p->e[i].result = RESULT_REFUSED;
	status_write(p, false);
	return EXIT_SYSTEM;
}

/* The verdict: every declared function (bridges and absent optional ones
 * aside) on vfio-pci, or which are not. */
static int bind_verdict(const struct plan *p, int applied)
{
	size_t on = 0, total = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->e[i];

		if (e->f && e->f->is_bridge)
			continue;
		if (e->action == PLAN_ABSENT && (e->sel->optional || e->pending))
			continue;
		if (e->action == PLAN_VFS && e->result != RESULT_FAILED)
			continue;
		total++;
		on += e->result == RESULT_BOUND || e->result == RESULT_ALREADY;
	}
	if (status_write(p, false) < 0)
		WRN("cannot write %s", STATUS_FILE);
	if (on == total)
		NOTICE("%zu of %zu declared functions on vfio-pci", on, total);
	else
		ERR("%zu of %zu declared functions on vfio-pci; the others keep their host drivers", on, total);
	return applied < 0 ? EXIT_SYSTEM : on == total ? EXIT_OK : EXIT_PARTIAL;
}

/* The machine read and planned: apply the plan and verify it. */
static int bind_machine(struct input *in)
{
	int r;

	if (in->plan.no_iommu && plan_count(&in->plan, PLAN_REFUSE) > 0)
		return bind_no_iommu(&in->plan);
	/* A vfs= PF with its driver bound: its VFs, then a plan that sees them. */
	if (sriov_create(&in->plan, NULL) > 0 && (r = input_rescan(in)) != EXIT_OK)
		return r;
	report_log_plan(&in->plan);
	input_warn_vfio_ids(&in->pci, &in->plan, in->km, true, NULL);
	r = apply_plan(&in->plan, in->km);
	sriov_finish(&in->plan, &in->pci);
	apply_check_undeclared(&in->plan, &in->pci);
	return bind_verdict(&in->plan, r);
}

/*
 * What a late bind can decide from the function's own sysfs files, before
 * pci_scan(): it is gone, already on vfio-pci, or no selector can choose
 * it. Coldplug runs this once per PCI function; each of these is a debug
 * line and exit 0. A function a selector may choose takes the bind lock
 * before the last check, so that a VF's event waits for its PF's run.
 * Returns -1 when the machine must be read.
 */
static int late_quick(const struct input *in, const char *name, const struct pci_addr *a)
{
	char path[PATH_MAX], drv[64];
	unsigned long vendor, device;
	struct pci_addr pf;
	struct pci_id id;
	bool vf = false;

	if (root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", name) < 0 ||
	    sysfs_read_hex(path, &vendor) < 0 || vendor > 0xffff) {
		DBG("%s: no such PCI function (gone before its udev event ran)", name);
		return EXIT_OK;
	}
	if (root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/device", name) < 0 ||
	    sysfs_read_hex(path, &device) < 0 || device > 0xffff) {
		DBG("%s: cannot read its device ID", name);
		return EXIT_OK;
	}
	id.vendor = (uint16_t)vendor;
	id.device = (uint16_t)device;
	/* A VF: only when the list names VFs is its physfn link read. */
	if (plan_has_vfs(&in->conf) && root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/physfn", name) == 0 &&
	    sysfs_read_link_name(path, drv, sizeof(drv)) > 0 && pci_addr_parse(drv, strlen(drv), &pf) == 0)
		vf = true;
	if (!plan_may_select(&in->conf, a, &id, vf ? &pf : NULL)) {
		DBG("%s (%04x:%04x): not in the device list, untouched", name, id.vendor, id.device);
		return EXIT_OK;
	}
	bind_lock();
	if (root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", name) == 0 &&
	    sysfs_read_link_name(path, drv, sizeof(drv)) > 0 && strcmp(drv, "vfio-pci") == 0) {
		DBG("%s (%04x:%04x): already on vfio-pci, nothing to do", name, id.vendor, id.device);
		return EXIT_OK;
	}
	return -1;
}

/* Whether a late bind for the entry @t takes the entry @e of @p. */
typedef bool late_keep_fn(const struct plan *p, const struct plan_entry *e, const struct plan_entry *t);

/* A function's add event: @t and the rest of its IOMMU group. */
static bool late_in_group(const struct plan *p, const struct plan_entry *e, const struct plan_entry *t)
{
	(void)p;
	return e == t ||
	       (e->f && e->action != PLAN_ABSENT && t->f->iommu_group >= 0 && e->f->iommu_group == t->f->iommu_group);
}

/*
 * The plan narrowed to the entries @keep takes for @t, in @late: copied
 * (they point into @p's functions and selectors), no notes, so an event
 * applies and logs its own part and nothing else.
 * Returns 0, or -ENOMEM.
 */
static int late_narrow(const struct plan *p, const struct plan_entry *t, late_keep_fn *keep, struct plan *late)
{
	*late = (struct plan){.no_iommu = p->no_iommu};
	late->e = calloc(p->n, sizeof(*late->e));
	if (late->e == NULL)
		return -ENOMEM;
	late->cap = p->n;
	for (size_t i = 0; i < p->n; i++)
		if (keep(p, &p->e[i], t))
			late->e[late->n++] = p->e[i];
	return 0;
}

/*
 * The status file after a late bind: the group's entries with what this
 * run did, every other line as the machine stands now (already on
 * vfio-pci, refused, absent, or "none": not bound and not this event's).
 */
static void late_status(struct plan *p, const struct plan *late)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];
		bool done = false;

		for (size_t j = 0; j < late->n && !done; j++)
			if (late->e[j].f == e->f && late->e[j].sel == e->sel) {
				*e = late->e[j];
				done = true;
			}
		if (done)
			continue;
		e->result = e->action == PLAN_SKIP     ? RESULT_ALREADY
			    : e->action == PLAN_REFUSE ? RESULT_REFUSED
			    : e->pending	       ? RESULT_PENDING
			    : e->action == PLAN_ABSENT ? RESULT_ABSENT
						       : RESULT_NONE;
		if (e->action == PLAN_VFS)
			e->result = e->f->sriov_num == e->sel->vfs ? RESULT_VFS : RESULT_PENDING;
	}
	if (status_write(p, false) < 0)
		WRN("cannot write %s", STATUS_FILE);
}

/* The plan's entry for the function named @name, or NULL. */
static struct plan_entry *late_find(struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->e[i].f && strcmp(p->e[i].f->name, name) == 0)
			return &p->e[i];
	return NULL;
}

/* Whether @e is a VF of @pf, made or still pending. */
static bool late_vf_of(const struct plan_entry *e, const struct pci_func *pf)
{
	if (e->f)
		return e->f->is_vf && pci_addr_cmp(&e->f->physfn, &pf->addr) == 0;
	return e->pending && pci_addr_cmp(&e->sel->addr, &pf->addr) == 0;
}

/* Whether a vfs= PF @t's run takes @e: the PF, its VFs, and each VF's
 * IOMMU group whole, as at boot. */
static bool late_pf_part(const struct plan *p, const struct plan_entry *e, const struct plan_entry *t)
{
	bool take = e == t || late_vf_of(e, t->f);

	for (size_t j = 0; j < p->n && !take && e->f && e->f->iommu_group >= 0; j++)
		take = p->e[j].f && late_vf_of(&p->e[j], t->f) && p->e[j].f->iommu_group == e->f->iommu_group;
	return take;
}

/*
 * A vfs= PF's bind event (or its add at coldplug, its driver bound): its
 * VFs created, then the plan narrowed to the PF, its VFs and their IOMMU
 * groups, applied as at boot.
 */
static int late_pf(struct input *in, const char *name)
{
	struct plan_entry *t = late_find(&in->plan, name);
	struct plan late;
	size_t on = 0, total = 0;
	int r;

	NOTICE("%s (%04x:%04x) has its driver %s: its virtual functions (vfs=%u)", name, t->f->id.vendor,
	       t->f->id.device, t->f->driver[0] ? t->f->driver : "none", t->sel->vfs);
	if (sriov_create(&in->plan, t->f) > 0 && (r = input_rescan(in)) != EXIT_OK)
		return r;
	t = late_find(&in->plan, name);
	if (t == NULL || t->action != PLAN_VFS) {
		ERR("%s: %s", name, t && t->reason[0] ? t->reason : "no longer planned with vfs=");
		return EXIT_PARTIAL;
	}
	if (late_narrow(&in->plan, t, late_pf_part, &late) < 0)
		return EXIT_SYSTEM;
	report_log_plan(&late);
	r = apply_plan(&late, in->km);
	sriov_finish(&late, &in->pci);
	late_status(&in->plan, &late);
	for (size_t i = 0; i < late.n; i++) {
		const struct plan_entry *e = &late.e[i];

		if (e->action == PLAN_VFS ? e->result == RESULT_FAILED : !e->pending && late_vf_of(e, t->f)) {
			total++;
			on += e->result == RESULT_BOUND || e->result == RESULT_ALREADY;
		}
	}
	plan_free(&late);
	if (on == total) {
		NOTICE("%s: %zu of %zu declared virtual functions on vfio-pci", name, on, total);
		return EXIT_OK;
	}
	ERR("%s: %zu of %zu declared virtual functions on vfio-pci", name, on, total);
	return r < 0 ? EXIT_SYSTEM : EXIT_PARTIAL;
}

/* `vfiobind bind ADDRESS`: one function's udev add event. */
static int bind_late(const struct opts *o, struct input *in, const char *kmsg, const char *name)
{
	struct pci_addr a;
	struct plan_entry *t;
	struct plan late;
	int r, prio = o->debug ? LOG_PRIO_DEBUG : LOG_PRIO_INFO;

	log_setup(kmsg, !o->quiet, prio);
	if (pci_addr_parse(name, strlen(name), &a) < 0 || strlen(name) != 12) {
		fprintf(stderr, "vfiobind: bind: '%s' is not a PCI function's sysfs name (0000:05:00.0)\n", name);
		return EXIT_USAGE;
	}
	r = bind_input(o, in, kmsg, prio);
	if (r < 0) {
		ERR("%s: reading the configuration failed: %s", name, strerror(-r));
		return EXIT_SYSTEM;
	}
	if (in->cl.off) {
		DBG("%s: vfiobind=off on the kernel command line: untouched", name);
		return EXIT_OK;
	}
	if (r == 0 && conf_check_secure(in->conf_path, in->conf_name, &in->errs) < 0)
		r = 1;
	if (r > 0) {
		input_log_diags(&in->errs, LOG_PRIO_ERR);
		ERR("%s: the device list has errors: not bound", name);
		return EXIT_CONFIG;
	}
	r = late_quick(in, name, &a);
	if (r >= 0)
		return r;
	r = input_machine(in);
	if (r != EXIT_OK)
		return r;
	t = late_find(&in->plan, name);
	if (t == NULL) {
		DBG("%s: no selector chose it, untouched", name);
		return EXIT_OK;
	}
	if (t->action == PLAN_SKIP) {
		DBG("%s: already on vfio-pci, nothing to do", name);
		return EXIT_OK;
	}
	if (t->action == PLAN_VFS && !t->f->driver[0]) {
		DBG("%s: no driver yet: its virtual functions come with its bind event", name);
		return EXIT_OK;
	}
	if (t->action == PLAN_VFS)
		return in->plan.no_iommu ? bind_no_iommu(&in->plan) : late_pf(in, name);
	NOTICE("%s (%04x:%04x) appeared after boot and is declared: binding it", name, t->f->id.vendor,
	       t->f->id.device);
	if (in->plan.no_iommu)
		return bind_no_iommu(&in->plan);
	if (late_narrow(&in->plan, t, late_in_group, &late) < 0) {
		ERR("%s: %s", name, strerror(ENOMEM));
		return EXIT_SYSTEM;
	}
	report_log_plan(&late);
	r = apply_plan(&late, in->km);
	late_status(&in->plan, &late);
	plan_free(&late);
	if (t->result == RESULT_BOUND || t->result == RESULT_ALREADY) {
		NOTICE("%s on vfio-pci", name);
		return EXIT_OK;
	}
	ERR("%s stays off vfio-pci: %s", name, t->reason[0] ? t->reason : plan_result_str(t->result));
	return r < 0 ? EXIT_SYSTEM : EXIT_PARTIAL;
}

int cmd_bind(const struct opts *o, int argc, char **argv)
{
	struct input in = {0};
	char kmsg[PATH_MAX];
	int rc;

	if (!cmd_want_args("bind", argc, 0, 1))
		return EXIT_USAGE;
	if (root_path(kmsg, sizeof(kmsg), "/dev/kmsg") < 0)
		kmsg[0] = '\0';
	if (argc == 1) {
		rc = bind_late(o, &in, kmsg, argv[0]);
		input_free(&in);
		return rc;
	}
	rc = bind_config(o, &in, kmsg);
	if (rc < 0) {
		bind_lock();
		rc = input_machine(&in);
		if (rc == EXIT_OK)
			rc = bind_machine(&in);
	}
	input_free(&in);
	return rc;
}
