// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmodel.c - an LD_PRELOAD library that plays the kernel for fixture
 * tests, the way kmod's testsuite does (testsuite/init_module.c, path.c).
 *
 * vfiobind runs with --root KMODEL_ROOT against a fake sysfs tree of plain
 * files. Plain files do not react to writes; this library makes them:
 *
 *   devices/ADDR/driver_override  store the value as the kernel shows it
 *   drivers/NAME/unbind           -ENODEV unless bound to NAME; else unbind
 *   drivers/NAME/bind             -EBUSY when bound; else bind
 *   devices/ADDR/reset_method     reset_method_store() (drivers/pci/
 *                                 pci-sysfs.c): "" disables every method,
 *                                 "default" restores the device's own
 *                                 list (.kmodel/reset_default, from the
 *                                 topology), else blank-separated names,
 *                                 each a kernel name the device supports
 *                                 (device_specific also once vendor_reset
 *                                 is loaded, which hooks it), or -EINVAL
 *                                 and the old methods stay
 *   drivers_probe                 bind to driver_override's driver if that
 *                                 driver is registered, else to the
 *                                 function's host driver (.kmodel/hostdrv);
 *                                 success even when nothing binds
 *   devices/ADDR/sriov_numvfs     sriov_numvfs_store() (drivers/pci/
 *                                 iov.c): ENOENT without a driver, ERANGE
 *                                 above sriov_totalvfs, EBUSY from one
 *                                 non-zero count to another; N creates
 *                                 VFs at devfn+1+i beside the PF (files,
 *                                 physfn, the PF's virtfnI, bus and IOMMU
 *                                 group links; group .kmodel/sriov's base
 *                                 + i, or the PF's with "-"), probed when
 *                                 sriov_drivers_autoprobe reads 1; 0
 *                                 removes them
 *   finit_module(2)               "load": /sys/module/NAME/initstate, and
 *                                 for vfio_pci register the driver and bind
 *                                 every unbound function whose
 *                                 driver_override is vfio-pci, as the real
 *                                 driver_register() does, and with ids=
 *                                 every unbound one without an override
 *                                 that has one of those IDs
 *   uname(2)                      the fixture's release
 *
 * libkmod's unprefixed /sys/module lookups are redirected under the root.
 * Faults come from KMODEL_ROOT/.kmodel/faults, one "OP TARGET RESULT" per
 * line: OP is override, unbind, probe, load or reset_method; RESULT an errno name,
 * "nobind" (probe succeeds, binds nothing), or for "load vfio_pci"
 * "ids=V:D,..." (the module binds those IDs whatever options it got). Every action is appended to
 * KMODEL_ROOT/.kmodel/events, which tests compare with golden files.
 *
 * Nothing here ever reaches the real kernel: init_module and
 * delete_module fail with EPERM.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAX_FD 4096

static char root[PATH_MAX];
static size_t rootlen;
static char *tracked[MAX_FD];

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_close)(int);
static long (*real_syscall)(long, ...);
static int (*real_stat)(const char *, struct stat *);
static int (*real_uname)(struct utsname *);

__attribute__((constructor)) static void kmodel_init(void)
{
	const char *r = getenv("KMODEL_ROOT");

	real_open = dlsym(RTLD_NEXT, "open");
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_write = dlsym(RTLD_NEXT, "write");
	real_close = dlsym(RTLD_NEXT, "close");
	real_syscall = dlsym(RTLD_NEXT, "syscall");
	real_stat = dlsym(RTLD_NEXT, "stat");
	real_uname = dlsym(RTLD_NEXT, "uname");
	if (r && realpath(r, root))
		rootlen = strlen(root);
}

/* ---- small file helpers, all on real paths ---------------------------- */

static int put_file(const char *path, const char *content)
{
	int fd = real_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (real_write(fd, content, strlen(content)) < 0) {
		real_close(fd);
		return -1;
	}
	return real_close(fd);
}

static void get_file(const char *path, char *buf, size_t len)
{
	int fd = real_open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	real_close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
}

