// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor.c - the floor under `vfiobind list`: a bare loop that opens and
 * reads the sysfs files list reads, and nothing else (no config, no
 * libkmod, no formatting beyond one line per function). bench/run times
 * list against it pair by pair; the ratio is list's overhead.
 *
 * Per function (helper/pci.c, read_func()): vendor, device, class,
 * config (one byte at 0x0e), the iommu_group link, boot_vga, reset (its
 * existence), driver_override, modalias, the driver link; per driver once
 * (kmodule_driver()): its module link. Also the directory of
 * /sys/kernel/iommu_groups, once.
 *
 * Usage: floor ROOT    (prints "N functions, M drivers")
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void read_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf[0] = '\0';
		return;
	}
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void read_link(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	n = readlink(path, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

int main(int argc, char **argv)
{
	char devs[PATH_MAX], dir[PATH_MAX], buf[256], drv[256], path[PATH_MAX];
	char seen[64][64];
	size_t nseen = 0, nfunc = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (argc != 2) {
		fprintf(stderr, "usage: floor ROOT\n");
		return 2;
	}
	snprintf(devs, sizeof(devs), "%s/sys/bus/pci/devices", argv[1]);
	d = opendir(devs);
	if (d == NULL) {
		perror(devs);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		unsigned char hdr;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", devs, de->d_name);
		read_attr(dir, "vendor", buf, sizeof(buf));
		read_attr(dir, "device", buf, sizeof(buf));
		read_attr(dir, "class", buf, sizeof(buf));
		snprintf(path, sizeof(path), "%s/config", dir);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (pread(fd, &hdr, 1, 0x0e) < 0)
				hdr = 0;
			close(fd);
		}
		read_link(dir, "iommu_group", buf, sizeof(buf));
		read_attr(dir, "boot_vga", buf, sizeof(buf));
		snprintf(path, sizeof(path), "%s/reset", dir);
		(void)stat(path, &st);
		read_attr(dir, "driver_override", buf, sizeof(buf));
		read_attr(dir, "modalias", buf, sizeof(buf));
		read_link(dir, "driver", drv, sizeof(drv));
		nfunc++;
		if (drv[0]) {
			const char *name = strrchr(drv, '/') ? strrchr(drv, '/') + 1 : drv;
			size_t i;

			for (i = 0; i < nseen && strcmp(seen[i], name) != 0; i++)
				;
			if (i == nseen && nseen < 64) {
				snprintf(seen[nseen++], sizeof(seen[0]), "%s", name);
				snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/%s", argv[1], name);
				read_link(path, "module", buf, sizeof(buf));
			}
		}
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/sys/kernel/iommu_groups", argv[1]);
	d = opendir(path);
	if (d) {
		while (readdir(d) != NULL)
			;
		closedir(d);
	}
	printf("%zu functions, %zu drivers\n", nfunc, nseen);
	return 0;
}
