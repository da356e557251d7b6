/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * devices.h - the PCI functions one VM owns: resolved from its devices =
 * line (or, without one, from every function the device list selects)
 * against a scan, placed in the guest, and checked before a start.
 *
 * Guest placement (what `vfiobind qemu-args` prints):
 *   - the functions of one host slot (a card) go to one guest slot, so a
 *     GPU keeps its audio, USB-C and UCSI functions beside it: splitting
 *     them across guest slots broke the guest driver on the reference
 *     machine (RX 7900 XT);
 *   - function numbers are kept when the VM has the card's function 0;
 *     otherwise they are numbered from 0 in host order, because a guest
 *     only finds a slot through its function 0 (a lone 0f:00.3 becomes
 *     00.0);
 *   - multifunction=on on guest function 0 when the slot has more than
 *     one function;
 *   - each card on its own pcie-root-port (id vfiobind-rpN, chassis
 *     200+N, so that it does not collide with the user's own ports, which
 *     libvirt-style configurations number from 1), unless a bus = line
 *     puts it on a bus of the user's.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config/conf.h"
#include "config/vmconf.h"
#include "plan/plan.h"
#include "system/pci.h"

#define VM_PORT_CHASSIS 200

struct vmfunc {
	struct pci_func *f;
	bool declared;	     /* the device list selects it: bind binds it */
	const char *romfile; /* from romfile =, or NULL */
	/* Guest placement. */
	char bus[VM_QEMU_ID_MAX + 1]; /* "vfiobind-rp0" or the user's bus */
	bool own_port;		      /* bus is a root port vfiobind adds */
	unsigned port;		      /* its index N */
	unsigned gdev, gfn;	      /* guest device and function */
	bool multifunction;	      /* guest function 0 of a shared slot */
};

struct vmdevs {
	struct vmfunc *v; /* sorted by host address */
	size_t n;
	unsigned nports;
	int *groups; /* distinct IOMMU groups, ascending; -1 never stored */
	size_t ngroups;
};

/**
 * vmdevs_resolve() - find and place the functions of @vm.
 * @c:    the configuration (device list and VMs).
 * @pci:  the scan.
 * @out:  the result; free with vmdevs_free().
 * @errs: one "VM NAME: ..." message per problem: a devices = selector that
 *        matches nothing, a declared device that is absent, a romfile = or
 *        bus = for a function the VM does not have, functions of one card
 *        that would land on different buses, a function without an IOMMU
 *        group, or no function at all.
 *
 * Bridges are never a VM's functions (vfio never needs them).
 * Return: the number of errors (0: @out is complete), or -ENOMEM.
 */
int vmdevs_resolve(const struct vm *vm, const struct conf *c, struct pci_list *pci, struct vmdevs *out,
		   struct diags *errs);

/**
 * vmdevs_check() - whether the VM could start now: every function on
 * vfio-pci, every IOMMU group viable (drivers/vfio/group.c: every function
 * of the group on vfio-pci, pci-stub or no driver, bridges exempt).
 * @out: when not NULL, a table (ADDRESS ID GROUP DRIVER RESET STATE, RESET
 *       as pci_reset_method_text() gives it): one line per function, then one line per
 *       group that is not viable.
 * @why: one "VM NAME: ..." message per function not on vfio-pci and per
 *       group not viable, naming what to do.
 *
 * Return: the number of problems (0: ready).
 */
int vmdevs_check(const struct vm *vm, const struct vmdevs *d, const struct pci_list *pci, FILE *out, struct diags *why);

/**
 * vmdevs_qemu_args() - the QEMU arguments for the VM's functions:
 * "-device", "pcie-root-port,..." for each port vfiobind adds, then
 * "-device", "vfio-pci,host=...,id=...,bus=...,addr=DD.F[,multifunction=on]
 * [,romfile=PATH]" for each function, in host address order (see the
 * file comment for the placement).
 * Return: 0 or -ENOMEM.
 */
int vmdevs_qemu_args(const struct vmdevs *d, struct strv *argv);

void vmdevs_free(struct vmdevs *d);
