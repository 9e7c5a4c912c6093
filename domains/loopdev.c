#include "domains/loopdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
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
		struct loop_info64 info;
		if (strncmp(e->d_name, "loop", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/%.32s", e->d_name);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (ioctl(fd, LOOP_GET_STATUS64, &info) == 0 && info.lo_device == file->st_dev &&
		    info.lo_inode == file->st_ino)
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

int loop_attach(const char *path, char *devno, size_t cap)
{
	struct stat st;
	int file_fd = open(path, O_RDWR | O_CLOEXEC);
	if (file_fd < 0)
		return -errno;
	int fd = -1;
	if (fstat(file_fd, &st) < 0)
		fd = -errno;
	else if ((fd = find_existing(&st)) < 0)
		fd = attach_new(file_fd);
	close(file_fd);
	if (fd < 0)
		return fd;
	int rc = devno_of(fd, devno, cap);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}
