/*
 * dm.h - the device-mapper calls the storage needs, through libdevmapper
 * (no dmsetup processes).  Devices are made with their /dev/mapper/NAME
 * node, which goes with them: dom0 runs no udev, and libdevmapper leaves
 * nodes to udev.
 *
 * Domain manager only; single-threaded.  Every function returns 0 or
 * -errno and logs nothing: the caller knows what the device was for.
 */
#ifndef BULKHEAD_DM_H
#define BULKHEAD_DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Once, before any other call. */
void dm_init(void);

/* Creates NAME with one TARGET of SECTORS 512-byte sectors; PARAMS as
 * dmsetup's table takes them.  -EBUSY (the kernel's) or -EEXIST if NAME
 * exists. */
int dm_create(const char *name, const char *target, const char *params, uint64_t sectors);

/* Removes NAME.  -ENXIO if there is none, -EBUSY while something holds
 * it open (a backend, or a snapshot of it). */
int dm_remove(const char *name);

/* Replaces NAME's table by one TARGET of SECTORS sectors: loaded, then
 * swapped in by a resume (the kernel suspends the device first, so that
 * I/O under the old table is done before the new one takes any).  The
 * old table's devices are let go.  No block device is made or torn down:
 * a tenth of dm_remove() and dm_create() (docs/STORAGE.md). */
int dm_reload(const char *name, const char *target, const char *params, uint64_t sectors);

/* Renames FROM to TO, its /dev/mapper node with it.  -EBUSY or -EEXIST
 * when TO exists. */
int dm_rename(const char *from, const char *to);

/* The parameters of NAME's (first) target, as its table gives them
 * ("MAJOR:MINOR ..." for the devices it is over), into OUT (CAP bytes). */
int dm_table_params(const char *name, char *out, size_t cap);

/* How many openers NAME has (a backend, a snapshot of it), into *COUNT. */
int dm_open_count(const char *name, int *count);

/* How many device-mapper tasks (one ioctl each, a creation three) this
 * process has run. */
unsigned dm_calls(void);

/* Suspends NAME (its in-flight I/O done, new I/O held) or resumes it. */
int dm_suspend(const char *name, bool suspend);

/* Every device-mapper device's name, as a NULL-terminated vector for
 * strv_free(). */
int dm_list(char ***names);

/* "MAJOR:MINOR" of NAME into OUT (CAP bytes), as tables refer to it. */
int dm_devno(const char *name, char *out, size_t cap);

#endif
