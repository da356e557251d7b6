// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-devns.c - libFuzzer harness for devns_add_args(), the reader of
 * the /dev paths in a VM's qemu and args words (the config's bytes), whose
 * result root acts on in the child (mknod(2), mount(2) under /dev). On a
 * scratch root with a few device stand-ins, a directory and a link, the
 * input's lines are the words. Promises checked: every entry's path is a
 * clean path under /dev (no empty, "." or ".." component) that fits, no
 * path is listed twice, a word-named node keeps its tree owner (never the
 * VM user's), and a refusal says why.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/strv.h"
#include "basic/sysfs.h"
#include "vm/devns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define VM_UID 4242

static void make_root(void)
{
	static char root[64];
	static const char *const files[] = {"/dev/sdb", "/dev/kvmfr0", "/dev/vfio/7", "/dev/net/tun"};
	char p[128];

	if (root[0])
		return;
	snprintf(root, sizeof(root), "/tmp/fuzz-devns.%d", (int)getpid());
	mkdir(root, 0755);
	for (const char *d = "/dev\0/dev/vfio\0/dev/net\0/dev/shm\0/dev/dir\0"; *d; d += strlen(d) + 1) {
		snprintf(p, sizeof(p), "%s%s", root, d);
		mkdir(p, 0755);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", root, files[i]);
		close(open(p, O_WRONLY | O_CREAT, 0640));
	}
	snprintf(p, sizeof(p), "%s/dev/disk", root);
	symlink("sdb", p);
	root_set(root);
}

static void check(const struct devns *ns)
{
	for (size_t i = 0; i < ns->n; i++) {
		const struct devns_entry *e = &ns->v[i];
		size_t len = strnlen(e->path, sizeof(e->path));

		if (len == sizeof(e->path) || strncmp(e->path, "/dev/", 5) != 0 || strstr(e->path, "//") ||
		    strstr(e->path, "/./") || strstr(e->path, "/../") || e->path[len - 1] == '/' ||
		    (len >= 3 && strcmp(e->path + len - 3, "/..") == 0) ||
		    (len >= 2 && strcmp(e->path + len - 2, "/.") == 0))
			abort();
		if ((e->kind == DEVNS_NODE || e->kind == DEVNS_STANDIN) && e->uid == VM_UID)
			abort();
		for (size_t j = i + 1; j < ns->n; j++)
			if (strcmp(e->path, ns->v[j].path) == 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strv av = {0};
	struct devns ns;
	char why[1024];
	size_t start = 0, bad = 0;
	int r;

	make_root();
	if (devns_init(&ns, "/nonexistent", VM_UID, VM_UID) < 0)
		abort();
	for (size_t i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n' || data[i] == '\0') {
			if (strv_push(&av, (const char *)data + start, i - start) < 0)
				abort();
			start = i + 1;
		}
	}
	r = devns_add_args(&ns, &av, &bad, why, sizeof(why));
	if (r < 0 && ((why[0] == '\0' && r != -ENOMEM) || bad >= av.n))
		abort();
	check(&ns);
	devns_free(&ns);
	strv_free(&av);
	return 0;
}
