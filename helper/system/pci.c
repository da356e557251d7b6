// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pci.c - scanning and driving PCI functions through sysfs.
 */
#include "system/pci.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/sysfs.h"

#define DEV_PATH "/sys/bus/pci/devices/%s/%s"

static int dev_path(char *buf, size_t len, const char *name, const char *attr)
{
	return root_path(buf, len, DEV_PATH, name, attr);
}

/* Header type (config offset 0x0e, low 7 bits): 1 = PCI-PCI bridge,
 * 2 = CardBus bridge. The config file is readable by anyone for its first
 * 64 bytes. Without it, fall back to the bridge class codes. */
static bool read_is_bridge(const char *name, uint32_t class)
{
	char path[PATH_MAX];
	unsigned char hdr;
	int fd;

	if (dev_path(path, sizeof(path), name, "config") == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = pread(fd, &hdr, 1, 0x0e);

			close(fd);
			if (n == 1)
				return (hdr & 0x7f) == 1 || (hdr & 0x7f) == 2;
		}
	}
	return (class >> 8) == 0x0604 || (class >> 8) == 0x0609 || (class >> 8) == 0x0607;
}

int pci_refresh_driver(struct pci_func *f)
{
	char path[PATH_MAX];
	int r;

	f->driver[0] = '\0';
	if (dev_path(path, sizeof(path), f->name, "driver") < 0)
		return -ENAMETOOLONG;
	r = sysfs_read_link_name(path, f->driver, sizeof(f->driver));
	if (r < 0) {
		f->driver[0] = '\0';
		return r == -ENOENT ? 0 : r;
	}
	/* Its module is a property of the driver, not of the function:
	 * kmodule_driver() reads drivers/NAME/module once per driver. */
	return 0;
}

static int read_func(const char *name, struct pci_func *f)
{
	char path[PATH_MAX], buf[PCI_NAME_MAX];
	unsigned long v, d, c;

	memset(f, 0, sizeof(*f));
	if (pci_addr_parse(name, strlen(name), &f->addr) < 0)
		return -EINVAL;
	/* Keep the kernel's own spelling for every path (parsed above, so
	 * it fits; the check is for the compiler's benefit). */
	if (snprintf(f->name, sizeof(f->name), "%s", name) >= (int)sizeof(f->name))
		return -EINVAL;

	if (dev_path(path, sizeof(path), name, "vendor") < 0 || sysfs_read_hex(path, &v) < 0)
		return -EIO;
	if (dev_path(path, sizeof(path), name, "device") < 0 || sysfs_read_hex(path, &d) < 0)
		return -EIO;
	if (dev_path(path, sizeof(path), name, "class") < 0 || sysfs_read_hex(path, &c) < 0)
		return -EIO;
	f->id.vendor = (uint16_t)v;
	f->id.device = (uint16_t)d;
	f->class = (uint32_t)c;
	f->is_bridge = read_is_bridge(name, f->class);

	f->iommu_group = -1;
	if (dev_path(path, sizeof(path), name, "iommu_group") == 0 &&
	    sysfs_read_link_name(path, buf, sizeof(buf)) > 0) {
		char *end;

		errno = 0;
		v = strtoul(buf, &end, 10);
		if (errno == 0 && *end == '\0' && v <= INT_MAX)
			f->iommu_group = (int)v;
	}

	f->boot_vga = -1;
	if (dev_path(path, sizeof(path), name, "boot_vga") == 0 && sysfs_read_attr(path, buf, sizeof(buf)) >= 0)
		f->boot_vga = strcmp(buf, "1") == 0;

	if (dev_path(path, sizeof(path), name, "reset") == 0)
		f->has_reset = sysfs_exists(path);

	pci_read_reset_method(f);

	if (dev_path(path, sizeof(path), name, "driver_override") == 0 &&
	    sysfs_read_attr(path, f->override, sizeof(f->override)) >= 0) {
		if (strcmp(f->override, "(null)") == 0)
			f->override[0] = '\0';
	}
	f->sriov_num = -1;
	f->sriov_total = pci_read_dec(f, "sriov_totalvfs");
	if (f->sriov_total >= 0)
		f->sriov_num = pci_read_dec(f, "sriov_numvfs");
	if (dev_path(path, sizeof(path), name, "modalias") == 0 &&
	    sysfs_read_attr(path, f->modalias, sizeof(f->modalias)) < 0)
		f->modalias[0] = '\0';

	return pci_refresh_driver(f);
}

static int cmp_func(const void *a, const void *b)
{
	return pci_addr_cmp(&((const struct pci_func *)a)->addr, &((const struct pci_func *)b)->addr);
}

