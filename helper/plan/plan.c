// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * plan.c - selection and IOMMU group viability.
 */
#include "plan/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/str.h"
#include "system/display.h"
#include "system/pciclass.h"
#include "system/vendorreset.h"

#define VFIO_DRIVER "vfio-pci"

const char *plan_action_str(enum plan_action a)
{
	switch (a) {
	case PLAN_BIND:
		return "bind";
	case PLAN_SKIP:
		return "skip";
	case PLAN_REFUSE:
		return "refuse";
	case PLAN_ABSENT:
		return "absent";
	case PLAN_VFS:
		return "vfs";
	}
	return "?";
}

const char *plan_result_str(enum plan_result r)
{
	switch (r) {
	case RESULT_NONE:
		return "none";
	case RESULT_BOUND:
		return "bound";
	case RESULT_ALREADY:
		return "already";
	case RESULT_FAILED:
		return "failed";
	case RESULT_REFUSED:
		return "refused";
	case RESULT_ABSENT:
		return "absent";
	case RESULT_VFS:
		return "vfs";
	case RESULT_PENDING:
		return "pending";
	}
	return "?";
}

static void note(struct plan *p, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(struct plan *p, int prio, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (p->nnotes == p->notes_cap) {
		size_t cap = p->notes_cap ? p->notes_cap * 2 : 8;
		struct plan_note *v = realloc(p->notes, cap * sizeof(*v));

		if (v == NULL)
			return;
		p->notes = v;
		p->notes_cap = cap;
	}
	p->notes[p->nnotes].prio = prio;
	p->notes[p->nnotes].msg = strdup(buf);
	if (p->notes[p->nnotes].msg)
		p->nnotes++;
}

void plan_add_note(struct plan *p, int prio, const char *msg)
{
	size_t n = p->nnotes;

	note(p, prio, "%s", "");
	if (p->nnotes == n + 1) {
		char *m = strdup(msg);

		if (m == NULL) {
			free(p->notes[n].msg);
			p->nnotes--;
			return;
		}
		free(p->notes[n].msg);
		p->notes[n].msg = m;
	}
}

static struct plan_entry *find_entry(struct plan *p, const struct pci_func *f)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->e[i].f == f)
			return &p->e[i];
	return NULL;
}

static struct plan_entry *add_entry(struct plan *p, struct pci_func *f, const struct selector *sel)
{
	struct plan_entry *e;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct plan_entry *v = realloc(p->e, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		p->e = v;
		p->cap = cap;
	}
	e = &p->e[p->n++];
	memset(e, 0, sizeof(*e));
	e->f = f;
	e->sel = sel;
	e->seq = (unsigned)p->n;
	return e;
}

