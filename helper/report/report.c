// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report.c - tables, log lines, the ids= warning and the status file.
 */
#include "report/report.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/sha256.h"
#include "basic/str.h"
#include "basic/sysfs.h"
#include "system/initramfs.h"
#include "system/pciclass.h"

#define VFIO_DRIVER "vfio-pci"

static const struct plan_entry *entry_for(const struct plan *p, const struct pci_func *f)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (p->e[i].f == f)
			return &p->e[i];
	return NULL;
}

static void driver_text(struct kmodule *km, const struct pci_func *f, char *buf, size_t len)
{
	kmodule_driver_text(km, f->driver, f->modalias, buf, len);
}

void report_no_iommu(void)
{
	ERR("no IOMMU groups in /sys/kernel/iommu_groups: the IOMMU is off, so nothing can be passed through. "
	    "Enable VT-d (Intel) or IOMMU/AMD-Vi (AMD) in the firmware setup, and on Intel boot with "
	    "intel_iommu=on; check with: dmesg | grep -i -e DMAR -e AMD-Vi");
}

static void print_group_line(FILE *out, const struct plan *p, const struct pci_list *pci, const struct pci_func *f)
{
	int others = 0;

	if (f->iommu_group < 0) {
		fprintf(out, "  group:  none\n");
		return;
	}
	fprintf(out, "  group:  %d", f->iommu_group);
	for (size_t i = 0; i < pci->n; i++) {
		const struct pci_func *g = &pci->f[i];
		const struct plan_entry *e;
		const char *state;

		if (g == f || g->iommu_group != f->iommu_group)
			continue;
		e = entry_for(p, g);
		if (g->is_bridge)
			state = "bridge";
		else if (e && (e->action == PLAN_BIND || e->action == PLAN_SKIP))
			state = "selected";
		else if (!g->driver[0])
			state = "no driver";
		else
			state = g->driver;
		fprintf(out, "%s%s %04x:%04x %s", others ? ", " : ", with ", g->name, g->id.vendor, g->id.device,
			state);
		others++;
	}
	fprintf(out, "%s\n", others ? "" : ", alone");
}

/* reset_method for a table: "flr,bus" as reset= takes it, "none" when
 * every method is disabled, "-" without the attribute. */
/* The plan's "reset:" line: what bind writes, and what is there now. */
static void print_reset(FILE *out, const struct plan_entry *e)
{
	const struct pci_func *f = e->f;
	char now[96];

	if (!e->reset[0])
		return;
	if (!f->has_reset_method)
		snprintf(now, sizeof(now), "no reset_method attribute: kernel before 5.15, or no method");
	else
		snprintf(now, sizeof(now), "now '%s'", f->reset_method);
	if (e->vendor_reset && !e->sel->reset[0])
		fprintf(out,
			"  reset:  write reset_method '%s' before the bind, after loading vendor-reset (%s; "
			"nothing if vendor-reset is not in the image)\n",
			e->reset, now);
	else
		fprintf(out, "  reset:  write reset_method '%s' before the bind (%s)%s\n", e->reset, now,
			e->vendor_reset ? "; vendor-reset loaded first" : "");
}

static void print_action(FILE *out, const struct plan_entry *e, const char *drv)
{
	const struct pci_func *f = e->f;

	switch (e->action) {
	case PLAN_BIND:
		if (f->driver[0])
			fprintf(out, "  action: bind: set driver_override, unbind from %s, probe vfio-pci\n", drv);
		else
			fprintf(out, "  action: bind: set driver_override, probe vfio-pci\n");
		break;
	case PLAN_SKIP:
		fprintf(out, "  action: none: already on vfio-pci\n");
		break;
	case PLAN_REFUSE:
		fprintf(out, "  action: refuse: %s\n", e->reason);
		break;
	case PLAN_ABSENT:
		break;
	case PLAN_VFS:
		fprintf(out, "  action: vfs: keep %s; sriov_drivers_autoprobe 0, sriov_numvfs %u (now %d of %d)%s\n",
			f->driver[0] ? drv : "its driver (none yet: when one binds)", e->sel->vfs, f->sriov_num,
			f->sriov_total,
			e->sel->host_vfs ? "; undeclared VFs then go to host drivers (host-vfs)"
					 : "; undeclared VFs stay without a driver");
		break;
	}
}

