/*
 * blockdev.h - finding the block device disks.cfg names: a path, or
 * UUID=, LABEL=, PARTUUID=, PARTLABEL= looked up with libblkid, which
 * reads the superblocks of the disks in /proc/partitions (dom0's own
 * disks; no domain's data is probed here).  There is no udev: the kernel's
 * devtmpfs makes the nodes, and a device that is not there yet (its driver
 * still probing) is waited for.
 *
 * Blocking; for PID 1's boot and `bulkhead unlock', one thread.
 */
#ifndef BULKHEAD_BLOCKDEV_H
#define BULKHEAD_BLOCKDEV_H

#include <stddef.h>
#include <stdint.h>

/* Waits up to TIMEOUT_MS for SPEC to name a block device and writes its
 * node's path into PATH (CAP bytes).  WHAT names the user of the device
 * in the messages ("cryptroot", "the root").  0; -ETIMEDOUT when it did
 * not appear (said so, with the block devices there are); -ENOTBLK when
 * SPEC is a path to something else than a block device (said so). */
int blockdev_wait(const char *spec, uint32_t timeout_ms, const char *what, char *path, size_t cap);

#endif