static void set_reason(struct plan_entry *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_reason(struct plan_entry *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
}

/* Choose @f for @sel. Returns -ENOMEM or 0. */
static int choose(struct plan *p, struct pci_func *f, const struct selector *sel, bool via_group)
{
	struct plan_entry *e = find_entry(p, f);
	char o1[256], o2[256];

	if (e) {
		/* Reported, never applied twice (a group expansion reaching a
		 * function already chosen is expected and not worth a line, nor
		 * is one line reaching a function both ways). */
		if (e->sel == sel) {
			e->via_group = e->via_group && via_group;
		} else if (!via_group) {
			selector_origin(sel, o1, sizeof(o1));
			selector_origin(e->sel, o2, sizeof(o2));
			note(p, LOG_PRIO_NOTICE, "%s: selected again by %s (%s); first selected by %s", f->name, o1,
			     sel->text, o2);
		}
		return 0;
	}
	e = add_entry(p, f, sel);
	if (e == NULL)
		return -ENOMEM;
	e->via_group = via_group;
	if (f->is_bridge) {
		e->action = PLAN_REFUSE;
		set_reason(e, "is a bridge (%s); vfiobind never binds bridges", pci_class_name(f->class));
	} else if (strcmp(f->driver, VFIO_DRIVER) == 0) {
		e->action = PLAN_SKIP;
	} else {
		e->action = PLAN_BIND;
	}
	return 0;
}

static int refuse_guard(struct plan *p, struct pci_func *f, const struct selector *sel, const struct pci_id *found,
			const char *where)
{
	struct plan_entry *e = find_entry(p, f);
	char o[256];

	selector_origin(sel, o, sizeof(o));
	if (e) {
		note(p, LOG_PRIO_WARNING, "%s: %s is %04x:%04x, not %04x:%04x (id= guard at %s); this line is skipped",
		     f->name, where, found->vendor, found->device, sel->guard.vendor, sel->guard.device, o);
		return 0;
	}
	e = add_entry(p, f, sel);
	if (e == NULL)
		return -ENOMEM;
	e->action = PLAN_REFUSE;
	set_reason(e, "%s is %04x:%04x, not %04x:%04x (id= guard at %s): hardware changed?", where, found->vendor,
		   found->device, sel->guard.vendor, sel->guard.device, o);
	return 0;
}

static bool sel_matches(const struct selector *sel, const struct pci_func *f)
{
	switch (sel->kind) {
	case SEL_FUNCTION:
		return pci_addr_cmp(&sel->addr, &f->addr) == 0;
	case SEL_SLOT:
		return sel->addr.domain == f->addr.domain && sel->addr.bus == f->addr.bus &&
		       sel->addr.dev == f->addr.dev;
	case SEL_ID:
		return sel->id.vendor == f->id.vendor && sel->id.device == f->id.device;
	case SEL_VF:
		return f->is_vf && f->vf_index == sel->vf && pci_addr_cmp(&sel->addr, &f->physfn) == 0;
	}
	return false;
}

bool plan_may_select(const struct conf *c, const struct pci_addr *addr, const struct pci_id *id,
		     const struct pci_addr *physfn)
{
	struct pci_func f = {.addr = *addr, .id = *id};

	for (size_t i = 0; i < c->n; i++) {
		const struct selector *s = &c->sel[i];

		if (s->group || (s->kind != SEL_VF && sel_matches(s, &f)) ||
		    (s->kind == SEL_VF && physfn && pci_addr_cmp(&s->addr, physfn) == 0))
			return true;
	}
	return false;
}

bool plan_has_vfs(const struct conf *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->sel[i].kind == SEL_VF)
			return true;
	return false;
}

static int apply_selector(struct plan *p, const struct selector *sel, struct pci_list *pci)
{
	size_t matched = 0;
	int r;

	/* The guard: on a slot, function 0 stands for the card. */
	if (sel->has_guard && sel->kind != SEL_ID) {
		struct pci_addr a = sel->addr;
		struct pci_func *g = NULL;

		if (sel->kind == SEL_SLOT)
			a.fn = 0;
		if (sel->kind != SEL_VF)
			g = pci_find(pci, &a);
		for (size_t i = 0; sel->kind == SEL_VF && i < pci->n && !g; i++)
			if (sel_matches(sel, &pci->f[i]))
				g = &pci->f[i];
		if (g && (g->id.vendor != sel->guard.vendor || g->id.device != sel->guard.device)) {
			for (size_t i = 0; i < pci->n; i++) {
				if (!sel_matches(sel, &pci->f[i]))
					continue;
				r = refuse_guard(p, &pci->f[i], sel, &g->id,
						 sel->kind == SEL_SLOT ? "function 0" : "it");
				if (r < 0)
					return r;
			}
			return 0;
		}
		if (g == NULL && sel->kind == SEL_SLOT) {
			/* No function 0 to compare: treat as absent. */
			goto absent;
		}
	}

	for (size_t i = 0; i < pci->n; i++) {
		struct pci_func *f = &pci->f[i];

		if (!sel_matches(sel, f))
			continue;
		matched++;
		r = choose(p, f, sel, false);
		if (r < 0)
			return r;
		if (!sel->group || f->is_bridge || f->iommu_group < 0)
			continue;
		for (size_t j = 0; j < pci->n; j++) {
			struct pci_func *g = &pci->f[j];

			if (g == f || g->iommu_group != f->iommu_group || g->is_bridge)
				continue;
			r = choose(p, g, sel, true);
			if (r < 0)
				return r;
		}
	}
	if (matched)
		return 0;
absent : {
	struct plan_entry *e = add_entry(p, NULL, sel);

	if (e == NULL)
		return -ENOMEM;
	e->action = PLAN_ABSENT;
	return 0;
}
}

/* The entry of a vfs= line's PF (plan.h); before every other selector, so
 * none can choose the PF for vfio-pci. */
