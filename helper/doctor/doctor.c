// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * doctor.c - the IOMMU, initramfs and boot checks of `vfiobind doctor`. Nothing here writes: files are read, images are
 * read through image.c, and every fix is printed for the user to run.
 */
#include "doctor/doctor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/sha256.h"
#include "basic/str.h"
#include "basic/sysfs.h"
#include "doctor/image.h"
#include "report/report.h"
#include "system/initramfs.h"
#include "system/vendorreset.h"

#define VFIO_DRIVER "vfio-pci"

static bool rexists(const char *rel)
{
	char path[PATH_MAX];

	return root_path(path, sizeof(path), "%s", rel) == 0 && sysfs_exists(path);
}

/* The whole of a small file under the root, NUL-terminated; NULL if absent. */
static char *read_small(const char *rel, size_t max)
{
	char path[PATH_MAX];
	size_t n = 0;
	char *buf;
	ssize_t k;
	int fd;

	if (root_path(path, sizeof(path), "%s", rel) < 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	buf = malloc(max + 1);
	if (buf == NULL) {
		close(fd);
		return NULL;
	}
	/* /dev/kmsg gives one record per read and EAGAIN at the end; a
	 * record may not fit a short buffer (EINVAL): skip it. */
	while (n < max) {
		k = read(fd, buf + n, max - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EINVAL)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	/* Records may hold NULs in their continuation lines: make it text. */
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = '\n';
	return buf;
}

/* Whether the kernel command line has @word as a whole parameter. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t l = strlen(word);

	for (const char *p = cmdline; p && (p = strstr(p, word)) != NULL; p += l)
		if ((p == cmdline || p[-1] == ' ') && (p[l] == '\0' || p[l] == ' ' || p[l] == '\n'))
			return true;
	return false;
}

static size_t count_dir(const char *rel)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *dir;

	if (root_path(path, sizeof(path), "%s", rel) < 0 || (dir = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL)
		n += de->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* ---- IOMMU and interrupt remapping -------------------------------------- */

/* Whether the "flags" line of /proc/cpuinfo (@cpu) has @flag as a word.
 * The kernel prints "flags\t\t:" then " name" per feature of the CPU
 * (arch/x86/kernel/cpu/proc.c, show_cpuinfo()), the same for every CPU:
 * the first such line says. */
static bool cpu_has_flag(const char *cpu, const char *flag)
{
	size_t l = strlen(flag);

	for (const char *line = cpu; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n'), *colon = strchr(line, ':');

		if (strncmp(line, "flags", 5) != 0 || !strchr(" \t:", line[5]) || !colon || (end && colon > end))
			continue;
		for (const char *p = colon + 1; (p = strstr(p, flag)) != NULL && (!end || p < end); p += l)
			if (p[-1] == ' ' && (p[l] == ' ' || p[l] == '\n' || p[l] == '\0'))
				return true;
		return false;
	}
	return false;
}

/* No IOMMU groups on Intel, or with a DMAR table: the firmware or the
 * kernel (which leaves VT-d off without intel_iommu=on unless built with
 * CONFIG_INTEL_IOMMU_DEFAULT_ON). */
static void intel_iommu_off(struct findings *fs, bool dmar, const char *cmdline)
{
	if (!dmar)
		findings_add(fs, FINDING_FAIL, "iommu",
			     "enter the firmware setup and enable VT-d (often under Advanced > System Agent)",
			     "no IOMMU groups: an Intel CPU without an ACPI DMAR table, so VT-d is off in the "
			     "firmware");
	else if (cmdline_has(cmdline, "intel_iommu=off") || !cmdline_has(cmdline, "intel_iommu=on"))
		findings_add(fs, FINDING_FAIL, "iommu",
			     "add intel_iommu=on to the kernel command line (GRUB_CMDLINE_LINUX in "
			     "/etc/default/grub, then update-grub or grub-mkconfig -o /boot/grub/grub.cfg)",
			     "no IOMMU groups: the firmware has VT-d on (ACPI DMAR table) but the kernel did "
			     "not enable it");
	else
		findings_add(fs, FINDING_FAIL, "iommu", "dmesg | grep -i -e DMAR -e IOMMU",
			     "no IOMMU groups although intel_iommu=on and a DMAR table: the kernel refused it");
}

/* A guest's IOMMU is a virtual one, its hypervisor's to give: its
 * firmware setup has no VT-d switch. The CPU's "hypervisor" flag is
 * CPUID.1:ECX bit 31, set by hypervisors for their guests
 * (X86_FEATURE_HYPERVISOR, arch/x86/include/asm/cpufeatures.h). QEMU's
 * intel-iommu needs q35, and its interrupt remapping (intremap=on) an
 * irqchip not wholly in KVM (hw/i386/intel_iommu.c, vtd_decide_config()). */
static void guest_without_iommu(struct findings *fs)
{
	findings_add(fs, FINDING_FAIL, "iommu",
		     "the IOMMU must come from the hypervisor. QEMU: -machine q35,kernel-irqchip=split -device "
		     "intel-iommu,intremap=on, then intel_iommu=on in this guest; other hypervisors: enable a "
		     "virtual IOMMU (nested passthrough); on most clouds only a bare-metal instance has one",
		     "no IOMMU groups: this is a virtual machine (the CPU has the hypervisor flag) and its "
		     "hypervisor gives it no IOMMU (no ACPI DMAR or IVRS table)");
}

static void check_iommu(struct findings *fs, const char *cmdline)
{
	char *cpu = read_small("/proc/cpuinfo", 1 << 16);
	bool intel = cpu && strstr(cpu, "GenuineIntel");
	bool amd = cpu && strstr(cpu, "AuthenticAMD");
	bool guest = cpu && cpu_has_flag(cpu, "hypervisor");
	bool dmar = rexists("/sys/firmware/acpi/tables/DMAR");
	bool ivrs = rexists("/sys/firmware/acpi/tables/IVRS");
	size_t groups = count_dir("/sys/kernel/iommu_groups");

	free(cpu);
	if (groups > 0) {
		findings_add(fs, FINDING_OK, "iommu", NULL, "%zu IOMMU groups (%s)", groups,
			     dmar   ? "Intel VT-d, ACPI DMAR table"
			     : ivrs ? "AMD-Vi, ACPI IVRS table"
				    : "no DMAR/IVRS table");
		return;
	}
	if (guest && !dmar && !ivrs) {
		guest_without_iommu(fs);
		return;
	}
	if (dmar || (intel && !ivrs)) {
		intel_iommu_off(fs, dmar, cmdline);
		return;
	}
	if (ivrs || amd) {
		findings_add(fs, FINDING_FAIL, "iommu",
			     ivrs ? "remove amd_iommu=off from the kernel command line, or check: dmesg | grep AMD-Vi"
				  : "enter the firmware setup and enable IOMMU (AMD CBS > NBIO, 'IOMMU' or 'AMD-Vi')",
			     "no IOMMU groups: %s",
			     ivrs ? "the firmware has AMD-Vi on (ACPI IVRS table) but the kernel did not enable it"
				  : "an AMD CPU without an ACPI IVRS table, so the IOMMU is off in the firmware");
		return;
	}
	findings_add(
	    fs, FINDING_FAIL, "iommu",
	    "enable VT-d (Intel) or IOMMU/AMD-Vi (AMD) in the firmware setup; on Intel also boot with intel_iommu=on",
	    "no IOMMU groups, and neither an ACPI DMAR nor an IVRS table");
}

/* Interrupt remapping: the kernel says so when it turns it on (Intel:
 * "DMAR-IR: Enabled IRQ remapping", AMD: "AMD-Vi: Interrupt remapping
 * enabled"); without the log, VT-d's extended capability bit IR (ecap
 * bit 3, Intel VT-d spec 11.4.3) says whether the hardware can. */
static void check_intremap(struct findings *fs, const char *cmdline)
{
	char *log;
	char path[PATH_MAX];
	bool ir_hw = false;
	DIR *dir;

	if (count_dir("/sys/kernel/iommu_groups") == 0)
		return;
	log = read_small("/dev/kmsg", 1 << 20);
	if (log && (strstr(log, "Enabled IRQ remapping") || strstr(log, "Interrupt remapping enabled"))) {
		findings_add(fs, FINDING_OK, "intremap", NULL, "interrupt remapping enabled (kernel log)");
		free(log);
		goto pt;
	}
	if (root_path(path, sizeof(path), "/sys/class/iommu") == 0 && (dir = opendir(path)) != NULL) {
		struct dirent *de;

		while ((de = readdir(dir)) != NULL) {
			char rel[PATH_MAX + 300], buf[64], *end;
			unsigned long long ecap;

			if (de->d_name[0] == '.')
				continue;
			snprintf(rel, sizeof(rel), "%s/%s/intel-iommu/ecap", path, de->d_name);
			if (sysfs_read_attr(rel, buf, sizeof(buf)) <= 0)
				continue;
			errno = 0;
			ecap = strtoull(buf, &end, 16);
			if (errno == 0 && (ecap & 0x8))
				ir_hw = true;
		}
		closedir(dir);
	}
	if (cmdline_has(cmdline, "intremap=off") || cmdline_has(cmdline, "amd_iommu_intr=legacy"))
		findings_add(fs, FINDING_FAIL, "intremap", "remove intremap=off from the kernel command line",
			     "interrupt remapping is turned off on the kernel command line: vfio refuses devices "
			     "without it unless allow_unsafe_interrupts is set");
	else if (log == NULL)
		findings_add(fs, FINDING_WARN, "intremap", "run vfiobind doctor as root",
			     "cannot read the kernel log to tell whether interrupt remapping is on%s",
			     ir_hw ? " (the IOMMU supports it: ecap IR)" : "");
	else
		findings_add(fs, FINDING_WARN, "intremap",
			     "enable x2APIC and interrupt remapping in the firmware setup; check: dmesg | grep -i "
			     "remapping",
			     "the kernel log does not say interrupt remapping was enabled%s",
			     ir_hw ? " (the IOMMU supports it: ecap IR)" : "");
	free(log);
pt:
	if (!cmdline_has(cmdline, "iommu=pt"))
		findings_add(fs, FINDING_INFO, "iommu=pt", NULL,
			     "optional: iommu=pt on the kernel command line spares the host's own devices DMA "
			     "translation; passthrough works without it");
}

/* ---- the initramfs ------------------------------------------------------- */

bool doctor_conf_line_has(const char *text, const char *key, const char *word)
{
	size_t kl = strlen(key), wl = strlen(word);

	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *p = line, *end = strchr(line, '\n');

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, key, kl) != 0)
			continue;
		for (const char *q = p + kl; (q = strstr(q, word)) != NULL && (!end || q < end); q += wl) {
			char b = q[-1], a = q[wl];

			if (strchr(" (\"'\t=", b) &&
			    (a == ' ' || a == ')' || a == '"' || a == '\'' || a == '\n' || a == '\t' || a == '\0'))
				return true;
		}
	}
	return false;
}

