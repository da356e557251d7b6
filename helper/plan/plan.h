/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plan.h - from a device list and a PCI scan to what will be done to each
 * function, and why. Pure: reads the scan (and libkmod for modalias
 * lookups), writes nothing to sysfs.
 *
 * Viability follows the kernel's rule for opening a VFIO group
 * (drivers/vfio/group.c, vfio_dev_driver_allowed()): every function of the
 * group must be bound to vfio-pci, to pci-stub, or to nothing; functions
 * with a bridge header are exempt. In early boot "nothing" is not enough:
 * a function whose modalias resolves to a module will be claimed at
 * coldplug, so it counts as a host driver too; the image's modules.alias
 * is a subset, so the image build's record of blockers (record.h) counts
 * as well. Blacklisted modules and vfio-pci variants (driver_managed_dma)
 * are no host drivers.
 */
#pragma once

#include <stdbool.h>

#include "config/conf.h"
#include "system/kmodule.h"
#include "system/pci.h"
#include "system/record.h"
#include "system/storage.h"

enum plan_action {
	PLAN_BIND,   /* set driver_override, unbind if bound, probe, verify */
	PLAN_SKIP,   /* already on vfio-pci: not touched */
	PLAN_REFUSE, /* not touched; reason says why */
	PLAN_ABSENT, /* the selector matched no function (f == NULL) */
	PLAN_VFS,    /* a PF with vfs=: keeps its driver, gets its VFs */
};

enum plan_result {
	RESULT_NONE,	/* not applied (plan, status, or vfiobind=off) */
	RESULT_BOUND,	/* moved to vfio-pci now */
	RESULT_ALREADY, /* was on vfio-pci */
	RESULT_FAILED,	/* a step failed; rolled back */
	RESULT_REFUSED, /* refused by the plan */
	RESULT_ABSENT,	/* no such function */
	RESULT_VFS,	/* a vfs= PF: sriov_numvfs is N */
	RESULT_PENDING, /* a vfs= PF without a driver yet, or a VF of it */
};

struct plan_entry {
	struct pci_func *f;	    /* NULL for PLAN_ABSENT */
	const struct selector *sel; /* the first selector that chose it */
	bool via_group;		    /* chosen by another function's 'group' */
	/* PLAN_ABSENT for a PF/vfN selector whose PF is there but has not
	 * created it yet: bound when the PF's driver binds, not a miss. */
	bool pending;
	enum plan_action action;
	enum plan_result result;
	unsigned seq;			    /* creation order, for a stable sort */
	char reason[640];		    /* why refused / failed; "" otherwise */
	char coldplug_module[PCI_NAME_MAX]; /* no driver yet: what would bind */
	char storage[768];		    /* disks below it, for plan */
	char firmware_fb[64];		    /* iomem framebuffer on its BARs */
	/* What bind writes to reset_method before the bind ("flr pm",
	 * "default", "device_specific"), "" for nothing; PLAN_BIND and
	 * PLAN_SKIP entries only. The line's reset= when the line chose the
	 * function itself (not through another function's 'group'), else
	 * device_specific for an ID vendor-reset handles. */
	char reset[SELECTOR_RESET_MAX];
	bool vendor_reset; /* its ID is vendor-reset's: load it first */
	/* Bookkeeping while applying, for rollback. */
	bool override_written;
	char unbound_from[PCI_NAME_MAX];
	bool reset_written; /* reset_method changed; reset_before restores it */
	char reset_before[64];
};

struct plan_note {
	int prio; /* LOG_PRIO_* */
	char *msg;
};

struct plan {
	struct plan_entry *e;
	size_t n;
	size_t cap;
	struct plan_note *notes;
	size_t nnotes;
	size_t notes_cap;
	bool no_iommu; /* /sys/kernel/iommu_groups empty: everything refused */
};

/**
 * plan_may_select() - whether a selector of @c could choose the function
 * at @addr with vendor:device @id, before the machine is read: the late
 * bind's early exit (one udev event per function at coldplug). True for
 * an address, slot or ID match, and for any selector with 'group' (its
 * group is known only after pci_scan()); the plan still decides.
 * @physfn: the PF of a virtual function (its physfn link), or NULL: a VF
 *          may be chosen when a PF/vfN selector names that PF.
 * Return: false when no selector can choose it.
 */
bool plan_may_select(const struct conf *c, const struct pci_addr *addr, const struct pci_id *id,
		     const struct pci_addr *physfn);

/** plan_takes() - whether @p binds @f or keeps it on vfio-pci (its entry
 * is PLAN_BIND or PLAN_SKIP). */
