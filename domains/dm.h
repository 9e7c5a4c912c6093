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
