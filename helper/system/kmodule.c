// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmodule.c - libkmod glue.
 */
#include "system/kmodule.h"

#include <errno.h>
#include <libkmod.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "basic/log.h"
#include "basic/sysfs.h"
#include "system/modprobe.h"

/* One cached answer of kmodule_driver(). */
struct driver_entry {
	char name[64];
	char module[64];
	enum kmodule_kind kind;
};

struct kmodule {
	struct kmod_ctx *ctx;
	char release[128];
	char running[128]; /* uname(2) release: finit_module(2) loads there */
	struct driver_entry *drivers;
	size_t ndrivers, capdrivers;
};

/* libkmod speaks syslog priorities already; only its trailing newline and
 * its verbosity need care. */
__attribute__((format(printf, 6, 0))) static void kmod_log(void *data, int priority, const char *file, int line,
							   const char *fn, const char *format, va_list args)
{
	(void)data;
	(void)file;
	(void)line;
	(void)fn;
	/* libkmod's errors are mostly about files it tried and did not need
	 * (an absent modules.builtin.modinfo, say): keep them, but below our
	 * own error level so one missing index does not look like a failure.
	 * Its info messages are internal chatter ("context %p released"). */
	if (priority < LOG_PRIO_WARNING)
		priority = LOG_PRIO_WARNING;
	else if (priority == LOG_PRIO_INFO)
		priority = LOG_PRIO_DEBUG;
	log_vprintf(priority, format, args);
}

static void read_release(char *buf, size_t len)
{
	char path[PATH_MAX];
	struct utsname u;

	if (root_path(path, sizeof(path), "/proc/sys/kernel/osrelease") == 0 && sysfs_read_attr(path, buf, len) > 0)
		return;
	if (uname(&u) == 0)
		snprintf(buf, len, "%s", u.release);
	else
		snprintf(buf, len, "unknown");
}

static void read_running(char *buf, size_t len)
{
	struct utsname u;

	snprintf(buf, len, "%s", uname(&u) == 0 ? u.release : "unknown");
}

struct kmodule *kmodule_open(void)
{
	static const char *const conf_dirs[] = {"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d",
						"/usr/lib/modprobe.d", "/lib/modprobe.d"};
	char dir[PATH_MAX];
	char cbuf[5][PATH_MAX];
	const char *cpaths[6];
	struct kmodule *km;

	km = calloc(1, sizeof(*km));
	if (km == NULL)
		return NULL;
	read_release(km->release, sizeof(km->release));
	read_running(km->running, sizeof(km->running));
	if (root_path(dir, sizeof(dir), "/lib/modules/%s", km->release) < 0)
		goto fail;
	for (size_t i = 0; i < 5; i++) {
		if (root_path(cbuf[i], sizeof(cbuf[i]), "%s", conf_dirs[i]) < 0)
			goto fail;
		cpaths[i] = cbuf[i];
	}
	cpaths[5] = NULL;
	km->ctx = kmod_new(dir, cpaths);
	if (km->ctx == NULL)
		goto fail;
	kmod_set_log_fn(km->ctx, kmod_log, NULL);
	kmod_set_log_priority(km->ctx, log_get_max_prio());
	return km;
fail:
	free(km);
	return NULL;
}

void kmodule_close(struct kmodule *km)
{
	if (km == NULL)
		return;
	kmod_unref(km->ctx);
	free(km->drivers);
	free(km);
}

const char *kmodule_release(const struct kmodule *km)
{
	return km->release;
}

const char *kmodule_kind_str(enum kmodule_kind kind)
{
	switch (kind) {
	case KMODULE_BUILTIN:
		return "built-in";
	case KMODULE_MODULE:
		return "module";
	default:
		return "";
	}
}

enum kmodule_kind kmodule_kind(struct kmodule *km, const char *modname)
{
	struct kmod_module *mod = NULL;
	char path[PATH_MAX];
	int state = -ENOENT;

	if (modname[0] == '\0')
		return KMODULE_UNKNOWN;
	/* kmod_module_get_initstate() consults modules.builtin (under our
	 * prefix) before anything else; only that answer is used, because
	 * its fallback reads /sys/module without the prefix. */
	if (km && kmod_module_new_from_name(km->ctx, modname, &mod) == 0) {
		state = kmod_module_get_initstate(mod);
		kmod_module_unref(mod);
		if (state == KMOD_MODULE_BUILTIN)
			return KMODULE_BUILTIN;
	}
	if (root_path(path, sizeof(path), "/sys/module/%s/initstate", modname) == 0 && sysfs_exists(path))
		return KMODULE_MODULE;
	if (root_path(path, sizeof(path), "/sys/module/%s", modname) == 0 && sysfs_exists(path))
		return KMODULE_BUILTIN;
	return KMODULE_UNKNOWN;
}