int pci_scan(struct pci_list *list)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;
	int r;

	memset(list, 0, sizeof(*list));
	if (root_path(path, sizeof(path), "/sys/bus/pci/devices") < 0)
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (dir == NULL)
		return -errno;

	while ((de = readdir(dir)) != NULL) {
		struct pci_func f;

		if (de->d_name[0] == '.')
			continue;
		r = read_func(de->d_name, &f);
		if (r == -EINVAL)
			continue;
		if (r < 0) {
			DBG("%s: skipped, attributes unreadable (%s)", de->d_name, strerror(-r));
			continue;
		}
		if (list->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct pci_func *nf = realloc(list->f, ncap * sizeof(*nf));

			if (nf == NULL) {
				closedir(dir);
				pci_list_free(list);
				return -ENOMEM;
			}
			list->f = nf;
			cap = ncap;
		}
		list->f[list->n++] = f;
	}
	closedir(dir);
	if (list->n > 1)
		qsort(list->f, list->n, sizeof(*list->f), cmp_func);
	/* A PF's virtfnN links name its VFs (drivers/pci/iov.c,
	 * pci_iov_sysfs_link()): only PFs pay for it. */
	for (size_t i = 0; i < list->n; i++) {
		struct pci_func *pf = &list->f[i], *vf;
		char link[16], buf[PCI_NAME_MAX];
		struct pci_addr a;

		for (int k = 0; k < pf->sriov_num && k < 65535; k++) {
			snprintf(link, sizeof(link), "virtfn%d", k);
			if (dev_path(path, sizeof(path), pf->name, link) < 0 ||
			    sysfs_read_link_name(path, buf, sizeof(buf)) <= 0 ||
			    pci_addr_parse(buf, strlen(buf), &a) < 0 || (vf = pci_find(list, &a)) == NULL)
				continue;
			vf->is_vf = true;
			vf->vf_index = (uint16_t)k;
			vf->physfn = pf->addr;
		}
	}
	return 0;
}

void pci_list_free(struct pci_list *list)
{
	free(list->f);
	memset(list, 0, sizeof(*list));
}

struct pci_func *pci_find(const struct pci_list *list, const struct pci_addr *addr)
{
	size_t lo = 0, hi = list->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = pci_addr_cmp(&list->f[mid].addr, addr);

		if (c == 0)
			return &list->f[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int pci_set_override(const struct pci_func *f, const char *drv)
{
	char path[PATH_MAX];

	if (dev_path(path, sizeof(path), f->name, "driver_override") < 0)
		return -ENAMETOOLONG;
	/* An empty write clears it; "\n" is what `echo >` writes. */
	return sysfs_write_attr(path, drv[0] ? drv : "\n");
}

int pci_unbind(const struct pci_func *f)
{
	char path[PATH_MAX];

	if (dev_path(path, sizeof(path), f->name, "driver/unbind") < 0)
		return -ENAMETOOLONG;
	return sysfs_write_attr(path, f->name);
}

int pci_probe(const struct pci_func *f)
{
	char path[PATH_MAX];

	if (root_path(path, sizeof(path), "/sys/bus/pci/drivers_probe") < 0)
		return -ENAMETOOLONG;
	return sysfs_write_attr(path, f->name);
}

const char *pci_reset_method_text(const struct pci_func *f, char *buf, size_t len)
{
	if (!f->has_reset_method)
		return "-";
	if (!f->reset_method[0])
		return "none";
	snprintf(buf, len, "%s", f->reset_method);
	for (char *c = buf; *c; c++)
		if (*c == ' ')
			*c = ',';
	return buf;
}

int pci_read_reset_method(struct pci_func *f)
{
	char path[PATH_MAX];
	int r;

	f->has_reset_method = false;
	f->reset_method[0] = '\0';
	if (dev_path(path, sizeof(path), f->name, "reset_method") < 0)
		return -ENAMETOOLONG;
	r = sysfs_read_attr(path, f->reset_method, sizeof(f->reset_method));
	if (r < 0) {
		f->reset_method[0] = '\0';
		return r;
	}
	f->has_reset_method = true;
	return 0;
}

int pci_set_reset_method(const struct pci_func *f, const char *methods)
{
	char path[PATH_MAX];

	if (dev_path(path, sizeof(path), f->name, "reset_method") < 0)
		return -ENAMETOOLONG;
	return sysfs_write_attr(path, methods);
}

int pci_read_dec(const struct pci_func *f, const char *attr)
{
	char path[PATH_MAX], buf[32], *end;
	unsigned long v;
	int r;

	if (dev_path(path, sizeof(path), f->name, attr) < 0)
		return -ENAMETOOLONG;
	r = sysfs_read_attr(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(buf, &end, 10);
	return errno || end == buf || *end || v > INT_MAX ? -EINVAL : (int)v;
}

int pci_write_dec(const struct pci_func *f, const char *attr, unsigned val)
{
	char path[PATH_MAX], buf[16];

	if (dev_path(path, sizeof(path), f->name, attr) < 0)
		return -ENAMETOOLONG;
	snprintf(buf, sizeof(buf), "%u", val);
	return sysfs_write_attr(path, buf);
}

bool pci_driver_registered(const char *drv)
{
	char path[PATH_MAX];

	return root_path(path, sizeof(path), "/sys/bus/pci/drivers/%s", drv) == 0 && sysfs_exists(path);
}

bool pci_iommu_groups_present(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *dir;

	if (root_path(path, sizeof(path), "/sys/kernel/iommu_groups") < 0)
		return false;
	dir = opendir(path);
	if (dir == NULL)
		return false;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] != '.') {
			found = true;
			break;
		}
	}
	closedir(dir);
	return found;
}