/* Every *.conf in @dir under the root, appended to @all. */
static void read_conf_dir(const char *dir, char **all)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dp;

	if (root_path(path, sizeof(path), "%s", dir) < 0 || (dp = opendir(path)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		size_t l = strlen(de->d_name), ol = *all ? strlen(*all) : 0;
		char rel[PATH_MAX], *t, *n;

		if (l < 6 || strcmp(de->d_name + l - 5, ".conf") != 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/%s", dir, de->d_name);
		t = read_small(rel, 1 << 16);
		if (t == NULL)
			continue;
		n = realloc(*all, ol + strlen(t) + 2);
		if (n) {
			memcpy(n + ol, t, strlen(t) + 1);
			strcat(n, "\n");
			*all = n;
		}
		free(t);
	}
	closedir(dp);
}

static void check_hook(struct findings *fs, enum initramfs_tool tool)
{
	char *all = NULL;
	char fix[512];

	switch (tool) {
	case INITRAMFS_MKINITCPIO:
		all = read_small("/etc/mkinitcpio.conf", 1 << 16);
		read_conf_dir("/etc/mkinitcpio.conf.d", &all);
		if (!rexists("/usr/lib/initcpio/install/vfiobind") && !rexists("/etc/initcpio/install/vfiobind"))
			findings_add(fs, FINDING_FAIL, "hook", "make install (or install the package) again",
				     "mkinitcpio: no vfiobind hook in /usr/lib/initcpio/install");
		else if (all && doctor_conf_line_has(all, "HOOKS=", "vfiobind"))
			findings_add(fs, FINDING_OK, "hook", NULL, "mkinitcpio: vfiobind is in HOOKS");
		else
			findings_add(fs, FINDING_FAIL, "hook",
				     "add vfiobind to HOOKS in /etc/mkinitcpio.conf, after udev or systemd, then "
				     "mkinitcpio -P",
				     "mkinitcpio: vfiobind is not in HOOKS");
		break;
	case INITRAMFS_DRACUT:
		all = read_small("/etc/dracut.conf", 1 << 16);
		read_conf_dir("/etc/dracut.conf.d", &all);
		read_conf_dir("/usr/lib/dracut/dracut.conf.d", &all);
		if (!rexists("/usr/lib/dracut/modules.d/90vfiobind/module-setup.sh"))
			findings_add(fs, FINDING_FAIL, "hook", "make install (or install the package) again",
				     "dracut: no module 90vfiobind in /usr/lib/dracut/modules.d");
		else if (all && (doctor_conf_line_has(all, "add_dracutmodules+=", "vfiobind") ||
				 doctor_conf_line_has(all, "dracutmodules+=", "vfiobind")))
			findings_add(fs, FINDING_OK, "hook", NULL, "dracut: vfiobind is in add_dracutmodules");
		else {
			snprintf(fix, sizeof(fix),
				 "echo 'add_dracutmodules+=\" vfiobind \"' > /etc/dracut.conf.d/vfiobind.conf; then %s",
				 initramfs_rebuild_cmd(tool));
			findings_add(fs, FINDING_FAIL, "hook", fix, "dracut: the vfiobind module is not asked for");
		}
		break;
	case INITRAMFS_TOOLS:
		if ((rexists("/usr/share/initramfs-tools/hooks/vfiobind") ||
		     rexists("/etc/initramfs-tools/hooks/vfiobind")) &&
		    (rexists("/usr/share/initramfs-tools/scripts/init-top/00vfiobind") ||
		     rexists("/etc/initramfs-tools/scripts/init-top/00vfiobind")))
			findings_add(fs, FINDING_OK, "hook", NULL,
				     "initramfs-tools: hooks/vfiobind and scripts/init-top/00vfiobind installed");
		else
			findings_add(fs, FINDING_FAIL, "hook", "make install (or install the package) again",
				     "initramfs-tools: hooks/vfiobind or scripts/init-top/00vfiobind missing from "
				     "/usr/share/initramfs-tools");
		break;
	default:
		findings_add(fs, FINDING_WARN, "hook", "install mkinitcpio, dracut or initramfs-tools",
			     "no initramfs generator found (/etc/mkinitcpio.conf, mkinitramfs, dracut)");
		break;
	}
	free(all);
}

struct image_scan {
	bool helper;
	bool has_conf;
	char conf_hex[SHA256_HEX_LEN];
};

static int image_want(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "etc/vfiobind.conf") == 0;
}

