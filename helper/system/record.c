// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * record.c - the image build's record of protected functions and
 * predicted blockers: written at build time, read at boot.
 */
#include "system/record.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/str.h"
#include "basic/sysfs.h"

int record_list_add(struct record_list *l, const char *fn, const char *text)
{
	struct record_line *v;

	if (record_list_find(l, fn))
		return 0;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	l->v = v;
	str_copy(v[l->n].fn, sizeof(v[l->n].fn), fn);
	str_copy(v[l->n].text, sizeof(v[l->n].text), text);
	l->n++;
	return 0;
}

const char *record_list_find(const struct record_list *l, const char *fn)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].fn, fn) == 0)
			return l->v[i].text;
	return NULL;
}

void record_list_free(struct record_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* "0000:04:00.0": exactly the sysfs form, lower-case hex. */
static bool fn_valid(const char *s, size_t len)
{
	static const char shape[] = "xxxx:xx:xx.x";

	if (len != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (shape[i] != 'x' ? s[i] != shape[i]
				    : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s[len - 1] <= '7'; /* a function number is 0..7 */
}

/* Return: 1 read, 0 no file, -EINVAL malformed (logged), -ENOMEM. */
static int read_list(const char *name, struct record_list *l)
{
	char path[PATH_MAX], line[1024];
	unsigned no = 0;
	int r = 1;
	FILE *f;

	if (root_path(path, sizeof(path), RECORD_DIR "/%s", name) < 0)
		return 0;
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (r > 0 && fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");
		size_t fl = strcspn(line, " \t\n");
		const char *text = line + fl + strspn(line + fl, " \t");

		no++;
		if (line[len] != '\n' && !feof(f)) {
			WRN("%s/%s:%u: line too long; the image build's record is not used", RECORD_DIR, name, no);
			r = -EINVAL;
			break;
		}
		line[len] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!fn_valid(line, fl) || text[0] == '\0') {
			WRN("%s/%s:%u: not \"ADDRESS TEXT\": '%.80s'; the image build's record is not used", RECORD_DIR,
			    name, no, line);
			r = -EINVAL;
			break;
		}
		line[fl] = '\0';
		if (record_list_add(l, line, text) < 0)
			r = -ENOMEM;
	}
	fclose(f);
	if (r < 0)
		record_list_free(l);
	return r;
}

int record_read(struct record *rec)
{
	int r;

	memset(rec, 0, sizeof(*rec));
	r = read_list(RECORD_PROTECTED, &rec->prot);
	if (r == -ENOMEM)
		return r;
	rec->present = r > 0;
	if (!rec->present)
		return 0;
	r = read_list(RECORD_BLOCKERS, &rec->block);
	return r == -ENOMEM ? r : 0;
}

void record_free(struct record *rec)
{
	record_list_free(&rec->prot);
	record_list_free(&rec->block);
	rec->present = false;
}

struct list_args {
	const char *head;
	const struct record_list *l;
};

static int print_list(FILE *f, void *arg)
{
	const struct list_args *a = arg;

	fprintf(f, "# vfiobind: written by `vfiobind check --record` at image build; read by `vfiobind bind`\n# %s\n",
		a->head);
	for (size_t i = 0; i < a->l->n; i++)
		fprintf(f, "%s %s\n", a->l->v[i].fn, a->l->v[i].text);
	return 0;
}

/* Atomically: an image tool that copies the directory while a second
 * build runs never takes a short protected file, which would mean
 * "no record" at boot and a storage guard failing closed. */
static int write_list(const char *dir, const char *name, const char *head, const struct record_list *l)
{
	struct list_args a = {head, l};
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	return write_atomic_stream(path, 0644, print_list, &a);
}

int record_write(const char *dir, const struct record_list *prot, const struct record_list *block)
{
	int r;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	r = write_list(dir, RECORD_PROTECTED, "PCI functions the host needs: bind refuses them unless 'force'", prot);
	if (r == 0)
		r = write_list(dir, RECORD_BLOCKERS,
			       "functions coldplug would give a host driver: their IOMMU groups need them declared",
			       block);
	return r;
}
