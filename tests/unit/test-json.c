// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-json.c - table tests for the JSON scanner and the QMP event test
 * the launcher decides the host's power-off with: what QEMU 7.2 really
 * sends, escapes, malformed and hostile lines, and every near miss of
 * the one event that may power the host off; and the writer's strings:
 * every class of ill-formed UTF-8 as U+FFFD by maximal subparts (the
 * Unicode Standard, ch. 3, Table 3-8 included) and control characters
 * escaped, and `vm qmp`'s terminal output of a QMP line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/jsonread.h"
#include "basic/jsonwrite.h"
#include "basic/utf8.h"
#include "vm/qmp.h"

static int passed, failed;

static void check(int ok, const char *what, const char *input)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%sok %d - %s: %.70s\n", ok ? "" : "not ", passed + failed, what, input);
}

static const char *valid[] = {
    "{}",
    " { \"a\" : [ 1 , -2.5e+3 , true , false , null , \"x\" ] } ",
    ("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\": \"Debian\"}, "
     "\"capabilities\": [\"oob\"]}}"),
    "{\"return\": {}}",
    "{\"s\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "0",
    "-0.0e0",
};

static const char *invalid[] = {
    "",
    "{",
    "{\"a\"}",
    "{\"a\": }",
    "{\"a\": 1,}",
    "{a: 1}",
    "{\"a\": 01}",
    "{\"a\": 1.}",
    "{\"a\": .5}",
    "{\"a\": 1e}",
    "{\"a\": tru}",
    "{\"a\": \"\\x\"}",
    "{\"a\": \"\\u12\"}",
    "{\"a\": \"tab\there\"}",
    "{\"a\": \"unterminated}",
    "{} {}",
    "{}x",
    "[1 2]",
    "{\"a\": 1 \"b\": 2}",
    /* nested past JSON_MAX_DEPTH */
    ("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]"
     "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
};

struct event_case {
	const char *line;
	int guest_shutdown;
};

static const struct event_case events[] = {
    /* QEMU 7.2, the guest writing SLP_EN to PM1a_CNT */
    {"{\"timestamp\": {\"seconds\": 1795259916, \"microseconds\": 122249}, \"event\": \"SHUTDOWN\", \"data\": "
     "{\"guest\": true, \"reason\": \"guest-shutdown\"}}",
     1},
    /* SIGTERM to QEMU: exits 0 all the same */
    {"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, "
     "\"reason\": \"host-signal\"}}",
     0},
    {"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"}}", 0},
    {"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-reset\"}}", 0},
    {"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-panic\"}}", 0},
    {"{\"event\": \"RESET\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}", 0},
    {"{\"event\": \"POWERDOWN\"}", 0},
    {"{\"event\": \"SHUTDOWN\"}", 0},
    {"{\"event\": \"SHUTDOWN\", \"data\": [\"guest-shutdown\"]}", 0},
    {"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": \"true\", \"reason\": \"guest-shutdown\"}}", 0},
    {"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": 1, \"reason\": \"guest-shutdown\"}}", 0},
    {"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown \"}}", 0},
    {"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdow\"}}", 0},
    {"{\"event\": \"shutdown\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}", 0},
    {"{\"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}", 0},
    {"{\"return\": {\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}}", 0},
    /* Escapes decode: the same event spelt otherwise is the same event. */
    {"{\"ev\\u0065nt\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest\\u002dshutdown\"}}", 1},
    /* A repeated key: the first wins, as in QEMU's own parser. */
    {"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, \"guest\": true, \"reason\": \"guest-shutdown\"}}", 0},
    {"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}, \"event\": \"X\"}", 1},
};

#define R "\xef\xbf\xbd" /* U+FFFD */

/* A string given to jw_str(), and the JSON the writer must print. */
struct write_case {
	const char *what, *in, *out;
};

