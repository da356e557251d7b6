// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * doctor.c - the [vm NAME] checks of `vfiobind doctor` (vm/doctor.h):
 * whether the launcher could start each VM as its user. Only the vmconf
 * API (the parsed sections) and spawn.h's vmuser_lookup() are used.
 */
#include "vm/doctor.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/str.h"
#include "basic/sysfs.h"
#include "config/vmconf.h"
#include "system/cpu.h"
#include "system/vmcpu.h"
#include "vm/spawn.h"

/* Permission bits that apply to @u for a file of @st, as the kernel picks
 * them (owner, else group, else other; root-owned ACLs not considered). */
static bool user_may(const struct vmuser *u, const struct stat *st, int want)
{
	mode_t m = st->st_mode;
	int bits;

	if (st->st_uid == u->uid)
		bits = (m >> 6) & 7;
	else {
		bool in = st->st_gid == u->gid;

		for (int i = 0; i < u->ngroups && !in; i++)
			in = u->groups[i] == st->st_gid;
		bits = in ? (m >> 3) & 7 : m & 7;
	}
	return (bits & want) == want;
}

/* @prog under the root: itself when it has a '/', else the first hit in
 * SPAWN_PATH. @out is the path as the user knows it. */
static bool find_program(const char *prog, char *out, size_t len, struct stat *st)
{
	char path[PATH_MAX];
	const char *p = SPAWN_PATH;

	if (strchr(prog, '/')) {
		snprintf(out, len, "%s", prog);
		return root_path(path, sizeof(path), "%s", prog) == 0 && stat(path, st) == 0;
	}
	while (*p) {
		size_t l = strcspn(p, ":");

		snprintf(out, len, "%.*s/%s", (int)l, p, prog);
		if (root_path(path, sizeof(path), "%s", out) == 0 && stat(path, st) == 0 && S_ISREG(st->st_mode))
			return true;
		p += l + (p[l] == ':');
	}
	snprintf(out, len, "%s", prog);
	return false;
}

static bool is_disk(const struct vm *vm, const char *path)
{
	for (size_t i = 0; i < vm->disk.n; i++)
		if (strcmp(vm->disk.v[i], path) == 0)
			return true;
	return false;
}

/* A file the VM's arguments name: readable by the user, unless the
 * launcher hands it over (disk =). */
static void check_file(struct findings *fs, const struct vm *vm, const struct vmuser *u, const char *id,
		       const char *path, size_t *nfiles)
{
	char full[PATH_MAX], fix[PATH_MAX + 96];
	struct stat st;

	if (is_disk(vm, path) || strncmp(path, "/dev/", 5) == 0)
		return;
	if (root_path(full, sizeof(full), "%s", path) < 0 || stat(full, &st) < 0)
		return; /* not a file (a socket to be, a QEMU option value) */
	if (S_ISDIR(st.st_mode))
		return;
	(*nfiles)++;
	if (!user_may(u, &st, 4)) {
		snprintf(fix, sizeof(fix), "chown %s %s, or add it to 'disk =' to hand it over while the VM runs",
			 vm->user, path);
		findings_add(fs, FINDING_FAIL, id, fix, "VM %s: %s is not readable by %s", vm->name, path, vm->user);
	}
}

/* The words of qemu = and args = that name files: a bare "/path", or a
 * "key=/path" item of a comma list ("file=/x.fd,if=pflash"). */
static void check_arg_files(struct findings *fs, const struct vm *vm, const struct vmuser *u, const char *id,
			    const struct strv *sv, size_t from, size_t *nfiles)
{
	for (size_t i = from; i < sv->n; i++) {
		char word[PATH_MAX];
		char *save = NULL, *item;

		snprintf(word, sizeof(word), "%s", sv->v[i]);
		for (item = strtok_r(word, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(item, '=');
			const char *val = eq ? eq + 1 : item;

			if (val[0] == '/')
				check_file(fs, vm, u, id, val, nfiles);
		}
	}
}

/* Whether vfiobind-vm@.service is installed where systemd looks
 * (systemd.unit(5), "Unit File Load Path"); @memlock: whether it sets
 * LimitMEMLOCK=infinity. */
static bool unit_installed(bool *memlock)
{
	static const char *const dirs[] = {"/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"};
	char path[PATH_MAX], line[256];

	for (size_t i = 0; i < 3; i++) {
		FILE *f;

		if (root_path(path, sizeof(path), "%s/vfiobind-vm@.service", dirs[i]) < 0 ||
		    (f = fopen(path, "re")) == NULL)
			continue;
		*memlock = false;
		while (fgets(line, sizeof(line), f))
			*memlock = *memlock || strncmp(line, "LimitMEMLOCK=infinity", 21) == 0;
		fclose(f);
		return true;
	}
	return false;
}

/* What `systemctl is-enabled` looks at for an instance enabled with
 * `systemctl enable`: a link in some .wants directory. */
static bool unit_enabled(const struct vm *vm)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	struct stat st;
	bool enabled = false;
	DIR *dp;

	if (root_path(path, sizeof(path), "/etc/systemd/system") < 0 || (dp = opendir(path)) == NULL)
		return false;
	while (!enabled && (de = readdir(dp)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 6, ".wants") != 0)
			continue;
		enabled = root_path(link, sizeof(link), "/etc/systemd/system/%s/vfiobind-vm@%s.service", de->d_name,
				    vm->name) == 0 &&
			  lstat(link, &st) == 0;
	}
	closedir(dp);
	return enabled;
}

