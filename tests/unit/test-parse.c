// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-parse.c - table tests for the selector, config and kernel command
 * line parsers: every form the README documents, and the near misses that
 * must not silently become another address.
 */
#include <stdio.h>
#include <string.h>

#include "config/cmdline.h"
#include "config/conf.h"
#include "config/selector.h"

static int passed, failed;

static void check(int ok, const char *what, const char *input)
{
	if (ok) {
		passed++;
		printf("ok %d - %s: %s\n", passed + failed, what, input);
	} else {
		failed++;
		printf("not ok %d - %s: %s\n", passed + failed, what, input);
	}
}

struct sel_case {
	const char *in;
	int ok;
	enum selector_kind kind;
	const char *canon; /* selector_describe() */
};

static const struct sel_case sel_cases[] = {
    {"0000:03:00.1", 1, SEL_FUNCTION, "0000:03:00.1"},
    {"03:00.1", 1, SEL_FUNCTION, "0000:03:00.1"},
    {"0000:00:02.0/vf1", 1, SEL_VF, "0000:00:02.0/vf1"},
    {"00:02.0/vf65534", 1, SEL_VF, "0000:00:02.0/vf65534"},
    {"0000:0F:1f.7", 1, SEL_FUNCTION, "0000:0f:1f.7"},
    {"10000:e1:00.0", 1, SEL_FUNCTION, "10000:e1:00.0"},
    {"0000:03:00", 1, SEL_SLOT, "slot 0000:03:00"},
    {"03:00", 1, SEL_SLOT, "slot 0000:03:00"},
    {"1002:744c", 1, SEL_ID, "ID 1002:744c"},
    {"1002:744C", 1, SEL_ID, "ID 1002:744c"},
    {"0000:03:00.8", 0, 0, NULL}, /* function 0..7 */
    {"0000:03:20.0", 0, 0, NULL}, /* device 0..1f */
    {"0000:3:00.0", 0, 0, NULL},  /* bus is two digits */
    {"000:03:00.0", 0, 0, NULL},  /* domain at least four */
    {"123456789:03:00.0", 0, 0, NULL},
    {"03:0.1", 0, 0, NULL},
    {"1002:744", 0, 0, NULL},
    {"1002:744c0", 0, 0, NULL},
    {"+1002:744c", 0, 0, NULL},
    {" 03:00.1", 0, 0, NULL},
    {"0x03:00.1", 0, 0, NULL},
    {"03:00.1/../..", 0, 0, NULL},
    {"03:00.1/vf", 0, 0, NULL},
    {"03:00.1/vf-1", 0, 0, NULL},
    {"03:00.1/vf65535", 0, 0, NULL},
    {"03:00/vf0", 0, 0, NULL},
    {"", 0, 0, NULL},
    {":", 0, 0, NULL},
    {"::.", 0, 0, NULL},
};

static void test_selectors(void)
{
	for (size_t i = 0; i < sizeof(sel_cases) / sizeof(sel_cases[0]); i++) {
		const struct sel_case *c = &sel_cases[i];
		struct selector s;
		char err[256], d[96];
		int r = selector_parse(c->in, strlen(c->in), &s, err, sizeof(err));

		if (!c->ok) {
			check(r < 0 && strstr(err, "is not a PCI address") != NULL, "selector rejected", c->in);
			continue;
		}
		selector_describe(&s, d, sizeof(d));
		check(r == 0 && s.kind == c->kind && strcmp(d, c->canon) == 0, "selector parsed", c->in);
	}
}

