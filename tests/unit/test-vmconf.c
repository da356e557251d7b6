// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-vmconf.c - table tests for the [vm NAME] sections: the example of
 * the README parses to what it says, every key's near misses are
 * "FILE:LINE: message" errors of the VM and never of the device list
 * (the initramfs binds whatever a launcher setting says).
 */
#include <stdio.h>
#include <string.h>

#include "config/conf.h"
#include "config/vmconf.h"

static int passed, failed;

static void check(int ok, const char *what)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", passed + failed, what);
}

static const char reference[] = "0000:03:00    id=1002:744c\n"
				"0000:0c:00.0  id=1022:43fc\n"
				"0000:0f:00.3  id=1022:15b6\n"
				"\n"
				"[vm win11]\n"
				"user     = gamer\n"
				"qemu     = /usr/bin/qemu-system-x86_64 -machine q35,accel=kvm\n"
				"args     = -m 16G   -cpu host  # a comment\n"
				"args     = -drive file=/dev/Data/windows,format=raw,if=virtio\n"
				"romfile  = 0000:03:00.0 /var/lib/vfiobind/win11/dummy.rom\n"
				"bus      = 0000:0c:00 pcie.0 1e\n"
				"tpm      = /var/lib/vfiobind/win11/tpm\n"
				"disk     = /dev/Data/windows\n"
				"poweroff = yes\n"
				"stop-timeout = 90\n"
				"[ vm  other ]\n"
				"user = vm2\n"
				"qemu = qemu-system-x86_64\n"
				"devices = 0000:0c:00.0 1022:15b6\n";

static void test_reference(void)
{
	struct conf c = {0};
	struct diags errs = {0};
	const struct vm *vm;
	int r = conf_parse_buffer(reference, sizeof(reference) - 1, "t.conf", &c, &errs);

	check(r == 0 && c.n == 3, "reference: three device selectors, no device error");
	check(c.vms && c.vms->n == 2 && c.vms->errs.n == 0, "reference: two VMs, no VM error");
	if (c.vms && c.vms->errs.n)
		printf("# %s\n", c.vms->errs.msg[0]);
	vm = vmconf_find(c.vms, "win11");
	check(vm && strcmp(vm->user, "gamer") == 0, "win11: user");
	check(vm && vm->qemu.n == 3 && strcmp(vm->qemu.v[0], "/usr/bin/qemu-system-x86_64") == 0 &&
		  vm->qemu.v[3] == NULL,
	      "win11: qemu words, NULL-terminated");
	check(vm && vm->args.n == 6 && strcmp(vm->args.v[3], "host") == 0, "win11: args lines appended in order");
	check(vm && vm->nrom == 1 && vm->rom[0].addr.bus == 3 &&
		  strcmp(vm->rom[0].path, "/var/lib/vfiobind/win11/dummy.rom") == 0,
	      "win11: romfile");
	check(vm && vm->nbus == 1 && vm->bus[0].slot.bus == 0x0c && vm->bus[0].dev == 0x1e &&
		  strcmp(vm->bus[0].bus, "pcie.0") == 0,
	      "win11: bus with device");
	check(vm && vm->tpm && vm->disk.n == 1 && vm->poweroff && vm->stop_timeout == 90,
	      "win11: tpm, disk, poweroff, stop-timeout");
	check(vm && vm->ndev == 0, "win11: no devices line means every declared function");
	vm = vmconf_find(c.vms, "other");
	check(vm && vm->ndev == 2 && vm->dev[1].kind == SEL_ID && !vm->poweroff &&
		  vm->stop_timeout == VM_STOP_TIMEOUT_DEF,
	      "other: devices, defaults");
	check(vmconf_find(c.vms, "nope") == NULL, "an undeclared VM is not found");
	conf_free(&c);
	diags_free(&errs);
}

struct bad {
	const char *text;    /* the VM section's body after "[vm t]\n" */
	const char *message; /* expected in the first VM error */
};

