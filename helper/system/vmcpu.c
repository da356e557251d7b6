// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vmcpu.c - a VM's CPUs against this host's topology (vmcpu.h).
 */
#include "system/vmcpu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/str.h"

/* One list for a message; long ones are cut (the config line has it). */
#define LIST_LEN 160

static void fmt(const struct cpuset *s, char *buf)
{
	if (cpulist_format(s, buf, LIST_LEN) >= LIST_LEN)
		memcpy(buf + LIST_LEN - 4, "...", 4);
}

/* Every CPU of @set present and online. Return: the errors added. */
static size_t exist(const struct vm *vm, const struct cpu_topo *t, const char *key, const struct cpuset *set,
		    unsigned line, struct diags *errs)
{
	struct cpuset absent, offline;
	char a[LIST_LEN], b[LIST_LEN];
	size_t n = 0;
	unsigned k;

	cpuset_andnot(&absent, set, &t->present);
	cpuset_andnot(&offline, set, &t->online);
	cpuset_andnot(&offline, &offline, &absent);
	if ((k = cpuset_count(&absent)) > 0) {
		fmt(&absent, a);
		fmt(&t->present, b);
		diags_add(errs, "%s:%u: %s: CPU%s %s %s not exist on this host (its CPUs are %s)", vm->file, line, key,
			  k == 1 ? "" : "s", a, k == 1 ? "does" : "do", b);
		n++;
	}
	if ((k = cpuset_count(&offline)) > 0) {
		fmt(&offline, a);
		fmt(&t->online, b);
		diags_add(errs,
			  "%s:%u: %s: CPU%s %s %s offline (online: %s); bring %s online "
			  "(/sys/devices/system/cpu/cpuN/online) or leave %s out",
			  vm->file, line, key, k == 1 ? "" : "s", a, k == 1 ? "is" : "are", b, k == 1 ? "it" : "them",
			  k == 1 ? "it" : "them");
		n++;
	}
	return n;
}

/* One thread of a core in cpus, another not: the host's work on the
 * other thread takes the core's time from the vCPU. */
static void split_siblings(const struct vm *vm, const struct cpu_topo *t, const struct cpuset *pin, struct diags *warns)
{
	struct cpuset lone, missing;
	char a[LIST_LEN], b[LIST_LEN];
	unsigned k;

	cpuset_zero(&lone);
	cpuset_zero(&missing);
	for (int c = cpuset_next(pin, -1); c >= 0; c = cpuset_next(pin, c)) {
		struct cpuset sib;

		cpu_siblings(t, (unsigned)c, &sib);
		cpuset_andnot(&sib, &sib, vm->cpus);
		if (cpuset_count(&sib) == 0)
			continue;
		cpuset_set(&lone, (unsigned)c);
		cpuset_or(&missing, &missing, &sib);
	}
	if ((k = cpuset_count(&lone)) == 0)
		return;
	fmt(&lone, a);
	fmt(&missing, b);
	diags_add(warns,
		  "%s:%u: cpus: splits SMT siblings: %s %s in the list, %s sibling%s %s not; the host's work there "
		  "takes the core from the vCPU: take both threads of a core or neither",
		  vm->file, vm->cpus_line, a, k == 1 ? "is" : "are", k == 1 ? "its" : "their",
		  cpuset_count(&missing) == 1 ? "" : "s", b);
}

/* The pinned CPUs of each L3 (@l3) or node, "4-5 on 0-5,12-17; ...". */
static void spread(const struct cpuset *pin, const struct cpuset *domains, size_t n, bool numbered, char *buf,
		   size_t len, unsigned *count)
{
	buf[0] = '\0';
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		struct cpuset in;
		char a[LIST_LEN], b[LIST_LEN];

		cpuset_and(&in, pin, &domains[i]);
		if (cpuset_count(&in) == 0)
			continue;
		fmt(&in, a);
		fmt(&domains[i], b);
		if (numbered)
			str_append(buf, len, "%s%s on node %zu", (*count)++ ? "; " : "", a, i);
		else
			str_append(buf, len, "%s%s on the L3 of %s", (*count)++ ? "; " : "", a, b);
	}
}

size_t vmcpu_check(const struct vm *vm, const struct cpu_topo *t, struct diags *errs, struct diags *warns)
{
	struct cpuset pin, rest;
	char where[768];
	size_t n = 0;
	unsigned k;

	if (vm->cpus)
		n += exist(vm, t, "cpus", vm->cpus, vm->cpus_line, errs);
	if (vm->emulator_cpus)
		n += exist(vm, t, "emulator-cpus", vm->emulator_cpus, vm->emu_line, errs);
	if (vm->cpus == NULL)
		return n;
	cpuset_and(&pin, vm->cpus, &t->online);
	cpuset_andnot(&rest, &t->online, vm->cpus);
	if (vm->isolate && cpuset_count(&rest) == 0) {
		diags_add(errs, "%s:%u: isolate = yes leaves the host no online CPU: cpus takes them all", vm->file,
			  vm->isolate_line);
		n++;
	}
	if (cpuset_has(vm->cpus, 0)) {
		struct cpuset sib;
		char a[LIST_LEN];

		cpu_siblings(t, 0, &sib);
		fmt(&sib, a);
		diags_add(warns,
			  "%s:%u: cpus: takes CPU 0, where the kernel does work that no setting moves (timers, "
			  "some interrupts); leave %s to the host",
			  vm->file, vm->cpus_line, a);
	}
	split_siblings(vm, t, &pin, warns);
	spread(&pin, t->l3, t->nl3, false, where, sizeof(where), &k);
	if (k > 1)
		diags_add(warns,
			  "%s:%u: cpus: spans %u L3 caches (%s); vCPUs on different CCDs share data over the slower "
			  "link between dies: keep them on one",
			  vm->file, vm->cpus_line, k, where);
	spread(&pin, t->node, t->nnodes, true, where, sizeof(where), &k);
	if (k > 1)
		diags_add(warns,
			  "%s:%u: cpus: spans %u NUMA nodes (%s); the guest's memory sits on one of them, far from "
			  "the others",
			  vm->file, vm->cpus_line, k, where);
	return n;
}

