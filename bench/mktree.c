// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mktree.c - build a fake root for `vfiobind --root` (and for
 * `lspci -A linux-sysfs -O sysfs.path=ROOT/sys/bus/pci`) from a topology
 * file, the tree tests/fixtures/mksysfs.sh builds: devices nested under
 * their bridges, bus/pci/devices and drivers links, kernel/iommu_groups,
 * module dirs, the first 64 bytes of config space, /proc/cmdline,
 * /dev/kmsg. The bash script forks a dozen times per function; the
 * benchmark's 4,096 functions would take it minutes.
 *
 * Usage: mktree TOPOLOGY ROOT   (ROOT must not exist)
 * Leaves out lib/modules/RELEASE apart from modules.builtin and
 * modules.order: the caller copies the vfio modules and runs depmod, as
 * mksysfs.sh does. Env FIXTURE_RELEASE as for mksysfs.sh.
 *
 * Topology lines (tests/fixtures/topologies/NAME.topo):
 *   driver NAME MODULE|- module|builtin|-
 *   modprobe LINE...
 *   noiommu
 *   ADDR VVVV:DDDD CLASS GROUP|- DRIVER|- [parent=ADDR] [boot_vga] [reset]
 *        [override=NAME]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_LEN 4096

struct func {
	char addr[16];
	char *path; /* absolute, under the root */
};

