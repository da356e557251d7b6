// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolate.c - `isolate = yes` (isolate.h): confine the host's own work to
 * the CPUs outside cpus =, record what it was first, and put it back.
 */
#include "vm/isolate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/sysfs.h"
#include "system/cpu.h"
#include "vm/state.h"

#define RECORD_HEAD "vfiobind-isolated 1\n"
#define RECORD_MAX  (1 << 20)
#define IRQ_MAX	    (1u << 20)
#define WQ_MASK	    "/sys/devices/virtual/workqueue/cpumask"

/* libvirt's advice for hook scripts (docs/kbase/kvm-realtime.rst). */
const char *const isolate_units[ISOLATE_UNITS] = {"system.slice", "user.slice", "init.scope"};

void isolated_free(struct isolated *s)
{
	free(s->irq);
	memset(s, 0, sizeof(*s));
}

int isolate_mask_hex(const struct cpuset *s, char *buf, size_t len)
{
	int top = -1;
	size_t used = 0;

	for (unsigned g = 0; g < CPUSET_MAX / 32; g++)
		for (unsigned b = 0; b < 32; b++)
			if (cpuset_has(s, g * 32 + b))
				top = (int)g;
	if (top < 0)
		return snprintf(buf, len, "0") >= (int)len ? -ENAMETOOLONG : 1;
	for (int g = top; g >= 0; g--) {
		unsigned long w = 0;
		int n;

		for (unsigned b = 0; b < 32; b++)
			if (cpuset_has(s, (unsigned)g * 32 + b))
				w |= 1ul << b;
		n = snprintf(buf + used, len - used, g == top ? "%lx" : ",%08lx", w);
		if (n < 0 || (size_t)n >= len - used)
			return -ENAMETOOLONG;
		used += (size_t)n;
	}
	return (int)used;
}

