// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * apply.c - driver_override, unbind, drivers_probe, verify, roll back.
 */
#include "apply/apply.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/sysfs.h"

#define VFIO_DRIVER "vfio-pci"
#define VFIO_MODULE "vfio-pci"

static void fail(struct plan_entry *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct plan_entry *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	e->result = RESULT_FAILED;
	ERR("%s: %s", e->f->name, e->reason);
}

static const char *driver_desc(struct kmodule *km, const struct pci_func *f, char *buf, size_t len)
{
	kmodule_driver_text(km, f->driver, f->modalias, buf, len);
	return buf;
}

static int ensure_vfio(struct kmodule *km)
{
	char path[PATH_MAX], dropped[512];
	int r;

	if (pci_driver_registered(VFIO_DRIVER)) {
		DBG("driver %s already registered", VFIO_DRIVER);
		return 0;
	}
	INF("loading %s (%s)", VFIO_MODULE, kmodule_release(km));
	/* Never ids=: it binds by vendor:device, beyond the plan. Where it
	 * came from is logged before (modprobe_ids_describe()). */
	r = kmodule_load_without(km, VFIO_MODULE, "ids", dropped, sizeof(dropped));
	if (dropped[0])
		NOTICE("%s loaded without %s (its other options kept)", VFIO_MODULE, dropped);
	if (r == -ENOENT) {
		ERR("%s is not in /lib/modules/%s (is it in this initramfs?); binding nothing", VFIO_MODULE,
		    kmodule_release(km));
		return r;
	}
	if (r == -EXDEV) {
		ERR("binding nothing");
		return r;
	}
	if (r < 0) {
		ERR("loading %s failed: %s; binding nothing", VFIO_MODULE, strerror(-r));
		return r;
	}
	if (!pci_driver_registered(VFIO_DRIVER)) {
		ERR("%s loaded but no PCI driver %s is registered; binding nothing", VFIO_MODULE, VFIO_DRIVER);
		return -ENODEV;
	}
	/* QEMU needs the type1 IOMMU backend; vfio pulls it as a softdep,
	 * but an image built without softdep support may lack it. */
	if (root_path(path, sizeof(path), "/sys/module/vfio_iommu_type1") == 0 && !sysfs_exists(path)) {
		r = kmodule_load(km, "vfio_iommu_type1");
		if (r < 0)
			WRN("vfio_iommu_type1 is not loaded (%s): a VM will need it", strerror(-r));
	}
	return 0;
}

static void rollback_group(struct plan *p, struct kmodule *km, int group, const char *culprit)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];
		struct pci_func *f = e->f;
		bool was_vfio;
		int r;

		if (e->action != PLAN_BIND || f->iommu_group != group)
			continue;
		if (e->override_written) {
			r = pci_set_override(f, "");
			if (r < 0)
				ERR("%s: rollback: clearing driver_override failed: %s", f->name, strerror(-r));
		}
		pci_refresh_driver(f);
		was_vfio = strcmp(f->driver, VFIO_DRIVER) == 0;
		if (was_vfio) {
			r = pci_unbind(f);
			if (r < 0 && r != -ENODEV)
				ERR("%s: rollback: unbind from vfio-pci failed: %s", f->name, strerror(-r));
		}
		if (was_vfio || e->unbound_from[0]) {
			/* Let the host driver (if loaded) take it back now; if
			 * it is a module not loaded yet, coldplug will. */
			r = pci_probe(f);
			if (r < 0)
				WRN("%s: rollback: drivers_probe: %s", f->name, strerror(-r));
		}
		pci_refresh_driver(f);
		if (e->result != RESULT_FAILED) {
			char drv[PCI_NAME_MAX * 2 + 16];

			e->result = RESULT_FAILED;
			snprintf(e->reason, sizeof(e->reason),
				 "given back (IOMMU group %d is bound whole or not at all, and %s failed)", group,
				 culprit);
			ERR("%s: %s; driver now %s", f->name, e->reason,
			    f->driver[0] ? driver_desc(km, f, drv, sizeof(drv)) : "none");
		} else {
			INF("%s: given back; driver now %s", f->name, f->driver[0] ? f->driver : "none");
		}
	}
}