static const struct write_case writes[] = {
    {"ASCII", "vfio-pci", "\"vfio-pci\""},
    {"2-byte", "caf\xc3\xa9", "\"caf\xc3\xa9\""},
    {"3-byte, U+FFFD itself", "\xe2\x82\xac" R, "\"\xe2\x82\xac" R "\""},
    {"4-byte, U+10FFFF", "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf", "\"\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\""},
    {"invalid byte FF", "nvme\xff", "\"nvme" R "\""},
    {"invalid bytes C0 C1 F5 FE", "\xc0\xc1\xf5\xfe", "\"" R R R R "\""},
    {"overlong 2-byte '/'", "\xc0\xaf", "\"" R R "\""},
    {"overlong 3-byte '/'", "\xe0\x80\xaf", "\"" R R R "\""},
    {"overlong 4-byte", "\xf0\x8f\xbf\xbf", "\"" R R R R "\""},
    {"surrogate U+D800", "\xed\xa0\x80", "\"" R R R "\""},
    {"surrogate U+DFFF", "\xed\xbf\xbfx", "\"" R R R "x\""},
    {"U+D7FF is fine", "\xed\x9f\xbf", "\"\xed\x9f\xbf\""},
    {"over U+10FFFF (F4 90)", "\xf4\x90\x80\x80", "\"" R R R R "\""},
    {"over U+10FFFF (F5..F7)", "\xf7\xbf\xbf\xbf", "\"" R R R R "\""},
    {"truncated 2 of 3, then ASCII",
     "\xe2\x82"
     "A",
     "\"" R "A\""},
    {"truncated 3 of 4 at the end", "x\xf0\x9f\x98", "\"x" R "\""},
    {"truncated lead before a lead", "\xc3\xc3\xa9", "\"" R "\xc3\xa9\""},
    {"stray continuation",
     "a\x80"
     "b",
     "\"a" R "b\""},
    {"stray continuations", "\x80\xbf\xbf", "\"" R R R "\""},
    /* The Unicode Standard 15.0, ch. 3, Table 3-8: 61 F1 80 80 E1 80 C2
     * 62 80 63 80 BF 64 is a, 3 x FFFD, b, FFFD, c, 2 x FFFD, d. */
    {"Unicode Table 3-8", "\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64", "\"a" R R R "b" R "c" R R "d\""},
    {"quote and backslash", "a\"b\\c", "\"a\\\"b\\\\c\""},
    {"newline and tab", "a\nb\tc", "\"a\\nb\\tc\""},
    {"control bytes", "\x01\x1b[31m\r\x1f", "\"\\u0001\\u001b[31m\\u000d\\u001f\""},
    {"DEL", "a\x7f", "\"a\\u007f\""},
    {"empty", "", "\"\""},
};

/* A QMP line as QEMU sent it, and what `vm qmp` prints of it. */
static const struct write_case terminal[] = {
    {"plain answer", "{\"return\": {}}", "{\"return\": {}}\n"},
    {"tab and CR as blanks", "{\"return\":\t{}}\r", "{\"return\": {}} \n"},
    {"DEL and C1 CSI escaped",
     "{\"s\": \"\x7f\xc2\x9b"
     "31m\"}",
     "{\"s\": \"\\u007f\\u009b"
     "31m\"}\n"},
    {"invalid UTF-8 as U+FFFD", "{\"s\": \"\xff\xe2\x82\xed\xa0\x80\"}", "{\"s\": \"" R R R R R "\"}\n"},
    {"valid UTF-8 kept", "{\"s\": \"caf\xc3\xa9 \xf0\x9f\x98\x80\"}", "{\"s\": \"caf\xc3\xa9 \xf0\x9f\x98\x80\"}\n"},
    {"a raw ESC", "\x1b]0;x\x07", "\\u001b]0;x\\u0007\n"},
};

/* What @fn printed into a memory stream, NUL-terminated (malloc'd). */
static char *captured(FILE *f, char **buf)
{
	fclose(f);
	return *buf;
}