static int image_member(void *ctx, const char *name, mode_t mode, const unsigned char *data, size_t size)
{
	struct image_scan *s = ctx;

	(void)mode;
	if (strcmp(name, "usr/bin/vfiobind") == 0 || strcmp(name, "bin/vfiobind") == 0 ||
	    strcmp(name, "usr/sbin/vfiobind") == 0 || strcmp(name, "sbin/vfiobind") == 0)
		s->helper = true;
	if (strcmp(name, "etc/vfiobind.conf") == 0 && data) {
		struct sha256 h;

		sha256_init(&h);
		sha256_update(&h, data, size);
		sha256_hex(&h, s->conf_hex);
		s->has_conf = true;
	}
	return 0;
}

/* The running kernel's image, by the generator's naming. */
static bool find_image(enum initramfs_tool tool, const char *rel, char *out, size_t len)
{
	char pkgbase[64] = "linux", path[PATH_MAX], cand[6][PATH_MAX];
	size_t n = 0;
	char *pb;

	snprintf(path, sizeof(path), "/usr/lib/modules/%s/pkgbase", rel);
	pb = read_small(path, 60);
	if (pb) {
		pb[strcspn(pb, "\n")] = '\0';
		if (pb[0])
			snprintf(pkgbase, sizeof(pkgbase), "%s", pb);
		free(pb);
	}
	if (tool == INITRAMFS_MKINITCPIO)
		snprintf(cand[n++], PATH_MAX, "/boot/initramfs-%s.img", pkgbase);
	snprintf(cand[n++], PATH_MAX, "/boot/initrd.img-%s", rel);
	snprintf(cand[n++], PATH_MAX, "/boot/initramfs-%s.img", rel);
	snprintf(cand[n++], PATH_MAX, "/boot/initrd-%s", rel);
	if (tool != INITRAMFS_MKINITCPIO)
		snprintf(cand[n++], PATH_MAX, "/boot/initramfs-%s.img", pkgbase);
	for (size_t i = 0; i < n; i++)
		if (rexists(cand[i])) {
			str_copy(out, len, cand[i]);
			return true;
		}
	str_copy(out, len, cand[0]);
	return false;
}

