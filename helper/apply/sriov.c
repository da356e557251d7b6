// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriov.c - sriov_drivers_autoprobe, sriov_numvfs, and host-vfs.
 */
#include "apply/sriov.h"

#include <stdio.h>
#include <string.h>

#include "basic/log.h"

#define AUTOPROBE "sriov_drivers_autoprobe"

int sriov_create(const struct plan *p, const struct pci_func *only)
{
	int created = 0, r;

	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->e[i];
		const struct pci_func *f = e->f;
		unsigned n = e->sel->vfs;

		if (e->action != PLAN_VFS || (only && f != only))
			continue;
		if (!f->driver[0]) {
			INF("%s: no driver yet: its %u virtual functions come when one binds", f->name, n);
			continue;
		}
		/* Before the VFs exist: no host driver may probe them. */
		r = pci_write_dec(f, AUTOPROBE, 0);
		if (r < 0) {
			ERR("%s: writing 0 to %s failed: %s; no virtual functions created", f->name, AUTOPROBE,
			    strerror(-r));
			continue;
		}
		if (f->sriov_num == (int)n)
			continue;
		r = pci_write_dec(f, "sriov_numvfs", n);
		if (r < 0) {
			ERR("%s: writing %u to sriov_numvfs failed: %s (%s; see the kernel log)", f->name, n,
			    strerror(-r), f->driver);
			continue;
		}
		INF("%s: %u virtual functions created by %s, %s 0: no host driver probes them", f->name, n, f->driver,
		    AUTOPROBE);
		created++;
	}
	return created;
}

/* host-vfs: the undeclared VFs of @pf go to whatever driver claims them. */
static void host_vfs(const struct plan *p, struct pci_list *pci, const struct pci_func *pf)
{
	int r = pci_write_dec(pf, AUTOPROBE, 1);

	if (r < 0)
		WRN("%s: writing 1 to %s failed: %s", pf->name, AUTOPROBE, strerror(-r));
	for (size_t i = 0; i < pci->n; i++) {
		struct pci_func *vf = &pci->f[i];

		if (!pci_is_vf_of(vf, pf) || plan_takes(p, vf))
			continue;
		pci_refresh_driver(vf);
		if (!vf->driver[0] && (r = pci_probe(vf)) < 0)
			WRN("%s: drivers_probe: %s", vf->name, strerror(-r));
		pci_refresh_driver(vf);
		INF("%s: vf%u of %s, not declared (host-vfs): driver %s", vf->name, vf->vf_index, pf->name,
		    vf->driver[0] ? vf->driver : "none");
	}
}

int sriov_finish(struct plan *p, struct pci_list *pci)
{
	int failed = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];
		int num;

		if (e->pending)
			e->result = RESULT_PENDING;
		if (e->action != PLAN_VFS)
			continue;
		pci_refresh_driver(e->f);
		num = pci_read_dec(e->f, "sriov_numvfs");
		if (num == e->sel->vfs) {
			e->result = RESULT_VFS;
			if (e->sel->host_vfs)
				host_vfs(p, pci, e->f);
		} else if (!e->f->driver[0]) {
			e->result = RESULT_PENDING;
		} else {
			e->result = RESULT_FAILED;
			snprintf(e->reason, sizeof(e->reason), "sriov_numvfs reads %d, not vfs=%u", num, e->sel->vfs);
			ERR("%s: %s", e->f->name, e->reason);
			failed++;
		}
	}
	return failed;
}
