// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spawn.c - children as the VM's user.
 */
#include "vm/spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/sysfs.h"
#include "vm/devns.h"

static void add_group(struct vmuser *u, gid_t g)
{
	for (int i = 0; i < u->ngroups; i++)
		if (u->groups[i] == g)
			return;
	if (u->ngroups < SPAWN_MAX_GROUPS)
		u->groups[u->ngroups++] = g;
}

/* Under a root prefix: the test tree's own passwd and group files. */
static int lookup_files(const char *name, struct vmuser *u)
{
	char path[PATH_MAX];
	struct passwd *pw;
	struct group *gr;
	bool found = false;
	FILE *f;

	if (root_path(path, sizeof(path), "/etc/passwd") < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (f == NULL)
		return -ESRCH;
	while ((pw = fgetpwent(f)) != NULL) {
		if (strcmp(pw->pw_name, name) != 0)
			continue;
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
		snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir);
		found = true;
		break;
	}
	fclose(f);
	if (!found)
		return -ESRCH;
	add_group(u, u->gid);
	if (root_path(path, sizeof(path), "/etc/group") < 0 || (f = fopen(path, "re")) == NULL)
		return 0;
	while ((gr = fgetgrent(f)) != NULL) {
		for (char **m = gr->gr_mem; m && *m; m++)
			if (strcmp(*m, name) == 0)
				add_group(u, gr->gr_gid);
		if (strcmp(gr->gr_name, "kvm") == 0)
			add_group(u, gr->gr_gid);
	}
	fclose(f);
	return 0;
}

static int lookup_nss(const char *name, struct vmuser *u)
{
	struct passwd *pw;
	struct group *gr;
	gid_t g[SPAWN_MAX_GROUPS];
	int n = SPAWN_MAX_GROUPS;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL)
		return errno == ENOMEM ? -ENOMEM : -ESRCH;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir);
	if (getgrouplist(name, u->gid, g, &n) < 0)
		n = SPAWN_MAX_GROUPS; /* truncated: the first ones still apply */
	for (int i = 0; i < n && i < SPAWN_MAX_GROUPS; i++)
		add_group(u, g[i]);
	add_group(u, u->gid);
	gr = getgrnam("kvm");
	if (gr)
		add_group(u, gr->gr_gid);
	return 0;
}

int vmuser_lookup(const char *name, struct vmuser *u)
{
	int r;

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	r = root_get()[0] ? lookup_files(name, u) : lookup_nss(name, u);
	if (r < 0)
		return r;
	return u->uid == 0 || u->gid == 0 ? -EPERM : 0;
}

/* Close every descriptor above 2 but the passed ones (small targets, 3
 * and 4): a launcher started with descriptors it does not know about
 * (above 1024 too) must not leak them to the VM's user. close_range(2)
 * since Linux 5.9; before that each one /proc/self/fd lists, and without
 * /proc every number up to RLIMIT_NOFILE. */
static void close_others(const struct spawn_fd *fds, size_t nfds)
{
	int top = 2;
	struct rlimit rl;
	DIR *d;

	for (size_t i = 0; i < nfds; i++)
		if (fds[i].target > top)
			top = fds[i].target;
	for (int fd = 3; fd < top; fd++) {
		bool keep = false;

		for (size_t i = 0; i < nfds; i++)
			keep = keep || fds[i].target == fd;
		if (!keep)
			close(fd);
	}
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)top + 1, ~0U, 0) == 0)
		return;
#endif
	d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *de;

		while ((de = readdir(d)) != NULL) {
			char *end;
			long fd = strtol(de->d_name, &end, 10);

			if (*end == '\0' && de->d_name[0] != '\0' && fd > top && fd != dirfd(d))
				close((int)fd);
		}
		closedir(d);
		return;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX)
		rl.rlim_cur = 65536;
	for (int fd = top + 1; fd < (int)rl.rlim_cur; fd++)
		close(fd);
}

/* In the child: never returns. Messages go to stderr, the only channel
 * left; stdio is not async-signal-safe, but this child is single-threaded
 * and execs or exits right after. */
/* Empty the capability bounding set while still root (it needs
 * CAP_SETPCAP; capabilities(7)), and the ambient set: the user's processes
 * can then never hold a capability again, whatever they exec. A
 * capability the bounding set already lacks is skipped; one that cannot
 * be dropped (a unit without CAP_SETPCAP) is said and left:
 * PR_SET_NO_NEW_PRIVS below still keeps execve(2) from granting it. */
