// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-handover.c - libFuzzer harness for handed_record_parse(), the
 * reader of the launcher's hand-over records (/run/vfiobind/vm/NAME/handed,
 * /var/lib/vfiobind/NAME.handed), which root acts on: every entry it
 * returns is one chown(2) may be given (a uid and gid that are not -1,
 * permissions within 07777, the type of a regular file or a device, an
 * absolute path without a newline), a rejected record returns nothing and
 * names its line, and what handed_record_format() writes of the entries
 * parses back to the same entries.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vm/handover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const struct handed *h)
{
	mode_t type = h->mode & S_IFMT;

	if (h->uid == (uid_t)-1 || h->gid == (gid_t)-1 || (h->mode & ~(mode_t)(S_IFMT | 07777)))
		abort();
	if (type != 0 && type != S_IFREG && type != S_IFBLK && type != S_IFCHR)
		abort();
	if (h->path[0] != '/' || strchr(h->path, '\n'))
		abort();
}

static bool same(const struct handed *a, const struct handed *b)
{
	return a->uid == b->uid && a->gid == b->gid && a->mode == b->mode && a->dev == b->dev && a->ino == b->ino &&
	       strcmp(a->path, b->path) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct handed *h, *h2;
	size_t n, n2, len = 0;
	char err[512], *text = NULL;
	FILE *f;
	int r;

	r = handed_record_parse((const char *)data, size, "fuzz", &h, &n, err, sizeof(err));
	if (r < 0) {
		/* Rejected: nothing returned, and the line named. */
		if (r != -EINVAL || h != NULL || n != 0 || strncmp(err, "fuzz:", 5) != 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		check_entry(&h[i]);
	f = open_memstream(&text, &len);
	if (f == NULL) {
		free(h);
		return 0;
	}
	if (handed_record_format(f, h, n) != 0)
		abort();
	fclose(f);
	if (handed_record_parse(text, len, "again", &h2, &n2, err, sizeof(err)) != 0 || n2 != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!same(&h[i], &h2[i]))
			abort();
	free(text);
	free(h);
	free(h2);
	return 0;
}
