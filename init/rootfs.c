#include "init/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys/blockdev.h"
#include "sys/modules.h"
#include "lib/log.h"
#include "lib/util.h"

static const char *const moved[] = { "/dev", "/proc", "/sys", "/run" };

bool rootfs_in_initramfs(void)
{
	struct statfs st;

	if (statfs("/", &st) < 0)
		return false;
	return st.f_type == RAMFS_MAGIC || st.f_type == TMPFS_MAGIC;
}

/* Whether the kernel knows FSTYPE now (built in, or its module loaded). */
static bool fs_known(const char *fstype)
{
	char line[128];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		const char *name = strrchr(line, '\t');
		found = strcmp(name ? name + 1 : line, fstype) == 0;
	}
	fclose(f);
	return found;
}

int rootfs_mount(const struct disks_config *d)
{
	char dev[256];
	char *const fs[] = { (char *)d->root_fstype };

	if (!fs_known(d->root_fstype))
		modules_load(fs, 1);
	if (blockdev_wait(d->root, d->device_timeout_ms, "the root", dev, sizeof(dev)) < 0)
		return -1;
	if (mkdir(ROOTFS_MOUNTPOINT, 0755) < 0 && errno != EEXIST) {
		log_err("rootfs", "cannot make %s: %s", ROOTFS_MOUNTPOINT, strerror(errno));
		return -1;
	}
	if (mount(dev, ROOTFS_MOUNTPOINT, d->root_fstype, d->root_flags,
		  d->root_data[0] ? d->root_data : NULL) < 0) {
		int err = errno;
		log_err("rootfs", "cannot mount the root %s (%s) as %s with \"%s\" on %s: %s%s", d->root,
			dev, d->root_fstype, d->root_options, ROOTFS_MOUNTPOINT, strerror(err),
			err == ENODEV ? "; is the file system's module in bulkhead.cfg's modules?" :
			err == EINVAL ? "; is it that file system, and are the options its own?" : "");
		return -1;
	}
	log_notice("rootfs", "mounted the root %s (%s, %s, %s) on %s", d->root, dev, d->root_fstype,
		   d->root_options, ROOTFS_MOUNTPOINT);
	log_event("rootfs", "root-mounted", "root=%s device=%s fstype=%s", d->root, dev,
		  d->root_fstype);
	return 0;
}

/* The root's init, looked up inside the root (its absolute symlinks point
 * into the root, not into the initramfs): a file that may be executed. */
static int check_init(const struct disks_config *d)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	struct stat st;
	int root = open(ROOTFS_MOUNTPOINT, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		return -errno;
	int fd = (int)syscall(SYS_openat2, root, d->root_init, &how, sizeof(how));
	int err = fd < 0 ? errno : 0;
	close(root);
	if (fd < 0)
		return -err;
	err = fstat(fd, &st) < 0 ? errno : 0;
	close(fd);
	if (err)
		return -err;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return -EACCES;
	return 0;
}

/* Deletes the initramfs's files under DIRFD (on DEV only: never what is
 * mounted there, the new root above all), counting the bytes in *FREED. */
static void delete_tree(int dirfd, dev_t dev, uint64_t *freed)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				delete_tree(sub, dev, freed);
			unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		} else if (unlinkat(dirfd, e->d_name, 0) == 0) {
			*freed += (uint64_t)st.st_size;
		}
	}
	closedir(d);
}

static void free_initramfs(void)
{
	struct stat st;
	uint64_t freed = 0;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		log_warn("rootfs", "cannot open the initramfs to free it: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	delete_tree(fd, st.st_dev, &freed);
	log_info("rootfs", "the initramfs's files are deleted: %llu KiB of memory back",
		 (unsigned long long)(freed / 1024));
}

/* Checks everything that can be checked before the first move. */
static int prepare(const struct disks_config *d)
{
	char target[64];
	struct stat st;

	int r = check_init(d);
	if (r < 0) {
		log_err("rootfs", "the root has no init at %s that can run (%s): staying in the "
			"initramfs; root_init in disks.cfg names it", d->root_init, strerror(-r));
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(moved); i++) {
		snprintf(target, sizeof(target), "%s%s", ROOTFS_MOUNTPOINT, moved[i]);
		if (stat(target, &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (mkdir(target, 0755) < 0) {
			log_err("rootfs", "the root has no directory %s and it cannot be made (%s): "
				"staying in the initramfs", moved[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

int rootfs_switch(const struct disks_config *d)
{
	char target[64];
	sigset_t none, blocked;

	if (prepare(d) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(moved); i++) {
		snprintf(target, sizeof(target), "%s%s", ROOTFS_MOUNTPOINT, moved[i]);
		if (mount(moved[i], target, NULL, MS_MOVE, NULL) < 0) {
			log_err("rootfs", "cannot move %s to %s: %s", moved[i], target, strerror(errno));
			goto stranded;
		}
	}
	/* Logging is on /dev/kmsg (an open fd) and /run/bulkhead (moved). */
	free_initramfs();
	if (chdir(ROOTFS_MOUNTPOINT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0) {
		log_err("rootfs", "cannot make %s the root: %s", ROOTFS_MOUNTPOINT, strerror(errno));
		goto stranded;
	}
	log_notice("rootfs", "switched to the root %s; executing %s", d->root, d->root_init);
	log_event("rootfs", "root-switched", "root=%s init=%s", d->root, d->root_init);
	/* The new init starts as the kernel would start it: no signal blocked. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, &blocked);
	char *const argv[] = { (char *)d->root_init, NULL };
	execv(d->root_init, argv);
	log_err("rootfs", "cannot execute %s in the root: %s", d->root_init, strerror(errno));
	sigprocmask(SIG_SETMASK, &blocked, NULL);
stranded:
	return -2;
}
