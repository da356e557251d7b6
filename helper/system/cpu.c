// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpu.c - the host's CPU topology and hugepage pools from sysfs (cpu.h).
 * hwloc and libnuma read the same files, but both read the running
 * machine only (no root prefix for the fixtures) and hwloc is a large
 * dependency for five small files.
 */
#include "system/cpu.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/sysfs.h"

/* sysfs prints a CPU list within one page. */
#define LIST_MAX 4096

/* The CPU list in the file at @fmt under the root into @out; an empty
 * file is the empty set. Return: 0, -ENOENT, -EINVAL, or -errno. */
static int read_list(struct cpuset *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int read_list(struct cpuset *out, const char *fmt, ...)
{
	char rel[PATH_MAX], path[PATH_MAX], *buf;
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel) || root_path(path, sizeof(path), "%s", rel) < 0)
		return -ENAMETOOLONG;
	buf = malloc(LIST_MAX + 1);
	if (buf == NULL)
		return -ENOMEM;
	n = sysfs_read_attr(path, buf, LIST_MAX + 1);
	cpuset_zero(out);
	r = n < 0 ? n : n == 0 ? 0 : cpulist_read(buf, (size_t)n, out, NULL, 0) < 0 ? -EINVAL : 0;
	free(buf);
	return r;
}

