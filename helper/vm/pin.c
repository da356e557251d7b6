// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pin.c - the launcher's stage "pin": each vCPU thread of QEMU on its
 * host CPU before the guest runs (launch.h). QEMU was started paused
 * (-S), so no guest instruction runs on a CPU it should not; `cont`
 * follows (supervise.c). Done by the launcher, from outside: QEMU's
 * -sandbox resourcecontrol=deny forbids QEMU to do it itself.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/jsonread.h"
#include "basic/log.h"
#include "basic/sysfs.h"
#include "system/cpu.h"
#include "vm/launch.h"

/* A "Name:\tvalue" line of /proc/@tid/status, its first number. */
static long status_field(long tid, const char *name)
{
	char path[64], line[256];
	size_t n = strlen(name);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", tid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* The process group of process @pid (proc(5), /proc/PID/stat field 5,
 * after the command name in parentheses, which may hold anything). */
static long pgrp_of(long pid)
{
	char path[64], buf[512];
	long pgrp = -1;
	char *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p && sscanf(p + 1, " %*c %*d %ld", &pgrp) != 1)
		pgrp = -1;
	return pgrp;
}

/* Whether @tid is a thread of QEMU: of a process in QEMU's process group
 * (a qemu = script that does not exec has QEMU as its child there),
 * running as the VM's user. */
static bool qemu_thread(const struct launch *L, long tid)
{
	long tgid = status_field(tid, "Tgid");

	return tgid > 0 && pgrp_of(tgid) == (long)L->qemu_pgid && status_field(tid, "Uid") == (long)L->user.uid;
}

static int pin_one(struct launch *L, unsigned vcpu, long tid)
{
	unsigned cpu = L->pin[vcpu];
	cpu_set_t want, got;

	if (!qemu_thread(L, tid)) {
		WRN("VM %s: vCPU %u: thread %ld is not one of QEMU's; not pinned", L->vm->name, vcpu, tid);
		return -EPERM;
	}
	CPU_ZERO(&want);
	CPU_SET(cpu, &want);
	if (sched_setaffinity((pid_t)tid, sizeof(want), &want) < 0 ||
	    sched_getaffinity((pid_t)tid, sizeof(got), &got) < 0) {
		int r = -errno;

		WRN("VM %s: vCPU %u (thread %ld): cannot pin it to CPU %u: %s", L->vm->name, vcpu, tid, cpu,
		    strerror(-r));
		return r;
	}
	if (!CPU_EQUAL(&want, &got)) {
		WRN("VM %s: vCPU %u (thread %ld): pinned to CPU %u, but the kernel reports otherwise", L->vm->name,
		    vcpu, tid, cpu);
		return -EIO;
	}
	INF("VM %s: vCPU %u (thread %ld) pinned to CPU %u", L->vm->name, vcpu, tid, cpu);
	return 0;
}

size_t launch_pin_vcpus(struct launch *L, const struct json_val *ret)
{
	size_t pinned = 0;
	bool *done = calloc(L->npin ? L->npin : 1, sizeof(*done));
	struct json_val cpu;

	if (done == NULL)
		return 0;
	for (size_t i = 0; json_at(ret, i, &cpu) == 0 && i < L->npin * 4; i++) {
		struct json_val v;
		unsigned long long index, tid;

		if (json_get(&cpu, "cpu-index", &v) < 0 || json_uint(&v, 1u << 20, &index) < 0 ||
		    json_get(&cpu, "thread-id", &v) < 0 || json_uint(&v, 1u << 30, &tid) < 0) {
			WRN("VM %s: query-cpus-fast: entry %zu has no cpu-index and thread-id", L->vm->name, i);
			continue;
		}
		if (index >= L->npin || done[index]) {
			WRN("VM %s: query-cpus-fast: vCPU %llu is not one of the %zu expected, or listed twice",
			    L->vm->name, index, L->npin);
			continue;
		}
		done[index] = true;
		if (pin_one(L, (unsigned)index, (long)tid) == 0)
			pinned++;
	}
	free(done);
	if (pinned < L->npin)
		WRN("VM %s: %zu of %zu vCPUs pinned (above); the guest runs all the same", L->vm->name, pinned,
		    L->npin);
	else
		NOTICE("VM %s: all %zu vCPUs pinned, each to its CPU", L->vm->name, pinned);
	return pinned;
}

void launch_emulator_cpus(struct launch *L)
{
	const struct vm *vm = L->vm;
	char list[256];

	/* Accepted and checked, not done yet: said, not silently ignored. */
	cpuset_zero(&L->emu);
	if (vm->cpus == NULL)
		return;
	if (vm->emulator_cpus) {
		L->emu = *vm->emulator_cpus;
	} else {
		struct cpu_topo t;
		int r = cpu_topo_read(&t);

		if (r == 0)
			cpuset_andnot(&L->emu, &t.online, vm->cpus);
		else
			WRN("VM %s: cannot read this host's CPUs (%s): QEMU's other threads and swtpm stay unpinned",
			    vm->name, strerror(-r));
		cpu_topo_free(&t);
	}
	if (cpuset_count(&L->emu) && cpulist_format(&L->emu, list, sizeof(list)) < sizeof(list))
		INF("VM %s: QEMU's other threads and swtpm on CPU%s %s", vm->name,
		    cpuset_count(&L->emu) == 1 ? "" : "s", list);
}