static const struct bad bad_cases[] = {
    {"user = root\n", "never runs as root"},
    {"user = a\nuser = b\n", "user is given twice (first at line 2)"},
    {"user = 9lives\n", "not a valid user name"},
    {"user = two words\n", "not one user name"},
    {"tpm = relative/dir\n", "not an absolute path"},
    {"tpm = /a,b\n", "contains a comma"},
    {"tpm = /a/../b\n", "contains '..'"},
    {"disk = /dev/ok /dev/../sda\n", "contains '..'"},
    {"disk = force\n", "'force' names no disk"},
    {"disk = /dev/sdb force force\n", "'force' is given twice"},
    {"disk = /dev/sdb forced\n", "'forced' is not an absolute path"},
    {"romfile = 0000:03:00 /x.rom\n", "is not one function"},
    {"romfile = 0000:03:00.0\n", "write romfile = ADDRESS PATH"},
    {"romfile = 03:00.0 /a\nromfile = 0000:03:00.0 /b\n", "already has a ROM file (line 2)"},
    {"bus = 1002:744c pcie.0\n", "is an ID"},
    {"bus = 03:00 0bad\n", "is not a QEMU bus id"},
    {"bus = 03:00 pcie.0 20\n", "from 0 to 1f"},
    {"bus = 03:00 pcie.0 -1\n", "from 0 to 1f"},
    {"bus = 03:00.1 rp1\nbus = 03:00 rp2\n", "already has a bus"},
    {"poweroff = maybe\n", "neither yes nor no"},
    {"stop-timeout = 0\n", "from 1 to 3600"},
    {"stop-timeout = 3601\n", "from 1 to 3600"},
    {"stop-timeout = 12s\n", "from 1 to 3600"},
    {"stop-timeout = -5\n", "from 1 to 3600"},
    {"devices = 03:0.1\n", "devices: "},
    {"devices = 0000:0c:00.0\nromfile = 0000:03:00.0 /r\n", "is not one of this VM's devices"},
    {"devices = 0000:0c:00.0\nbus = 03:00 pcie.0\n", "is not one of this VM's devices"},
    {"colour = blue\n", "unknown key 'colour'"},
    {"just words\n", "is not KEY = VALUE"},
    {"args =\n", "args needs a value"},
    {"[vm t]\n", "already declared at line 1"},
    {"[vm]\n", "has no VM name"},
    {"[vm a b]\n", "a VM name is one word"},
    {"[vm -x]\n", "a VM name is letters"},
    {"[vm aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n", "at most 32 characters"},
    {"[disk x]\n", "unknown section"},
    {"[vm x\n", "is not a section header"},
    {"qemu = ./run.sh\n", "relative path"},
    {"memory = 16384\n", "has no unit"},
    {"memory = 16GB\n", "is not a size"},
    {"memory = 0G\n", "not a whole number of MiB"},
    {"memory = 99999999999T\n", "is too large"},
    {"memory = 1G\nmemory = 2G\n", "memory is given twice"},
    {"memory = 16G\nargs = -m 8G\n", "but -m 8G (line 3) says otherwise"},
    {"memory = 16G\nargs = -m 16G -m 4096\n", "but -m 4096 (line 3)"},
    {"args = -m\nargs = 8G\nmemory = 16G\n", "but -m 8G (line 2)"},
    {"cpus = 3-1\n", "range 3-1 is reversed"},
    {"cpus = 0-8192\n", "CPU 8192 is beyond 8191"},
    {"cpus = 1 2\n", "has no blanks"},
    {"emulator-cpus = x\n", "emulator-cpus: 'x'"},
    {"cpus = 0-3\nargs = -smp 2\n", "names 4 CPUs, but -smp 2 (line 3) asks for 2 vCPUs"},
    {"cpus = 0-3\nargs = -smp cpus=8,maxcpus=8\n", "asks for 8 vCPUs"},
    {"cpus = 0-3\nargs = -smp maxcpus=6\n", "asks for 6 vCPUs"},
    {"cpus = 0-3\nargs = -smp cores=2,threads=1,sockets=1\n", "asks for 2 vCPUs"},
    {"cpus = 0-3\nargs = -smp 4x\n", "is not a vCPU count"},
    {"cpus = 0-3\nemulator-cpus = 3-4\n", "emulator-cpus: 3 is also in cpus (line 2)"},
    {"isolate = yes\n", "isolate = yes needs cpus"},
    {"isolate = 1\n", "neither yes nor no"},
    {"hugepages = 2m\n", "is not 2M, 1G or no"},
    {"hugepages = 1G\n", "needs the guest's memory size"},
    {"hugepages = 1G\nargs = -m 1.5G\n", "is not one; write memory"},
    {"hugepages = 1G\nmemory = 1536M\n", "not a whole number of 1G pages"},
    {"hugepages = 2M\nmemory = 3M\n", "not a whole number of 2M pages"},
    {"keep-hugepages = yes\n", "keeps nothing"},
    {"keep-hugepages = y\n", "neither yes nor no"},
    {"reboot = Restart\n", "reboot: 'Restart' is neither restart nor reset"},
    {"reboot = restart\nreboot = restart\n", "reboot is given twice"},
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char buf[512], what[256];
		const char *found;
		struct conf c = {0};
		struct diags errs = {0};
		int r, n;

		n = snprintf(buf, sizeof(buf), "[vm t]\n%s", bad_cases[i].text);
		r = conf_parse_buffer(buf, (size_t)n, "t.conf", &c, &errs);
		snprintf(what, sizeof(what), "VM error '%s' for: %.60s", bad_cases[i].message, bad_cases[i].text);
		for (char *p = what; *p; p++)
			if (*p == '\n')
				*p = ' ';
		/* The expected message among the VM's errors, every one of
		 * them "FILE:LINE: ...", none of them the device list's. */
		found = NULL;
		for (size_t k = 0; c.vms && k < c.vms->errs.n; k++) {
			if (strncmp(c.vms->errs.msg[k], "t.conf:", 7) != 0)
				break;
			if (!found && strstr(c.vms->errs.msg[k], bad_cases[i].message))
				found = c.vms->errs.msg[k];
		}
		check(r == 0 && errs.n == 0 && found, what);
		printf("#   %s\n", found ? found : c.vms && c.vms->errs.n ? c.vms->errs.msg[0] : "(no VM error)");
		conf_free(&c);
		diags_free(&errs);
	}
}