/* The built-in module @modalias resolves to, if libkmod knows one. */
static void builtin_for_modalias(struct kmodule *km, const char *modalias, char *out, size_t len)
{
	struct kmod_list *list = NULL, *l;

	if (km == NULL || modalias[0] == '\0' || kmod_module_new_from_lookup(km->ctx, modalias, &list) < 0)
		return;
	kmod_list_foreach (l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);

		if (out[0] == '\0' && kmod_module_get_initstate(mod) == KMOD_MODULE_BUILTIN)
			snprintf(out, len, "%s", kmod_module_get_name(mod));
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
}

static void driver_resolve(struct kmodule *km, const char *drv, const char *modalias, struct driver_entry *d)
{
	char path[PATH_MAX];

	snprintf(d->name, sizeof(d->name), "%s", drv);
	d->module[0] = '\0';
	d->kind = KMODULE_UNKNOWN;
	if (root_path(path, sizeof(path), "/sys/bus/pci/drivers/%s/module", drv) < 0)
		return;
	if (sysfs_read_link_name(path, d->module, sizeof(d->module)) > 0) {
		d->kind = kmodule_kind(km, d->module);
		return;
	}
	d->module[0] = '\0';
	if (root_path(path, sizeof(path), "/sys/bus/pci/drivers/%s", drv) == 0 && sysfs_exists(path)) {
		d->kind = KMODULE_BUILTIN;
		builtin_for_modalias(km, modalias, d->module, sizeof(d->module));
		return;
	}
	d->kind = kmodule_kind(km, drv);
}

struct kmodule_driver kmodule_driver(struct kmodule *km, const char *drv, const char *modalias)
{
	static struct driver_entry uncached;
	struct driver_entry *d = NULL;

	if (drv[0] == '\0')
		return (struct kmodule_driver){"", KMODULE_UNKNOWN};
	for (size_t i = 0; km && i < km->ndrivers; i++)
		if (strcmp(km->drivers[i].name, drv) == 0)
			return (struct kmodule_driver){km->drivers[i].module, km->drivers[i].kind};
	if (km && km->ndrivers == km->capdrivers) {
		size_t ncap = km->capdrivers ? km->capdrivers * 2 : 16;
		struct driver_entry *nd = realloc(km->drivers, ncap * sizeof(*nd));

		if (nd) {
			km->drivers = nd;
			km->capdrivers = ncap;
		}
	}
	if (km && km->ndrivers < km->capdrivers)
		d = &km->drivers[km->ndrivers++];
	/* Without a cache slot the answer is still right, only not kept. */
	if (d == NULL)
		d = &uncached;
	driver_resolve(km, drv, modalias, d);
	return (struct kmodule_driver){d->module, d->kind};
}

void kmodule_driver_text(struct kmodule *km, const char *drv, const char *modalias, char *buf, size_t len)
{
	const char *kind;

	if (drv[0] == '\0') {
		snprintf(buf, len, "-");
		return;
	}
	kind = kmodule_kind_str(kmodule_driver(km, drv, modalias).kind);
	snprintf(buf, len, "%s%s%s%s", drv, kind[0] ? " (" : "", kind, kind[0] ? ")" : "");
}

static void print_action(struct kmod_module *m, bool install, const char *options)
{
	const char *opts = options && options[0] ? options : NULL;

	if (install)
		INF("running the modprobe.d install command for %s", kmod_module_get_name(m));
	else
		INF("loading module %s%s%s", kmod_module_get_name(m), opts ? " with options " : "", opts ? opts : "");
}

/* What a dry run of kmod_module_probe_insert_module() would insert, in its
 * order (softdeps, dependencies, the module, post softdeps; loaded ones
 * left out). Its print_action callback takes no data pointer, hence the
 * file-scope list, filled and emptied within one kmodule_load_without(). */
struct probe_step {
	struct kmod_module *mod;
	bool install;
};
static struct probe_step *steps;
static size_t nsteps;
static bool steps_nomem;

static void collect_step(struct kmod_module *m, bool install, const char *options)
{
	struct probe_step *v;

	(void)options;
	v = realloc(steps, (nsteps + 1) * sizeof(*v));
	if (v == NULL) {
		steps_nomem = true;
		return;
	}
	steps = v;
	steps[nsteps].mod = kmod_module_ref(m);
	steps[nsteps].install = install;
	nsteps++;
}

static void steps_free(void)
{
	for (size_t i = 0; i < nsteps; i++)
		kmod_module_unref(steps[i].mod);
	free(steps);
	steps = NULL;
	nsteps = 0;
	steps_nomem = false;
}

/* @mod's options as libkmod gathered them (modprobe.d, then the kernel
 * command line), minus @drop: what it is loaded with. */