static void test_words(void)
{
	struct selector s;
	char err[256];

	selector_parse("0000:03:00", 10, &s, err, sizeof(err));
	check(selector_parse_word("id=1002:744c", 12, &s, err, sizeof(err)) == 0 && s.has_guard &&
		  s.guard.vendor == 0x1002 && s.guard.device == 0x744c,
	      "guard word", "id=1002:744c");
	check(selector_parse_word("id=1002:744c", 12, &s, err, sizeof(err)) < 0 && strstr(err, "twice"), "guard twice",
	      "id= id=");
	check(selector_parse_word("group", 5, &s, err, sizeof(err)) == 0 && s.group, "word", "group");
	check(selector_parse_word("optional", 8, &s, err, sizeof(err)) == 0 && s.optional, "word", "optional");
	check(selector_parse_word("force", 5, &s, err, sizeof(err)) == 0 && s.force, "word", "force");
	check(selector_parse_word("groups", 6, &s, err, sizeof(err)) < 0 && strstr(err, "unknown word 'groups'"),
	      "unknown word", "groups");
	selector_parse("1002:744c", 9, &s, err, sizeof(err));
	check(selector_parse_word("id=1002:744c", 12, &s, err, sizeof(err)) < 0, "guard on an ID", "1002:744c id=");
}

/* reset=: the kernel's names, blank-separated as reset_method takes them. */
static void test_reset(void)
{
	static const struct {
		const char *words[2];
		const char *want; /* NULL: an error */
	} t[] = {
	    {{"reset=flr"}, "flr"},
	    {{"reset=flr,pm,bus"}, "flr pm bus"},
	    {{"reset=device_specific,af_flr,acpi,cxl_bus"}, "device_specific af_flr acpi cxl_bus"},
	    {{"reset=default"}, "default"},
	    {{"reset=flr", "reset=bus"}, "flr bus"}, /* the command line's way */
	    {{"reset="}, NULL},
	    {{"reset=flr,"}, NULL},
	    {{"reset=,flr"}, NULL},
	    {{"reset=Flr"}, NULL},
	    {{"reset=flr flr"}, NULL},
	    {{"reset=flr,flr"}, NULL},
	    {{"reset=flr", "reset=flr"}, NULL},
	    {{"reset=default,flr"}, NULL},
	    {{"reset=flr", "reset=default"}, NULL},
	    {{"reset=default", "reset=pm"}, NULL},
	    {{"reset=d3cold"}, NULL},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct selector s;
		char err[256] = "";
		int r = 0;

		selector_parse("0000:0a:00.0", 12, &s, err, sizeof(err));
		for (size_t w = 0; w < 2 && t[i].words[w] && r == 0; w++)
			r = selector_parse_word(t[i].words[w], strlen(t[i].words[w]), &s, err, sizeof(err));
		if (t[i].want)
			check(r == 0 && strcmp(s.reset, t[i].want) == 0, "reset", t[i].words[0]);
		else
			check(r < 0 && err[0] != '\0', "reset refused", t[i].words[0]);
	}
}

struct cl_case {
	const char *in;
	int errors;
	int off, debug, vm_off, poweroff;
	unsigned nsel;
};

static const struct cl_case cl_cases[] = {
    {"root=/dev/sda1 quiet", 0, 0, 0, 0, -1, 0},
    {"vfiobind=off", 0, 1, 0, 0, -1, 0},
    {"vfiobind=0000:03:00 vfiobind=off", 0, 1, 0, 0, -1, 1},
    {"vfiobind=0000:03:00+id=1002:744c,1022:43fc", 0, 0, 0, 0, -1, 2},
    {"vfiobind=0000:0b:01.0+reset=flr+reset=bus,0000:0a:00.0+reset=default", 0, 0, 0, 0, -1, 2},
    {"vfiobind=0000:0b:01.0+reset=flr+reset=florp", 1, 0, 0, 0, -1, 0},
    /* ',' separates items there: "bus" is an item, and an error. */
    {"vfiobind=0000:0b:01.0+reset=flr,bus", 1, 0, 0, 0, -1, 1},
    {"\"vfiobind=03:00.1 \" quiet", 1, 0, 0, 0, -1, 0}, /* a blank is not a selector */
    {"vfiobind=\"03:00.1\"", 0, 0, 0, 0, -1, 1},
    {"vfiobind.debug vfiobind.vm=off vfiobind.poweroff=0", 0, 0, 1, 1, 0},
    {"vfiobind.debug=1 vfiobind.poweroff=1", 0, 0, 1, 0, 1, 0},
    {"vfiobind.debug=yes-please", 1, 0, 0, 0, -1, 0},
    {"vfiobind", 1, 0, 0, 0, -1, 0},
    {"vfiobind=", 1, 0, 0, 0, -1, 0},
    {"vfiobind=03:00.1,,03:00.2", 1, 0, 0, 0, -1, 2},
    {"quiet -- vfiobind=off", 0, 0, 0, 0, -1, 0}, /* after --: init's */
    {"vfiobindx=off vfiobind.unknown=1", 0, 0, 0, 0, -1, 0},
    {"vfiobind=03:00.1+group+optional", 0, 0, 0, 0, -1, 1},
    {"vfiobind=03:00.1+", 1, 0, 0, 0, -1, 0},
};

