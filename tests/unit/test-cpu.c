// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-cpu.c - table tests for the CPU-list parser (basic/cpulist.h: what
 * the kernel's bitmap_parselist() takes, and the near misses it must
 * refuse with the value named), the -smp derivation of system/cpu.h on
 * the reference machine's numbering (a 9900X: CPU N and N+12 are one
 * core, CCD0 is 0-5,12-17), and cpu_topo_read() on a small fake sysfs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/cpulist.h"
#include "basic/str.h"
#include "basic/sysfs.h"
#include "config/conf.h"
#include "system/cpu.h"
#include "system/vmcpu.h"

static int passed, failed;

static void check(int ok, const char *what)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", passed + failed, what);
}

static const struct {
	const char *in, *out;
} good[] = {
    {"0", "0"},
    {"0-3,8,10-11", "0-3,8,10-11"},
    {"6-11,18-23", "6-11,18-23"},
    {"0-23\n", "0-23"},
    {"3,1,2", "1-3"},
    {"5-5", "5"},
    {"0-7:1/2", "0,2,4,6"},
    {"0-1023:2/256", "0-1,256-257,512-513,768-769"},
    {"0-9:3/4", "0-2,4-6,8-9"},
    {"007", "7"},
    {"8191", "8191"},
    {"1,1,1", "1"},
};

static const struct {
	const char *in, *msg;
	int err;
} bad[] = {
    {"", "'': an empty CPU list", -EINVAL},
    {"7-3", "'7-3': range 7-3 is reversed; write 3-7", -EINVAL},
    {"8192", "'8192': CPU 8192 is beyond 8191, the highest a kernel numbers", -ERANGE},
    {"0-99999999999999999999", "CPU 99999999999999999999 is beyond 8191", -ERANGE},
    {"1,,2", "an empty entry", -EINVAL},
    {",1", "an empty entry", -EINVAL},
    {"1,", "an empty entry", -EINVAL},
    {"1-", "'1-' is missing a CPU number", -EINVAL},
    {"1-3x", "'1-3x' is not a CPU number or range", -EINVAL},
    {"2 - 7", "a CPU list has no blanks", -EINVAL},
    {"2, 7", "'2, 7': ' 7' is not a CPU number or range", -EINVAL},
    {"N", "'N' is not a CPU number or range", -EINVAL},
    {"all", "'all' is not a CPU number or range", -EINVAL},
    {"-1", "'-1' is not a CPU number or range", -EINVAL},
    {"0-7:3", "a group is A-B:USED/GROUP", -EINVAL},
    {"0-7:3/2", "USED must be from 1 to GROUP", -EINVAL},
    {"0-7:0/2", "USED must be from 1 to GROUP", -EINVAL},
    {"0-7:1/0", "USED must be from 1 to GROUP", -EINVAL},
    {"3:1/2", "'3:1/2' is not a CPU number or range", -EINVAL},
    {"0-3\n\n", "is not a CPU number or range", -EINVAL},
};

static void test_parse(void)
{
	struct cpuset s;
	char out[256], err[256], what[320], q[64];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = cpulist_read(good[i].in, strlen(good[i].in), &s, err, sizeof(err));

		cpulist_format(&s, out, sizeof(out));
		str_quote(good[i].in, strlen(good[i].in), q, sizeof(q));
		snprintf(what, sizeof(what), "parse '%s' -> %s", q, good[i].out);
		check(r == 0 && strcmp(out, good[i].out) == 0, what);
		if (r || strcmp(out, good[i].out))
			printf("# got %d '%s' (%s)\n", r, out, r ? err : "");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = cpulist_read(bad[i].in, strlen(bad[i].in), &s, err, sizeof(err));

		str_quote(bad[i].in, strlen(bad[i].in), q, sizeof(q));
		snprintf(what, sizeof(what), "refuse '%s': %s", q, bad[i].msg);
		check(r == bad[i].err && strstr(err, bad[i].msg) != NULL, what);
		if (r != bad[i].err || !strstr(err, bad[i].msg))
			printf("# got %d '%s'\n", r, err);
	}
	/* A cut buffer: NUL-terminated, the whole length returned. */
	cpulist_read("0,2,4,6,8", 9, &s, err, sizeof(err));
	check(cpulist_format(&s, out, 4) == 9 && strlen(out) < 4, "format: a short buffer is cut, the length whole");
	check(cpuset_count(&s) == 5 && cpuset_next(&s, 4) == 6 && cpuset_next(&s, 8) == -1, "count and next");
}