/* disk = PATH... [force]: each path keeps its line and whether that line
 * says force, wherever the word stands on it. */
static void test_disk_force(void)
{
	static const char text[] = "[vm t]\n"
				   "user = u\n"
				   "qemu = q\n"
				   "disk = /dev/sdb force\n"
				   "disk = /dev/a /var/b.img\n"
				   "disk = force /dev/c\n";
	struct conf c = {0};
	struct diags errs = {0};
	const struct vm *vm;
	int r = conf_parse_buffer(text, sizeof(text) - 1, "t.conf", &c, &errs);

	vm = vmconf_find(c.vms, "t");
	check(r == 0 && vm && vm->errs.n == 0 && vm->disk.n == 4 && vm->disk_at, "disk: four paths, no error");
	check(vm && vm->disk.n == 4 && strcmp(vm->disk.v[0], "/dev/sdb") == 0 && vm->disk_at[0].force &&
		  vm->disk_at[0].line == 4,
	      "disk: 'force' after the path marks it, with its line");
	check(vm && vm->disk.n == 4 && !vm->disk_at[1].force && !vm->disk_at[2].force && vm->disk_at[2].line == 5 &&
		  strcmp(vm->disk.v[2], "/var/b.img") == 0,
	      "disk: a line without 'force' marks none of its paths");
	check(vm && vm->disk.n == 4 && strcmp(vm->disk.v[3], "/dev/c") == 0 && vm->disk_at[3].force,
	      "disk: 'force' before the path marks it too");
	conf_free(&c);
	diags_free(&errs);
}