static int options_without(struct kmod_module *mod, const char *drop, char *kept, char *dropped, size_t len)
{
	if (modprobe_options_drop(kmod_module_get_options(mod), drop, kept, dropped, len) < 0) {
		WRN("the modprobe.d options of %s are longer than %zu bytes: not loading it with a part of them",
		    kmod_module_get_name(mod), len);
		return -ENOBUFS;
	}
	return 0;
}

int kmodule_options_without(struct kmodule *km, const char *name, const char *drop, char *kept, char *dropped,
			    size_t len)
{
	struct kmod_module *mod = NULL;
	int r;

	kept[0] = '\0';
	dropped[0] = '\0';
	/* Normalised as libkmod does ("vfio-pci" is vfio_pci); options are
	 * matched by that name, no index needed. */
	r = kmod_module_new_from_name(km->ctx, name, &mod);
	if (r < 0)
		return r;
	r = options_without(mod, drop, kept, dropped, len);
	kmod_module_unref(mod);
	return r;
}

/* Insert @mod (the module asked for) with its configured options minus
 * @drop; every other step as modprobe would. */
static int insert_step(const struct probe_step *st, struct kmod_module *mod, const char *drop, char *dropped,
		       size_t dlen)
{
	const char *name = kmod_module_get_name(st->mod);
	char kept[1024], gone[1024];
	int err;

	if (strcmp(name, kmod_module_get_name(mod)) != 0 || drop == NULL)
		return kmod_module_probe_insert_module(st->mod, 0, NULL, NULL, NULL, print_action);
	/* An install command could pass anything, ids= included: the module
	 * asked for is inserted directly, always. */
	if (st->install)
		WRN("modprobe.d has an install command for %s: not run; loading the module itself", name);
	err = options_without(st->mod, drop, kept, gone, sizeof(kept));
	if (err < 0)
		return err;
	snprintf(dropped, dlen, "%s", gone);
	print_action(st->mod, false, kept);
	err = kmod_module_insert_module(st->mod, 0, kept[0] ? kept : NULL);
	return err == -EEXIST ? 0 : err;
}

int kmodule_load_without(struct kmodule *km, const char *name, const char *drop, char *dropped, size_t dlen)
{
	struct kmod_list *list = NULL, *l;
	int err;

	if (dropped && dlen)
		dropped[0] = '\0';
	/* Modules under a root prefix built for another kernel would only be
	 * rejected by it (vermagic); under --root in a test they must never
	 * reach the running kernel at all. */
	if (strcmp(km->release, km->running) != 0) {
		ERR("modules of kernel %s cannot be loaded into the running kernel %s", km->release, km->running);
		return -EXDEV;
	}
	err = kmod_module_new_from_lookup(km->ctx, name, &list);
	if (err < 0)
		return err;
	if (list == NULL)
		return -ENOENT;
	err = -ENOENT;
	kmod_list_foreach (l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);

		steps_free();
		err = kmod_module_probe_insert_module(mod, KMOD_PROBE_DRY_RUN, NULL, NULL, NULL, collect_step);
		if (err == 0 && steps_nomem)
			err = -ENOMEM;
		for (size_t i = 0; err == 0 && i < nsteps; i++)
			err = insert_step(&steps[i], mod, drop, dropped, dlen);
		steps_free();
		kmod_module_unref(mod);
		if (err == 0)
			break;
	}
	kmod_module_unref_list(list);
	/* probe_insert returns a positive KMOD_PROBE_APPLY_BLACKLIST* code
	 * only when asked to honour blacklists, which we never do. */
	return err > 0 ? -EPERM : err;
}

int kmodule_load(struct kmodule *km, const char *name)
{
	return kmodule_load_without(km, name, NULL, NULL, 0);
}

int kmodule_modalias_match(struct kmodule *km, const char *modalias, char *out, size_t len)
{
	struct kmod_list *all = NULL, *list = NULL, *l;
	int err = -ENOENT;

	if (modalias[0] == '\0')
		return -ENOENT;
	if (kmod_module_new_from_lookup(km->ctx, modalias, &all) < 0)
		return -ENOENT;
	/* Coldplug loads with the blacklist applied (udev's kmod builtin:
	 * KMOD_PROBE_APPLY_BLACKLIST): a blacklisted module never binds. */
	if (kmod_module_apply_filter(km->ctx, KMOD_FILTER_BLACKLIST, all, &list) < 0)
		list = NULL;
	kmod_module_unref_list(all);
	kmod_list_foreach (l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);
		const char *n = kmod_module_get_name(mod);
		size_t nl = strlen(n);

		/* vfio-pci and its variants (*_vfio_pci) are DMA-safe
		 * (driver_managed_dma): no host driver. */
		if (err != 0 && strcmp(n, "pci_stub") != 0 && !(nl >= 8 && strcmp(n + nl - 8, "vfio_pci") == 0)) {
			snprintf(out, len, "%s", n);
			err = 0;
		}
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	return err;
}