void report_plan(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km,
		 const struct cmdline *cl)
{
	char drv[PCI_NAME_MAX * 2 + 16], o[256], d[96];

	fprintf(out, "# vfiobind plan: %zu to bind, %zu already on vfio-pci, %zu refused, %zu absent\n",
		plan_count(p, PLAN_BIND), plan_count(p, PLAN_SKIP), plan_count(p, PLAN_REFUSE),
		plan_count(p, PLAN_ABSENT));
	if (cl->off)
		fprintf(out, "# vfiobind=off is on the kernel command line: bind does nothing this boot\n");
	if (p->no_iommu)
		fprintf(out, "# no IOMMU is active (empty /sys/kernel/iommu_groups): bind refuses everything\n");

	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->e[i];
		const struct pci_func *f = e->f;

		selector_origin(e->sel, o, sizeof(o));
		fprintf(out, "\n");
		if (!f && e->pending) {
			selector_describe(e->sel, d, sizeof(d));
			fprintf(out,
				"%s: not created yet\n  action: bind to vfio-pci once its PF creates it (vfs=)\n"
				"  from:   %s (%s)\n",
				d, o, e->sel->text);
			continue;
		}
		if (!f) {
			selector_describe(e->sel, d, sizeof(d));
			fprintf(out, "%s: absent\n", d);
			fprintf(out, "  action: none: %s%s\n",
				e->sel->kind == SEL_ID ? "no function has this ID" : "no such PCI function",
				e->sel->optional ? " (optional)" : "");
			fprintf(out, "  from:   %s (%s)\n", o, e->sel->text);
			continue;
		}
		driver_text(km, f, drv, sizeof(drv));
		fprintf(out, "%s  %04x:%04x  %s [%04x]\n", f->name, f->id.vendor, f->id.device,
			pci_class_name(f->class), f->class >> 8);
		if (f->is_vf) {
			char pa[PCI_ADDR_STRLEN];

			pci_addr_format(&f->physfn, pa);
			fprintf(out, "  vf:     vf%u of %s\n", f->vf_index, pa);
		}
		if (f->driver[0])
			fprintf(out, "  driver: %s\n", drv);
		else if (e->coldplug_module[0])
			fprintf(out, "  driver: none yet (modalias: coldplug would load %s)\n", e->coldplug_module);
		else
			fprintf(out, "  driver: none\n");
		if (f->override[0])
			fprintf(out, "  driver_override: %s\n", f->override);
		print_action(out, e, drv);
		print_reset(out, e);
		print_group_line(out, p, pci, f);
		fprintf(out, "  from:   %s (%s%s)\n", o, e->sel->text, e->via_group ? ", group" : "");
		if (e->storage[0])
			fprintf(out, "  disks:  %s\n", e->storage);
		if (f->boot_vga == 1)
			fprintf(out, "  note:   boot_vga: the firmware console is on this GPU\n");
		if (e->firmware_fb[0])
			fprintf(out, "  note:   its BARs hold the firmware framebuffer %s\n", e->firmware_fb);
		if (!f->has_reset)
			fprintf(out, "  note:   no reset method: it may not return to the host after the guest\n");
	}
	for (size_t i = 0; i < p->nnotes; i++)
		fprintf(out, "%s%s\n", i == 0 ? "\n" : "", p->notes[i].msg);
}

static void append_flag(char *line, size_t len, const char *flag, const char *val)
{
	str_append(line, len, "  %s%s", flag, val);
}

struct list_widths {
	int addr, cls, drv;
};