static void event(const char *fmt, ...)
{
	char path[PATH_MAX], line[1024];
	va_list ap;
	int fd, n;

	snprintf(path, sizeof(path), "%s/.kmodel", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/.kmodel/events", root);
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fd = real_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (real_write(fd, line, (size_t)n) < 0) {
		/* best effort */
	}
	real_close(fd);
}

static int errno_by_name(const char *s)
{
	static const struct {
		const char *n;
		int e;
	} t[] = {{"EBUSY", EBUSY},   {"ENODEV", ENODEV}, {"EIO", EIO},	     {"ENOEXEC", ENOEXEC},
		 {"EPERM", EPERM},   {"ENOENT", ENOENT}, {"EINVAL", EINVAL}, {"ENOMEM", ENOMEM},
		 {"EAGAIN", EAGAIN}, {"ENXIO", ENXIO},	 {"ERANGE", ERANGE}};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].n) == 0)
			return t[i].e;
	return 0;
}

/* The injected RESULT for OP on TARGET, or NULL. */
static const char *fault(const char *op, const char *target, char *buf, size_t len)
{
	char path[PATH_MAX], all[8192];
	char *line, *save = NULL;

	snprintf(path, sizeof(path), "%s/.kmodel/faults", root);
	get_file(path, all, sizeof(all));
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char o[64], t[256], r[64];

		if (sscanf(line, "%63s %255s %63s", o, t, r) == 3 && strcmp(o, op) == 0 && strcmp(t, target) == 0) {
			snprintf(buf, len, "%s", r);
			return buf;
		}
	}
	return NULL;
}

static int fail_with(const char *op, const char *target)
{
	char r[64];
	int e;

	if (!fault(op, target, r, sizeof(r)))
		return 0;
	e = errno_by_name(r);
	if (e)
		event("%s %s fails with %s", op, target, r);
	return e;
}

/* ---- the PCI bus ------------------------------------------------------- */

static int dev_dir(const char *addr, char *out)
{
	char p[PATH_MAX];

	if (strchr(addr, '/') || strlen(addr) > 32)
		return -1;
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s", root, addr);
	return realpath(p, out) ? 0 : -1;
}

static void dev_driver(const char *dir, char *out, size_t len)
{
	char p[PATH_MAX], t[PATH_MAX];
	ssize_t n;

	out[0] = '\0';
	snprintf(p, sizeof(p), "%s/driver", dir);
	n = readlink(p, t, sizeof(t) - 1);
	if (n < 0)
		return;
	t[n] = '\0';
	snprintf(out, len, "%s", strrchr(t, '/') ? strrchr(t, '/') + 1 : t);
}

static int driver_registered(const char *drv)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/sys/bus/pci/drivers/%s", root, drv);
	return real_stat(p, &st) == 0;
}

static void do_bind(const char *addr, const char *dir, const char *drv)
{
	char p[PATH_MAX], d[PATH_MAX], g[PATH_MAX];
	ssize_t n;

	snprintf(d, sizeof(d), "%s/sys/bus/pci/drivers/%s", root, drv);
	snprintf(p, sizeof(p), "%s/driver", dir);
	symlink(d, p);
	snprintf(p, sizeof(p), "%s/%s", d, addr);
	symlink(dir, p);
	event("bind %s %s", addr, drv);
	if (strcmp(drv, "vfio-pci") != 0)
		return;
	/* vfio-pci creates the group's character device. */
	snprintf(p, sizeof(p), "%s/iommu_group", dir);
	n = readlink(p, g, sizeof(g) - 1);
	if (n < 0)
		return;
	g[n] = '\0';
	snprintf(p, sizeof(p), "%s/dev/vfio", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/dev/vfio/%s", root, strrchr(g, '/') ? strrchr(g, '/') + 1 : g);
	put_file(p, "");
}

static void do_unbind(const char *addr, const char *dir, const char *drv)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/driver", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sys/bus/pci/drivers/%s/%s", root, drv, addr);
	unlink(p);
	event("unbind %s %s", addr, drv);
}

