// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * boot.c - the program an initramfs carries as /usr/bin/vfiobind: what
 * the boot runs (bind) and what a user at an emergency shell asks of it
 * (plan, list, status, check). No launcher, doctor, image reader,
 * completion helper or JSON: the linker takes none of them from the
 * library, since nothing here names them.
 */
#include "cmd/command.h"

static const struct command boot_cmds[] = {
    {"bind", USAGE_BIND, cmd_bind, 0},
    {"plan", USAGE_PLAN, cmd_plan, 0},
    {"list", USAGE_LIST, cmd_list, 0},
    {"status", USAGE_STATUS, cmd_status, 0},
    {"check", USAGE_CHECK, cmd_check, CMD_RECORD},
    {NULL, NULL, NULL, 0},
};

const struct program program = {
    .what = "Hand chosen PCI functions to vfio-pci in early boot (the initramfs's build:\n"
	    "doctor, the VM commands and --json are in the installed vfiobind).",
    .cmds = boot_cmds,
    .json = NULL,
};