static void check_unit(struct findings *fs, const struct vm *vm, const char *id)
{
	char path[PATH_MAX], fix[128];
	struct stat st;
	bool memlock = false;

	if (!unit_installed(&memlock)) {
		findings_add(fs, FINDING_FAIL, id, "make install (or install the package) again",
			     "VM %s: no vfiobind-vm@.service in /etc/systemd/system or /usr/lib/systemd/system",
			     vm->name);
		return;
	}
	if (memlock)
		findings_add(fs, FINDING_OK, id, NULL,
			     "VM %s: memlock: the unit sets LimitMEMLOCK=infinity (vfio pins all guest RAM)", vm->name);
	else
		findings_add(fs, FINDING_WARN, id, "LimitMEMLOCK=infinity in the [Service] section",
			     "VM %s: the unit does not set LimitMEMLOCK=infinity; QEMU may fail with "
			     "vfio_container_dma_map ... -12",
			     vm->name);
	snprintf(fix, sizeof(fix), "systemctl enable vfiobind-vm@%s.service", vm->name);
	if (unit_enabled(vm))
		findings_add(fs, FINDING_OK, id, NULL, "VM %s: vfiobind-vm@%s.service is enabled", vm->name, vm->name);
	else if (!find_program("systemctl", path, sizeof(path), &st))
		findings_add(fs, FINDING_INFO, id, NULL, "VM %s: no systemctl here: start it with vfiobind vm run %s",
			     vm->name, vm->name);
	else
		findings_add(fs, FINDING_WARN, id, fix,
			     "VM %s: vfiobind-vm@%s.service is not enabled: it will not start at boot", vm->name,
			     vm->name);
}

/* The user: exists, and is neither root nor of group root. */
static bool check_user(struct findings *fs, const struct vm *vm, const char *id, struct vmuser *u)
{
	char fix[PATH_MAX + 64];
	int r = vmuser_lookup(vm->user, u);

	if (r == -ESRCH) {
		snprintf(fix, sizeof(fix), "useradd --system --create-home %s", vm->user);
		findings_add(fs, FINDING_FAIL, id, fix, "VM %s: no user %s", vm->name, vm->user);
		return false;
	}
	if (r == -EPERM) {
		findings_add(fs, FINDING_FAIL, id, "user = an unprivileged account", "VM %s: user %s is root", vm->name,
			     vm->user);
		return false;
	}
	if (r < 0) {
		findings_add(fs, FINDING_FAIL, id, NULL, "VM %s: looking up user %s: %s", vm->name, vm->user,
			     strerror(-r));
		return false;
	}
	findings_add(fs, FINDING_OK, id, NULL, "VM %s: user %s (uid %u)", vm->name, vm->user, (unsigned)u->uid);
	return true;
}

/* The qemu program: found, and executable by the user. */
static void check_qemu(struct findings *fs, const struct vm *vm, const struct vmuser *u, const char *id)
{
	char prog[PATH_MAX], fix[PATH_MAX + 64];
	struct stat st;

	if (!find_program(vm->qemu.v[0], prog, sizeof(prog), &st)) {
		findings_add(fs, FINDING_FAIL, id, "apt install qemu-system-x86 (or fix 'qemu =')",
			     "VM %s: qemu program %s not found", vm->name, prog);
	} else if (!S_ISREG(st.st_mode) || !user_may(u, &st, 5)) {
		snprintf(fix, sizeof(fix), "chmod 0755 %s", prog);
		findings_add(fs, FINDING_FAIL, id, fix, "VM %s: %s is not executable by %s", vm->name, prog, vm->user);
	} else {
		findings_add(fs, FINDING_OK, id, NULL, "VM %s: qemu %s, executable by %s", vm->name, prog, vm->user);
	}
}