static void check_image(struct findings *fs, enum initramfs_tool tool, const struct doctor_input *in)
{
	char rel[128] = "", image[PATH_MAX], path[PATH_MAX], now[SHA256_HEX_LEN], fix[512];
	struct image_layout lay;
	const char *what = lay.what;
	struct image_scan s = {0};
	const char *cmd = initramfs_rebuild_cmd(tool);
	char *r;
	int e;

	r = read_small("/proc/sys/kernel/osrelease", 127);
	if (r) {
		snprintf(rel, sizeof(rel), "%.*s", (int)strcspn(r, "\n"), r);
		free(r);
	}
	if (!find_image(tool, rel, image, sizeof(image))) {
		findings_add(fs, FINDING_WARN, "image", cmd,
			     "no initramfs image for the running kernel %s (looked for %s)", rel, image);
		return;
	}
	if (root_path(path, sizeof(path), "%s", image) < 0)
		return;
	e = cpio_walk_image(path, image_want, image_member, &s, &lay);
	if (e == -EACCES) {
		findings_add(fs, FINDING_WARN, "image", "run vfiobind doctor as root", "%s: not readable", image);
		return;
	}
	if (e < 0 && !s.helper) {
		findings_add(fs, FINDING_WARN, "image", cmd, "%s: cannot read it (%s%s%s)", image, what[0] ? what : "",
			     what[0] ? ": " : "",
			     e == -ENOEXEC ? "not cpio, gzip, xz, lzma, zstd, lz4 or bzip2"
			     : e == -E2BIG ? "larger than doctor reads"
					   : strerror(-e));
		return;
	}
	/* The kernel stops there too: its lz4 decoder runs to the end of the image. */
	if (lay.unread)
		findings_add(fs, FINDING_WARN, "image", NULL,
			     "%s (%s): a further segment after the %s stream was not read", image, what, lay.unread);
	if (!s.helper) {
		snprintf(fix, sizeof(fix), "enable the hook (see 'hook' above), then %s", cmd);
		findings_add(fs, FINDING_FAIL, "image", fix, "%s (%s): vfiobind is not in the image", image, what);
		return;
	}
	if (!s.has_conf) {
		snprintf(fix, sizeof(fix), "vfiobind check, fix what it says, then %s", cmd);
		findings_add(fs, FINDING_FAIL, "image", fix,
			     "%s (%s): the helper is there but not %s: the image was built without binding "
			     "(its build found the config wrong)",
			     image, what, in->conf_name);
		return;
	}
	if (sha256_file(in->conf_path, now) < 0) {
		findings_add(fs, FINDING_WARN, "image", NULL, "%s (%s): has a config, but %s cannot be read", image,
			     what, in->conf_name);
		return;
	}
	if (strcmp(now, s.conf_hex) != 0) {
		snprintf(fix, sizeof(fix), "%s, then reboot", cmd);
		findings_add(fs, FINDING_FAIL, "image", fix,
			     "%s (%s): its copy of %s differs from the file (sha256 %.12s... in the image, %.12s... "
			     "now): edited after the image was built",
			     image, what, in->conf_name, s.conf_hex, now);
		return;
	}
	findings_add(fs, FINDING_OK, "image", NULL, "%s (%s): helper and %s inside, the config as now", image, what,
		     in->conf_name);
}

