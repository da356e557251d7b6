/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmcpu.h - a VM's cpus = and emulator-cpus = held against this host's
 * topology (system/cpu.h), and its memory = against the host's memory,
 * for `check`, `vm check`, `vm run` and `doctor`: one wording for all of
 * them.
 */
#pragma once

#include "basic/diags.h"
#include "basic/strv.h"
#include "config/vmconf.h"
#include "system/cpu.h"

/**
 * vmcpu_check() - the host-side rules for @vm's CPUs.
 * @t:     cpu_topo_read() of this host.
 * @errs:  "FILE:LINE: cpus: CPU 24 does not exist on this host (its CPUs
 *         are 0-23)", "...: CPUs 5,17 are offline (online: ...)" for
 *         cpus = and emulator-cpus = alike; "FILE:LINE: isolate = yes
 *         leaves the host no online CPU" when cpus takes them all.
 * @warns: for cpus =: it takes CPU 0 (where the kernel does work nothing
 *         moves); it splits SMT siblings (one thread of a core in the list,
 *         another not); it spans more than one L3 cache, or more than one
 *         NUMA node. Each names the CPUs concerned.
 * Nothing is added for a VM without those keys.
 * Return: the number of errors added.
 */
size_t vmcpu_check(const struct vm *vm, const struct cpu_topo *t, struct diags *errs, struct diags *warns);

/**
 * vmmem_check() - @vm's guest RAM (memory =, or the -m of its args) held
 * against this host's memory in all. vfio pins every page of the guest's
 * RAM for DMA (vfio_iommu_type1: vfio_pin_pages_remote()), so a guest
 * with more RAM than the host has cannot start, hugepages or not.
 * @total_kb: the host's MemTotal in KiB (cpu_mem_total_kb(-1)); 0 when it
 *            could not be read: nothing is checked.
 * @errs:     "FILE:LINE: memory: 16G is more than this host's 12288 MiB in
 *            all: vfio pins all of the guest's RAM, so it cannot start;
 *            give it less than 12288M". LINE is memory ='s, or the [vm]
 *            header's when the size came from -m ("memory (-m of args):").
 * Return: the number of errors added, 0 or 1.
 */
size_t vmmem_check(const struct vm *vm, unsigned long total_kb, struct diags *errs);

/**
 * vmcpu_describe() - @vm's cpus = as doctor shows it, into @buf of @len
 * bytes: "12 vCPUs as -smp 12,sockets=1,cores=6,threads=2; SMT pairs
 * 6+18 7+19 ...; L3 6-11,18-23; NUMA node 0". Cut to fit.
 */
void vmcpu_describe(const struct vm *vm, const struct cpu_topo *t, char *buf, size_t len);

/**
 * vmcpu_qemu_args() - the QEMU options the performance keys add to @av:
 * "-m SIZE" for memory = when the QEMU words have no -m (vm->memory_emit;
 * "16G", "1536M"), and for cpus = without a -smp of the user's,
 * "-smp N,sockets=1,cores=C,threads=T" from cpu_smp_derive() on @t.
 * @t:     cpu_topo_read() of this host, or NULL when it could not be
 *         read: then "-smp N" alone (N CPUs of cpus =, one core each).
 * @order: when not NULL, @norder entries for each vCPU's host CPU (what
 *         the launcher pins vCPU i to); the list order without @t.
 * Return: 0, -ENOMEM, or -ENOSPC when @norder is short.
 */
int vmcpu_qemu_args(const struct vm *vm, const struct cpu_topo *t, struct strv *av, unsigned *order, size_t norder);
