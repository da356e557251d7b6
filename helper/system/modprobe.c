// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modprobe.c - find the `ids=` of vfio-pci in modprobe.d and on the kernel
 * command line, say what it would take, and take it out of an option
 * string.
 */
#include "system/modprobe.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/str.h"
#include "basic/strv.h"
#include "basic/sysfs.h"
#include "config/selector.h"

/* libkmod's list and order (libkmod.c, default_config_paths). */
static const char *const conf_dirs[] = {"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d",
					"/usr/lib/modprobe.d", "/lib/modprobe.d"};

/* Module names: '-' and '_' are the same (modname_normalize()). */
static bool modname_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return i == alen && b[i] == '\0';
}

/* The next word of @s as the kernel splits parameters (lib/cmdline.c,
 * next_arg()): blanks separate, double quotes group. Returns its start and
 * sets *@wlen, or NULL at the end. */
static const char *next_word(const char **s, size_t *wlen)
{
	const char *p = *s, *start;
	bool quoted = false;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p == '\0') {
		*s = p;
		return NULL;
	}
	start = p;
	for (; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == ' ' || *p == '\t' || *p == '\n'))
			break;
	}
	*wlen = (size_t)(p - start);
	*s = p;
	return start;
}

/* Whether word @w (@n bytes) sets @param: "ids=..." or a bare "ids". */
static bool word_sets(const char *w, size_t n, const char *param)
{
	size_t pl = strlen(param);

	return n >= pl && strncmp(w, param, pl) == 0 && (n == pl || w[pl] == '=');
}

static void copy_value(char *dst, size_t len, const char *w, size_t n)
{
	const char *eq = memchr(w, '=', n);

	if (eq == NULL) {
		dst[0] = '\0';
		return;
	}
	n -= (size_t)(eq + 1 - w);
	w = eq + 1;
	if (n >= 2 && w[0] == '"' && w[n - 1] == '"') {
		w++;
		n -= 2;
	}
	snprintf(dst, len, "%.*s", (int)n, w);
}

