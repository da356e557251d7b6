/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modprobe.h - where a vfio-pci `ids=` option comes from. The manual setup
 * vfiobind replaces leaves `options vfio-pci ids=1002:744c,...` in
 * /etc/modprobe.d; the image tools copy it into the initramfs, and libkmod
 * would hand it to vfio-pci, which then takes every function with those
 * IDs, declared or not (drivers/vfio/pci/vfio_pci.c, vfio_pci_fill_ids()).
 * vfiobind loads vfio-pci without it (kmodule_load_without()); this finds
 * the file and line to name, for `bind` and for `check` at image build
 * (the warning itself, which needs the plan, is report.h's
 * modprobe_ids_describe()).
 *
 * Read as libkmod reads them (libkmod-config.c): *.conf files of
 * /etc/modprobe.d, /run/modprobe.d, /usr/local/lib/modprobe.d,
 * /usr/lib/modprobe.d and /lib/modprobe.d under the root prefix, a name in
 * an earlier directory hiding the same name in a later one, lines joined
 * by a trailing backslash, '#' comments; and `vfio-pci.ids=` (or
 * vfio_pci.ids=) on <root>/proc/cmdline, which libkmod applies too.
 */
#pragma once

#include <stddef.h>

struct modprobe_ids {
	char file[256]; /* "/etc/modprobe.d/vfio.conf", or "kernel command line" */
	unsigned line;	/* 1-based; 0 on the command line */
	char ids[256];	/* the value as written: "1002:744c,1002:ab30" */
};

struct modprobe_ids_list {
	struct modprobe_ids *e;
	size_t n;
};

/**
 * modprobe_find_ids() - every `ids=` given to @module (e.g. "vfio-pci";
 * '-' and '_' are the same in module names).
 * @out: filled; free with modprobe_ids_free(). Unreadable files and
 *       directories are skipped, as libkmod skips them.
 * Return: 0, -ENAMETOOLONG when a path under the root prefix does not fit,
 * or -ENOMEM.
 */
int modprobe_find_ids(const char *module, struct modprobe_ids_list *out);

void modprobe_ids_free(struct modprobe_ids_list *l);

/**
 * modprobe_options_drop() - @opts without the parameter @param.
 * @opts: a module option string, "ids=1b36:000d disable_vga=1"; values
 *        may be double-quoted (the kernel's next_arg() rules).
 * @kept, @dropped: the rest and the removed words, each space-separated,
 *        @len bytes each (truncated to fit).
 */
void modprobe_options_drop(const char *opts, const char *param, char *kept, char *dropped, size_t len);
