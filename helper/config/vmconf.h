/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmconf.h - the VM declarations of /etc/vfiobind.conf: [vm NAME]
 * sections after the device list, each with "key = value" lines.
 *
 *   [vm win11]
 *   user         = gamer                 # required; never root
 *   qemu         = /usr/bin/qemu-system-x86_64 -machine q35,accel=kvm
 *   args         = -m 16G -cpu host      # more arguments, appended in order
 *   devices      = 0000:03:00 0c:00.0    # default: every declared function
 *   romfile      = 0000:03:00.0 /var/lib/vfiobind/win11/dummy.rom
 *   bus          = 0000:0c:00 pcie.0 1e  # guest bus [device] of a card
 *   tpm          = /var/lib/vfiobind/win11/tpm
 *   disk         = /dev/Data/windows     # repeatable; 'force': see below
 *   poweroff     = yes                   # default no
 *   sandbox      = no                    # default yes: QEMU's -sandbox
 *   stop-timeout = 120                   # seconds, default 120
 *   memory       = 16G                   # emits -m; K/M/G/T, binary
 *   cpus         = 6-11,18-23            # host CPUs of the vCPUs
 *   emulator-cpus = 0,12                 # QEMU's other threads
 *   isolate      = yes                   # default no; needs cpus
 *   hugepages    = 1G                    # 2M, 1G or no (default)
 *   keep-hugepages = yes                 # default no; needs hugepages
 *   reboot       = restart               # or reset (default)
 *
 * Words are separated by blanks; there is no quoting, so values with
 * blanks belong in the user's own script (qemu = /path/to/qemu.sh). '#'
 * starts a comment anywhere, as in the device list. A section runs to the
 * next [vm NAME] header or the end of the file: the device list comes
 * first.
 *
 * disk = takes paths and, once, the word 'force' (as a device line takes
 * it): the storage guard (storage_disk_holds()) then warns instead of
 * refusing a disk that holds what the host needs, for every path of that
 * line.
 *
 * memory, cpus and the -m and -smp of the QEMU words (qemu = after the
 * program, then args =) are held together when the section ends: a -m is
 * the size when memory is absent, and must agree with it when both are
 * there; a -smp must count as many vCPUs as cpus names; hugepages needs a
 * size that is a whole number of its pages; emulator-cpus and cpus must
 * not share a CPU; isolate needs cpus. Whether the CPUs exist and are
 * online is for system/vmcpu.h, against the host.
 *
 * VM errors are collected apart from the device list's ("FILE:LINE:
 * message" in struct vmconf.errs), because the initramfs binds devices
 * and must not stop at a typo in a launcher setting; `vfiobind check`
 * reports both, and every VM command refuses a config with either.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/cpulist.h"
#include "basic/diags.h"
#include "basic/strv.h"
#include "config/selector.h"

/* 32 bytes: systemd instance names and /run paths stay short. */
#define VM_NAME_MAX	    32
#define VM_STOP_TIMEOUT_DEF 120
#define VM_STOP_TIMEOUT_MAX 3600
#define VM_QEMU_ID_MAX	    32
#define VM_USER_MAX	    32
/* hugepages = 2M | 1G, as the kernel names the pools (hugepages-SIZEkB). */
#define VM_HUGE_2M_KB 2048UL
#define VM_HUGE_1G_KB 1048576UL

struct vm_romfile {
	struct pci_addr addr; /* one function */
	char *path;
	unsigned line;
};

struct vm_bus {
	struct pci_addr slot; /* fn unused: the card */
	char bus[VM_QEMU_ID_MAX + 1];
	unsigned dev; /* guest device number on that bus, 0..0x1f */
	unsigned line;
};

/* Where a disk = path was given: one per struct vm.disk entry. */
struct vm_disk {
	unsigned line;
	bool force; /* its line has the word 'force' */
};

