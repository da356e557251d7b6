// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vmdisk.c - the storage guard for a VM's disk = lines (vmdisk.h).
 */
#include "system/vmdisk.h"

size_t vmdisk_guard(const struct vm *vm, struct storage *st, const struct pci_list *pci, struct diags *errs,
		    struct diags *warns)
{
	size_t refused = 0;

	for (size_t i = 0; i < vm->disk.n; i++) {
		const struct vm_disk *d = &vm->disk_at[i];
		char why[512];

		if (!storage_disk_holds(st, pci, vm->disk.v[i], why, sizeof(why)))
			continue;
		if (d->force) {
			diags_add(warns, "%s:%u: disk %s holds %s; handed to VM %s anyway (force)", vm->file, d->line,
				  vm->disk.v[i], why, vm->name);
			continue;
		}
		diags_add(errs, "%s:%u: disk %s holds %s; the host needs it: remove the line, or add the word 'force'",
			  vm->file, d->line, vm->disk.v[i], why);
		refused++;
	}
	return refused;
}
