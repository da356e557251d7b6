/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record.h - what the image build knew, written into the image for the
 * boot. The build runs on the booted host, where every disk, volume,
 * mount and swap and the full module set are visible; the initramfs sees
 * almost none of it before udev. So `vfiobind check --record DIR` writes
 * two files that `bind` reads from <root>/etc/vfiobind.d at boot.
 *
 * protected - a record that proves itself, line by line ('#' lines are
 * comments, anywhere):
 *
 *   vfiobind-record 2                       format and version, first
 *   machine-id 5f1d...                      /etc/machine-id, or "-"
 *   root=UUID=0a34...                       root= the build saw ("root=": none)
 *   0000:04:00.0 144d:a80a 144d:a801 010802 holds / (/dev/nvme0n1p2)
 *   0000:0e:00.0 1987:5016 1987:5016 010802 free
 *   untraced /home (dm-3: a stacked device that shows no slaves/)
 *   untraced network / (nfs4 10.0.0.1:/srv/root: a network file system)
 *   end 4                                   the number of function and
 *                                           untraced lines, last
 *
 * Each function line: address, vendor:device, subsystem vendor:device (from
 * the modalias; "-" unknown), class (6 hex digits), then "free" or what it
 * holds. Listed: every storage controller (class 01) and every other
 * function the host needs (an xHCI below a USB root disk); a function the
 * host needs that the build could not see has "- - -" for its identity.
 *
 * Each untraced line: a mount (or "root=" for the command line) the host
 * needs that the build could not follow to its block devices, with why;
 * "network" before it when it goes over a network controller (a network
 * root). The mount's blanks, tabs, newlines and backslashes are written
 * as \ooo, as mountinfo does. One such line and the boot refuses every
 * storage controller unless force; a network one, every network
 * controller too (plan.h). Version 1 had no untraced lines: a version 1
 * record is not this version, so not used.
 *
 * blockers - the functions coldplug would give a host driver, one per
 * line with the module: 0000:03:00.1 snd_hda_intel
 *
 * At boot the protected file counts as no record at all (struct
 * record.present false: the storage guard fails closed, see plan.h) when it
 * is missing, empty, cut short (no end line, a partial last line, a count
 * that differs), malformed, of another machine (root= or machine-id
 * differ), or does not match the functions present (an address whose
 * identity differs, a storage controller it does not list). Each such
 * check logs one warning saying which failed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "system/pci.h"

#define RECORD_DIR	 "/etc/vfiobind.d"
#define RECORD_PROTECTED "protected"
#define RECORD_BLOCKERS	 "blockers"

/* One line: a function and the text after it (a reason or a module). */
struct record_line {
	char fn[PCI_ADDR_STRLEN];
	char text[512];
};

struct record_list {
	struct record_line *v;
	size_t n;
};

#define RECORD_VERSION "vfiobind-record 2"
#define MACHINE_ID_LEN 32

/* What ties a record to one machine. */
struct record_tie {
	char machine_id[MACHINE_ID_LEN + 1]; /* "" when unknown */
	char root[256];			     /* root= as given, "" when none */
};

/* A mount (or root=) the host needs that could not be followed to its
 * block devices. */
struct record_untraced {
	char mount[256]; /* "/", "/home", "root=", "swap"; as found, not escaped */
	char why[384];	 /* "zfs rpool/ROOT/debian: no member device of pool rpool found" */
	bool network;	 /* over a network controller: a network root */
};

struct record_untraced_list {
	struct record_untraced *v;
	size_t n;
};

/**
 * record_untraced_add() - append an untraced mount, unless the same
 * @mount, or the same @why (a pool behind both / and root=), is listed
 * already (the first stays).
 * @mount: cut at 255 bytes; @why: cut at 383 bytes.
 * Return: 0, or -ENOMEM.
 */
int record_untraced_add(struct record_untraced_list *l, const char *mount, bool network, const char *why);

