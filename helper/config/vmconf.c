// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vmconf.c - parser for the [vm NAME] sections of /etc/vfiobind.conf.
 *
 * Every value is checked here, before anything runs: a path that QEMU or
 * swtpm would split at a comma, a user that is root, a timeout that is
 * not a number. Whether the user exists, the devices are present and the
 * files are there is the launcher's business at start time (`vfiobind
 * check` may run in an image build where none of that is true).
 */
#include "config/vmconf.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/str.h"

#define KEYS                                                                                                  \
	"user, qemu, args, devices, romfile, bus, tpm, disk, poweroff, sandbox, stop-timeout, memory, cpus, " \
	"emulator-cpus, isolate, hugepages, keep-hugepages, reboot"

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && str_is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && str_is_blank((*s)[*len - 1]))
		(*len)--;
}

/* The next blank-separated word of @s from *@i; false at the end. */
static bool next_word(const char *s, size_t len, size_t *i, const char **w, size_t *wl)
{
	while (*i < len && str_is_blank(s[*i]))
		(*i)++;
	if (*i == len)
		return false;
	*w = s + *i;
	while (*i < len && !str_is_blank(s[*i]))
		(*i)++;
	*wl = (size_t)(s + *i - *w);
	return true;
}

static size_t count_words(const char *s, size_t len)
{
	const char *w;
	size_t i = 0, wl, n = 0;

	while (next_word(s, len, &i, &w, &wl))
		n++;
	return n;
}

bool vm_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > VM_NAME_MAX || name[0] == '-' || name[0] == '_')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_'))
			return false;
	}
	return true;
}

const struct vm *vmconf_find(const struct vmconf *vc, const char *name)
{
	for (size_t i = 0; vc && i < vc->n; i++)
		if (strcmp(vc->vm[i].name, name) == 0)
			return &vc->vm[i];
	return NULL;
}

/* One parse context: where we are, for messages. */
struct ctx {
	struct vmconf *vc;
	struct vm *vm;
	const char *file;
	unsigned line;
	const char *key;
};

static int err(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int err(struct ctx *x, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(&x->vc->errs, "%s:%u: %s", x->file, x->line, msg);
	if (x->vm)
		diags_add(&x->vm->errs, "%s:%u: %s", x->file, x->line, msg);
	return 0;
}

static int parse_header(struct ctx *x, const char *s, size_t len)
{
	const char *w[3] = {NULL}, *in = s + 1;
	size_t wl[3] = {0}, i = 0, inlen, n = 0;
	char q[96], name[VM_NAME_MAX + 1];
	const struct vm *dup;
	struct vm *vm;

	str_quote(s, len, q, sizeof(q));
	x->vc->cur_bad = true;
	if (len < 2 || s[len - 1] != ']')
		return err(x, "'%s' is not a section header; write [vm NAME]", q);
	inlen = len - 2;
	while (n < 3 && next_word(in, inlen, &i, &w[n], &wl[n]))
		n++;
	if (n == 0 || !str_span_eq(w[0], wl[0], "vm"))
		return err(x, "unknown section '%s'; the only section is [vm NAME]", q);
	if (n == 1)
		return err(x, "'%s' has no VM name; write [vm NAME]", q);
	if (n > 2)
		return err(x, "'%s': a VM name is one word", q);
	if (wl[1] > VM_NAME_MAX) {
		return err(x, "'%s': a VM name has at most %d characters", q, VM_NAME_MAX);
	}
	memcpy(name, w[1], wl[1]);
	name[wl[1]] = '\0';
	if (!vm_name_valid(name))
		return err(x, "'%s': a VM name is letters, digits, '-' and '_', starting with a letter or digit", q);
	dup = vmconf_find(x->vc, name);
	if (dup) {
		/* Which of the two is meant cannot be told: that VM's error. */
		x->vm = &x->vc->vm[dup - x->vc->vm];
		return err(x, "VM '%s' is already declared at line %u", name, dup->line);
	}

	if (x->vc->n == x->vc->cap) {
		size_t cap = x->vc->cap ? x->vc->cap * 2 : 4;
		struct vm *v = realloc(x->vc->vm, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		x->vc->vm = v;
		x->vc->cap = cap;
	}
	vm = &x->vc->vm[x->vc->n++];
	memset(vm, 0, sizeof(*vm));
	memcpy(vm->name, name, wl[1] + 1);
	vm->file = x->file;
	vm->line = x->line;
	vm->stop_timeout = VM_STOP_TIMEOUT_DEF;
	x->vc->cur_bad = false;
	return 0;
}

/* Once-only keys: the line of the first, so a repeat names it. */
static bool once(struct ctx *x, unsigned *seen)
{
	if (*seen) {
		err(x, "%s is given twice (first at line %u)", x->key, *seen);
		return false;
	}
	*seen = x->line;
	return true;
}

/* A file path QEMU or swtpm takes inside an option (romfile=, dir=):
 * absolute, printable, no comma (their option separator), no "..". */
static bool path_ok(struct ctx *x, const char *w, size_t wl)
{
	char q[96];

	str_quote(w, wl, q, sizeof(q));
	if (wl == 0 || w[0] != '/')
		return err(x, "%s: '%s' is not an absolute path", x->key, q), false;
	if (wl >= 512)
		return err(x, "%s: '%s' is longer than 511 bytes", x->key, q), false;
	for (size_t i = 0; i < wl; i++) {
		unsigned char c = (unsigned char)w[i];

		if (c < 0x20 || c == 0x7f)
			return err(x, "%s: '%s' contains a control character", x->key, q), false;
		if (c == ',')
			return err(x, "%s: '%s' contains a comma, which QEMU and swtpm read as an option separator",
				   x->key, q),
			       false;
		if (c == '.' && i > 0 && w[i - 1] == '/' && i + 1 < wl && w[i + 1] == '.' &&
		    (i + 2 == wl || w[i + 2] == '/'))
			return err(x, "%s: '%s' contains '..'", x->key, q), false;
	}
	return true;
}

static int key_user(struct ctx *x, const char *v, size_t vl)
{
	char q[96];

	str_quote(v, vl, q, sizeof(q));
	if (!once(x, &x->vm->user_line))
		return 0;
	if (count_words(v, vl) != 1)
		return err(x, "user: '%s' is not one user name", q);
	if (vl > VM_USER_MAX)
		return err(x, "user: '%s' is longer than %d characters", q, VM_USER_MAX);
	/* POSIX portable user names (letters, digits, '.', '_', '-', not
	 * starting with '-'), plus the trailing '$' of Samba machine accounts. */
	for (size_t i = 0; i < vl; i++) {
		char c = v[i];
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
		bool later = (c >= '0' && c <= '9') || c == '-' || c == '.' || (c == '$' && i == vl - 1);

		if (!letter && !(i > 0 && later))
			return err(x, "user: '%s' is not a valid user name", q);
	}
	if (str_span_eq(v, vl, "root"))
		return err(x, "user: QEMU never runs as root; name an unprivileged user");
	memcpy(x->vm->user, v, vl);
	x->vm->user[vl] = '\0';
	return 0;
}

static int push_words(struct ctx *x, struct strv *sv, const char *v, size_t vl)
{
	const char *w;
	size_t i = 0, wl;

	(void)x;
	while (next_word(v, vl, &i, &w, &wl))
		if (strv_push(sv, w, wl) < 0)
			return -ENOMEM;
	return 0;
}

static int key_qemu(struct ctx *x, const char *v, size_t vl)
{
	const char *w;
	size_t i = 0, wl;
	char q[96];

	if (!once(x, &x->vm->qemu_line))
		return 0;
	next_word(v, vl, &i, &w, &wl);
	str_quote(w, wl, q, sizeof(q));
	/* A bare name is looked up in the launcher's fixed PATH; "./x"
	 * would depend on a working directory nobody chose. */
	if (w[0] != '/' && memchr(w, '/', wl) != NULL)
		return err(x, "qemu: '%s' is a relative path; give an absolute path or a bare program name", q);
	return push_words(x, &x->vm->qemu, v, vl);
}

/* Each word with its line, for the messages about -m and -smp. */
static int key_args(struct ctx *x, const char *v, size_t vl)
{
	size_t n = x->vm->args.n + count_words(v, vl);
	unsigned *at = realloc(x->vm->args_line, (n ? n : 1) * sizeof(*at));

	if (at == NULL)
		return -ENOMEM;
	x->vm->args_line = at;
	for (size_t i = x->vm->args.n; i < n; i++)
		at[i] = x->line;
	return push_words(x, &x->vm->args, v, vl);
}

static int add_dev(struct vm *vm, const struct selector *sel)
{
	if (vm->ndev == vm->dev_cap) {
		size_t cap = vm->dev_cap ? vm->dev_cap * 2 : 8;
		struct selector *v = realloc(vm->dev, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		vm->dev = v;
		vm->dev_cap = cap;
	}
	vm->dev[vm->ndev++] = *sel;
	return 0;
}

static int key_devices(struct ctx *x, const char *v, size_t vl)
{
	const char *w;
	size_t i = 0, wl;

	while (next_word(v, vl, &i, &w, &wl)) {
		struct selector sel;
		char e[256];

		if (selector_parse(w, wl, &sel, e, sizeof(e)) < 0) {
			err(x, "devices: %s", e);
			continue;
		}
		sel.file = x->file;
		sel.line = x->line;
		if (add_dev(x->vm, &sel) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* "0000:03:00.0" only: a ROM belongs to one function. */
static bool function_word(struct ctx *x, const char *w, size_t wl, struct pci_addr *a)
{
	struct selector sel;
	char e[256], q[96];

	str_quote(w, wl, q, sizeof(q));
	if (selector_parse(w, wl, &sel, e, sizeof(e)) < 0)
		return err(x, "%s: %s", x->key, e), false;
	if (sel.kind != SEL_FUNCTION)
		return err(x, "%s: '%s' is not one function; name it as DOMAIN:BUS:DEV.FN, e.g. 0000:03:00.0", x->key,
			   q),
		       false;
	*a = sel.addr;
	return true;
}

static int key_romfile(struct ctx *x, const char *v, size_t vl)
{
	const char *w[2];
	size_t wl[2], i = 0;
	struct vm_romfile *r;
	struct pci_addr a;

	if (count_words(v, vl) != 2)
		return err(x, "romfile: write romfile = ADDRESS PATH, e.g. 0000:03:00.0 /var/lib/vfiobind/dummy.rom");
	next_word(v, vl, &i, &w[0], &wl[0]);
	next_word(v, vl, &i, &w[1], &wl[1]);
	if (!function_word(x, w[0], wl[0], &a) || !path_ok(x, w[1], wl[1]))
		return 0;
	for (size_t k = 0; k < x->vm->nrom; k++) {
		if (pci_addr_cmp(&x->vm->rom[k].addr, &a) == 0) {
			char s[PCI_ADDR_STRLEN];

			pci_addr_format(&a, s);
			return err(x, "romfile: %s already has a ROM file (line %u)", s, x->vm->rom[k].line);
		}
	}
	r = realloc(x->vm->rom, (x->vm->nrom + 1) * sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	x->vm->rom = r;
	r = &x->vm->rom[x->vm->nrom];
	r->addr = a;
	r->line = x->line;
	r->path = strndup(w[1], wl[1]);
	if (r->path == NULL)
		return -ENOMEM;
	x->vm->nrom++;
	return 0;
}

/* A QEMU id (bus names are device ids): QEMU's id_wellformed(). */
static bool qemu_id_ok(const char *s, size_t len)
{
	if (len == 0 || len > VM_QEMU_ID_MAX || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.'))
			return false;
	}
	return true;
}

static int key_bus(struct ctx *x, const char *v, size_t vl)
{
	const char *w[3];
	size_t wl[3], i = 0, n = count_words(v, vl);
	struct selector sel;
	struct vm_bus *b;
	char e[256], q[96];
	unsigned long dev = 0;

	if (n < 2 || n > 3)
		return err(x, "bus: write bus = SLOT BUS [DEVICE], e.g. 0000:0c:00 pcie.0 1e");
	for (size_t k = 0; k < n; k++)
		next_word(v, vl, &i, &w[k], &wl[k]);
	if (selector_parse(w[0], wl[0], &sel, e, sizeof(e)) < 0)
		return err(x, "bus: %s", e);
	str_quote(w[0], wl[0], q, sizeof(q));
	if (sel.kind == SEL_ID)
		return err(x, "bus: '%s' is an ID; name the card by its slot, e.g. 0000:0c:00", q);
	str_quote(w[1], wl[1], q, sizeof(q));
	if (!qemu_id_ok(w[1], wl[1]))
		return err(x, "bus: '%s' is not a QEMU bus id (a letter, then letters, digits, '-', '_', '.')", q);
	if (n == 3) {
		char num[8], *end;

		str_quote(w[2], wl[2], q, sizeof(q));
		if (wl[2] == 0 || wl[2] > 4)
			return err(x, "bus: device '%s' is not a hex number from 0 to 1f", q);
		memcpy(num, w[2], wl[2]);
		num[wl[2]] = '\0';
		errno = 0;
		dev = strtoul(num, &end, 16);
		if (errno || *end || num[0] == '-' || num[0] == '+' || dev > 0x1f)
			return err(x, "bus: device '%s' is not a hex number from 0 to 1f", q);
	}
	sel.addr.fn = 0;
	for (size_t k = 0; k < x->vm->nbus; k++) {
		if (pci_addr_cmp(&x->vm->bus[k].slot, &sel.addr) == 0) {
			char s[PCI_ADDR_STRLEN];

			pci_slot_format(&sel.addr, s);
			return err(x, "bus: the card in slot %s already has a bus (line %u)", s, x->vm->bus[k].line);
		}
	}
	b = realloc(x->vm->bus, (x->vm->nbus + 1) * sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	x->vm->bus = b;
	b = &x->vm->bus[x->vm->nbus++];
	memset(b, 0, sizeof(*b));
	b->slot = sel.addr;
	memcpy(b->bus, w[1], wl[1]);
	b->dev = (unsigned)dev;
	b->line = x->line;
	return 0;
}

static int key_tpm(struct ctx *x, const char *v, size_t vl)
{
	if (!once(x, &x->vm->tpm_line))
		return 0;
	if (count_words(v, vl) != 1)
		return err(x, "tpm: write tpm = DIRECTORY (the swtpm state of this VM)");
	if (!path_ok(x, v, vl))
		return 0;
	x->vm->tpm = strndup(v, vl);
	return x->vm->tpm ? 0 : -ENOMEM;
}

/* disk = PATH... [force]: 'force' (never a path: paths are absolute)
 * covers every path of its line. */
static int key_disk(struct ctx *x, const char *v, size_t vl)
{
	const char *w;
	size_t i = 0, wl, npaths = 0;
	bool force = false;

	while (next_word(v, vl, &i, &w, &wl)) {
		if (!str_span_eq(w, wl, "force"))
			npaths++;
		else if (force)
			return err(x, "disk: the word 'force' is given twice");
		else
			force = true;
	}
	if (npaths == 0)
		return err(x, "disk: 'force' names no disk; write disk = PATH force");
	for (i = 0; next_word(v, vl, &i, &w, &wl);) {
		struct vm_disk *d;

		if (str_span_eq(w, wl, "force") || !path_ok(x, w, wl))
			continue;
		d = realloc(x->vm->disk_at, (x->vm->disk.n + 1) * sizeof(*d));
		if (d == NULL)
			return -ENOMEM;
		x->vm->disk_at = d;
		d[x->vm->disk.n] = (struct vm_disk){.line = x->line, .force = force};
		if (strv_push(&x->vm->disk, w, wl) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A "yes" or "no" value of @key into *@out; anything else is an error. */
static int yes_no(struct ctx *x, const char *key, const char *v, size_t vl, bool *out)
{
	char q[96];

	if (str_span_eq(v, vl, "yes") || str_span_eq(v, vl, "no")) {
		*out = str_span_eq(v, vl, "yes");
		return 0;
	}
	str_quote(v, vl, q, sizeof(q));
	return err(x, "%s: '%s' is neither yes nor no", key, q);
}

static int key_poweroff(struct ctx *x, const char *v, size_t vl)
{
	return once(x, &x->vm->poweroff_line) ? yes_no(x, "poweroff", v, vl, &x->vm->poweroff) : 0;
}

static int key_sandbox(struct ctx *x, const char *v, size_t vl)
{
	bool on = true;
	int r;

	if (!once(x, &x->vm->sandbox_line))
		return 0;
	r = yes_no(x, "sandbox", v, vl, &on);
	x->vm->no_sandbox = !on;
	return r;
}

static int key_stop_timeout(struct ctx *x, const char *v, size_t vl)
{
	char num[16], *end, q[96];
	unsigned long t;

	if (!once(x, &x->vm->stop_line))
		return 0;
	str_quote(v, vl, q, sizeof(q));
	if (vl >= sizeof(num) || v[0] < '0' || v[0] > '9')
		return err(x, "stop-timeout: '%s' is not a number of seconds from 1 to %d", q, VM_STOP_TIMEOUT_MAX);
	memcpy(num, v, vl);
	num[vl] = '\0';
	errno = 0;
	t = strtoul(num, &end, 10);
	if (errno || *end || t < 1 || t > VM_STOP_TIMEOUT_MAX)
		return err(x, "stop-timeout: '%s' is not a number of seconds from 1 to %d", q, VM_STOP_TIMEOUT_MAX);
	x->vm->stop_timeout = (unsigned)t;
	return 0;
}

/* "16G": a number and a binary unit K, M, G or T (either case) into
 * bytes; with @mib_default a bare number is MiB, as QEMU's -m reads it
 * (qemu_strtosz_MiB()). Return: 0, -EINVAL (not a number, junk after it,
 * or no unit without @mib_default), -ERANGE past 2^64 bytes. */
static int parse_size(const char *v, size_t vl, bool mib_default, unsigned long long *bytes)
{
	unsigned long long n = 0;
	unsigned shift;
	size_t i = 0;

	while (i < vl && v[i] >= '0' && v[i] <= '9') {
		if (n > (ULLONG_MAX - 9) / 10)
			return -ERANGE;
		n = n * 10 + (unsigned long long)(v[i++] - '0');
	}
	if (i == 0)
		return -EINVAL;
	if (i == vl) {
		if (!mib_default)
			return -EINVAL;
		shift = 20;
	} else if (i + 1 == vl) {
		switch (v[i]) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		case 't':
		case 'T':
			shift = 40;
			break;
		default:
			return -EINVAL;
		}
	} else {
		return -EINVAL;
	}
	if (n > (ULLONG_MAX >> shift))
		return -ERANGE;
	*bytes = n << shift;
	return 0;
}

void vmconf_size_format(unsigned long long mib, char *buf, size_t len)
{
	if (mib && mib % (1024ULL * 1024) == 0)
		snprintf(buf, len, "%lluT", mib / (1024ULL * 1024));
	else if (mib && mib % 1024 == 0)
		snprintf(buf, len, "%lluG", mib / 1024);
	else
		snprintf(buf, len, "%lluM", mib);
}

static int key_memory(struct ctx *x, const char *v, size_t vl)
{
	unsigned long long bytes = 0;
	char q[96];
	int r;

	if (!once(x, &x->vm->memory_line))
		return 0;
	str_quote(v, vl, q, sizeof(q));
	r = parse_size(v, vl, false, &bytes);
	if (r == -ERANGE)
		return err(x, "memory: '%s' is too large", q);
	if (r < 0 && vl > 0 && v[vl - 1] >= '0' && v[vl - 1] <= '9' && count_words(v, vl) == 1)
		return err(x, "memory: '%s' has no unit; write it with K, M, G or T, e.g. 16G or 16384M", q);
	if (r < 0)
		return err(x, "memory: '%s' is not a size; write a number and K, M, G or T, e.g. 16G", q);
	if (bytes == 0 || bytes % (1024 * 1024))
		return err(x, "memory: '%s' is not a whole number of MiB (at least 1M)", q);
	x->vm->memory_mib = bytes >> 20;
	return 0;
}

/* cpus = and emulator-cpus =: a kernel CPU list (basic/cpulist.h). */
static int cpu_key(struct ctx *x, unsigned *line, struct cpuset **out, const char *v, size_t vl)
{
	struct cpuset set;
	char e[256];

	if (!once(x, line))
		return 0;
	if (cpulist_read(v, vl, &set, e, sizeof(e)) < 0)
		return err(x, "%s: %s", x->key, e);
	*out = malloc(sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	**out = set;
	return 0;
}

static int key_cpus(struct ctx *x, const char *v, size_t vl)
{
	return cpu_key(x, &x->vm->cpus_line, &x->vm->cpus, v, vl);
}

static int key_emulator_cpus(struct ctx *x, const char *v, size_t vl)
{
	return cpu_key(x, &x->vm->emu_line, &x->vm->emulator_cpus, v, vl);
}

static int key_isolate(struct ctx *x, const char *v, size_t vl)
{
	return once(x, &x->vm->isolate_line) ? yes_no(x, "isolate", v, vl, &x->vm->isolate) : 0;
}

static int key_hugepages(struct ctx *x, const char *v, size_t vl)
{
	char q[96];

	if (!once(x, &x->vm->huge_line))
		return 0;
	if (str_span_eq(v, vl, "2M"))
		x->vm->hugepages_kb = VM_HUGE_2M_KB;
	else if (str_span_eq(v, vl, "1G"))
		x->vm->hugepages_kb = VM_HUGE_1G_KB;
	else if (!str_span_eq(v, vl, "no")) {
		str_quote(v, vl, q, sizeof(q));
		return err(x, "hugepages: '%s' is not 2M, 1G or no", q);
	}
	return 0;
}

static int key_keep_hugepages(struct ctx *x, const char *v, size_t vl)
{
	return once(x, &x->vm->keep_line) ? yes_no(x, "keep-hugepages", v, vl, &x->vm->keep_hugepages) : 0;
}

/* reboot = restart | reset: what a guest reboot does (vmconf.h). */
static int key_reboot(struct ctx *x, const char *v, size_t vl)
{
	char q[96];

	if (!once(x, &x->vm->reboot_line))
		return 0;
	if (str_span_eq(v, vl, "restart") || str_span_eq(v, vl, "reset")) {
		x->vm->reboot_restart = str_span_eq(v, vl, "restart");
		return 0;
	}
	str_quote(v, vl, q, sizeof(q));
	return err(x, "reboot: '%s' is neither restart nor reset", q);
}

static const struct {
	const char *key;
	int (*fn)(struct ctx *x, const char *v, size_t vl);
} keys[] = {
    {"user", key_user},
    {"qemu", key_qemu},
    {"args", key_args},
    {"devices", key_devices},
    {"romfile", key_romfile},
    {"bus", key_bus},
    {"tpm", key_tpm},
    {"disk", key_disk},
    {"poweroff", key_poweroff},
    {"sandbox", key_sandbox},
    {"stop-timeout", key_stop_timeout},
    {"memory", key_memory},
    {"cpus", key_cpus},
    {"emulator-cpus", key_emulator_cpus},
    {"isolate", key_isolate},
    {"hugepages", key_hugepages},
    {"keep-hugepages", key_keep_hugepages},
    {"reboot", key_reboot},
};

static int parse_key(struct ctx *x, const char *s, size_t len)
{
	const char *eqs = memchr(s, '=', len), *k = s, *v;
	size_t kl, vl;
	char q[96];

	if (eqs == NULL) {
		str_quote(s, len, q, sizeof(q));
		return err(x, "'%s' is not KEY = VALUE (in [vm %s])", q, x->vm->name);
	}
	kl = (size_t)(eqs - s);
	trim(&k, &kl);
	v = eqs + 1;
	vl = (size_t)(s + len - v);
	trim(&v, &vl);
	str_quote(k, kl, q, sizeof(q));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!str_span_eq(k, kl, keys[i].key))
			continue;
		x->key = keys[i].key;
		if (vl == 0)
			return err(x, "%s needs a value", x->key);
		return keys[i].fn(x, v, vl);
	}
	return err(x, "unknown key '%s' in [vm %s]; the keys are " KEYS, q, x->vm->name);
}

/* A selector line of the device list: no '=', and its first word is a
 * selector. */
static bool is_device_line(const char *s, size_t len)
{
	struct selector sel;
	const char *w;
	size_t i = 0, wl;
	char e[256];

	if (memchr(s, '=', len) || !next_word(s, len, &i, &w, &wl))
		return false;
	return selector_parse(w, wl, &sel, e, sizeof(e)) == 0;
}

int vmconf_line(struct vmconf **vcp, const char *s, size_t len, const char *name, unsigned lineno)
{
	struct vmconf *vc = *vcp;
	struct ctx x;

	trim(&s, &len);
	if (len > 0 && s[0] == '[') {
		if (vc == NULL) {
			vc = calloc(1, sizeof(*vc));
			if (vc == NULL)
				return -ENOMEM;
			*vcp = vc;
		}
		vc->in_section = true;
		x = (struct ctx){.vc = vc, .file = name, .line = lineno};
		return parse_header(&x, s, len) < 0 ? -ENOMEM : 1;
	}
	if (vc == NULL || !vc->in_section)
		return 0;
	/* The lines of a section whose header was refused say nothing
	 * more worth reading: one error per mistake. */
	if (len == 0)
		return 1;
	if (is_device_line(s, len))
		return VMCONF_DEVICE_LINE;
	if (vc->cur_bad)
		return 1;
	x = (struct ctx){.vc = vc, .vm = &vc->vm[vc->n - 1], .file = name, .line = lineno};
	return parse_key(&x, s, len) < 0 ? -ENOMEM : 1;
}

/* Whether @a is named by one of the VM's devices = selectors; unknown
 * (true) when one of them is an ID, which only the scan can resolve. */
static bool vm_names(const struct vm *vm, const struct pci_addr *a, bool slot)
{
	for (size_t i = 0; i < vm->ndev; i++) {
		const struct selector *s = &vm->dev[i];

		if (s->kind == SEL_ID || s->kind == SEL_VF)
			return true;
		if (s->addr.domain != a->domain || s->addr.bus != a->bus || s->addr.dev != a->dev)
			continue;
		if (s->kind == SEL_SLOT || slot || s->addr.fn == a->fn)
			return true;
	}
	return false;
}

/* The value of the last -@opt (or --@opt) among the QEMU words, the
 * program's own after it and then args = (QEMU takes the last: both are
 * merged option lists, later keys winning). Return: the value, or NULL;
 * *@line is its line. */
static const char *qemu_opt(const struct vm *vm, const char *opt, unsigned *line)
{
	const char *val = NULL;

	for (size_t i = 1; i + 1 < vm->qemu.n; i++) {
		const char *w = vm->qemu.v[i];

		if (w[0] == '-' && strcmp(w + 1 + (w[1] == '-'), opt) == 0) {
			val = vm->qemu.v[i + 1];
			*line = vm->qemu_line;
		}
	}
	for (size_t i = 0; i + 1 < vm->args.n; i++) {
		const char *w = vm->args.v[i];

		if (w[0] == '-' && strcmp(w + 1 + (w[1] == '-'), opt) == 0) {
			val = vm->args.v[i + 1];
			*line = vm->args_line[i];
		}
	}
	return val;
}

/* The size of a -m value ("[size=]SIZE[,slots=N,maxmem=SIZE]", a bare
 * number in MiB), rounded up to MiB. Return: 0, or -EINVAL. */
static int qemu_m_size(const char *v, unsigned long long *mib)
{
	size_t first = 1;

	while (*v) {
		size_t l = strcspn(v, ",");
		const char *sz = NULL;
		size_t szl = 0;

		if (first && memchr(v, '=', l) == NULL) {
			sz = v;
			szl = l;
		} else if (l > 5 && strncmp(v, "size=", 5) == 0) {
			sz = v + 5;
			szl = l - 5;
		}
		if (sz) {
			unsigned long long b;

			if (parse_size(sz, szl, true, &b) < 0 || b == 0)
				return -EINVAL;
			*mib = (b + (1ULL << 20) - 1) >> 20;
			return 0;
		}
		first = 0;
		v += l + (v[l] == ',');
	}
	return -EINVAL;
}

/* The vCPU count of a -smp value ("[cpus=]N[,maxcpus=M][,sockets=S]
 * [,cores=C][,threads=T]..."): cpus, else maxcpus, else the product of
 * the topology given (QEMU's smp_parse(), missing ones 1). Return: the
 * count, or 0 when it cannot be read. */
static unsigned long qemu_smp_count(const char *v)
{
	static const char *const topo[] = {
	    "drawers=", "books=", "sockets=", "dies=", "clusters=", "modules=", "cores=", "threads="};
	unsigned long cpus = 0, maxcpus = 0, product = 1;
	bool first = true;

	while (*v) {
		size_t l = strcspn(v, ",");
		unsigned long n = 0;
		const char *num = v, *eq = memchr(v, '=', l);
		char *end;

		if (eq)
			num = eq + 1;
		if (*num < '0' || *num > '9')
			return 0;
		errno = 0;
		n = strtoul(num, &end, 10);
		if (errno || end != v + l || n > 65536)
			return 0;
		if (eq == NULL && first)
			cpus = n;
		else if (eq && (size_t)(eq - v) == 4 && strncmp(v, "cpus", 4) == 0)
			cpus = n;
		else if (eq && (size_t)(eq - v) == 7 && strncmp(v, "maxcpus", 7) == 0)
			maxcpus = n;
		else
			for (size_t k = 0; k < sizeof(topo) / sizeof(topo[0]); k++)
				if (strncmp(v, topo[k], strlen(topo[k])) == 0 &&
				    (size_t)(eq + 1 - v) == strlen(topo[k]))
					product *= n;
		first = false;
		v += l + (v[l] == ',');
	}
	return cpus ? cpus : maxcpus ? maxcpus : product;
}

/* Whether word @w (after @prev) gives the guest's RAM a backend of its
 * own: -mem-path, -object memory-backend-*, -machine memory-backend=,
 * -numa memdev=. */
static bool sets_backend(const char *prev, const char *w)
{
	const char *o = prev && prev[0] == '-' ? prev + 1 + (prev[1] == '-') : "";

	if (w[0] == '-' && (strcmp(w + 1 + (w[1] == '-'), "mem-path") == 0))
		return true;
	if (strcmp(o, "object") == 0 && strncmp(w, "memory-backend-", 15) == 0)
		return true;
	return (strcmp(o, "machine") == 0 || strcmp(o, "M") == 0 || strcmp(o, "numa") == 0) &&
	       (strstr(w, "memory-backend=") || strstr(w, "memdev="));
}

/* A word of the QEMU command that backs the RAM itself, with its line,
 * or NULL. */
static const char *qemu_backend(const struct vm *vm, unsigned *line)
{
	for (size_t i = 1; i < vm->qemu.n; i++)
		if (sets_backend(vm->qemu.v[i - 1], vm->qemu.v[i])) {
			*line = vm->qemu_line;
			return vm->qemu.v[i];
		}
	for (size_t i = 0; i < vm->args.n; i++)
		if (sets_backend(i ? vm->args.v[i - 1] : NULL, vm->args.v[i])) {
			*line = vm->args_line[i];
			return vm->args.v[i];
		}
	return NULL;
}

/* memory, cpus, hugepages and their -m and -smp (vmconf.h). */
static void check_resources(struct ctx *x, struct vm *vm)
{
	unsigned m_line = 0, smp_line = 0;
	const char *m = qemu_opt(vm, "m", &m_line), *smp = qemu_opt(vm, "smp", &smp_line);
	unsigned long long m_mib = 0;
	char a[24], b[24], list[128], mq[96] = "", sq[96] = "";
	bool m_ok = m && qemu_m_size(m, &m_mib) == 0;

	if (m)
		str_quote(m, strlen(m), mq, sizeof(mq));
	if (smp)
		str_quote(smp, strlen(smp), sq, sizeof(sq));

	vm->smp_given = smp != NULL;
	vm->memory_emit = vm->memory_mib && m == NULL;
	if (vm->memory_mib && m) {
		x->line = vm->memory_line;
		vmconf_size_format(vm->memory_mib, a, sizeof(a));
		if (!m_ok)
			err(x,
			    "memory = %s, and -m '%s' (line %u) is not a size to compare it with; give only one of "
			    "them",
			    a, mq, m_line);
		else if (m_mib != vm->memory_mib)
			err(x, "memory = %s, but -m %s (line %u) says otherwise; give only one of them", a, mq, m_line);
	} else if (m_ok) {
		vm->memory_mib = m_mib;
	}
	if (vm->hugepages_kb) {
		unsigned long long page_mib = vm->hugepages_kb / 1024;

		x->line = vm->huge_line;
		vmconf_size_format(page_mib, b, sizeof(b));
		if (vm->memory_mib == 0 && m)
			err(x,
			    "hugepages = %s needs the guest's memory size, and -m '%s' (line %u) is not one; write "
			    "memory = SIZE",
			    b, mq, m_line);
		else if (vm->memory_mib == 0)
			err(x, "hugepages = %s needs the guest's memory size: add memory = SIZE (or -m to args)", b);
		else if (vm->memory_mib % page_mib) {
			vmconf_size_format(vm->memory_mib, a, sizeof(a));
			err(x, "hugepages = %s: the guest's memory %s is not a whole number of %s pages", b, a, b);
		}
		unsigned be_line = 0;
		const char *be = qemu_backend(vm, &be_line);

		if (be) {
			char bq[96];

			str_quote(be, strlen(be), bq, sizeof(bq));
			x->line = be_line;
			err(x,
			    "'%s' gives the guest's RAM a backend of its own, and hugepages = %s (line %u) puts it on "
			    "vfiobind's; drop one of them",
			    bq, b, vm->huge_line);
		}
	}
	if (vm->keep_hugepages && vm->hugepages_kb == 0) {
		x->line = vm->keep_line;
		err(x, "keep-hugepages = yes keeps nothing: this VM has no hugepages = 2M or 1G");
	}
	if (vm->cpus && smp) {
		unsigned long n = qemu_smp_count(smp);
		unsigned have = cpuset_count(vm->cpus);

		x->line = vm->cpus_line;
		cpulist_format(vm->cpus, list, sizeof(list));
		if (n == 0)
			err(x,
			    "cpus = %s, and -smp '%s' (line %u) is not a vCPU count to compare it with; drop -smp, the "
			    "launcher derives it from cpus",
			    list, sq, smp_line);
		else if (n != have)
			err(x, "cpus = %s names %u CPU%s, but -smp %s (line %u) asks for %lu vCPU%s; one vCPU per CPU",
			    list, have, have == 1 ? "" : "s", sq, smp_line, n, n == 1 ? "" : "s");
	}
	if (vm->cpus && vm->emulator_cpus) {
		struct cpuset both;

		cpuset_and(&both, vm->cpus, vm->emulator_cpus);
		if (cpuset_count(&both)) {
			x->line = vm->emu_line;
			cpulist_format(&both, list, sizeof(list));
			err(x,
			    "emulator-cpus: %s %s also in cpus (line %u); QEMU's other threads must keep off the "
			    "vCPUs' "
			    "CPUs",
			    list, cpuset_count(&both) == 1 ? "is" : "are", vm->cpus_line);
		}
	}
	if (vm->isolate && vm->cpus == NULL) {
		x->line = vm->isolate_line;
		err(x, "isolate = yes needs cpus = LIST: the CPUs to keep the host's own work off");
	}
}

void vmconf_finish(struct vmconf *vc)
{
	for (size_t i = 0; vc && i < vc->n; i++) {
		struct vm *vm = &vc->vm[i];
		struct ctx x = {.vc = vc, .vm = vm, .file = vm->file, .line = vm->line};
		char a[PCI_ADDR_STRLEN];

		if (!vm->user_line)
			err(&x, "[vm %s] has no 'user =' line: the unprivileged user QEMU runs as", vm->name);
		if (!vm->qemu_line)
			err(&x, "[vm %s] has no 'qemu =' line: the QEMU program or script to run", vm->name);
		check_resources(&x, vm);
		if (vm->ndev == 0)
			continue;
		for (size_t k = 0; k < vm->nrom; k++) {
			if (vm_names(vm, &vm->rom[k].addr, false))
				continue;
			x.line = vm->rom[k].line;
			pci_addr_format(&vm->rom[k].addr, a);
			err(&x, "romfile: %s is not one of this VM's devices", a);
		}
		for (size_t k = 0; k < vm->nbus; k++) {
			if (vm_names(vm, &vm->bus[k].slot, true))
				continue;
			x.line = vm->bus[k].line;
			pci_slot_format(&vm->bus[k].slot, a);
			err(&x, "bus: slot %s is not one of this VM's devices", a);
		}
	}
}

void vmconf_free(struct vmconf *vc)
{
	if (vc == NULL)
		return;
	for (size_t i = 0; i < vc->n; i++) {
		struct vm *vm = &vc->vm[i];

		strv_free(&vm->qemu);
		strv_free(&vm->args);
		strv_free(&vm->disk);
		free(vm->disk_at);
		free(vm->args_line);
		free(vm->cpus);
		free(vm->emulator_cpus);
		free(vm->dev);
		for (size_t k = 0; k < vm->nrom; k++)
			free(vm->rom[k].path);
		free(vm->rom);
		free(vm->bus);
		free(vm->tpm);
		diags_free(&vm->errs);
	}
	free(vc->vm);
	diags_free(&vc->errs);
	free(vc);
}
