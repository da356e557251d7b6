// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * selector.c - parsing PCI addresses, slots, IDs and selector words, and
 * formatting selectors for messages.
 *
 * Hand-written digit-count parsing rather than sscanf: sscanf("%x") takes
 * signs, blanks and any width, and a config typo must not silently become
 * a different address.
 */
#include "config/selector.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/str.h"

/* Parse exactly @n hex digits at @s. */
static int hex_fixed(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;

	for (size_t i = 0; i < n; i++) {
		int d = str_hexval(s[i]);

		if (d < 0)
			return -EINVAL;
		v = (v << 4) | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* Split @s at ':' into at most 3 fields; returns the field count or -1. */
static int split_colons(const char *s, size_t len, const char *field[3], size_t flen[3])
{
	int n = 0;
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ':')
			continue;
		if (n == 3)
			return -1;
		field[n] = s + start;
		flen[n] = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

/* "DEV.FN" or "DEV" (when @fn is NULL) */
static int parse_dev_fn(const char *s, size_t len, uint8_t *dev, uint8_t *fn)
{
	uint32_t d, f;

	if (fn == NULL) {
		if (len != 2 || hex_fixed(s, 2, &d) < 0 || d > 0x1f)
			return -EINVAL;
		*dev = (uint8_t)d;
		return 0;
	}
	if (len != 4 || s[2] != '.')
		return -EINVAL;
	if (hex_fixed(s, 2, &d) < 0 || d > 0x1f)
		return -EINVAL;
	if (s[3] < '0' || s[3] > '7')
		return -EINVAL;
	f = (uint32_t)(s[3] - '0');
	*dev = (uint8_t)d;
	*fn = (uint8_t)f;
	return 0;
}

static int parse_domain(const char *s, size_t len, uint32_t *domain)
{
	/* Four digits normally; up to eight for VMD-style domains. */
	if (len < 4 || len > 8)
		return -EINVAL;
	return hex_fixed(s, len, domain);
}

int pci_addr_parse(const char *s, size_t len, struct pci_addr *addr)
{
	const char *f[3];
	size_t fl[3];
	uint32_t v;
	int n = split_colons(s, len, f, fl);
	int i = 0;

	if (n == 3) {
		if (parse_domain(f[0], fl[0], &addr->domain) < 0)
			return -EINVAL;
		i = 1;
	} else if (n == 2) {
		addr->domain = 0;
	} else {
		return -EINVAL;
	}
	if (fl[i] != 2 || hex_fixed(f[i], 2, &v) < 0)
		return -EINVAL;
	addr->bus = (uint8_t)v;
	return parse_dev_fn(f[i + 1], fl[i + 1], &addr->dev, &addr->fn);
}

void pci_addr_format(const struct pci_addr *a, char *buf)
{
	snprintf(buf, PCI_ADDR_STRLEN, "%04x:%02x:%02x.%u", (unsigned)a->domain, a->bus, a->dev, a->fn);
}

void pci_slot_format(const struct pci_addr *a, char *buf)
{
	snprintf(buf, PCI_ADDR_STRLEN, "%04x:%02x:%02x", (unsigned)a->domain, a->bus, a->dev);
}

int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->fn != b->fn)
		return a->fn < b->fn ? -1 : 1;
	return 0;
}

int pci_id_parse(const char *s, size_t len, struct pci_id *id)
{
	uint32_t v, d;

	if (len != 9 || s[4] != ':')
		return -EINVAL;
	if (hex_fixed(s, 4, &v) < 0 || hex_fixed(s + 5, 4, &d) < 0)
		return -EINVAL;
	id->vendor = (uint16_t)v;
	id->device = (uint16_t)d;
	return 0;
}

