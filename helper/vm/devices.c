// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * devices.c - a VM's PCI functions: resolution, guest placement, the
 * pre-start check and the -device arguments.
 */
#include "vm/devices.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VFIO_DRIVER "vfio-pci"

void vmdevs_free(struct vmdevs *d)
{
	free(d->v);
	free(d->groups);
	memset(d, 0, sizeof(*d));
}

static bool same_slot(const struct pci_addr *a, const struct pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}

static bool sel_matches(const struct selector *s, const struct pci_func *f)
{
	switch (s->kind) {
	case SEL_FUNCTION:
		return pci_addr_cmp(&s->addr, &f->addr) == 0;
	case SEL_SLOT:
		return same_slot(&s->addr, &f->addr);
	case SEL_ID:
		return s->id.vendor == f->id.vendor && s->id.device == f->id.device;
	case SEL_VF: /* PF/vfN: what the PF's virtfnN link names now */
		return f->is_vf && f->vf_index == s->vf && pci_addr_cmp(&s->addr, &f->physfn) == 0;
	}
	return false;
}

static struct vmfunc *find(struct vmdevs *d, const struct pci_func *f)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].f == f)
			return &d->v[i];
	return NULL;
}

static int add(struct vmdevs *d, struct pci_func *f, size_t *cap)
{
	if (find(d, f))
		return 0;
	if (d->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct vmfunc *v = realloc(d->v, ncap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		d->v = v;
		*cap = ncap;
	}
	memset(&d->v[d->n], 0, sizeof(d->v[d->n]));
	d->v[d->n++].f = f;
	return 0;
}

/* The id= guard of @sel holds at @f (on a slot, function 0 speaks for
 * the card). A function the guard refuses is not the device declared. */
static bool guard_holds(const struct selector *sel, const struct pci_list *pci, const struct pci_func *f)
{
	struct pci_addr a = f->addr;
	const struct pci_func *g;

	if (!sel->has_guard || sel->kind == SEL_ID)
		return true;
	if (sel->kind == SEL_SLOT)
		a.fn = 0;
	g = pci_find(pci, &a);
	return g && g->id.vendor == sel->guard.vendor && g->id.device == sel->guard.device;
}

static int cmp_func(const void *a, const void *b)
{
	return pci_addr_cmp(&((const struct vmfunc *)a)->f->addr, &((const struct vmfunc *)b)->f->addr);
}

/* What the device list selects, marked declared in @d, or added to it
 * when @take (no devices = line). */
static int declared(const struct vm *vm, const struct conf *c, struct pci_list *pci, struct vmdevs *d, bool take,
		    size_t *cap, struct diags *errs)
{
	struct plan p;
	int r, nerr = 0;

	r = plan_build(c, pci, NULL, NULL, &p);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p.n; i++) {
		const struct plan_entry *e = &p.e[i];
		struct vmfunc *v;
		char o[256], s[96];

		if (e->f == NULL) {
			if (!take || e->sel->optional)
				continue;
			selector_origin(e->sel, o, sizeof(o));
			selector_describe(e->sel, s, sizeof(s));
			diags_add(errs, "VM %s: declared device %s (%s) is absent", vm->name, s, o);
			nerr++;
			continue;
		}
		if (e->f->is_bridge || !guard_holds(e->sel, pci, e->f))
			continue;
		if (take) {
			r = add(d, e->f, cap);
			if (r < 0)
				break;
		}
		v = find(d, e->f);
		if (v)
			v->declared = true;
	}
	plan_free(&p);
	return r < 0 ? r : nerr;
}

/* Guest placement, card by card (the functions are sorted). */
static int place(const struct vm *vm, struct vmdevs *d, struct diags *errs)
{
	int nerr = 0;

	for (size_t i = 0; i < d->n;) {
		const struct vm_bus *b = NULL;
		bool has_fn0 = false;
		size_t j, k;

		for (j = i; j < d->n && same_slot(&d->v[j].f->addr, &d->v[i].f->addr); j++)
			has_fn0 = has_fn0 || d->v[j].f->addr.fn == 0;
		for (k = 0; k < vm->nbus; k++)
			if (same_slot(&vm->bus[k].slot, &d->v[i].f->addr))
				b = &vm->bus[k];
		for (k = i; k < j; k++) {
			struct vmfunc *v = &d->v[k];

			if (b) {
				snprintf(v->bus, sizeof(v->bus), "%s", b->bus);
				v->gdev = b->dev;
			} else {
				v->own_port = true;
				v->port = d->nports;
				snprintf(v->bus, sizeof(v->bus), "vfiobind-rp%u", d->nports);
				v->gdev = 0;
			}
			v->gfn = has_fn0 ? v->f->addr.fn : (unsigned)(k - i);
			v->multifunction = v->gfn == 0 && j - i > 1;
		}
		if (!b)
			d->nports++;
		i = j;
	}
	/* Two cards on one guest slot of the user's bus would collide. */
	for (size_t i = 0; i < d->n; i++) {
		for (size_t k = i + 1; k < d->n; k++) {
			const struct vmfunc *x = &d->v[i], *y = &d->v[k];

			if (x->own_port || y->own_port || same_slot(&x->f->addr, &y->f->addr) ||
			    strcmp(x->bus, y->bus) != 0 || x->gdev != y->gdev || x->gfn != 0 || y->gfn != 0)
				continue;
			diags_add(errs, "VM %s: %s and %s would both be device %02x of bus %s", vm->name, x->f->name,
				  y->f->name, x->gdev, x->bus);
			nerr++;
		}
	}
	return nerr;
}

