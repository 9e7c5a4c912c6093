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

#include <stddef.h>

/*
 * The loop device of PATH, set up now or found already set up.  Returns
 * an open fd of it (which keeps it alive: close it once a dm device uses
 * the loop device) and its "MAJOR:MINOR" in DEVNO (CAP bytes), or -errno.
 */
int loop_attach(const char *path, char *devno, size_t cap);

#endif