void report_list(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km)
{
	struct list_widths w = {12, 0, 1};
	char drv[PCI_NAME_MAX * 2 + 16];
	char *drvs;
	int last = -2;
	/* Groups in ascending order, then the functions without one. */
	int maxg = -1;

	drvs = calloc(pci->n ? pci->n : 1, sizeof(drv));
	if (drvs == NULL)
		return;
	for (size_t i = 0; i < pci->n; i++) {
		const struct pci_func *f = &pci->f[i];
		int l;

		driver_text(km, f, drvs + i * sizeof(drv), sizeof(drv));
		l = (int)strlen(drvs + i * sizeof(drv));
		if (l > w.drv)
			w.drv = l;
		l = (int)strlen(pci_class_name(f->class));
		if (l > w.cls)
			w.cls = l;
		l = (int)strlen(f->name);
		if (l > w.addr)
			w.addr = l;
		if (f->iommu_group > maxg)
			maxg = f->iommu_group;
	}

	/* One pass per group would be O(groups x functions); sort indices
	 * by (group, address) instead. Functions are already address-sorted,
	 * so a counting pass by group keeps it linear. */
	size_t *idx = calloc(pci->n ? pci->n : 1, sizeof(*idx));
	size_t *start = calloc((size_t)maxg + 3, sizeof(*start));

	if (idx == NULL || start == NULL) {
		free(idx);
		free(start);
		free(drvs);
		return;
	}
	/* bucket 0: no group; bucket g+1: group g */
	for (size_t i = 0; i < pci->n; i++)
		start[(size_t)(pci->f[i].iommu_group + 1) + 1]++;
	for (size_t b = 1; b < (size_t)maxg + 3; b++)
		start[b] += start[b - 1];
	for (size_t i = 0; i < pci->n; i++)
		idx[start[(size_t)(pci->f[i].iommu_group + 1)]++] = i;
	/* Print groups first, the ungrouped last. */
	size_t nogroup = 0;

	for (size_t k = 0; k < pci->n; k++)
		nogroup += pci->f[idx[k]].iommu_group < 0;
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t k = pass ? 0 : nogroup; k < (pass ? nogroup : pci->n); k++) {
			const struct pci_func *f = &pci->f[idx[k]];
			const struct plan_entry *e = entry_for(p, f);
			bool sel = e && e->f;

			if (f->iommu_group != last) {
				if (f->iommu_group < 0)
					fprintf(out, "No IOMMU group\n");
				else
					fprintf(out, "IOMMU group %d\n", f->iommu_group);
				last = f->iommu_group;
			}
			char line[512];
			size_t len;

			snprintf(line, sizeof(line), "  %c %-*s  %04x:%04x  %-*s  %-*s", sel ? '*' : ' ', w.addr,
				 f->name, f->id.vendor, f->id.device, w.cls, pci_class_name(f->class), w.drv,
				 drvs + idx[k] * sizeof(drv));
			if (f->override[0])
				append_flag(line, sizeof(line), "override=", f->override);
			if (f->boot_vga == 1)
				append_flag(line, sizeof(line), "boot_vga", "");
			if (f->sriov_total >= 0) {
				char v[32];

				snprintf(v, sizeof(v), "%d/%d", f->sriov_num, f->sriov_total);
				append_flag(line, sizeof(line), "sriov_numvfs=", v);
			}
			if (f->is_vf) {
				char v[48], pa[PCI_ADDR_STRLEN];

				pci_addr_format(&f->physfn, pa);
				snprintf(v, sizeof(v), "VF %u of %s", f->vf_index, pa);
				append_flag(line, sizeof(line), v, "");
			}
			if (sel && !f->has_reset)
				append_flag(line, sizeof(line), "no-reset", "");
			if (f->has_reset_method) {
				char rm[sizeof(f->reset_method)];

				append_flag(line, sizeof(line), "reset=", pci_reset_method_text(f, rm, sizeof(rm)));
			}
			len = strlen(line);
			while (len > 0 && line[len - 1] == ' ')
				line[--len] = '\0';
			fputs(line, out);
			fputc('\n', out);
		}
	}
	free(idx);
	free(start);
	free(drvs);
}

static bool entry_counts(const struct plan_entry *e)
{
	/* A bridge a slot happened to cover is never bound: not a miss. */
	return e->f && !e->f->is_bridge;
}

const char *report_func_state(const struct pci_func *f, const struct pci_list *pci, const struct plan *p,
			      char *blockers, size_t len)
{
	if (strcmp(f->driver, VFIO_DRIVER) != 0)
		return "not on vfio-pci";
	if (f->iommu_group >= 0 && plan_group_blockers(pci, f->iommu_group, p, blockers, len))
		return "group not viable";
	return "ok";
}

