// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * holders.c - VFIO group holders from the launcher state and /proc.
 */
#include "holders.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfs.h"

static void append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

bool pid_alive(pid_t pid)
{
	char path[PATH_MAX];

	return pid > 0 && root_path(path, sizeof(path), "/proc/%d", (int)pid) == 0 && sysfs_exists(path);
}

/* Read the launcher file of @name: its pid and whether @group is listed
 * (@group < 0: any). Returns the pid if it is alive, else 0. */
static pid_t launcher_read(const char *name, int group, bool *has_group)
{
	char path[PATH_MAX], line[512];
	unsigned long pid = 0;
	FILE *f;

	*has_group = false;
	if (root_path(path, sizeof(path), VM_RUN_DIR "/%s/launcher", name) < 0)
		return 0;
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end, *save = NULL;

		if (strncmp(line, "pid ", 4) == 0) {
			errno = 0;
			pid = strtoul(line + 4, &end, 10);
			if (errno || (*end != '\n' && *end != '\0') || pid > INT_MAX)
				pid = 0;
		} else if (strncmp(line, "groups", 6) == 0) {
			for (p = strtok_r(line + 6, " \n", &save); p; p = strtok_r(NULL, " \n", &save))
				if (all_digits(p) && strtol(p, NULL, 10) == group)
					*has_group = true;
		}
	}
	fclose(f);
	return pid_alive((pid_t)pid) ? (pid_t)pid : 0;
}

pid_t vm_launcher_pid(const char *name)
{
	bool g;

	return launcher_read(name, -1, &g);
}

int vfio_group_holders(int group, const char *skip_vm, char *buf, size_t len)
{
	char path[PATH_MAX], want[32];
	struct dirent *de;
	int n = 0;
	DIR *dir;

	buf[0] = '\0';
	if (root_path(path, sizeof(path), VM_RUN_DIR) == 0 && (dir = opendir(path)) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			bool has;
			pid_t pid;

			if (de->d_name[0] == '.' || (skip_vm && strcmp(de->d_name, skip_vm) == 0))
				continue;
			pid = launcher_read(de->d_name, group, &has);
			if (pid && has) {
				append(buf, len, "%sVM %s (launcher pid %d)", n ? "; " : "", de->d_name, (int)pid);
				n++;
			}
		}
		closedir(dir);
	}

	/* The kernel names the file as the process opened it. */
	snprintf(want, sizeof(want), "/dev/vfio/%d", group);
	if (root_path(path, sizeof(path), "/proc") < 0 || (dir = opendir(path)) == NULL)
		return n;
	while ((de = readdir(dir)) != NULL) {
		char fdpath[PATH_MAX], target[64], comm[64] = "";
		struct dirent *fe;
		DIR *fds;

		if (!all_digits(de->d_name) || (pid_t)strtol(de->d_name, NULL, 10) == getpid())
			continue;
		if (root_path(fdpath, sizeof(fdpath), "/proc/%s/fd", de->d_name) < 0 || (fds = opendir(fdpath)) == NULL)
			continue; /* gone, or not ours to read */
		while ((fe = readdir(fds)) != NULL) {
			char lp[PATH_MAX];
			ssize_t l;

			if (fe->d_name[0] == '.' ||
			    root_path(lp, sizeof(lp), "/proc/%s/fd/%s", de->d_name, fe->d_name) < 0)
				continue;
			l = readlink(lp, target, sizeof(target) - 1);
			if (l < 0)
				continue;
			target[l] = '\0';
			if (strcmp(target, want) != 0)
				continue;
			if (root_path(lp, sizeof(lp), "/proc/%s/comm", de->d_name) == 0)
				sysfs_read_attr(lp, comm, sizeof(comm));
			append(buf, len, "%spid %s (%s)", n ? "; " : "", de->d_name, comm[0] ? comm : "?");
			n++;
			break;
		}
		closedir(fds);
	}
	closedir(dir);
	return n;
}