/* The reference machine: 12 cores, 24 threads, CPU N and N+12 siblings,
 * L3 0 = 0-5,12-17, L3 1 = 6-11,18-23, one node. */
static void ryzen(struct cpu_topo *t)
{
	memset(t, 0, sizeof(*t));
	t->ncpu = 24;
	t->cpu = calloc(24, sizeof(*t->cpu));
	for (unsigned c = 0; c < 24; c++) {
		cpuset_set(&t->online, c);
		t->cpu[c] = (struct cpu_info){.core = (int)(c % 12), .l3 = (c % 12) >= 6, .node = 0};
	}
}

static void smp_case(const struct cpu_topo *t, const char *list, unsigned cpus, unsigned cores, unsigned threads,
		     const char *order)
{
	struct cpuset pin;
	struct cpu_smp smp;
	unsigned o[64];
	char got[256] = "", what[320];
	int r;

	cpulist_read(list, strlen(list), &pin, NULL, 0);
	r = cpu_smp_derive(t, &pin, &smp, o, 64);
	for (unsigned i = 0; r == 0 && i < smp.cpus; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%u", i ? "," : "", o[i]);
	snprintf(what, sizeof(what), "smp for cpus = %s: %u,cores=%u,threads=%u, vCPUs on %s", list, cpus, cores,
		 threads, order);
	check(r == 0 && smp.cpus == cpus && smp.cores == cores && smp.threads == threads && strcmp(got, order) == 0,
	      what);
	if (r || smp.cpus != cpus || smp.cores != cores || smp.threads != threads || strcmp(got, order))
		printf("# got %d: %u,cores=%u,threads=%u on %s\n", r, smp.cpus, smp.cores, smp.threads, got);
}

static void test_smp(void)
{
	struct cpu_topo t;
	struct cpu_smp smp;
	struct cpuset pin;
	unsigned o[2];

	ryzen(&t);
	smp_case(&t, "6-11,18-23", 12, 6, 2, "6,18,7,19,8,20,9,21,10,22,11,23");
	smp_case(&t, "2-7,14-19", 12, 6, 2, "2,14,3,15,4,16,5,17,6,18,7,19");
	smp_case(&t, "6-11", 6, 6, 1, "6,7,8,9,10,11");
	smp_case(&t, "1,13", 2, 1, 2, "1,13");
	/* One core's pair and a lone thread: QEMU has no mixed cores. */
	smp_case(&t, "1,13,2", 3, 3, 1, "1,13,2");
	/* A CPU past the topology (offline: core unknown) is its own core. */
	smp_case(&t, "22-23,30", 3, 3, 1, "22,23,30");
	cpuset_zero(&pin);
	check(cpu_smp_derive(&t, &pin, &smp, o, 2) == -EINVAL, "smp: an empty set is -EINVAL");
	cpulist_read("0-3", 3, &pin, NULL, 0);
	check(cpu_smp_derive(&t, &pin, &smp, o, 2) == -ENOSPC && smp.cpus == 4, "smp: a short order is -ENOSPC");
	cpu_topo_free(&t);
}

/* The words vmcpu_qemu_args() adds for the [vm t] of @text, joined. */
static void qemu_args(const struct cpu_topo *t, const char *text, const char *want, const char *order)
{
	struct conf c = {0};
	struct diags errs = {0};
	struct strv av = {0};
	char got[256] = "", ord[128] = "", what[512];
	unsigned o[32];
	const struct vm *vm;
	int r;

	conf_parse_buffer(text, strlen(text), "t.conf", &c, &errs);
	vm = vmconf_find(c.vms, "t");
	r = vm && vm->errs.n == 0 ? vmcpu_qemu_args(vm, t, &av, o, 32) : -EINVAL;
	for (size_t i = 0; i < av.n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "", av.v[i]);
	for (unsigned i = 0; r == 0 && vm->cpus && i < cpuset_count(vm->cpus); i++)
		snprintf(ord + strlen(ord), sizeof(ord) - strlen(ord), "%s%u", i ? "," : "", o[i]);
	snprintf(what, sizeof(what), "qemu args '%s', vCPUs on '%s'", want, order);
	check(r == 0 && strcmp(got, want) == 0 && strcmp(ord, order) == 0, what);
	if (r || strcmp(got, want) || strcmp(ord, order))
		printf("# got %d '%s' on '%s'\n", r, got, ord);
	strv_free(&av);
	conf_free(&c);
	diags_free(&errs);
}

static void test_qemu_args(void)
{
	struct cpu_topo t;

	ryzen(&t);
	qemu_args(&t, "[vm t]\nuser = u\nqemu = q\nmemory = 16G\ncpus = 6-11,18-23\n",
		  "-m 16G -smp 12,sockets=1,cores=6,threads=2", "6,18,7,19,8,20,9,21,10,22,11,23");
	qemu_args(&t, "[vm t]\nuser = u\nqemu = q\nmemory = 1536M\n", "-m 1536M", "");
	qemu_args(&t, "[vm t]\nuser = u\nqemu = q\nmemory = 2T\n", "-m 2T", "");
	/* The user's -m and -smp stand: nothing added, the order still given. */
	qemu_args(&t, "[vm t]\nuser = u\nqemu = q\nargs = -m 8G -smp 4\nmemory = 8G\ncpus = 1,13,2,14\n", "",
		  "1,13,2,14");
	/* Without the topology: -smp N, vCPUs in list order. */
	qemu_args(NULL, "[vm t]\nuser = u\nqemu = q\ncpus = 1,13,2,14\n", "-smp 4", "1,2,13,14");
	qemu_args(&t, "[vm t]\nuser = u\nqemu = q\n", "", "");
	cpu_topo_free(&t);
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[4096], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Two cores of two threads on two L3s, CPU 4 offline, 1G pool. */
static void test_read(void)
{
	char root[] = "/tmp/test-cpu.XXXXXX", rel[128], cmd[64];
	static const char *const sib[] = {"0,2", "1,3", "0,2", "1,3"};
	static const char *const l3[] = {"0,2", "1,3", "0,2", "1,3"};
	struct cpu_topo t;
	int r;

	if (mkdtemp(root) == NULL) {
		check(0, "mkdtemp");
		return;
	}
	put(root, "/sys/devices/system/cpu/online", "0-3\n");
	for (int c = 0; c < 4; c++) {
		snprintf(rel, sizeof(rel), "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
		put(root, rel, sib[c]);
		snprintf(rel, sizeof(rel), "/sys/devices/system/cpu/cpu%d/cache/index0/level", c);
		put(root, rel, "1\n");
		snprintf(rel, sizeof(rel), "/sys/devices/system/cpu/cpu%d/cache/index1/level", c);
		put(root, rel, "3\n");
		snprintf(rel, sizeof(rel), "/sys/devices/system/cpu/cpu%d/cache/index1/shared_cpu_list", c);
		put(root, rel, l3[c]);
	}
	put(root, "/sys/devices/system/node/online", "0\n");
	put(root, "/sys/devices/system/node/node0/cpulist", "0-3\n");
	put(root, "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "4\n");
	put(root, "/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "3\n");
	put(root, "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
	put(root, "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
	put(root, "/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages", "4\n");
	put(root, "/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/free_hugepages", "3\n");
	root_set(root);
	r = cpu_topo_read(&t);
	check(r == 0 && t.ncpu == 4 && cpuset_count(&t.online) == 4, "read: four CPUs online");
	check(r == 0 && t.cpu[2].core == 0 && t.cpu[3].core == 1, "read: siblings from thread_siblings_list");
	check(r == 0 && t.nl3 == 2 && t.cpu[0].l3 == t.cpu[2].l3 && t.cpu[1].l3 != t.cpu[0].l3,
	      "read: L3 from the index whose level is 3");
	check(r == 0 && t.nnodes == 1 && t.cpu[3].node == 0, "read: node 0");
	check(r == 0 && t.npool == 2 && t.pool[0].kb == 2048 && t.pool[1].kb == 1048576 && t.pool[1].free == 3 &&
		  t.pool[1].node_free[0] == 3 && t.pool[1].node_total[1] == -1,
	      "read: hugepage pools ascending, per node");
	cpu_topo_free(&t);
	snprintf(rel, sizeof(rel), "%s/sys/devices/system/cpu/online", root);
	unlink(rel);
	check(cpu_topo_read(&t) == -ENOENT, "read: no cpu/online is -ENOENT");
	cpu_topo_free(&t);
	root_set(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
}

int main(void)
{
	test_parse();
	test_smp();
	test_qemu_args();
	test_read();
	printf("1..%d\n# %d passed, %d failed\n", passed + failed, passed, failed);
	return failed ? 1 : 0;
}
