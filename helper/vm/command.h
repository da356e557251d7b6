/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * command.h - the VM side of the command line: qemu-args, release and the
 * vm check|run|poweroff|qmp family, plus the VM part of `check`. main.c
 * only dispatches here; the exit codes are main.c's (0 done, 1 a device
 * or VM not ready or failed, 2 usage, 3 config error, 4 system error).
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

/** vmcmd_is() - whether @cmd is one of the commands below. */
bool vmcmd_is(const char *cmd);

/**
 * vmcmd_main() - run @cmd with its @argc arguments @argv:
 *   qemu-args NAME, release ADDRESS|SLOT, vm check NAME, vm run NAME,
 *   vm poweroff NAME, vm qmp NAME COMMAND.
 * Return: the exit code.
 */
int vmcmd_main(const char *cmd, const struct vmcmd_opts *o, int argc, char **argv);

/**
 * vmcmd_check_errors() - print the VM sections' errors of @c on stderr,
 * one "FILE:LINE: message" each.
 * Return: their number.
 */
int vmcmd_check_errors(const struct conf *c);

/** vmcmd_check_summary() - one line per declared VM on @out (none without VMs). */
void vmcmd_check_summary(FILE *out, const struct conf *c);

/** vmcmd_usage() - the usage lines of these commands. */
void vmcmd_usage(FILE *out);
