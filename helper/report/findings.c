// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * findings.c - the list of doctor's findings and its output (findings.h).
 */
#include "report/findings.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "basic/jsonwrite.h"

void findings_add(struct findings *fs, enum finding_state st, const char *id, const char *fix, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (fs->n == fs->cap) {
		size_t ncap = fs->cap ? fs->cap * 2 : 32;
		struct finding *nf = realloc(fs->f, ncap * sizeof(*nf));

		if (nf == NULL)
			return;
		fs->f = nf;
		fs->cap = ncap;
	}
	f = &fs->f[fs->n++];
	f->state = st;
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->fix, sizeof(f->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

void findings_free(struct findings *fs)
{
	free(fs->f);
	memset(fs, 0, sizeof(*fs));
}

static const char *state_str(enum finding_state s)
{
	switch (s) {
	case FINDING_OK:
		return "ok";
	case FINDING_INFO:
		return "info";
	case FINDING_WARN:
		return "warn";
	default:
		return "fail";
	}
}

static void print_json(FILE *out, const struct findings *fs)
{
	struct jw w;

	jw_init(&w, out);
	jw_arr(&w, NULL);
	for (size_t i = 0; i < fs->n; i++) {
		jw_obj(&w, NULL);
		jw_str(&w, "check", fs->f[i].id);
		jw_str(&w, "state", state_str(fs->f[i].state));
		jw_str(&w, "message", fs->f[i].msg);
		jw_str_or_null(&w, "fix", fs->f[i].fix);
		jw_end(&w);
	}
	jw_end(&w);
}

size_t findings_print(FILE *out, const struct findings *fs, bool json)
{
	size_t fails = 0, warns = 0;

	for (size_t i = 0; i < fs->n; i++) {
		fails += fs->f[i].state == FINDING_FAIL;
		warns += fs->f[i].state == FINDING_WARN;
	}
	if (json) {
		print_json(out, fs);
		return fails;
	}
	for (size_t i = 0; i < fs->n; i++) {
		fprintf(out, "%-5s %-14s %s\n", state_str(fs->f[i].state), fs->f[i].id, fs->f[i].msg);
		if (fs->f[i].fix[0])
			fprintf(out, "      %-14s %s\n", "fix:", fs->f[i].fix);
	}
	fprintf(out, "%zu check%s: %zu failed, %zu warning%s\n", fs->n, fs->n == 1 ? "" : "s", fails, warns,
		warns == 1 ? "" : "s");
	return fails;
}