/* ---- this boot ----------------------------------------------------------- */

/* vfiobind=off, and the status file the hook writes at boot. */
static void check_status(struct findings *fs, const struct doctor_input *in, enum initramfs_tool tool)
{
	char stale[1024], fix[600];

	if (in->cl->off)
		findings_add(fs, FINDING_WARN, "cmdline", "remove vfiobind=off from the kernel command line",
			     "vfiobind=off is on this boot's command line: nothing was bound");
	if (!rexists(STATUS_FILE)) {
		snprintf(fix, sizeof(fix), "enable the hook, %s, and reboot", initramfs_rebuild_cmd(tool));
		findings_add(fs, FINDING_FAIL, "boot", fix,
			     "no %s: the initramfs hook did not run this boot (journalctl -k -g vfiobind)",
			     STATUS_FILE);
		return;
	}
	if (status_disabled(stale, sizeof(stale)) > 0) {
		snprintf(fix, sizeof(fix), "fix it (vfiobind check), then %s, and reboot", initramfs_rebuild_cmd(tool));
		findings_add(fs, FINDING_FAIL, "boot", fix,
			     "the image was built without binding: %s; nothing was bound this boot", stale);
		return;
	}
	findings_add(fs, FINDING_OK, "boot", NULL, "%s written: the hook ran this boot", STATUS_FILE);
	if (status_stale(in->conf_path, in->conf_name, stale, sizeof(stale)) > 0)
		findings_add(fs, FINDING_FAIL, "boot-config", initramfs_rebuild_cmd(tool), "%s", stale);
}

