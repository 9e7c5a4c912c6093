/*
 * blockdevs.h - the block devices a storage or USB domain can lend to
 * another (proto/blockproto.h, docs/DEVICES.md), as its agent tells dom0
 * of them: read from sysfs (/sys/block), kept in xenstore under
 * data/bulkhead-block (guest/inventory.h), again whenever the kernel says
 * a block device came, went or changed (a loop device given a file).
 *
 * Lent: the domain's own disks and their partitions, its loop devices
 * that have a file, its device-mapper devices (an unlocked LUKS disk).
 * Not: the disks dom0 gave it (xvd*: dom0's to give), RAM disks, empty
 * loop devices, a device of size 0.
 *
 * The agent's; one thread.
 */
#ifndef BULKHEAD_GUEST_BLOCKDEVS_H
#define BULKHEAD_GUEST_BLOCKDEVS_H

#include <stdbool.h>
#include <stddef.h>

#include "guest/inventory.h"
#include "proto/blockproto.h"

/*
 * The devices in DIRFD (/sys/block, or a test's tree) that are lent
 * (above), partitions after their disk, at most CAP into OUT, sorted by
 * name; how many.  *MORE says whether there were more than CAP.  Each
 * description is printable ASCII: a disk's model, a loop device's file
 * (its last BLOCK_DESC_MAX bytes), a device-mapper device's name,
 * "partition N of DISK", or "disk".
 */
size_t blockdevs_scan(int dirfd, struct block_device *out, size_t cap, bool *more);

/* The devices in DIRFD as dom0 reads them (BLOCK_KEY_DIR's keys and
 * values) into OUT: whether there were more than BLOCK_DEVICES_PER_DOMAIN. */
bool blockdevs_inventory(int dirfd, struct inventory *out);

#endif
