// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm.c - the VM launcher's commands in the host program: qemu-args,
 * release and the vm check|run|poweroff|qmp family. They live with the
 * launcher (vm/command.c); this only hands them the options.
 */
#include "cmd/command.h"
#include "vm/command.h"

static int vm_family(const char *cmd, const struct opts *o, int argc, char **argv)
{
	struct vmcmd_opts vo = {.config = o->config, .quiet = o->quiet, .debug = o->debug};

	return vmcmd_main(cmd, &vo, argc, argv);
}

int cmd_qemu_args(const struct opts *o, int argc, char **argv)
{
	return vm_family("qemu-args", o, argc, argv);
}

int cmd_release(const struct opts *o, int argc, char **argv)
{
	return vm_family("release", o, argc, argv);
}

int cmd_vm(const struct opts *o, int argc, char **argv)
{
	return vm_family("vm", o, argc, argv);
}
