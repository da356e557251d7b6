/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vendorreset.h - which functions the out-of-tree vendor-reset module
 * (github.com/gnif/vendor-reset) gives a working reset: AMD Polaris,
 * Vega, Navi 10/12/14/23 GPUs and the Instinct MI100, whose own resets
 * leave the card dead after a guest (the "AMD reset bug").
 *
 * The module has no device table (no MODULE_DEVICE_TABLE, so no modalias
 * to match against modules.alias): it hooks the kernel's device-specific
 * reset by ftrace for the IDs in its src/device-db.h. The IDs are kept
 * here, from its udev rule udev/99-vendor-reset.rules (commit 033fb45),
 * which loads the module and writes device_specific to reset_method for
 * exactly these; vfiobind does that job at bind time instead.
 */
#pragma once

#include <stdbool.h>

#include "config/selector.h"

/* The module name as modprobe knows it (libkmod folds '-' and '_'). */
#define VENDOR_RESET_MODULE "vendor-reset"

/**
 * vendor_reset_handles() - whether vendor-reset has a reset for @id.
 * Return: true for the vendor:device IDs of the module's udev rule.
 */
bool vendor_reset_handles(const struct pci_id *id);
