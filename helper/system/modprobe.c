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

/* The kernel's isspace() (lib/ctype.c): ASCII blanks and Latin-1 NBSP. */
static bool kspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || (unsigned char)c == 0xa0;
}

bool kparam_next(const char **s, struct kparam *p)
{
	const char *a = *s, *word;
	size_t i, equals = 0, end, vstart = 0;
	bool in_quote = false, quoted = false, vquoted = false;

	while (kspace(*a))
		a++;
	if (*a == '\0') {
		*s = a;
		return false;
	}
	word = a;
	if (*a == '"') {
		a++;
		in_quote = quoted = true;
	}
	for (i = 0; a[i]; i++) {
		if (kspace(a[i]) && !in_quote)
			break;
		if (equals == 0 && a[i] == '=')
			equals = i;
		if (a[i] == '"')
			in_quote = !in_quote;
	}
	end = i;
	if (equals) {
		vstart = equals + 1;
		if (a[vstart] == '"') {
			vstart++;
			vquoted = true;
		}
	}
	/* next_arg() writes a NUL over a closing quote at the end of the word,
	 * once for a quoted value and once for a quoted word: the same byte. */
	if ((vquoted || quoted) && i > 0 && a[i - 1] == '"')
		end = i - 1;
	p->word = word;
	p->word_len = (size_t)(a + i - word);
	p->name = a;
	p->name_len = equals ? equals : end;
	p->val = equals ? a + (vstart < end ? vstart : end) : NULL;
	p->val_len = equals && vstart < end ? end - vstart : 0;
	*s = a + i;
	return true;
}

bool kparam_name_eq(const char *a, size_t n, const char *b)
{
	return modname_eq(a, n, b);
}

/* Whether @p sets @param ("ids=..." or a bare "ids"). */
static bool param_sets(const struct kparam *p, const char *param)
{
	return kparam_name_eq(p->name, p->name_len, param);
}

static int ids_add(struct modprobe_ids_list *l, const char *file, unsigned line, const struct kparam *p)
{
	struct modprobe_ids *v = realloc(l->e, (l->n + 1) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	l->e = v;
	v = &l->e[l->n++];
	snprintf(v->file, sizeof(v->file), "%s", file);
	v->line = line;
	snprintf(v->ids, sizeof(v->ids), "%.*s", (int)p->val_len, p->val ? p->val : "");
	return 0;
}

/* A word of a modprobe.d line as libkmod splits them (strtok_r() on
 * blanks and tabs, libkmod-config.c kmod_config_parse()). */
static const char *conf_word(const char **s, size_t *n)
{
	const char *p = *s, *w;

	p += strspn(p, " \t");
	if (*p == '\0')
		return NULL;
	w = p;
	p += strcspn(p, " \t");
	*n = (size_t)(p - w);
	*s = p;
	return w;
}

/* One logical line: "options MODULE OPTIONS". libkmod hands OPTIONS to the
 * kernel as written (kmod_config_add_options(), tabs made blanks), and the
 * kernel splits them with next_arg(): tokenised the same way here. */
static int scan_line(const char *s, const char *module, const char *file, unsigned line, struct modprobe_ids_list *out)
{
	struct kparam p;
	const char *w;
	size_t n;

	w = conf_word(&s, &n);
	if (w == NULL || !str_span_eq(w, n, "options"))
		return 0;
	w = conf_word(&s, &n);
	if (w == NULL || !modname_eq(w, n, module))
		return 0;
	while (kparam_next(&s, &p)) {
		if (param_sets(&p, "ids")) {
			int r = ids_add(out, file, line, &p);

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

/* "vfio-pci.ids=..." parameters of the kernel command line, split as the
 * kernel splits them (parse_args(), next_arg(): quotes around the word or
 * its value), the module part compared as module names are. */
static int scan_cmdline(const char *module, struct modprobe_ids_list *out)
{
	char path[PATH_MAX], buf[4096];
	const char *s = buf;
	struct kparam p;

	if (root_path(path, sizeof(path), "/proc/cmdline") < 0 || sysfs_read_attr(path, buf, sizeof(buf)) < 0)
		return 0;
	while (kparam_next(&s, &p)) {
		const char *dot = memchr(p.name, '.', p.name_len);
		struct kparam sub = p;

		if (p.val == NULL && str_span_eq(p.name, p.name_len, "--"))
			break; /* the rest belongs to init */
		if (dot == NULL || !modname_eq(p.name, (size_t)(dot - p.name), module))
			continue;
		sub.name = dot + 1;
		sub.name_len = p.name_len - (size_t)(dot + 1 - p.name);
		if (param_sets(&sub, "ids")) {
			int r = ids_add(out, "kernel command line", 0, &sub);

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

int modprobe_options_drop(const char *opts, const char *param, char *kept, char *dropped, size_t len)
{
	const char *s = opts ? opts : "";
	struct kparam p;
	int r = 0;

	kept[0] = '\0';
	dropped[0] = '\0';
	while (kparam_next(&s, &p)) {
		char *dst = param_sets(&p, param) ? dropped : kept;
		size_t used = strlen(dst);

		/* Whole words only: a word cut short could read as another
		 * (`"ids x=1"` cut to `"ids`). */
		if (used + (used ? 1 : 0) + p.word_len >= len) {
			r = -ENOBUFS;
			continue;
		}
		str_append(dst, len, "%s%.*s", used ? " " : "", (int)p.word_len, p.word);
	}
	return r;
}
