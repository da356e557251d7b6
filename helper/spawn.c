// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spawn.c - children as the VM's user, and files handed to it.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"

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
	return u->uid == 0 ? -EPERM : 0;
}

/* In the child: never returns. Messages go to stderr, the only channel
 * left; stdio is not async-signal-safe, but this child is single-threaded
 * and execs or exits right after. */
static void child(const struct vmuser *u, char *const argv[], char *const env[], const struct spawn_fd *fds,
		  size_t nfds, pid_t parent)
{
	char *envp[32], home[300], user[80], logname[80], lang[128];
	int maxfd = 1024, null, k = 0, moved[16];
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
	for (int fd = 3; fd < maxfd; fd++) {
		bool keep = false;

		for (size_t i = 0; i < nfds; i++)
			keep = keep || fds[i].target == fd;
		if (!keep)
			close(fd);
	}

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

pid_t spawn_as(const struct vmuser *u, char *const argv[], char *const env[], const struct spawn_fd *fds, size_t nfds)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child(u, argv, env, fds, nfds, parent);
	return pid;
}

int hand_vfio_group(int group, const struct vmuser *u, struct handed *h)
{
	struct stat st;

	if (root_path(h->path, sizeof(h->path), "/dev/vfio/%d", group) < 0)
		return -ENAMETOOLONG;
	if (lstat(h->path, &st) < 0)
		return -errno;
	h->uid = st.st_uid;
	h->gid = st.st_gid;
	h->mode = st.st_mode & 07777;
	if (chown(h->path, u->uid, st.st_gid) < 0 || chmod(h->path, 0600) < 0)
		return -errno;
	return 0;
}

bool path_dirs_secure(const char *real, size_t skip, char *why, size_t whylen)
{
	char dir[PATH_MAX];
	size_t len = strlen(real);

	if (len >= sizeof(dir))
		return false;
	memcpy(dir, real, len + 1);
	/* Each ancestor, from the nearest up to the top of the tree. */
	for (char *slash = strrchr(dir, '/'); slash; slash = strrchr(dir, '/')) {
		struct stat st;

		*slash = '\0';
		if (strlen(dir) < skip)
			break;
		if (lstat(dir[0] ? dir : "/", &st) < 0 || !S_ISDIR(st.st_mode)) {
			snprintf(why, whylen, "%s is not a directory", dir[0] ? dir : "/");
			return false;
		}
		if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
			snprintf(why, whylen, "%s is %s", dir[0] ? dir : "/",
				 st.st_uid != 0 ? "not owned by root" : "writable by group or others");
			return false;
		}
		if (slash == dir)
			break;
	}
	return true;
}

int hand_disk(const char *path, const struct vmuser *u, struct handed *h, char *why, size_t whylen)
{
	char full[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int fd, r = 0;

	why[0] = '\0';
	if (root_path(full, sizeof(full), "%s", path) < 0)
		return -ENAMETOOLONG;
	if (realpath(full, real) == NULL)
		return -errno;
	if (!path_dirs_secure(real, strlen(root_get()), why, whylen))
		return -EPERM;
	fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
	} else if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
		r = -EINVAL;
	} else {
		snprintf(h->path, sizeof(h->path), "%s", real);
		h->uid = st.st_uid;
		h->gid = st.st_gid;
		h->mode = st.st_mode & 07777;
		if (fchown(fd, u->uid, (gid_t)-1) < 0 || fchmod(fd, (st.st_mode & 0660) | 0600) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

int hand_restore(const struct handed *h)
{
	if (chown(h->path, h->uid, h->gid) < 0 || chmod(h->path, h->mode) < 0)
		return -errno;
	return 0;
}
