// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * release.c - functions back from vfio-pci to their host drivers.
 */
#include "vm/release.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "plan/plan.h"
#include "vm/holders.h"

#define VFIO_DRIVER "vfio-pci"

static bool matches(const struct selector *sel, const struct pci_func *f)
{
	if (sel->addr.domain != f->addr.domain || sel->addr.bus != f->addr.bus || sel->addr.dev != f->addr.dev)
		return false;
	return sel->kind == SEL_SLOT || sel->addr.fn == f->addr.fn;
}

/* What would take @f: its host driver after drivers_probe, or a module
 * to load first when its driver is not registered yet. */
static void give_back(struct pci_func *f, struct kmodule *km)
{
	char mod[PCI_NAME_MAX];
	int r;

	r = pci_probe(f);
	if (r < 0)
		WRN("%s: drivers_probe: %s", f->name, strerror(-r));
	pci_refresh_driver(f);
	if (f->driver[0] || km == NULL || kmodule_modalias_match(km, f->modalias, mod, sizeof(mod)) < 0)
		return;
	/* Coldplug loaded nothing for it: vfio-pci was first. Registering
	 * the driver binds every matching device without a driver. */
	INF("%s: loading %s for it", f->name, mod);
	r = kmodule_load(km, mod);
	if (r < 0) {
		WRN("%s: loading %s failed: %s", f->name, mod, strerror(-r));
		return;
	}
	pci_refresh_driver(f);
	if (!f->driver[0] && pci_probe(f) == 0)
		pci_refresh_driver(f);
}

static int release_one(struct pci_func *f, struct kmodule *km)
{
	int r;

	if (strcmp(f->override, VFIO_DRIVER) == 0) {
		r = pci_set_override(f, "");
		if (r < 0) {
			ERR("%s: not released: clearing driver_override failed: %s", f->name, strerror(-r));
			return 1;
		}
		f->override[0] = '\0';
		INF("%s: driver_override cleared", f->name);
	}
	pci_refresh_driver(f);
	if (strcmp(f->driver, VFIO_DRIVER) == 0) {
		r = pci_unbind(f);
		if (r < 0 && r != -ENODEV && r != -ENOENT) {
			ERR("%s: not released: unbinding from vfio-pci failed: %s", f->name, strerror(-r));
			return 1;
		}
		INF("%s: unbound from vfio-pci", f->name);
	}
	give_back(f, km);
	if (strcmp(f->driver, VFIO_DRIVER) == 0) {
		ERR("%s: still on vfio-pci after drivers_probe", f->name);
		return 1;
	}
	if (f->driver[0])
		NOTICE("%s: released to %s for this boot", f->name, f->driver);
	else
		NOTICE("%s: released for this boot; no host driver took it (none registered for %04x:%04x)", f->name,
		       f->id.vendor, f->id.device);
	return 0;
}

int release_functions(const struct selector *sel, struct pci_list *pci, struct kmodule *km)
{
	char holders[512], d[96];
	int failed = 0, groups[64];
	size_t ngroups = 0, matched = 0;

	for (size_t i = 0; i < pci->n; i++) {
		struct pci_func *f = &pci->f[i];
		bool seen = false;

		if (f->is_bridge || !matches(sel, f))
			continue;
		matched++;
		if (strcmp(f->driver, VFIO_DRIVER) != 0 && strcmp(f->override, VFIO_DRIVER) != 0) {
			INF("%s: on %s, not vfio-pci: nothing to release", f->name,
			    f->driver[0] ? f->driver : "no driver");
			continue;
		}
		if (f->iommu_group >= 0 && vfio_group_holders(f->iommu_group, NULL, holders, sizeof(holders)) > 0) {
			ERR("%s: not released: IOMMU group %d is in use by %s; stop that first", f->name,
			    f->iommu_group, holders);
			failed++;
			continue;
		}
		failed += release_one(f, km);
		for (size_t k = 0; k < ngroups; k++)
			seen = seen || groups[k] == f->iommu_group;
		if (!seen && f->iommu_group >= 0 && ngroups < sizeof(groups) / sizeof(groups[0]))
			groups[ngroups++] = f->iommu_group;
	}
	if (matched == 0) {
		selector_describe(sel, d, sizeof(d));
		ERR("%s: no such PCI function", d);
		return -ENOENT;
	}
	/* A group now split between vfio-pci and host drivers serves no VM. */
	for (size_t k = 0; k < ngroups; k++) {
		char left[256] = "", blockers[512];
		size_t used = 0;

		if (plan_group_blockers(pci, groups[k], NULL, blockers, sizeof(blockers)) == 0)
			continue;
		for (size_t i = 0; i < pci->n && used < sizeof(left); i++) {
			const struct pci_func *g = &pci->f[i];

			if (g->iommu_group != groups[k] || g->is_bridge || strcmp(g->driver, VFIO_DRIVER) != 0)
				continue;
			used += (size_t)snprintf(left + used, sizeof(left) - used, "%s%s", used ? ", " : "", g->name);
		}
		if (left[0])
			WRN("IOMMU group %d is no longer viable: %s stay%s on vfio-pci, but no VM can use %s until "
			    "the rest is released too or bound again",
			    groups[k], left, strchr(left, ',') ? "" : "s", strchr(left, ',') ? "them" : "it");
	}
	return failed;
}
