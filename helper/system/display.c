// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * display.c - BARs against firmware framebuffers in /proc/iomem.
 */
#include "system/display.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "basic/sysfs.h"

/* include/linux/ioport.h */
#define IORESOURCE_MEM 0x00000200

static const char *const fb_names[] = {"efifb", "BOOTFB", "simple-framebuffer", "vesafb", "simpledrm"};

bool display_is_gpu(const struct pci_func *f)
{
	return (f->class >> 16) == 0x03;
}

bool display_only_console(const struct pci_list *pci, const struct pci_func *f)
{
	if (!display_is_gpu(f) || f->boot_vga != 1)
		return false;
	for (size_t i = 0; i < pci->n; i++)
		if (&pci->f[i] != f && display_is_gpu(&pci->f[i]))
			return false;
	return true;
}

bool display_firmware_fb(const struct pci_func *f, char *name, size_t len)
{
	char path[PATH_MAX], line[512];
	uint64_t bar_start[16], bar_end[16];
	size_t nbars = 0;
	bool hit = false;
	FILE *fp;

	/* resource: one "0xSTART 0xEND 0xFLAGS" line per BAR (pci-sysfs.c). */
	if (root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", f->name) < 0)
		return false;
	fp = fopen(path, "re");
	if (fp == NULL)
		return false;
	while (nbars < 16 && fgets(line, sizeof(line), fp)) {
		uint64_t s, e, fl;

		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNx64, &s, &e, &fl) == 3 && (fl & IORESOURCE_MEM) &&
		    e > s) {
			bar_start[nbars] = s;
			bar_end[nbars] = e;
			nbars++;
		}
	}
	fclose(fp);
	if (nbars == 0)
		return false;

	if (root_path(path, sizeof(path), "/proc/iomem") < 0 || (fp = fopen(path, "re")) == NULL)
		return false;
	while (!hit && fgets(line, sizeof(line), fp)) {
		uint64_t s, e;
		int off = 0;
		char *nm;

		if (sscanf(line, " %" SCNx64 "-%" SCNx64 " :%n", &s, &e, &off) != 2 || off == 0 || e <= s)
			continue;
		nm = line + off;
		nm += strspn(nm, " ");
		nm[strcspn(nm, "\n")] = '\0';
		for (size_t k = 0; k < sizeof(fb_names) / sizeof(fb_names[0]) && !hit; k++) {
			if (strstr(nm, fb_names[k]) == NULL)
				continue;
			for (size_t b = 0; b < nbars && !hit; b++) {
				if (s <= bar_end[b] && bar_start[b] <= e) {
					snprintf(name, len, "%s", nm);
					hit = true;
				}
			}
		}
	}
	fclose(fp);
	return hit;
}