/* A declared function on another driver than vfio-pci. */
static void not_on_vfio(struct findings *fs, const struct doctor_input *in, const struct plan_entry *e)
{
	const struct pci_func *f = e->f;
	char drv[PCI_NAME_MAX * 2 + 16];

	kmodule_driver_text(in->km, f->driver, f->modalias, drv, sizeof(drv));
	if (e->action == PLAN_REFUSE)
		findings_add(fs, FINDING_FAIL, "devices", "vfiobind plan shows the whole reason",
			     "%s is on %s, not vfio-pci: %s", f->name, drv, e->reason);
	else
		findings_add(fs, FINDING_FAIL, "devices", "journalctl -k -g vfiobind; then vfiobind plan",
			     "%s is on %s, not vfio-pci (a host driver came first, or the bind failed)", f->name, drv);
}

/* Whether @e is a vfs= line's own entry (its PF, chosen by the line
 * itself): check_sriov() reports it, not check_entry(). */
static bool vfs_line(const struct plan_entry *e)
{
	return e->f && e->sel->vfs && e->sel->kind == SEL_FUNCTION && !e->via_group;
}

/* Plan entry @i: -1 not counted (a bridge, an optional line that matches
 * nothing), 0 fine, 1 a failure (added to @fs). */
static int check_entry(struct findings *fs, const struct doctor_input *in, size_t i)
{
	const struct plan *p = in->plan;
	const struct plan_entry *e = &p->e[i];
	const struct pci_func *f = e->f;
	char blockers[512], sd[96];
	bool told = false;

	/* SR-IOV: the PF keeps its host driver, and a VF its PF has not made
	 * yet is no miss of its own; check_sriov() reports both. */
	if ((f && f->is_bridge) || (!f && (e->sel->optional || e->pending)) ||
	    (vfs_line(e) && (e->action == PLAN_VFS || e->action == PLAN_REFUSE)))
		return -1;
	if (!f) {
		selector_describe(e->sel, sd, sizeof(sd));
		findings_add(fs, FINDING_FAIL, "devices", "fix or remove that line (vfiobind list shows what exists)",
			     "%s (%s): no such function", sd, e->sel->text);
		return 1;
	}
	if (strcmp(f->driver, VFIO_DRIVER) != 0) {
		not_on_vfio(fs, in, e);
		return 1;
	}
	if (f->iommu_group < 0 || !plan_group_blockers(in->pci, f->iommu_group, p, blockers, sizeof(blockers)))
		return 0;
	/* Once per group, at its first declared function. */
	for (size_t j = 0; j < i && !told; j++)
		told = p->e[j].f && p->e[j].f->iommu_group == f->iommu_group &&
		       strcmp(p->e[j].f->driver, VFIO_DRIVER) == 0;
	if (!told)
		findings_add(fs, FINDING_FAIL, "groups", "declare them too, or add the word 'group' to the line",
			     "IOMMU group %d of %s is not viable: %s", f->iommu_group, f->name, blockers);
	return 1;
}

/* The declared functions: each on vfio-pci, each group viable. */
static void check_devices(struct findings *fs, const struct doctor_input *in)
{
	size_t bad = 0, total = 0;

	if (in->conf->n == 0) {
		findings_add(fs, FINDING_WARN, "devices",
			     "declare them in /etc/vfiobind.conf (vfiobind list shows them)",
			     "no devices declared in %s", in->conf_name);
		return;
	}
	for (size_t i = 0; in->plan && i < in->plan->n; i++) {
		int r = check_entry(fs, in, i);

		total += r >= 0;
		bad += r > 0;
	}
	if (bad == 0 && total > 0)
		findings_add(fs, FINDING_OK, "devices", NULL, "%zu declared function%s on vfio-pci, groups viable",
			     total, total == 1 ? "" : "s");
}

/* ---- SR-IOV -------------------------------------------------------------- */

/* The VFs of the PF @pf: "vf0 0000:00:02.1 none, vf1 0000:00:02.2
 * vfio-pci" into @buf. */
