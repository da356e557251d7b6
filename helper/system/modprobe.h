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
 * What vfio-pci is loaded with is libkmod's answer
 * (kmodule_options_without()); this reader only names the place, since
 * libkmod keeps no file or line. Read as libkmod reads them
 * (libkmod-config.c, kmod 30): *.conf and *.alias files of
 * /etc/modprobe.d, /run/modprobe.d, /usr/local/lib/modprobe.d,
 * /usr/lib/modprobe.d and /lib/modprobe.d under the root prefix, a name in
 * an earlier directory hiding the same name in a later one, lines joined
 * by a trailing backslash, '#' a comment only as a line's first byte,
 * every `options` entry joined into one string and split as the kernel
 * splits it; and `vfio-pci.ids=` (or
 * vfio_pci.ids=) on <root>/proc/cmdline, which libkmod applies too.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* One parameter as the kernel's next_arg() (lib/cmdline.c) reads it. */
struct kparam {
	const char *word; /* as written, quotes included */
	size_t word_len;
	const char *name; /* without a quote opening the word */
	size_t name_len;
	const char *val; /* after '=', without its quotes; NULL: no '=' */
	size_t val_len;
};

/**
 * kparam_next() - the next parameter of *@s, split as the kernel splits
 * module options and the command line (lib/cmdline.c, next_arg(); called
 * by kernel/params.c, parse_args()): blanks (isspace(), lib/ctype.c)
 * separate words outside double quotes; a quote opening the word, or
 * opening the value after the first '=', is dropped, and so is a quote
 * closing the word. `"ids=1b36:000d"`, `ids="1b36:000d"` and
 * `ids=1b36:000d` all set ids to 1b36:000d; `param="a b"` is one word.
 * @s: advanced past the word; never NULL, NUL-terminated.
 * @p: filled; its spans point into *@s.
 * Return: true, or false at the end of the string (no error cases).
 */
bool kparam_next(const char **s, struct kparam *p);

/**
 * kparam_name_eq() - whether the @n bytes at @a name @b, '-' and '_' being
 * the same (kernel/params.c, parameq(); libkmod's modname_normalize() for
 * module names). Return: true when equal.
 */
bool kparam_name_eq(const char *a, size_t n, const char *b);

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
 * @opts: a module option string, "ids=1b36:000d disable_vga=1", split by
 *        kparam_next(): `"ids=..."` and `ids="..."` are dropped too;
 *        names compare as kparam_name_eq() does.
 * @kept, @dropped: the rest and the removed words, each space-separated,
 *        @len bytes each; only whole words, a word that does not fit is
 *        left out of either.
 * Return: 0, or -ENOBUFS when a word did not fit (then @kept is not what
 * the module should get).
 */
int modprobe_options_drop(const char *opts, const char *param, char *kept, char *dropped, size_t len);
