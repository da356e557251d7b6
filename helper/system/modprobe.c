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

/* libkmod's config iterators (kmod_config_get_options()) give module and options but no file or line: this reader
 * exists only to name them. */

/* The options string libkmod builds for one module (libkmod-module.c,
 * kmod_module_get_options(): every matching `options` entry in config
 * order, joined by one blank), and where each piece came from. */
struct gathered {
	char *s;
	size_t len, cap;
	struct {
		size_t off;
		char file[256];
		unsigned line;
	} * src;
	size_t n;
};

static int gather_add(struct gathered *g, const char *file, unsigned line, const char *opts)
{
	size_t n = strlen(opts);

	/* kmod_module_get_options() skips empty entries. */
	if (n == 0)
		return 0;
	if (g->len + n + 2 > g->cap) {
		size_t cap = (g->len + n + 2) * 2;
		char *s = realloc(g->s, cap);

		if (s == NULL)
			return -ENOMEM;
		g->s = s;
		g->cap = cap;
	}
	{
		void *v = realloc(g->src, (g->n + 1) * sizeof(*g->src));

		if (v == NULL)
			return -ENOMEM;
		g->src = v;
	}
	if (g->len)
		g->s[g->len++] = ' ';
	g->src[g->n].off = g->len;
	snprintf(g->src[g->n].file, sizeof(g->src[g->n].file), "%s", file);
	g->src[g->n].line = line;
	g->n++;
	/* kmod_config_add_options() turns tabs into blanks. */
	for (size_t i = 0; i < n; i++)
		g->s[g->len++] = opts[i] == '\t' ? ' ' : opts[i];
	g->s[g->len] = '\0';
	return 0;
}

/* One logical line as libkmod's freadline_wrapped() (shared/util.c) reads
 * it: a backslash is dropped and the byte after it kept, a backslash before
 * a newline joins the next line, and one at the end of the file keeps EOF
 * as a byte (0xff), as libkmod does. *@lineno counts physical lines.
 * Return: 1, 0 at the end of the file, -ENOMEM. */
static int conf_readline(FILE *f, char **buf, size_t *cap, unsigned *lineno)
{
	size_t i = 0;
	unsigned n = 0;

	for (;;) {
		int c = getc(f);

		if (c == EOF && i == 0)
			return 0;
		if (c == EOF || c == '\n') {
			(*buf)[i] = '\0';
			*lineno += n + 1;
			return 1;
		}
		if (c == '\\') {
			c = getc(f);
			if (c == '\n') {
				n++;
				continue;
			}
		}
		if (i + 1 >= *cap) {
			char *b = realloc(*buf, *cap * 2);

			if (b == NULL)
				return -ENOMEM;
			*buf = b;
			*cap *= 2;
		}
		(*buf)[i++] = (char)c;
	}
}

/* One logical line, split as kmod_config_parse() splits it: a line that
 * starts with '#' is a comment ('#' later on is not), words by blanks and
 * tabs, OPTIONS the rest after the one separator that ends MODULE (a bare
 * `options MODULE` is a syntax error there, ignored). The line is cut at a
 * NUL byte, as libkmod's C strings are. */
static int conf_line(char *line, const char *module, const char *file, unsigned first, struct gathered *g)
{
	char *save = NULL, *cmd, *mod, *opts;

	if (line[0] == '\0' || line[0] == '#')
		return 0;
	cmd = strtok_r(line, "\t ", &save);
	if (cmd == NULL || strcmp(cmd, "options") != 0)
		return 0;
	mod = strtok_r(NULL, "\t ", &save);
	opts = strtok_r(NULL, "", &save);
	/* libkmod's underscores() makes '-' '_'; a name with brackets can
	 * never equal a plain module name. */
	if (mod == NULL || opts == NULL || !modname_eq(mod, strlen(mod), module))
		return 0;
	return gather_add(g, file, first, opts);
}

static int conf_file_scan(const char *path, const char *shown, const char *module, struct gathered *g)
{
	size_t cap = 256;
	char *buf = malloc(cap);
	unsigned lineno = 0;
	FILE *f;
	int r;

	if (buf == NULL)
		return -ENOMEM;
	f = fopen(path, "re");
	if (f == NULL) {
		free(buf);
		return 0;
	}
	for (;;) {
		unsigned first = lineno + 1;

		r = conf_readline(f, &buf, &cap, &lineno);
		if (r <= 0)
			break;
		r = conf_line(buf, module, shown, first, g);
		if (r < 0)
			break;
	}
	fclose(f);
	free(buf);
	return r;
}

/* A configuration file: its name, and the directory that has it. */
struct conf_name {
	char name[NAME_MAX + 1];
	size_t dir;
	bool single; /* the path is a file, not a directory */
};

static int conf_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct conf_name *)a)->name, ((const struct conf_name *)b)->name);
}

/* Whether libkmod's conf_files_filter_out() keeps @n: not hidden, *.conf
 * or *.alias, at least 6 bytes; and not a directory. When fstatat() fails
 * (a dangling link) libkmod reads an unset stat buffer; taken as a file,
 * which then fails to open and masks the name, as it does there. */
static bool conf_name_ok(DIR *d, const char *n)
{
	size_t l = strlen(n);
	struct stat st;

	if (n[0] == '.' || l < 6 || (strcmp(n + l - 5, ".conf") != 0 && strcmp(n + l - 6, ".alias") != 0))
		return false;
	return fstatat(dirfd(d), n, &st, 0) < 0 || !S_ISDIR(st.st_mode);
}