bool plan_takes(const struct plan *p, const struct pci_func *f);

/** plan_has_vfs() - whether @c has a PF/vfN selector (late bind: then a
 * function's physfn link is worth reading). */
bool plan_has_vfs(const struct conf *c);

/**
 * plan_build() - match every selector of @c against @pci and decide.
 * @km: libkmod context for modalias lookups, or NULL to skip them.
 * @st: block devices for the storage guard, or NULL to skip it.
 * @p:  the result; free with plan_free().
 *
 * Selectors are taken in order; a function chosen twice keeps its first
 * selector and the repeat becomes a note. Refused: bridges, id= guard
 * mismatches, functions the host needs for its storage (see
 * plan_build_record(); unless the line says force), functions without an
 * IOMMU group,
 * and whole groups that are not viable. The display guard only adds
 * warnings. Resets: each bound or kept entry gets the reset= of its line,
 * or device_specific when vendor-reset handles its ID
 * (system/vendorreset.h). SR-IOV: a vfs= line gives its PF a PLAN_VFS
 * entry (never bound; its host driver is what creates the VFs), refused
 * when it has no sriov_totalvfs, when N is above it, or when sriov_numvfs
 * already holds another non-zero count; a PF/vfN selector chooses the
 * VF its PF's virtfnN link names (refused with its PF; PLAN_ABSENT and
 * pending while the PF has not created it). A PF in a VF's IOMMU group
 * blocks it like any host-owned function (the kernel's rule).
 * Never fails on bad hardware state: every problem becomes a refusal or
 * a note.
 * Return: 0, or -ENOMEM.
 */
int plan_build(const struct conf *c, struct pci_list *pci, struct kmodule *km, struct storage *st, struct plan *p);

/**
 * plan_build_record() - plan_build() with the image build's record.
 * @rec: what the image build recorded (record_read() and record_verify():
 *       a record that failed a check is not present), or NULL for none.
 *
 * Storage: a function the host needs (storage_host_needs() on what is
 * visible now, or the record's protected list) is refused unless the line
 * says force. Without a record, and outside the running system (storage.h:
 * the initramfs by what says so, or a / in memory), a storage controller
 * (class 01) is refused
 * unless force, and a USB controller only gets a warning when root= names
 * a USB disk. Untraced (record.h): with a record that lists an untraced
 * mount, or on the running system where storage_host_needs() finds one,
 * every storage controller not already refused is refused unless force
 * ("the image build could not trace / (...): every storage controller is
 * refused unless 'force'"); for a network one (and for a network root= on
 * this boot's command line, record or not) every network controller
 * (class 02) too. Viability: a function with no driver that the record's
 * blockers list counts as taken, like one whose modalias resolves in the
 * image.
 * Return: 0, or -ENOMEM.
 */
int plan_build_record(const struct conf *c, struct pci_list *pci, struct kmodule *km, struct storage *st,
		      const struct record *rec, struct plan *p);

/**
 * plan_predict_blockers() - for the image build: every non-bridge function
 * whose modalias resolves, in the full module set of the built system, to
 * a module coldplug would load (not blacklisted, not vfio-pci or a
 * variant), with that module.
 * Return: 0, or -ENOMEM.
 */
int plan_predict_blockers(const struct pci_list *pci, struct kmodule *km, struct record_list *out);

void plan_free(struct plan *p);

/**
 * plan_add_note() - a note from outside the planner (a caller that knows
 * more of the host: cmd/input.c's vfio-pci.ids= of a built-in vfio-pci),
 * shown with the plan's own (text, JSON "notes", the bind log).
 * @msg: copied, whole. Out of memory, the note is lost (no error return;
 * notes are advice).
 */
void plan_add_note(struct plan *p, int prio, const char *msg);

/** plan_count() - how many entries have action @a. */
size_t plan_count(const struct plan *p, enum plan_action a);

/**
 * plan_group_blockers() - describe what keeps IOMMU group @group from
 * being viable right now: every non-bridge function bound to a driver
 * other than vfio-pci or pci-stub.
 * @skip: a plan whose chosen functions are left out of the answer (the
 *        caller reports those itself), or NULL.
 * @buf:  "0000:02:00.1 (1022:43eb, ahci); ..." or "" when viable.
 * Return: the number of blockers.
 */
int plan_group_blockers(const struct pci_list *pci, int group, const struct plan *skip, char *buf, size_t len);

const char *plan_action_str(enum plan_action a);
const char *plan_result_str(enum plan_result r);