static void pf_vfs_text(const struct pci_list *pci, const struct pci_func *pf, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < pci->n; i++) {
		const struct pci_func *vf = &pci->f[i];

		if (pci_is_vf_of(vf, pf))
			str_append(buf, len, "%svf%u %s %s", n++ ? ", " : "", vf->vf_index, vf->name,
				   vf->driver[0] ? vf->driver : "none");
	}
	if (n == 0)
		str_append(buf, len, "none");
}

/* Each undeclared VF of the vfs= PF @e that a host driver holds without
 * host-vfs: autoprobe was 1 when it was made, or someone bound it since. */
static void pf_vfs_probed(struct findings *fs, const struct doctor_input *in, const struct plan_entry *e)
{
	const struct pci_func *pf = e->f;
	char fix[256];

	for (size_t i = 0; i < in->pci->n && !e->sel->host_vfs; i++) {
		const struct pci_func *vf = &in->pci->f[i];

		if (!pci_is_vf_of(vf, pf) || !vf->driver[0] || plan_takes(in->plan, vf) ||
		    strcmp(vf->driver, VFIO_DRIVER) == 0)
			continue;
		snprintf(fix, sizeof(fix),
			 "add host-vfs to the line if the host should have its VFs; else "
			 "echo %s > /sys/bus/pci/drivers/%s/unbind",
			 vf->name, vf->driver);
		findings_add(fs, FINDING_WARN, "sriov", fix,
			     "%s (vf%u of %s) is on %s, though no line declares it and the PF's line has no host-vfs: "
			     "a host driver probed it",
			     vf->name, vf->vf_index, pf->name, vf->driver);
	}
}

/*
 * Each vfs= line (drivers/pci/iov.c): refused by the plan, its PF without
 * a driver (nothing can make the VFs), sriov_numvfs other than N (the
 * driver's sriov_configure failed: the reason is in the kernel log), or
 * N VFs with each one's driver. sriov_drivers_autoprobe reading 1 on a
 * PF without host-vfs means a host driver probes the next VF made before
 * vfiobind sees it (pci_bus_add_device(), drivers/pci/bus.c).
 */
static void check_sriov(struct findings *fs, const struct doctor_input *in)
{
	char vfs[1024], drv[PCI_NAME_MAX * 2 + 16], fix[256], mod[PCI_NAME_MAX];

	for (size_t i = 0; in->plan && i < in->plan->n; i++) {
		const struct plan_entry *e = &in->plan->e[i];
		const struct pci_func *pf = e->f;
		unsigned want = e->sel->vfs;
		int num, autoprobe;

		if (!vfs_line(e))
			continue;
		if (e->action == PLAN_REFUSE) {
			findings_add(fs, FINDING_FAIL, "sriov", "vfiobind plan shows the whole reason", "%s: %s",
				     pf->name, e->reason);
			continue;
		}
		if (e->action != PLAN_VFS)
			continue;
		if (!pf->driver[0]) {
			if (in->km && kmodule_modalias_match(in->km, pf->modalias, mod, sizeof(mod)) == 0)
				snprintf(fix, sizeof(fix), "modprobe %s (vfiobind binds the VFs when it binds)", mod);
			else
				snprintf(fix, sizeof(fix),
					 "load a driver for %04x:%04x (no module here claims its modalias); vfiobind "
					 "binds the VFs when it binds",
					 pf->id.vendor, pf->id.device);
			findings_add(fs, FINDING_FAIL, "sriov", fix,
				     "%s has no driver: vfs=%u asks for virtual functions only its driver can make",
				     pf->name, want);
			continue;
		}
		kmodule_driver_text(in->km, pf->driver, pf->modalias, drv, sizeof(drv));
		num = pci_read_dec(pf, "sriov_numvfs");
		pf_vfs_text(in->pci, pf, vfs, sizeof(vfs));
		if (num != (int)want) {
			if (num < 0)
				findings_add(fs, FINDING_FAIL, "sriov", "journalctl -k -g vfiobind",
					     "%s (%s): sriov_numvfs cannot be read (%s); vfs=%u", pf->name, drv,
					     strerror(-num), want);
			else
				findings_add(
				    fs, FINDING_FAIL, "sriov",
				    "journalctl -k -g vfiobind (the driver's error is there); then vfiobind bind",
				    "%s (%s): sriov_numvfs reads %d, vfs=%u asks for %u", pf->name, drv, num, want,
				    want);
			continue;
		}
		findings_add(fs, FINDING_OK, "sriov", NULL, "%s on %s made %u virtual function%s, as vfs= asks: %s",
			     pf->name, drv, want, want == 1 ? "" : "s", vfs);
		pf_vfs_probed(fs, in, e);
		autoprobe = pci_read_dec(pf, "sriov_drivers_autoprobe");
		if (autoprobe == 1 && !e->sel->host_vfs)
			findings_add(
			    fs, FINDING_WARN, "sriov",
			    "vfiobind bind writes 0 to it; add host-vfs to the line if the host should have them",
			    "%s: sriov_drivers_autoprobe is 1: a host driver would probe a virtual function "
			    "made from now on before vfiobind could bind it",
			    pf->name);
	}
}

