/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pci.h - the sysfs view of PCI functions: one scan of
 * /sys/bus/pci/devices into an array sorted by address, and the three
 * writes that move a function between drivers.
 *
 * Attributes used (Documentation/ABI/testing/sysfs-bus-pci and
 * sysfs-kernel-iommu_groups): vendor, device, class, driver (link),
 * driver_override, boot_vga, reset, reset_method (5.15+), iommu_group
 * (link), modalias, config (header type at offset 0x0e),
 * /sys/bus/pci/drivers_probe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/selector.h"

#define PCI_NAME_MAX 64

/* The driver field when nothing is bound. */
#define PCI_NO_DRIVER ""

struct pci_func {
	struct pci_addr addr;
	char name[PCI_ADDR_STRLEN]; /* the sysfs name, "0000:03:00.0" */
	struct pci_id id;
	uint32_t class;	 /* 0xCCSSPP: class, subclass, prog-if */
	bool is_bridge;	 /* header type 1 or 2: vfio never needs those bound */
	int iommu_group; /* -1: none (no IOMMU, or not translated) */
	int boot_vga;	 /* -1: no boot_vga attribute, else 0/1 */
	bool has_reset;	 /* a "reset" attribute exists */
	/* reset_method as read ("flr bus"; "" when every method was
	 * disabled), valid when has_reset_method. The kernel shows the
	 * attribute only for a function with a reset method
	 * (pci_dev_reset_method_attr_is_visible()), and only since 5.15. */
	bool has_reset_method;
	char reset_method[64];
	/* SR-IOV (drivers/pci/iov.c): a physical function has sriov_totalvfs
	 * and sriov_numvfs; -1 on every other function. A virtual function
	 * is found through its PF's virtfnN links (N its index). */
	int sriov_total;
	int sriov_num;
	bool is_vf;
	uint16_t vf_index;
	struct pci_addr physfn;
	char driver[PCI_NAME_MAX];   /* bound driver, "" when none */
	char override[PCI_NAME_MAX]; /* driver_override, "" when "(null)" */
	char modalias[128];
};

struct pci_list {
	struct pci_func *f;
	size_t n;
};

/** pci_is_vf_of() - whether @vf is a virtual function of @pf (its physfn
 * link names @pf). */
static inline bool pci_is_vf_of(const struct pci_func *vf, const struct pci_func *pf)
{
	return vf->is_vf && pci_addr_cmp(&vf->physfn, &pf->addr) == 0;
}

/**
 * pci_scan() - read every function under <root>/sys/bus/pci/devices.
 * @list: filled with functions sorted by address; free with pci_list_free().
 *
 * Entries whose name is not a PCI address are skipped; a function whose
 * vendor/device/class cannot be read is skipped with a debug message (it
 * is going away).
 * Return: 0, -ENOENT when <root>/sys/bus/pci/devices does not exist (no
 * sysfs mounted), -ENOMEM, or another -errno from opendir(3).
 */
int pci_scan(struct pci_list *list);

/**
 * pci_refresh_driver() - re-read the driver link of @f.
 * Return: 0 or -errno other than -ENOENT (no driver is not an error).
 */
int pci_refresh_driver(struct pci_func *f);

void pci_list_free(struct pci_list *list);

/** pci_find() - the function at @addr, or NULL. */
struct pci_func *pci_find(const struct pci_list *list, const struct pci_addr *addr);

/**
 * pci_set_override() - write @drv to driver_override ("" clears it).
 * Return: 0 or -errno from the write (-ENODEV: the device went away).
 */
int pci_set_override(const struct pci_func *f, const char *drv);

/**
 * pci_unbind() - detach @f from its current driver via
 * /sys/bus/pci/devices/ADDR/driver/unbind.
 * Return: 0; -ENOENT when no driver is bound (the driver link is gone);
 * -ENODEV when it was not bound to that driver (the kernel's answer to a
 * second unbind); -EBUSY or another -errno from the driver's remove path.
 */
int pci_unbind(const struct pci_func *f);

/**
 * pci_probe() - write the address to /sys/bus/pci/drivers_probe.
 *
 * The kernel returns success even when no driver binds
 * (drivers/pci/pci-driver.c -> bus_rescan_devices_helper() ignores "no
 * match"), so the caller must read the driver link afterwards.
 * Return: 0 or -errno (-ENODEV: no such device).
 */
int pci_probe(const struct pci_func *f);

/**
 * pci_read_reset_method() - re-read reset_method into @f->reset_method
 * (and @f->has_reset_method).
 * Return: 0; -ENOENT when the attribute does not exist (a kernel before
 * 5.15, or a function without any reset method); another -errno.
 */
int pci_read_reset_method(struct pci_func *f);

/**
 * pci_reset_method_text() - @f's reset methods as the tables show them:
 * "flr,bus" (the kernel's blank-separated reset_method with commas, the
 * config's spelling), "none" when every method was disabled (the
 * attribute reads empty), "-" without the attribute (before 5.15, or no
 * method: pci_dev_reset_method_attr_is_visible()).
 * @buf, @len: room for the text (64 bytes hold every method the kernel names).
 * Return: @buf or a constant string.
 */
const char *pci_reset_method_text(const struct pci_func *f, char *buf, size_t len);

/**
 * pci_set_reset_method() - write @methods to reset_method.
 * @methods: blank-separated method names in the kernel's spelling
 *           ("flr pm"), or "default" (Documentation/ABI/testing/
 *           sysfs-bus-pci, /sys/bus/pci/devices/.../reset_method).
 * Return: 0; -ENOENT when the attribute does not exist (before 5.15, or
 * no reset method); -EINVAL when the kernel refuses a name it does not
 * know or a method the function does not support (reset_method_store(),
 * which then keeps the methods it had); another -errno from the write.
 */
int pci_set_reset_method(const struct pci_func *f, const char *methods);

/**
 * pci_read_dec() - read the decimal attribute @attr of @f (sriov_numvfs,
 * sriov_drivers_autoprobe).
 * Return: its value (0..INT_MAX), -ENOENT when the attribute does not
 * exist, -EINVAL when it is not a number, or another -errno.
 */
int pci_read_dec(const struct pci_func *f, const char *attr);

/**
 * pci_write_dec() - write @val in decimal to @f's attribute @attr.
 * For sriov_numvfs the kernel answers -EBUSY when VFs exist and @val is
 * another non-zero count, -ERANGE above sriov_totalvfs, -ENOENT when the
 * PF has no driver or its driver no sriov_configure, or the driver's own
 * error (drivers/pci/iov.c, sriov_numvfs_store()).
 * Return: 0 or -errno from the write.
 */
int pci_write_dec(const struct pci_func *f, const char *attr, unsigned val);

/** pci_driver_registered() - true when <root>/sys/bus/pci/drivers/@drv exists. */
bool pci_driver_registered(const char *drv);

/**
 * pci_iommu_groups_present() - whether the kernel has any IOMMU group.
 * Return: true when <root>/sys/kernel/iommu_groups has an entry; an empty
 * or absent directory means no IOMMU is active (kernel-parameters.txt:
 * intel_iommu=, amd_iommu=).
 */
bool pci_iommu_groups_present(void);
