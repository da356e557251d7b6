// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host.c - the installed vfiobind: every command, and --json.
 */
#include "cmd/command.h"
#include "report/reportjson.h"

static const struct command host_cmds[] = {
    {"bind", USAGE_BIND, cmd_bind, 0},
    {"plan", USAGE_PLAN, cmd_plan, CMD_JSON},
    {"list", USAGE_LIST, cmd_list, CMD_JSON},
    {"status", USAGE_STATUS, cmd_status, CMD_JSON},
    {"check", USAGE_CHECK, cmd_check, CMD_RECORD},
    {"doctor", "  doctor             check the whole chain, IOMMU to VM; each problem with its fix\n", cmd_doctor,
     CMD_JSON},
    {"qemu-args", "  qemu-args NAME     the -device options of VM NAME's functions, one per line\n", cmd_qemu_args, 0},
    {"release", "  release ADDR|SLOT  give functions on vfio-pci back to their host drivers for this boot\n",
     cmd_release, 0},
    {"vm",
     "  vm check NAME      whether VM NAME could start: its disks, functions and IOMMU groups\n"
     "  vm run NAME        start VM NAME headless and watch it (vfiobind-vm@NAME.service)\n"
     "  vm poweroff NAME   power the host off if VM NAME's guest shut itself down\n"
     "  vm qmp NAME CMD    send a QMP command (name or JSON object) to the running VM NAME\n",
     cmd_vm, 0},
    /* The shell completions' source of live candidates. */
    {"complete", NULL, cmd_complete, CMD_HIDDEN},
    {NULL, NULL, NULL, 0},
};

static const struct json_ops host_json = {
    .plan = report_plan_json,
    .list = report_list_json,
    .status = report_status_json,
};

const struct program program = {
    .what = "Hand chosen PCI functions to vfio-pci in early boot.",
    .cmds = host_cmds,
    .json = &host_json,
};