static void drop_bounding_set(void)
{
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (unsigned long cap = 0; cap < 64; cap++) {
		int have = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (have < 0)
			break; /* EINVAL: past CAP_LAST_CAP of this kernel */
		if (have == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			fprintf(stderr, "vfiobind: capability %lu stays in the bounding set: %s\n", cap,
				strerror(errno));
	}
}

static void child(const struct vmuser *u, char *const argv[], const struct spawn_opts *o, pid_t parent)
{
	char *const *env = o->env;
	const struct spawn_fd *fds = o->fds;
	size_t nfds = o->nfds;
	const struct rlimit memlock = {(rlim_t)o->memlock, (rlim_t)o->memlock};
	char *envp[32], home[300], user[80], logname[80], lang[128];
	int null, k = 0, moved[16];
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();

	/* Move the passed descriptors out of the way first, then into
	 * place: a source may sit at another one's target number. */
	for (size_t i = 0; i < nfds && i < 16; i++) {
		moved[i] = fcntl(fds[i].fd, F_DUPFD, 100);
		if (moved[i] < 0) {
			fprintf(stderr, "vfiobind: child: dup: %s\n", strerror(errno));
			_exit(127);
		}
	}
	for (size_t i = 0; i < nfds && i < 16; i++) {
		if (dup2(moved[i], fds[i].target) < 0) {
			fprintf(stderr, "vfiobind: child: dup2: %s\n", strerror(errno));
			_exit(127);
		}
	}
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, 0);
	close_others(fds, nfds);

	/* Root's work first: the namespace needs CAP_SYS_ADMIN and
	 * CAP_MKNOD, which the bounding set loses next. */
	if (o->ns) {
		char what[600];
		int r = devns_enter(o->ns, what, sizeof(what));

		if (r < 0) {
			fprintf(stderr, "vfiobind: cannot give %s its own /dev: %s: %s%s\n", argv[0], what,
				strerror(-r),
				r == -EPERM ? " (under systemd: a device the unit's DeviceAllow= does not list?)" : "");
			_exit(127);
		}
	}
	/* As root: raising the hard limit needs CAP_SYS_RESOURCE (the
	 * unit's LimitMEMLOCK=infinity makes it a lowering there). Without
	 * it, the most there is: the hard limit (the launcher warned). */
	if (setrlimit(RLIMIT_MEMLOCK, &memlock) < 0) {
		struct rlimit now;

		if (getrlimit(RLIMIT_MEMLOCK, &now) == 0) {
			now.rlim_cur = now.rlim_max;
			setrlimit(RLIMIT_MEMLOCK, &now);
		}
	}
	if (o->affinity && cpuset_count(o->affinity)) {
		cpu_set_t set;

		CPU_ZERO(&set);
		for (int c = cpuset_next(o->affinity, -1); c >= 0 && c < CPU_SETSIZE; c = cpuset_next(o->affinity, c))
			CPU_SET(c, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			fprintf(stderr, "vfiobind: cannot keep %s to its CPUs: %s\n", argv[0], strerror(errno));
	}
	drop_bounding_set();
	if (setgroups((size_t)u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0) {
		fprintf(stderr, "vfiobind: cannot become %s (uid %u): %s\n", u->name, (unsigned)u->uid,
			strerror(errno));
		_exit(127);
	}
	/* Paranoia, as su and doas do: root must be gone for good. */
	if (getuid() != u->uid || geteuid() != u->uid || setuid(0) == 0) {
		fprintf(stderr, "vfiobind: dropping root to %s failed\n", u->name);
		_exit(127);
	}
	/* No privilege to gain from here on: set-user-ID and file
	 * capabilities are ignored by execve(2) (prctl(2),
	 * PR_SET_NO_NEW_PRIVS), for QEMU, swtpm and whatever they could run. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "vfiobind: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
		_exit(127);
	}
	/* After setuid: a credential change clears the parent-death signal. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	if (chdir(u->home) < 0 && chdir("/") < 0)
		_exit(127);

	snprintf(home, sizeof(home), "HOME=%s", u->home);
	snprintf(user, sizeof(user), "USER=%s", u->name);
	snprintf(logname, sizeof(logname), "LOGNAME=%s", u->name);
	envp[k++] = (char *)"PATH=" SPAWN_PATH;
	envp[k++] = home;
	envp[k++] = user;
	envp[k++] = logname;
	if (getenv("LANG")) {
		snprintf(lang, sizeof(lang), "LANG=%s", getenv("LANG"));
		envp[k++] = lang;
	}
	for (size_t i = 0; env && env[i] && k < 31; i++)
		envp[k++] = env[i];
	envp[k] = NULL;
	environ = envp;
	execvp(argv[0], argv);
	fprintf(stderr, "vfiobind: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t spawn_as(const struct vmuser *u, char *const argv[], const struct spawn_opts *o)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child(u, argv, o, parent);
	return pid;
}