static int ids_add(struct modprobe_ids_list *l, const char *file, unsigned line, const char *w, size_t n)
{
	struct modprobe_ids *v = realloc(l->e, (l->n + 1) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	l->e = v;
	v = &l->e[l->n++];
	snprintf(v->file, sizeof(v->file), "%s", file);
	v->line = line;
	copy_value(v->ids, sizeof(v->ids), w, n);
	return 0;
}

/* One logical line: "options MODULE WORD...". */
static int scan_line(const char *s, const char *module, const char *file, unsigned line, struct modprobe_ids_list *out)
{
	const char *w;
	size_t n;

	w = next_word(&s, &n);
	if (w == NULL || !str_span_eq(w, n, "options"))
		return 0;
	w = next_word(&s, &n);
	if (w == NULL || !modname_eq(w, n, module))
		return 0;
	while ((w = next_word(&s, &n)) != NULL) {
		if (word_sets(w, n, "ids")) {
			int r = ids_add(out, file, line, w, n);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int scan_file(const char *path, const char *name, const char *module, struct modprobe_ids_list *out)
{
	char buf[4096], logical[8192];
	unsigned lineno = 0, first = 0;
	size_t used = 0;
	FILE *f = fopen(path, "re");
	int r = 0;

	if (f == NULL)
		return 0;
	logical[0] = '\0';
	while (r == 0 && fgets(buf, sizeof(buf), f)) {
		size_t n = strcspn(buf, "\n");
		bool cont;

		lineno++;
		buf[n] = '\0';
		if (used == 0)
			first = lineno;
		cont = n > 0 && buf[n - 1] == '\\';
		if (cont)
			buf[--n] = '\0';
		if (used + n + 2 < sizeof(logical)) {
			memcpy(logical + used, buf, n);
			used += n;
			logical[used++] = ' ';
			logical[used] = '\0';
		}
		if (cont)
			continue;
		logical[strcspn(logical, "#")] = '\0';
		r = scan_line(logical, module, name, first, out);
		used = 0;
		logical[0] = '\0';
	}
	fclose(f);
	return r;
}

static bool conf_name(const char *n)
{
	size_t l = strlen(n);

	return n[0] != '.' && l > 5 && strcmp(n + l - 5, ".conf") == 0;
}

/* The *.conf names of every directory, sorted, each once. */
static int collect_names(struct strv *names)
{
	char dir[PATH_MAX];
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(conf_dirs) / sizeof(conf_dirs[0]); i++) {
		struct dirent *de;
		DIR *d;

		if (root_path(dir, sizeof(dir), "%s", conf_dirs[i]) < 0) {
			r = -ENAMETOOLONG;
			break;
		}
		d = opendir(dir);
		if (d == NULL)
			continue;
		while (r == 0 && (de = readdir(d)) != NULL)
			if (conf_name(de->d_name) && !strv_contains(names, de->d_name))
				r = strv_push(names, de->d_name, strlen(de->d_name));
		closedir(d);
	}
	if (r < 0) {
		strv_free(names);
		return r;
	}
	strv_sort(names);
	return 0;
}

/* "vfio-pci.ids=..." words of the kernel command line. */
static int scan_cmdline(const char *module, struct modprobe_ids_list *out)
{
	char path[PATH_MAX], buf[4096];
	const char *s = buf, *w;
	size_t n;

	if (root_path(path, sizeof(path), "/proc/cmdline") < 0 || sysfs_read_attr(path, buf, sizeof(buf)) < 0)
		return 0;
	while ((w = next_word(&s, &n)) != NULL) {
		const char *dot = memchr(w, '.', n);

		if (str_span_eq(w, n, "--"))
			break; /* the rest belongs to init */
		if (dot == NULL || !modname_eq(w, (size_t)(dot - w), module))
			continue;
		if (word_sets(dot + 1, n - (size_t)(dot + 1 - w), "ids")) {
			int r = ids_add(out, "kernel command line", 0, dot + 1, n - (size_t)(dot + 1 - w));

			if (r < 0)
				return r;
		}
	}
	return 0;
}

int modprobe_find_ids(const char *module, struct modprobe_ids_list *out)
{
	char path[PATH_MAX], shown[PATH_MAX];
	struct strv names = {0};
	int r;

	memset(out, 0, sizeof(*out));
	r = collect_names(&names);
	if (r < 0)
		return r;
	for (size_t i = 0; i < names.n && r == 0; i++) {
		/* The first directory that has the name wins (libkmod's
		 * conf_files_filter_out() and its sorted merge). */
		for (size_t j = 0; j < sizeof(conf_dirs) / sizeof(conf_dirs[0]); j++) {
			struct stat st;

			snprintf(shown, sizeof(shown), "%s/%s", conf_dirs[j], names.v[i]);
			if (root_path(path, sizeof(path), "%s", shown) < 0) {
				r = -ENAMETOOLONG;
				break;
			}
			if (stat(path, &st) < 0)
				continue;
			/* A link to /dev/null masks the name. */
			if (S_ISREG(st.st_mode))
				r = scan_file(path, shown, module, out);
			break;
		}
	}
	strv_free(&names);
	if (r == 0)
		r = scan_cmdline(module, out);
	if (r < 0)
		modprobe_ids_free(out);
	return r;
}

void modprobe_ids_free(struct modprobe_ids_list *l)
{
	free(l->e);
	memset(l, 0, sizeof(*l));
}

void modprobe_options_drop(const char *opts, const char *param, char *kept, char *dropped, size_t len)
{
	const char *s = opts ? opts : "", *w;
	size_t n;

	kept[0] = '\0';
	dropped[0] = '\0';
	while ((w = next_word(&s, &n)) != NULL) {
		char *dst = word_sets(w, n, param) ? dropped : kept;

		str_append(dst, len, "%s%.*s", dst[0] ? " " : "", (int)n, w);
	}
}
