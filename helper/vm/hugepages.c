// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hugepages.c - hugepages = at run time (hugepages.h): the record, the
 * reservation in the pools of cpus ='s NUMA nodes, its rollback and its
 * give-back, and QEMU's memory backend on those pages. Modelled on
 * Proxmox qemu-server's PVE/QemuServer/Memory.pm (hugepages_allocate(),
 * hugepages_reset()): write nr_hugepages, read free_hugepages again,
 * roll back with both numbers on a shortfall.
 */
#include "vm/hugepages.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/sysfs.h"
#include "system/cpu.h"
#include "vm/state.h"

#define KB_2M 2048UL
#define KB_1G 1048576UL

/* A decimal without sign below 2^32, the whole word. */
static int parse_ul(const char *w, size_t wl, unsigned long *out)
{
	unsigned long long v = 0;

	if (wl == 0 || wl > 10)
		return -EINVAL;
	for (size_t i = 0; i < wl; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(w[i] - '0');
	}
	if (v > 0xffffffffULL)
		return -EINVAL;
	*out = (unsigned long)v;
	return 0;
}

/* The next space-separated word of [*p, end) into *w, *wl. */
static bool next_word(const char **p, const char *end, const char **w, size_t *wl)
{
	while (*p < end && **p == ' ')
		(*p)++;
	*w = *p;
	while (*p < end && **p != ' ')
		(*p)++;
	*wl = (size_t)(*p - *w);
	return *wl > 0;
}

static bool word_is(const char *w, size_t wl, const char *s)
{
	return wl == strlen(s) && memcmp(w, s, wl) == 0;
}

static int parse_line(const char *s, const char *end, struct huge_entry *e)
{
	const char *w;
	size_t wl;
	unsigned long node;

	if (!next_word(&s, end, &w, &wl) || !word_is(w, wl, "node") || !next_word(&s, end, &w, &wl))
		return -EINVAL;
	if (word_is(w, wl, "-"))
		e->node = HUGE_GLOBAL;
	else if (parse_ul(w, wl, &node) == 0 && node < 1024)
		e->node = (int)node;
	else
		return -EINVAL;
	if (!next_word(&s, end, &w, &wl) || parse_ul(w, wl, &e->kb) < 0 || (e->kb != KB_2M && e->kb != KB_1G))
		return -EINVAL;
	if (!next_word(&s, end, &w, &wl) || parse_ul(w, wl, &e->add) < 0 || e->add == 0)
		return -EINVAL;
	if (!next_word(&s, end, &w, &wl) || parse_ul(w, wl, &e->before) < 0)
		return -EINVAL;
	return next_word(&s, end, &w, &wl) ? -EINVAL : 0;
}

int huge_record_parse(const char *buf, size_t len, struct huge_entry *v, size_t *n, unsigned *line)
{
	const char *p = buf, *end = buf + len;
	unsigned no = 0;
	size_t m = 0;
	bool ended = false;

	*n = 0;
	if (line)
		*line = 1;
	if (memchr(buf, '\0', len))
		return -EINVAL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *w, *s = p;
		size_t wl;
		unsigned long count;

		no++;
		if (line)
			*line = no;
		if (nl == NULL || ended)
			return -EINVAL; /* cut short, or something after end */
		if (no == 1) {
			if ((size_t)(nl - p) != strlen(HUGE_RECORD_VERSION) || memcmp(p, HUGE_RECORD_VERSION, nl - p))
				return -EINVAL;
		} else if (next_word(&s, nl, &w, &wl) && word_is(w, wl, "end")) {
			if (!next_word(&s, nl, &w, &wl) || parse_ul(w, wl, &count) < 0 || count != m ||
			    next_word(&s, nl, &w, &wl))
				return -EINVAL;
			ended = true;
		} else {
			if (m == HUGE_RECORD_MAX || parse_line(p, nl, &v[m]) < 0)
				return -EINVAL;
			m++;
		}
		p = nl + 1;
	}
	if (!ended) {
		if (line)
			*line = no + 1;
		return -EINVAL;
	}
	*n = m;
	return 0;
}