/* A decimal 0..@max, digits only (no sign, blank or base prefix). */
static int dec_parse(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int selector_parse(const char *s, size_t len, struct selector *sel, char *err, size_t errlen)
{
	const char *f[3], *slash;
	size_t fl[3];
	char q[64];
	int n;

	memset(sel, 0, sizeof(*sel));
	str_quote(s, len, sel->text, sizeof(sel->text));

	slash = len ? memchr(s, '/', len) : NULL;
	if (slash && pci_addr_parse(s, (size_t)(slash - s), &sel->addr) == 0) {
		size_t rest = len - (size_t)(slash - s) - 1;
		unsigned long v;

		/* PF/vfN: the index as in the PF's virtfnN links (drivers/pci/
		 * iov.c, pci_iov_sysfs_link()), below sriov_totalvfs. */
		if (rest > 2 && memcmp(slash + 1, "vf", 2) == 0 && dec_parse(slash + 3, rest - 2, 65534, &v) == 0) {
			sel->kind = SEL_VF;
			sel->vf = (uint16_t)v;
			return 0;
		}
		str_quote(s, len, q, sizeof(q));
		snprintf(err, errlen,
			 "'%s' is not a PCI address nor a virtual function (0000:00:02.0/vf0: the PF's address, /vf, "
			 "the index from 0)",
			 q);
		return -EINVAL;
	}
	if (slash)
		goto bad;
	n = split_colons(s, len, f, fl);
	if (n == 2 && fl[0] == 4 && fl[1] == 4) {
		if (pci_id_parse(s, len, &sel->id) == 0) {
			sel->kind = SEL_ID;
			return 0;
		}
	} else if (len > 0 && memchr(s, '.', len) != NULL) {
		if (pci_addr_parse(s, len, &sel->addr) == 0) {
			sel->kind = SEL_FUNCTION;
			return 0;
		}
	} else if (n == 2 || n == 3) {
		uint32_t v;
		int i = n - 2;

		if ((n == 2 || parse_domain(f[0], fl[0], &sel->addr.domain) == 0) && fl[i] == 2 &&
		    hex_fixed(f[i], 2, &v) == 0 && parse_dev_fn(f[i + 1], fl[i + 1], &sel->addr.dev, NULL) == 0) {
			sel->addr.bus = (uint8_t)v;
			sel->kind = SEL_SLOT;
			return 0;
		}
	}
bad:
	str_quote(s, len, q, sizeof(q));
	/* "vfiobind=...+reset=flr,bus": the kernel command line's ',' ended
	 * the item, and the second method came here as a selector. */
	if (selector_reset_method_known(s, len)) {
		snprintf(err, errlen,
			 "'%s' is not a PCI address, slot or vendor:device ID; on the kernel command line ',' "
			 "separates items, so list reset methods as reset=flr+reset=%s",
			 q, q);
		return -EINVAL;
	}
	snprintf(err, errlen,
		 "'%s' is not a PCI address (0000:03:00.1), slot (0000:03:00) or vendor:device ID (1002:744c)", q);
	return -EINVAL;
}

bool selector_reset_method_known(const char *s, size_t len)
{
	/* drivers/pci/pci.c, pci_reset_fn_methods[], in the kernel's order. */
	static const char *const names[] = {"device_specific", "acpi", "flr", "af_flr", "pm", "bus", "cxl_bus"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (str_span_eq(s, len, names[i]))
			return true;
	return false;
}

/* Whether the blank-separated list @list holds the @len bytes at @s. */
static bool word_in_list(const char *list, const char *s, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");

		if (n == len && memcmp(p, s, len) == 0)
			return true;
		p += n + (p[n] == ' ');
	}
	return false;
}

/* reset=VALUE: @s is VALUE, @len bytes. Appends to sel->reset. */
static int parse_reset(const char *s, size_t len, struct selector *sel, char *err, size_t errlen)
{
	char q[64];
	size_t i = 0;

	if (len == 0) {
		snprintf(err, errlen,
			 "reset= needs a method (flr, pm, bus, device_specific, af_flr, acpi, "
			 "cxl_bus, or default)");
		return -EINVAL;
	}
	for (;;) {
		size_t start = i, used = strlen(sel->reset), n;

		while (i < len && s[i] != ',')
			i++;
		n = i - start;
		str_quote(s + start, n, q, sizeof(q));
		if (n == 0) {
			str_quote(s, len, q, sizeof(q));
			snprintf(err, errlen, "reset=%s: an empty method (methods are separated by one ',')", q);
			return -EINVAL;
		}
		if (str_span_eq(s + start, n, "default")) {
			if (used || start > 0 || i < len) {
				snprintf(err, errlen,
					 "reset=default stands alone: it gives back the kernel's own order");
				return -EINVAL;
			}
		} else if (!selector_reset_method_known(s + start, n)) {
			snprintf(err, errlen,
				 "reset: unknown method '%s' (expected flr, pm, bus, device_specific, af_flr, "
				 "acpi, cxl_bus, or default)",
				 q);
			return -EINVAL;
		} else if (word_in_list(sel->reset, "default", 7)) {
			snprintf(err, errlen, "reset=default stands alone: it gives back the kernel's own order");
			return -EINVAL;
		} else if (word_in_list(sel->reset, s + start, n)) {
			snprintf(err, errlen, "reset: method '%s' given twice", q);
			return -EINVAL;
		}
		/* Seven distinct names fit SELECTOR_RESET_MAX with their blanks. */
		snprintf(sel->reset + used, sizeof(sel->reset) - used, "%s%.*s", used ? " " : "", (int)n, s + start);
		if (i == len)
			return 0;
		i++; /* past ',': a method must follow */
	}
}

int selector_parse_word(const char *s, size_t len, struct selector *sel, char *err, size_t errlen)
{
	char q[64];

	if (str_span_eq(s, len, "group")) {
		sel->group = true;
		return 0;
	}
	if (str_span_eq(s, len, "optional")) {
		sel->optional = true;
		return 0;
	}
	if (str_span_eq(s, len, "force")) {
		sel->force = true;
		return 0;
	}
	if (len >= 3 && memcmp(s, "id=", 3) == 0) {
		if (sel->kind == SEL_ID) {
			snprintf(err, errlen, "id= guards an address or slot; '%s' already is an ID", sel->text);
			return -EINVAL;
		}
		if (sel->has_guard) {
			snprintf(err, errlen, "id= given twice for %s", sel->text);
			return -EINVAL;
		}
		if (pci_id_parse(s + 3, len - 3, &sel->guard) < 0) {
			str_quote(s + 3, len - 3, q, sizeof(q));
			snprintf(err, errlen, "id='%s' is not a vendor:device ID (1002:744c)", q);
			return -EINVAL;
		}
		sel->has_guard = true;
		return 0;
	}
	if (len >= 6 && memcmp(s, "reset=", 6) == 0)
		return parse_reset(s + 6, len - 6, sel, err, errlen);
	if (str_span_eq(s, len, "host-vfs")) {
		sel->host_vfs = true;
		return 0;
	}
	if (len >= 4 && memcmp(s, "vfs=", 4) == 0) {
		unsigned long v;

		str_quote(s + 4, len - 4, q, sizeof(q));
		if (sel->kind != SEL_FUNCTION) {
			snprintf(err, errlen,
				 "vfs=%s: virtual functions are asked of one physical function (0000:00:02.0), "
				 "not of '%s'",
				 q, sel->text);
			return -EINVAL;
		}
		if (sel->vfs) {
			snprintf(err, errlen, "vfs= given twice for %s", sel->text);
			return -EINVAL;
		}
		if (dec_parse(s + 4, len - 4, 65535, &v) < 0 || v == 0) {
			snprintf(err, errlen, "vfs='%s' is not a number of virtual functions (1 or more)", q);
			return -EINVAL;
		}
		sel->vfs = (uint16_t)v;
		return 0;
	}
	str_quote(s, len, q, sizeof(q));
	snprintf(err, errlen,
		 "unknown word '%s' (expected id=VVVV:DDDD, group, optional, force, reset=METHOD, vfs=N or host-vfs)",
		 q);
	return -EINVAL;
}

static bool is_sep(char c, char sep)
{
	return sep == ' ' ? str_is_blank(c) : c == sep;
}

int selector_parse_line(const char *s, size_t len, char sep, struct selector *sel, char *err, size_t errlen)
{
	bool first = true;
	size_t i = 0;

	for (;;) {
		size_t start;
		int r;

		if (sep == ' ') {
			while (i < len && str_is_blank(s[i]))
				i++;
			if (i == len)
				break;
		}
		start = i;
		while (i < len && !is_sep(s[i], sep))
			i++;
		if (first)
			r = selector_parse(s + start, i - start, sel, err, errlen);
		else
			r = selector_parse_word(s + start, i - start, sel, err, errlen);
		if (r < 0)
			return r;
		first = false;
		if (sep != ' ') {
			if (i == len)
				break;
			i++; /* past the separator: a word must follow */
		}
	}
	if (first)
		return 1;
	if (sel->vfs && sel->group) {
		snprintf(err, errlen, "vfs= and group do not go together: %s keeps its host driver", sel->text);
		return -EINVAL;
	}
	if (sel->host_vfs && !sel->vfs) {
		snprintf(err, errlen, "host-vfs goes with vfs=N on the line of the physical function");
		return -EINVAL;
	}
	return 0;
}

void selector_describe(const struct selector *sel, char *buf, size_t len)
{
	char a[PCI_ADDR_STRLEN];

	switch (sel->kind) {
	case SEL_FUNCTION:
		pci_addr_format(&sel->addr, a);
		snprintf(buf, len, "%s", a);
		break;
	case SEL_SLOT:
		pci_slot_format(&sel->addr, a);
		snprintf(buf, len, "slot %s", a);
		break;
	case SEL_ID:
		snprintf(buf, len, "ID %04x:%04x", sel->id.vendor, sel->id.device);
		break;
	case SEL_VF:
		pci_addr_format(&sel->addr, a);
		snprintf(buf, len, "%s/vf%u", a, sel->vf);
		break;
	}
}

void selector_origin(const struct selector *sel, char *buf, size_t len)
{
	if (sel->line)
		snprintf(buf, len, "%s:%u", sel->file, sel->line);
	else
		snprintf(buf, len, "%s", sel->file ? sel->file : "?");
}
