/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmdisk.h - the storage guard for a VM's disks: a disk = line of
 * /etc/vfiobind.conf that hands the guest what the host needs (/, /boot,
 * swap, a mounted partition, or a disk, PV, LUKS container or md member
 * below one) is refused by `check`, `vm check` and `vm run`, unless its
 * line says 'force'. One wording for all three.
 */
#pragma once

#include "basic/diags.h"
#include "config/vmconf.h"
#include "system/storage.h"

/**
 * vmdisk_guard() - hold each disk = path of @vm against what the host
 * needs (storage_disk_holds()).
 * @st:    storage_scan() of this host, under the root prefix.
 * @pci:   the functions, or NULL (storage_disk_holds()).
 * @errs:  one message per disk refused:
 *         "FILE:LINE: disk PATH holds / via nvme0n1p2; the host needs it:
 *         remove the line, or add the word 'force'";
 * @warns: one per disk held whose line says 'force':
 *         "FILE:LINE: disk PATH holds / via nvme0n1p2; handed to VM NAME
 *         anyway (force)".
 *
 * An image file, a device that holds nothing the host needs, or a path
 * that does not exist (the launcher says so when it hands disks over)
 * adds nothing.
 * Return: the number of disks refused (messages added to @errs).
 */
size_t vmdisk_guard(const struct vm *vm, struct storage *st, const struct pci_list *pci, struct diags *errs,
		    struct diags *warns);