static void test_writer(void)
{
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		const struct write_case *c = &writes[i];
		char *buf = NULL, *out;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);
		struct json_val v;
		struct jw w;

		if (f == NULL) {
			check(0, "open_memstream", c->what);
			continue;
		}
		jw_init(&w, f);
		jw_str(&w, NULL, c->in);
		out = captured(f, &buf);
		check(strcmp(out, c->out) == 0, "jw_str prints", c->what);
		check(utf8_valid((const unsigned char *)out, strlen(out)) && json_parse(out, strlen(out), &v) == 0 &&
			  v.type == JSON_STRING,
		      "jw_str output is valid UTF-8 and a JSON string", c->what);
		free(buf);
	}
	{
		/* A key goes through the same writer. */
		char *buf = NULL, *out;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);
		struct json_val m, v;
		struct jw w;

		if (f == NULL)
			return;
		jw_init(&w, f);
		jw_obj(&w, NULL);
		jw_str(&w, "drv\xff", "vfio\xc0");
		jw_end(&w);
		out = captured(f, &buf);
		check(strcmp(out, "{\n  \"drv" R "\": \"vfio" R "\"\n}\n") == 0 &&
			  json_parse(out, strlen(out), &m) == 0 && json_get(&m, "drv" R, &v) == 0 &&
			  json_str_eq(&v, "vfio" R),
		      "object key and value both replaced", "drv\\xff: vfio\\xc0");
		free(buf);
	}
}

static void test_terminal(void)
{
	for (size_t i = 0; i < sizeof(terminal) / sizeof(terminal[0]); i++) {
		const struct write_case *c = &terminal[i];
		char *buf = NULL, *out;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);

		if (f == NULL) {
			check(0, "open_memstream", c->what);
			continue;
		}
		utf8_put_json_line(f, c->in, strlen(c->in));
		out = captured(f, &buf);
		check(strcmp(out, c->out) == 0, "utf8_put_json_line prints", c->what);
		check(utf8_valid((const unsigned char *)out, strlen(out)), "terminal output is valid UTF-8", c->what);
		for (const unsigned char *p = (const unsigned char *)out; *p; p++)
			if ((*p < 0x20 && p[1] != '\0') || *p == 0x7f) {
				check(0, "no control byte but the final newline", c->what);
				break;
			}
		free(buf);
	}
}

static void test_decoder(void)
{
	/* Every code point: encoded by hand, decoded back whole; each
	 * surrogate as three replacements. */
	int bad = 0;

	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		unsigned char b[4];
		size_t n, k;
		uint32_t got;

		if (cp < 0x80) {
			b[0] = (unsigned char)cp;
			n = 1;
		} else if (cp < 0x800) {
			b[0] = (unsigned char)(0xc0 | cp >> 6);
			b[1] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 2;
		} else if (cp < 0x10000) {
			b[0] = (unsigned char)(0xe0 | cp >> 12);
			b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			b[2] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 3;
		} else {
			b[0] = (unsigned char)(0xf0 | cp >> 18);
			b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
			b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			b[3] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 4;
		}
		k = utf8_decode(b, n, &got);
		if (cp >= 0xd800 && cp <= 0xdfff)
			bad += !(k == 1 && got == UTF8_REPLACEMENT && !utf8_valid(b, n));
		else
			bad += !(k == n && got == cp && utf8_valid(b, n));
	}
	check(bad == 0, "utf8_decode: every code point round-trips, surrogates refused", "U+0000..U+10FFFF");
}

/* json_at() and json_uint(): QEMU's query-cpus-fast answer, which the
 * launcher pins vCPU threads from (vm/pin.c). */
