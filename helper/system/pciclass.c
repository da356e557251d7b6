// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pciclass.c - names of PCI class codes, as lspci prints them.
 *
 * Source: PCI Code and ID Assignment Specification, rev 1.11, section 1
 * (base class and sub-class codes). Only the names are ours; the numbers
 * are the spec's. Unknown codes print as "Class CCSS".
 */
#include "system/pciclass.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct class_name {
	uint16_t code; /* class << 8 | subclass; subclass 0xff = any */
	const char *name;
};

static const struct class_name names[] = {
    {0x0000, "Non-VGA unclassified device"},
    {0x0001, "VGA compatible unclassified device"},
    {0x0100, "SCSI storage controller"},
    {0x0101, "IDE interface"},
    {0x0104, "RAID bus controller"},
    {0x0106, "SATA controller"},
    {0x0107, "Serial Attached SCSI controller"},
    {0x0108, "Non-Volatile memory controller"},
    {0x01ff, "Mass storage controller"},
    {0x0200, "Ethernet controller"},
    {0x0280, "Network controller"},
    {0x02ff, "Network controller"},
    {0x0300, "VGA compatible controller"},
    {0x0301, "XGA compatible controller"},
    {0x0302, "3D controller"},
    {0x0380, "Display controller"},
    {0x03ff, "Display controller"},
    {0x0400, "Multimedia video controller"},
    {0x0401, "Multimedia audio controller"},
    {0x0403, "Audio device"},
    {0x04ff, "Multimedia controller"},
    {0x0500, "RAM memory"},
    {0x05ff, "Memory controller"},
    {0x0600, "Host bridge"},
    {0x0601, "ISA bridge"},
    {0x0604, "PCI bridge"},
    {0x0607, "CardBus bridge"},
    {0x0609, "PCI bridge"},
    {0x06ff, "Bridge"},
    {0x0700, "Serial controller"},
    {0x0703, "Modem"},
    {0x07ff, "Communication controller"},
    {0x0800, "PIC"},
    {0x0805, "SD Host controller"},
    {0x0806, "IOMMU"},
    {0x0880, "System peripheral"},
    {0x08ff, "Generic system peripheral"},
    {0x09ff, "Input device controller"},
    {0x0aff, "Docking station"},
    {0x0bff, "Processor"},
    {0x0c00, "FireWire (IEEE 1394)"},
    {0x0c03, "USB controller"},
    {0x0c05, "SMBus"},
    {0x0c80, "Serial bus controller"},
    {0x0cff, "Serial bus controller"},
    {0x0d11, "Bluetooth"},
    {0x0dff, "Wireless controller"},
    {0x0eff, "Intelligent controller"},
    {0x0fff, "Satellite communications controller"},
    {0x1000, "Network and computing encryption device"},
    {0x1080, "Encryption controller"},
    {0x10ff, "Encryption controller"},
    {0x1100, "DPIO module"},
    {0x1180, "Signal processing controller"},
    {0x11ff, "Signal processing controller"},
    {0x12ff, "Processing accelerators"},
    {0x13ff, "Non-Essential Instrumentation"},
    /* Base class 0xff: "device does not fit any defined class"; pci.ids
     * and so lspci call it this (seen as class 0xff0000 and 0xffffff). */
    {0x40ff, "Coprocessor"},
    {0xffff, "Unassigned class"},
};

const char *pci_class_name(uint32_t class)
{
	static char unknown[16];
	uint16_t code = (uint16_t)(class >> 8);
	const char *any = NULL;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].code == code)
			return names[i].name;
		if ((names[i].code & 0xff) == 0xff && (names[i].code >> 8) == (code >> 8))
			any = names[i].name;
	}
	if (any)
		return any;
	snprintf(unknown, sizeof(unknown), "Class %04x", code);
	return unknown;
}
