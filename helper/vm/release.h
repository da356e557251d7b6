/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * release.h - `vfiobind release ADDRESS|SLOT`: give functions on vfio-pci
 * back to their host drivers for this boot (the next boot binds them
 * again, as the device list says).
 *
 * Per function, the reverse of the bind sequence
 * (Documentation/ABI/testing/sysfs-bus-pci): clear driver_override, so
 * that vfio-pci no longer wins the match; unbind from vfio-pci; write the
 * address to drivers_probe, so the host driver takes it; read the driver
 * link. A host driver that is a module nobody loaded yet (vfio-pci took
 * the function before coldplug could) is loaded with libkmod from the
 * modalias, as coldplug would have; registering the driver binds it.
 *
 * Refused for every function of an IOMMU group that a VM holds (see
 * holders.h): unbinding it would yank the device out of a running guest.
 */
#pragma once

#include "config/selector.h"
#include "system/kmodule.h"
#include "system/pci.h"

/**
 * release_functions() - release what @sel names.
 * @sel: a function or a slot (every function of the card).
 * @pci: the scan; drivers are refreshed as they change.
 * @km:  libkmod context for loading a host driver module.
 *
 * Every step and outcome is logged. A function not on vfio-pci is left
 * alone (with driver_override cleared if it still names vfio-pci).
 * Return: the number of functions that could not be released (refused
 * because their group is held, or a sysfs write failed), 0 when all
 * went back; -ENOENT when @sel names no function.
 */
int release_functions(const struct selector *sel, struct pci_list *pci, struct kmodule *km);