static int apply_pf(struct plan *p, const struct selector *sel, struct pci_list *pci)
{
	struct pci_func *f = pci_find(pci, &sel->addr);
	struct plan_entry *e;
	char o[256];

	if (f == NULL || find_entry(p, f))
		return f ? 0 : apply_selector(p, sel, pci);
	e = add_entry(p, f, sel);
	if (e == NULL)
		return -ENOMEM;
	selector_origin(sel, o, sizeof(o));
	e->action = PLAN_REFUSE;
	if (sel->has_guard && (f->id.vendor != sel->guard.vendor || f->id.device != sel->guard.device))
		set_reason(e, "it is %04x:%04x, not %04x:%04x (id= guard at %s): hardware changed?", f->id.vendor,
			   f->id.device, sel->guard.vendor, sel->guard.device, o);
	else if (f->sriov_total < 0)
		set_reason(e, "vfs=%u at %s: it has no SR-IOV capability (no sriov_totalvfs)", sel->vfs, o);
	else if (sel->vfs > f->sriov_total)
		set_reason(e, "vfs=%u at %s: it offers at most %d virtual functions (sriov_totalvfs)", sel->vfs, o,
			   f->sriov_total);
	else if (f->sriov_num > 0 && f->sriov_num != sel->vfs)
		set_reason(e,
			   "sriov_numvfs is %d, not vfs=%u (at %s): left as it is, its virtual functions may be in "
			   "use (write 0 to it and bind again)",
			   f->sriov_num, sel->vfs, o);
	else
		e->action = PLAN_VFS;
	return 0;
}

/* VFs follow their PF: refused with it, pending while it has not made them. */
static void plan_vfs(struct plan *p, struct pci_list *pci)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i], *pe;
		struct pci_func *pf;

		if (e->sel->kind != SEL_VF || e->via_group || (pf = pci_find(pci, &e->sel->addr)) == NULL ||
		    (pe = find_entry(p, pf)) == NULL)
			continue;
		if (e->action == PLAN_ABSENT)
			e->pending = pe->action == PLAN_VFS;
		else if (pe->action == PLAN_REFUSE && e->action == PLAN_BIND) {
			e->action = PLAN_REFUSE;
			set_reason(e, "its PF %s is refused", pf->name);
		}
	}
}

static bool entry_takes(const struct plan_entry *e)
{
	return e && (e->action == PLAN_BIND || e->action == PLAN_SKIP);
}

bool plan_takes(const struct plan *p, const struct pci_func *f)
{
	return entry_takes(find_entry((struct plan *)p, f));
}

/* A vfio-pci variant driver (mlx5_vfio_pci, hisi_acc_vfio_pci, ...) sets
 * driver_managed_dma, which is what vfio_group_viable() asks of every
 * driver in the group (drivers/vfio/group.c): it is no blocker. */
static bool is_vfio_variant(const char *drv)
{
	size_t l = strlen(drv);

	return l > 9 && (strcmp(drv + l - 9, "_vfio_pci") == 0 || strcmp(drv + l - 9, "-vfio-pci") == 0);
}

static bool driver_allowed(const char *drv)
{
	return drv[0] == '\0' || strcmp(drv, VFIO_DRIVER) == 0 || strcmp(drv, "pci-stub") == 0 || is_vfio_variant(drv);
}

int plan_group_blockers(const struct pci_list *pci, int group, const struct plan *skip, char *buf, size_t len)
{
	int n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < pci->n; i++) {
		const struct pci_func *g = &pci->f[i];

		if (g->iommu_group != group || g->is_bridge || driver_allowed(g->driver))
			continue;
		if (skip && find_entry((struct plan *)skip, g))
			continue;
		str_append(buf, len, "%s%s (%04x:%04x, %s)", n ? "; " : "", g->name, g->id.vendor, g->id.device,
			   g->driver);
		n++;
	}
	return n;
}

