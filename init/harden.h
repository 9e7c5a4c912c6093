/*
 * harden.h - the kernel settings PID 1 makes at boot, where a
 * systemd-based dom0 would have its sysctl.d files (the values of the
 * kernel's self-protection project, stricter than Debian's defaults):
 *
 *   fs.protected_symlinks = 1   a symlink in a sticky world-writable
 *                               directory (/tmp, /dev/shm) is followed only
 *                               when its owner is the follower or owns the
 *                               directory: no planted link for root to follow
 *   fs.protected_hardlinks = 1  no hard link to a file one cannot write
 *   fs.protected_fifos = 2      O_CREAT opens no FIFO of someone else's in
 *   fs.protected_regular = 2    a sticky world- or group-writable
 *                               directory, nor such a regular file
 *   kernel.dmesg_restrict = 1   the kernel log for CAP_SYSLOG only
 *   kernel.kptr_restrict = 2    kernel addresses show as 0, even to root
 *
 * PID 1 only, on a real boot, once /proc is mounted: in container mode
 * (init.h) these are the host's and are left alone.
 */
#ifndef BULKHEAD_HARDEN_H
#define BULKHEAD_HARDEN_H

struct kernel_setting {
	const char *name;	/* "fs.protected_symlinks" */
	const char *value;
};

/* The table above, ending with { NULL, NULL }. */
extern const struct kernel_setting kernel_hardening[];

/* Writes each setting under PROC_SYS ("/proc/sys"; a test's directory) and
 * says in one line those it could not set and why (a knob this kernel
 * does not have is said, not warned about).  Returns how many it could
 * not set. */
int harden_kernel(const char *proc_sys);

#endif