/* The functions other than @f's own card (its slot) on @f's bus, for a
 * message: "0000:00:14.0, 0000:00:1f.3"; returns how many. */
static size_t bus_neighbours(const struct pci_list *pci, const struct pci_func *f, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < pci->n; i++) {
		const struct pci_func *g = &pci->f[i];

		if (g->addr.domain != f->addr.domain || g->addr.bus != f->addr.bus || g->addr.dev == f->addr.dev)
			continue;
		str_append(buf, len, "%s%s", n ? ", " : "", g->name);
		n++;
	}
	return n;
}

/*
 * A declared GPU (class 03) the guest cannot get back after a reboot: no
 * reset method at all, or only a bus reset (a secondary bus reset of the
 * bridge above), which resets everything on the bus: vfio does it only
 * for a user that owns every device there (VFIO_DEVICE_PCI_HOT_RESET,
 * drivers/vfio/pci/vfio_pci_core.c), so a device of another card on
 * that bus leaves the GPU without a reset. Silent when every GPU has a usable method:
 * the devices check says the rest.
 */
static void check_resets(struct findings *fs, const struct doctor_input *in)
{
	char others[512];

	for (size_t i = 0; in->plan && i < in->plan->n; i++) {
		const struct plan_entry *e = &in->plan->e[i];
		const struct pci_func *f = e->f;

		if (!f || f->is_bridge || (f->class >> 16) != 0x03 ||
		    (e->action != PLAN_BIND && e->action != PLAN_SKIP))
			continue;
		if ((!f->has_reset_method && !f->has_reset) || (f->has_reset_method && !f->reset_method[0])) {
			findings_add(
			    fs, FINDING_WARN, "reset",
			    vendor_reset_handles(&f->id)
				? "install vendor-reset for this kernel and rebuild the image: it handles "
				  "this card"
				: "expect to power the host off between guest runs (poweroff = yes in the [vm] "
				  "section), or pass another card",
			    "%s (GPU %04x:%04x) has no reset method%s: after a guest reboot it may not come "
			    "back",
			    f->name, f->id.vendor, f->id.device,
			    f->has_reset_method ? " (reset_method is empty: every method disabled)" : "");
			continue;
		}
		if (f->has_reset_method && strcmp(f->reset_method, "bus") == 0 &&
		    bus_neighbours(in->pci, f, others, sizeof(others)) > 0)
			findings_add(fs, FINDING_WARN, "reset",
				     "put the card in a slot of its own, or name a method it has with reset= "
				     "(vfiobind list shows its methods)",
				     "%s (GPU %04x:%04x) has only a bus reset, and its bus holds other devices (%s): "
				     "the reset would hit them too, so vfio does it only when the VM owns them all",
				     f->name, f->id.vendor, f->id.device, others);
	}
}

void doctor_run(const struct doctor_input *in, struct findings *fs)
{
	enum initramfs_tool tool = initramfs_tool_detect();
	char *cmdline = read_small("/proc/cmdline", 4096);

	check_iommu(fs, cmdline ? cmdline : "");
	check_intremap(fs, cmdline ? cmdline : "");
	free(cmdline);
	findings_add(fs, tool == INITRAMFS_UNKNOWN ? FINDING_WARN : FINDING_OK, "initramfs",
		     tool == INITRAMFS_UNKNOWN ? "install mkinitcpio, dracut or initramfs-tools" : NULL,
		     "generator: %s (rebuild: %s)", initramfs_tool_name(tool), initramfs_rebuild_cmd(tool));
	check_hook(fs, tool);
	check_image(fs, tool, in);
	check_status(fs, in, tool);
	check_devices(fs, in);
	check_sriov(fs, in);
	check_resets(fs, in);
}