int huge_record_format(const struct huge_entry *v, size_t n, char *buf, size_t len)
{
	size_t used;

	if (n > HUGE_RECORD_MAX)
		return -ENOSPC;
	used = (size_t)snprintf(buf, len, "%s\n", HUGE_RECORD_VERSION);
	for (size_t i = 0; i < n && used < len; i++) {
		if (v[i].node == HUGE_GLOBAL)
			used += (size_t)snprintf(buf + used, len - used, "node - %lu %lu %lu\n", v[i].kb, v[i].add,
						 v[i].before);
		else
			used += (size_t)snprintf(buf + used, len - used, "node %d %lu %lu %lu\n", v[i].node, v[i].kb,
						 v[i].add, v[i].before);
	}
	if (used < len)
		used += (size_t)snprintf(buf + used, len - used, "end %zu\n", n);
	return used < len ? (int)used : -ENOSPC;
}

/* "<root>/sys/.../hugepages-KBkB/@file" of a pool. */
static int pool_path(char *buf, size_t len, int node, unsigned long kb, const char *file)
{
	if (node == HUGE_GLOBAL)
		return root_path(buf, len, "/sys/kernel/mm/hugepages/hugepages-%lukB/%s", kb, file);
	return root_path(buf, len, "/sys/devices/system/node/node%d/hugepages/hugepages-%lukB/%s", node, kb, file);
}

static int pool_read(int node, unsigned long kb, const char *file, unsigned long *out)
{
	char path[PATH_MAX], text[32];
	int r = pool_path(path, sizeof(path), node, kb, file);

	if (r == 0)
		r = sysfs_read_attr(path, text, sizeof(text));
	if (r < 0)
		return r;
	return parse_ul(text, strlen(text), out);
}

static int pool_write(int node, unsigned long kb, unsigned long nr)
{
	char path[PATH_MAX], text[24];
	int r = pool_path(path, sizeof(path), node, kb, "nr_hugepages");

	snprintf(text, sizeof(text), "%lu", nr);
	return r < 0 ? r : sysfs_write_attr(path, text);
}

static const char *size_name(unsigned long kb)
{
	return kb == KB_1G ? "1G" : "2M";
}

static void pool_name(int node, char *buf, size_t len)
{
	if (node == HUGE_GLOBAL)
		snprintf(buf, len, "in the global pool");
	else
		snprintf(buf, len, "on node %d", node);
}

/* The NUMA nodes of cpus = that have a pool of @kb pages, into @nodes
 * (CPU_NODES_MAX); 0 when the global pool is the one to use. */
static size_t vm_nodes(const struct vm *vm, unsigned long kb, int *nodes)
{
	struct cpu_topo t;
	size_t k = 0;

	if (vm->cpus == NULL || cpu_topo_read(&t) < 0) {
		if (vm->cpus)
			cpu_topo_free(&t);
		return 0;
	}
	for (unsigned i = 0; i < t.nnodes && i < CPU_NODES_MAX; i++) {
		struct cpuset in;
		unsigned long nr;

		cpuset_and(&in, vm->cpus, &t.node[i]);
		if (cpuset_count(&in) == 0)
			continue;
		if (pool_read((int)i, kb, "nr_hugepages", &nr) < 0) {
			k = 0; /* a node without per-node files: the global pool */
			break;
		}
		nodes[k++] = (int)i;
	}
	cpu_topo_free(&t);
	return k;
}

static int record_write(const char *name, const struct huge_entry *v, size_t n)
{
	char text[HUGE_RECORD_MAX * 64 + 64];
	int r = huge_record_format(v, n, text, sizeof(text));

	return r < 0 ? r : vm_state_write(name, HUGE_RECORD, text);
}

/* Every pool of @v back to what it was before: the rollback of a start
 * that falls short. */
static void roll_back(const char *name, const struct huge_entry *v, size_t n)
{
	char where[32];

	for (size_t i = 0; i < n; i++) {
		int r = pool_write(v[i].node, v[i].kb, v[i].before);

		pool_name(v[i].node, where, sizeof(where));
		if (r < 0)
			ERR("VM %s: cannot put nr_hugepages %s back to %lu: %s", name, where, v[i].before,
			    strerror(-r));
	}
}

/* Raise @node's pool to @target pages and read back how many are free
 * into @fr. */
static int pool_raise(const struct vm *vm, int node, unsigned long kb, unsigned long target, unsigned long *fr)
{
	char where[32];
	int r = pool_write(node, kb, target);

	pool_name(node, where, sizeof(where));
	if (r < 0) {
		ERR("VM %s: hugepages = %s: cannot raise nr_hugepages %s to %lu: %s", vm->name, size_name(kb), where,
		    target, strerror(-r));
		return r;
	}
	r = pool_read(node, kb, "free_hugepages", fr);
	if (r < 0)
		ERR("VM %s: hugepages = %s: cannot read free_hugepages %s: %s", vm->name, size_name(kb), where,
		    strerror(-r));
	return r;
}