static void test_cmdline(void)
{
	for (size_t i = 0; i < sizeof(cl_cases) / sizeof(cl_cases[0]); i++) {
		const struct cl_case *c = &cl_cases[i];
		struct diags errs = {0}, warns = {0};
		struct conf conf = {0};
		struct cmdline cl;
		int r = cmdline_parse(c->in, strlen(c->in), &cl, &conf, &errs, &warns);

		check(r == c->errors && cl.off == c->off && cl.debug == c->debug && cl.vm_off == c->vm_off &&
			  cl.poweroff == c->poweroff && cl.nsel == c->nsel && conf.n == c->nsel,
		      "command line", c->in);
		conf_free(&conf);
		diags_free(&errs);
		diags_free(&warns);
	}
}

static void test_cmdline_disks(void)
{
	static const struct {
		const char *in, *root, *resume;
	} t[] = {
	    {"root=UUID=0a34 ro resume=/dev/nvme0n1p3", "UUID=0a34", "/dev/nvme0n1p3"},
	    {"root=/dev/sda1 root=PARTUUID=ab-02", "PARTUUID=ab-02", ""}, /* the last wins */
	    {"\"root=LABEL=my root\" quiet", "LABEL=my root", ""},
	    {"root resume", "", ""}, /* bare: no value */
	    {"quiet -- root=/dev/sdz", "", ""},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct diags errs = {0}, warns = {0};
		struct conf conf = {0};
		struct cmdline cl;

		cmdline_parse(t[i].in, strlen(t[i].in), &cl, &conf, &errs, &warns);
		check(strcmp(cl.root, t[i].root) == 0 && strcmp(cl.resume, t[i].resume) == 0,
		      "root= and resume=", t[i].in);
		conf_free(&conf);
		diags_free(&errs);
		diags_free(&warns);
	}
}

static void test_conf(void)
{
	static const char text[] = "# comment\n"
				   "\n"
				   "0000:03:00 id=1002:744c # card\n"
				   "\t03:00.1\toptional\r\n"
				   "1002:744c group\n"
				   "bogus\n"
				   "0000:0c:00.0 id=zz\n"
				   "no-newline-at-end 03:00.0";
	struct diags errs = {0};
	struct conf conf = {0};
	int r = conf_parse_buffer(text, sizeof(text) - 1, "t.conf", &conf, &errs);

	check(r == 3 && conf.n == 3, "config: 3 selectors, 3 errors", "t.conf");
	check(errs.n == 3 && strncmp(errs.msg[0], "t.conf:6: 'bogus'", 17) == 0, "config: error names file:line",
	      errs.n ? errs.msg[0] : "(none)");
	check(errs.n == 3 && strncmp(errs.msg[1], "t.conf:7: id='zz'", 17) == 0, "config: bad guard value",
	      errs.n > 1 ? errs.msg[1] : "(none)");
	check(errs.n == 3 && strncmp(errs.msg[2], "t.conf:8:", 9) == 0, "config: last line without newline",
	      errs.n > 2 ? errs.msg[2] : "(none)");
	check(conf.n == 3 && conf.sel[1].optional && conf.sel[1].line == 4 && conf.sel[2].group, "config: words kept",
	      "optional, group");
	conf_free(&conf);
	diags_free(&errs);
}

int main(void)
{
	test_selectors();
	test_words();
	test_reset();
	test_cmdline();
	test_cmdline_disks();
	test_conf();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
