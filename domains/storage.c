#include "domains/storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "domains/dm.h"
#include "domains/loopdev.h"
#include "sys/modules.h"
#include "lib/log.h"
#include "lib/util.h"

#define MIB (1024ull * 1024)
/* dm-snapshot's exception chunk: 8 KiB, as lvcreate's default. */
#define SNAPSHOT_CHUNK_SECTORS 16
/* A backend lets go of its device shortly after the domain is gone. */
#define REMOVE_TRIES 20
#define REMOVE_WAIT_NS (50 * 1000 * 1000L)

void storage_device_path(const struct volume_device *dev, char *out, size_t cap)
{
	snprintf(out, cap, "/dev/mapper/%s", dev->dm_name);
}

static int fail(char *why, size_t cap, const char *what, const char *path, int err)
{
	snprintf(why, cap, "%s %s: %s", what, path, strerror(err));
	return -1;
}

static int sync_dir_of(const char *path)
{
	char dir[VOLUME_FILE_MAX + 1];
	str_copy(dir, path, sizeof(dir));
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Copies LEN bytes at AT from IN to the same offset of OUT: in the
 * kernel where it can, by hand across filesystems (EXDEV). */
static int copy_range(int in, int out, off_t at, off_t len)
{
	static char buf[64 * 1024];
	while (len > 0) {
		off_t src = at, dst = at;
		ssize_t n = copy_file_range(in, &src, out, &dst, (size_t)len, 0);
		if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
			      errno == EOPNOTSUPP)) {
			n = pread(in, buf, len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf), at);
			if (n > 0 && pwrite(out, buf, (size_t)n, at) != n)
				return errno ? -errno : -EIO;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		at += n;
		len -= n;
	}
	return 0;
}

