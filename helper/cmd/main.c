// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - vfiobind's command line: parse the options, wherever they
 * stand, find the command in the program's table (host.c or boot.c) and
 * run it. Nothing below main exits or prints usage.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "basic/exitcode.h"
#include "basic/sysfs.h"
#include "cmd/command.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

/* Most arguments any command takes (vm qmp NAME COMMAND: 3). */
#define ARGS_MAX 8

static void usage_options(FILE *out)
{
	fprintf(out, "\n"
		     "Options:\n"
		     "  -r, --root DIR     take /sys, /proc, /etc, /run, /dev, /lib/modules under DIR\n"
		     "  -c, --config FILE  device list (default /etc/vfiobind.conf under the root)\n"
		     "  -q, --quiet        bind: log to the kernel log only, not to stderr\n"
		     "  -d, --debug        log debug messages (also: vfiobind.debug on the kernel command line)\n"
		     "  -D, --devices-only check: only device list errors count; [vm] section errors\n"
		     "                     are warnings (the initramfs hooks use this)\n"
		     "  -R, --record DIR   check: also check the list against this host (a declared\n"
		     "                     function below what it needs fails), then write what\n"
		     "                     bind must refuse at boot into DIR (the image's\n"
		     "                     /etc/vfiobind.d; the initramfs hooks use this)\n");
	if (program.json)
		fprintf(out,
			"  -j, --json         list, plan, status, doctor: JSON on stdout (README \"JSON output\")\n");
	fprintf(out, "  -h, --help         show this help (after a command: that command's)\n"
		     "  -V, --version      show the version\n"
		     "\n"
		     "Options go before or after the command; -- ends them.\n"
		     "Exit codes: 0 done, 1 some declared function not on vfio-pci, 2 usage,\n"
		     "3 config error (nothing done), 4 system error (no sysfs, no IOMMU, no vfio-pci).\n");
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: vfiobind [OPTIONS] COMMAND [ARGS] [OPTIONS]\n%s\n\nCommands:\n", program.what);
	for (const struct command *c = program.cmds; c->name; c++)
		if (!(c->flags & CMD_HIDDEN))
			fputs(c->usage, out);
	usage_options(out);
}

static void usage_command(FILE *out, const struct command *c)
{
	fprintf(out, "Usage: vfiobind [OPTIONS] %s%s\n\n", c->name, c->flags & CMD_HIDDEN ? " WHAT" : " ...");
	if (c->usage)
		fputs(c->usage, out);
	usage_options(out);
}

static const struct command *command_find(const char *name)
{
	for (const struct command *c = program.cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

bool cmd_want_args(const char *what, int argc, int min, int max)
{
	if (argc >= min && argc <= max)
		return true;
	if (max == 0)
		fprintf(stderr, "vfiobind: %s takes no arguments\n", what);
	else
		fprintf(stderr, "vfiobind: %s takes %s%d argument%s\n", what, min == max ? "" : "at most ", max,
			max == 1 ? "" : "s");
	return false;
}

/*
 * One getopt_long() pass over everything: a leading '-' in the option
 * string hands each non-option back in order (as option 1), so options
 * stand anywhere, whatever POSIXLY_CORRECT says, and the words keep
 * their order. "--" ends the options. Return: EXIT_OK, or EXIT_USAGE.
 */
static int parse(int argc, char **argv, struct opts *o, bool *help, bool *version, char **words, int *nwords)
{
	static const struct option longopts[] = {
	    {"root", required_argument, NULL, 'r'},   {"config", required_argument, NULL, 'c'},
	    {"quiet", no_argument, NULL, 'q'},	      {"debug", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},	      {"version", no_argument, NULL, 'V'},
	    {"devices-only", no_argument, NULL, 'D'}, {"record", required_argument, NULL, 'R'},
	    {"json", no_argument, NULL, 'j'},	      {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "-r:c:qdDR:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (*nwords == ARGS_MAX + 1)
				return EXIT_USAGE;
			words[(*nwords)++] = optarg;
			break;
		case 'r':
			o->root = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'D':
			o->devices_only = true;
			break;
		case 'R':
			o->record = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			*help = true;
			break;
		case 'V':
			*version = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++) {
		if (*nwords == ARGS_MAX + 1)
			return EXIT_USAGE;
		words[(*nwords)++] = argv[optind];
	}
	return EXIT_OK;
}

/* Options that belong to some commands only. Return: true when @c may take them. */
static bool options_fit(const struct opts *o, const struct command *c)
{
	if (o->json && program.json == NULL) {
		fprintf(stderr, "vfiobind: --json is not in this build (the initramfs's); the installed vfiobind "
				"has it\n");
		return false;
	}
	if (o->json && !(c->flags & CMD_JSON)) {
		fprintf(stderr, "vfiobind: %s has no --json (list, plan, status and doctor have)\n", c->name);
		return false;
	}
	if ((o->devices_only || o->record) && !(c->flags & CMD_RECORD)) {
		fprintf(stderr, "vfiobind: --devices-only and --record are options of check, not of %s\n", c->name);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	char *words[ARGS_MAX + 1];
	int nwords = 0;
	bool help = false, version = false;
	const struct command *c;

	if (parse(argc, argv, &o, &help, &version, words, &nwords) != EXIT_OK) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (version) {
		printf("vfiobind %s%s\n", VERSION, program.json ? "" : " (initramfs build)");
		return EXIT_OK;
	}
	if (nwords == 0) {
		usage(help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	c = command_find(words[0]);
	if (c == NULL) {
		fprintf(stderr, "vfiobind: unknown command '%s'\n", words[0]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (help) {
		usage_command(stdout, c);
		return EXIT_OK;
	}
	if (!options_fit(&o, c))
		return EXIT_USAGE;
	if (root_set(o.root) < 0) {
		fprintf(stderr, "vfiobind: --root: path too long\n");
		return EXIT_USAGE;
	}
	return c->run(&o, nwords - 1, words + 1);
}
