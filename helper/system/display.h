/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * display.h - the display guard: is this function the host's console?
 *
 * Two signs: boot_vga = 1 (the GPU the firmware initialised and left
 * decoding legacy VGA, drivers/pci/pci-sysfs.c), or a memory BAR that
 * overlaps a firmware framebuffer in /proc/iomem ("efifb", "BOOTFB",
 * "simple-framebuffer", "vesafb", "simpledrm"): the console drawn by the
 * firmware's framebuffer driver. Passing such a GPU through leaves the host
 * console dark unless the framebuffer is released: video=efifb:off, or
 * initcall_blacklist=sysfb_init where sysfb/simpledrm registers it
 * (kernel-parameters.txt). Warnings only: a headless host is the goal.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "system/pci.h"

/**
 * display_firmware_fb() - does a memory BAR of @f overlap a firmware
 * framebuffer listed in <root>/proc/iomem?
 * @name: the framebuffer's iomem name when it does ("BOOTFB"), @len bytes.
 *
 * /proc/iomem shows real addresses only to CAP_SYS_ADMIN; unprivileged it
 * shows zeros and nothing overlaps.
 * Return: true on overlap.
 */
bool display_firmware_fb(const struct pci_func *f, char *name, size_t len);

/** display_is_gpu() - class 0x03 (display controller). */
bool display_is_gpu(const struct pci_func *f);

/**
 * display_only_console() - @f is the boot GPU (boot_vga = 1,
 * drivers/pci/pci-sysfs.c) and no other display controller (class 0x03)
 * is in @pci: passing it through leaves the host without a display.
 * Return: true when so (no error cases).
 */
bool display_only_console(const struct pci_list *pci, const struct pci_func *f);