static int conf_names_add(struct conf_name **v, size_t *n, const char *name, size_t dir, bool single)
{
	struct conf_name *nv;

	/* The first directory that has a name keeps it (libkmod's
	 * conf_files_insert_sorted(): a duplicate is ignored). */
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0)
			return 0;
	if (strlen(name) > NAME_MAX)
		return 0;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	snprintf(nv[*n].name, sizeof(nv[*n].name), "%s", name);
	nv[*n].dir = dir;
	nv[*n].single = single;
	(*n)++;
	return 0;
}

/* Every configuration file, in the order libkmod parses them
 * (kmod_config_new(): conf_files_list() per path, one list sorted by
 * name). */
static int collect_names(struct conf_name **v, size_t *n)
{
	char dir[PATH_MAX];
	int r = 0;

	*v = NULL;
	*n = 0;
	for (size_t i = 0; r == 0 && i < sizeof(conf_dirs) / sizeof(conf_dirs[0]); i++) {
		struct dirent *de;
		struct stat st;
		DIR *d;

		if (root_path(dir, sizeof(dir), "%s", conf_dirs[i]) < 0) {
			r = -ENAMETOOLONG;
			break;
		}
		if (stat(dir, &st) < 0)
			continue;
		/* A path that is a file is one configuration file. */
		if (!S_ISDIR(st.st_mode)) {
			const char *base = strrchr(conf_dirs[i], '/') + 1;

			r = conf_names_add(v, n, base, i, true);
			continue;
		}
		d = opendir(dir);
		if (d == NULL)
			continue;
		while (r == 0 && (de = readdir(d)) != NULL)
			if (conf_name_ok(d, de->d_name))
				r = conf_names_add(v, n, de->d_name, i, false);
		closedir(d);
	}
	if (r < 0) {
		free(*v);
		*v = NULL;
		*n = 0;
		return r;
	}
	if (*n)
		qsort(*v, *n, sizeof(**v), conf_name_cmp);
	return 0;
}

/* "vfio-pci.ids=..." on the kernel command line, found as libkmod finds
 * it (kmod_config_parse_kcmdline(), its state machine: MODULE.PARAM[=VALUE]
 * words, a quote opening the word or in the value, re-quoted as
 * PARAM="VALUE"; "--" does not stop it) and added after every file, as
 * there. libkmod opens /proc/cmdline itself, without our root prefix. */
static int scan_cmdline(const char *module, struct gathered *g)
{
	enum { IGNORE, MODNAME, PARAM, VALUE, COMPLETE } state = MODNAME;
	char path[PATH_MAX], buf[4096];
	char *p, *quote = NULL, *modname = buf, *param = NULL, *value = NULL;
	bool quoted = false, iter = true;
	int r = 0;

	if (root_path(path, sizeof(path), "/proc/cmdline") < 0 || sysfs_read_attr(path, buf, sizeof(buf)) < 0)
		return 0;
	for (p = buf; iter && r == 0; p++) {
		switch (*p) {
		case '"':
			quoted = !quoted;
			if (quoted && state == MODNAME && p == modname) {
				quote = p;
				modname = p + 1;
			} else if (state != VALUE) {
				state = IGNORE;
			}
			break;
		case '\0':
			iter = false;
			/* fall through */
		case ' ':
		case '\n':
		case '\t':
		case '\v':
		case '\f':
		case '\r':
			if (quoted && state == VALUE) {
				/* a blank inside the quoted value */
			} else if (quoted) {
				state = IGNORE;
			} else if (state == VALUE || state == PARAM) {
				*p = '\0';
				state = COMPLETE;
			} else {
				modname = p + 1;
				state = MODNAME;
				quote = NULL;
			}
			break;
		case '.':
			if (state == MODNAME) {
				*p = '\0';
				param = p + 1;
				state = PARAM;
			} else if (state == PARAM) {
				state = IGNORE;
			}
			break;
		case '=':
			if (state == PARAM) {
				value = p + 1;
				state = VALUE;
			} else if (state == MODNAME) {
				state = IGNORE;
			}
			break;
		}
		if (state != COMPLETE)
			continue;
		if (quote && quote < modname && value) {
			memmove(quote, modname, (size_t)(value - modname));
			value--;
			modname--;
			param--;
			*value = '"';
		}
		if (param && modname_eq(modname, strlen(modname), module))
			r = gather_add(g, "kernel command line", 0, param);
		modname = p + 1;
		state = MODNAME;
		quote = NULL;
	}
	return r;
}

int modprobe_find_ids(const char *module, struct modprobe_ids_list *out)
{
	char path[PATH_MAX], shown[PATH_MAX];
	struct gathered g = {0};
	struct conf_name *names;
	const char *s;
	struct kparam p;
	size_t n, k = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = collect_names(&names, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (names[i].single)
			snprintf(shown, sizeof(shown), "%s", conf_dirs[names[i].dir]);
		else
			snprintf(shown, sizeof(shown), "%s/%s", conf_dirs[names[i].dir], names[i].name);
		if (root_path(path, sizeof(path), "%s", shown) < 0)
			r = -ENAMETOOLONG;
		else
			r = conf_file_scan(path, shown, module, &g);
	}
	free(names);
	if (r == 0)
		r = scan_cmdline(module, &g);
	/* Split as the kernel will split what libkmod hands it: a quote left
	 * open on one line swallows the next entry, as it will there. */
	s = g.s ? g.s : "";
	while (r == 0 && kparam_next(&s, &p)) {
		size_t off = (size_t)(p.word - g.s);

		if (!param_sets(&p, "ids"))
			continue;
		while (k + 1 < g.n && g.src[k + 1].off <= off)
			k++;
		r = ids_add(out, g.src[k].file, g.src[k].line, &p);
	}
	free(g.s);
	free(g.src);
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
