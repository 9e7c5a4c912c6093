/*
 * mounts.h - the file systems PID 1 mounts at boot and unmounts at
 * shutdown.  Called from PID 1 only.
 *
 * In a container (PID 1 of a PID namespace, see init.h) only /proc (if
 * missing) and a private /run are mounted, and only those are unmounted:
 * the host's /sys, /dev and its disks are not ours to touch, and
 * remounting a shared superblock read-only would reach the host.
 */
#ifndef BULKHEAD_MOUNTS_H
#define BULKHEAD_MOUNTS_H

#include <stdbool.h>

/* Mounts /proc: needed before anything can tell where we run.  0 or -errno. */
int mounts_proc(void);

/* Mounts /sys, /dev, /dev/pts, /dev/shm, /run and makes /dev/fd and
 * /dev/std{in,out,err}.  Returns how many essential mounts failed. */
int mounts_early(bool container);

/* Unmounts everything in reverse order of mounting; what is busy is
 * remounted read-only.  The disks' file systems go first (/ is remounted
 * read-only), then DISKS_DONE(CTX) runs (may be NULL: the encrypted
 * volumes are closed there, with /dev and /sys still in place), then
 * /run, /dev, /sys and /proc go.  Logs each step. */
void mounts_unmount_all(bool container, void (*disks_done)(void *ctx), void *ctx);

#endif
