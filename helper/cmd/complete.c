// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * complete.c - `vfiobind complete WHAT`, the hidden command the shell
 * completions (completions/) call for candidates only the system knows:
 * declared functions and slots, functions on vfio-pci, VM names. The
 * shells never parse the config themselves, so a completion cannot drift
 * from what the helper reads. Reads what every command reads
 * (config_load(), pci_scan()) and prints plain words.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/exitcode.h"
#include "basic/log.h"
#include "cmd/command.h"
#include "config/conf.h"
#include "config/load.h"
#include "config/vmconf.h"
#include "system/pci.h"

#define VFIO_PCI "vfio-pci"

struct words {
	char (*w)[PCI_ADDR_STRLEN + 1];
	size_t n;
	size_t cap;
};

static int words_add(struct words *ws, const char *s)
{
	if (ws->n == ws->cap) {
		size_t cap = ws->cap ? 2 * ws->cap : 32;
		void *p = realloc(ws->w, cap * sizeof(*ws->w));

		if (p == NULL)
			return -1;
		ws->w = p;
		ws->cap = cap;
	}
	snprintf(ws->w[ws->n++], sizeof(*ws->w), "%s", s);
	return 0;
}

static int word_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void words_print(struct words *ws)
{
	if (ws->n == 0)
		return; /* qsort() wants a non-NULL base even for no elements */
	qsort(ws->w, ws->n, sizeof(*ws->w), word_cmp);
	for (size_t i = 0; i < ws->n; i++)
		if (i == 0 || strcmp(ws->w[i], ws->w[i - 1]) != 0)
			printf("%s\n", ws->w[i]);
}

static void complete_devices(const struct conf *c)
{
	struct pci_list pci = {0};
	struct words ws = {0};
	char buf[PCI_ADDR_STRLEN];
	bool scanned = pci_scan(&pci) == 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct selector *s = &c->sel[i];

		if (s->kind == SEL_FUNCTION) {
			pci_addr_format(&s->addr, buf);
			words_add(&ws, buf);
		} else if (s->kind == SEL_SLOT) {
			pci_slot_format(&s->addr, buf);
			words_add(&ws, buf);
		}
		for (size_t j = 0; scanned && s->kind == SEL_ID && j < pci.n; j++)
			if (pci.f[j].id.vendor == s->id.vendor && pci.f[j].id.device == s->id.device)
				words_add(&ws, pci.f[j].name);
	}
	for (size_t j = 0; scanned && j < pci.n; j++)
		if (strcmp(pci.f[j].driver, VFIO_PCI) == 0)
			words_add(&ws, pci.f[j].name);
	words_print(&ws);
	free(ws.w);
	pci_list_free(&pci);
}

static void complete_vms(const struct conf *c)
{
	for (size_t i = 0; c->vms && i < c->vms->n; i++)
		printf("%s\n", c->vms->vm[i].name);
}

/**
 * cmd_complete() - print the candidates of @what, one per line, sorted,
 * each once:
 *   devices  every function or slot the device list declares (IDs resolved
 *            against sysfs) and every function now on vfio-pci: what
 *            `release` takes
 *   vms      the names of the [vm NAME] sections: what `qemu-args` and
 *            `vm ...` take
 * @o->config: --config FILE, or NULL for /etc/vfiobind.conf under the root
 *          prefix (root_set() already called).
 *
 * A completion must never print errors into the user's command line: a
 * missing or broken config, or no sysfs, gives fewer candidates, nothing
 * on stderr.
 * Return: the exit code: 0, or 2 (usage) for an unknown @what.
 */
int cmd_complete(const struct opts *o, int argc, char **argv)
{
	struct conf c = {0};
	struct cmdline cl = {0};
	struct diags errs = {0}, warns = {0};
	char path[PATH_MAX];
	const char *name;
	bool devices;

	if (argc != 1 || (strcmp(argv[0], "devices") != 0 && strcmp(argv[0], "vms") != 0)) {
		fprintf(stderr, "vfiobind: complete takes one of: devices vms\n");
		return EXIT_USAGE;
	}
	devices = strcmp(argv[0], "devices") == 0;
	log_setup(NULL, false, LOG_PRIO_ERR);
	/* Whatever parsed is offered; the errors are check's to report. */
	if (config_load(o->config, false, path, &name, &c, &cl, &errs, &warns) >= 0) {
		if (devices)
			complete_devices(&c);
		else
			complete_vms(&c);
	}
	conf_free(&c);
	diags_free(&errs);
	diags_free(&warns);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_SYSTEM;
}
