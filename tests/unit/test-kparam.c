// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-kparam.c - kparam_next() splits words as the kernel's next_arg()
 * (lib/cmdline.c) does, and modprobe_options_drop() drops ids= in every
 * spelling the kernel would read as ids=.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/sysfs.h"

#include "system/modprobe.h"

static int passed, failed;

static void check(int ok, const char *what)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", passed + failed, what);
}

/* "name=val|name|..." for @s: NUL where no value, as next_arg() leaves it. */
static void split(const char *s, char *out, size_t len)
{
	struct kparam p;

	out[0] = '\0';
	while (kparam_next(&s, &p)) {
		size_t n = strlen(out);

		if (p.val)
			snprintf(out + n, len - n, "%s%.*s=%.*s", n ? "|" : "", (int)p.name_len, p.name, (int)p.val_len,
				 p.val);
		else
			snprintf(out + n, len - n, "%s%.*s", n ? "|" : "", (int)p.name_len, p.name);
	}
}

static void split_is(const char *in, const char *want)
{
	char got[512], what[1200];

	split(in, got, sizeof(got));
	snprintf(what, sizeof(what), "split [%s] -> [%s] (got [%s])", in, want, got);
	check(strcmp(got, want) == 0, what);
}

static void drop_is(const char *in, const char *kept_want, const char *dropped_want)
{
	char kept[256], dropped[256], what[1024];

	int r = modprobe_options_drop(in, "ids", kept, dropped, sizeof(kept));

	snprintf(what, sizeof(what), "drop ids from [%s]: kept [%s] dropped [%s] (got [%s] [%s])", in, kept_want,
		 dropped_want, kept, dropped);
	check(r == 0 && strcmp(kept, kept_want) == 0 && strcmp(dropped, dropped_want) == 0, what);
}

static void put(const char *root, const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* modprobe_find_ids() on a scratch root: libkmod's line rules and order. */
static void find_ids_cases(void)
{
	char root[] = "/tmp/test-kparam.XXXXXX", p[512];
	struct modprobe_ids_list l;

	if (mkdtemp(root) == NULL) {
		check(0, "mkdtemp");
		return;
	}
	for (const char *const *d = (const char *const[]){"/etc", "/etc/modprobe.d", "/lib", "/lib/modprobe.d", NULL};
	     *d; d++) {
		snprintf(p, sizeof(p), "%s%s", root, *d);
		mkdir(p, 0755);
	}
	root_set(root);
	put(root, "/etc/modprobe.d/vfio.conf",
	    "# x\noptions vfio_pci x=1 \\\n  ids=1b36:000d\noptions vfio-pci y=1#c ids=8086:293e\n");
	put(root, "/lib/modprobe.d/vfio.conf", "options vfio-pci ids=dead:beef\n");
	put(root, "/lib/modprobe.d/z.conf", "options vfio-pci a=\"x\noptions vfio-pci ids=1111:2222\n");
	check(modprobe_find_ids("vfio-pci", &l) == 0 && l.n == 2,
	      "two ids= found (the /lib copy hidden, the open quote swallows z.conf's)");
	check(l.n > 0 && strcmp(l.e[0].file, "/etc/modprobe.d/vfio.conf") == 0 && l.e[0].line == 2 &&
		  strcmp(l.e[0].ids, "1b36:000d") == 0,
	      "a continued line is named by its first line");
	check(l.n > 1 && l.e[1].line == 4 && strcmp(l.e[1].ids, "8086:293e") == 0,
	      "'#' inside a line is no comment (libkmod)");
	modprobe_ids_free(&l);
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	if (system(p) != 0)
		check(0, "cleanup");
	root_set(NULL);
}

int main(void)
{
	find_ids_cases();
	split_is("", "");
	split_is("   \t\n ", "");
	split_is("ids=1b36:000d disable_vga=1", "ids=1b36:000d|disable_vga=1");
	split_is("\"ids=1b36:000d\" disable_vga=1", "ids=1b36:000d|disable_vga=1");
	split_is("ids=\"1b36:000d\"", "ids=1b36:000d");
	split_is("param=\"a b\" c", "param=a b|c");
	split_is("\"param=a b\" c", "param=a b|c");
	split_is("\"flag\" other", "flag|other");
	split_is("ids=\"1b36:000d", "ids=1b36:000d"); /* unterminated: to the end */
	split_is("a=\"x y z", "a=x y z");
	split_is("a=b=c", "a=b=c"); /* the first '=' splits */
	split_is("=x", "=x");	    /* '=' first: no value */
	split_is("ids=", "ids=");
	split_is("ids=\"\"", "ids=");
	split_is("\"\"", "");
	split_is("\"", "");
	split_is("a\"b c\"d e", "a\"b c\"d|e"); /* inner quotes stay */
	split_is("x\vy\fz\rw", "x|y|z|w");
	split_is("-- ids=1", "--|ids=1");

	check(kparam_name_eq("disable-vga", 11, "disable_vga"), "'-' and '_' are the same in names");
	check(kparam_name_eq("vfio_pci", 8, "vfio-pci"), "vfio_pci is vfio-pci");
	check(!kparam_name_eq("idsx", 4, "ids"), "idsx is not ids");
	check(!kparam_name_eq("id", 2, "ids"), "id is not ids");

	drop_is("ids=1b36:000d disable_vga=1", "disable_vga=1", "ids=1b36:000d");
	drop_is("\"ids=1b36:000d\" disable_vga=1", "disable_vga=1", "\"ids=1b36:000d\"");
	drop_is("disable_vga=1 ids=\"1b36:000d, 8086:293e\"", "disable_vga=1", "ids=\"1b36:000d, 8086:293e\"");
	drop_is("x=\"ids=1\" y=2", "x=\"ids=1\" y=2", "");
	drop_is("ids nointxmask=1", "nointxmask=1", "ids");
	drop_is("idsx=1", "idsx=1", "");
	drop_is(NULL, "", "");
	{
		char kept[8], dropped[8];
		int r = modprobe_options_drop("\"ids x=1\" a=1", "ids", kept, dropped, sizeof(kept));

		check(r == -ENOBUFS && strcmp(kept, "a=1") == 0 && dropped[0] == '\0',
		      "a word that does not fit is left out whole, -ENOBUFS");
	}

	printf("1..%d\n", passed + failed);
	return failed ? 1 : 0;
}
