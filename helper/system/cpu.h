/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpu.h - the host's CPU topology and hugepage pools as sysfs shows them,
 * under the root prefix: which CPUs are online, which are SMT siblings
 * (one core), which share an L3 cache (one CCD on a Ryzen), which NUMA
 * node each is on, and how many hugepages of each size are reserved and
 * free, in all and per node. Read-only; what a [vm] section's cpus =,
 * isolate = and hugepages = are held against (system/vmcpu.h), and what
 * the guest's -smp topology is derived from.
 *
 * Sources (Documentation/ABI/stable/sysfs-devices-system-cpu,
 * Documentation/admin-guide/mm/hugetlbpage.rst):
 *   /sys/devices/system/cpu/online, present
 *   /sys/devices/system/cpu/cpuN/topology/thread_siblings_list
 *   /sys/devices/system/cpu/cpuN/cache/indexK/{level,shared_cpu_list}
 *   /sys/devices/system/node/nodeN/cpulist
 *   /sys/kernel/mm/hugepages/hugepages-SIZEkB/{nr_hugepages,free_hugepages}
 *   /sys/devices/system/node/nodeN/hugepages/hugepages-SIZEkB/...
 * An offline CPU has no topology/ and no cache/ (the kernel removes them
 * at hot-unplug), so its core and L3 are unknown.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/cpulist.h"

#define CPU_HUGE_SIZES 4 /* x86 has 2M and 1G; arm64 up to four */
#define CPU_NODES_MAX  64

struct cpu_info {
	int core; /* lowest CPU of its thread_siblings_list; -1 unknown */
	int l3;	  /* index into cpu_topo.l3; -1 none or unknown */
	int node; /* NUMA node; -1 unknown (no node directory) */
};

/* One hugepage size: the whole pool, and per node (-1: not read). */
struct cpu_hugepool {
	unsigned long kb; /* page size in KiB: 2048, 1048576 */
	unsigned long total, free;
	long node_total[CPU_NODES_MAX], node_free[CPU_NODES_MAX];
};

struct cpu_topo {
	struct cpuset present; /* cpu/present; cpu/online when it is missing */
	struct cpuset online;
	unsigned ncpu;	      /* entries of @cpu: highest online CPU + 1 */
	struct cpu_info *cpu; /* indexed by CPU number */
	struct cpuset *l3;    /* each distinct L3's shared_cpu_list */
	size_t nl3;
	struct cpuset node[CPU_NODES_MAX]; /* each node's cpulist */
	unsigned nnodes;		   /* highest node + 1; 0: no node directory */
	struct cpu_hugepool pool[CPU_HUGE_SIZES];
	size_t npool; /* ascending page size */
};

/**
 * cpu_topo_read() - read the topology and hugepage pools into @t (zeroed
 * first; free it with cpu_topo_free() whatever the result).
 * A missing node/ directory (a kernel without CONFIG_NUMA), L3 (a CPU
 * without one), or hugepages/ (without CONFIG_HUGETLBFS) leaves that part
 * empty; the caller shows "unknown".
 * Return: 0; -ENOENT when /sys/devices/system/cpu/online is missing (no
 * sysfs: a chroot), -EINVAL when a file there is not a CPU list, -ENOMEM.
 */
int cpu_topo_read(struct cpu_topo *t);

/** cpu_topo_free() - free what cpu_topo_read() allocated; @t is zeroed. */
void cpu_topo_free(struct cpu_topo *t);

/**
 * cpu_siblings() - the online SMT siblings of @cpu (itself included) into
 * @out: the CPUs of @t with the same core. Only @cpu itself when its core
 * is unknown (offline, or no topology/).
 */
void cpu_siblings(const struct cpu_topo *t, unsigned cpu, struct cpuset *out);

/**
 * cpu_mem_total_kb() - the memory in all of NUMA node @node, in KiB: its
 * meminfo's "Node N MemTotal:" line (drivers/base/node.c,
 * node_read_meminfo()), or for @node < 0 the machine's, /proc/meminfo's
 * "MemTotal:" (fs/proc/meminfo.c), both under the root prefix.
 * Return: the size; 0 when the file is missing or has no such line in
 * "NNN kB" form (nothing to compare against).
 */
unsigned long cpu_mem_total_kb(int node);

/**
 * cpu_meminfo_total_kb() - the "MemTotal:   NNN kB" value of the
 * NUL-terminated meminfo text @text (either form of cpu_mem_total_kb()).
 * Return: NNN; 0 when there is no such line, or its value is not a
 * decimal below ULONG_MAX followed by " kB".
 */
unsigned long cpu_meminfo_total_kb(const char *text);

/** cpu_hugepool_find() - the pool of @kb KiB pages, or NULL when @t has none. */
const struct cpu_hugepool *cpu_hugepool_find(const struct cpu_topo *t, unsigned long kb);

/* The guest topology QEMU's -smp takes, for vCPUs pinned to host CPUs. */
struct cpu_smp {
	unsigned cpus, cores, threads; /* cpus = cores * threads; sockets=1 */
};

/**
 * cpu_smp_derive() - the guest's -smp for vCPUs pinned to @pin, and which
 * host CPU each vCPU goes on.
 * @order: @norder entries; order[i] is vCPU i's host CPU. QEMU numbers a
 *         core's threads consecutively (vCPU 0 and 1 are core 0's threads
 *         with threads=2), so the pinned CPUs are taken core by core, each
 *         core's siblings together in ascending order: on a 9900X, where
 *         CPU N and N+12 are one core, cpus = 6-11,18-23 gives vCPUs on
 *         6,18,7,19,...,11,23, not 6,7,8 (which would put the guest's SMT
 *         pair on two host cores).
 *
 * Siblings that are both in @pin become one core's threads; threads is
 * their count when every pinned core has the same count, else 1 (QEMU
 * knows no mixed cores; vfiobind check warns about the split siblings).
 * A CPU whose core is unknown is a core of its own.
 * Return: 0; -EINVAL when @pin is empty; -ENOSPC when @norder is smaller
 * than the number of CPUs in @pin (the text of -smp is still filled in).
 */
int cpu_smp_derive(const struct cpu_topo *t, const struct cpuset *pin, struct cpu_smp *smp, unsigned *order,
		   size_t norder);
