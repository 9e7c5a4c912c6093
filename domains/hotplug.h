/*
 * hotplug.h - libxl's hotplug script for the domains' disks, as bulkhead
 * itself (the volumes' disk specs name it as their script), in place of
 * Xen's bash `block' script, which dom0 has no shell for.
 *
 * libxl runs it as SCRIPT add|remove with XENBUS_PATH set to the vbd's
 * backend directory in xenstore.  On add it tells blkback which block
 * device to serve: physical-device (hex MAJOR:MINOR of the backend's
 * `params', which must be a block device) and physical-device-path.
 * Remove has nothing to do: the domain manager removes the dm devices
 * once the domain is gone.  A failure is written to hotplug-error, which
 * libxl logs, and the exit status is 1.
 */
#ifndef BULKHEAD_HOTPLUG_H
#define BULKHEAD_HOTPLUG_H

/* The name it is called by (a symlink to bulkhead), and where the
 * domain manager makes that symlink. */
#define BLOCK_HOTPLUG_NAME "block-hotplug"
#define BLOCK_HOTPLUG_PATH "/run/bulkhead/" BLOCK_HOTPLUG_NAME

int block_hotplug_main(int argc, char **argv);

#endif