/* Bind every PLAN_BIND entry of @group. Returns the number of failures. */
static int bind_group(struct plan *p, struct kmodule *km, int group)
{
	char drv[PCI_NAME_MAX * 2 + 16];
	const char *culprit = NULL;
	int failed = 0, r;

	/* 1. Claim: from here on only vfio-pci may bind these functions. */
	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];

		if (e->action != PLAN_BIND || e->f->iommu_group != group)
			continue;
		r = pci_set_override(e->f, VFIO_DRIVER);
		if (r < 0) {
			fail(e, "writing driver_override failed: %s", strerror(-r));
			continue;
		}
		e->override_written = true;
		INF("%s: driver_override set to %s", e->f->name, VFIO_DRIVER);
	}

	/* 2. Unbind what holds them; 3. probe; 4. verify. */
	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];
		struct pci_func *f = e->f;

		if (e->action != PLAN_BIND || f->iommu_group != group || e->result == RESULT_FAILED)
			continue;
		pci_refresh_driver(f);
		if (f->driver[0] && strcmp(f->driver, VFIO_DRIVER) != 0) {
			driver_desc(km, f, drv, sizeof(drv));
			r = pci_unbind(f);
			if (r == -ENODEV || r == -ENOENT) {
				/* Someone unbound it first: the kernel answers ENODEV
				 * on drivers/X/unbind, and ENOENT when the driver
				 * link we write through is already gone. Only the
				 * link tells. */
				pci_refresh_driver(f);
				r = f->driver[0] && strcmp(f->driver, VFIO_DRIVER) != 0 ? -ENODEV : 0;
			}
			if (r < 0) {
				fail(e, "unbinding from %s failed: %s", drv, strerror(-r));
				continue;
			}
			snprintf(e->unbound_from, sizeof(e->unbound_from), "%s", f->driver);
			INF("%s: unbound from %s", f->name, drv);
		}
		pci_refresh_driver(f);
		if (strcmp(f->driver, VFIO_DRIVER) != 0) {
			r = pci_probe(f);
			if (r < 0)
				WRN("%s: drivers_probe: %s", f->name, strerror(-r));
			pci_refresh_driver(f);
		}
		if (strcmp(f->driver, VFIO_DRIVER) != 0) {
			if (f->driver[0])
				fail(e, "after drivers_probe the driver is %s, not vfio-pci", f->driver);
			else
				fail(e,
				     "no driver bound after drivers_probe (vfio-pci refused it; see the kernel log)");
			continue;
		}
		e->result = RESULT_BOUND;
		INF("%s: bound to vfio-pci (IOMMU group %d)", f->name, group);
	}

	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];

		if (e->action == PLAN_BIND && e->f->iommu_group == group && e->result == RESULT_FAILED) {
			failed++;
			if (!culprit)
				culprit = e->f->name;
		}
	}
	if (failed) {
		rollback_group(p, km, group, culprit);
		failed = 0;
		for (size_t i = 0; i < p->n; i++)
			failed += p->e[i].action == PLAN_BIND && p->e[i].f->iommu_group == group;
	}
	return failed;
}

int apply_plan(struct plan *p, struct kmodule *km)
{
	int failed = 0, r;

	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];

		if (e->action == PLAN_SKIP)
			e->result = RESULT_ALREADY;
		else if (e->action == PLAN_REFUSE)
			e->result = RESULT_REFUSED;
		else if (e->action == PLAN_ABSENT)
			e->result = RESULT_ABSENT;
	}
	if (plan_count(p, PLAN_BIND) == 0)
		return 0;

	r = ensure_vfio(km);
	if (r < 0) {
		for (size_t i = 0; i < p->n; i++) {
			if (p->e[i].action != PLAN_BIND)
				continue;
			p->e[i].result = RESULT_FAILED;
			snprintf(p->e[i].reason, sizeof(p->e[i].reason), "vfio-pci unavailable: %s", strerror(-r));
		}
		return r;
	}

	/* Groups in ascending order, each once. */
	for (int last = -1;;) {
		int next = -1;

		for (size_t i = 0; i < p->n; i++) {
			int g = p->e[i].action == PLAN_BIND ? p->e[i].f->iommu_group : -1;

			if (g > last && (next < 0 || g < next))
				next = g;
		}
		if (next < 0)
			break;
		failed += bind_group(p, km, next);
		last = next;
	}
	return failed;
}

int apply_check_undeclared(const struct plan *p, struct pci_list *pci)
{
	size_t taken = 0;

	for (size_t i = 0; i < pci->n; i++) {
		struct pci_func *f = &pci->f[i];
		bool in_plan = false, was_vfio = strcmp(f->driver, VFIO_DRIVER) == 0;

		for (size_t j = 0; j < p->n && !in_plan; j++)
			in_plan = p->e[j].f == f && p->e[j].action != PLAN_REFUSE;
		if (in_plan || f->is_bridge)
			continue;
		pci_refresh_driver(f);
		if (strcmp(f->driver, VFIO_DRIVER) != 0)
			continue;
		if (was_vfio) {
			/* Not this run's doing (a built-in vfio-pci given
			 * vfio-pci.ids=, or an earlier bind): not an error. */
			DBG("%s (%04x:%04x) was on vfio-pci before this run, not declared", f->name, f->id.vendor,
			    f->id.device);
			continue;
		}
		taken++;
		ERR("%s (%04x:%04x) is on vfio-pci but vfiobind did not bind it: vfio-pci took it by ID "
		    "(an ids= option or a modprobe.d install command); 'vfiobind release %s' gives it back",
		    f->name, f->id.vendor, f->id.device, f->name);
	}
	return (int)taken;
}