/* Whether @s holds only characters of @set, and fits a value. */
static bool only(const char *s, size_t n, const char *set)
{
	if (n >= ISOLATE_VAL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return false;
	return true;
}

static int parse_line(const char *s, size_t n, struct isolated *out, const char **what)
{
	if (n > 5 && memcmp(s, "unit ", 5) == 0) {
		const char *eq = memchr(s, '=', n);

		*what = "not unit NAME=LIST";
		if (eq == NULL || !only(eq + 1, n - (size_t)(eq + 1 - s), "0123456789,-"))
			return -EINVAL;
		for (int u = 0; u < ISOLATE_UNITS; u++) {
			if (strlen(isolate_units[u]) != (size_t)(eq - s - 5) ||
			    memcmp(s + 5, isolate_units[u], (size_t)(eq - s - 5)) != 0)
				continue;
			*what = "a unit twice";
			if (out->unit_set[u])
				return -EINVAL;
			out->unit_set[u] = true;
			memcpy(out->unit_val[u], eq + 1, n - (size_t)(eq + 1 - s));
			return 0;
		}
		*what = "not a unit isolation confines";
		return -EINVAL;
	}
	if (n > 3 && memcmp(s, "wq ", 3) == 0) {
		*what = out->wq_set ? "wq twice" : "not wq HEX";
		if (out->wq_set || !only(s + 3, n - 3, "0123456789abcdefABCDEF,"))
			return -EINVAL;
		out->wq_set = true;
		memcpy(out->wq, s + 3, n - 3);
		return 0;
	}
	if (n > 4 && memcmp(s, "irq ", 4) == 0) {
		const char *sp = memchr(s + 4, ' ', n - 4);
		unsigned long irq = 0;
		struct isolate_irq *grown;

		*what = "not irq N LIST";
		if (sp == NULL || sp == s + 4 || sp - (s + 4) > 7 ||
		    !only(sp + 1, n - (size_t)(sp + 1 - s), "0123456789,-") || sp + 1 == s + n)
			return -EINVAL;
		for (const char *p = s + 4; p < sp; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			irq = irq * 10 + (unsigned long)(*p - '0');
		}
		if (irq >= IRQ_MAX)
			return -EINVAL;
		*what = "an IRQ twice";
		for (size_t i = 0; i < out->nirq; i++)
			if (out->irq[i].irq == irq)
				return -EINVAL;
		grown = realloc(out->irq, (out->nirq + 1) * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		out->irq = grown;
		memset(&grown[out->nirq], 0, sizeof(*grown));
		grown[out->nirq].irq = (unsigned)irq;
		memcpy(grown[out->nirq].list, sp + 1, n - (size_t)(sp + 1 - s));
		out->nirq++;
		return 0;
	}
	*what = "not a unit, wq or irq line";
	return -EINVAL;
}

int isolate_record_parse(const char *text, size_t len, struct isolated *out, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	unsigned line = 1;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (len < strlen(RECORD_HEAD) || memcmp(text, RECORD_HEAD, strlen(RECORD_HEAD)) != 0) {
		snprintf(err, errlen, "line 1: not a vfiobind isolation record");
		return -EINVAL;
	}
	p += strlen(RECORD_HEAD);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *what = "";
		int r;

		line++;
		if (nl == NULL) {
			snprintf(err, errlen, "line %u: no newline at the end", line);
			return -EINVAL;
		}
		r = parse_line(p, (size_t)(nl - p), out, &what);
		if (r < 0) {
			if (r == -EINVAL)
				snprintf(err, errlen, "line %u: %s", line, what);
			return r;
		}
		p = nl + 1;
	}
	return 0;
}

/* Run systemctl (from PATH) with @args; its output into @out (@outlen,
 * trailing newline cut) when @out is not NULL. The launcher blocks the
 * signals it watches: the child gets them back. Return: 0 when it exited
 * 0; -EIO otherwise; -errno (pipe(2), fork(2)). */
static int systemctl(const char *const *args, char *out, size_t outlen)
{
	int fd[2], status;
	size_t used = 0;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -errno;
	}
	if (pid == 0) {
		sigset_t none;
		char *argv[16];
		size_t n = 0;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (out != NULL)
			dup2(fd[1], STDOUT_FILENO);
		argv[n++] = (char *)"systemctl";
		for (size_t i = 0; args[i] && n < 15; i++)
			argv[n++] = (char *)args[i];
		argv[n] = NULL;
		execvp("systemctl", argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		char buf[256];
		ssize_t k = read(fd[0], buf, sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		for (ssize_t i = 0; out && i < k && used + 1 < outlen; i++)
			out[used++] = buf[i];
	}
	close(fd[0]);
	if (out && outlen) {
		out[used] = '\0';
		while (used && out[used - 1] == '\n')
			out[--used] = '\0';
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int set_allowed(const char *unit, const char *list)
{
	char prop[ISOLATE_VAL_MAX + 16];
	const char *args[] = {"set-property", "--runtime", "--", unit, prop, NULL};

	snprintf(prop, sizeof(prop), "AllowedCPUs=%s", list);
	return systemctl(args, NULL, 0);
}

/* Whether the launcher's cgroup is @unit or below it. */
static bool cgroup_under(const char *cg, const char *unit)
{
	size_t n = strlen(unit);

	return cg[0] == '/' && strncmp(cg + 1, unit, n) == 0 && (cg[1 + n] == '\0' || cg[1 + n] == '/');
}

/* The launcher's own cgroup v2 path ("0::/PATH"), into @buf. */
static int own_cgroup(char *buf, size_t len)
{
	char line[PATH_MAX + 16];
	FILE *f = root_fopen("/proc/self/cgroup");
	int r = -ENOENT;

	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		r = strlen(line + 3) < len ? 0 : -ENAMETOOLONG;
		if (r == 0)
			memcpy(buf, line + 3, strlen(line + 3) + 1);
		break;
	}
	fclose(f);
	return r;
}

/* The IRQs whose /proc/interrupts line names "vfio" or one of @bdfs: the
 * VM's own, left where they are. */
static bool irq_is_vms(const char *interrupts, unsigned irq, const char *const *bdfs, size_t nbdf)
{
	const char *p = interrupts;

	while (p && *p) {
		const char *nl = strchr(p, '\n'), *s = p;
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *endp;
		unsigned long v;

		while (s < p + n && *s == ' ')
			s++;
		v = strtoul(s, &endp, 10);
		if (endp != s && *endp == ':' && v == irq) {
			char text[1024];

			snprintf(text, sizeof(text), "%.*s", (int)(n < sizeof(text) - 1 ? n : sizeof(text) - 1), p);
			if (strstr(text, "vfio"))
				return true;
			for (size_t i = 0; i < nbdf; i++)
				if (strstr(text, bdfs[i]))
					return true;
			return false;
		}
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static int irq_cmp(const void *a, const void *b)
{
	const struct isolate_irq *x = a, *y = b;

	return (x->irq > y->irq) - (x->irq < y->irq);
}

/* Whether @irq is the INTx line of one of @bdfs (their sysfs "irq"): vfio
 * requests it only when the guest enables INTx, after isolation, so its
 * /proc/interrupts line does not name vfio yet. */
static bool irq_is_intx(unsigned long irq, const char *const *bdfs, size_t nbdf)
{
	char path[PATH_MAX], val[32];

	for (size_t i = 0; i < nbdf; i++)
		if (root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/irq", bdfs[i]) == 0 &&
		    sysfs_read_attr(path, val, sizeof(val)) > 0 && strtoul(val, NULL, 10) == irq && irq != 0)
			return true;
	return false;
}

/* Every IRQ with an smp_affinity_list, and its value now, into @s. */
static int read_irqs(struct isolated *s, const char *const *bdfs, size_t nbdf)
{
	char path[PATH_MAX], *interrupts = NULL;
	struct dirent *e;
	size_t ilen;
	DIR *d;
	int r;

	if (root_path(path, sizeof(path), "/proc/interrupts") < 0)
		return -ENAMETOOLONG;
	r = read_full(path, RECORD_MAX, READ_FULL_TRUNCATE, &interrupts, &ilen);
	if (r < 0)
		return r;
	if (root_path(path, sizeof(path), "/proc/irq") < 0 || (d = opendir(path)) == NULL) {
		r = -errno;
		free(interrupts);
		return r ? r : -ENAMETOOLONG;
	}
	while ((e = readdir(d)) != NULL) {
		char *endp, val[ISOLATE_VAL_MAX];
		unsigned long irq = strtoul(e->d_name, &endp, 10);
		struct isolate_irq *grown;

		if (endp == e->d_name || *endp || irq >= IRQ_MAX || irq_is_vms(interrupts, (unsigned)irq, bdfs, nbdf) ||
		    irq_is_intx(irq, bdfs, nbdf))
			continue;
		if (root_path(path, sizeof(path), "/proc/irq/%lu/smp_affinity_list", irq) < 0 ||
		    sysfs_read_attr(path, val, sizeof(val)) <= 0)
			continue;
		grown = realloc(s->irq, (s->nirq + 1) * sizeof(*grown));
		if (grown == NULL) {
			r = -ENOMEM;
			break;
		}
		s->irq = grown;
		grown[s->nirq].irq = (unsigned)irq;
		snprintf(grown[s->nirq].list, sizeof(grown[s->nirq].list), "%s", val);
		s->nirq++;
	}
	closedir(d);
	free(interrupts);
	/* In order: the record reads the same whatever readdir(3) gives. */
	if (s->nirq)
		qsort(s->irq, s->nirq, sizeof(*s->irq), irq_cmp);
	return r;
}

int isolate_record_format(FILE *f, const struct isolated *s)
{
	fputs(RECORD_HEAD, f);
	for (int u = 0; u < ISOLATE_UNITS; u++)
		if (s->unit_set[u])
			fprintf(f, "unit %s=%s\n", isolate_units[u], s->unit_val[u]);
	if (s->wq_set)
		fprintf(f, "wq %s\n", s->wq);
	for (size_t i = 0; i < s->nirq; i++)
		fprintf(f, "irq %u %s\n", s->irq[i].irq, s->irq[i].list);
	return ferror(f) ? -EIO : 0;
}

static int print_record(FILE *f, void *arg)
{
	return isolate_record_format(f, arg);
}

/* Write @list to IRQ @irq; EIO and ENOENT are answers, not errors. */
static int set_irq(const char *vm, unsigned irq, const char *list)
{
	char path[PATH_MAX];
	int r;

	if (root_path(path, sizeof(path), "/proc/irq/%u/smp_affinity_list", irq) < 0)
		return -ENAMETOOLONG;
	r = sysfs_write_attr(path, list);
	if (r == -EIO || r == -ENOENT) {
		DBG("VM %s: IRQ %u keeps its affinity (%s: per-CPU, managed or gone)", vm, irq, strerror(-r));
		return 0;
	}
	if (r < 0)
		WRN("VM %s: IRQ %u: cannot write %s to %s: %s", vm, irq, list, path, strerror(-r));
	return r;
}

bool isolate_apply(const char *vm, const struct cpuset *cpus, const char *const *bdfs, size_t nbdf)
{
	struct isolated old = {0};
	struct cpu_topo t;
	struct cpuset host;
	char cg[PATH_MAX], list[ISOLATE_VAL_MAX], hex[ISOLATE_VAL_MAX], path[PATH_MAX], rec[PATH_MAX];
	int r;

	/* A record still here was not restored (logged): recording the
	 * confined values over it would lose the host's own. */
	if (vm_state_path(rec, sizeof(rec), vm, ISOLATE_RECORD) < 0)
		return false;
	if (access(rec, F_OK) == 0) {
		WRN("VM %s: isolate = yes not applied: %s is left from an earlier run and not restored", vm, rec);
		return false;
	}
	if (own_cgroup(cg, sizeof(cg)) == 0)
		for (int u = 0; u < ISOLATE_UNITS; u++)
			if (cgroup_under(cg, isolate_units[u])) {
				WRN("VM %s: isolate = yes not applied: the launcher runs in %s, under %s, which it "
				    "would confine with QEMU in it (a child's CPUs are within its parent's); "
				    "vfiobind-vm@.service runs in machine.slice",
				    vm, cg, isolate_units[u]);
				return false;
			}
	r = cpu_topo_read(&t);
	if (r == 0)
		cpuset_andnot(&host, &t.online, cpus);
	cpu_topo_free(&t);
	if (r < 0 || cpuset_count(&host) == 0) {
		WRN("VM %s: isolate = yes not applied: %s", vm,
		    r < 0 ? "this host's CPUs cannot be read" : "no online CPU is left outside cpus");
		return false;
	}
	if (cpulist_format(&host, list, sizeof(list)) >= sizeof(list) || isolate_mask_hex(&host, hex, sizeof(hex)) < 0)
		return false;
	/* Every old value first: nothing changes before all are recorded. */
	for (int u = 0; u < ISOLATE_UNITS; u++) {
		const char *args[] = {"show", "-p", "AllowedCPUs", "--value", isolate_units[u], NULL};

		r = systemctl(args, old.unit_val[u], sizeof(old.unit_val[u]));
		if (r < 0 || !only(old.unit_val[u], strlen(old.unit_val[u]), "0123456789,-")) {
			WRN("VM %s: isolate = yes not applied: systemctl show -p AllowedCPUs %s %s", vm,
			    isolate_units[u], r < 0 ? "failed" : "gave no CPU list");
			isolated_free(&old);
			return false;
		}
		old.unit_set[u] = true;
	}
	if (root_path(path, sizeof(path), WQ_MASK) == 0 && sysfs_read_attr(path, old.wq, sizeof(old.wq)) > 0 &&
	    only(old.wq, strlen(old.wq), "0123456789abcdefABCDEF,"))
		old.wq_set = true;
	else
		WRN("VM %s: isolate: cannot read %s: unbound workqueues stay where they are", vm, WQ_MASK);
	r = read_irqs(&old, bdfs, nbdf);
	if (r < 0)
		WRN("VM %s: isolate: cannot read the IRQs (%s): their affinity stays as it is", vm, strerror(-r));
	r = write_atomic_stream(rec, 0644, print_record, &old);
	if (r < 0) {
		ERR("VM %s: isolate = yes not applied: cannot record the host's CPUs in %s: %s", vm, rec, strerror(-r));
		isolated_free(&old);
		return false;
	}
	/* Recorded: now change. */
	for (int u = 0; u < ISOLATE_UNITS; u++)
		if (set_allowed(isolate_units[u], list) < 0)
			WRN("VM %s: isolate: systemctl set-property --runtime -- %s AllowedCPUs=%s failed", vm,
			    isolate_units[u], list);
	if (old.wq_set) {
		r = sysfs_write_attr(path, hex);
		if (r < 0)
			WRN("VM %s: isolate: cannot write %s to %s: %s", vm, hex, path, strerror(-r));
	}
	for (size_t i = 0; i < old.nirq; i++)
		set_irq(vm, old.irq[i].irq, list);
	NOTICE("VM %s: the host's own work confined to CPU%s %s (system.slice, user.slice, init.scope, unbound "
	       "workqueues, %zu IRQs); restored at stop",
	       vm, cpuset_count(&host) == 1 ? "" : "s", list, old.nirq);
	isolated_free(&old);
	return true;
}

int isolate_restore(const char *vm)
{
	struct isolated s;
	char rec[PATH_MAX], path[PATH_MAX], err[128];
	char *text = NULL;
	size_t len;
	int r, failed = 0;

	if (vm_state_path(rec, sizeof(rec), vm, ISOLATE_RECORD) < 0)
		return -ENAMETOOLONG;
	r = read_full(rec, RECORD_MAX, READ_FULL_REGULAR, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		ERR("VM %s: cannot read %s: %s", vm, rec, strerror(-r));
		return r;
	}
	r = isolate_record_parse(text, len, &s, err, sizeof(err));
	free(text);
	if (r < 0) {
		ERR("VM %s: %s: %s; the host's CPUs are not restored from it", vm, rec,
		    r == -EINVAL ? err : strerror(-r));
		isolated_free(&s);
		return r;
	}
	for (int u = 0; u < ISOLATE_UNITS; u++)
		if (s.unit_set[u] && set_allowed(isolate_units[u], s.unit_val[u]) < 0) {
			ERR("VM %s: cannot restore %s AllowedCPUs=%s (systemctl set-property failed)", vm,
			    isolate_units[u], s.unit_val[u]);
			failed++;
		}
	if (s.wq_set && root_path(path, sizeof(path), WQ_MASK) == 0) {
		r = sysfs_write_attr(path, s.wq);
		if (r < 0) {
			ERR("VM %s: cannot restore %s to %s: %s", vm, path, s.wq, strerror(-r));
			failed++;
		}
	}
	for (size_t i = 0; i < s.nirq; i++)
		set_irq(vm, s.irq[i].irq, s.irq[i].list);
	isolated_free(&s);
	if (failed) {
		ERR("VM %s: %d of the host's CPU settings not restored (above); kept in %s", vm, failed, rec);
		return -EIO;
	}
	unlink(rec);
	NOTICE("VM %s: the host's CPUs restored (system.slice, user.slice, init.scope, workqueues, IRQs)", vm);
	return 0;
}