/* Copies SEED into FD, leaving holes where SEED has them. */
static int copy_seed(const char *seed, int fd)
{
	int in = open(seed, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	int rc = 0;
	off_t end = lseek(in, 0, SEEK_END);
	for (off_t data = lseek(in, 0, SEEK_DATA); data >= 0 && data < end && rc == 0;) {
		off_t hole = lseek(in, data, SEEK_HOLE);
		rc = copy_range(in, fd, data, hole - data);
		data = lseek(in, hole, SEEK_DATA);
	}
	if (rc == 0 && ftruncate(fd, end) < 0)
		rc = -errno;
	close(in);
	return rc;
}

/* A kept file: made once (seeded under PATH.new, then renamed, so that a
 * power cut never leaves half a root), grown to its size, never shrunk. */
static int ensure_kept(const struct volume_file *f, char *why, size_t cap)
{
	struct stat st;
	uint64_t want = f->size_mb * MIB;
	if (stat(f->path, &st) == 0) {
		if ((uint64_t)st.st_size >= want)
			return 0;
		log_notice("storage", "growing %s from %llu to %llu MiB, as its config asks",
			   f->path, (unsigned long long)(st.st_size / MIB),
			   (unsigned long long)f->size_mb);
		if (truncate(f->path, (off_t)want) < 0)
			return fail(why, cap, "cannot grow", f->path, errno);
		return 0;
	}
	if (errno != ENOENT)
		return fail(why, cap, "cannot stat", f->path, errno);
	/* Another domain's base may come before that domain's first start. */
	int r = mkdir_parents(f->path, 0700);
	if (r < 0)
		return fail(why, cap, "cannot make the directory of", f->path, -r);
	char tmp[VOLUME_FILE_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.new", f->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(why, cap, "cannot create", tmp, errno);
	int rc = f->seed ? copy_seed(f->seed, fd) : 0;
	if (rc < 0) {
		snprintf(why, cap, "cannot copy %s into %s: %s", f->seed, tmp, strerror(-rc));
	} else if (fstat(fd, &st) < 0 || ((uint64_t)st.st_size < want &&
					   ftruncate(fd, (off_t)want) < 0) || fsync(fd) < 0) {
		rc = fail(why, cap, "cannot size", tmp, errno);
	}
	close(fd);
	if (rc == 0 && rename(tmp, f->path) < 0)
		rc = fail(why, cap, "cannot rename into", f->path, errno);
	if (rc < 0) {
		unlink(tmp);
		return -1;
	}
	sync_dir_of(f->path);
	log_notice("storage", "made %s (%llu MiB%s%s)", f->path, (unsigned long long)f->size_mb,
		   f->seed ? ", from " : ", empty", f->seed ? f->seed : "");
	return 0;
}

int storage_remove_scratch(const char *path)
{
	static bool said;
	struct stat st;
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, st.st_size) < 0 && !said) {
		said = true;
		log_warn("storage", "cannot punch holes in %s: %s; scratch files are unlinked only, "
			 "and what domains wrote stays on the pool's device until it is reused (a "
			 "pool on ext4, xfs or btrfs punches them)", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* A fresh file: empty, of SIZE bytes, whatever was there before. */
static int make_fresh(const struct volume_file *f, uint64_t size, char *why, size_t cap)
{
	int r = storage_remove_scratch(f->path);
	if (r < 0)
		return fail(why, cap, "cannot remove", f->path, -r);
	int fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(why, cap, "cannot create", f->path, errno);
	int rc = ftruncate(fd, (off_t)size) < 0 ? fail(why, cap, "cannot size", f->path, errno) : 0;
	close(fd);
	return rc;
}

static int prepare_file(const struct volume_file *f, uint64_t cow_size, char *why, size_t cap)
{
	if (!f->fresh)
		return ensure_kept(f, why, cap);
	return make_fresh(f, f->size_mb ? f->size_mb * MIB : cow_size, why, cap);
}

static int file_size(const char *path, uint64_t *out, char *why, size_t cap)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return fail(why, cap, "cannot stat", path, errno);
	*out = (uint64_t)st.st_size;
	return 0;
}

/* Takes the snapshot with the base's origin device (if its owner runs)
 * suspended, so that no write of the owner is half copied into it. */
static int create_snapshot(const struct volume_device *dev, const char *params,
			   uint64_t sectors)
{
	char devno[32];
	bool held = dm_devno(dev->base_dm_name, devno, sizeof(devno)) == 0 &&
		    dm_suspend(dev->base_dm_name, true) == 0;
	int rc = dm_create(dev->dm_name, "snapshot", params, sectors);
	if (held && dm_suspend(dev->base_dm_name, false) < 0)
		log_err("storage", "cannot resume %s after snapshotting it into %s; its domain's "
			"disk is stalled", dev->base_dm_name, dev->dm_name);
	return rc;
}

/* The dm device of DEV over loop devices DATA (and BASE, a snapshot's)
 * into PARAMS (96 bytes, for the error). */
static int create_device(const struct volume_device *dev, const char *data, const char *base,
			 uint64_t sectors, char *params)
{
	if (dev->target == VOLUME_SNAPSHOT) {
		snprintf(params, 96, "%s %s N %d", base, data, SNAPSHOT_CHUNK_SECTORS);
		return create_snapshot(dev, params, sectors);
	}
	snprintf(params, 96, dev->target == VOLUME_ORIGIN ? "%s" : "%s 0", data);
	return dm_create(dev->dm_name, dev->target == VOLUME_ORIGIN ? "snapshot-origin" : "linear",
			 params, sectors);
}

/* Adds the time since *T to *INTO, and starts *T again. */
static void lap(uint64_t *t, uint64_t *into)
{
	uint64_t now = monotonic_us();
	*into += now - *t;
	*t = now;
}

static int make_device(const struct volume_device *dev, struct storage_steps *steps, char *why,
		       size_t cap)
{
	char data[32], base[32], params[96];
	int data_fd = -1, base_fd = -1, rc = -1;
	uint64_t size = 0, t = monotonic_us();

	/* A snapshot is as big as its base, and so is its COW store. */
	if (dev->target == VOLUME_SNAPSHOT) {
		if (ensure_kept(&dev->base, why, cap) < 0 ||
		    file_size(dev->base.path, &size, why, cap) < 0 ||
		    prepare_file(&dev->file, size, why, cap) < 0)
			return -1;
		lap(&t, &steps->files_us);
		base_fd = loop_attach(dev->base.path, base, sizeof(base));
		if (base_fd < 0) {
			fail(why, cap, "no loop device for", dev->base.path, -base_fd);
			goto out;
		}
	} else if (prepare_file(&dev->file, 0, why, cap) < 0 ||
		   file_size(dev->file.path, &size, why, cap) < 0) {
		return -1;
	} else {
		lap(&t, &steps->files_us);
	}
	data_fd = loop_attach(dev->file.path, data, sizeof(data));
	if (data_fd < 0) {
		fail(why, cap, "no loop device for", dev->file.path, -data_fd);
		goto out;
	}
	lap(&t, &steps->loops_us);
	int r = create_device(dev, data, base, size / 512, params);
	/* A device of that name left over (its release failed): it goes,
	 * and only then, so that a start costs no removal that finds
	 * nothing. */
	if ((r == -EBUSY || r == -EEXIST) && dm_remove(dev->dm_name) == 0) {
		log_notice("storage", "removed a leftover %s", dev->dm_name);
		r = create_device(dev, data, base, size / 512, params);
	}
	lap(&t, &steps->dm_us);
	if (r < 0) {
		snprintf(why, cap, "cannot create %s (%s %s): %s", dev->dm_name,
			 dev->target == VOLUME_SNAPSHOT ? "snapshot" : dev->target == VOLUME_ORIGIN ?
			 "snapshot-origin" : "linear", params, strerror(-r));
		goto out;
	}
	rc = 0;
out:
	/* The dm device holds the loop devices now; autoclear does the rest. */
	if (data_fd >= 0)
		close(data_fd);
	if (base_fd >= 0)
		close(base_fd);
	return rc;
}

static int remove_device(const char *name)
{
	int r = -EBUSY;
	for (int i = 0; i < REMOVE_TRIES && r == -EBUSY; i++) {
		if (i)
			nanosleep(&(struct timespec){ 0, REMOVE_WAIT_NS }, NULL);
		r = dm_remove(name);
	}
	return r == -ENXIO ? 0 : r;
}

int storage_release(const struct volume_plan *plan, struct storage_steps *steps)
{
	unsigned calls = dm_calls();
	uint64_t t = monotonic_us();
	int rc = 0;

	*steps = (struct storage_steps){ 0 };
	for (int i = VOLUME_ROLES; i-- > 0;) {
		const struct volume_device *dev = &plan->dev[i];
		int r = remove_device(dev->dm_name);
		lap(&t, &steps->dm_us);
		if (r < 0) {
			log_err("storage", "cannot remove %s: %s; it is removed at the domain "
				"manager's next start", dev->dm_name, strerror(-r));
			rc = -1;
			continue;
		}
		if (dev->file.fresh && (r = storage_remove_scratch(dev->file.path)) < 0) {
			log_warn("storage", "cannot remove %s: %s", dev->file.path, strerror(-r));
			rc = -1;
		}
		lap(&t, &steps->files_us);
	}
	/* Empty only when the domain keeps nothing (a disposable's): it goes
	 * too.  Otherwise it stays, with its kept files. */
	rmdir(plan->dir);
	lap(&t, &steps->files_us);
	steps->dm_calls = dm_calls() - calls;
	return rc;
}

int storage_prepare(const struct volume_plan *plan, struct storage_steps *steps, char *why,
		    size_t cap)
{
	unsigned calls = dm_calls();
	struct storage_steps undo;

	*steps = (struct storage_steps){ 0 };
	int r = mkdir_p(plan->dir, 0700);
	if (r < 0)
		return fail(why, cap, "cannot create", plan->dir, -r);
	for (int i = 0; i < VOLUME_ROLES; i++) {
		if (make_device(&plan->dev[i], steps, why, cap) < 0) {
			storage_release(plan, &undo);
			return -1;
		}
	}
	steps->dm_calls = dm_calls() - calls;
	return 0;
}

/* Deletes the scratch files of POOL/NAME, then the directory if that
 * leaves it empty. */
static void clean_dir(const char *pool, const char *name)
{
	char dir[VOLUME_FILE_MAX + 1], path[VOLUME_FILE_MAX + 256 + 2];
	snprintf(dir, sizeof(dir), "%s/%s", pool, name);
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!volume_file_is_scratch(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		int r = storage_remove_scratch(path);
		if (r == 0)
			log_info("storage", "removed leftover %s", path);
		else
			log_warn("storage", "cannot remove leftover %s: %s", path, strerror(-r));
	}
	closedir(d);
	rmdir(dir);
}

int storage_cleanup(const char *pool, bool (*running)(const char *domain, void *ctx), void *ctx)
{
	char **names = NULL;
	int removed = 0;
	int r = dm_list(&names);
	if (r < 0)
		log_err("storage", "cannot list device-mapper devices: %s; leftovers stay",
			strerror(-r));
	for (size_t i = 0; names && names[i]; i++) {
		enum volume_leftover v = volume_judge_device(names[i], running, ctx);
		if (v != VOLUME_STALE)
			continue;
		r = remove_device(names[i]);
		if (r < 0) {
			log_err("storage", "cannot remove leftover %s: %s", names[i], strerror(-r));
			continue;
		}
		log_notice("storage", "removed leftover %s: its domain does not run", names[i]);
		log_event("storage", "leftover-removed", "device=%s", names[i]);
		removed++;
	}
	strv_free(names);
	DIR *d = opendir(pool);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (domain_name_is_valid(e->d_name, strlen(e->d_name)) && !running(e->d_name, ctx))
			clean_dir(pool, e->d_name);
	if (d)
		closedir(d);
	return removed;
}

/* Whether PATH is a mount point: on another device than its parent. */
static bool mounted(const char *path)
{
	char parent[VOLUME_PATH_MAX + 4];
	struct stat a, b;
	snprintf(parent, sizeof(parent), "%s/..", path);
	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

int storage_open(const struct storage_config *cfg, char *why, size_t cap)
{
	dm_init();
	int r = mkdir_p(cfg->pool, 0700);
	if (r < 0)
		return fail(why, cap, "cannot create the pool", cfg->pool, -r);
	if (!cfg->pool_device || mounted(cfg->pool))
		return 0;
	char module[48];
	snprintf(module, sizeof(module), "fs-%s", cfg->pool_fstype);
	char *const modules[] = { module };
	modules_load(modules, 1);
	/* With discard, what a scratch file's punched holes free is discarded
	 * on the device too; a file system without the option refuses it. */
	const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	bool discard = mount(cfg->pool_device, cfg->pool, cfg->pool_fstype, flags, "discard") == 0;
	if (!discard && (errno != EINVAL ||
			 mount(cfg->pool_device, cfg->pool, cfg->pool_fstype, flags, NULL) < 0)) {
		snprintf(why, cap, "cannot mount %s (%s) on %s: %s", cfg->pool_device,
			 cfg->pool_fstype, cfg->pool, strerror(errno));
		return -1;
	}
	log_notice("storage", "pool %s mounted on %s%s", cfg->pool_device, cfg->pool, discard ?
		   " (discard)" : "; its file system takes no `discard': what domains wrote is freed "
		   "when they stop, not discarded on the device");
	log_event("storage", "pool-mounted", "device=%s path=%s discard=%d", cfg->pool_device,
		  cfg->pool, discard);
	return 0;
}