/* The pool of share @i of @need pages split evenly over the @k nodes of
 * @nodes (the global pool when @k is 0), and its pages into @want. */
static int share(const int *nodes, size_t k, size_t i, unsigned long need, unsigned long *want)
{
	*want = k ? need / k + (i < need % k) : need;
	return k ? nodes[i] : HUGE_GLOBAL;
}

int huge_reserve(const struct vm *vm)
{
	struct huge_entry e[HUGE_RECORD_MAX];
	int nodes[CPU_NODES_MAX];
	unsigned long kb = vm->hugepages_kb, need;
	size_t k, ne = 0;
	char where[32], path[PATH_MAX];
	int r;

	if (kb == 0)
		return 0;
	need = (unsigned long)(vm->memory_mib * 1024 / kb);
	k = vm_nodes(vm, kb, nodes);
	/* A node that has less memory in all than its share can never hold
	 * it: refused before the pool is touched, since asking the kernel
	 * for it anyway reclaims and compacts all of the node's memory
	 * first (seconds to minutes of stalled CPUs) to fail all the same.
	 * The global pool (no node) is the machine's memory in all: that is
	 * vmmem_check()'s, and vm run refused such a VM before this. */
	for (size_t i = 0; i < k; i++) {
		unsigned long want;
		int node = share(nodes, k, i, need, &want);
		unsigned long total = cpu_mem_total_kb(node);

		if (total == 0 || want * kb <= total)
			continue;
		pool_name(node, where, sizeof(where));
		ERR("VM %s: hugepages = %s: %lu pages (%lu MiB) needed %s, which has %lu MiB of memory in all: "
		    "give the VM less memory",
		    vm->name, size_name(kb), want, want * kb / 1024, where, total / 1024);
		return -ENOMEM;
	}
	for (size_t i = 0; i < (k ? k : 1); i++) {
		unsigned long want, nr, fr;
		int node = share(nodes, k, i, need, &want);

		pool_name(node, where, sizeof(where));
		r = pool_read(node, kb, "nr_hugepages", &nr);
		if (r == 0)
			r = pool_read(node, kb, "free_hugepages", &fr);
		if (r < 0) {
			ERR("VM %s: hugepages = %s: cannot read the pool %s: %s", vm->name, size_name(kb), where,
			    r == -ENOENT ? "this host has no pool of that size" : strerror(-r));
			goto fail;
		}
		if (fr >= want) {
			INF("VM %s: hugepages = %s: %lu pages needed %s, %lu free", vm->name, size_name(kb), want,
			    where, fr);
			continue;
		}
		e[ne] = (struct huge_entry){.node = node, .kb = kb, .add = want - fr, .before = nr};
		ne++;
		/* The record first: no way of dying leaves pages added that
		 * nothing gives back. */
		if (!vm->keep_hugepages && (r = record_write(vm->name, e, ne)) < 0) {
			ERR("VM %s: cannot write the hugepage record: %s", vm->name, strerror(-r));
			ne--;
			goto fail;
		}
		r = pool_raise(vm, node, kb, nr + (want - fr), &fr);
		if (r < 0)
			goto fail;
		/* Short of 2M pages: compact memory (mm/compaction.c,
		 * sysctl_compaction_handler(): free 2M blocks out of scattered
		 * pages) and ask once more. Only then: the kernel's own
		 * allocation of each page already reclaims and compacts
		 * (__GFP_RETRY_MAYFAIL), and compacting all memory on every
		 * start stalled a CPU for over a minute in the tests. Not for
		 * 1G pages: they come from alloc_contig_pages(), which migrates
		 * what is in its way itself, and no compaction makes a 1G
		 * block. */
		if (fr < want && kb != KB_1G) {
			r = root_path(path, sizeof(path), "/proc/sys/vm/compact_memory");
			if (r == 0)
				r = sysfs_write_attr(path, "1");
			bool compacted = r == 0;

			if (!compacted)
				WRN("VM %s: cannot compact memory (%s): %s", vm->name, path, strerror(-r));
			INF("VM %s: hugepages = %s: %lu of %lu pages free %s; %s, asking again", vm->name,
			    size_name(kb), fr, want, where, compacted ? "memory compacted" : "not compacted");
			r = pool_raise(vm, node, kb, nr + e[ne - 1].add, &fr);
			if (r < 0)
				goto fail;
		}
		if (fr < want) {
			ERR("VM %s: hugepage allocation failed: %lu of %lu %s pages free %s after reserving; %s",
			    vm->name, fr, want, size_name(kb), where,
			    kb == KB_1G ? "1G pages are rarely found after boot: reserve them on the kernel command "
					  "line"
					: "memory is too fragmented or too small: free some, or reserve them on the "
					  "kernel command line");
			if (kb == KB_1G)
				ERR("VM %s: add hugepagesz=1G hugepages=%lu to the kernel command line", vm->name,
				    need);
			r = -ENOMEM;
			goto fail;
		}
		NOTICE("VM %s: hugepages = %s: %lu pages added %s (nr_hugepages %lu -> %lu)%s", vm->name, size_name(kb),
		       e[ne - 1].add, where, nr, nr + e[ne - 1].add,
		       vm->keep_hugepages ? ", kept after the VM stops (keep-hugepages = yes)" : "");
	}
	return 0;
fail:
	roll_back(vm->name, e, ne);
	if (!vm->keep_hugepages)
		vm_state_remove(vm->name, HUGE_RECORD);
	return r;
}