/* An unsigned number in the file at @fmt under the root. */
static int read_ulong(unsigned long *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int read_ulong(unsigned long *out, const char *fmt, ...)
{
	char rel[PATH_MAX], path[PATH_MAX], buf[32], *end;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel) || root_path(path, sizeof(path), "%s", rel) < 0)
		return -ENAMETOOLONG;
	n = sysfs_read_attr(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (n == 0 || buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(buf, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

/* The index of @set in t->l3, added when new. */
static int l3_index(struct cpu_topo *t, const struct cpuset *set)
{
	struct cpuset *v;

	for (size_t i = 0; i < t->nl3; i++)
		if (cpuset_equal(&t->l3[i], set))
			return (int)i;
	v = realloc(t->l3, (t->nl3 + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	t->l3 = v;
	t->l3[t->nl3] = *set;
	return (int)t->nl3++;
}

/* CPU @c's L3: the cache/indexK whose level is 3 (the index numbers are
 * the kernel's order of the CPUID leaves, not a promise; none is skipped
 * for a gap). */
static int read_l3(struct cpu_topo *t, unsigned c)
{
	struct cpuset set;

	for (unsigned k = 0; k < 16; k++) {
		unsigned long level;
		int r = read_ulong(&level, "/sys/devices/system/cpu/cpu%u/cache/index%u/level", c, k);

		if (r < 0 || level != 3)
			continue;
		r = read_list(&set, "/sys/devices/system/cpu/cpu%u/cache/index%u/shared_cpu_list", c, k);
		if (r < 0 || cpuset_count(&set) == 0)
			return r == -ENOMEM ? r : -1;
		return l3_index(t, &set);
	}
	return -1;
}

static int read_cpus(struct cpu_topo *t)
{
	int last = -1, r;

	r = read_list(&t->online, "/sys/devices/system/cpu/online");
	if (r < 0)
		return r;
	if (read_list(&t->present, "/sys/devices/system/cpu/present") < 0)
		t->present = t->online;
	for (int c = cpuset_next(&t->online, -1); c >= 0; c = cpuset_next(&t->online, c))
		last = c;
	t->ncpu = (unsigned)(last + 1);
	t->cpu = calloc(t->ncpu ? t->ncpu : 1, sizeof(*t->cpu));
	if (t->cpu == NULL)
		return -ENOMEM;
	for (unsigned c = 0; c < t->ncpu; c++) {
		struct cpuset sib;

		t->cpu[c] = (struct cpu_info){.core = -1, .l3 = -1, .node = -1};
		if (!cpuset_has(&t->online, c))
			continue;
		if (read_list(&sib, "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", c) == 0 &&
		    cpuset_has(&sib, c))
			t->cpu[c].core = cpuset_next(&sib, -1);
		r = read_l3(t, c);
		if (r == -ENOMEM)
			return r;
		t->cpu[c].l3 = r;
	}
	return 0;
}

/* node/nodeN/cpulist for every N of node/online (or nodeN directories). */
static int read_nodes(struct cpu_topo *t)
{
	struct cpuset nodes;

	if (read_list(&nodes, "/sys/devices/system/node/online") < 0)
		return 0;
	for (int n = cpuset_next(&nodes, -1); n >= 0 && n < CPU_NODES_MAX; n = cpuset_next(&nodes, n)) {
		if (read_list(&t->node[n], "/sys/devices/system/node/node%d/cpulist", n) < 0)
			continue;
		t->nnodes = (unsigned)n + 1;
		for (int c = cpuset_next(&t->node[n], -1); c >= 0 && (unsigned)c < t->ncpu;
		     c = cpuset_next(&t->node[n], c))
			t->cpu[c].node = n;
	}
	return 0;
}

static int pool_cmp(const void *a, const void *b)
{
	const struct cpu_hugepool *x = a, *y = b;

	return x->kb < y->kb ? -1 : x->kb > y->kb;
}

/* hugepages-SIZEkB directories (hugetlbpage.rst "/sys/kernel/mm/hugepages"). */
static int read_pools(struct cpu_topo *t)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dp;

	if (root_path(path, sizeof(path), "/sys/kernel/mm/hugepages") < 0 || (dp = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(dp)) != NULL && t->npool < CPU_HUGE_SIZES) {
		struct cpu_hugepool *p = &t->pool[t->npool];
		unsigned long kb;
		char *end;

		if (strncmp(de->d_name, "hugepages-", 10) != 0)
			continue;
		errno = 0;
		kb = strtoul(de->d_name + 10, &end, 10);
		if (errno || kb == 0 || strcmp(end, "kB") != 0)
			continue;
		memset(p, 0, sizeof(*p));
		p->kb = kb;
		if (read_ulong(&p->total, "/sys/kernel/mm/hugepages/%s/nr_hugepages", de->d_name) < 0 ||
		    read_ulong(&p->free, "/sys/kernel/mm/hugepages/%s/free_hugepages", de->d_name) < 0)
			continue;
		for (unsigned n = 0; n < CPU_NODES_MAX; n++) {
			unsigned long tot, fr;

			p->node_total[n] = p->node_free[n] = -1;
			if (n < t->nnodes &&
			    read_ulong(&tot, "/sys/devices/system/node/node%u/hugepages/%s/nr_hugepages", n,
				       de->d_name) == 0 &&
			    read_ulong(&fr, "/sys/devices/system/node/node%u/hugepages/%s/free_hugepages", n,
				       de->d_name) == 0) {
				p->node_total[n] = (long)tot;
				p->node_free[n] = (long)fr;
			}
		}
		t->npool++;
	}
	closedir(dp);
	qsort(t->pool, t->npool, sizeof(t->pool[0]), pool_cmp);
	return 0;
}

int cpu_topo_read(struct cpu_topo *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	r = read_cpus(t);
	if (r == 0)
		r = read_nodes(t);
	if (r == 0)
		r = read_pools(t);
	return r;
}

void cpu_topo_free(struct cpu_topo *t)
{
	free(t->cpu);
	free(t->l3);
	memset(t, 0, sizeof(*t));
}

void cpu_siblings(const struct cpu_topo *t, unsigned cpu, struct cpuset *out)
{
	cpuset_zero(out);
	cpuset_set(out, cpu);
	if (cpu >= t->ncpu || t->cpu[cpu].core < 0)
		return;
	for (unsigned c = 0; c < t->ncpu; c++)
		if (t->cpu[c].core == t->cpu[cpu].core)
			cpuset_set(out, c);
}

unsigned long cpu_meminfo_total_kb(const char *text)
{
	/* "MemTotal:" starts a line of /proc/meminfo and follows
	 * "Node N " in a node's. */
	const char *p = strstr(text, "MemTotal:"), *w;
	char *e;
	unsigned long kb;

	if (p == NULL || (p != text && p[-1] != ' ' && p[-1] != '\n'))
		return 0;
	for (w = p + strlen("MemTotal:"); *w == ' '; w++)
		;
	if (*w < '0' || *w > '9')
		return 0;
	errno = 0;
	kb = strtoul(w, &e, 10);
	return errno == 0 && strncmp(e, " kB", 3) == 0 ? kb : 0;
}

unsigned long cpu_mem_total_kb(int node)
{
	char path[PATH_MAX], *text = NULL;
	unsigned long kb;
	int r;

	if (node < 0)
		r = root_path(path, sizeof(path), "/proc/meminfo");
	else
		r = root_path(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	if (r < 0 || read_full(path, 1 << 16, 0, &text, NULL) < 0)
		return 0;
	kb = cpu_meminfo_total_kb(text);
	free(text);
	return kb;
}

const struct cpu_hugepool *cpu_hugepool_find(const struct cpu_topo *t, unsigned long kb)
{
	for (size_t i = 0; i < t->npool; i++)
		if (t->pool[i].kb == kb)
			return &t->pool[i];
	return NULL;
}

int cpu_smp_derive(const struct cpu_topo *t, const struct cpuset *pin, struct cpu_smp *smp, unsigned *order,
		   size_t norder)
{
	struct cpuset left = *pin;
	unsigned n = 0, cores = 0, threads = 0;
	bool uniform = true;

	memset(smp, 0, sizeof(*smp));
	if (cpuset_count(pin) == 0)
		return -EINVAL;
	/* Core by core, from the lowest pinned CPU left: it and its pinned
	 * siblings, ascending. */
	for (int c = cpuset_next(&left, -1); c >= 0; c = cpuset_next(&left, -1)) {
		struct cpuset sib;
		unsigned k = 0;

		cpu_siblings(t, (unsigned)c, &sib);
		cpuset_and(&sib, &sib, &left);
		for (int s = cpuset_next(&sib, -1); s >= 0; s = cpuset_next(&sib, s), k++) {
			if (n < norder)
				order[n] = (unsigned)s;
			n++;
		}
		cpuset_andnot(&left, &left, &sib);
		if (cores++ == 0)
			threads = k;
		else if (k != threads)
			uniform = false;
	}
	smp->cpus = n;
	smp->threads = uniform ? threads : 1;
	smp->cores = n / smp->threads;
	return n > norder ? -ENOSPC : 0;
}
