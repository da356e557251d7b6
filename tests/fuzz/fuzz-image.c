// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-image.c - libFuzzer harness for doctor's initramfs image reader,
 * cpio_walk_memory() (doctor/image.h): the kernel's outer loop over
 * segments (uncompressed cpio, NUL padding, compressed streams whose end
 * zlib, libzstd, liblzma or libbz2 finds) and libarchive's cpio reader and
 * filters behind it, on an image file anyone who can write /boot wrote.
 *
 * Input: the whole image, in memory as cpio_walk_image() maps it.
 *
 * Promises checked (abort() when broken): the walk returns 0, the
 * callback's own stop value, or one of the documented errors (-EINVAL,
 * -ENOEXEC, -E2BIG, -ENOMEM); every name it hands over has no leading
 * "./" or "/" and is the name want() was asked about for that member;
 * content comes only for members want() asked for, never over
 * CPIO_MAX_KEEP bytes, and is readable to its last byte; never more than
 * IMAGE_MAX_ENTRIES callbacks; nothing after a stop; the layout is a
 * NUL-terminated list of known words, and @unread is set only on a
 * successful walk, to "lz4".
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STOP 42 /* the callback's value for a member named "STOP" */

struct run {
	unsigned long calls;
	bool stopped;
	bool asked; /* want() was asked about the member cb gets next */
	bool wanted;
	char asked_name[4096 + 1];
	unsigned sum;
};

static void check_name(const char *name)
{
	if (name == NULL)
		abort();
	if (name[0] == '/' || (name[0] == '.' && name[1] == '/'))
		abort();
}

/* Wants every member whose name has an odd length: the content path and
 * the skip path both run. */
static int want(void *ctx, const char *name)
{
	struct run *r = ctx;
	size_t n;

	check_name(name);
	if (r->stopped || r->asked)
		abort(); /* asked after a stop, or twice before one callback */
	n = strlen(name);
	r->asked = true;
	r->wanted = n % 2 == 1;
	if (n < sizeof(r->asked_name))
		memcpy(r->asked_name, name, n + 1);
	else
		r->asked_name[0] = '\0';
	return r->wanted;
}

static int member(void *ctx, const char *name, mode_t mode, const unsigned char *content, size_t len)
{
	struct run *r = ctx;

	(void)mode;
	check_name(name);
	if (r->stopped)
		abort();
	if (++r->calls > IMAGE_MAX_ENTRIES)
		abort();
	if (r->asked && strlen(name) < sizeof(r->asked_name) && strcmp(name, r->asked_name) != 0)
		abort();
	if (content) {
		if (len > CPIO_MAX_KEEP || !r->asked || !r->wanted)
			abort();
		for (size_t i = 0; i < len; i++) /* ASan: readable to the end */
			r->sum += content[i];
	}
	r->asked = false;
	if (strcmp(name, "STOP") == 0) {
		r->stopped = true;
		return STOP;
	}
	return 0;
}

static bool known_word(const char *p, size_t n, bool prefix)
{
	static const char *const words[] = {"cpio", "gzip", "xz", "lzma", "zstd", "lz4", "bzip2"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if ((prefix ? strlen(words[i]) >= n : strlen(words[i]) == n) && strncmp(p, words[i], n) == 0)
			return true;
	return false;
}

/* "word + word + ...", where a full buffer may end in a cut word or " +". */
static void check_layout(const struct image_layout *l, int rc)
{
	const char *p = l->what;
	size_t len;
	bool full;

	if (memchr(l->what, '\0', sizeof(l->what)) == NULL)
		abort();
	len = strlen(l->what);
	full = len == sizeof(l->what) - 1;
	while (*p) {
		size_t n = strcspn(p, " ");

		if (!known_word(p, n, full && p[n] == '\0'))
			abort();
		p += n;
		if (strncmp(p, " + ", 3) == 0)
			p += 3;
		else if (*p && !(full && strncmp(" + ", p, strlen(p)) == 0))
			abort();
		else
			break;
	}
	if (l->unread && (rc != 0 || strcmp(l->unread, "lz4") != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	struct image_layout l;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&l, 'x', sizeof(l));
	rc = cpio_walk_memory(data, size, want, member, &r, &l);
	if (rc != 0 && rc != -EINVAL && rc != -ENOEXEC && rc != -E2BIG && rc != -ENOMEM && rc != STOP)
		abort();
	if ((rc == STOP) != r.stopped)
		abort();
	check_layout(&l, rc);
	return 0;
}
