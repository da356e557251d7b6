// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vendorreset.c - the vendor:device IDs vendor-reset handles.
 */
#include "system/vendorreset.h"

#include <stddef.h>
#include <stdint.h>

#define PCI_VENDOR_ATI 0x1002

/* gnif/vendor-reset, udev/99-vendor-reset.rules (commit 033fb45), by
 * family as its src/device-db.h groups them; sorted within each line. */
static const uint16_t vendor_reset_ids[] = {
    /* Polaris 10 */
    0x67c0,
    0x67c1,
    0x67c2,
    0x67c4,
    0x67c7,
    0x67c8,
    0x67c9,
    0x67ca,
    0x67cc,
    0x67cf,
    0x67d0,
    0x67df,
    0x6fdf,
    /* Polaris 11 */
    0x67e0,
    0x67e1,
    0x67e3,
    0x67e7,
    0x67e8,
    0x67e9,
    0x67eb,
    0x67ef,
    0x67ff,
    /* Polaris 12 */
    0x6980,
    0x6981,
    0x6985,
    0x6986,
    0x6987,
    0x6995,
    0x6997,
    0x699f,
    /* Vega 10 */
    0x6860,
    0x6861,
    0x6862,
    0x6863,
    0x6864,
    0x6867,
    0x6868,
    0x6869,
    0x686a,
    0x686b,
    0x686c,
    0x686d,
    0x686e,
    0x686f,
    0x687f,
    /* Vega 20 */
    0x66a0,
    0x66a1,
    0x66a2,
    0x66a3,
    0x66a4,
    0x66a7,
    0x66af,
    /* Navi 10 */
    0x7310,
    0x7312,
    0x7318,
    0x7319,
    0x731a,
    0x731b,
    0x731e,
    0x731f,
    /* Navi 14 */
    0x7340,
    0x7341,
    0x7347,
    0x734f,
    /* Navi 12 */
    0x7360,
    0x7362,
    /* Navi 23 */
    0x73ff,
    /* Arcturus (Instinct MI100) */
    0x738c,
};

bool vendor_reset_handles(const struct pci_id *id)
{
	if (id->vendor != PCI_VENDOR_ATI)
		return false;
	for (size_t i = 0; i < sizeof(vendor_reset_ids) / sizeof(vendor_reset_ids[0]); i++)
		if (vendor_reset_ids[i] == id->device)
			return true;
	return false;
}
