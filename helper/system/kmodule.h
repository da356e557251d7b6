/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kmodule.h - everything vfiobind asks of kernel modules, through libkmod:
 * loading vfio-pci the way modprobe would (modprobe.d options such as
 * disable_vga=1, softdeps such as vfio's "post: vfio_iommu_type1"), but
 * without ids= (kmodule_load_without()), telling
 * a built-in driver from a module (modules.builtin), and resolving a
 * function's modalias to the module coldplug would load for it.
 *
 * All paths are under the root prefix: <root>/lib/modules/<release> with
 * the release from <root>/proc/sys/kernel/osrelease (uname(2) as a
 * fallback), and modprobe.d from <root>/etc, /run, /usr/lib and /lib.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct kmodule;

enum kmodule_kind {
	KMODULE_UNKNOWN,
	KMODULE_BUILTIN,
	KMODULE_MODULE,
};

/**
 * kmodule_open() - create the libkmod context for the root prefix.
 * Return: a context (never fails for missing directories: lookups then
 * find nothing), or NULL on allocation failure.
 */
struct kmodule *kmodule_open(void);

void kmodule_close(struct kmodule *km);

/** kmodule_release() - the kernel release used ("6.1.0-26-amd64"). */
const char *kmodule_release(const struct kmodule *km);

/**
 * kmodule_kind() - is @modname (e.g. "xhci_pci") built in or a module?
 *
 * Built-in when listed in modules.builtin (libkmod), or when
 * /sys/module/@modname exists without an initstate file (only loadable
 * modules have one: kernel/module/sysfs.c). A module when initstate
 * exists. Otherwise unknown.
 */
enum kmodule_kind kmodule_kind(struct kmodule *km, const char *modname);

/** kmodule_kind_str() - "built-in", "module" or "" for unknown. */
const char *kmodule_kind_str(enum kmodule_kind kind);

/* What provides a PCI driver: see kmodule_driver(). */
struct kmodule_driver {
	const char *module; /* "xhci_pci", "8250_pci"; "" when unknown */
	enum kmodule_kind kind;
};

/**
 * kmodule_driver() - the module behind PCI driver @drv, and its kind.
 * @km:       context (its cache); NULL answers without a cache.
 * @drv:      a name under /sys/bus/pci/drivers ("serial", "xhci_hcd").
 * @modalias: the modalias of a function bound to @drv, or "": names the
 *            module of a built-in driver that has no module link.
 *
 * A driver name is not a module name (Debian's built-in 8250_pci registers
 * "serial"), so the driver is asked. drivers/NAME/module exists for every
 * driver of a loadable module, and for a built-in one only when the kernel
 * has a /sys/module entry for its KBUILD_MODNAME
 * (drivers/base/module.c, module_add_driver()): with the link, its target
 * is the module and kmodule_kind() of it the kind; a registered driver
 * without one is built in, named by the built-in module libkmod resolves
 * @modalias to (modules.builtin.alias.bin, kernels that record built-in
 * device tables), if any. A driver that is not registered falls back to
 * kmodule_kind(@drv).
 * Answers are cached per driver name for the life of @km: a machine has a
 * dozen drivers and may have thousands of functions.
 * Return: the answer (never NULL; module "" and KMODULE_UNKNOWN when
 * nothing is known, or when out of memory).
 */
struct kmodule_driver kmodule_driver(struct kmodule *km, const char *drv, const char *modalias);

/**
 * kmodule_driver_text() - "DRIVER (KIND)" for tables and log lines,
 * "DRIVER" when the kind is unknown, "-" when @drv is "".
 */
void kmodule_driver_text(struct kmodule *km, const char *drv, const char *modalias, char *buf, size_t len);

/**
 * kmodule_load() - load @name and what it needs, as `modprobe @name`.
 *
 * Uses kmod_module_probe_insert_module(), which applies modprobe.d
 * options, blacklist-free, with softdeps; already loaded modules are not
 * an error. Each module inserted is logged.
 * Return: 0; -ENOENT when @name is not in modules.dep (not in this image);
 * -EXDEV when the release under the root prefix is not the running
 * kernel's (uname(2)): its modules are not for this kernel;
 * another -errno from the kernel's finit_module(2) (e.g. -ENOEXEC,
 * -EPERM when module loading is disabled).
 */
int kmodule_load(struct kmodule *km, const char *name);

/**
 * kmodule_load_without() - kmodule_load(), with the parameter @drop taken
 * out of @name's own configured options (modprobe.d and the kernel
 * command line, as libkmod gathers them); every other option stays.
 * vfio-pci's ids= would hand it every function with those IDs, declared
 * or not. A modprobe.d install command for @name is not run (it could
 * pass anything): @name is inserted directly, with a warning. The order
 * is modprobe's: a dry run of kmod_module_probe_insert_module() lists the
 * steps (pre softdeps, dependencies, @name, post softdeps).
 * @dropped: receives the removed words ("ids=1b36:000d"), "" if none,
 *           @dlen bytes; may be NULL when @drop is NULL.
 * Return: as kmodule_load(); -ENOMEM when the steps cannot be listed.
 */
int kmodule_load_without(struct kmodule *km, const char *name, const char *drop, char *dropped, size_t dlen);

/**
 * kmodule_options_without() - what kmodule_load_without() loads @name
 * with: libkmod's own options for it (kmod_module_get_options(): every
 * modprobe.d `options` line for the module, '-' and '_' alike, in
 * libkmod's file order, then MODULE.PARAM= of /proc/cmdline, joined by
 * blanks), minus the words setting @drop (modprobe_options_drop()).
 * @kept, @dropped: as modprobe_options_drop(), @len bytes each.
 * Return: 0; -ENOBUFS when a word does not fit (logged); -ENOMEM.
 * libkmod reads /proc/cmdline itself, not under the root prefix.
 */
int kmodule_options_without(struct kmodule *km, const char *name, const char *drop, char *kept, char *dropped,
			    size_t len);

/**
 * kmodule_modalias_match() - the module a modalias resolves to.
 * @modalias: "pci:v00001002d0000744C..." from sysfs.
 * @out:      first matching module name, @len bytes: not vfio_pci, a
 *            variant (*_vfio_pci) or pci_stub, and not blacklisted in
 *            modprobe.d (coldplug applies the blacklist to aliases).
 *
 * Return: 0 with @out set, -ENOENT when no module matches (coldplug will
 * load nothing for it from this image), or another -errno.
 */
int kmodule_modalias_match(struct kmodule *km, const char *modalias, char *out, size_t len);