/** record_untraced_network() - the first network entry of @l, or NULL. */
const struct record_untraced *record_untraced_network(const struct record_untraced_list *l);

void record_untraced_free(struct record_untraced_list *l);

struct record {
	/* read whole, well-formed, and (after record_verify()) of this
	 * machine and its functions */
	bool present;
	struct record_tie tie;
	struct record_list prot;  /* the functions that hold something: text "holds ..." */
	struct record_list ident; /* every function listed: text "vvvv:dddd ssss:ssss cccccc" */
	struct record_list block;
	struct record_untraced_list untraced; /* what the build could not trace */
};

/**
 * record_list_add() - append @fn with @text, unless @fn is listed already
 * (the first reason stays).
 * Return: 0, or -ENOMEM.
 */
int record_list_add(struct record_list *l, const char *fn, const char *text);

/** record_list_find() - the text recorded for @fn, or NULL. */
const char *record_list_find(const struct record_list *l, const char *fn);

void record_list_free(struct record_list *l);

/**
 * record_identity() - @f's identity as a record lists it:
 * "144d:a80a 144d:a801 010802" (vendor:device, subsystem vendor:device
 * from the modalias or "-" when it has none, class).
 */
void record_identity(const struct pci_func *f, char *buf, size_t len);

/**
 * record_machine_id() - <root>/etc/machine-id into @buf (MACHINE_ID_LEN
 * lower-case hex digits and a NUL), or "" when it is missing, not 32 hex
 * digits, or @boot and possibly transient: <root>/run/machine-id exists
 * (systemd generated one for this boot and mounted it over /etc).
 */
void record_machine_id(bool boot, char *buf, size_t len);

/**
 * record_read() - read <root>/etc/vfiobind.d/{protected,blockers}.
 *
 * Leaves @rec->present false (no record) when the protected file is
 * missing (silently: no record was written), or, each logged as one
 * warning naming the check: empty ("record ... is empty"); cut short (a
 * partial last line, no "end N" line, or N not the number of function
 * and untraced lines: "record cut short at line N"); malformed (no version
 * line first, an unknown line, an untraced line not "untraced [network]
 * MOUNT (WHY)", a line after "end": "FILE:LINE: ..."). A malformed
 * blockers file is ignored the same way (with a warning), the protected
 * one still used. Call record_verify() next.
 * Return: 0, or -ENOMEM.
 */
int record_read(struct record *rec);

/**
 * record_verify() - hold a record read by record_read() against this
 * boot: the same root= as @root_now (this boot's command line, "" none),
 * the same machine-id when both are known (record_machine_id(true)),
 * every listed address present now with the same identity, every storage
 * controller (class 01) of @pci listed. The first check that fails is
 * logged as one warning ("record of another machine: root=A recorded,
 * root=B now"; "record: 0000:04:00.0 is 144d:a80a now, 1987:5016 when
 * recorded"; "record: storage controller 0000:05:00.0 (...) is not in
 * it"), and @rec->present becomes false. A record not present stays so.
 * Return: @rec->present.
 */
bool record_verify(struct record *rec, const struct pci_list *pci, const char *root_now);

/**
 * record_write() - write the record into directory @dir (a plain path,
 * not under the root prefix: the image being built), creating it if
 * missing, each file mode 0644 with write_atomic_stream() (fileio.h):
 * protected (format above) with @tie, every storage controller of @pci
 * and every function of @holds (identity "- - -" when not in @pci), and
 * blockers from @block.
 * Return: 0, -ENOMEM, -ENAMETOOLONG, or -errno from mkdir(2) or
 * write_atomic_stream() (-ENOSPC: a full disk; the old files stay whole).
 */
int record_write(const char *dir, const struct record_tie *tie, const struct pci_list *pci,
		 const struct record_list *holds, const struct record_untraced_list *untraced,
		 const struct record_list *block);

void record_free(struct record *rec);
