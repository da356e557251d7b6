// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-modprobe.c - libFuzzer harness for the modprobe.d reader behind the
 * ids= warning (modprobe_find_ids()) against libkmod's own view
 * (kmodule_options_without()), and for the ids= stripping itself.
 *
 * Input: a mode byte, then up to two modprobe.d files split at the first
 * 0x01 byte. The first goes to /etc/modprobe.d/a.conf (mode bit 0:
 * /lib/modprobe.d/a.conf), the second to /lib/modprobe.d/a.conf (same name:
 * hidden by the first unless that too is in /lib, where it is the same
 * path) or, with mode bit 1, /lib/modprobe.d/b.conf. Files are written
 * under a temp root made once per process, a fresh libkmod context is
 * built on it for each input. The real /proc/cmdline is copied into the
 * root: libkmod reads it without the prefix, the reader under it.
 *
 * Promises checked (abort() when broken):
 *  - what vfio-pci is loaded with never sets ids=, split as the kernel
 *    splits it, and every dropped word does;
 *  - the reader names a place for ids= exactly when libkmod's options
 *    have ids=, once per ids= word, the same value, in the same order;
 *    every place it names is one of the files written, at a line they have;
 *  - on the raw input, modprobe_options_drop() keeps no ids= either.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/sysfs.h"
#include "system/kmodule.h"
#include "system/modprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OPTS_MAX 16384

static char root[PATH_MAX];

static void mkdirs(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	for (char *s = p + strlen(root) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		abort();
}

static void put(const char *rel, const void *buf, size_t len)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	f = fopen(p, "we");
	if (f == NULL || (len && fwrite(buf, 1, len, f) != len) || fclose(f) != 0)
		abort();
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmdline[4096];
	ssize_t n = 0;
	int fd;

	snprintf(root, sizeof(root), "%s/fuzz-modprobe.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(root) == NULL)
		abort();
	mkdirs("/etc/modprobe.d");
	mkdirs("/lib/modprobe.d");
	mkdirs("/proc");
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, cmdline, sizeof(cmdline));
		close(fd);
	}
	put("/proc/cmdline", cmdline, n > 0 ? (size_t)n : 0);
	if (root_set(root) < 0)
		abort();
	/* libkmod reports every bad line; the harness wants none of it. */
	log_setup(NULL, false, 0);
}

static void unlink_rel(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	unlink(p);
}

/* Physical lines of @len bytes: a last line without '\n' counts. */
static unsigned lines_of(const uint8_t *b, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += b[i] == '\n';
	return n + (len && b[len - 1] != '\n');
}

/* No word of @s sets ids=, split as the kernel splits it. */
static bool sets_no_ids(const char *s)
{
	struct kparam p;

	while (kparam_next(&s, &p))
		if (kparam_name_eq(p.name, p.name_len, "ids"))
			return false;
	return true;
}

static void check_raw(const uint8_t *data, size_t size)
{
	static char kept[OPTS_MAX], dropped[OPTS_MAX];
	char *s = malloc(size + 1);
	const char *d;
	struct kparam p;

	if (s == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	modprobe_options_drop(s, "ids", kept, dropped, sizeof(kept));
	if (!sets_no_ids(kept))
		abort();
	d = dropped;
	while (kparam_next(&d, &p))
		if (!kparam_name_eq(p.name, p.name_len, "ids"))
			abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char kept[OPTS_MAX], dropped[OPTS_MAX];
	const char *first_path, *second_path;
	const uint8_t *second = NULL, *cut;
	size_t first_len, second_len = 0, words = 0;
	struct modprobe_ids_list ids;
	struct kmodule *km;
	const char *d;
	struct kparam p;
	int r;

	if (root[0] == '\0')
		setup();
	if (size == 0)
		return 0;
	check_raw(data, size);

	first_path = data[0] & 1 ? "/lib/modprobe.d/a.conf" : "/etc/modprobe.d/a.conf";
	second_path = data[0] & 2 ? "/lib/modprobe.d/b.conf" : "/lib/modprobe.d/a.conf";
	data++;
	size--;
	cut = memchr(data, 0x01, size);
	first_len = cut ? (size_t)(cut - data) : size;
	if (cut) {
		second = cut + 1;
		second_len = size - first_len - 1;
	}
	unlink_rel("/etc/modprobe.d/a.conf");
	unlink_rel("/lib/modprobe.d/a.conf");
	unlink_rel("/lib/modprobe.d/b.conf");
	if (second)
		put(second_path, second, second_len);
	put(first_path, data, first_len); /* same path: the first wins */

	km = kmodule_open();
	if (km == NULL)
		abort();
	r = kmodule_options_without(km, "vfio-pci", "ids", kept, dropped, sizeof(kept));
	kmodule_close(km);
	if (r == -ENOMEM)
		return 0;
	if (r < 0)
		abort();
	if (!sets_no_ids(kept))
		abort();
	if (modprobe_find_ids("vfio-pci", &ids) < 0)
		abort();
	d = dropped;
	while (kparam_next(&d, &p)) {
		struct modprobe_ids *e;

		if (!kparam_name_eq(p.name, p.name_len, "ids") || words >= ids.n)
			abort();
		e = &ids.e[words++];
		/* The reader's value, cut at its buffer, is libkmod's. */
		if (strncmp(e->ids, p.val ? p.val : "", strlen(e->ids)) != 0 ||
		    (strlen(e->ids) < sizeof(e->ids) - 1 && strlen(e->ids) != p.val_len))
			abort();
		if (e->line == 0) {
			if (strcmp(e->file, "kernel command line") != 0)
				abort();
			continue;
		}
		if (strcmp(e->file, first_path) == 0 && e->line <= lines_of(data, first_len))
			continue;
		if (second && strcmp(second_path, first_path) != 0 && strcmp(e->file, second_path) == 0 &&
		    e->line <= lines_of(second, second_len))
			continue;
		abort();
	}
	if (words != ids.n)
		abort();
	modprobe_ids_free(&ids);
	return 0;
}
