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

/* Punches holes over all of PATH: its blocks freed, its content zeros.
 * 0, or -errno (-ENOENT: PATH is gone). */
static int punch(const char *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		rc = -EINVAL;
	else if (st.st_size > 0 &&
		 fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, st.st_size) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int storage_remove_scratch(const char *path)
{
	static bool said;
	int r = punch(path);
	if (r < 0 && r != -ENOENT && r != -EINVAL && !said) {
		said = true;
		log_warn("storage", "cannot punch holes in %s: %s; scratch files are unlinked only, "
			 "and what domains wrote stays on the pool's device until it is reused (a "
			 "pool on ext4, xfs or btrfs punches them)", path, strerror(-r));
	}
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

/*
 * This manager's spares (domains/volumes.h): each a parked dm device and,
 * when that was over a scratch file (a COW store, a volatile volume), the
 * file's loop device, kept attached by LOOP_FD with the file emptied
 * (holes punched: zeros) and moved to POOL/.spares/K.  The next scratch
 * file is that one, renamed and sized: no loop device set up, none torn
 * down.  An earlier manager's spares are removed by storage_cleanup(),
 * which runs before anything is released here; their loop devices went
 * with it (autoclear).
 */
struct spare {
	bool parked;
	bool has_loop;
	int loop_fd;
	char loop[32];			/* its MAJOR:MINOR */
	char file[VOLUME_FILE_MAX + 1];	/* POOL/.spares/K */
};
static struct spare spares[VOLUME_SPARES_MAX];
#define SPARES_DIR ".spares"
static char pool_dir[VOLUME_PATH_MAX + 1];	/* storage_open()'s */
/* A parked device's size: its `error' table's. */
#define PARKED_SECTORS 8

/* S keeps no loop device any more: the loop goes (autoclear), and the
 * file with its blocks. */
static void spare_drop_loop(struct spare *s)
{
	if (!s->has_loop)
		return;
	close(s->loop_fd);
	s->has_loop = false;
	storage_remove_scratch(s->file);
}

/* A parked spare for a device: one with a loop device kept if LOOP (a
 * scratch file's device), else one without if there is (no loop wasted);
 * any otherwise.  NULL if none is parked. */
static struct spare *spare_find(bool loop)
{
	struct spare *any = NULL;
	for (unsigned k = 0; k < VOLUME_SPARES_MAX; k++) {
		struct spare *s = &spares[k];
		if (!s->parked)
			continue;
		if (s->has_loop == loop)
			return s;
		any = any ? any : s;
	}
	return any;
}

/* Takes spare S as NAME (its table still `error'): true if it is NAME
 * now.  false when NAME exists (a leftover: the caller's creation deals
 * with it) or S is gone. */
static bool unpark(struct spare *s, const char *name)
{
	char spare[VOLUME_DM_NAME_MAX + 1];
	volume_spare_name((unsigned)(s - spares), spare);
	int r = dm_rename(spare, name);
	if (r == 0 || r == -ENXIO)
		s->parked = false;
	if (!s->parked)
		spare_drop_loop(s);
	return r == 0;
}

/* Spare S's scratch file as PATH, of SIZE bytes (what make_fresh() would
 * have made: it is empty), its loop device sized to it and handed over:
 * its fd (the caller's now) and MAJOR:MINOR in DEVNO (32 bytes).  -errno
 * if it cannot be (S keeps no loop device then). */
static int spare_take_file(struct spare *s, const char *path, uint64_t size, char *devno)
{
	struct stat st;
	if (rename(s->file, path) < 0) {
		int rc = -errno;
		spare_drop_loop(s);
		return rc;
	}
	str_copy(s->file, path, sizeof(s->file));
	int rc = stat(path, &st) < 0 ? -errno : 0;
	if (rc == 0 && (uint64_t)st.st_size != size)
		rc = truncate(path, (off_t)size) < 0 ? -errno : loop_resize(s->loop_fd);
	if (rc < 0) {
		spare_drop_loop(s);
		return rc;
	}
	str_copy(devno, s->loop, 32);
	s->has_loop = false;
	return s->loop_fd;
}

/* DEV's device over loop devices DATA (and BASE, a snapshot's), PARAMS
 * (96 bytes) written for the error: made, or, when REUSED (a spare
 * renamed), its table loaded.  A snapshot is taken with the base's origin
 * device (if its owner runs) suspended, so that no write of the owner is
 * half copied into it. */
static int load_device(const struct volume_device *dev, bool reused, const char *data,
		       const char *base, uint64_t sectors, char *params)
{
	const char *target = dev->target == VOLUME_SNAPSHOT ? "snapshot" :
			     dev->target == VOLUME_ORIGIN ? "snapshot-origin" : "linear";
	char devno[32];
	bool held = false;

	if (dev->target == VOLUME_SNAPSHOT) {
		snprintf(params, 96, "%s %s N %d", base, data, SNAPSHOT_CHUNK_SECTORS);
		held = dm_devno(dev->base_dm_name, devno, sizeof(devno)) == 0 &&
		       dm_suspend(dev->base_dm_name, true) == 0;
	} else {
		snprintf(params, 96, dev->target == VOLUME_ORIGIN ? "%s" : "%s 0", data);
	}
	int rc = reused ? dm_reload(dev->dm_name, target, params, sectors) :
			  dm_create(dev->dm_name, target, params, sectors);
	if (held && dm_suspend(dev->base_dm_name, false) < 0)
		log_err("storage", "cannot resume %s after snapshotting it into %s; its domain's "
			"disk is stalled", dev->base_dm_name, dev->dm_name);
	return rc;
}

/* Adds the time since *T to *INTO, and starts *T again. */
static void lap(uint64_t *t, uint64_t *into)
{
	uint64_t now = monotonic_us();
	*into += now - *t;
	*t = now;
}

/* DEV's scratch file (fresh) or kept file, and its loop device: the
 * spare SP's if it keeps one, else made and attached now.  The loop's fd
 * (-errno if none) with its MAJOR:MINOR in DATA (32 bytes); SIZE is a
 * snapshot's (its base's) on entry, the device's on return. */
static int data_file(const struct volume_device *dev, struct spare *sp, uint64_t *size,
		     char *data, struct storage_steps *steps, uint64_t *t, char *why, size_t cap)
{
	const struct volume_file *f = &dev->file;
	uint64_t want = f->size_mb ? f->size_mb * MIB : *size;
	int fd = -1;

	if (sp && sp->has_loop && f->fresh &&
	    (fd = spare_take_file(sp, f->path, want, data)) >= 0) {
		*size = dev->target == VOLUME_SNAPSHOT ? *size : want;
		lap(t, &steps->files_us);
		return fd;
	}
	if (sp)
		spare_drop_loop(sp);
	if (prepare_file(f, *size, why, cap) < 0 ||
	    (dev->target != VOLUME_SNAPSHOT && file_size(f->path, size, why, cap) < 0))
		return -EIO;
	lap(t, &steps->files_us);
	fd = loop_attach(f->path, !f->fresh, data, 32);
	if (fd < 0)
		fail(why, cap, "no loop device for", f->path, -fd);
	lap(t, &steps->loops_us);
	return fd;
}

static int make_device(const struct volume_device *dev, struct storage_steps *steps, char *why,
		       size_t cap)
{
	char data[32], base[32], params[96];
	int data_fd = -1, base_fd = -1, rc = -1;
	uint64_t size = 0, t = monotonic_us();
	struct spare *sp = spare_find(dev->file.fresh);

	/* A snapshot is as big as its base, and so is its COW store. */
	if (dev->target == VOLUME_SNAPSHOT) {
		if (ensure_kept(&dev->base, why, cap) < 0 ||
		    file_size(dev->base.path, &size, why, cap) < 0)
			return -1;
		lap(&t, &steps->files_us);
		base_fd = loop_attach(dev->base.path, true, base, sizeof(base));
		if (base_fd < 0) {
			fail(why, cap, "no loop device for", dev->base.path, -base_fd);
			goto out;
		}
		lap(&t, &steps->loops_us);
	}
	data_fd = data_file(dev, sp, &size, data, steps, &t, why, cap);
	if (data_fd < 0)
		goto out;
	bool reused = sp && unpark(sp, dev->dm_name);
	uint64_t sectors = size / 512;
	int r = load_device(dev, reused, data, base, sectors, params);
	if (reused && r < 0) {
		log_warn("storage", "a spare taken as %s refused its table (%s); a new device is "
			 "made", dev->dm_name, strerror(-r));
		dm_remove(dev->dm_name);
		reused = false;
		r = load_device(dev, false, data, base, sectors, params);
	}
	/* A device of that name left over (its release failed): it goes,
	 * and only then, so that a start costs no removal that finds
	 * nothing. */
	if ((r == -EBUSY || r == -EEXIST) && dm_remove(dev->dm_name) == 0) {
		log_notice("storage", "removed a leftover %s", dev->dm_name);
		r = load_device(dev, false, data, base, sectors, params);
	}
	steps->reused += reused;
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

/* Waits for NAME's openers (a backend lets go of its device shortly
 * after the domain is gone) to be none: 0, -ENXIO if there is no NAME,
 * -EBUSY if they stay. */
static int wait_closed(const char *name)
{
	int open = 1, r = 0;
	for (int i = 0; i < REMOVE_TRIES && r == 0 && open > 0; i++) {
		if (i)
			nanosleep(&(struct timespec){ 0, REMOVE_WAIT_NS }, NULL);
		r = dm_open_count(name, &open);
	}
	return r < 0 ? r : open > 0 ? -EBUSY : 0;
}

static int remove_device(const char *name)
{
	int r = wait_closed(name);
	if (r == 0)
		r = dm_remove(name);
	return r == -ENXIO ? 0 : r;
}

/* An open fd of the loop device under DEV's scratch file (its table's
 * COW store or data device), checked to be that file's, its MAJOR:MINOR
 * in DEVNO (32 bytes); -errno if there is none. */
static int scratch_loop(const struct volume_device *dev, char *devno)
{
	char params[256];
	int r = dm_table_params(dev->dm_name, params, sizeof(params));
	if (r < 0)
		return r;
	/* snapshot: "BASE COW N CHUNK"; linear: "DEVICE OFFSET". */
	char *word = strtok(params, " ");
	if (word && dev->target == VOLUME_SNAPSHOT)
		word = strtok(NULL, " ");
	if (!word)
		return -EINVAL;
	str_copy(devno, word, 32);
	return loop_open(devno, dev->file.path);
}

/* Keeps DEV's device, closed, as a spare if there is room: its table
 * swapped for `error' (nothing of the domain's data reachable through it
 * any more), renamed; its scratch file's loop device kept, the file
 * emptied and moved among the spares.  true if it is one now. */
static bool park(const struct volume_device *dev)
{
	char spare[VOLUME_DM_NAME_MAX + 1], devno[32];
	unsigned k = 0;
	while (k < VOLUME_SPARES_MAX && spares[k].parked)
		k++;
	if (k == VOLUME_SPARES_MAX)
		return false;
	struct spare *s = &spares[k];
	/* Held before the swap, or autoclear would take it. */
	int fd = dev->file.fresh ? scratch_loop(dev, devno) : -ENOENT;
	volume_spare_name(k, spare);
	if (dm_reload(dev->dm_name, "error", "", PARKED_SECTORS) < 0 ||
	    dm_rename(dev->dm_name, spare) < 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	s->parked = true;
	if (fd < 0)
		return true;
	snprintf(s->file, sizeof(s->file), "%s/" SPARES_DIR "/%u", pool_dir, k);
	bool moved = mkdir_parents(s->file, 0700) == 0 && rename(dev->file.path, s->file) == 0;
	if (!moved || punch(s->file) < 0) {
		/* Not kept: the loop goes, and the file (else storage_release()
		 * removes it where it was). */
		close(fd);
		if (moved)
			storage_remove_scratch(s->file);
		return true;
	}
	s->has_loop = true;
	s->loop_fd = fd;
	str_copy(s->loop, devno, sizeof(s->loop));
	return true;
}

/* DEV's domain is gone: its device is parked, or removed. */
static int release_device(const struct volume_device *dev, struct storage_steps *steps)
{
	if (wait_closed(dev->dm_name) == 0 && park(dev)) {
		steps->parked++;
		return 0;
	}
	return remove_device(dev->dm_name);
}

int storage_release(const struct volume_plan *plan, struct storage_steps *steps)
{
	unsigned calls = dm_calls();
	uint64_t t = monotonic_us();
	int rc = 0;

	*steps = (struct storage_steps){ 0 };
	for (int i = VOLUME_ROLES; i-- > 0;) {
		const struct volume_device *dev = &plan->dev[i];
		int r = release_device(dev, steps);
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

/* Deletes the scratch files of POOL/NAME (every file of it if ALL), then
 * the directory if that leaves it empty. */
static void clean_dir(const char *pool, const char *name, bool all)
{
	char dir[VOLUME_FILE_MAX + 1], path[VOLUME_FILE_MAX + 256 + 2];
	snprintf(dir, sizeof(dir), "%s/%s", pool, name);
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (all ? e->d_name[0] == '.' : !volume_file_is_scratch(e->d_name))
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
		if (v != VOLUME_STALE && v != VOLUME_OLD_SPARE)
			continue;
		r = remove_device(names[i]);
		if (v == VOLUME_OLD_SPARE) {
			if (r < 0)
				log_warn("storage", "cannot remove an earlier manager's spare %s: %s",
					 names[i], strerror(-r));
			continue;
		}
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
			clean_dir(pool, e->d_name, false);
	if (d)
		closedir(d);
	clean_dir(pool, SPARES_DIR, true);
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
	str_copy(pool_dir, cfg->pool, sizeof(pool_dir));
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
