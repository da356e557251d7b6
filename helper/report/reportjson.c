// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reportjson.c - list, plan and status as JSON (`--json`), for scripts.
 * The same facts as the tables, as documented in README "JSON output":
 * one object per function, its IOMMU group's members and every reason.
 * Field names and meanings are stable; new fields may be added.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/jsonwrite.h"
#include "report/reportjson.h"

#include "report/report.h"
#include "system/pciclass.h"

#define VFIO_DRIVER "vfio-pci"

/* Functions by IOMMU group: idx[start[g + 1] .. start[g + 2]) are group g's,
 * in address order, so members are found without a pass per function. */
struct groups {
	size_t *idx;
	size_t *start;
	int maxg;
};

static int groups_build(const struct pci_list *pci, struct groups *g)
{
	size_t *fill;

	g->maxg = -1;
	for (size_t i = 0; i < pci->n; i++)
		if (pci->f[i].iommu_group > g->maxg)
			g->maxg = pci->f[i].iommu_group;
	g->idx = calloc(pci->n ? pci->n : 1, sizeof(*g->idx));
	g->start = calloc((size_t)g->maxg + 3, sizeof(*g->start));
	fill = calloc((size_t)g->maxg + 3, sizeof(*fill));
	if (g->idx == NULL || g->start == NULL || fill == NULL) {
		free(g->idx);
		free(g->start);
		free(fill);
		return -1;
	}
	for (size_t i = 0; i < pci->n; i++)
		g->start[(size_t)(pci->f[i].iommu_group + 1) + 1]++;
	for (size_t b = 1; b < (size_t)g->maxg + 3; b++)
		g->start[b] += g->start[b - 1];
	memcpy(fill, g->start, ((size_t)g->maxg + 3) * sizeof(*fill));
	for (size_t i = 0; i < pci->n; i++)
		g->idx[fill[(size_t)(pci->f[i].iommu_group + 1)]++] = i;
	free(fill);
	return 0;
}

static void groups_free(struct groups *g)
{
	free(g->idx);
	free(g->start);
}

static const struct plan_entry *entry_for(const struct plan *p, const struct pci_func *f)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (p->e[i].f == f)
			return &p->e[i];
	return NULL;
}

/* The members every function object has; the caller opened the object. */
static void func_members(struct jw *w, const struct pci_func *f, const struct pci_list *pci, const struct groups *g,
			 struct kmodule *km)
{
	char buf[16];
	struct kmodule_driver d = kmodule_driver(km, f->driver, f->modalias);

	jw_str(w, "address", f->name);
	snprintf(buf, sizeof(buf), "%04x", f->id.vendor);
	jw_str(w, "vendor", buf);
	snprintf(buf, sizeof(buf), "%04x", f->id.device);
	jw_str(w, "device", buf);
	snprintf(buf, sizeof(buf), "0x%06x", f->class);
	jw_str(w, "class", buf);
	jw_str(w, "class_name", pci_class_name(f->class));
	if (f->iommu_group >= 0) {
		jw_int(w, "iommu_group", f->iommu_group);
		jw_arr(w, "group_members");
		if (g->idx)
			for (size_t k = g->start[f->iommu_group + 1]; k < g->start[f->iommu_group + 2]; k++)
				jw_str(w, NULL, pci->f[g->idx[k]].name);
		jw_end(w);
	} else {
		jw_null(w, "iommu_group");
		jw_arr(w, "group_members");
		jw_end(w);
	}
	jw_str_or_null(w, "driver", f->driver);
	jw_str_or_null(w, "driver_kind", f->driver[0] ? kmodule_kind_str(d.kind) : NULL);
	jw_str_or_null(w, "module", f->driver[0] ? d.module : NULL);
	jw_str_or_null(w, "driver_override", f->override);
	if (f->boot_vga < 0)
		jw_null(w, "boot_vga");
	else
		jw_bool(w, "boot_vga", f->boot_vga == 1);
	jw_bool(w, "reset", f->has_reset);
	/* reset_method as the kernel lists it, one string per method; null
	 * without the attribute (before 5.15, or no method at all). */
	if (f->has_reset_method) {
		jw_arr(w, "reset_method");
		for (const char *m = f->reset_method; *m;) {
			size_t n = strcspn(m, " ");
			char name[sizeof(f->reset_method)];

			if (n) {
				snprintf(name, sizeof(name), "%.*s", (int)n, m);
				jw_str(w, NULL, name);
			}
			m += n + (m[n] == ' ');
		}
		jw_end(w);
	} else {
		jw_null(w, "reset_method");
	}
	jw_bool(w, "bridge", f->is_bridge);
}

