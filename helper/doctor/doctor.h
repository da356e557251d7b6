/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * doctor.h - the host half of `vfiobind doctor`: the chain from firmware
 * to this boot, checked read-only, one finding per check
 * (report/findings.h), each warn and fail with the fix as a command or a
 * line to add. The [vm NAME] checks are the launcher's (vm/doctor.h); the
 * command runs both into one list.
 */
#pragma once

#include "config/cmdline.h"
#include "config/conf.h"
#include "plan/plan.h"
#include "report/findings.h"
#include "system/kmodule.h"
#include "system/pci.h"

/* What the checks read, wired by the command. */
struct doctor_input {
	const struct conf *conf;
	const char *conf_path; /* root prefix included */
	const char *conf_name;
	const struct cmdline *cl;
	const struct pci_list *pci;
	const struct plan *plan;
	struct kmodule *km;
};

/**
 * doctor_run() - the host checks, in the order of the chain, into @fs:
 * IOMMU (on a virtual machine, the hypervisor's virtual IOMMU), interrupt
 * remapping, the initramfs generator and its hook, the running kernel's
 * image (helper and config inside, the config equal to @in->conf_path),
 * this boot (status file, declared functions, groups, vfiobind=off).
 * Reads only, under the root prefix: /proc/cpuinfo, /proc/cmdline,
 * /dev/kmsg, /sys/firmware/acpi/tables, /sys/kernel/iommu_groups,
 * /sys/class/iommu, the generators' configuration, /boot.
 */
void doctor_run(const struct doctor_input *in, struct findings *fs);

/**
 * doctor_conf_line_has() - whether @word appears as a whole word in a line
 * of @text (a generator's configuration, NUL-terminated) that starts with
 * @key after blanks: HOOKS=(... vfiobind ...) for mkinitcpio.conf(5),
 * add_dracutmodules+=" vfiobind " for dracut.conf(5). A whole word is
 * preceded by a blank, '(', a quote or '=' and followed by a blank, ')',
 * a quote, a newline or the end. Neither shell nor bash is run: a value
 * built by expansion is not seen (doctor then says the hook is missing).
 * Return: true when found. @key and @word must not be empty.
 */
bool doctor_conf_line_has(const char *text, const char *key, const char *word);