void vmcpu_describe(const struct vm *vm, const struct cpu_topo *t, char *buf, size_t len)
{
	struct cpuset pin;
	struct cpu_smp smp;
	unsigned order[256];
	char a[LIST_LEN], list[CPU_NODES_MAX];
	unsigned k;
	int r;

	buf[0] = '\0';
	if (vm->cpus == NULL || len == 0)
		return;
	cpuset_and(&pin, vm->cpus, &t->online);
	r = cpu_smp_derive(t, &pin, &smp, order, sizeof(order) / sizeof(order[0]));
	if (r == -EINVAL) {
		str_append(buf, len, "none of its CPUs is online");
		return;
	}
	str_append(buf, len, "%u vCPU%s as -smp %u,sockets=1,cores=%u,threads=%u; cores", smp.cpus,
		   smp.cpus == 1 ? "" : "s", smp.cpus, smp.cores, smp.threads);
	for (unsigned i = 0; r == 0 && i < smp.cpus; i++) {
		bool same = i > 0 && order[i] < t->ncpu && order[i - 1] < t->ncpu && t->cpu[order[i]].core >= 0 &&
			    t->cpu[order[i]].core == t->cpu[order[i - 1]].core;

		str_append(buf, len, "%s%u", same ? "+" : " ", order[i]);
	}
	if (r != 0)
		str_append(buf, len, " (more than %zu CPUs)", sizeof(order) / sizeof(order[0]));
	/* The domains the CPUs touch, each as the host names it. */
	k = 0;
	for (size_t i = 0; i < t->nl3; i++) {
		struct cpuset in;

		cpuset_and(&in, &pin, &t->l3[i]);
		if (cpuset_count(&in) == 0)
			continue;
		fmt(&t->l3[i], a);
		str_append(buf, len, "%s%s", k++ ? " and " : "; L3 ", a);
	}
	if (k == 0)
		str_append(buf, len, "; L3 unknown");
	k = 0;
	for (unsigned i = 0; i < t->nnodes; i++) {
		struct cpuset in;

		cpuset_and(&in, &pin, &t->node[i]);
		if (cpuset_count(&in))
			list[k++] = (char)i; /* a node number below CPU_NODES_MAX */
	}
	for (unsigned i = 0; i < k; i++)
		str_append(buf, len, "%s%d", i ? "," : k > 1 ? "; NUMA nodes " : "; NUMA node ", list[i]);
	if (k == 0)
		str_append(buf, len, "; NUMA node unknown");
}

int vmcpu_qemu_args(const struct vm *vm, const struct cpu_topo *t, struct strv *av, unsigned *order, size_t norder)
{
	struct cpu_smp smp;
	unsigned long long mib = vm->memory_mib;
	int r = 0;

	if (vm->memory_emit) {
		char size[24];

		vmconf_size_format(mib, size, sizeof(size));
		r = strv_pushf(av, "-m");
		if (r == 0)
			r = strv_pushf(av, "%s", size);
	}
	if (r < 0 || vm->cpus == NULL)
		return r;
	if (t) {
		r = cpu_smp_derive(t, vm->cpus, &smp, order, order ? norder : 0);
		if (r == -ENOSPC && order == NULL)
			r = 0;
	} else {
		unsigned n = 0;

		smp = (struct cpu_smp){.cpus = cpuset_count(vm->cpus), .cores = cpuset_count(vm->cpus), .threads = 1};
		for (int c = cpuset_next(vm->cpus, -1); order && c >= 0; c = cpuset_next(vm->cpus, c), n++)
			if (n < norder)
				order[n] = (unsigned)c;
		r = order && n > norder ? -ENOSPC : 0;
	}
	if (r < 0 || vm->smp_given)
		return r;
	r = strv_pushf(av, "-smp");
	if (r == 0 && t)
		r = strv_pushf(av, "%u,sockets=1,cores=%u,threads=%u", smp.cpus, smp.cores, smp.threads);
	else if (r == 0)
		r = strv_pushf(av, "%u", smp.cpus);
	return r;
}

size_t vmmem_check(const struct vm *vm, unsigned long total_kb, struct diags *errs)
{
	char size[24];

	if (vm->memory_mib == 0 || total_kb == 0 || vm->memory_mib <= total_kb / 1024)
		return 0;
	vmconf_size_format(vm->memory_mib, size, sizeof(size));
	diags_add(
	    errs,
	    "%s:%u: memory%s: %s is more than this host's %lu MiB in all: vfio pins all of the guest's RAM, so it "
	    "cannot start; give it less than %luM",
	    vm->file, vm->memory_line ? vm->memory_line : vm->line, vm->memory_line ? "" : " (-m of args)", size,
	    total_kb / 1024, total_kb / 1024);
	return 1;
}