/* Check one group; refuse every function chosen in it when not viable. */
static void check_group(struct plan *p, struct pci_list *pci, struct kmodule *km, const struct record *rec, int group)
{
	const char *predicted;
	char blockers[512] = "", mod[PCI_NAME_MAX], o[256], console[256] = "";
	const struct selector *first = NULL;
	int nblock = 0;

	for (size_t i = 0; i < pci->n; i++) {
		struct pci_func *g = &pci->f[i];
		struct plan_entry *e;

		if (g->iommu_group != group || g->is_bridge)
			continue;
		e = find_entry(p, g);
		if (entry_takes(e)) {
			if (!first)
				first = e->sel;
			continue;
		}
		if (!driver_allowed(g->driver)) {
			str_append(blockers, sizeof(blockers), "%s%s (%04x:%04x, driver %s)", nblock ? "; " : "",
				   g->name, g->id.vendor, g->id.device, g->driver);
			nblock++;
		} else if (g->driver[0] == '\0' && km &&
			   kmodule_modalias_match(km, g->modalias, mod, sizeof(mod)) == 0) {
			str_append(blockers, sizeof(blockers),
				   "%s%s (%04x:%04x, no driver yet; coldplug would load %s)", nblock ? "; " : "",
				   g->name, g->id.vendor, g->id.device, mod);
			nblock++;
		} else if (g->driver[0] == '\0' && rec && rec->present &&
			   (predicted = record_list_find(&rec->block, g->name)) != NULL) {
			/* The image's modules.alias is a subset: the build saw
			 * the whole module set. */
			str_append(blockers, sizeof(blockers),
				   "%s%s (%04x:%04x, no driver yet; the image build recorded that coldplug loads %s)",
				   nblock ? "; " : "", g->name, g->id.vendor, g->id.device, predicted);
			nblock++;
		}
	}
	if (nblock == 0 || first == NULL)
		return;
	selector_origin(first, o, sizeof(o));
	for (size_t i = 0; i < pci->n && console[0] == '\0'; i++) {
		const struct pci_func *g = &pci->f[i];
		char named[PCI_NAME_MAX + 4];

		snprintf(named, sizeof(named), "%s (", g->name);
		if (g->iommu_group == group && strstr(blockers, named) && display_only_console(pci, g))
			snprintf(console, sizeof(console),
				 "; %s is the boot GPU and the host's only display: taking it too leaves the host "
				 "headless, so to keep it move the card to a slot in another IOMMU group",
				 g->name);
	}
	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];

		if (!e->f || e->f->iommu_group != group)
			continue;
		if (e->action == PLAN_BIND) {
			e->action = PLAN_REFUSE;
			set_reason(e,
				   "IOMMU group %d is not viable: %s %s not selected; select %s too, or add the word "
				   "'group' at %s%s",
				   group, blockers, nblock > 1 ? "are" : "is", nblock > 1 ? "them" : "it", o, console);
		} else if (e->action == PLAN_SKIP) {
			note(p, LOG_PRIO_WARNING, "%s: on vfio-pci, but IOMMU group %d is not viable: %s", e->f->name,
			     group, blockers);
		}
	}
}

/*
 * What keeps @f from being bound because a mount the host needs could not
 * be traced: the record's untraced lines, and what storage_host_needs()
 * found untraced now where that is the whole truth (the running system)
 * or true wherever it is seen (a network root= on this command line).
 * A storage controller (class 01) falls under any of them, a network
 * controller (class 02) under a network one. Return: the entry, with
 * *@built telling whether the image build recorded it; or NULL.
 */
static const struct record_untraced *untraced_for(const struct pci_func *f, const struct storage *st,
						  const struct record *rec, bool *built)
{
	unsigned cls = f->class >> 16;

	if (cls != 0x01 && cls != 0x02)
		return NULL;
	for (int from_rec = 1; from_rec >= 0; from_rec--) {
		const struct record_untraced_list *l =
		    from_rec ? (rec && rec->present ? &rec->untraced : NULL) : &st->untraced;

		for (size_t i = 0; l && i < l->n; i++) {
			const struct record_untraced *u = &l->v[i];

			if (!from_rec && !st->running && !u->network)
				continue;
			if (cls == 0x02 && !u->network)
				continue;
			*built = from_rec;
			return u;
		}
	}
	return NULL;
}

/*
 * The storage guard for one function about to be bound. Whether the host
 * needs it is known where every disk, volume, mount and swap is visible:
 * the running system, and the image build, which records what it found
 * (record.h). In the initramfs without a record nothing can show that a
 * storage controller does not hold the root, so it is refused (fail
 * closed); other classes stay bindable (an xHCI is the main use case).
 * A mount that could not be traced makes every storage controller (and,
 * for a network root, every network controller) one that may hold it.
 */