void report_list_json(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km)
{
	struct groups g = {0};
	struct jw w;

	groups_build(pci, &g);
	jw_init(&w, out);
	jw_obj(&w, NULL);
	jw_bool(&w, "iommu", pci_iommu_groups_present());
	jw_arr(&w, "functions");
	for (size_t i = 0; i < pci->n; i++) {
		const struct plan_entry *e = entry_for(p, &pci->f[i]);

		jw_obj(&w, NULL);
		func_members(&w, &pci->f[i], pci, &g, km);
		jw_bool(&w, "declared", e && e->f);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	groups_free(&g);
}

static const char *action_name(const struct plan_entry *e)
{
	switch (e->action) {
	case PLAN_BIND:
		return "bind";
	case PLAN_SKIP:
		return "none";
	case PLAN_REFUSE:
		return "refuse";
	case PLAN_VFS:
		return "vfs";
	default:
		return e->pending ? "pending" : "absent";
	}
}

/* "sriov": only on the entries of a vfs= PF and of its VFs. */
static void sriov_members(struct jw *w, const struct plan_entry *e)
{
	const struct pci_func *f = e->f;
	char a[PCI_ADDR_STRLEN];

	if (!e->sel->vfs && e->sel->kind != SEL_VF && !(f && f->is_vf))
		return;
	jw_obj(w, "sriov");
	if (e->sel->vfs) {
		jw_int(w, "vfs", e->sel->vfs);
		jw_bool(w, "host_vfs", e->sel->host_vfs);
	}
	if (f && f->sriov_total >= 0) {
		jw_int(w, "sriov_numvfs", f->sriov_num);
		jw_int(w, "sriov_totalvfs", f->sriov_total);
	}
	if (e->sel->kind == SEL_VF || (f && f->is_vf)) {
		pci_addr_format(f && f->is_vf ? &f->physfn : &e->sel->addr, a);
		jw_str(w, "physfn", a);
		jw_int(w, "vf_index", f && f->is_vf ? f->vf_index : e->sel->vf);
	}
	jw_end(w);
}

static void selector_members(struct jw *w, const struct plan_entry *e)
{
	char o[256];

	selector_origin(e->sel, o, sizeof(o));
	jw_str(w, "selector", e->sel->text);
	jw_str(w, "origin", o);
	jw_bool(w, "optional", e->sel->optional);
}

void report_plan_json(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km,
		      const struct cmdline *cl)
{
	struct groups g = {0};
	struct jw w;

	groups_build(pci, &g);
	jw_init(&w, out);
	jw_obj(&w, NULL);
	jw_obj(&w, "counts");
	jw_int(&w, "bind", (long long)plan_count(p, PLAN_BIND));
	jw_int(&w, "already", (long long)plan_count(p, PLAN_SKIP));
	jw_int(&w, "refuse", (long long)plan_count(p, PLAN_REFUSE));
	jw_int(&w, "absent", (long long)plan_count(p, PLAN_ABSENT));
	jw_end(&w);
	jw_bool(&w, "off", cl->off);
	jw_bool(&w, "iommu", !p->no_iommu);
	jw_arr(&w, "functions");
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->e[i];
		const struct pci_func *f = e->f;

		jw_obj(&w, NULL);
		if (f) {
			func_members(&w, f, pci, &g, km);
		} else {
			jw_null(&w, "address");
		}
		jw_str(&w, "action", action_name(e));
		if (e->action == PLAN_REFUSE)
			jw_str(&w, "reason", e->reason);
		else if (e->action == PLAN_SKIP)
			jw_str(&w, "reason", "already on vfio-pci");
		else if (e->action == PLAN_ABSENT)
			jw_str(&w, "reason",
			       e->pending		? "created when its PF's driver binds (vfs=)"
			       : e->sel->kind == SEL_ID ? "no function has this ID"
							: "no such PCI function");
		else
			jw_null(&w, "reason");
		selector_members(&w, e);
		sriov_members(&w, e);
		jw_bool(&w, "via_group", e->via_group);
		jw_str_or_null(&w, "coldplug_module", f && !f->driver[0] ? e->coldplug_module : NULL);
		jw_str_or_null(&w, "disks", e->storage);
		jw_str_or_null(&w, "firmware_framebuffer", e->firmware_fb);
		/* What bind writes to reset_method, in the kernel's spelling. */
		jw_str_or_null(&w, "reset_write", e->reset);
		jw_bool(&w, "vendor_reset", e->vendor_reset);
		jw_end(&w);
	}
	jw_end(&w);
	jw_arr(&w, "notes");
	for (size_t i = 0; i < p->nnotes; i++)
		jw_str(&w, NULL, p->notes[i].msg);
	jw_end(&w);
	jw_end(&w);
	groups_free(&g);
}

bool report_status_json(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km,
			const struct cmdline *cl, const char *stale)
{
	struct groups g = {0};
	char blockers[512];
	bool ok = true;
	struct jw w;

	groups_build(pci, &g);
	jw_init(&w, out);
	jw_obj(&w, NULL);
	jw_arr(&w, "functions");
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->e[i];
		const struct pci_func *f = e->f;
		const char *state;

		if (f && f->is_bridge)
			continue;
		blockers[0] = '\0';
		if (!f) {
			state = "absent";
			ok = ok && e->sel->optional;
		} else {
			state = report_func_state(f, pci, p, blockers, sizeof(blockers));
			ok = ok && strcmp(state, "ok") == 0;
		}
		jw_obj(&w, NULL);
		if (f)
			func_members(&w, f, pci, &g, km);
		else
			jw_null(&w, "address");
		jw_str(&w, "state", state);
		jw_str_or_null(&w, "blockers", blockers);
		selector_members(&w, e);
		jw_end(&w);
	}
	jw_end(&w);
	jw_bool(&w, "off", cl->off);
	jw_str_or_null(&w, "stale", stale);
	jw_bool(&w, "ok", ok);
	jw_end(&w);
	groups_free(&g);
	return ok;
}