bool report_status(FILE *out, const struct plan *p, const struct pci_list *pci, const struct cmdline *cl)
{
	char blockers[512], d[96], rm[64];
	bool ok = true;

	fprintf(out, "%-12s  %-9s  %5s  %-18s  %-16s  %s\n", "ADDRESS", "ID", "GROUP", "DRIVER", "RESET", "STATE");
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->e[i];
		const struct pci_func *f = e->f;
		const char *state;
		char grp[16];

		if (!f) {
			selector_describe(e->sel, d, sizeof(d));
			fprintf(out, "%-12s  %-9s  %5s  %-18s  %-16s  %s\n", d, "-", "-", "-", "-",
				e->pending	   ? "not created yet (vfs=)"
				: e->sel->optional ? "absent (optional)"
						   : "absent");
			ok = ok && e->sel->optional;
			continue;
		}
		if (!entry_counts(e))
			continue;
		if (f->iommu_group >= 0)
			snprintf(grp, sizeof(grp), "%d", f->iommu_group);
		else
			snprintf(grp, sizeof(grp), "-");
		state = report_func_state(f, pci, p, blockers, sizeof(blockers));
		if (e->action == PLAN_VFS) {
			/* The PF keeps its driver: its state is its VF count. */
			snprintf(blockers, sizeof(blockers), "%s: PF, %d of vfs=%u virtual functions",
				 f->sriov_num == e->sel->vfs ? "ok" : "not ready", f->sriov_num, e->sel->vfs);
			state = blockers;
		}
		ok = ok && (strcmp(state, "ok") == 0 || strncmp(state, "ok:", 3) == 0);
		fprintf(out, "%-12s  %04x:%04x  %5s  %-18s  %-16s  %s\n", f->name, f->id.vendor, f->id.device, grp,
			f->driver[0] ? f->driver : "-", pci_reset_method_text(f, rm, sizeof(rm)), state);
	}
	/* Every group once: name what blocks it. */
	for (size_t i = 0; i < p->n; i++) {
		const struct pci_func *f = p->e[i].f;
		bool seen = false;

		if (!f || !entry_counts(&p->e[i]) || f->iommu_group < 0)
			continue;
		for (size_t j = 0; j < i; j++)
			if (p->e[j].f && p->e[j].f->iommu_group == f->iommu_group)
				seen = true;
		if (!seen && plan_group_blockers(pci, f->iommu_group, p, blockers, sizeof(blockers)))
			fprintf(out, "IOMMU group %d is not viable: %s\n", f->iommu_group, blockers);
	}
	if (cl->off)
		fprintf(out, "vfiobind=off is on the kernel command line: nothing was bound this boot\n");
	if (p->n == 0)
		fprintf(out, "no devices declared\n");
	return ok;
}

void report_log_plan(const struct plan *p)
{
	char o[256], d[96];

	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->e[i];

		selector_origin(e->sel, o, sizeof(o));
		if (e->action == PLAN_ABSENT && e->pending) {
			selector_describe(e->sel, d, sizeof(d));
			INF("%s (%s): created when its PF's driver binds", d, o);
		} else if (e->action == PLAN_ABSENT) {
			selector_describe(e->sel, d, sizeof(d));
			log_printf(e->sel->optional ? LOG_PRIO_INFO : LOG_PRIO_ERR, "%s (%s): %s%s", d, o,
				   e->sel->kind == SEL_ID ? "no function has this ID" : "no such PCI function",
				   e->sel->optional ? ", optional" : "");
		} else if (e->action == PLAN_REFUSE) {
			ERR("%s: refused: %s", e->f->name, e->reason);
		} else if (e->action == PLAN_SKIP) {
			INF("%s: already on vfio-pci, left alone", e->f->name);
		}
	}
	for (size_t i = 0; i < p->nnotes; i++)
		log_printf(p->notes[i].prio, "%s", p->notes[i].msg);
}

/* ---- a leftover vfio-pci ids= ---------------------------------------------- */

