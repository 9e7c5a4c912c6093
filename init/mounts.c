#include "init/mounts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/limits.h"
#include "lib/log.h"
#include "lib/util.h"

struct mount_spec {
	const char *source, *target, *fstype;
	unsigned long flags;
	const char *data;
	bool essential;
	bool in_container;
};

static const struct mount_spec early_mounts[] = {
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true, false },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", true, false },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666",
	  false, false },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=" DEV_SHM_TMPFS_SIZE,
	  false, false },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=" RUN_TMPFS_SIZE, true,
	  true },
};

static bool mounted_run;	/* the container's private /run, unmounted at the end */

/* A directory is a mount point when it sits on another device than its
 * parent (the root, or something the kernel mounted already). */
static bool is_mountpoint(const char *path)
{
	struct stat st, parent;
	char up[256];
	snprintf(up, sizeof(up), "%s/..", path);
	if (stat(path, &st) < 0 || stat(up, &parent) < 0)
		return false;
	return st.st_dev != parent.st_dev || st.st_ino == parent.st_ino;
}

static int mount_one(const struct mount_spec *m, bool force)
{
	if (mkdir(m->target, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (!force && is_mountpoint(m->target)) {
		log_info("init", "%s is mounted already", m->target);
		return 0;
	}
	if (mount(m->source, m->target, m->fstype, m->flags, m->data) < 0)
		return -errno;
	log_info("init", "mounted %s on %s", m->fstype, m->target);
	return 0;
}

int mounts_proc(void)
{
	static const struct mount_spec proc = {
		"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true, true,
	};
	if (access("/proc/self/stat", F_OK) == 0)
		return 0;
	return mount_one(&proc, false);
}

static void make_links(void)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },
		{ "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" },
		{ "/proc/self/fd/2", "/dev/stderr" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlink(links[i][0], links[i][1]) < 0 && errno != EEXIST)
			log_warn("init", "cannot link %s to %s: %s", links[i][1], links[i][0],
				 strerror(errno));
}

int mounts_early(bool container)
{
	int failed = 0;
	for (size_t i = 0; i < ARRAY_SIZE(early_mounts); i++) {
		const struct mount_spec *m = &early_mounts[i];
		if (container && !m->in_container)
			continue;
		/* A container's /run is its own, over whatever the host has there. */
		int r = mount_one(m, container);
		if (r < 0) {
			log_err("init", "cannot mount %s on %s: %s", m->fstype, m->target, strerror(-r));
			failed += m->essential;
		} else if (container) {
			mounted_run = true;
		}
	}
	if (!container)
		make_links();
	return failed;
}

/* Mount points from /proc/self/mountinfo, in mount order; octal escapes
 * (\040 for a space) decoded.  Returns how many, or -errno. */
static int read_mountpoints(char ***out)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char **v = NULL;
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char mp[4096];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		char *w = mp;
		for (char *r = mp; *r; r++) {
			if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] && r[3]) {
				*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
				r += 3;
			} else {
				*w++ = *r;
			}
		}
		*w = '\0';
		char **grown = realloc(v, (size_t)(n + 1) * sizeof(*v));
		if (!grown || !(grown[n] = strdup(mp))) {
			v = grown ? grown : v;
			n = -ENOMEM;
			break;
		}
		v = grown;
		n++;
	}
	free(line);
	fclose(f);
	*out = v;
	return n;
}

static void unmount_one(const char *mp, bool may_remount)
{
	if (umount2(mp, 0) == 0) {
		/* The kernel does not unmount the root: it remounts it read-only. */
		log_info("init", strcmp(mp, "/") == 0 ? "%s remounted read-only" : "unmounted %s", mp);
		log_event("init", "unmounted", "path=%s how=%s", mp,
			  strcmp(mp, "/") == 0 ? "read-only" : "unmounted");
		return;
	}
	int err = errno;
	if (err == EBUSY && may_remount) {
		if (mount(NULL, mp, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0) {
			log_info("init", "%s is busy; remounted read-only", mp);
			log_event("init", "unmounted", "path=%s how=read-only", mp);
		} else {
			log_warn("init", "%s is busy and cannot be remounted read-only: %s", mp,
				 strerror(errno));
		}
		return;
	}
	if (err != EINVAL)	/* EINVAL: not a mount point any more */
		log_warn("init", "cannot unmount %s: %s", mp, strerror(err));
}

/* The kernel's own file systems, which tools still need while the disks'
 * file systems go. */
static bool is_api_mount(const char *mp)
{
	static const char *const api[] = { "/proc", "/sys", "/dev", "/run" };
	for (size_t i = 0; i < ARRAY_SIZE(api); i++)
		if (path_is_under(mp, api[i]))
			return true;
	return false;
}

void mounts_unmount_all(bool container, void (*disks_done)(void *ctx), void *ctx)
{
	char **mps = NULL;

	sync();
	if (container) {
		if (mounted_run)
			unmount_one("/run", false);
		return;
	}
	int n = read_mountpoints(&mps);
	if (n < 0) {
		log_err("init", "cannot read the mount table: %s; remounting / read-only only",
			strerror(-n));
		n = 0;
	}
	for (int i = n; i-- > 0;) {
		if (strcmp(mps[i], "/") != 0 && !is_api_mount(mps[i]))
			unmount_one(mps[i], true);
	}
	unmount_one("/", true);
	if (disks_done)
		disks_done(ctx);
	for (int i = n; i-- > 0;) {
		if (is_api_mount(mps[i]))
			unmount_one(mps[i], true);
	}
	for (int i = 0; i < n; i++)
		free(mps[i]);
	free(mps);
	sync();
}
