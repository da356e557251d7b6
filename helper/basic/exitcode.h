/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exitcode.h - vfiobind's documented exit codes (README, usage()), one
 * list for every command.
 */
#pragma once

enum {
	EXIT_OK = 0,	  /* done; every selected function is on vfio-pci */
	EXIT_PARTIAL = 1, /* some selected function is not on vfio-pci */
	EXIT_USAGE = 2,	  /* bad command line of vfiobind itself */
	EXIT_CONFIG = 3,  /* the config or vfiobind= has errors: nothing done */
	EXIT_SYSTEM = 4,  /* no sysfs, no IOMMU, vfio-pci unavailable */
};