/* tpm =: swtpm installed, the directory the user's (or to be created). */
static void check_tpm(struct findings *fs, const struct vm *vm, const struct vmuser *u, const char *id)
{
	char prog[PATH_MAX], fix[PATH_MAX + 64], path[PATH_MAX];
	struct stat st;

	if (!find_program("swtpm", prog, sizeof(prog), &st))
		findings_add(fs, FINDING_FAIL, id, "apt install swtpm (Arch: pacman -S swtpm)",
			     "VM %s: tpm is set but swtpm is not installed", vm->name);
	if (root_path(path, sizeof(path), "%s", vm->tpm) < 0 || stat(path, &st) < 0) {
		findings_add(fs, FINDING_OK, id, NULL, "VM %s: tpm directory %s will be created at the first start",
			     vm->name, vm->tpm);
	} else if (!S_ISDIR(st.st_mode) || st.st_uid != u->uid) {
		snprintf(fix, sizeof(fix), "chown %s %s && chmod 0700 %s", vm->user, vm->tpm, vm->tpm);
		findings_add(fs, FINDING_FAIL, id, fix, "VM %s: tpm directory %s is not %s's", vm->name, vm->tpm,
			     vm->user);
	} else {
		findings_add(fs, FINDING_OK, id, NULL, "VM %s: tpm directory %s is %s's", vm->name, vm->tpm, vm->user);
	}
}

/* "2M", "1G": a pool's page size as hugepages = names it. */
static void page_name(unsigned long kb, char *buf, size_t len)
{
	if (kb % (1024 * 1024) == 0)
		snprintf(buf, len, "%luG", kb / (1024 * 1024));
	else if (kb % 1024 == 0)
		snprintf(buf, len, "%luM", kb / 1024);
	else
		snprintf(buf, len, "%luK", kb);
}

/* cpus =: the host-side rules (vmcpu.h) as failures and warnings, then
 * what the vCPUs get: -smp, SMT pairs, L3 and NUMA domains. */
static void check_cpus(struct findings *fs, const struct vm *vm, const struct cpu_topo *t, const char *id)
{
	struct diags errs = {0}, warns = {0};
	char what[1024], list[160];

	if (vm->cpus == NULL && vm->emulator_cpus == NULL)
		return;
	vmcpu_check(vm, t, &errs, &warns);
	for (size_t i = 0; i < errs.n && i < errs.cap; i++)
		findings_add(fs, FINDING_FAIL, id, "fix cpus = (vfiobind check)", "VM %s: %s", vm->name,
			     errs.msg[i] ? errs.msg[i] : "(message lost)");
	for (size_t i = 0; i < warns.n && i < warns.cap; i++)
		findings_add(fs, FINDING_WARN, id, NULL, "VM %s: %s", vm->name,
			     warns.msg[i] ? warns.msg[i] : "(message lost)");
	if (vm->cpus) {
		cpulist_format(vm->cpus, list, sizeof(list));
		vmcpu_describe(vm, t, what, sizeof(what));
		findings_add(fs, FINDING_INFO, id, NULL, "VM %s: cpus %s: %s", vm->name, list, what);
	}
	diags_free(&errs);
	diags_free(&warns);
}

/* hugepages =: every pool's free pages, and whether the VM's size fits in
 * the free pages of its own; 1G pages are found at run time only on a
 * host with little used memory, so a shortfall there gets the kernel
 * command line that reserves them at boot (hugetlbpage.rst). */
static void check_hugepages(struct findings *fs, const struct vm *vm, const struct cpu_topo *t, const char *id)
{
	const struct cpu_hugepool *p;
	char pools[512] = "", name[24], fix[128];
	unsigned long long need;

	if (vm->hugepages_kb == 0)
		return;
	for (size_t i = 0; i < t->npool; i++) {
		page_name(t->pool[i].kb, name, sizeof(name));
		str_append(pools, sizeof(pools), "%s%s %lu of %lu", i ? ", " : "", name, t->pool[i].free,
			   t->pool[i].total);
		/* Pages are reserved on the node of the vCPUs: with more
		 * than one, where the free ones are matters. */
		for (unsigned n = 0; t->nnodes > 1 && n < t->nnodes && n < CPU_NODES_MAX; n++)
			if (t->pool[i].node_free[n] >= 0)
				str_append(pools, sizeof(pools), "%snode %u: %ld%s", n ? ", " : " (", n,
					   t->pool[i].node_free[n], n + 1 == t->nnodes ? ")" : "");
	}
	findings_add(fs, FINDING_INFO, id, NULL, "VM %s: free hugepages: %s", vm->name,
		     t->npool ? pools : "none (no /sys/kernel/mm/hugepages)");
	page_name(vm->hugepages_kb, name, sizeof(name));
	p = cpu_hugepool_find(t, vm->hugepages_kb);
	if (p == NULL) {
		findings_add(fs, FINDING_FAIL, id, "hugepages = 2M, or a CPU and kernel with 1G pages (pdpe1gb)",
			     "VM %s: hugepages = %s, but this host has no %s pool", vm->name, name, name);
		return;
	}
	if (vm->memory_mib == 0)
		return; /* a config error, reported above */
	need = vm->memory_mib * 1024 / vm->hugepages_kb;
	if (p->free >= need) {
		findings_add(fs, FINDING_OK, id, NULL, "VM %s: hugepages = %s: %llu pages needed, %lu free", vm->name,
			     name, need, p->free);
	} else if (vm->hugepages_kb >= 1024 * 1024) {
		snprintf(fix, sizeof(fix), "hugepagesz=%s hugepages=%llu on the kernel command line", name, need);
		findings_add(fs, FINDING_WARN, id, fix,
			     "VM %s: hugepages = %s: %llu pages needed, %lu free; a run-time reservation of %s pages "
			     "seldom succeeds once memory is fragmented: reserve them at boot",
			     vm->name, name, need, p->free, name);
	} else {
		findings_add(fs, FINDING_INFO, id, NULL,
			     "VM %s: hugepages = %s: %llu pages needed, %lu free now; the rest are reserved at start",
			     vm->name, name, need, p->free);
	}
}

