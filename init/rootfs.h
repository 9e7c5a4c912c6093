/*
 * rootfs.h - the real root: mounting disks.cfg's root file system on
 * /sysroot, and switching to it.
 *
 * The switch is switch_root(8)'s: /dev, /proc, /sys and /run (with what
 * is mounted under them, the unlocked volumes' record included) move into
 * the new root, the initramfs's files are deleted to give their memory
 * back, the new root becomes /, and its root_init is executed as PID 1.
 * For a bulkhead root that is bulkhead again, from the root's own files,
 * reading the root's own /etc/bulkhead.
 *
 * PID 1 only, at boot, before any service runs.
 */
#ifndef BULKHEAD_ROOTFS_H
#define BULKHEAD_ROOTFS_H

#include <stdbool.h>

#include "config/disks_config.h"

#define ROOTFS_MOUNTPOINT "/sysroot"

/* Whether / is the initramfs (a ramfs or tmpfs): only then is there a
 * root to switch to. */
bool rootfs_in_initramfs(void);

/* Waits for D's root device and mounts it on ROOTFS_MOUNTPOINT.  0, or -1
 * (said why). */
int rootfs_mount(const struct disks_config *d);

/* Switches to the mounted root and executes D->root_init there.  Returns
 * only when that cannot be done (said why); what failed before anything
 * was moved leaves the initramfs as it was (-1), what failed after leaves
 * PID 1 in the new root without an init (-2). */
int rootfs_switch(const struct disks_config *d);

#endif