static void test_bind_ignores(void)
{
	static const char text[] = "0000:03:00\n[vm t]\nuser = root\nthis is wrong\n";
	char big[1400];
	struct conf c = {0};
	struct diags errs = {0};
	int r = conf_parse_buffer(text, sizeof(text) - 1, "t.conf", &c, &errs);

	check(r == 0 && c.n == 1 && c.vms && c.vms->errs.n == 3, "VM errors never count as device list errors");
	conf_free(&c);

	/* An args line over the line limit is the VM's error too. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "[vm t]\nargs = ", 14);
	big[sizeof(big) - 1] = '\n';
	r = conf_parse_buffer(big, sizeof(big), "t.conf", &c, &errs);
	check(r == 0 && errs.n == 0 && c.vms && c.vms->errs.n >= 1 && strstr(c.vms->errs.msg[0], "bytes long"),
	      "an over-long line in a VM section is the VM's error");
	conf_free(&c);

	r = conf_parse_buffer("[vm t]\n", 7, "t.conf", &c, &errs);
	check(r == 0 && c.vms && c.vms->errs.n == 2 && strstr(c.vms->errs.msg[0], "no 'user =' line") &&
		  strstr(c.vms->errs.msg[1], "no 'qemu =' line"),
	      "a section without user and qemu: both named at its header");
	conf_free(&c);

	r = conf_parse_buffer("0000:03:00\n", 11, "t.conf", &c, &errs);
	check(r == 0 && c.vms == NULL, "no section: no VM list at all");
	conf_free(&c);
	diags_free(&errs);
}

/* The performance keys and the QEMU words they are read with. */
static void test_resources(void)
{
	static const char text[] = "[vm a]\nuser = u\nqemu = q -m size=8G,slots=2\nhugepages = 2M\n"
				   "keep-hugepages = yes\n"
				   "[vm b]\nuser = u\nqemu = q\nmemory = 16G\ncpus = 6-11,18-23\n"
				   "emulator-cpus = 0,12\nisolate = yes\nhugepages = 1G\n"
				   "[vm c]\nuser = u\nqemu = q\nmemory = 4096M\nargs = --m 4G --smp 2\ncpus = 2,14\n"
				   "hugepages = no\n";
	struct conf c = {0};
	struct diags errs = {0};
	const struct vm *a, *b, *v;
	int r = conf_parse_buffer(text, sizeof(text) - 1, "t.conf", &c, &errs);

	check(r == 0 && c.vms && c.vms->errs.n == 0, "resources: three VMs, no error");
	if (c.vms && c.vms->errs.n)
		printf("# %s\n", c.vms->errs.msg[0]);
	a = vmconf_find(c.vms, "a");
	b = vmconf_find(c.vms, "b");
	v = vmconf_find(c.vms, "c");
	check(a && a->memory_mib == 8192 && !a->memory_emit && a->hugepages_kb == VM_HUGE_2M_KB && a->keep_hugepages &&
		  a->cpus == NULL && !a->isolate,
	      "a: the size from qemu's -m size=8G, nothing emitted; 2M pages kept");
	check(b && b->memory_mib == 16384 && b->memory_emit && b->hugepages_kb == VM_HUGE_1G_KB && b->isolate &&
		  b->cpus && cpuset_count(b->cpus) == 12 && cpuset_has(b->cpus, 23) && !cpuset_has(b->cpus, 12) &&
		  b->emulator_cpus && cpuset_count(b->emulator_cpus) == 2 && !b->smp_given,
	      "b: memory emitted as -m, cpus and emulator-cpus read, no -smp");
	check(v && v->memory_mib == 4096 && !v->memory_emit && v->smp_given && v->hugepages_kb == 0,
	      "c: memory = 4096M agrees with --m 4G; --smp 2 counts the two CPUs");
	check(a && !a->reboot_restart, "a: reboot = reset when not given");
	conf_free(&c);
	{
		static const char rb[] = "[vm r]\nuser = u\nqemu = q\nreboot = restart\n"
					 "[vm s]\nuser = u\nqemu = q\nreboot = reset\n";

		r = conf_parse_buffer(rb, sizeof(rb) - 1, "t.conf", &c, &errs);
		a = vmconf_find(c.vms, "r");
		b = vmconf_find(c.vms, "s");
		check(r == 0 && c.vms && c.vms->errs.n == 0 && a && a->reboot_restart && b && !b->reboot_restart,
		      "reboot = restart and reboot = reset read");
		conf_free(&c);
	}
	diags_free(&errs);
}

int main(void)
{
	check(vm_name_valid("win11") && vm_name_valid("a-b_c") && !vm_name_valid("") && !vm_name_valid("a/b") &&
		  !vm_name_valid("_x") && !vm_name_valid("a.b"),
	      "VM names");
	test_reference();
	test_bad();
	test_disk_force();
	test_bind_ignores();
	test_resources();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