static const char *root;
static const char *release = "6.18.0-vfiobind-fixture";
static const char *topo_name;
static unsigned lineno;
static struct func *funcs;
static size_t nfuncs, funcs_cap;
static bool noiommu;

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mktree: ");
	if (lineno)
		fprintf(stderr, "%s:%u: ", topo_name, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* A path into BUF (PATH_LEN bytes); returns BUF. */
static char *path_fmt(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *path_fmt(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_LEN, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_LEN)
		die("path too long");
	return buf;
}

/*
 * One-shot paths for arguments: two buffers, so a call may take two
 * path_of() results, never one that outlives the next two calls.
 */
#define path_of(...) path_fmt(path_bufs[path_next++ % 2], __VA_ARGS__)
static char path_bufs[2][PATH_LEN];
static unsigned path_next;

/* mkdir -p */
static void make_dirs(const char *path)
{
	char tmp[PATH_LEN];
	size_t len = strlen(path);

	if (len >= sizeof(tmp))
		die("path too long: %s", path);
	memcpy(tmp, path, len + 1);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			die("mkdir %s: %s", tmp, strerror(errno));
		*s = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		die("mkdir %s: %s", tmp, strerror(errno));
}

static void write_bytes(const char *path, int flags, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (len && write(fd, buf, len) != (ssize_t)len)
		die("write %s: %s", path, strerror(errno));
	if (close(fd) < 0)
		die("close %s: %s", path, strerror(errno));
}

static void write_file(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void write_file(const char *path, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		die("value too long for %s", path);
	write_bytes(path, O_TRUNC, buf, (size_t)n);
}

static void append_line(const char *path, const char *line)
{
	write_bytes(path, O_APPEND, line, strlen(line));
	write_bytes(path, O_APPEND, "\n", 1);
}

/*
 * A symlink at LINK to TARGET, relative like `ln -sr`, so that the tree
 * can be moved and means the same under any root prefix. Both paths are
 * absolute and free of symlinks and dot components.
 */
static void link_relative(const char *target, const char *link)
{
	char rel[PATH_LEN] = "";
	size_t common = 0, i;
	const char *dir_end = strrchr(link, '/');

	/* The longest common prefix ending at a component boundary. */
	for (i = 0; link + i < dir_end && target[i] && link[i] == target[i]; i++)
		if (link[i] == '/')
			common = i;
	if (link + i == dir_end && (target[i] == '/' || target[i] == '\0'))
		common = i;
	for (const char *s = link + common; s < dir_end; s++)
		if (*s == '/' && strlen(rel) + 4 < sizeof(rel))
			strcat(rel, "../");
	if (target[common] == '/')
		common++;
	if (strlen(rel) + strlen(target + common) >= sizeof(rel))
		die("link target too long: %s", target);
	strcat(rel, target + common);
	if (!rel[0])
		strcpy(rel, ".");
	if (symlink(rel, link) < 0)
		die("symlink %s -> %s: %s", link, rel, strerror(errno));
}

/* The first LEN characters of S are hex digits. */
static bool is_hex(const char *s, size_t len)
{
	if (strnlen(s, len) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

static unsigned long hex(const char *s, size_t len)
{
	char buf[16];

	memcpy(buf, s, len);
	buf[len] = '\0';
	return strtoul(buf, NULL, 16);
}

static const char *find_path(const char *addr)
{
	for (size_t i = nfuncs; i-- > 0;)
		if (!strcmp(funcs[i].addr, addr))
			return funcs[i].path;
	return NULL;
}

static void add_driver(char **w, int n)
{
	char d[PATH_LEN], mod[PATH_LEN];

	if (n != 4)
		die("driver NAME MODULE KIND");
	path_fmt(d, "%s/sys/bus/pci/drivers/%s", root, w[1]);
	make_dirs(d);
	write_bytes(path_of("%s/bind", d), O_TRUNC, "", 0);
	write_bytes(path_of("%s/unbind", d), O_TRUNC, "", 0);
	write_bytes(path_of("%s/new_id", d), O_TRUNC, "", 0);
	write_bytes(path_of("%s/remove_id", d), O_TRUNC, "", 0);
	if (!strcmp(w[2], "-"))
		return;
	path_fmt(mod, "%s/sys/module/%s", root, w[2]);
	make_dirs(mod);
	link_relative(mod, path_of("%s/module", d));
	if (!strcmp(w[3], "module")) {
		write_file(path_of("%s/initstate", mod), "live\n");
	} else if (!strcmp(w[3], "builtin")) {
		char line[256];

		snprintf(line, sizeof(line), "kernel/drivers/fixture/%s.ko", w[2]);
		append_line(path_of("%s/lib/modules/%s/modules.builtin", root, release), line);
	}
}

static void add_function(char **w, int n)
{
	const char *addr = w[0], *id = w[1], *class = w[2], *group = w[3], *driver = w[4];
	const char *parent = NULL, *override = "(null)", *base;
	bool boot_vga = false, reset = false;
	unsigned char config[64] = {0};
	unsigned long vendor, device;
	char d[PATH_LEN], g[PATH_LEN], drv[PATH_LEN];

	if (n < 5)
		die("ADDR ID CLASS GROUP DRIVER [FLAGS]");
	if (strlen(addr) != 12 || strlen(class) != 6 || !is_hex(class, 6) || strlen(id) != 9 || !is_hex(id, 4) ||
	    id[4] != ':' || !is_hex(id + 5, 4))
		die("bad function line for %s", addr);
	for (int i = 5; i < n; i++) {
		if (!strncmp(w[i], "parent=", 7))
			parent = w[i] + 7;
		else if (!strcmp(w[i], "boot_vga"))
			boot_vga = true;
		else if (!strcmp(w[i], "reset"))
			reset = true;
		else if (!strncmp(w[i], "override=", 9))
			override = w[i] + 9;
		else
			die("unknown flag %s", w[i]);
	}
	if (parent) {
		base = find_path(parent);
		if (!base)
			die("parent %s of %s must come first", parent, addr);
		path_fmt(d, "%s/%s", base, addr);
	} else {
		path_fmt(d, "%s/sys/devices/pci%.4s:00/%s", root, addr, addr);
	}
	if (nfuncs == funcs_cap) {
		funcs_cap = funcs_cap ? 2 * funcs_cap : 256;
		funcs = realloc(funcs, funcs_cap * sizeof(*funcs));
		if (!funcs)
			die("out of memory");
	}
	snprintf(funcs[nfuncs].addr, sizeof(funcs[nfuncs].addr), "%s", addr);
	funcs[nfuncs].path = strdup(d);
	if (!funcs[nfuncs++].path)
		die("out of memory");

	make_dirs(d);
	vendor = hex(id, 4);
	device = hex(id + 5, 4);
	write_file(path_of("%s/vendor", d), "0x%.4s\n", id);
	write_file(path_of("%s/device", d), "0x%.4s\n", id + 5);
	write_file(path_of("%s/class", d), "0x%s\n", class);
	write_file(path_of("%s/subsystem_vendor", d), "0x0000\n");
	write_file(path_of("%s/subsystem_device", d), "0x0000\n");
	write_file(path_of("%s/driver_override", d), "%s\n", override);
	write_file(path_of("%s/modalias", d), "pci:v%08lXd%08lXsv00000000sd00000000bc%02lXsc%02lXi%02lX\n", vendor,
		   device, hex(class, 2), hex(class + 2, 2), hex(class + 4, 2));
	/* IDs, command/status, class code, header type (0x0e), as mksysfs.sh. */
	config[0] = vendor & 0xff;
	config[1] = vendor >> 8;
	config[2] = device & 0xff;
	config[3] = device >> 8;
	config[4] = 0x06;
	config[6] = 0x10;
	config[9] = (unsigned char)hex(class + 4, 2);
	config[10] = (unsigned char)hex(class + 2, 2);
	config[11] = (unsigned char)hex(class, 2);
	if (!strncmp(class, "0604", 4) || !strncmp(class, "0609", 4))
		config[14] = 1;
	else if (!strncmp(class, "0607", 4))
		config[14] = 2;
	write_bytes(path_of("%s/config", d), O_TRUNC, config, sizeof(config));
	if (!strncmp(class, "0300", 4))
		write_file(path_of("%s/boot_vga", d), "%d\n", boot_vga);
	if (reset)
		write_bytes(path_of("%s/reset", d), O_TRUNC, "", 0);
	link_relative(d, path_of("%s/sys/bus/pci/devices/%s", root, addr));

	if (strcmp(group, "-") && !noiommu) {
		path_fmt(g, "%s/sys/kernel/iommu_groups/%s", root, group);
		make_dirs(path_of("%s/devices", g));
		link_relative(g, path_of("%s/iommu_group", d));
		link_relative(d, path_of("%s/devices/%s", g, addr));
	}
	if (strcmp(driver, "-")) {
		struct stat st;

		path_fmt(drv, "%s/sys/bus/pci/drivers/%s", root, driver);
		if (stat(drv, &st) < 0)
			die("driver %s not declared", driver);
		link_relative(drv, path_of("%s/driver", d));
		link_relative(d, path_of("%s/%s", drv, addr));
		if (!strcmp(driver, "vfio-pci") && strcmp(group, "-")) {
			make_dirs(path_of("%s/dev/vfio", root));
			write_bytes(path_of("%s/dev/vfio/%s", root, group), O_TRUNC, "", 0);
		}
	}
}

int main(int argc, char **argv)
{
	static const char *const dirs[] = {"sys/bus/pci/devices",
					   "sys/bus/pci/drivers",
					   "sys/kernel/iommu_groups",
					   "sys/module",
					   "dev",
					   "proc/sys/kernel",
					   "etc/modprobe.d",
					   "run"};
	char line[1024], abs_root[PATH_LEN];
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: mktree TOPOLOGY ROOT\n");
		return 2;
	}
	if (getenv("FIXTURE_RELEASE"))
		release = getenv("FIXTURE_RELEASE");
	topo_name = argv[1];
	f = fopen(topo_name, "r");
	if (!f)
		die("%s: %s", topo_name, strerror(errno));
	if (mkdir(argv[2], 0755) < 0)
		die("mkdir %s: %s", argv[2], strerror(errno));
	if (!realpath(argv[2], abs_root))
		die("%s: %s", argv[2], strerror(errno));
	root = abs_root;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		make_dirs(path_of("%s/%s", root, dirs[i]));
	make_dirs(path_of("%s/lib/modules/%s", root, release));
	write_bytes(path_of("%s/sys/bus/pci/drivers_probe", root), O_TRUNC, "", 0);
	write_bytes(path_of("%s/sys/bus/pci/rescan", root), O_TRUNC, "", 0);
	write_bytes(path_of("%s/dev/kmsg", root), O_TRUNC, "", 0);
	write_file(path_of("%s/proc/sys/kernel/osrelease", root), "%s\n", release);
	write_file(path_of("%s/proc/cmdline", root),
		   "BOOT_IMAGE=/vmlinuz-linux root=UUID=0a3407de-014b-458b-b5c1-848e92a327a3 rw quiet\n");
	write_bytes(path_of("%s/lib/modules/%s/modules.builtin", root, release), O_TRUNC, "", 0);
	write_bytes(path_of("%s/lib/modules/%s/modules.order", root, release), O_TRUNC, "", 0);

	/* noiommu anywhere in the file applies to every function. */
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "noiommu", 7))
			noiommu = true;
	rewind(f);

	while (fgets(line, sizeof(line), f)) {
		char *w[16], *save = NULL, *tok;
		int n = 0;

		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			die("line too long");
		if (!strncmp(line, "modprobe ", 9)) {
			line[strcspn(line, "\n")] = '\0';
			append_line(path_of("%s/etc/modprobe.d/fixture.conf", root), line + 9);
			continue;
		}
		for (tok = strtok_r(line, " \t\n", &save); tok && n < 16; tok = strtok_r(NULL, " \t\n", &save))
			w[n++] = tok;
		if (!n || w[0][0] == '#' || !strcmp(w[0], "noiommu"))
			continue;
		if (!strcmp(w[0], "driver"))
			add_driver(w, n);
		else
			add_function(w, n);
	}
	if (ferror(f))
		die("reading %s", topo_name);
	fclose(f);
	for (size_t i = 0; i < nfuncs; i++)
		free(funcs[i].path);
	free(funcs);
	return 0;
}