static int check_storage(struct plan *p, struct plan_entry *e, struct storage *st, const struct record *rec)
{
	struct pci_func *f = e->f;
	const char *why = record_list_find(&st->holds, f->name);
	bool recorded = rec && rec->present, known = recorded || st->running, built = false;
	const struct record_untraced *u;
	char d[320], o[256];
	size_t *idx, n;

	idx = calloc(st->n ? st->n : 1, sizeof(*idx));
	if (idx == NULL)
		return -ENOMEM;
	n = storage_below(st, f, idx, st->n);
	e->storage[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		storage_describe(&st->b[idx[i]], d, sizeof(d));
		str_append(e->storage, sizeof(e->storage), "%s%s", i ? "; " : "", d);
	}
	free(idx);
	selector_origin(e->sel, o, sizeof(o));
	if (why == NULL && recorded && (why = record_list_find(&rec->prot, f->name)) != NULL) {
		snprintf(d, sizeof(d), "%s, recorded when this image was built", why);
		why = d;
	}
	if (why) {
		if (e->sel->force) {
			note(p, LOG_PRIO_WARNING, "%s: force at %s: binding although it %s", f->name, o, why);
			return 0;
		}
		e->action = PLAN_REFUSE;
		set_reason(e, "%s; the host needs it (the word 'force' at %s would override)", why, o);
		return 0;
	}
	if ((u = untraced_for(f, st, rec, &built)) != NULL) {
		const char *who = built ? "the image build" : "vfiobind";
		const char *what = (f->class >> 16) == 0x01 ? "storage" : "network";

		if (e->sel->force) {
			note(p, LOG_PRIO_WARNING,
			     "%s: force at %s: binding a %s controller although %s could not trace %s (%s)", f->name, o,
			     what, who, u->mount, u->why);
			return 0;
		}
		e->action = PLAN_REFUSE;
		set_reason(e,
			   "%s could not trace %s (%s): every %s controller is refused unless 'force' (at %s); it may "
			   "hold what the host needs",
			   who, u->mount, u->why, what, o);
		return 0;
	}
	if (known)
		return 0;
	if ((f->class >> 16) == 0x01) {
		if (e->sel->force) {
			note(p, LOG_PRIO_WARNING,
			     "%s: force at %s: binding a storage controller that this image has no record of", f->name,
			     o);
			return 0;
		}
		e->action = PLAN_REFUSE;
		set_reason(e,
			   "is a storage controller, and this image carries no record of the disks the host needs "
			   "(it was not built on this machine, or not host-only), so nothing shows it holds no root=, "
			   "mount, swap or resume=; rebuild the image on this machine, or add the word 'force' at %s",
			   o);
	} else if ((f->class >> 8) == 0x0c03 && storage_root_on_usb(st)) {
		note(p, LOG_PRIO_WARNING,
		     "%s: root=%s is a USB disk, and this image carries no record of which USB controller holds it; "
		     "binding this one anyway",
		     f->name, st->root);
	}
	return 0;
}

/* Warnings only: the host console goes dark, and maybe no display is left. */
static void check_display(struct plan *p, const struct pci_list *pci)
{
	bool warned = false, host_gpu = false;

	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];

		if (!e->f || e->action != PLAN_BIND)
			continue;
		display_firmware_fb(e->f, e->firmware_fb, sizeof(e->firmware_fb));
		if (e->f->boot_vga != 1 && !e->firmware_fb[0])
			continue;
		/* Since Linux 6.1 vfio-pci removes a firmware framebuffer on a
		 * VGA-class function's BARs itself (vfio_pci_vga_init() calls
		 * aperture_remove_conflicting_pci_devices(),
		 * drivers/vfio/pci/vfio_pci_core.c); other display classes
		 * (0x0380) are skipped there. */
		bool vga = (e->f->class >> 8) == 0x0300;

		note(p, LOG_PRIO_WARNING, "%s %s%s: the host console on it goes dark%s", e->f->name,
		     e->firmware_fb[0] ? "holds the firmware framebuffer " : "is the boot GPU (boot_vga=1)",
		     e->firmware_fb,
		     vga ? "; vfio-pci removes the firmware framebuffer on it when it binds (Linux 6.1 and later; "
			   "older kernels: boot with video=efifb:off or initcall_blacklist=sysfb_init)"
			 : ", and a firmware framebuffer left on it can upset the guest; boot with video=efifb:off "
			   "(efifb) or initcall_blacklist=sysfb_init (simpledrm)");
		warned = true;
	}
	if (!warned)
		return;
	for (size_t i = 0; i < pci->n; i++) {
		const struct plan_entry *e = find_entry(p, &pci->f[i]);

		if (display_is_gpu(&pci->f[i]) && !(e && (e->action == PLAN_BIND || e->action == PLAN_SKIP)))
			host_gpu = true;
	}
	if (!host_gpu)
		note(p, LOG_PRIO_WARNING, "no display controller is left to the host: it will run headless");
}

