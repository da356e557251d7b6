/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * apply.h - carry a plan out against sysfs, one IOMMU group at a time.
 *
 * The sequence is the kernel's race-free one (Documentation/ABI/testing/
 * sysfs-bus-pci, driver_override): write "vfio-pci" to driver_override of
 * every function of the group first, so no other driver can claim one in
 * between; then unbind whatever holds each (built-in drivers bound during
 * kernel init); write the address to /sys/bus/pci/drivers_probe; then read
 * the driver link, because drivers_probe reports success even when
 * nothing binds. vfio-pci itself is loaded (libkmod) before any function
 * is touched, so a missing module costs the host nothing.
 *
 * Resets: before a function is claimed, the plan's reset methods are
 * written to its reset_method and read back (the kernel keeps the old
 * methods when it refuses a write); vendor-reset is loaded first when a
 * planned function has an ID it handles. Neither ever stops a bind: a
 * kernel without reset_method (before 5.15), a refused method or a
 * missing module is a logged warning.
 *
 * A group is bound whole or not at all: when one of its functions fails,
 * every function of the group is given back (driver_override cleared,
 * reset_method as it was, re-probed so its host driver may return).
 */
#pragma once

#include "plan/plan.h"
#include "system/kmodule.h"
#include "system/pci.h"

/**
 * apply_plan() - bind every PLAN_BIND entry, set every entry's result.
 * @p:  the plan; results and reasons are filled in.
 * @km: libkmod context used to load vfio-pci when its driver is not
 *      registered yet.
 *
 * Never waits: each step is one sysfs write, each verification one read.
 * Return: the number of entries whose result is RESULT_FAILED (0 when all
 * planned bindings held); -ENOENT, -ENOEXEC, ... when vfio-pci could not
 * be loaded (then nothing was touched and every PLAN_BIND entry failed).
 */
int apply_plan(struct plan *p, struct kmodule *km);

/**
 * apply_check_undeclared() - after apply_plan(): is any function outside
 * the plan (or refused by it) on vfio-pci now?
 * @pci: the scan the plan was made from; drivers of functions outside the
 *       plan are re-read (their scanned driver is the state before).
 *
 * vfiobind loads vfio-pci without ids=, so nothing should be; an install
 * command, or a vfio-pci loaded before with ids=, can still bind by ID.
 * Each such function is logged as an error; one that was on vfio-pci
 * before the scan is not this run's doing (debug level only).
 * Return: how many moved to vfio-pci during this run.
 */
int apply_check_undeclared(const struct plan *p, struct pci_list *pci);