/* The word after @addr on its line of <root>/.kmodel/@file ("ADDR WORD"
 * lines, the last one wins) into @out; @dflt when there is none. */
static void model_lookup(const char *file, const char *addr, const char *dflt, char *out, size_t len)
{
	char path[PATH_MAX], all[8192];
	char *line, *save = NULL;

	snprintf(out, len, "%s", dflt);
	snprintf(path, sizeof(path), "%s/.kmodel/%s", root, file);
	get_file(path, all, sizeof(all));
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char a[64], w[64];

		if (sscanf(line, "%63s %63s", a, w) == 2 && strcmp(a, addr) == 0)
			snprintf(out, len, "%s", w);
	}
}

static void host_driver(const char *addr, char *out, size_t len)
{
	model_lookup("hostdrv", addr, "", out, len);
}

static int probe(const char *addr)
{
	char dir[PATH_MAX], p[PATH_MAX], cur[128], ov[128], r[64];

	if (dev_dir(addr, dir) < 0)
		return ENODEV;
	if (fault("probe", addr, r, sizeof(r))) {
		if (strcmp(r, "nobind") == 0) {
			event("probe %s binds nothing (injected)", addr);
			return 0;
		}
		return fail_with("probe", addr);
	}
	dev_driver(dir, cur, sizeof(cur));
	if (cur[0]) {
		event("probe %s: already bound to %s", addr, cur);
		return 0;
	}
	snprintf(p, sizeof(p), "%s/driver_override", dir);
	get_file(p, ov, sizeof(ov));
	if (strcmp(ov, "(null)") == 0)
		ov[0] = '\0';
	if (!ov[0])
		host_driver(addr, ov, sizeof(ov));
	if (ov[0] && driver_registered(ov))
		do_bind(addr, dir, ov);
	else
		event("probe %s: no driver binds", addr);
	return 0;
}

/* Whether the function in @dev has a vendor:device in @ids
 * ("1b36:000d,1002:ab30"), as vfio-pci's ids= parameter matches. */
static int ids_match(const char *ids, const char *dev)
{
	char p[PATH_MAX], v[32], d[32], want[16];
	const char *s;

	snprintf(p, sizeof(p), "%s/vendor", dev);
	get_file(p, v, sizeof(v));
	snprintf(p, sizeof(p), "%s/device", dev);
	get_file(p, d, sizeof(d));
	if (strlen(v) != 6 || strlen(d) != 6)
		return 0;
	snprintf(want, sizeof(want), "%s:%s", v + 2, d + 2);
	for (s = ids; *s;) {
		size_t n = strcspn(s, ",");

		if (n >= 9 && strncasecmp(s, want, 9) == 0)
			return 1;
		s += n + (s[n] == ',');
	}
	return 0;
}

