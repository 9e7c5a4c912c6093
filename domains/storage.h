/*
 * storage.h - carries out the volume plans of domains/volumes.h: the
 * pool's files, their loop devices, the dm devices over them; and, when
 * the domain manager starts, the cleanup of what a crash or a power cut
 * left behind.
 *
 * What survives a power cut is only the kept files (root.img and
 * private.img of templates, apps, standalones).  Nothing of a reset
 * writes to them, and a kept file is seeded under a temporary name and
 * renamed into place, so a cut at any point leaves every kept file either
 * as it was or whole.  Devices and fresh files are rebuilt at every start.
 *
 * Domain manager only; single-threaded; every call blocks (a few tens of
 * milliseconds, file seeding aside: see docs/STORAGE.md).
 */
#ifndef BULKHEAD_STORAGE_H
#define BULKHEAD_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/storage_config.h"
#include "domains/volumes.h"

/* Mounts the pool's device (if storage.cfg names one and it is not
 * mounted yet; with `discard' when its file system takes it, so that
 * what storage_remove_scratch() frees is discarded on the device) and
 * makes the pool directory.  0, or -1 with WHY. */
int storage_open(const struct storage_config *cfg, char *why, size_t cap);

/* Where the time of storage_prepare() or storage_release() went, in
 * microseconds, and how many device-mapper calls it made: the manager
 * logs it with the volumes' event (`make bench' reads it). */
struct storage_steps {
	uint64_t files_us;	/* the pool's files: made, sized, emptied, removed */
	uint64_t loops_us;	/* loop devices attached */
	uint64_t dm_us;		/* device-mapper: created, suspended, removed */
	unsigned dm_calls;	/* ioctls of device-mapper's (libdevmapper tasks) */
	unsigned reused;	/* prepare: devices that were spares */
	unsigned parked;	/* release: devices kept as spares */
};

/* Makes PLAN's files and devices, each a spare (domains/volumes.h) renamed
 * and its table loaded while there is one; a device left over under the
 * same name is replaced.  0, or -1 with WHY (CAP bytes) after undoing what it made.
 * STEPS (zeroed here) says where the time went. */
int storage_prepare(const struct volume_plan *plan, struct storage_steps *steps, char *why,
		    size_t cap);

/* Parks PLAN's devices as spares while there is room, removes the rest,
 * once nothing holds them open (a backend lets go shortly after its
 * domain is gone); removes its fresh files, and its directory if that is
 * left empty (a disposable's).  0, or -1 when something could
 * not be removed (logged; a later cleanup tries again).  STEPS as above. */
int storage_release(const struct volume_plan *plan, struct storage_steps *steps);

/* At the manager's start, before any release: removes every bulkhead dm
 * device whose domain does not run (RUNNING says), an earlier manager's
 * spares (not counted), and the scratch files of those domains in
 * POOL; a directory left empty (a gone disposable's) goes too.  Kept files
 * are never touched.  Returns how many devices it removed. */
int storage_cleanup(const char *pool, bool (*running)(const char *domain, void *ctx), void *ctx);

/* Removes the scratch file PATH (a COW store, a volatile volume: what a
 * domain wrote and must not keep) with its blocks: holes are punched over
 * all of it before it is unlinked, so that its blocks are freed at once,
 * even while a loop device still holds the file open, and discarded where
 * the pool's file system passes discards down (mounted with `discard', as
 * storage_open() does).  A file system that cannot punch holes is said
 * once; the file is unlinked all the same.  Every release of a scratch
 * file goes through here.  0 (also when PATH is gone already) or -errno. */
int storage_remove_scratch(const char *path);

/* "/dev/mapper/NAME" of a plan's device into OUT (CAP bytes). */
void storage_device_path(const struct volume_device *dev, char *out, size_t cap);

#endif
