// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-json.c - table tests for the JSON scanner and the QMP event test
 * the launcher decides the host's power-off with: what QEMU 7.2 really
 * sends, escapes, malformed and hostile lines, and every near miss of
 * the one event that may power the host off.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/jsonread.h"
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
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