/* @ids: the module's ids= value, "" when none. */
static void register_vfio_pci(const char *ids)
{
	char d[PATH_MAX], p[PATH_MAX], m[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	snprintf(d, sizeof(d), "%s/sys/bus/pci/drivers/vfio-pci", root);
	mkdir(d, 0755);
	snprintf(p, sizeof(p), "%s/bind", d);
	put_file(p, "");
	snprintf(p, sizeof(p), "%s/unbind", d);
	put_file(p, "");
	snprintf(p, sizeof(p), "%s/new_id", d);
	put_file(p, "");
	snprintf(m, sizeof(m), "%s/sys/module/vfio_pci", root);
	snprintf(p, sizeof(p), "%s/module", d);
	symlink(m, p);
	event("register driver vfio-pci");

	/* driver_register() -> driver_attach(): every unbound device whose
	 * driver_override names us binds now (measured on 6.1). */
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices", root);
	dir = opendir(p);
	if (!dir)
		return;
	while ((de = readdir(dir)) != NULL) {
		char dev[PATH_MAX], cur[128], ov[128], op[PATH_MAX];

		if (de->d_name[0] == '.' || dev_dir(de->d_name, dev) < 0)
			continue;
		dev_driver(dev, cur, sizeof(cur));
		snprintf(op, sizeof(op), "%s/driver_override", dev);
		get_file(op, ov, sizeof(ov));
		if (!cur[0] && strcmp(ov, "vfio-pci") == 0)
			do_bind(de->d_name, dev, "vfio-pci");
		/* ids= adds dynamic IDs: every unbound function that matches
		 * and has no driver_override binds (vfio_pci_fill_ids(),
		 * pci_add_dynid() -> driver_attach()). */
		else if (!cur[0] && (!ov[0] || strcmp(ov, "(null)") == 0) && ids[0] && ids_match(ids, dev))
			do_bind(de->d_name, dev, "vfio-pci");
	}
	closedir(dir);
}

/* ---- reset_method ------------------------------------------------------ */

/* The device's own methods, as the topology gave them ("flr bus"). */
static void reset_default(const char *addr, char *out, size_t len)
{
	char path[PATH_MAX], all[8192];
	char *line, *save = NULL;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/.kmodel/reset_default", root);
	get_file(path, all, sizeof(all));
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strcspn(line, " ");

		if (n == strlen(addr) && strncmp(line, addr, n) == 0)
			snprintf(out, len, "%s", line[n] ? line + n + 1 : "");
	}
}

static int word_in(const char *list, const char *w)
{
	size_t wl = strlen(w);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");

		if (n == wl && strncmp(p, w, n) == 0)
			return 1;
		p += n + (p[n] == ' ');
	}
	return 0;
}

/* @val: the written value, one trailing newline gone. */
static int reset_method_store(const char *rpath, const char *addr, const char *val)
{
	static const char *const known[] = {"device_specific", "acpi", "flr", "af_flr", "pm", "bus", "cxl_bus"};
	char def[256], copy[256], out[256] = "", content[300], p[PATH_MAX];
	char *w, *save = NULL;
	struct stat st;
	int e;

	if ((e = fail_with("reset_method", addr)) != 0)
		return e;
	reset_default(addr, def, sizeof(def));
	if (strcmp(val, "default") == 0) {
		snprintf(out, sizeof(out), "%s", def);
	} else {
		snprintf(copy, sizeof(copy), "%s", val);
		snprintf(p, sizeof(p), "%s/sys/module/vendor_reset/initstate", root);
		for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			int ok = 0;

			for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
				ok |= strcmp(w, known[i]) == 0;
			if (!ok) {
				event("reset_method %s: invalid method '%s' (EINVAL)", addr, w);
				return EINVAL;
			}
			if (!word_in(def, w) && !(strcmp(w, "device_specific") == 0 && real_stat(p, &st) == 0)) {
				event("reset_method %s: unsupported method '%s' (EINVAL)", addr, w);
				return EINVAL;
			}
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? " " : "", w);
		}
	}
	/* reset_method_show(): the names and a newline, nothing when empty. */
	snprintf(content, sizeof(content), "%s%s", out, out[0] ? "\n" : "");
	put_file(rpath, content);
	event("reset_method %s %s", addr, out[0] ? out : "(none)");
	return 0;
}

/* ---- SR-IOV ------------------------------------------------------------ */

/* The VF group base the topology gave @addr ("-": the PF's own group). */
static void sriov_group_base(const char *addr, char *out, size_t len)
{
	model_lookup("sriov", addr, "-", out, len);
}

static void copy_attr(const char *from, const char *to, const char *attr)
{
	char p[PATH_MAX], v[256];

	snprintf(p, sizeof(p), "%s/%s", from, attr);
	get_file(p, v, sizeof(v));
	snprintf(p, sizeof(p), "%s/%s", to, attr);
	snprintf(v + strlen(v), sizeof(v) - strlen(v), "\n");
	put_file(p, v);
}

