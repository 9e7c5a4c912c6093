/*
 * bench/dmreset.c - the device-mapper work of resetting a disposable's
 * root volume, timed through libdevmapper as the domain manager will call
 * it (no dmsetup processes), two ways, on a scratch disk:
 *   snapshot  a dm-linear origin and a dm-snapshot with a non-persistent
 *             COW; reset = remove the snapshot device, create it again
 *   reload    the same snapshot device kept: its table parked as `error'
 *             (the snapshot's exceptions freed, the origin no longer
 *             copying into it), then loaded again: two table loads and
 *             two resumes, no device made or torn down
 *   thin      a dm-thin pool holding the origin as thin 0; reset = remove
 *             the snapshot device, "delete 1", "create_snap 1 0", create
 *             the device again
 *   lvm       with --lvm: LVM thin snapshots as Qubes' LVM pool resets a
 *             volume, through lvm2's own commands: `lvremove -f VG/snap',
 *             `lvcreate -s -kn -n snap VG/base' (each a process, as there)
 * Prints min / median / max per way and their ratios; judges nothing.
 * usage: dmreset DISK [RUNS] [--lvm]   (root; DISK is overwritten)
 */
#include <libdevmapper.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ORIGIN_SECTORS	262144ull	/* 128 MiB */
#define COW_SECTORS	131072ull	/* 64 MiB */
#define META_SECTORS	16384ull	/* 8 MiB */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One device-mapper ioctl: create NAME with one target, remove NAME, or
 * send MSG to NAME.  0 or -1.  A created device's "MAJOR:MINOR" goes to
 * DEVNO (tables name devices by number: no /dev/mapper nodes needed, and
 * none are made without udev). */
static char devno[32];

static int dm_run(int type, const char *name, const char *target, const char *params,
		  uint64_t sectors, const char *msg)
{
	struct dm_info info;
	struct dm_task *t = dm_task_create(type);
	uint32_t cookie = 0;
	int ok = 0;

	if (!t)
		return -1;
	if (!dm_task_set_name(t, name))
		goto out;
	if (target && !dm_task_add_target(t, 0, sectors, target, params))
		goto out;
	if (msg && (!dm_task_set_sector(t, 0) || !dm_task_set_message(t, msg)))
		goto out;
	if (type != DM_DEVICE_TARGET_MSG && type != DM_DEVICE_RELOAD &&
	    !dm_task_set_cookie(t, &cookie, 0))
		goto out;
	ok = dm_task_run(t);
	if (cookie)
		dm_udev_wait(cookie);
	if (ok && type == DM_DEVICE_CREATE && dm_task_get_info(t, &info))
		snprintf(devno, sizeof(devno), "%u:%u", info.major, info.minor);
out:
	dm_task_destroy(t);
	return ok ? 0 : -1;
}

static int create(const char *name, const char *target, const char *params, uint64_t sectors)
{
	return dm_run(DM_DEVICE_CREATE, name, target, params, sectors, NULL);
}

static int destroy(const char *name)
{
	return dm_run(DM_DEVICE_REMOVE, name, NULL, NULL, 0, NULL);
}

/* NAME's table replaced by one TARGET: loaded, then swapped in by a
 * resume (which suspends the device first). */
static int reload(const char *name, const char *target, const char *params, uint64_t sectors)
{
	if (dm_run(DM_DEVICE_RELOAD, name, target, params, sectors, NULL) < 0)
		return -1;
	return dm_run(DM_DEVICE_RESUME, name, NULL, NULL, 0, NULL);
}

static int message(const char *name, const char *msg)
{
	return dm_run(DM_DEVICE_TARGET_MSG, name, NULL, NULL, 0, msg);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double report(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp);
	double median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	printf("DM-RESULT %s reset, %d runs: min %.2f / median %.2f / max %.2f ms\n", what, n,
	       t[0], median, t[n - 1]);
	return median;
}

static double snap_ms;	/* the snapshot way's median */

static int bench_snapshot(const char *disk, double *t, int runs)
{
	char p[256];

	char origin[32], snap[128];

	snprintf(p, sizeof(p), "%s 0", disk);
	if (create("bench-origin", "linear", p, ORIGIN_SECTORS) < 0)
		return -1;
	snprintf(origin, sizeof(origin), "%s", devno);
	snprintf(p, sizeof(p), "%s %llu", disk, ORIGIN_SECTORS);
	if (create("bench-cow", "linear", p, COW_SECTORS) < 0)
		return -1;
	snprintf(snap, sizeof(snap), "%s %s N 16", origin, devno);
	if (create("bench-snap", "snapshot", snap, ORIGIN_SECTORS) < 0)
		return -1;
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		if (destroy("bench-snap") < 0 ||
		    create("bench-snap", "snapshot", snap, ORIGIN_SECTORS) < 0)
			return -1;
		t[i] = now_ms() - t0;
	}
	snap_ms = report("snapshot", t, runs);
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		if (reload("bench-snap", "error", "", ORIGIN_SECTORS) < 0 ||
		    reload("bench-snap", "snapshot", snap, ORIGIN_SECTORS) < 0)
			return -1;
		t[i] = now_ms() - t0;
	}
	return destroy("bench-snap") | destroy("bench-cow") | destroy("bench-origin");
}

