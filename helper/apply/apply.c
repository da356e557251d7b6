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
#include "system/vendorreset.h"

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

/*
 * vendor-reset before any function it handles is touched: its
 * device-specific reset exists only while the module is loaded, and the
 * kernel refuses device_specific in reset_method without it. Returns
 * whether it is loaded; a missing module is logged and costs nothing else.
 */
static bool load_vendor_reset(const struct plan *p, struct kmodule *km)
{
	const char *first = NULL;
	int r;

	for (size_t i = 0; i < p->n && !first; i++) {
		const struct plan_entry *e = &p->e[i];

		if (e->vendor_reset && (e->action == PLAN_BIND || e->action == PLAN_SKIP))
			first = e->f->name;
	}
	if (!first)
		return false;
	r = kmodule_load(km, VENDOR_RESET_MODULE);
	if (r == 0) {
		INF("%s loaded (%s has an ID it resets)", VENDOR_RESET_MODULE, first);
		return true;
	}
	if (r == -ENOENT)
		NOTICE("%s has an ID %s resets, but %s is not in /lib/modules/%s (not installed for this kernel, "
		       "or not in this initramfs): the kernel's reset methods stay",
		       first, VENDOR_RESET_MODULE, VENDOR_RESET_MODULE, kmodule_release(km));
	else
		WRN("loading %s failed: %s; the kernel's reset methods stay", VENDOR_RESET_MODULE, strerror(-r));
	return false;
}

/*
 * Write the plan's reset methods to @e's reset_method and read them back.
 * Never fails the bind: every problem is a warning. @vendor_loaded: the
 * vendor-reset default (no reset= on the line) is skipped without it.
 */
static void apply_reset(struct plan_entry *e, bool vendor_loaded)
{
	struct pci_func *f = e->f;
	int r;

	if (!e->reset[0])
		return;
	if (e->vendor_reset && !e->sel->reset[0] && !vendor_loaded)
		return; /* load_vendor_reset() said why */
	r = pci_read_reset_method(f);
	if (r == -ENOENT) {
		WRN("%s: no reset_method attribute (a kernel before 5.15, or a function without any reset "
		    "method): reset '%s' not set",
		    f->name, e->reset);
		return;
	}
	if (r < 0) {
		WRN("%s: reading reset_method failed: %s; reset '%s' not set", f->name, strerror(-r), e->reset);
		return;
	}
	snprintf(e->reset_before, sizeof(e->reset_before), "%s", f->reset_method);
	r = pci_set_reset_method(f, e->reset);
	if (r == -EINVAL) {
		WRN("%s: the kernel refused reset_method '%s' (a method this function or kernel lacks; the kernel "
		    "log names it): the methods stay '%s'",
		    f->name, e->reset, e->reset_before);
		return;
	}
	if (r < 0) {
		WRN("%s: writing reset_method '%s' failed: %s; the methods stay '%s'", f->name, e->reset, strerror(-r),
		    e->reset_before);
		return;
	}
	e->reset_written = true;
	r = pci_read_reset_method(f);
	if (r < 0)
		WRN("%s: reset_method written ('%s') but not readable back: %s", f->name, e->reset, strerror(-r));
	else if (strcmp(e->reset, "default") == 0)
		INF("%s: reset_method back to the kernel's order: %s (was '%s')", f->name, f->reset_method,
		    e->reset_before);
	else if (strcmp(f->reset_method, e->reset) != 0)
		WRN("%s: reset_method reads '%s' after writing '%s'", f->name, f->reset_method, e->reset);
	else
		INF("%s: reset_method set to '%s' (was '%s')", f->name, f->reset_method, e->reset_before);
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
		if (e->reset_written) {
			/* "" is a valid answer too: every method disabled. */
			r = pci_set_reset_method(f, e->reset_before[0] ? e->reset_before : "\n");
			if (r < 0)
				WRN("%s: rollback: reset_method '%s' not restored: %s", f->name, e->reset_before,
				    strerror(-r));
			else
				INF("%s: rollback: reset_method back to '%s'", f->name, e->reset_before);
			e->reset_written = false;
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
static int bind_group(struct plan *p, struct kmodule *km, int group, bool vendor_loaded)
{
	char drv[PCI_NAME_MAX * 2 + 16];
	const char *culprit = NULL;
	int failed = 0, r;

	/* 0. The reset methods, before anything binds: once on vfio-pci the
	 * function is the VM's, reset on every open (vfio_pci_core_enable())
	 * and guest reboot; reset_method_store() does not care which driver
	 * holds it meanwhile. */
	for (size_t i = 0; i < p->n; i++)
		if (p->e[i].action == PLAN_BIND && p->e[i].f->iommu_group == group)
			apply_reset(&p->e[i], vendor_loaded);

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
	bool vendor_loaded;

	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];

		if (e->action == PLAN_SKIP)
			e->result = RESULT_ALREADY;
		else if (e->action == PLAN_REFUSE)
			e->result = RESULT_REFUSED;
		else if (e->action == PLAN_ABSENT)
			e->result = RESULT_ABSENT;
	}
	if (plan_count(p, PLAN_BIND) == 0) {
		/* Functions already on vfio-pci still get their reset. */
		vendor_loaded = load_vendor_reset(p, km);
		for (size_t i = 0; i < p->n; i++)
			if (p->e[i].action == PLAN_SKIP)
				apply_reset(&p->e[i], vendor_loaded);
		return 0;
	}

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
	vendor_loaded = load_vendor_reset(p, km);
	for (size_t i = 0; i < p->n; i++)
		if (p->e[i].action == PLAN_SKIP)
			apply_reset(&p->e[i], vendor_loaded);

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
		failed += bind_group(p, km, next, vendor_loaded);
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