static void sriov_add_vf(const char *pfaddr, const char *pfdir, unsigned i, char *vfaddr, size_t len)
{
	char dir[PATH_MAX], p[PATH_MAX], t[PATH_MAX], g[32], grp[64], dev[32], cls[32], v[32];
	unsigned dom, bus, slot, fn, devfn;

	sscanf(pfaddr, "%x:%x:%x.%x", &dom, &bus, &slot, &fn);
	devfn = (slot << 3 | fn) + 1 + i;
	snprintf(vfaddr, len, "%04x:%02x:%02x.%u", dom, bus, (devfn >> 3) & 0x1f, devfn & 7);
	snprintf(dir, sizeof(dir), "%.*s/%s", (int)(strrchr(pfdir, '/') - pfdir), pfdir, vfaddr);
	mkdir(dir, 0755);
	copy_attr(pfdir, dir, "vendor");
	copy_attr(pfdir, dir, "class");
	copy_attr(pfdir, dir, "subsystem_vendor");
	copy_attr(pfdir, dir, "subsystem_device");
	snprintf(p, sizeof(p), "%s/sriov_vf_device", pfdir);
	get_file(p, dev, sizeof(dev));
	snprintf(p, sizeof(p), "%s/device", dir);
	snprintf(t, sizeof(t), "0x%s\n", dev);
	put_file(p, t);
	snprintf(p, sizeof(p), "%s/driver_override", dir);
	put_file(p, "(null)\n");
	snprintf(p, sizeof(p), "%s/vendor", dir);
	get_file(p, v, sizeof(v));
	snprintf(p, sizeof(p), "%s/class", dir);
	get_file(p, cls, sizeof(cls));
	snprintf(p, sizeof(p), "%s/modalias", dir);
	snprintf(t, sizeof(t), "pci:v%08lXd%08lXsv00000000sd00000000bc%02lXsc%02lXi%02lX\n", strtoul(v, NULL, 16),
		 strtoul(dev, NULL, 16), strtoul(cls, NULL, 16) >> 16, (strtoul(cls, NULL, 16) >> 8) & 0xff,
		 strtoul(cls, NULL, 16) & 0xff);
	put_file(p, t);
	snprintf(p, sizeof(p), "%s/physfn", dir);
	symlink(pfdir, p);
	snprintf(p, sizeof(p), "%s/virtfn%u", pfdir, i);
	symlink(dir, p);
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s", root, vfaddr);
	symlink(dir, p);
	sriov_group_base(pfaddr, g, sizeof(g));
	if (strcmp(g, "-") == 0) {
		ssize_t n;

		snprintf(p, sizeof(p), "%s/iommu_group", pfdir);
		n = readlink(p, t, sizeof(t) - 1);
		if (n < 0)
			return;
		t[n] = '\0';
		snprintf(grp, sizeof(grp), "%s", strrchr(t, '/') + 1);
	} else {
		snprintf(grp, sizeof(grp), "%lu", strtoul(g, NULL, 10) + i);
	}
	snprintf(p, sizeof(p), "%s/sys/kernel/iommu_groups/%s", root, grp);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/kernel/iommu_groups/%s/devices", root, grp);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/kernel/iommu_groups/%s/devices/%s", root, grp, vfaddr);
	symlink(dir, p);
	snprintf(p, sizeof(p), "%s/iommu_group", dir);
	snprintf(t, sizeof(t), "%s/sys/kernel/iommu_groups/%s", root, grp);
	symlink(t, p);
}

