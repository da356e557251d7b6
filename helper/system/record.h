/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record.h - what the image build knew, written into the image for the
 * boot. The build runs on the booted host, where every disk, volume,
 * mount and swap and the full module set are visible; the initramfs sees
 * almost none of it before udev. So `vfiobind check --record DIR` writes
 * two files that `bind` reads from <root>/etc/vfiobind.d at boot:
 *
 *   protected   the PCI functions the host needs, one per line with why:
 *               0000:04:00.0 holds / (/dev/mapper/vg0-root -> dm-0 -> nvme0n1p2)
 *   blockers    the functions coldplug would give a host driver, one per
 *               line with the module: 0000:03:00.1 snd_hda_intel
 *
 * Lines starting with '#' are comments. An image without the protected
 * file carries no record (not built for this host): the storage guard then
 * fails closed (see plan.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "system/pci.h"

#define RECORD_DIR	 "/etc/vfiobind.d"
#define RECORD_PROTECTED "protected"
#define RECORD_BLOCKERS	 "blockers"

/* One line: a function and the text after it (a reason or a module). */
struct record_line {
	char fn[PCI_ADDR_STRLEN];
	char text[512];
};

struct record_list {
	struct record_line *v;
	size_t n;
};

struct record {
	bool present; /* the protected file was read whole and well-formed */
	struct record_list prot;
	struct record_list block;
};

/**
 * record_list_add() - append @fn with @text, unless @fn is listed already
 * (the first reason stays).
 * Return: 0, or -ENOMEM.
 */
int record_list_add(struct record_list *l, const char *fn, const char *text);

/** record_list_find() - the text recorded for @fn, or NULL. */
const char *record_list_find(const struct record_list *l, const char *fn);

void record_list_free(struct record_list *l);

/**
 * record_read() - read <root>/etc/vfiobind.d/{protected,blockers}.
 *
 * A missing protected file leaves @rec->present false: no record. A line
 * that is not "DDDD:BB:DD.F TEXT" makes the whole record untrusted (also
 * not present, so the boot fails closed) and is logged as a warning with
 * file and line; a malformed blockers file is ignored the same way.
 * Return: 0, or -ENOMEM.
 */
int record_read(struct record *rec);

/**
 * record_write() - write @prot and @block into directory @dir (a plain
 * path, not under the root prefix: the image being built), creating it
 * if missing, each file mode 0644 with write_atomic_stream() (fileio.h).
 * Return: 0, or -errno from mkdir(2) or write_atomic_stream().
 */
int record_write(const char *dir, const struct record_list *prot, const struct record_list *block);

void record_free(struct record *rec);