static int bench_thin(const char *disk, double *t, int runs)
{
	char p[256];

	char meta[32], pool[128], thin[64], node[64];
	static char zero[4096];

	snprintf(p, sizeof(p), "%s %llu", disk, ORIGIN_SECTORS + COW_SECTORS);
	if (create("bench-meta", "linear", p, META_SECTORS) < 0)
		return -1;
	snprintf(meta, sizeof(meta), "%s", devno);
	/* A pool needs its metadata device's first block zeroed; devtmpfs
	 * has made /dev/dm-MINOR. */
	snprintf(node, sizeof(node), "/dev/dm-%s", strchr(meta, ':') + 1);
	FILE *f = fopen(node, "r+");
	if (!f || fwrite(zero, sizeof(zero), 1, f) != 1 || fclose(f) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s 0", disk);
	if (create("bench-data", "linear", p, ORIGIN_SECTORS) < 0)
		return -1;
	snprintf(pool, sizeof(pool), "%s %s 128 0", meta, devno);
	if (create("bench-pool", "thin-pool", pool, ORIGIN_SECTORS) < 0)
		return -1;
	snprintf(thin, sizeof(thin), "%s 1", devno);
	if (message("bench-pool", "create_thin 0") < 0 ||
	    message("bench-pool", "create_snap 1 0") < 0 ||
	    create("bench-thin", "thin", thin, ORIGIN_SECTORS) < 0)
		return -1;
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		if (destroy("bench-thin") < 0 || message("bench-pool", "delete 1") < 0 ||
		    message("bench-pool", "create_snap 1 0") < 0 ||
		    create("bench-thin", "thin", thin, ORIGIN_SECTORS) < 0)
			return -1;
		t[i] = now_ms() - t0;
	}
	return destroy("bench-thin") | destroy("bench-pool") | destroy("bench-data") |
	       destroy("bench-meta");
}

static char disk_path[256];

static int sh(const char *fmt)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), fmt, disk_path);
	if (system(cmd) == 0)
		return 0;
	printf("DM-FAIL lvm: %s\n", cmd);
	return -1;
}

static int bench_lvm(const char *disk, double *t, int runs)
{
	snprintf(disk_path, sizeof(disk_path), "%s", disk);
	/* The same space as the other two: a 128 MiB origin in a pool. */
	if (sh("/sbin/lvm pvcreate -q -ff -y %s") < 0 || sh("/sbin/lvm vgcreate -q bench %s") < 0 ||
	    sh("/sbin/lvm lvcreate -q -L 200m -T bench/pool") < 0 ||
	    sh("/sbin/lvm lvcreate -q -V 128m -T bench/pool -n base") < 0 ||
	    sh("/sbin/lvm lvcreate -q -s -kn -n snap bench/base") < 0)
		return -1;
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		if (sh("/sbin/lvm lvremove -q -f bench/snap") < 0 ||
		    sh("/sbin/lvm lvcreate -q -s -kn -n snap bench/base") < 0)
			return -1;
		t[i] = now_ms() - t0;
	}
	return sh("/sbin/lvm vgremove -q -f bench");
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 30;
	bool lvm = argc > 3 && strcmp(argv[3], "--lvm") == 0;
	double *t = NULL;
	int rc = 1;

	if (argc < 2 || runs < 1 || runs > 10000 || (argc > 3 && !lvm) || argc > 4) {
		fprintf(stderr, "usage: dmreset DISK [RUNS] [--lvm]\n");
		return 2;
	}
	t = calloc((size_t)runs, sizeof(*t));
	if (!t)
		return 1;
	/* No udev here: libdevmapper makes the nodes itself. */
	dm_udev_set_sync_support(0);
	if (bench_snapshot(argv[1], t, runs) < 0) {
		printf("DM-FAIL snapshot reset\n");
		goto out;
	}
	double reloaded = report("reload", t, runs);
	if (bench_thin(argv[1], t, runs) < 0) {
		printf("DM-FAIL thin reset\n");
		goto out;
	}
	printf("DM-RESULT ratio snapshot/reload (medians): %.2f\n", snap_ms / reloaded);
	double thin = report("thin", t, runs);
	printf("DM-RESULT ratio thin/snapshot (medians): %.2f\n", thin / snap_ms);
	if (lvm) {
		fflush(stdout);
		if (bench_lvm(argv[1], t, runs) < 0)
			goto out;
		double lv = report("lvm thin (lvremove + lvcreate -s)", t, runs);
		printf("DM-RESULT ratio lvm/snapshot (medians): %.2f\n", lv / snap_ms);
		printf("DM-RESULT ratio lvm/reload (medians): %.2f\n", lv / reloaded);
		printf("DM-RESULT ratio lvm/thin (medians): %.2f\n", lv / thin);
	}
	rc = 0;
out:
	free(t);
	return rc;
}