static void test_array(void)
{
	const char *s = "{\"return\": [{\"thread-id\": 25989, \"props\": {\"thread-id\": 0}, \"cpu-index\": 0}, "
			"{\"thread-id\": 26001, \"cpu-index\": 1}]}";
	struct json_val m, r, e, v;
	unsigned long long n = 0;

	check(json_parse(s, strlen(s), &m) == 0 && json_get(&m, "return", &r) == 0 && json_at(&r, 0, &e) == 0 &&
		  json_get(&e, "thread-id", &v) == 0 && json_uint(&v, 1u << 30, &n) == 0 && n == 25989,
	      "json_at 0: the vCPU's thread-id, not its props'", s);
	check(json_at(&r, 1, &e) == 0 && json_get(&e, "cpu-index", &v) == 0 && json_uint(&v, 10, &n) == 0 && n == 1,
	      "json_at 1", s);
	check(json_at(&r, 2, &e) == -ENOENT, "json_at past the end: -ENOENT", s);
	check(json_at(&m, 0, &e) == -EINVAL, "json_at on an object: -EINVAL", s);
	{
		static const struct {
			const char *in;
			int r;
			unsigned long long v;
		} nums[] = {
		    {"0", 0, 0},	 {"1073741824", 0, 1073741824}, {"1073741825", -ERANGE, 0}, {"-1", -EINVAL, 0},
		    {"1.5", -EINVAL, 0}, {"1e3", -EINVAL, 0},		{"\"7\"", -EINVAL, 0},	    {"[]", -EINVAL, 0},
		};

		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			struct json_val x;
			int rc = json_parse(nums[i].in, strlen(nums[i].in), &x);

			n = 0;
			if (rc == 0)
				rc = json_uint(&x, 1u << 30, &n);
			check(rc == nums[i].r && n == nums[i].v, "json_uint within 2^30", nums[i].in);
		}
	}
	s = "[]";
	check(json_parse(s, 2, &r) == 0 && json_at(&r, 0, &e) == -ENOENT, "json_at of an empty array", s);
}

int main(void)
{
	struct json_val v, m;

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		check(json_parse(valid[i], strlen(valid[i]), &v) == 0, "valid JSON accepted", valid[i]);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		check(json_parse(invalid[i], strlen(invalid[i]), &v) < 0, "malformed JSON refused", invalid[i]);

	{
		static const char s[] = "{\"a\": {\"b\": [1, {\"c\": \"d\"}]}, \"e\": \"f\\\"g\", \"h\": 3}";
		struct json_val a, e, h, x;

		json_parse(s, strlen(s), &m);
		check(json_get(&m, "a", &a) == 0 && a.type == JSON_OBJECT && json_get(&a, "b", &x) == 0 &&
			  x.type == JSON_ARRAY,
		      "nested member", s);
		check(json_get(&m, "e", &e) == 0 && json_str_eq(&e, "f\"g") && !json_str_eq(&e, "f\"") &&
			  !json_str_eq(&e, "f\"gh"),
		      "string compared after decoding, whole", s);
		check(json_get(&m, "h", &h) == 0 && h.type == JSON_NUMBER && h.len == 1, "number member", s);
		check(json_get(&m, "c", &x) == -ENOENT, "only top-level members are found", s);
		check(json_get(&h, "x", &x) == -EINVAL, "json_get on a non-object", s);
	}
	{
		/* A NUL in a string is not the end of the comparison. */
		static const char s[] = "{\"r\": \"guest-shutdown\\u0000x\"}";
		struct json_val r;

		json_parse(s, strlen(s), &m);
		check(json_get(&m, "r", &r) == 0 && !json_str_eq(&r, "guest-shutdown"), "\\u0000 does not truncate", s);
	}
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		const char *l = events[i].line;
		int ok =
		    json_parse(l, strlen(l), &m) == 0 && qmp_is_guest_shutdown(&m) == (events[i].guest_shutdown != 0);

		check(ok, events[i].guest_shutdown ? "a clean guest shutdown" : "not a clean guest shutdown", l);
	}
	test_writer();
	test_terminal();
	test_decoder();
	test_array();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