static void sriov_remove_vf(const char *pfdir, unsigned i)
{
	char p[PATH_MAX], t[PATH_MAX], grp[PATH_MAX], drv[128], a[64];
	ssize_t n;

	snprintf(p, sizeof(p), "%s/virtfn%u", pfdir, i);
	n = readlink(p, t, sizeof(t) - 1);
	if (n < 0)
		return;
	t[n] = '\0';
	unlink(p);
	snprintf(a, sizeof(a), "%s", strrchr(t, '/') + 1);
	dev_driver(t, drv, sizeof(drv));
	if (drv[0])
		do_unbind(a, t, drv);
	snprintf(p, sizeof(p), "%s/iommu_group", t);
	n = readlink(p, grp, sizeof(grp) - 1);
	if (n > 0) {
		grp[n] = '\0';
		snprintf(p, sizeof(p), "%s/devices/%s", grp, a);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s", root, a);
	unlink(p);
	snprintf(p, sizeof(p), "rm -rf '%s'", t);
	if (system(p) != 0)
		event("sriov: cannot remove %s", t);
}

/* @val: the written value. Returns 0 or an errno. */
static int sriov_numvfs_store(const char *rpath, const char *pfaddr, const char *val)
{
	char dir[PATH_MAX], p[PATH_MAX], v[32], drv[128], vf[64];
	unsigned long want, cur, total, autoprobe;
	char *end;

	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(rpath, '/') - rpath), rpath);
	want = strtoul(val, &end, 10);
	if (!val[0] || *end)
		return EINVAL;
	get_file(rpath, v, sizeof(v));
	cur = strtoul(v, NULL, 10);
	snprintf(p, sizeof(p), "%s/sriov_totalvfs", dir);
	get_file(p, v, sizeof(v));
	total = strtoul(v, NULL, 10);
	if (want == cur)
		return 0;
	dev_driver(dir, drv, sizeof(drv));
	if (!drv[0]) {
		event("sriov %s: no driver bound (ENOENT)", pfaddr);
		return ENOENT;
	}
	if (want > total) {
		event("sriov %s: %lu above sriov_totalvfs %lu (ERANGE)", pfaddr, want, total);
		return ERANGE;
	}
	if (cur && want) {
		event("sriov %s: %lu VFs exist (EBUSY)", pfaddr, cur);
		return EBUSY;
	}
	if (want == 0) {
		for (unsigned i = 0; i < cur; i++)
			sriov_remove_vf(dir, i);
		put_file(rpath, "0\n");
		event("sriov %s numvfs 0", pfaddr);
		return 0;
	}
	snprintf(v, sizeof(v), "%lu\n", want);
	put_file(rpath, v);
	event("sriov %s numvfs %lu", pfaddr, want);
	snprintf(p, sizeof(p), "%s/sriov_drivers_autoprobe", dir);
	get_file(p, v, sizeof(v));
	autoprobe = strtoul(v, NULL, 10);
	for (unsigned i = 0; i < want; i++) {
		sriov_add_vf(pfaddr, dir, i, vf, sizeof(vf));
		event("add %s (vf%u of %s)", vf, i, pfaddr);
		/* pci_bus_add_device() probes unless autoprobe is 0 and no
		 * driver_override is set (pci_device_can_probe()). */
		if (autoprobe)
			probe(vf);
	}
	return 0;
}

/* ---- writes ------------------------------------------------------------ */

