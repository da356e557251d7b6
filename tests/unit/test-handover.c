// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-handover.c - where a handed file is recorded and how it is known
 * again (vm/handover.h): an image on a tmpfs (/dev/shm) is recorded in /run
 * and known by st_dev; one on a disk-backed file system ($TMPDIR or
 * /var/tmp) is recorded under /var/lib/vfiobind and known by statfs(2)
 * f_fsid; a file noted with another identity is not touched (-ESTALE),
 * the noted one gets its owner and mode back.
 *
 * hand_disk_stat() wants every directory up to the root prefix root's
 * (path_dirs_secure()): the scratch roots are made by this test, so it runs
 * as root; as another user it says so and skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/sysfs.h"
#include "vm/handover.h"

#define TMPFS_MAGIC_ 0x01021994

static int passed, failed;

static void check(int ok, const char *what, long got)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%sok %d - %s (got %ld)\n", ok ? "" : "not ", passed + failed, what, got);
}

static void skip(const char *what, const char *why)
{
	passed++;
	printf("ok %d - %s # skip %s\n", passed + failed, what, why);
}

/* A scratch root in @parent, root's and 0755, with an image file "img"
 * owned 4321:4322 mode 0644. Return: the file system type, 0 on error. */
static long make_root(const char *parent, char *root, size_t len)
{
	char img[PATH_MAX];
	struct statfs sf;
	int fd;

	snprintf(root, len, "%s/vfiobind-unit.XXXXXX", parent);
	if (mkdtemp(root) == NULL || chmod(root, 0755) < 0 || statfs(root, &sf) < 0)
		return 0;
	snprintf(img, sizeof(img), "%s/img", root);
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || fchown(fd, 4321, 4322) < 0 || fchmod(fd, 0644) < 0 || close(fd) < 0)
		return 0;
	return (long)sf.f_type;
}

static void drop_root(const char *root)
{
	char img[PATH_MAX];

	snprintf(img, sizeof(img), "%s/img", root);
	unlink(img);
	rmdir(root);
}

/* hand_disk_stat() under @root: where the record goes and what the file
 * is known by; then hand_restore() with a wrong and the right identity. */
static void one(const char *where, const char *root, bool want_persistent)
{
	char why[256], rec[PATH_MAX], what[300], img[PATH_MAX];
	struct handed h, other;
	struct statfs sf;
	struct stat st;
	dev_t want;
	int r;

	if (root_set(root) < 0) {
		check(0, "root_set", -1);
		return;
	}
	snprintf(img, sizeof(img), "%s/img", root);
	r = hand_disk_stat("/img", &h, why, sizeof(why));
	snprintf(what, sizeof(what), "%s: hand_disk_stat() reads the image", where);
	check(r == 0, what, r);
	if (r < 0) {
		printf("# %s\n", why);
		return;
	}
	snprintf(what, sizeof(what), "%s: the record goes %s", where,
		 want_persistent ? "under /var/lib/vfiobind (outlives a reboot)" : "to /run (gone at a reboot)");
	check(h.persistent == want_persistent, what, h.persistent);
	r = handed_record_path(rec, sizeof(rec), "t", h.persistent);
	snprintf(what, sizeof(what), "%s: ... %s", where, rec + strlen(root));
	check(r == 0 && strcmp(rec + strlen(root),
			       want_persistent ? "/var/lib/vfiobind/t.handed" : "/run/vfiobind/vm/t/handed") == 0,
	      what, r);

	if (stat(img, &st) < 0 || statfs(img, &sf) < 0) {
		check(0, "stat the image", -errno);
		return;
	}
	want = want_persistent
		   ? (dev_t)((uint64_t)(uint32_t)sf.f_fsid.__val[0] | (uint64_t)(uint32_t)sf.f_fsid.__val[1] << 32)
		   : st.st_dev;
	snprintf(what, sizeof(what), "%s: known by %s and its inode", where,
		 want_persistent ? "the file system's f_fsid" : "st_dev");
	check(h.dev == want && h.ino == st.st_ino, what, (long)h.dev);
	check(h.uid == 4321 && h.gid == 4322 && (h.mode & 07777) == 0644, "... with owner 4321:4322 and mode 0644",
	      (long)h.uid);

	/* Handed over, as the launcher does: nobody's, 0600. */
	if (chown(img, 65534, 65534) < 0 || chmod(img, 0600) < 0) {
		check(0, "chown the image", -errno);
		return;
	}
	other = h;
	other.dev ^= 1;
	r = hand_restore(&other);
	snprintf(what, sizeof(what), "%s: noted with another file system's identity: not touched (-ESTALE)", where);
	check(r == -ESTALE && stat(img, &st) == 0 && st.st_uid == 65534, what, r);
	r = hand_restore(&h);
	snprintf(what, sizeof(what), "%s: the noted file gets 4321:4322 0644 back", where);
	check(r == 0 && stat(img, &st) == 0 && st.st_uid == 4321 && st.st_gid == 4322 && (st.st_mode & 07777) == 0644,
	      what, r);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *disk = tmp && tmp[0] ? tmp : "/var/tmp";
	char root[PATH_MAX];
	long type;

	log_setup(NULL, false, 0);
	if (geteuid() != 0) {
		skip("the hand-over record's place and identity", "not root (the scratch roots must be root's)");
		printf("1..%d\n%d passed, %d failed\n", passed + failed, passed, failed);
		return 0;
	}
	type = make_root("/dev/shm", root, sizeof(root));
	if (type == TMPFS_MAGIC_) {
		one("an image on tmpfs (/dev/shm)", root, false);
		drop_root(root);
	} else {
		skip("an image on tmpfs", "/dev/shm is not a tmpfs here");
		if (type)
			drop_root(root);
	}
	type = make_root(disk, root, sizeof(root));
	if (type && type != TMPFS_MAGIC_) {
		one("an image on a disk-backed file system", root, true);
		drop_root(root);
	} else {
		skip("an image on a disk-backed file system", "$TMPDIR (or /var/tmp) is a tmpfs: set TMPDIR");
		if (type)
			drop_root(root);
	}
	printf("1..%d\n%d passed, %d failed\n", passed + failed, passed, failed);
	return failed != 0;
}
