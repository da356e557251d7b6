// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf.c - parser for /etc/vfiobind.conf.
 */
#include "config/conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/str.h"
#include "config/vmconf.h"

/* A device list is a few lines; anything near this is not a config. */
#define CONF_FILE_MAX (1024 * 1024)

int conf_add(struct conf *c, const struct selector *sel)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct selector *v = realloc(c->sel, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		c->sel = v;
		c->cap = cap;
	}
	c->sel[c->n++] = *sel;
	return 0;
}

void conf_free(struct conf *c)
{
	free(c->sel);
	vmconf_free(c->vms);
	memset(c, 0, sizeof(*c));
}

/* Parse one line (no newline, no comment). Returns 1 on error, 0 if fine. */
static int parse_line(const char *s, size_t len, const char *name, unsigned lineno, struct conf *c, struct diags *errs)
{
	struct selector sel;
	char err[256];
	int r = selector_parse_line(s, len, ' ', &sel, err, sizeof(err));

	if (r < 0) {
		diags_add(errs, "%s:%u: %s", name, lineno, err);
		return 1;
	}
	if (r > 0)
		return 0; /* blank line */
	sel.file = name;
	sel.line = lineno;
	if (conf_add(c, &sel) < 0)
		return -ENOMEM;
	return 0;
}

int conf_parse_buffer(const char *buf, size_t len, const char *name, struct conf *c, struct diags *errs)
{
	unsigned lineno = 0;
	int nerr = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		const char *hash;
		int r;

		/* Inside a [vm NAME] section a bad line is the VM's error. */
		struct diags *lerrs = c->vms && c->vms->in_section ? &c->vms->errs : errs;

		pos += llen + (nl ? 1 : 0);
		lineno++;

		if (llen > CONF_LINE_MAX) {
			diags_add(lerrs, "%s:%u: line is %zu bytes long, the limit is %d", name, lineno, llen,
				  CONF_LINE_MAX);
			nerr += lerrs == errs;
			continue;
		}
		if (memchr(line, '\0', llen) != NULL) {
			diags_add(lerrs, "%s:%u: line contains a NUL byte", name, lineno);
			nerr += lerrs == errs;
			continue;
		}
		hash = memchr(line, '#', llen);
		if (hash)
			llen = (size_t)(hash - line);
		/* A [vm NAME] header and the lines after it are the VM
		 * parser's; its errors stay in c->vms, so bind ignores them. */
		r = vmconf_line(&c->vms, line, llen, name, lineno);
		if (r < 0)
			return r;
		if (r == VMCONF_DEVICE_LINE) {
			size_t ql = llen;
			char q[96];

			while (ql > 0 && (line[ql - 1] == ' ' || line[ql - 1] == '\t' || line[ql - 1] == '\r'))
				ql--;
			str_quote(line, ql, q, sizeof(q));
			diags_add(errs,
				  "%s:%u: '%s' is a device line after a [vm] section; the device list comes first",
				  name, lineno, q);
			nerr++;
			continue;
		}
		if (r > 0)
			continue;
		r = parse_line(line, llen, name, lineno, c, errs);
		if (r < 0)
			return r;
		nerr += r;
	}
	vmconf_finish(c->vms);
	return nerr;
}

int conf_parse_file(const char *path, const char *name, bool required, struct conf *c, struct diags *errs)
{
	size_t len;
	char *buf;
	int r;

	r = read_full(path, CONF_FILE_MAX, READ_FULL_REGULAR, &buf, &len);
	if (r == -ENOENT && !required)
		return 0;
	if (r == -ENOMEM)
		return r;
	if (r == -EFBIG || r == -EISDIR || r == -EBADFD) {
		diags_add(errs, "%s: not a regular file of at most %d bytes", name, CONF_FILE_MAX);
		return 1;
	}
	if (r < 0) {
		diags_add(errs, "%s: cannot open: %s", name, strerror(-r));
		return 1;
	}
	r = conf_parse_buffer(buf, len, name, c, errs);
	free(buf);
	return r;
}

int conf_check_vfs(const struct conf *c, struct diags *errs)
{
	char o[256], o2[256], a[PCI_ADDR_STRLEN];
	int nerr = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct selector *s = &c->sel[i], *pf = NULL;

		if (s->kind != SEL_VF && !s->vfs)
			continue;
		for (size_t j = 0; j < c->n && !pf; j++)
			if (j != i && c->sel[j].vfs && pci_addr_cmp(&c->sel[j].addr, &s->addr) == 0)
				pf = &c->sel[j];
		selector_origin(s, o, sizeof(o));
		pci_addr_format(&s->addr, a);
		if (s->vfs) {
			if (pf && pf->vfs != s->vfs && pf < s) {
				selector_origin(pf, o2, sizeof(o2));
				diags_add(errs, "%s: vfs=%u for %s, but %s asks vfs=%u", o, s->vfs, a, o2, pf->vfs);
				nerr++;
			}
			continue;
		}
		if (!pf) {
			diags_add(errs, "%s: %s needs a line '%s vfs=N' asking its PF for virtual functions", o,
				  s->text, a);
			nerr++;
		} else if (s->vf >= pf->vfs) {
			selector_origin(pf, o2, sizeof(o2));
			diags_add(errs, "%s: %s: vfs=%u at %s creates vf0 to vf%u", o, s->text, pf->vfs, o2,
				  pf->vfs - 1);
			nerr++;
		}
	}
	return nerr;
}

int conf_check_secure(const char *path, const char *name, struct diags *errs)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	if (!S_ISREG(st.st_mode)) {
		diags_add(errs, "%s: not a regular file", name);
		return -EPERM;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		diags_add(errs, "%s: owned by uid %u, not root: refusing to trust it", name, (unsigned)st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diags_add(errs, "%s: writable by %s (mode %04o): refusing to trust it; chmod go-w %s", name,
			  (st.st_mode & S_IWOTH) ? "others" : "its group", (unsigned)(st.st_mode & 07777), name);
		return -EPERM;
	}
	return 0;
}