struct vm {
	char name[VM_NAME_MAX + 1];
	const char *file; /* the config's name, for messages */
	unsigned line;	  /* the [vm NAME] header */
	char user[VM_USER_MAX + 1];
	struct strv qemu; /* program and its first arguments */
	struct strv args; /* args = lines, in order */
	struct selector *dev;
	size_t ndev; /* 0: every function of the device list */
	size_t dev_cap;
	struct vm_romfile *rom;
	size_t nrom;
	struct vm_bus *bus;
	size_t nbus;
	char *tpm;		 /* swtpm state directory, or NULL */
	struct strv disk;	 /* disk = paths, in order */
	struct vm_disk *disk_at; /* disk_at[i]: line and force of disk.v[i] */
	bool poweroff;
	/* sandbox = no: QEMU without the launcher's -sandbox (seccomp). */
	bool no_sandbox;
	unsigned stop_timeout; /* seconds */
	unsigned *args_line;   /* args_line[i]: the line of args.v[i] */
	/* memory =, or the -m of the QEMU words when it is absent: the
	 * guest's RAM in MiB; 0 when neither says (or -m cannot be read). */
	unsigned long long memory_mib;
	bool memory_emit;	      /* memory = given and no -m: emit -m */
	struct cpuset *cpus;	      /* cpus =, or NULL */
	struct cpuset *emulator_cpus; /* emulator-cpus =, or NULL */
	bool smp_given;		      /* a -smp among the QEMU words */
	bool isolate;
	unsigned long hugepages_kb; /* VM_HUGE_2M_KB, VM_HUGE_1G_KB, or 0 (no) */
	bool keep_hugepages;
	/* reboot = restart: QEMU runs with -no-reboot, and a guest reboot
	 * ends it; the launcher resets the functions through sysfs and
	 * starts it again (vm/restart.c). reset (default): QEMU's own
	 * reset, QEMU keeps running. */
	bool reboot_restart;
	unsigned reboot_line;
	/* Line of each single-valued key, 0 while unset ("given twice"). */
	unsigned user_line, qemu_line, tpm_line, poweroff_line, sandbox_line, stop_line;
	unsigned memory_line, cpus_line, emu_line, isolate_line, huge_line, keep_line;
	/* This section's errors (also in struct vmconf.errs): the VM
	 * commands refuse this VM for them, and only this one. */
	struct diags errs;
};

struct vmconf {
	struct vm *vm;
	size_t n;
	size_t cap;
	bool in_section; /* a [vm NAME] header has been seen */
	bool cur_bad;	 /* the current header was bad: skip its lines */
	struct diags errs;
};

/**
 * vmconf_line() - offer one config line to the VM parser.
 * @vcp:    the VM list, allocated at the first header (struct conf holds
 *          only a pointer, so that a config without VMs costs nothing);
 *          errors go to its errs.
 * @s:      the line without newline and comment, @len bytes.
 * @name:   the config's name for messages; must outlive @vc.
 * @lineno: 1-based.
 *
 * A line is the VM parser's when it is a "[...]" header or comes after
 * one; every other line belongs to the device list.
 * A line in a section that is a device selector and not KEY = VALUE is
 * a device line misplaced after the sections: VMCONF_DEVICE_LINE, for the
 * device list to report (the initramfs would otherwise skip it silently).
 * Return: 1 when the line was taken (even with an error: that is in
 * @vc->errs), 0 when it belongs to the device list, VMCONF_DEVICE_LINE,
 * or -ENOMEM.
 */
#define VMCONF_DEVICE_LINE 2
int vmconf_line(struct vmconf **vcp, const char *s, size_t len, const char *name, unsigned lineno);

/**
 * vmconf_finish() - check what only a whole section can tell (a missing
 * user or qemu line). Called once the file has been read; @vc may be NULL.
 */
void vmconf_finish(struct vmconf *vc);

/** vmconf_find() - the VM called @name, or NULL (also when @vc is NULL). */
const struct vm *vmconf_find(const struct vmconf *vc, const char *name);

/**
 * vm_name_valid() - whether @name may name a VM: 1 to VM_NAME_MAX of
 * [A-Za-z0-9_-], starting with a letter or digit. The name becomes a
 * systemd instance name and a directory under /run/vfiobind/vm.
 */
bool vm_name_valid(const char *name);

/**
 * vmconf_size_format() - @mib MiB in the shortest exact unit, as memory =
 * and QEMU's -m take it: "16G", "1536M", "1T" (0 is "0M"), into @buf of
 * @len bytes (24 hold any value).
 */
void vmconf_size_format(unsigned long long mib, char *buf, size_t len);

/** vmconf_free() - free @vc and everything in it; NULL is fine. */
void vmconf_free(struct vmconf *vc);
