/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * command.h - vfiobind's commands and the two programs made of them.
 *
 * kmod's tools/ is the model: main.c parses the options and finds the
 * command in a table; each command is a file of its own (bind.c,
 * check.c, ...). Two tables, two programs, one library below them:
 *
 *   host.c  the installed vfiobind: every command, --json.
 *   boot.c  what an initramfs carries as /usr/bin/vfiobind: bind, plan,
 *           list, status, check. The static linker takes from the library
 *           only what a table reaches, so the launcher, doctor, the image
 *           reader, the completion helper and the JSON writer never get
 *           into an image (tests/layers.sh and check-boot-flavour prove it).
 *
 * A command returns an exit code (basic/exitcode.h); it is the only
 * layer besides main() that prints usage errors.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "config/cmdline.h"
#include "plan/plan.h"
#include "system/kmodule.h"
#include "system/pci.h"

/* The options, the same before and after the command (`vfiobind list
 * --json` and `vfiobind --json list`). */
struct opts {
	const char *root;
	const char *config;
	bool quiet;
	bool debug;
	bool devices_only;  /* check: [vm] section errors are warnings */
	const char *record; /* check: the image's /etc/vfiobind.d, being built */
	bool json;	    /* list, plan, status, doctor: JSON on stdout */
};

/* The JSON writers of a program that has them (report/reportjson.h). */
struct json_ops {
	void (*plan)(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km,
		     const struct cmdline *cl);
	void (*list)(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km);
	bool (*status)(FILE *out, const struct plan *p, const struct pci_list *pci, struct kmodule *km,
		       const struct cmdline *cl, const char *stale);
};

enum {
	CMD_JSON = 1 << 0,   /* takes --json */
	CMD_RECORD = 1 << 1, /* takes --devices-only and --record */
	CMD_HIDDEN = 1 << 2, /* not in --help (complete) */
};

struct command {
	const char *name;
	/* Its lines of --help's "Commands:", each "  NAME ARGS  text\n". */
	const char *usage;
	/* argv[0] is the command's first argument; argc may be 0. */
	int (*run)(const struct opts *o, int argc, char **argv);
	unsigned flags;
};

struct program {
	const char *what; /* a line under "Usage:": which program this is */
	const struct command *cmds;
	const struct json_ops *json; /* NULL: this program has no --json */
};

/* The one program this binary is: host.c or boot.c defines it. */
extern const struct program program;

/**
 * cmd_want_args() - check a command's argument count.
 * @what: the command and its arguments as the user types them
 *        ("qemu-args NAME"), for the message.
 * @min, @max: the counts allowed.
 * Return: true when @argc is in range; else prints "vfiobind: WHAT takes
 * ..." on stderr and returns false (the caller exits 2).
 */
bool cmd_want_args(const char *what, int argc, int min, int max);

/* The commands, one file each. */
int cmd_bind(const struct opts *o, int argc, char **argv);
int cmd_plan(const struct opts *o, int argc, char **argv);
int cmd_list(const struct opts *o, int argc, char **argv);
int cmd_status(const struct opts *o, int argc, char **argv);
int cmd_check(const struct opts *o, int argc, char **argv);
int cmd_doctor(const struct opts *o, int argc, char **argv);
int cmd_complete(const struct opts *o, int argc, char **argv);
int cmd_qemu_args(const struct opts *o, int argc, char **argv);
int cmd_release(const struct opts *o, int argc, char **argv);
int cmd_vm(const struct opts *o, int argc, char **argv);

/* The usage lines of the commands both programs have. */
#define USAGE_BIND                                                                                      \
	"  bind [ADDRESS]     bind the declared functions to vfio-pci, verify, write\n"                 \
	"                     /run/vfiobind/status, log to /dev/kmsg (the initramfs hooks run this);\n" \
	"                     with ADDRESS (0000:05:00.0), only that function if declared (udev runs this)\n"
#define USAGE_PLAN   "  plan               show what bind would do to each function; touches nothing\n"
#define USAGE_LIST   "  list               every PCI function by IOMMU group; '*' marks declared ones\n"
#define USAGE_STATUS "  status             declared against actual; exit 0 only when all are on vfio-pci\n"
#define USAGE_CHECK  "  check [FILE]       check a config (default /etc/vfiobind.conf); touches nothing\n"