static int add_group(struct vmdevs *d, int g)
{
	int *v;
	size_t i;

	for (i = 0; i < d->ngroups; i++)
		if (d->groups[i] == g)
			return 0;
	v = realloc(d->groups, (d->ngroups + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	d->groups = v;
	/* Keep them ascending: insertion into a handful. */
	for (i = d->ngroups; i > 0 && d->groups[i - 1] > g; i--)
		d->groups[i] = d->groups[i - 1];
	d->groups[i] = g;
	d->ngroups++;
	return 0;
}

/* The functions devices = names: each line must match one at least.
 * Return: the number of lines that match none, or -ENOMEM. */
static int match_devices(const struct vm *vm, struct pci_list *pci, struct vmdevs *out, size_t *cap, struct diags *errs)
{
	int nerr = 0;

	for (size_t i = 0; i < vm->ndev; i++) {
		const struct selector *s = &vm->dev[i];
		size_t matched = 0;
		char d[96];

		for (size_t k = 0; k < pci->n; k++) {
			if (pci->f[k].is_bridge || !sel_matches(s, &pci->f[k]))
				continue;
			matched++;
			if (add(out, &pci->f[k], cap) < 0)
				return -ENOMEM;
		}
		if (matched)
			continue;
		selector_describe(s, d, sizeof(d));
		diags_add(errs, "VM %s: devices = %s (%s:%u): %s", vm->name, d, s->file, s->line,
			  s->kind == SEL_ID ? "no function has this ID" : "no such PCI function");
		nerr++;
	}
	return nerr;
}

/* romfile = lines: each names one of the VM's functions, which gets it.
 * Return: the number of lines that name none. */
static int match_roms(const struct vm *vm, struct vmdevs *out, struct diags *errs)
{
	int nerr = 0;

	for (size_t i = 0; i < vm->nrom; i++) {
		bool found = false;
		char a[PCI_ADDR_STRLEN];

		for (size_t k = 0; k < out->n; k++) {
			if (pci_addr_cmp(&out->v[k].f->addr, &vm->rom[i].addr) == 0) {
				out->v[k].romfile = vm->rom[i].path;
				found = true;
			}
		}
		if (found)
			continue;
		pci_addr_format(&vm->rom[i].addr, a);
		diags_add(errs, "VM %s: romfile = %s (%s:%u): not one of this VM's functions", vm->name, a, vm->file,
			  vm->rom[i].line);
		nerr++;
	}
	return nerr;
}

/* bus = lines: each names the slot of one of the VM's functions.
 * Return: the number of lines that name none. */
static int match_buses(const struct vm *vm, const struct vmdevs *out, struct diags *errs)
{
	int nerr = 0;

	for (size_t i = 0; i < vm->nbus; i++) {
		bool found = false;
		char a[PCI_ADDR_STRLEN];

		for (size_t k = 0; k < out->n; k++)
			found = found || same_slot(&out->v[k].f->addr, &vm->bus[i].slot);
		if (found)
			continue;
		pci_slot_format(&vm->bus[i].slot, a);
		diags_add(errs, "VM %s: bus = %s (%s:%u): no function of this VM is in that slot", vm->name, a,
			  vm->file, vm->bus[i].line);
		nerr++;
	}
	return nerr;
}

/* The IOMMU groups of the VM's functions, each once.
 * Return: the number of functions without a group, or -ENOMEM. */
static int note_groups(const struct vm *vm, struct vmdevs *out, struct diags *errs)
{
	int nerr = 0;

	for (size_t i = 0; i < out->n; i++) {
		if (out->v[i].f->iommu_group < 0) {
			diags_add(errs, "VM %s: %s has no IOMMU group: nothing can pass it through", vm->name,
				  out->v[i].f->name);
			nerr++;
		} else if (add_group(out, out->v[i].f->iommu_group) < 0) {
			return -ENOMEM;
		}
	}
	return nerr;
}

int vmdevs_resolve(const struct vm *vm, const struct conf *c, struct pci_list *pci, struct vmdevs *out,
		   struct diags *errs)
{
	size_t cap = 0;
	int r, nerr;

	memset(out, 0, sizeof(*out));
	nerr = match_devices(vm, pci, out, &cap, errs);
	if (nerr < 0)
		return nerr;
	r = declared(vm, c, pci, out, vm->ndev == 0, &cap, errs);
	if (r < 0)
		return r;
	nerr += r;
	if (out->n == 0 && nerr == 0) {
		diags_add(errs, "VM %s: no functions: the device list declares none and there is no devices = line",
			  vm->name);
		return nerr + 1;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_func);
	/* One statement each: the messages come in this order. */
	nerr += match_roms(vm, out, errs);
	nerr += match_buses(vm, out, errs);
	r = note_groups(vm, out, errs);
	if (r < 0)
		return r;
	nerr += r;
	return nerr + place(vm, out, errs);
}

/* What keeps @group from being viable, the VM's own functions left out
 * (they are reported one by one). Returns the count, text in @buf. */
static int outside_blockers(const struct vmdevs *d, const struct pci_list *pci, int group, char *buf, size_t len)
{
	size_t used = 0;
	int n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < pci->n; i++) {
		const struct pci_func *g = &pci->f[i];
		bool mine = false;

		if (g->iommu_group != group || g->is_bridge || !g->driver[0] || strcmp(g->driver, VFIO_DRIVER) == 0 ||
		    strcmp(g->driver, "pci-stub") == 0)
			continue;
		for (size_t k = 0; k < d->n; k++)
			mine = mine || d->v[k].f == g;
		if (mine)
			continue;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s (%04x:%04x, %s)", n ? "; " : "", g->name,
						 g->id.vendor, g->id.device, g->driver);
		n++;
	}
	return n;
}

