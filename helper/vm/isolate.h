/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isolate.h - `isolate = yes`: while the VM runs, the host's own work is
 * kept off the VM's CPUs (system.slice, user.slice and init.scope through
 * systemd's AllowedCPUs=, the unbound workqueue mask, the IRQ affinity of
 * everything but the VM's devices), and the record of what they were, so
 * that a stop, ExecStopPost or the next start puts it all back.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "basic/cpulist.h"

/* In the VM's runtime state directory: isolation does not outlive a
 * reboot (AllowedCPUs= is set --runtime, sysfs and procfs are memory), so
 * neither does its record. */
#define ISOLATE_RECORD	"isolated"
#define ISOLATE_UNITS	3
#define ISOLATE_VAL_MAX 256

struct isolate_irq {
	unsigned irq;
	char list[ISOLATE_VAL_MAX]; /* its smp_affinity_list before */
};

/* What isolation changed, as it was before. */
struct isolated {
	bool unit_set[ISOLATE_UNITS];
	char unit_val[ISOLATE_UNITS][ISOLATE_VAL_MAX]; /* AllowedCPUs, "" all */
	bool wq_set;
	char wq[ISOLATE_VAL_MAX]; /* the workqueue cpumask, hex as read */
	struct isolate_irq *irq;
	size_t nirq;
};

/* The units confined, in the order of unit_val[]. */
extern const char *const isolate_units[ISOLATE_UNITS];

/**
 * isolate_record_parse() - parse a record written by isolate_apply():
 * a first line "vfiobind-isolated 1", then "unit NAME=LIST" (NAME one of
 * isolate_units, LIST a CPU list or empty), "wq HEX" (hex digits and
 * commas, the kernel's cpumask form) and "irq N LIST" lines, each at most
 * once per unit, workqueue and IRQ.
 * @text, @len: the bytes, from a file root wrote but read back as outside
 * input. @out: zeroed first; free with isolated_free() whatever the result.
 * @err: on -EINVAL, "line N: what".
 * Return: 0; -EINVAL a malformed record; -ENOMEM.
 */
int isolate_record_parse(const char *text, size_t len, struct isolated *out, char *err, size_t errlen);

/**
 * isolate_record_format() - @s as isolate_record_parse() reads it: the
 * first line, the units set, the workqueue mask when set, the IRQs in
 * their order.
 * Return: 0, or -EIO when @f reports an error.
 */
int isolate_record_format(FILE *f, const struct isolated *s);

/** isolated_free() - free @s's IRQ list; @s is zeroed. */
void isolated_free(struct isolated *s);

/**
 * isolate_mask_hex() - @s in the kernel's hex cpumask form
 * (bitmap_print_to_pagebuf() with list = false: 32-bit groups, highest
 * first, comma-separated), without leading zero groups; "0" when empty.
 * Return: the length, or -ENAMETOOLONG when @len is too small.
 */
int isolate_mask_hex(const struct cpuset *s, char *buf, size_t len);

/**
 * isolate_apply() - confine the host to the online CPUs outside @cpus.
 * Not when the launcher's own cgroup (/proc/self/cgroup) is under one of
 * the units it would confine (a child's cpuset is within its parent's,
 * cgroup v2): then a warning says why, and nothing changes. Otherwise
 * every old value is read, then recorded in <state dir of @vm>/isolated
 * (synced), and only then changed: `systemctl set-property --runtime`
 * for the units, /sys/devices/virtual/workqueue/cpumask, and every
 * /proc/irq/N/smp_affinity_list whose /proc/interrupts line names neither
 * "vfio" nor one of @bdfs (@nbdf "0000:01:00.0" names). An IRQ that
 * refuses (EIO: per-CPU or managed, kernel/irq/proc.c
 * write_irq_affinity()) is skipped at debug level. Paths through the
 * --root prefix; systemctl from PATH.
 * Return: true when something was changed (a record exists to restore);
 * every failure is logged, none stops the VM.
 */
bool isolate_apply(const char *vm, const struct cpuset *cpus, const char *const *bdfs, size_t nbdf);

/**
 * isolate_restore() - put back what <state dir of @vm>/isolated records,
 * then remove it; a unit or the workqueue mask that cannot be put back
 * keeps the record, for ExecStopPost or the next start. An IRQ that is
 * gone or refuses (ENOENT, EIO) is not an error.
 * Return: 0 (also when there is no record); -EIO something was not put
 * back (logged); -EINVAL the record is not one (logged); -errno reading.
 */
int isolate_restore(const char *vm);
