// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-record.c - libFuzzer harness for the image record reader
 * (record_read(), system/record.h): the boot reads
 * <root>/etc/vfiobind.d/{protected,blockers}, files an image build wrote
 * but that anything with write access to /boot may have changed.
 *
 * Input: the protected file, then, after the first 0x00 byte, the blockers
 * file (absent when there is no 0x00). Both are written under a temp root
 * made once per process.
 *
 * Promises checked (abort() when broken):
 *  - every string read is NUL-terminated within its field;
 *  - a record read as present lists at most as many holding functions as
 *    functions, and writing it back with record_write() and reading that
 *    again gives a present record with the same tie, functions, blockers
 *    and untraced mounts (the \ooo escaping of mounts round-trips).
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
#include "system/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[PATH_MAX];
static char dir[PATH_MAX];

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/fuzz-record.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(root) == NULL)
		abort();
	snprintf(dir, sizeof(dir), "%s/etc", root);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		abort();
	snprintf(dir, sizeof(dir), "%s%s", root, RECORD_DIR);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		abort();
	if (root_set(root) < 0)
		abort();
	log_setup(NULL, false, 0);
}

static void put(const char *name, const void *buf, size_t len)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len) || close(fd) < 0)
		abort();
}

static void drop(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (unlink(p) < 0 && errno != ENOENT)
		abort();
}

static void check_strings(const struct record *r)
{
	const struct record_list *lists[] = {&r->prot, &r->ident, &r->block};

	if (!memchr(r->tie.machine_id, 0, sizeof(r->tie.machine_id)) || !memchr(r->tie.root, 0, sizeof(r->tie.root)))
		abort();
	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			if (!memchr(lists[l]->v[i].fn, 0, sizeof(lists[l]->v[i].fn)) ||
			    !memchr(lists[l]->v[i].text, 0, sizeof(lists[l]->v[i].text)))
				abort();
	for (size_t i = 0; i < r->untraced.n; i++)
		if (!memchr(r->untraced.v[i].mount, 0, sizeof(r->untraced.v[i].mount)) ||
		    !memchr(r->untraced.v[i].why, 0, sizeof(r->untraced.v[i].why)))
			abort();
}

static void same_list(const struct record_list *a, const struct record_list *b)
{
	if (a->n != b->n)
		abort();
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].fn, b->v[i].fn) != 0 || strcmp(a->v[i].text, b->v[i].text) != 0)
			abort();
}

/* Written back and read again, a present record is the same record. */
static void round_trip(const struct record *r)
{
	struct record again = {0};
	struct pci_list none = {0};

	if (record_write(dir, &r->tie, &none, &r->prot, &r->untraced, &r->block) < 0)
		return; /* a name or reason too long to write is refused, not cut */
	if (record_read(&again) < 0)
		abort();
	check_strings(&again);
	if (!again.present || strcmp(again.tie.machine_id, r->tie.machine_id) != 0 ||
	    strcmp(again.tie.root, r->tie.root) != 0)
		abort();
	same_list(&r->prot, &again.prot);
	same_list(&r->block, &again.block);
	if (again.untraced.n != r->untraced.n)
		abort();
	for (size_t i = 0; i < r->untraced.n; i++)
		if (strcmp(again.untraced.v[i].mount, r->untraced.v[i].mount) != 0 ||
		    strcmp(again.untraced.v[i].why, r->untraced.v[i].why) != 0 ||
		    again.untraced.v[i].network != r->untraced.v[i].network)
			abort();
	record_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	struct record rec = {0};

	if (root[0] == '\0')
		setup();
	put(RECORD_PROTECTED, data, nul ? (size_t)(nul - data) : size);
	if (nul)
		put(RECORD_BLOCKERS, nul + 1, size - (size_t)(nul - data) - 1);
	else
		drop(RECORD_BLOCKERS);
	if (record_read(&rec) < 0)
		abort();
	check_strings(&rec);
	if (rec.present) {
		if (rec.prot.n > rec.ident.n)
			abort();
		round_trip(&rec);
	}
	record_free(&rec);
	return 0;
}