static ssize_t model_write(int fd, const char *rpath, const void *buf, size_t len)
{
	char val[256], dir[PATH_MAX], cur[128];
	const char *base = strrchr(rpath, '/') + 1;
	const char *rel = rpath + rootlen;
	size_t vlen = len < sizeof(val) - 1 ? len : sizeof(val) - 1;
	int e;

	memcpy(val, buf, vlen);
	val[vlen] = '\0';
	if (vlen > 0 && val[vlen - 1] == '\n')
		val[--vlen] = '\0';

	if (strcmp(base, "driver_override") == 0) {
		char addr[64], content[300];
		const char *a;

		snprintf(dir, sizeof(dir), "%.*s", (int)(base - 1 - rpath), rpath);
		a = strrchr(dir, '/') + 1;
		snprintf(addr, sizeof(addr), "%s", a);
		if ((e = fail_with("override", addr)) != 0) {
			errno = e;
			return -1;
		}
		snprintf(content, sizeof(content), "%s\n", vlen ? val : "(null)");
		put_file(rpath, content);
		event("override %s %s", addr, vlen ? val : "(null)");
		return (ssize_t)len;
	}
	if (strcmp(base, "reset_method") == 0) {
		char addr[64];

		snprintf(dir, sizeof(dir), "%.*s", (int)(base - 1 - rpath), rpath);
		snprintf(addr, sizeof(addr), "%s", strrchr(dir, '/') + 1);
		if ((e = reset_method_store(rpath, addr, val)) != 0) {
			errno = e;
			return -1;
		}
		return (ssize_t)len;
	}
	if (strcmp(base, "sriov_numvfs") == 0) {
		char addr[64];

		snprintf(dir, sizeof(dir), "%.*s", (int)(base - 1 - rpath), rpath);
		snprintf(addr, sizeof(addr), "%s", strrchr(dir, '/') + 1);
		if ((e = fail_with("sriov_numvfs", addr)) != 0 || (e = sriov_numvfs_store(rpath, addr, val)) != 0) {
			errno = e;
			return -1;
		}
		return (ssize_t)len;
	}
	if (strcmp(base, "sriov_drivers_autoprobe") == 0) {
		char addr[64], content[8];

		snprintf(dir, sizeof(dir), "%.*s", (int)(base - 1 - rpath), rpath);
		snprintf(addr, sizeof(addr), "%s", strrchr(dir, '/') + 1);
		if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0) {
			errno = EINVAL;
			return -1;
		}
		snprintf(content, sizeof(content), "%s\n", val);
		put_file(rpath, content);
		event("sriov %s autoprobe %s", addr, val);
		return (ssize_t)len;
	}
	if (strcmp(rel, "/sys/bus/pci/drivers_probe") == 0) {
		if ((e = probe(val)) != 0) {
			errno = e;
			return -1;
		}
		return (ssize_t)len;
	}
	if (strncmp(rel, "/sys/bus/pci/drivers/", 21) == 0 &&
	    (strcmp(base, "unbind") == 0 || strcmp(base, "bind") == 0)) {
		char drv[128];

		snprintf(drv, sizeof(drv), "%.*s", (int)(base - 1 - (rel + 21)), rel + 21);
		if (dev_dir(val, dir) < 0) {
			errno = ENODEV;
			return -1;
		}
		dev_driver(dir, cur, sizeof(cur));
		if (strcmp(base, "unbind") == 0) {
			if (strcmp(cur, drv) != 0) {
				event("unbind %s %s fails with ENODEV (bound to %s)", val, drv,
				      cur[0] ? cur : "nothing");
				errno = ENODEV;
				return -1;
			}
			if ((e = fail_with("unbind", val)) != 0) {
				errno = e;
				return -1;
			}
			do_unbind(val, dir, drv);
		} else {
			if (cur[0]) {
				errno = EBUSY;
				return -1;
			}
			do_bind(val, dir, drv);
		}
		return (ssize_t)len;
	}
	return real_write(fd, buf, len);
}

/* ---- interposed libc --------------------------------------------------- */

static const char *redirect(const char *path, char *buf)
{
	if (rootlen && path && strncmp(path, "/sys/module", 11) == 0 && (path[11] == '/' || path[11] == '\0')) {
		snprintf(buf, PATH_MAX, "%s%s", root, path);
		return buf;
	}
	return path;
}

static void track(int fd, const char *path, int flags)
{
	char rp[PATH_MAX];

	if (fd < 0 || fd >= MAX_FD || !rootlen || (flags & O_ACCMODE) == O_RDONLY)
		return;
	if (!realpath(path, rp) || strncmp(rp, root, rootlen) != 0 || strncmp(rp + rootlen, "/sys/", 5) != 0)
		return;
	free(tracked[fd]);
	tracked[fd] = strdup(rp);
}

int open(const char *path, int flags, ...)
{
	char buf[PATH_MAX];
	mode_t mode = 0;
	va_list ap;
	int fd;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	path = redirect(path, buf);
	fd = real_open(path, flags, mode);
	track(fd, path, flags);
	return fd;
}
int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
	char buf[PATH_MAX];
	mode_t mode = 0;
	va_list ap;
	int fd;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	path = redirect(path, buf);
	fd = real_openat(dirfd, path, flags, mode);
	if (path[0] == '/')
		track(fd, path, flags);
	return fd;
}
int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

