/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * command.h - the VM side of the command line: qemu-args, release and the
 * vm check|run|poweroff|qmp family. cmd/vm.c hands them the options; the
 * exit codes are basic/exitcode.h's (0 done, 1 a device or VM not ready
 * or failed, 2 usage, 3 config error, 4 system error).
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "config/conf.h"

struct vmcmd_opts {
	const char *config; /* --config, or NULL for /etc/vfiobind.conf under the root */
	bool quiet;
	bool debug;
};

/**
 * vmcmd_main() - run @cmd with its @argc arguments @argv:
 *   qemu-args NAME, release ADDRESS|SLOT, vm check NAME, vm run NAME,
 *   vm poweroff NAME, vm qmp NAME COMMAND.
 * Return: the exit code.
 */
int vmcmd_main(const char *cmd, const struct vmcmd_opts *o, int argc, char **argv);