/* The reset method each bound or kept function gets (plan.h). */
static void plan_resets(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];

		if (!e->f || (e->action != PLAN_BIND && e->action != PLAN_SKIP))
			continue;
		e->vendor_reset = vendor_reset_handles(&e->f->id);
		if (e->sel->reset[0] && !e->via_group)
			snprintf(e->reset, sizeof(e->reset), "%s", e->sel->reset);
		else if (e->vendor_reset)
			snprintf(e->reset, sizeof(e->reset), "device_specific");
	}
}

static int cmp_entry(const void *a, const void *b)
{
	const struct plan_entry *x = a, *y = b;

	if (x->f && y->f)
		return pci_addr_cmp(&x->f->addr, &y->f->addr);
	if (x->f || y->f)
		return (x->f == NULL) - (y->f == NULL);
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int plan_build(const struct conf *c, struct pci_list *pci, struct kmodule *km, struct storage *st, struct plan *p)
{
	return plan_build_record(c, pci, km, st, NULL, p);
}

int plan_build_record(const struct conf *c, struct pci_list *pci, struct kmodule *km, struct storage *st,
		      const struct record *rec, struct plan *p)
{
	int r;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < c->n; i++) {
		r = c->sel[i].vfs ? apply_pf(p, &c->sel[i], pci) : 0;
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n; i++) {
		r = c->sel[i].vfs ? 0 : apply_selector(p, &c->sel[i], pci);
		if (r < 0)
			return r;
	}
	plan_vfs(p, pci);

	p->no_iommu = !pci_iommu_groups_present();
	for (size_t i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];

		if (e->action != PLAN_BIND)
			continue;
		if (p->no_iommu) {
			e->action = PLAN_REFUSE;
			set_reason(e, "no IOMMU is active");
		} else if (e->f->iommu_group < 0) {
			e->action = PLAN_REFUSE;
			set_reason(e, "has no IOMMU group (not translated by any IOMMU)");
		}
	}

	/* Before viability: a function the storage guard keeps for the host
	 * blocks its group like any other host-owned function. */
	if (st && (r = storage_host_needs(st, pci)) < 0)
		return r;
	for (size_t i = 0; st && i < p->n; i++)
		if (p->e[i].action == PLAN_BIND && (r = check_storage(p, &p->e[i], st, rec)) < 0)
			return r;

	/* Each touched group once, in the order first met. */
	for (size_t i = 0; i < p->n; i++) {
		bool seen = false;

		if (!entry_takes(&p->e[i]) || p->e[i].f->iommu_group < 0)
			continue;
		for (size_t j = 0; j < i; j++)
			if (entry_takes(&p->e[j]) && p->e[j].f->iommu_group == p->e[i].f->iommu_group)
				seen = true;
		if (!seen)
			check_group(p, pci, km, rec, p->e[i].f->iommu_group);
	}

	/* What coldplug would otherwise do with an unbound function. */
	for (size_t i = 0; km && i < p->n; i++) {
		struct plan_entry *e = &p->e[i];

		if (e->f && e->f->driver[0] == '\0')
			kmodule_modalias_match(km, e->f->modalias, e->coldplug_module, sizeof(e->coldplug_module));
	}

	plan_resets(p);
	check_display(p, pci);
	if (p->n > 1)
		qsort(p->e, p->n, sizeof(*p->e), cmp_entry);
	return 0;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i].msg);
	free(p->notes);
	free(p->e);
	memset(p, 0, sizeof(*p));
}

size_t plan_count(const struct plan *p, enum plan_action a)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->e[i].action == a;
	return n;
}

int plan_predict_blockers(const struct pci_list *pci, struct kmodule *km, struct record_list *out)
{
	char mod[PCI_NAME_MAX];

	for (size_t i = 0; i < pci->n; i++) {
		const struct pci_func *f = &pci->f[i];
		int r;

		if (f->is_bridge || kmodule_modalias_match(km, f->modalias, mod, sizeof(mod)) < 0)
			continue;
		r = record_list_add(out, f->name, mod);
		if (r < 0)
			return r;
	}
	return 0;
}
