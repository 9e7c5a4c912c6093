#include "domains/loopdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <linux/major.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Tries to claim a free loop device: after LOOP_CTL_GET_FREE another
 * process may take it first, so a few tries. */
#define ATTACH_TRIES 8

static int devno_of(int fd, char *devno, size_t cap)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	snprintf(devno, cap, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

/* Whether loop device FD is backed by the file FILE. */
static bool backs(int fd, const struct stat *file)
{
	struct loop_info64 info;
	return ioctl(fd, LOOP_GET_STATUS64, &info) == 0 && info.lo_device == file->st_dev &&
	       info.lo_inode == file->st_ino;
}

/* The loop devices of shared files found or set up here, by the file's
 * identity, so that the next user of the file finds its loop device
 * without opening every loop device there is (a template's root has one
 * user per running snapshot).  Checked again at each use: a loop device
 * detached meanwhile may have been taken for another file. */
#define KNOWN_MAX 16
static struct known {
	dev_t dev;
	ino_t ino;
	unsigned minor;
} known[KNOWN_MAX];
static unsigned known_next;

/* An open fd of FILE's loop device as remembered, or -1. */
static int find_known(const struct stat *file)
{
	for (unsigned i = 0; i < KNOWN_MAX; i++) {
		struct known *k = &known[i];
		if (k->ino != file->st_ino || k->dev != file->st_dev)
			continue;
		char path[32];
		snprintf(path, sizeof(path), "/dev/loop%u", k->minor);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && backs(fd, file))
			return fd;
		if (fd >= 0)
			close(fd);
		*k = (struct known){ 0 };
	}
	return -1;
}

/* FILE's loop device is FD's: in place of what was known of FILE, else
 * of the oldest entry. */
static void remember(const struct stat *file, int fd)
{
	struct stat dev;
	if (fstat(fd, &dev) < 0)
		return;
	struct known *k = &known[known_next % KNOWN_MAX];
	for (unsigned i = 0; i < KNOWN_MAX; i++)
		if (known[i].ino == file->st_ino && known[i].dev == file->st_dev)
			k = &known[i];
	if (k == &known[known_next % KNOWN_MAX])
		known_next++;
	*k = (struct known){ file->st_dev, file->st_ino, minor(dev.st_rdev) };
}

/* An open fd of the loop device already backed by FILE (dev, ino), or -1. */
static int find_existing(const struct stat *file)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int found = -1;
	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d))) {
		char path[64];
		if (strncmp(e->d_name, "loop", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/%.32s", e->d_name);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (backs(fd, file))
			found = fd;
		else
			close(fd);
	}
	closedir(d);
	return found;
}

static int attach_new(int file_fd)
{
	struct loop_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)file_fd;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	int rc = -EBUSY;
	for (int i = 0; i < ATTACH_TRIES && rc == -EBUSY; i++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			rc = -errno;
			break;
		}
		char path[32];
		snprintf(path, sizeof(path), "/dev/loop%d", n);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			break;
		}
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0)
			rc = fd;
		else {
			rc = -errno;
			close(fd);
		}
	}
	close(ctl);
	return rc;
}

int loop_attach(const char *path, bool shared, char *devno, size_t cap)
{
	struct stat st;
	int file_fd = open(path, O_RDWR | O_CLOEXEC);
	if (file_fd < 0)
		return -errno;
	int fd = -1;
	if (fstat(file_fd, &st) < 0)
		fd = -errno;
	else if (!shared || ((fd = find_known(&st)) < 0 && (fd = find_existing(&st)) < 0))
		fd = attach_new(file_fd);
	close(file_fd);
	if (fd < 0)
		return fd;
	if (shared)
		remember(&st, fd);
	int rc = devno_of(fd, devno, cap);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int loop_open(const char *devno, const char *path)
{
	unsigned maj, min;
	struct stat file, dev;
	char node[32];

	if (sscanf(devno, "%u:%u", &maj, &min) != 2 || maj != LOOP_MAJOR)
		return -ENODEV;
	if (stat(path, &file) < 0)
		return -errno;
	/* The loop driver's minors are its numbers (no partitions: max_part
	 * is 0); the node's number is checked all the same. */
	snprintf(node, sizeof(node), "/dev/loop%u", min);
	int fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &dev) < 0 || dev.st_rdev != makedev(maj, min) || !backs(fd, &file)) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

int loop_resize(int fd)
{
	return ioctl(fd, LOOP_SET_CAPACITY, 0) < 0 ? -errno : 0;
}
