/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * selector.h - what a config line or a vfiobind= item names: one PCI
 * function, a slot, or a vendor:device ID, plus the words that qualify it.
 *
 * Forms (hex digits, case-insensitive; the domain may be left out and is
 * then 0000):
 *   0000:03:00.1   DOMAIN:BUS:DEV.FN   one function  (BDF / PCI address)
 *   0000:03:00     DOMAIN:BUS:DEV      a slot: every function of the card
 *   1002:744c      VENDOR:DEVICE       every function with this ID
 *   0000:00:02.0/vf1  PF/vfINDEX       a virtual function of an SR-IOV
 *                                      physical function, INDEX (decimal)
 *                                      as the kernel numbers the PF's
 *                                      virtfnN links, from 0
 * They never collide: an ID is exactly 4:4 hex digits, a slot without a
 * domain is 2:2 and one with a domain has two colons; only a VF has '/'.
 *
 * Words: id=VVVV:DDDD (bind only if that ID is found at the address; on a
 * slot, function 0 is compared), group (take every endpoint of the IOMMU
 * group), optional (an absent device is not an error), force (bind even
 * a storage controller the storage guard would refuse; logged as a
 * warning), reset=METHOD[,METHOD...] (written to each selected function's
 * reset_method before the bind; see selector_parse_word()), vfs=N (on one
 * function: its host driver keeps it and creates N virtual functions,
 * drivers/pci/iov.c sriov_numvfs_store()), host-vfs (with vfs=: the VFs no
 * line declares go to host drivers; without it they stay driverless).
 *
 * A selector only ever names a PCI address or ID: nothing in it becomes a
 * path, so no config can make the helper touch a file outside /sys/bus/pci.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "ffffffff:ff:1f.7" plus NUL; the kernel names devices "%04x:%02x:%02x.%d"
 * and VMD domains need five digits (10000:e1:00.0). */
#define PCI_ADDR_STRLEN 20

struct pci_addr {
	uint32_t domain;
	uint8_t bus;
	uint8_t dev; /* 0..31 */
	uint8_t fn;  /* 0..7 */
};

enum selector_kind {
	SEL_FUNCTION, /* one BDF */
	SEL_SLOT,     /* every function of domain:bus:dev */
	SEL_ID,	      /* every function with vendor:device */
	SEL_VF,	      /* virtual function @vf of the PF at addr */
};

struct pci_id {
	uint16_t vendor;
	uint16_t device;
};

/* The longest reset= value: every method the kernel knows, once each
 * ("device_specific acpi flr af_flr pm bus cxl_bus" is 47 bytes). */
#define SELECTOR_RESET_MAX 64

struct selector {
	enum selector_kind kind;
	struct pci_addr addr; /* SEL_FUNCTION, SEL_SLOT (fn unused), SEL_VF (PF) */
	struct pci_id id;     /* SEL_ID */
	uint16_t vf;	      /* SEL_VF: the index of the PF's virtfnN */
	uint16_t vfs;	      /* vfs=N (SEL_FUNCTION only); 0 when not given */
	bool host_vfs;	      /* host-vfs */
	bool has_guard;	      /* id= given */
	struct pci_id guard;
	bool group;
	bool optional;
	bool force;
	/* reset=: the methods in the kernel's spelling for reset_method,
	 * blank-separated ("flr pm", or "default"); "" when not given. */
	char reset[SELECTOR_RESET_MAX];
	/* Where it came from, for every message about it. */
	const char *file; /* config path, or "kernel command line" */
	unsigned line;	  /* 1-based; 0 on the command line */
	char text[48];	  /* the selector as written (truncated) */
};

/**
 * pci_addr_parse() - parse a full BDF "[DOMAIN:]BUS:DEV.FN".
 * @s:    the string (not NUL-terminated, @len bytes).
 * @addr: the result.
 *
 * Return: 0, or -EINVAL when @s is not a PCI address (wrong digit counts,
 * device above 1f, function above 7).
 */