static bool planned(const struct plan *plan, const struct pci_func *f)
{
	for (size_t i = 0; plan && i < plan->n; i++)
		if (plan->e[i].f == f && plan->e[i].action != PLAN_REFUSE)
			return true;
	return false;
}

/* Whether @f's vendor:device is in the list @ids ("v:d[:sv:sd...],..."). */
static bool ids_match(const char *ids, const struct pci_func *f)
{
	const char *p = ids;

	while (*p) {
		size_t n;
		struct pci_id id;

		/* vfio_pci_fill_ids() reads each with sscanf("%x:%x..."),
		 * which skips leading blanks: `ids="1b36:000d, 8086:293e"`. */
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		n = strcspn(p, ",");

		/* vendor:device are the first 9 bytes; the subsystem and class
		 * fields after them only narrow the match. */
		if (n >= 9 && pci_id_parse(p, 9, &id) == 0 && (n == 9 || p[9] == ':') && id.vendor == f->id.vendor &&
		    id.device == f->id.device)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

void modprobe_ids_describe(const struct modprobe_ids *m, const struct pci_list *pci, const struct plan *plan,
			   bool builtin, char *buf, size_t len)
{
	char what[512] = "";
	size_t taken = 0;

	for (size_t i = 0; pci && i < pci->n; i++) {
		const struct pci_func *f = &pci->f[i];

		if (f->is_bridge || planned(plan, f) || !ids_match(m->ids, f))
			continue;
		str_append(what, sizeof(what), "%s%s (%04x:%04x, %s)", taken ? ", " : "", f->name, f->id.vendor,
			   f->id.device, f->driver[0] ? f->driver : "no driver yet");
		taken++;
	}
	buf[0] = '\0';
	if (m->line)
		str_append(buf, len, "%s:%u: ", m->file, m->line);
	else
		str_append(buf, len, "%s: ", m->file);
	if (builtin && m->line == 0) {
		/* Built in, the kernel hands vfio-pci its command-line
		 * parameters at init (kernel/params.c), and vfio_pci_init()
		 * adds the IDs before any initramfs hook exists. */
		str_append(buf, len,
			   "vfio-pci.ids=%s is applied by the kernel itself: vfio-pci is built into this kernel "
			   "(modules.builtin), so at init, before any vfiobind hook runs, it binds every function "
			   "with those IDs that no built-in driver claimed first, ",
			   m->ids);
		if (taken)
			str_append(buf, len, "taking what vfiobind does not declare: %s", what);
		else
			str_append(buf, len, "declared or not, outside vfiobind's checks");
		str_append(buf, len,
			   "; delete vfio-pci.ids= from the kernel command line (/etc/vfiobind.conf "
			   "declares the devices)");
		return;
	}
	str_append(buf, len, "vfio-pci ids=%s is ignored: vfiobind loads vfio-pci without it, ", m->ids);
	if (taken)
		str_append(buf, len, "since it would also hand vfio-pci what vfiobind does not bind: %s", what);
	else
		str_append(buf, len, "since it hands vfio-pci every function with those IDs, declared or not");
	str_append(buf, len, "; delete ids= from %s (/etc/vfiobind.conf declares the devices)",
		   m->line ? "that line" : "the kernel command line");
}

/* ---- the status file ------------------------------------------------------- */

/* Set once by bind before it writes the status file. */
static char status_conf_path[PATH_MAX], status_conf_name[PATH_MAX];

void status_set_config(const char *path, const char *name)
{
	str_copy(status_conf_path, sizeof(status_conf_path), path);
	str_copy(status_conf_name, sizeof(status_conf_name), name);
}

/* "sha256 HEX" or "absent" (or "unreadable") for the file at @path. */
static void config_digest(const char *path, char *buf, size_t len)
{
	char hex[SHA256_HEX_LEN];
	int r = sha256_file(path, hex);

	if (r == 0)
		snprintf(buf, len, "sha256 %s", hex);
	else
		snprintf(buf, len, "%s", r == -ENOENT ? "absent" : "unreadable");
}

int status_stale(const char *path, const char *name, char *msg, size_t len)
{
	char line[PATH_MAX + 128], then[128] = "", now[128];
	FILE *f = root_fopen(STATUS_FILE);

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *rest, *sp;

		if (line[0] != '#')
			break;
		line[strcspn(line, "\n")] = '\0';
		rest = str_startswith(line, "# config ");
		if (rest == NULL)
			continue;
		/* The name may hold blanks; the digest is the last one or two words. */
		sp = strstr(rest, " sha256 ");
		if (sp == NULL && (sp = strrchr(rest, ' ')) == NULL)
			break;
		snprintf(then, sizeof(then), "%s", sp + 1);
		break;
	}
	fclose(f);
	if (then[0] == '\0' || strcmp(then, "unreadable") == 0)
		return 0;
	config_digest(path, now, sizeof(now));
	if (strcmp(then, now) == 0 || strcmp(now, "unreadable") == 0)
		return 0;
	snprintf(msg, len,
		 "%s changed after the initramfs was built: this boot's bind used %s, the file now has %s; "
		 "rebuild the image (%s: %s) and reboot",
		 name, then, strcmp(now, "absent") == 0 ? "none" : now, initramfs_tool_name(initramfs_tool_detect()),
		 initramfs_rebuild_cmd(initramfs_tool_detect()));
	return 1;
}

struct status_args {
	const struct plan *p;
	bool off;
	const char *disabled; /* the image's reason, or NULL */
};

static int status_print(FILE *f, void *arg)
{
	const struct status_args *a = arg;
	const struct plan *p = a->p;
	bool off = a->off;

	fprintf(f, "# vfiobind status%s: address vendor:device iommu_group result driver\n",
		a->disabled ? " (image built without binding)"
		: off	    ? " (vfiobind=off)"
			    : "");
	if (a->disabled) {
		fprintf(f, "# disabled %s\n", a->disabled);
		return 0;
	}
	if (status_conf_path[0]) {
		char dg[128];

		config_digest(status_conf_path, dg, sizeof(dg));
		fprintf(f, "# config %s %s\n", status_conf_name, dg);
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->e[i];
		const struct pci_func *fn = e->f;
		const char *res = off ? "off" : plan_result_str(e->result);
		const char *slot;
		char d[96];

		if (!fn) {
			if (e->sel->kind == SEL_ID)
				fprintf(f, "- %04x:%04x - %s -\n", e->sel->id.vendor, e->sel->id.device, res);
			else {
				selector_describe(e->sel, d, sizeof(d));
				slot = str_startswith(d, "slot ");
				fprintf(f, "%s - - %s -\n", slot ? slot : d, res);
			}
			continue;
		}
		if (fn->iommu_group >= 0)
			fprintf(f, "%s %04x:%04x %d %s %s\n", fn->name, fn->id.vendor, fn->id.device, fn->iommu_group,
				res, fn->driver[0] ? fn->driver : "-");
		else
			fprintf(f, "%s %04x:%04x - %s %s\n", fn->name, fn->id.vendor, fn->id.device, res,
				fn->driver[0] ? fn->driver : "-");
	}
	return 0;
}

static int status_write_args(const struct status_args *a)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int r;

	if (root_path(dir, sizeof(dir), STATUS_DIR) < 0 || root_path(path, sizeof(path), STATUS_FILE) < 0)
		return -ENAMETOOLONG;
	r = fs_mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	return write_atomic_stream(path, 0644, status_print, (void *)a);
}

int status_write(const struct plan *p, bool off)
{
	struct status_args a = {p, off, NULL};

	return status_write_args(&a);
}

int status_write_disabled(const char *reason)
{
	struct plan none = {0};
	struct status_args a = {&none, false, reason};

	return status_write_args(&a);
}

int status_disabled(char *msg, size_t len)
{
	char line[1024];
	const char *rest = NULL;
	FILE *f = root_fopen(STATUS_FILE);

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) && line[0] == '#') {
		line[strcspn(line, "\n")] = '\0';
		rest = str_startswith(line, "# disabled ");
		if (rest)
			break;
	}
	fclose(f);
	if (rest == NULL)
		return 0;
	snprintf(msg, len, "%s", rest);
	return 1;
}