/* memory = against the host's memory in all: vfio pins every page of the
 * guest's RAM for DMA (vfio_iommu_type1's vfio_pin_pages_remote()), so a
 * guest with more RAM than the host has cannot start, with or without
 * hugepages. */
static void check_memory(struct findings *fs, const struct vm *vm, const char *id)
{
	unsigned long total = cpu_mem_total_kb(-1);
	char fix[96];

	if (vm->memory_mib == 0 || total == 0)
		return;
	if (vm->memory_mib * 1024 <= total) {
		findings_add(fs, FINDING_INFO, id, NULL, "VM %s: memory %llu MiB of the host's %lu MiB", vm->name,
			     vm->memory_mib, total / 1024);
		return;
	}
	snprintf(fix, sizeof(fix), "memory = less than %luM", total / 1024);
	findings_add(fs, FINDING_FAIL, id, fix,
		     "VM %s: memory %llu MiB is more than the host's %lu MiB in all: vfio pins all of the guest's RAM, "
		     "so it cannot start",
		     vm->name, vm->memory_mib, total / 1024);
}

static void check_vm(struct findings *fs, const struct vm *vm, const struct cpu_topo *t)
{
	char id[VM_NAME_MAX + 4];
	struct vmuser u;
	size_t nfiles = 0;

	snprintf(id, sizeof(id), "vm %s", vm->name);
	if (!check_user(fs, vm, id, &u))
		return;
	if (vm->qemu.n == 0)
		return;
	check_qemu(fs, vm, &u, id);
	check_arg_files(fs, vm, &u, id, &vm->qemu, 1, &nfiles);
	check_arg_files(fs, vm, &u, id, &vm->args, 0, &nfiles);
	for (size_t i = 0; i < vm->nrom; i++)
		check_file(fs, vm, &u, id, vm->rom[i].path, &nfiles);
	findings_add(fs, FINDING_INFO, id, NULL, "VM %s: %zu file%s named by its arguments checked for %s", vm->name,
		     nfiles, nfiles == 1 ? "" : "s", vm->user);
	if (vm->tpm)
		check_tpm(fs, vm, &u, id);
	check_memory(fs, vm, id);
	if (t) {
		check_cpus(fs, vm, t, id);
		check_hugepages(fs, vm, t, id);
	}
	check_unit(fs, vm, id);
}

void vm_doctor(const struct conf *conf, struct findings *fs)
{
	const struct vmconf *vc = conf->vms;

	if (vc == NULL)
		return;
	for (size_t i = 0; i < vc->errs.n && i < vc->errs.cap; i++)
		findings_add(fs, FINDING_FAIL, "vm config", "vfiobind check", "%s",
			     vc->errs.msg[i] ? vc->errs.msg[i] : "(message lost)");
	/* Read once for all VMs; without it the CPU checks are skipped. */
	struct cpu_topo t;
	int r = cpu_topo_read(&t);
	bool any = false;

	for (size_t i = 0; i < vc->n; i++)
		any = any || vc->vm[i].cpus || vc->vm[i].emulator_cpus || vc->vm[i].hugepages_kb;
	if (r < 0 && any)
		findings_add(fs, FINDING_INFO, "vm cpus", NULL, "cannot read this host's CPUs: %s", strerror(-r));
	for (size_t i = 0; i < vc->n; i++)
		check_vm(fs, &vc->vm[i], r == 0 ? &t : NULL);
	cpu_topo_free(&t);
}
