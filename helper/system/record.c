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
#include <unistd.h>

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

int record_untraced_add(struct record_untraced_list *l, const char *mount, bool network, const char *why)
{
	struct record_untraced *v;

	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i].mount, mount, sizeof(l->v[i].mount) - 1) == 0 ||
		    strncmp(l->v[i].why, why, sizeof(l->v[i].why) - 1) == 0)
			return 0;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	l->v = v;
	v = &l->v[l->n++];
	str_copy(v->mount, sizeof(v->mount), mount);
	str_copy(v->why, sizeof(v->why), why);
	/* A mount source is anyone's text: keep the record one line each. */
	for (char *c = v->why; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	v->network = network;
	return 0;
}

const struct record_untraced *record_untraced_network(const struct record_untraced_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].network)
			return &l->v[i];
	return NULL;
}

void record_untraced_free(struct record_untraced_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A mount as an untraced line writes it: blanks, tabs, newlines and
 * backslashes as \ooo (mountinfo's escapes). */
static void escape_mount(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			o += (size_t)snprintf(out + o, len - o, "\\%03o", (unsigned char)*s);
		else
			out[o++] = *s;
	}
	out[o] = '\0';
}

/* "untraced [network] MOUNT (WHY)": MOUNT "root=" or a path starting with
 * '/', octal escapes undone; WHY not empty. Return: parsed. */
static bool parse_untraced(const char *line, struct record_untraced *u)
{
	const char *p = str_startswith(line, "untraced "), *open, *q;
	size_t l, o = 0;

	if (p == NULL)
		return false;
	memset(u, 0, sizeof(*u));
	if (str_startswith(p, "network ")) {
		u->network = true;
		p += 8;
	}
	l = strcspn(p, " ");
	open = p + l;
	if (l == 0 || !(p[0] == '/' || (l == 5 && strncmp(p, "root=", 5) == 0)) || strncmp(open, " (", 2) != 0)
		return false;
	l = strlen(open + 2);
	if (l < 2 || open[2 + l - 1] != ')' || l - 1 >= sizeof(u->why))
		return false;
	memcpy(u->why, open + 2, l - 1);
	u->why[l - 1] = '\0';
	for (q = p; q < open; q++) {
		char c = *q;

		if (c == '\\') {
			if (open - q < 4 || q[1] < '0' || q[1] > '3' || q[2] < '0' || q[2] > '7' || q[3] < '0' ||
			    q[3] > '7')
				return false;
			c = (char)((q[1] - '0') * 64 + (q[2] - '0') * 8 + (q[3] - '0'));
			q += 3;
		}
		if (o + 1 >= sizeof(u->mount))
			return false;
		u->mount[o++] = c;
	}
	u->mount[o] = '\0';
	return true;
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
	char line[1024];
	unsigned no = 0;
	int r = 1;
	FILE *f = root_fopen(RECORD_DIR "/%s", name);

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

static bool hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* "vvvv:dddd" or "-" */
static bool id_valid(const char *s, size_t len)
{
	return (len == 1 && s[0] == '-') || (len == 9 && s[4] == ':' && hex_run(s, 4) && hex_run(s + 5, 4));
}

/* "ADDR VVVV:DDDD SSSS:SSSS CCCCCC TEXT" (or "- - -" for the identity);
 * TEXT "free" or "holds ...". Splits @line in place. */
static bool parse_fn_line(char *line, char **ident, char **text)
{
	char *p = line + 13, *f[3];
	size_t l;

	if (strlen(line) < 13 || line[12] != ' ' || !fn_valid(line, 12))
		return false;
	for (int i = 0; i < 3; i++) {
		f[i] = p;
		l = strcspn(p, " ");
		if (p[l] != ' ')
			return false;
		if (i < 2 ? !id_valid(p, l) : !((l == 1 && p[0] == '-') || (l == 6 && hex_run(p, 6))))
			return false;
		p += l + 1;
	}
	/* all three unknown, or all three known */
	if ((f[0][0] == '-') != (f[1][0] == '-') || (f[0][0] == '-') != (f[2][0] == '-'))
		return false;
	if (strcmp(p, "free") != 0 && !(str_startswith(p, "holds ") && p[6] != '\0'))
		return false;
	line[12] = '\0';
	p[-1] = '\0';
	*ident = f[0];
	*text = p;
	return true;
}

/*
 * The protected file. Return: 1 read and whole, 0 no file, -EINVAL not
 * usable (logged), -ENOMEM.
 */
static int read_protected(struct record *rec)
{
	static const char name[] = RECORD_DIR "/" RECORD_PROTECTED;
	char line[1024];
	unsigned no = 0, fns = 0, ended = 0, state = 0; /* 0 version, 1 machine-id, 2 root=, 3 functions */
	unsigned long count = 0;
	int r = 1;
	FILE *f = root_fopen("%s", name);

	if (f == NULL)
		return 0;
	while (r > 0 && fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");
		char *ident, *text, *end;
		struct record_untraced u;

		no++;
		if (line[len] != '\n') {
			if (feof(f))
				WRN("record cut short at line %u: %s ends inside a line; the image build's record is "
				    "not used",
				    no, name);
			else
				WRN("%s:%u: line too long; the image build's record is not used", name, no);
			r = -EINVAL;
			break;
		}
		line[len] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (ended) {
			WRN("%s:%u: a line after the end line; the image build's record is not used", name, no);
			r = -EINVAL;
		} else if (state == 0) {
			if (strcmp(line, RECORD_VERSION) != 0) {
				WRN("%s:%u: not a vfiobind record of this version (want '%s' first, found '%.80s'); "
				    "the "
				    "image build's record is not used",
				    name, no, RECORD_VERSION, line);
				r = -EINVAL;
			}
			state = 1;
		} else if (state == 1) {
			const char *id = str_startswith(line, "machine-id ");

			if (id == NULL ||
			    !(strcmp(id, "-") == 0 || (strlen(id) == MACHINE_ID_LEN && hex_run(id, MACHINE_ID_LEN)))) {
				WRN("%s:%u: not \"machine-id ID\": '%.80s'; the image build's record is not used", name,
				    no, line);
				r = -EINVAL;
			} else if (id[0] != '-') {
				str_copy(rec->tie.machine_id, sizeof(rec->tie.machine_id), id);
			}
			state = 2;
		} else if (state == 2) {
			const char *root = str_startswith(line, "root=");

			if (root == NULL || strlen(root) >= sizeof(rec->tie.root)) {
				WRN("%s:%u: not \"root=VALUE\": '%.80s'; the image build's record is not used", name,
				    no, line);
				r = -EINVAL;
			} else {
				str_copy(rec->tie.root, sizeof(rec->tie.root), root);
			}
			state = 3;
		} else if (str_startswith(line, "end ")) {
			errno = 0;
			count = strtoul(line + 4, &end, 10);
			if (errno || *end != '\0' || line[4] < '0' || line[4] > '9') {
				WRN("%s:%u: not \"end COUNT\": '%.80s'; the image build's record is not used", name, no,
				    line);
				r = -EINVAL;
			} else if (count != fns) {
				WRN("record cut short at line %u: its end line counts %lu lines, %u are listed; "
				    "the "
				    "image build's record is not used",
				    no, count, fns);
				r = -EINVAL;
			}
			ended = no;
		} else if (str_startswith(line, "untraced")) {
			if (!parse_untraced(line, &u)) {
				WRN("%s:%u: not \"untraced [network] MOUNT (WHY)\": '%.80s'; the image build's record "
				    "is "
				    "not used",
				    name, no, line);
				r = -EINVAL;
			} else {
				fns++;
				if (record_untraced_add(&rec->untraced, u.mount, u.network, u.why) < 0)
					r = -ENOMEM;
			}
		} else if (!parse_fn_line(line, &ident, &text)) {
			WRN("%s:%u: not \"ADDRESS VENDOR:DEVICE SUBVENDOR:SUBDEVICE CLASS free|holds ...\": '%.80s'; "
			    "the "
			    "image build's record is not used",
			    name, no, line);
			r = -EINVAL;
		} else {
			fns++;
			if (record_list_add(&rec->ident, line, ident) < 0 ||
			    (strcmp(text, "free") != 0 && record_list_add(&rec->prot, line, text) < 0))
				r = -ENOMEM;
		}
	}
	fclose(f);
	if (r > 0 && state == 0 && no == 0) {
		WRN("record %s is empty; the image build's record is not used", name);
		r = -EINVAL;
	} else if (r > 0 && !ended) {
		WRN("record cut short at line %u: %s has no end line; the image build's record is not used", no, name);
		r = -EINVAL;
	}
	return r;
}

int record_read(struct record *rec)
{
	int r;

	memset(rec, 0, sizeof(*rec));
	r = read_protected(rec);
	if (r == -ENOMEM) {
		record_free(rec);
		return r;
	}
	if (r <= 0) {
		record_free(rec);
		return 0;
	}
	rec->present = true;
	r = read_list(RECORD_BLOCKERS, &rec->block);
	return r == -ENOMEM ? r : 0;
}

void record_identity(const struct pci_func *f, char *buf, size_t len)
{
	const char *sv = strstr(f->modalias, "sv"), *sd = strstr(f->modalias, "sd");
	char sub[16] = "-";

	/* pci:v0000144Dd0000A80Asv0000144Dsd0000A801bc01sc08i02 */
	if (str_startswith(f->modalias, "pci:") && sv && sd && strlen(sv) >= 10 && strlen(sd) >= 10) {
		char v[5], d[5];

		snprintf(v, sizeof(v), "%.4s", sv + 6);
		snprintf(d, sizeof(d), "%.4s", sd + 6);
		for (int i = 0; i < 4; i++) {
			v[i] = (char)(v[i] >= 'A' && v[i] <= 'F' ? v[i] - 'A' + 'a' : v[i]);
			d[i] = (char)(d[i] >= 'A' && d[i] <= 'F' ? d[i] - 'A' + 'a' : d[i]);
		}
		if (hex_run(v, 4) && hex_run(d, 4))
			snprintf(sub, sizeof(sub), "%s:%s", v, d);
	}
	snprintf(buf, len, "%04x:%04x %s %06x", f->id.vendor, f->id.device, sub, (unsigned)(f->class & 0xffffff));
}

void record_machine_id(bool boot, char *buf, size_t len)
{
	char path[PATH_MAX], id[64];

	buf[0] = '\0';
	if (boot && root_path(path, sizeof(path), "/run/machine-id") == 0 && access(path, F_OK) == 0)
		return;
	if (root_path(path, sizeof(path), "/etc/machine-id") < 0 || sysfs_read_attr(path, id, sizeof(id)) < 0)
		return;
	if (strlen(id) == MACHINE_ID_LEN && hex_run(id, MACHINE_ID_LEN))
		snprintf(buf, len, "%s", id);
}

static const struct pci_func *fn_by_name(const struct pci_list *pci, const char *name)
{
	for (size_t i = 0; i < pci->n; i++)
		if (strcmp(pci->f[i].name, name) == 0)
			return &pci->f[i];
	return NULL;
}

bool record_verify(struct record *rec, const struct pci_list *pci, const char *root_now)
{
	char mid[MACHINE_ID_LEN + 1], now[64];

	if (!rec->present)
		return false;
	record_machine_id(true, mid, sizeof(mid));
	if (strcmp(rec->tie.root, root_now) != 0) {
		WRN("record of another machine: root=%s recorded, root=%s now; the image build's record is not used",
		    rec->tie.root[0] ? rec->tie.root : "(none)", root_now[0] ? root_now : "(none)");
		goto untrusted;
	}
	if (mid[0] && rec->tie.machine_id[0] && strcmp(mid, rec->tie.machine_id) != 0) {
		WRN("record of another machine: machine-id %s recorded, %s now; the image build's record is not used",
		    rec->tie.machine_id, mid);
		goto untrusted;
	}
	for (size_t i = 0; i < rec->ident.n; i++) {
		const struct pci_func *f = fn_by_name(pci, rec->ident.v[i].fn);

		if (f == NULL || rec->ident.v[i].text[0] == '-')
			continue;
		record_identity(f, now, sizeof(now));
		if (strcmp(now, rec->ident.v[i].text) != 0) {
			WRN("record: %s is %s now, %s when recorded; the image build's record is not used", f->name,
			    now, rec->ident.v[i].text);
			goto untrusted;
		}
	}
	for (size_t i = 0; i < pci->n; i++) {
		const struct pci_func *f = &pci->f[i];

		if ((f->class >> 16) != 0x01 || record_list_find(&rec->ident, f->name))
			continue;
		record_identity(f, now, sizeof(now));
		WRN("record: storage controller %s (%s) is not in it; the image build's record is not used", f->name,
		    now);
		goto untrusted;
	}
	return true;
untrusted:
	record_free(rec);
	return false;
}

void record_free(struct record *rec)
{
	record_list_free(&rec->prot);
	record_list_free(&rec->ident);
	record_list_free(&rec->block);
	record_untraced_free(&rec->untraced);
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

struct prot_args {
	const struct record_tie *tie;
	const struct pci_list *pci;
	const struct record_list *holds;
	const struct record_untraced_list *untraced;
};

static int print_protected(FILE *f, void *arg)
{
	const struct prot_args *a = arg;
	char id[64];
	size_t n = 0;

	fprintf(f, "# vfiobind: written by `vfiobind check --record` at image build; read by `vfiobind bind`\n"
		   "# Every storage controller (class 01) and every function the host needs: address,\n"
		   "# vendor:device, subsystem, class, and what it holds or \"free\". bind refuses what it\n"
		   "# holds unless 'force'; a record of another machine or other functions, or without\n"
		   "# its end line, is not used (storage controllers are refused then). An untraced\n"
		   "# mount: every storage controller is refused unless 'force' (a network one: every\n"
		   "# network controller too).\n");
	fprintf(f, "%s\nmachine-id %s\nroot=%s\n", RECORD_VERSION, a->tie->machine_id[0] ? a->tie->machine_id : "-",
		a->tie->root);
	for (size_t i = 0; i < a->pci->n; i++) {
		const struct pci_func *fn = &a->pci->f[i];
		const char *why = record_list_find(a->holds, fn->name);

		if ((fn->class >> 16) != 0x01 && why == NULL)
			continue;
		record_identity(fn, id, sizeof(id));
		fprintf(f, "%s %s %s\n", fn->name, id, why ? why : "free");
		n++;
	}
	for (size_t i = 0; i < a->holds->n; i++) {
		if (fn_by_name(a->pci, a->holds->v[i].fn))
			continue;
		fprintf(f, "%s - - - %s\n", a->holds->v[i].fn, a->holds->v[i].text);
		n++;
	}
	for (size_t i = 0; a->untraced && i < a->untraced->n; i++) {
		const struct record_untraced *u = &a->untraced->v[i];
		char m[4 * sizeof(u->mount)];

		escape_mount(u->mount, m, sizeof(m));
		fprintf(f, "untraced %s%s (%s)\n", u->network ? "network " : "", m, u->why);
		n++;
	}
	fprintf(f, "end %zu\n", n);
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

int record_write(const char *dir, const struct record_tie *tie, const struct pci_list *pci,
		 const struct record_list *holds, const struct record_untraced_list *untraced,
		 const struct record_list *block)
{
	struct prot_args a = {tie, pci, holds, untraced};
	char path[PATH_MAX];
	int r;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, RECORD_PROTECTED) >= sizeof(path))
		return -ENAMETOOLONG;
	r = write_atomic_stream(path, 0644, print_protected, &a);
	if (r == 0)
		r = write_list(dir, RECORD_BLOCKERS,
			       "functions coldplug would give a host driver: their IOMMU groups need them declared",
			       block);
	return r;
}