int huge_give_back(const char *name)
{
	struct huge_entry e[HUGE_RECORD_MAX];
	char path[PATH_MAX], where[32], *text = NULL;
	size_t len = 0, n = 0;
	unsigned line = 0;
	int r, fail = 0;

	if (vm_state_path(path, sizeof(path), name, HUGE_RECORD) < 0)
		return -ENAMETOOLONG;
	r = read_full(path, 16384, 0, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		ERR("VM %s: cannot read %s: %s", name, path, strerror(-r));
		return r;
	}
	r = huge_record_parse(text, len, e, &n, &line);
	free(text);
	if (r < 0) {
		ERR("VM %s: %s:%u: not a hugepage record; removed, no pool changed", name, path, line);
		unlink(path);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned long nr, to;

		pool_name(e[i].node, where, sizeof(where));
		r = pool_read(e[i].node, e[i].kb, "nr_hugepages", &nr);
		if (r < 0) {
			ERR("VM %s: cannot read nr_hugepages %s: %s", name, where, strerror(-r));
			fail = r;
			continue;
		}
		/* Lowered by what we added, never below what it was, never
		 * raised: pages another user added since stay theirs. */
		to = nr <= e[i].before ? nr : nr - e[i].before > e[i].add ? nr - e[i].add : e[i].before;
		if (to == nr)
			continue;
		r = pool_write(e[i].node, e[i].kb, to);
		if (r < 0) {
			ERR("VM %s: cannot give %s pages back %s (nr_hugepages %lu -> %lu): %s", name,
			    size_name(e[i].kb), where, nr, to, strerror(-r));
			fail = r;
			continue;
		}
		INF("VM %s: %lu %s pages given back %s (nr_hugepages %lu -> %lu)", name, nr - to, size_name(e[i].kb),
		    where, nr, to);
	}
	if (fail == 0)
		unlink(path);
	return fail;
}

int huge_qemu_args(const struct vm *vm, struct strv *av)
{
	int nodes[CPU_NODES_MAX];
	size_t k;
	char bind[32] = "";
	int r;

	if (vm->hugepages_kb == 0)
		return 0;
	k = vm_nodes(vm, vm->hugepages_kb, nodes);
	/* One node: its pages, where the reservation put them. Several:
	 * each vCPU thread faults its share on its own node. */
	if (k == 1)
		snprintf(bind, sizeof(bind), ",host-nodes=%d,policy=bind", nodes[0]);
	r = strv_pushf(av, "-object");
	if (r == 0)
		r = strv_pushf(av,
			       "memory-backend-memfd,id=vfiobind-ram,size=%lluM,hugetlb=on,hugetlbsize=%luk,"
			       "prealloc=on%s",
			       vm->memory_mib, vm->hugepages_kb, bind);
	if (r == 0)
		r = strv_pushf(av, "-machine");
	if (r == 0)
		r = strv_pushf(av, "memory-backend=vfiobind-ram");
	return r;
}
