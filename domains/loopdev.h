/*
 * loopdev.h - a file as a block device, for device-mapper tables.
 *
 * Loop devices are set up with autoclear: the kernel detaches one when
 * its last user (the dm device over it) goes, so a removed dm device
 * leaves no loop device behind, even when its creator died meanwhile.
 * A file has at most one loop device: dm-snapshot ties snapshots to
 * their origin by block device, so the template's origin device and its
 * apps' snapshots must all sit on the same one.
 *
 * Domain manager only; single-threaded.
 */
#ifndef BULKHEAD_LOOPDEV_H
#define BULKHEAD_LOOPDEV_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The loop device of PATH, set up now or, if SHARED, found already set up
 * (a file made just now has none: no need to look at every loop device).
 * Returns an open fd of it (which keeps it alive: close it once a dm
 * device uses the loop device) and its "MAJOR:MINOR" in DEVNO (CAP
 * bytes), or -errno.
 */
int loop_attach(const char *path, bool shared, char *devno, size_t cap);

/* An open fd of the loop device DEVNO ("MAJOR:MINOR"), if PATH is the
 * file behind it; -errno otherwise (-ENODEV: no loop device, or another
 * file's). */
int loop_open(const char *devno, const char *path);

/* The loop device FD takes its file's size now (after a truncate). */
int loop_resize(int fd);

#endif
