/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hugepages.h - hugepages = at run time: the pages the guest's RAM needs,
 * reserved at start in the hugepage pools of the NUMA node(s) of cpus =
 * (else the global pool), and given back at stop, at ExecStopPost or at
 * the next start after a crash, from a record in the VM's runtime state
 * directory, /run/vfiobind/vm/NAME/hugepages (unless keep-hugepages = yes,
 * which writes none). Internal to vm/.
 *
 * The record, one line per pool raised, written before the pool is:
 *
 *   vfiobind-hugepages 1            format and version, first
 *   node 0 2048 32 100              node (or "-": the global pool),
 *                                   page size in KiB, pages added,
 *                                   nr_hugepages before
 *   end 1                           the number of pool lines, last
 *
 * The kernel's side: mm/hugetlb.c, nr_hugepages_store_common() (a write
 * asks for that many pages; the pool gets as many as it can and the file
 * reads back what it got; free_hugepages counts those not in use), and
 * Documentation/admin-guide/mm/hugetlbpage.rst for the per-node files.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/strv.h"
#include "config/vmconf.h"

#define HUGE_RECORD	    "hugepages"
#define HUGE_RECORD_VERSION "vfiobind-hugepages 1"
#define HUGE_RECORD_MAX	    64	 /* pool lines: CPU_NODES_MAX and then some */
#define HUGE_GLOBAL	    (-1) /* struct huge_entry.node: the global pool */

/* One pool raised by the launcher. */
struct huge_entry {
	int node;	      /* NUMA node, or HUGE_GLOBAL */
	unsigned long kb;     /* page size in KiB: 2048 or 1048576 */
	unsigned long add;    /* pages added */
	unsigned long before; /* nr_hugepages before */
};

/**
 * huge_record_parse() - the entries of a record's @len bytes at @buf.
 * @v: room for HUGE_RECORD_MAX entries; @n: how many were read.
 * A record is refused whole: a first line that is not HUGE_RECORD_VERSION,
 * a line that is not "node N|- KB ADD BEFORE" (N below 1024, KB 2048 or
 * 1048576, ADD at least 1, numbers decimal without sign and below 2^32
 * pages), more than HUGE_RECORD_MAX of them, no "end COUNT" line last or a
 * COUNT that differs, anything after it, or a NUL byte.
 * Return: 0; -EINVAL with @line (when not NULL) the 1-based line at fault.
 */
int huge_record_parse(const char *buf, size_t len, struct huge_entry *v, size_t *n, unsigned *line);

/**
 * huge_record_format() - the record of @n entries (at most
 * HUGE_RECORD_MAX) into @buf of @len bytes, NUL-terminated.
 * Return: its length, or -ENOSPC when it does not fit.
 */
int huge_record_format(const struct huge_entry *v, size_t n, char *buf, size_t len);

/**
 * huge_reserve() - stage "hugepages": with hugepages = 2M | 1G, the guest's
 * memory / page size pages, split evenly over the NUMA nodes of cpus =
 * (node N's /sys/devices/system/node/nodeN/hugepages/hugepages-KBkB/),
 * else in the global pool (/sys/kernel/mm/hugepages/hugepages-KBkB/),
 * all under the root prefix. A node with less memory in all than its
 * share (MemTotal of its meminfo) is refused before any pool is touched;
 * a machine with less than the guest's memory is vmmem_check()'s, which
 * vm run applies first.
 * A pool with enough free pages is left as it is. Otherwise the record is
 * written (unless keep-hugepages = yes), nr_hugepages raised by the
 * shortfall and free_hugepages read again; 2M pages still short, memory
 * is compacted (/proc/sys/vm/compact_memory; a failure is a warning) and
 * the same count written once more. On a shortfall every pool raised
 * goes back to exactly what it was, the record goes, and the refusal is
 * logged with both numbers (for 1G pages, with the kernel command line
 * that reserves them at boot).
 * Return: 0; -ENOMEM when the pages are not there or cannot be; -ENOENT
 * when the host has no pool of that size; -errno of a read, of the
 * record's write or of the pool's write (each logged).
 */
int huge_reserve(const struct vm *vm);

/**
 * huge_give_back() - the pools @name's record names, each lowered by the
 * pages added, never below what it was before nor raised; then the record
 * goes. Nothing without a record.
 * Return: 0; -EINVAL when the record is not one (logged, removed: it could
 * only be acted on wrongly); -errno of reading it or of a pool's write
 * (logged; the record stays for the next try).
 */
int huge_give_back(const char *name);

/**
 * huge_qemu_args() - with hugepages =, the guest's RAM on a memfd of that
 * page size, preallocated (QEMU's memory-backend-memfd, qom/object.json;
 * no hugetlbfs mount needed), bound to the NUMA nodes the pages were
 * reserved on when cpus = sets them: "-object
 * memory-backend-memfd,id=vfiobind-ram,size=NM,hugetlb=on,hugetlbsize=KBk,prealloc=on[,host-nodes=..,policy=bind]"
 * "-machine memory-backend=vfiobind-ram", pushed to @av.
 * Return: 0, or -ENOMEM.
 */
int huge_qemu_args(const struct vm *vm, struct strv *av);
