/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriov.h - a vfs= PF's virtual functions: created through its host
 * driver, then bound like any declared function by apply_plan().
 *
 * The kernel probes a new VF at once (pci_bus_add_device() ->
 * pci_device_can_probe(), drivers/pci/pci-driver.c) unless its PF's
 * sriov_drivers_autoprobe is 0 or the VF has a driver_override; the VFs'
 * addresses exist only after the write, so driver_override cannot come
 * first. Hence: sriov_drivers_autoprobe 0, then sriov_numvfs N
 * (drivers/pci/iov.c, sriov_numvfs_store(), which calls the driver's
 * sriov_configure), then the plan is made again and the VFs are bound;
 * with host-vfs, autoprobe 1 and drivers_probe for the undeclared ones.
 */
#pragma once

#include "plan/plan.h"

/**
 * sriov_create() - for every PLAN_VFS entry of @p (or only @only when not
 * NULL) whose PF has a driver: write 0 to sriov_drivers_autoprobe, then
 * N to sriov_numvfs when it reads 0 (when it reads N already: nothing).
 * Logs each step; a failed write is an error line, and the PF's result is
 * decided by sriov_finish() from what sriov_numvfs reads then.
 * Return: how many PFs created VFs now (the caller re-reads the machine
 * and plans again).
 */
int sriov_create(const struct plan *p, const struct pci_func *only);

/**
 * sriov_finish() - after apply_plan(): each PLAN_VFS entry's result
 * (RESULT_VFS when sriov_numvfs reads N, RESULT_PENDING when its PF has
 * no driver, else RESULT_FAILED with a reason) and pending VFs' results;
 * with host-vfs, sriov_drivers_autoprobe 1 and drivers_probe for every
 * VF of the PF no line declares.
 * @pci: the scan @p was made from (drivers of undeclared VFs re-read).
 * Return: the number of PLAN_VFS entries that failed.
 */
int sriov_finish(struct plan *p, struct pci_list *pci);