int vmdevs_check(const struct vm *vm, const struct vmdevs *d, const struct pci_list *pci, FILE *out, struct diags *why)
{
	char blockers[512], rm[64];
	int n = 0;

	if (out)
		fprintf(out, "%-12s  %-9s  %5s  %-18s  %-16s  %s\n", "ADDRESS", "ID", "GROUP", "DRIVER", "RESET",
			"STATE");
	for (size_t i = 0; i < d->n; i++) {
		const struct vmfunc *v = &d->v[i];
		const struct pci_func *f = v->f;
		const char *state = "ok";

		if (strcmp(f->driver, VFIO_DRIVER) != 0) {
			state = "not on vfio-pci";
			diags_add(why, "VM %s: %s (%04x:%04x) is %s%s, not on vfio-pci: %s", vm->name, f->name,
				  f->id.vendor, f->id.device, f->driver[0] ? "on " : "without a driver",
				  f->driver[0] ? f->driver : "",
				  v->declared ? "bind it (vfiobind bind, or reboot)"
					      : "declare it in the device list, then bind it");
			n++;
		} else if (plan_group_blockers(pci, f->iommu_group, NULL, blockers, sizeof(blockers)) > 0) {
			state = "group not viable";
		}
		if (out)
			fprintf(out, "%-12s  %04x:%04x  %5d  %-18s  %-16s  %s\n", f->name, f->id.vendor, f->id.device,
				f->iommu_group, f->driver[0] ? f->driver : "-",
				pci_reset_method_text(f, rm, sizeof(rm)), state);
	}
	/* A group can also be blocked by a function the VM does not take:
	 * the kernel refuses to open it all the same. */
	for (size_t i = 0; i < d->ngroups; i++) {
		if (outside_blockers(d, pci, d->groups[i], blockers, sizeof(blockers)) == 0)
			continue;
		diags_add(why,
			  "VM %s: IOMMU group %d is not viable: %s, not part of this VM, has a host driver; declare it "
			  "too (or add the word 'group' to its card's line) so that bind takes it",
			  vm->name, d->groups[i], blockers);
		if (out)
			fprintf(out, "IOMMU group %d is not viable: %s\n", d->groups[i], blockers);
		n++;
	}
	return n;
}

int vmdevs_qemu_args(const struct vmdevs *d, struct strv *argv)
{
	unsigned last_port = ~0u;

	for (size_t i = 0; i < d->n; i++) {
		const struct vmfunc *v = &d->v[i];
		char id[PCI_ADDR_STRLEN];
		int r;

		if (v->own_port && v->port != last_port) {
			last_port = v->port;
			if (strv_push(argv, "-device", 7) < 0 ||
			    strv_pushf(argv, "pcie-root-port,id=%s,chassis=%u", v->bus, VM_PORT_CHASSIS + v->port) < 0)
				return -ENOMEM;
		}
		/* QEMU ids take no ':' (id_wellformed()). */
		snprintf(id, sizeof(id), "%s", v->f->name);
		for (char *p = id; *p; p++)
			if (*p == ':')
				*p = '-';
		r = strv_push(argv, "-device", 7);
		if (r == 0)
			r = strv_pushf(argv, "vfio-pci,host=%s,id=vfiobind-%s,bus=%s,addr=%02x.%x%s%s%s", v->f->name,
				       id, v->bus, v->gdev, v->gfn, v->multifunction ? ",multifunction=on" : "",
				       v->romfile ? ",romfile=" : "", v->romfile ? v->romfile : "");
		if (r < 0)
			return -ENOMEM;
	}
	return 0;
}