int stat(const char *path, struct stat *st)
{
	char buf[PATH_MAX];

	return real_stat(redirect(path, buf), st);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (fd >= 0 && fd < MAX_FD && tracked[fd])
		return model_write(fd, tracked[fd], buf, len);
	return real_write(fd, buf, len);
}

int close(int fd)
{
	if (fd >= 0 && fd < MAX_FD && tracked[fd]) {
		free(tracked[fd]);
		tracked[fd] = NULL;
	}
	return real_close(fd);
}

static long model_finit_module(int fd)
{
	char p[PATH_MAX], t[PATH_MAX], name[128];
	struct stat st;
	ssize_t n;
	char *s;
	int e;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, t, sizeof(t) - 1);
	if (n < 0)
		return -1;
	t[n] = '\0';
	snprintf(name, sizeof(name), "%s", strrchr(t, '/') ? strrchr(t, '/') + 1 : t);
	s = strstr(name, ".ko");
	if (s)
		*s = '\0';
	for (s = name; *s; s++)
		if (*s == '-')
			*s = '_';
	if ((e = fail_with("load", name)) != 0) {
		errno = e;
		return -1;
	}
	snprintf(p, sizeof(p), "%s/sys/module/%s/initstate", root, name);
	if (real_stat(p, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	snprintf(p, sizeof(p), "%s/sys/module/%s", root, name);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/module/%s/initstate", root, name);
	put_file(p, "live\n");
	return 0;
}

long syscall(long nr, ...)
{
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	if (nr == SYS_finit_module) {
		const char *args = (const char *)a[1];
		char mname[PATH_MAX], t[PATH_MAX];
		long r;

		if (!rootlen) {
			errno = EPERM;
			return -1;
		}
		r = model_finit_module((int)a[0]);
		snprintf(mname, sizeof(mname), "/proc/self/fd/%d", (int)a[0]);
		ssize_t n = readlink(mname, t, sizeof(t) - 1);
		t[n > 0 ? n : 0] = '\0';
		if (r == 0) {
			const char *b = strrchr(t, '/') ? strrchr(t, '/') + 1 : t;

			event("load %s%s%s", b, args && args[0] ? " " : "", args ? args : "");
			if (strncmp(b, "vfio-pci.ko", 11) == 0) {
				/* ids= from the options, or from a fault line
				 * "load vfio_pci ids=V:D" (a module that binds by
				 * ID whatever it was given: an install command). */
				char ids[256] = "", fr[128];
				const char *o = args ? strstr(args, "ids=") : NULL;

				if (o && (o == args || o[-1] == ' '))
					snprintf(ids, sizeof(ids), "%.*s", (int)strcspn(o + 4, " "), o + 4);
				if (fault("load", "vfio_pci", fr, sizeof(fr)) && strncmp(fr, "ids=", 4) == 0)
					snprintf(ids, sizeof(ids), "%s", fr + 4);
				register_vfio_pci(ids);
			}
		}
		return r;
	}
	if (nr == SYS_init_module || nr == SYS_delete_module) {
		errno = EPERM;
		return -1;
	}
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int init_module(void *image, unsigned long len, const char *args)
{
	(void)image;
	(void)len;
	(void)args;
	errno = EPERM;
	return -1;
}

int delete_module(const char *name, unsigned flags)
{
	(void)name;
	(void)flags;
	errno = EPERM;
	return -1;
}

int uname(struct utsname *u)
{
	char p[PATH_MAX], rel[sizeof(u->release)];
	int r = real_uname(u);

	if (r == 0 && rootlen) {
		snprintf(p, sizeof(p), "%s/proc/sys/kernel/osrelease", root);
		get_file(p, rel, sizeof(rel));
		if (rel[0])
			snprintf(u->release, sizeof(u->release), "%s", rel);
	}
	return r;
}