int pci_addr_parse(const char *s, size_t len, struct pci_addr *addr);

/**
 * pci_addr_format() - the kernel's name for @addr ("0000:03:00.1").
 * @buf: at least PCI_ADDR_STRLEN bytes.
 */
void pci_addr_format(const struct pci_addr *addr, char *buf);

/** pci_slot_format() - "0000:03:00" for the slot of @addr. */
void pci_slot_format(const struct pci_addr *addr, char *buf);

/** pci_addr_cmp() - order by domain, bus, device, function (qsort-style). */
int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b);

/**
 * pci_id_parse() - parse "VVVV:DDDD" (exactly four hex digits each).
 * Return: 0, or -EINVAL.
 */
int pci_id_parse(const char *s, size_t len, struct pci_id *id);

/**
 * selector_parse() - parse a selector word (address, slot or ID).
 * @s:      the word (@len bytes, no surrounding blanks).
 * @sel:    filled in; words default to off, origin fields untouched.
 * @err:    on failure, a message naming the value ("'03:0.1' is not a PCI
 *          address, slot or vendor:device ID"), @errlen bytes.
 *
 * Return: 0, or -EINVAL.
 */
int selector_parse(const char *s, size_t len, struct selector *sel, char *err, size_t errlen);

/**
 * selector_reset_method_known() - whether the @len bytes at @s name a PCI
 * reset method the kernel's reset_method attribute takes: device_specific,
 * acpi, flr, af_flr, pm, bus or cxl_bus (drivers/pci/pci.c,
 * pci_reset_fn_methods[], as of 6.x; cxl_bus came later than the rest:
 * a kernel that lacks a name refuses it at the write with EINVAL, which
 * bind logs as a warning).
 */
bool selector_reset_method_known(const char *s, size_t len);

/**
 * selector_parse_word() - apply one qualifying word ("group", "optional",
 * "id=1002:744c", "reset=flr,pm") to @sel.
 *
 * reset= takes reset methods (selector_reset_method_known()) separated by
 * ',', in the order the kernel is to try them, or "default" alone (the
 * kernel's own order back). The word may be repeated, each adding its
 * methods after the ones before: on the kernel command line, where ','
 * separates items, vfiobind=0000:03:00.0+reset=flr+reset=bus.
 *
 * vfs=N takes a decimal 1..65535 on a one-function selector (the kernel
 * caps it at the PF's sriov_totalvfs, which plan_build() checks); host-vfs
 * goes with vfs= (selector_parse_line() checks the pairs).
 *
 * Return: 0, or -EINVAL with a message in @err for an unknown word, a bad
 * id= value, id= given twice, id= on an ID selector, an empty or unknown
 * reset method, one given twice, or "default" with another method; vfs=
 * on a slot, ID or VF, vfs= not a number from 1, or given twice.
 */
int selector_parse_word(const char *s, size_t len, struct selector *sel, char *err, size_t errlen);

/**
 * selector_parse_line() - a selector and its words, as one config line or
 * one vfiobind= item holds them.
 * @sep: ' ' for a config line (words separated by runs of blanks), or a
 *       separator character such as '+' for the kernel command line,
 *       where blanks end a parameter (there an empty word is an error).
 * @sel: filled in; origin fields untouched.
 *
 * Return: 0; 1 when @s holds no word at all (a blank line); -EINVAL with
 * a message in @err (also for vfs= with group, and host-vfs without vfs=).
 */
int selector_parse_line(const char *s, size_t len, char sep, struct selector *sel, char *err, size_t errlen);

/**
 * selector_describe() - "0000:03:00 (slot)" style text for messages.
 * @buf: @len bytes.
 */
void selector_describe(const struct selector *sel, char *buf, size_t len);

/**
 * selector_origin() - where @sel was written, for messages:
 * "FILE:LINE" from a config, the bare name ("kernel command line") when
 * @sel->line is 0, "?" when it has no origin.
 * @buf: @len bytes; cut to fit.
 */
void selector_origin(const struct selector *sel, char *buf, size_t len);
