#include "lib/confine_profiles.h"

#include <drm.h>
#include <drm_mode.h>
#include <errno.h>
#include <linux/input.h>
#include <string.h>
#include <sys/syscall.h>
#include <termios.h>
#include <xenctrl.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>

#include "lib/util.h"

/* _IOC's size field: a query that fills a buffer of the caller's length. */
#define ANY_SIZE (~(uint32_t)(_IOC_SIZEMASK << _IOC_SIZESHIFT))
#define EXACT(req) { (uint32_t)(req), UINT32_MAX }
#define SIZED(req) { (uint32_t)(req) & ANY_SIZE, ANY_SIZE }
/* A family numbered FIRST + what it asks about (below 2^BITS): EVIOCGBIT(type),
 * EVIOCGABS(axis). */
#define FAMILY(req, bits) { (uint32_t)(req) & ANY_SIZE & ~((1u << (bits)) - 1), \
			    ANY_SIZE & ~((1u << (bits)) - 1) }

/* Reading the clock: glibc reads it through the vDSO, which in a Xen PV
 * domain (no stable TSC for the vDSO) falls back to the system call: a
 * PV domain's unpacker was killed by SIGSYS (bench/rpc.sh, syscall 228). */
#define CLOCK_SYSCALLS SYS_clock_gettime, SYS_gettimeofday, SYS_time

/*
 * The compositor once it is set up (drm-compositor/compositor.c): found with
 * `strace -f' of the headless compositor through tests/gui/run.sh, and from
 * what the DRM output, evdev and the vchan transport call after start-up.
 * No fork, clone or exec; sockets only as the domain manager's client and
 * the control and domains' listeners it already has; files only as
 * Landlock lets it (screenshots, Xen's grant and event devices).
 */
static const int compositor_syscalls[] = {
	/* the loop, its fds and its memory */
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_close, SYS_poll,
	SYS_ppoll, SYS_lseek, SYS_fcntl, SYS_fstat, SYS_newfstatat, SYS_statx, SYS_fstatfs, SYS_brk,
	SYS_mmap, SYS_munmap, SYS_mremap, SYS_mprotect, SYS_madvise, SYS_futex,
	SYS_getrandom, SYS_clock_gettime, SYS_clock_nanosleep, SYS_nanosleep,
	SYS_timerfd_settime, SYS_getpid, SYS_gettid,
	/* clients, the control socket, the domain manager, xenstored */
	SYS_socket, SYS_connect, SYS_accept4, SYS_recvmsg, SYS_sendmsg, SYS_recvfrom,
	SYS_sendto, SYS_getsockopt, SYS_shutdown,
	/* screenshots, Xen's devices per channel (Landlock says which; libxenstore
	 * looks for /dev/xen/xenbus with access() once xenstored's socket is
	 * gone), and the sockets' names removed on the way out */
	SYS_openat, SYS_access, SYS_faccessat, SYS_unlink,
	/* signals, and dying of one (abort) */
	SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_rt_sigaction, SYS_restart_syscall,
	SYS_exit, SYS_exit_group,
	/* valgrind: its scheduler polls for signals and the clock, it names each
	 * file mapping by its /proc/self/fd link (the hostile-uaf
	 * check runs the compositor under valgrind) */
	SYS_rt_sigtimedwait, SYS_time, SYS_readlink,
};

static const struct ioctl_rule compositor_ioctls[] = {
	/* DRM: flips and modesets of the buffers made at start-up, and
	 * giving the screen back at exit */
	EXACT(DRM_IOCTL_MODE_ATOMIC), EXACT(DRM_IOCTL_MODE_PAGE_FLIP),
	EXACT(DRM_IOCTL_MODE_SETCRTC), EXACT(DRM_IOCTL_MODE_RMFB),
	EXACT(DRM_IOCTL_MODE_DESTROY_DUMB),
	/* ... and a monitor plugged in or out: the connectors read (as the
	 * kernel last probed them), a new head's CRTC, plane and buffers */
	EXACT(DRM_IOCTL_MODE_GETRESOURCES), EXACT(DRM_IOCTL_MODE_GETCONNECTOR),
	EXACT(DRM_IOCTL_MODE_GETENCODER), EXACT(DRM_IOCTL_MODE_GETCRTC),
	EXACT(DRM_IOCTL_MODE_GETPLANERESOURCES), EXACT(DRM_IOCTL_MODE_GETPLANE),
	EXACT(DRM_IOCTL_MODE_OBJ_GETPROPERTIES), EXACT(DRM_IOCTL_MODE_GETPROPERTY),
	EXACT(DRM_IOCTL_MODE_CREATE_DUMB), EXACT(DRM_IOCTL_MODE_MAP_DUMB),
	EXACT(DRM_IOCTL_MODE_ADDFB2),
	/* evdev: libevdev's queries of a device that comes (hot-plug) or
	 * resyncs, the grab and the clock */
	SIZED(EVIOCGNAME(0)), SIZED(EVIOCGPHYS(0)), SIZED(EVIOCGUNIQ(0)),
	SIZED(EVIOCGPROP(0)), SIZED(EVIOCGKEY(0)), SIZED(EVIOCGLED(0)), SIZED(EVIOCGSW(0)),
	SIZED(EVIOCGSND(0)), SIZED(EVIOCGMTSLOTS(0)), EXACT(EVIOCGID), EXACT(EVIOCGVERSION),
	EXACT(EVIOCGREP), EXACT(EVIOCGEFFECTS),
	EXACT(EVIOCGRAB), EXACT(EVIOCSCLOCKID), FAMILY(EVIOCGBIT(0, 0), 5),
	FAMILY(EVIOCGABS(0), 6),
	/* Xen: a domain's channel (libxenvchan: its grants, found again by
	 * address to be unmapped, and its event) */
	EXACT(IOCTL_GNTDEV_MAP_GRANT_REF), EXACT(IOCTL_GNTDEV_UNMAP_GRANT_REF),
	EXACT(IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR),
	EXACT(IOCTL_GNTDEV_SET_UNMAP_NOTIFY), EXACT(IOCTL_GNTDEV_SET_MAX_GRANTS),
	EXACT(IOCTL_EVTCHN_BIND_INTERDOMAIN), EXACT(IOCTL_EVTCHN_UNBIND),
	EXACT(IOCTL_EVTCHN_NOTIFY), EXACT(IOCTL_EVTCHN_RESET),
};

/*
 * The input broker once confined (input/broker.c): lists and watches
 * /dev/input (Landlock: read-only, nothing else), opens its devices and
 * passes them over its socket; writes only its log.
 */
static const int input_broker_syscalls[] = {
	SYS_read, SYS_write, SYS_poll, SYS_openat, SYS_close, SYS_fstat, SYS_newfstatat,
	SYS_getdents64, SYS_sendmsg, SYS_recvfrom, SYS_brk, SYS_mmap, SYS_munmap,
	SYS_rt_sigreturn, SYS_restart_syscall, SYS_exit, SYS_exit_group,
};

/*
 * `bulkhead ctl' once its libraries are loaded (bulkhead.c's role table):
 * one request on a control socket and its answer printed, or a domain's
 * console log read (and followed).  stdio asks whether stdout is a
 * terminal (TCGETS).  Checked by check-host's roles_give_up and every
 * suite's ctl calls (`ctl poweroff' blocks signals).
 */
static const int ctl_syscalls[] = {
	SYS_socket, SYS_connect, SYS_sendto, SYS_sendmsg, SYS_recvfrom, SYS_recvmsg, SYS_poll,
	SYS_ppoll, SYS_read, SYS_write, SYS_writev, SYS_openat, SYS_close, SYS_fstat,
	SYS_newfstatat, SYS_statx, SYS_lseek, SYS_nanosleep, SYS_clock_nanosleep, SYS_getcwd,
	SYS_brk,
	SYS_mmap, SYS_munmap, SYS_getrandom, SYS_rt_sigreturn, SYS_restart_syscall, SYS_exit,
	SYS_exit_group,
	/* a shutdown asked for: SIGTERM and SIGHUP blocked to hear the answer */
	SYS_rt_sigprocmask, SYS_rt_sigaction,
};

static const struct ioctl_rule ctl_ioctls[] = {
	EXACT(TCGETS),
};

/*
 * `bulkhead ctl rpc' and `ctl run' (tools/ctl_call.c) once connected to
 * the target's vchan: the relay's poll, reads and writes of its stdio
 * and the rings, the event channel's notify (and its pending and unmask,
 * reads and writes of its fd), and at the end the vchan's unmap (grants
 * found again by address) and close.  No socket, no file, no exec.
 */
static const int ctl_call_syscalls[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_poll, SYS_ppoll, SYS_close, SYS_fcntl,
	SYS_fstat, SYS_newfstatat, SYS_brk, SYS_mmap, SYS_munmap, SYS_madvise, SYS_futex,
	SYS_getpid, SYS_gettid, SYS_recvfrom, SYS_recvmsg, SYS_rt_sigreturn, SYS_rt_sigprocmask,
	SYS_rt_sigaction, SYS_restart_syscall, SYS_exit, SYS_exit_group, CLOCK_SYSCALLS,
};

static const struct ioctl_rule ctl_call_ioctls[] = {
	EXACT(IOCTL_GNTDEV_UNMAP_GRANT_REF), EXACT(IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR),
	EXACT(IOCTL_EVTCHN_NOTIFY), EXACT(IOCTL_EVTCHN_UNBIND),
};

/*
 * The domain manager (a service of PID 1, root: libxl) once its pool is
 * mounted (domains/manager.c), and what it runs: libxl's hotplug script
 * (block-hotplug), the modprobe role (which confines itself further:
 * capset, Landlock), mkfs; they inherit it.  Found by running the Xen
 * suites with the filter logging instead of killing (SECCOMP_RET_LOG) and
 * reading the kernel's audit lines.  ioctl is not filtered by request: libxl's privcmd hypercalls,
 * the loop, device-mapper and block ioctls are too many paths to list
 * from tests alone.  What it leaves out is what an escape needs: ptrace,
 * mount, namespaces, bpf, kexec, keyrings, perf, userfaultfd, io_uring,
 * other processes' memory, changing uids.
 */
static const int domain_manager_syscalls[] = {
	/* the loop, fds, memory, time */
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64, SYS_close,
	SYS_close_range, SYS_poll, SYS_ppoll, SYS_select, SYS_pselect6, SYS_lseek, SYS_fcntl,
	SYS_dup, SYS_dup2, SYS_dup3, SYS_pipe, SYS_pipe2, SYS_brk, SYS_mmap, SYS_munmap,
	SYS_mremap, SYS_mprotect, SYS_madvise, SYS_mlock, SYS_munlock, SYS_futex,
	SYS_set_robust_list, SYS_get_robust_list, SYS_rseq, SYS_set_tid_address,
	SYS_arch_prctl, SYS_prctl, SYS_prlimit64, SYS_getrlimit, SYS_getrandom,
	SYS_clock_gettime, SYS_clock_getres, SYS_clock_nanosleep, SYS_nanosleep,
	SYS_gettimeofday, SYS_time, SYS_timerfd_create, SYS_timerfd_settime,
	SYS_timerfd_gettime, SYS_eventfd2, SYS_signalfd4, SYS_sched_yield,
	SYS_sched_getaffinity, SYS_uname, SYS_sysinfo, SYS_umask, SYS_ioctl,
	/* files: its state, the volumes, xenstored's socket, the consoles */
	SYS_openat, SYS_open, SYS_creat, SYS_stat, SYS_fstat, SYS_lstat, SYS_newfstatat,
	SYS_statx, SYS_statfs, SYS_fstatfs, SYS_access, SYS_faccessat, SYS_faccessat2,
	SYS_getdents64, SYS_readlink, SYS_readlinkat, SYS_mkdir, SYS_mkdirat, SYS_rmdir,
	SYS_unlink, SYS_unlinkat, SYS_rename, SYS_renameat, SYS_renameat2, SYS_link,
	SYS_linkat, SYS_symlink, SYS_symlinkat, SYS_chmod, SYS_fchmod, SYS_fchmodat,
	SYS_chown, SYS_fchown, SYS_fchownat, SYS_lchown, SYS_truncate, SYS_ftruncate,
	SYS_fallocate, SYS_fsync, SYS_fdatasync, SYS_sync, SYS_syncfs, SYS_flock,
	SYS_utimensat, SYS_getcwd, SYS_chdir, SYS_fchdir, SYS_mknod, SYS_mknodat,
	SYS_copy_file_range, SYS_sendfile, SYS_inotify_init1, SYS_inotify_add_watch,
	SYS_inotify_rm_watch, SYS_memfd_create, SYS_fadvise64,
	/* sockets: the control socket, xenstored, netlink (libxl's checks) */
	SYS_socket, SYS_socketpair, SYS_bind, SYS_listen, SYS_connect, SYS_accept,
	SYS_accept4, SYS_sendto, SYS_sendmsg, SYS_recvfrom, SYS_recvmsg, SYS_shutdown,
	SYS_getsockopt, SYS_setsockopt, SYS_getsockname, SYS_getpeername,
	/* children: libxl's scripts and the modprobe role; threads */
	SYS_clone, SYS_clone3, SYS_fork, SYS_vfork, SYS_execve, SYS_wait4, SYS_waitid,
	SYS_kill, SYS_tgkill, SYS_setsid, SYS_setpgid, SYS_getpgrp, SYS_getpgid,
	SYS_getsid, SYS_getpid, SYS_getppid, SYS_gettid, SYS_getuid, SYS_geteuid,
	SYS_getgid, SYS_getegid, SYS_getresuid, SYS_getresgid, SYS_getgroups,
	SYS_capget, SYS_capset, SYS_finit_module, SYS_setpriority, SYS_getpriority,
	SYS_landlock_create_ruleset, SYS_landlock_add_rule, SYS_landlock_restrict_self,
	/* libdevmapper's udev cookies: System V semaphores */
	SYS_semget, SYS_semop, SYS_semtimedop, SYS_semctl,
	/* signals */
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_rt_sigtimedwait,
	SYS_rt_sigsuspend, SYS_sigaltstack, SYS_restart_syscall, SYS_pause, SYS_alarm,
	SYS_exit, SYS_exit_group,
};

/*
 * `bulkhead filecopy-unpack' once DIR is open and Landlock holds it to
 * DIR's tree (guest/filecopy_unpack.c): a stream from another domain read
 * on stdin, entries made relative to directories it holds open, its error
 * on stderr.  No exec, no socket, no process, no ioctl.
 */
static const int filecopy_unpack_syscalls[] = {
	SYS_read, SYS_write, SYS_openat, SYS_close, SYS_fstat, SYS_newfstatat, SYS_fcntl,
	SYS_getdents64, SYS_lseek, SYS_dup, SYS_mkdirat, SYS_symlinkat, SYS_unlinkat, SYS_renameat2,
	SYS_fchmod, SYS_utimensat, SYS_getrandom, SYS_brk, SYS_mmap, SYS_munmap, SYS_mremap,
	SYS_rt_sigreturn, SYS_restart_syscall, SYS_exit, SYS_exit_group, CLOCK_SYSCALLS,
};

/*
 * `bulkhead filecopy-pack' once its libraries are loaded: files read
 * (Landlock: read-only), the stream written on stdout.  No exec, no
 * socket, no process, no ioctl.
 */
static const int filecopy_pack_syscalls[] = {
	SYS_read, SYS_write, SYS_openat, SYS_close, SYS_fstat, SYS_newfstatat, SYS_fcntl,
	SYS_getdents64, SYS_lseek, SYS_dup, SYS_readlinkat, SYS_getcwd, SYS_getrandom, SYS_brk, SYS_mmap, SYS_munmap,
	SYS_mremap, SYS_rt_sigreturn, SYS_restart_syscall, SYS_exit, SYS_exit_group, CLOCK_SYSCALLS,
};

/* Whether stdout is a terminal (a binary stream is not written to one). */
static const struct ioctl_rule filecopy_pack_ioctls[] = {
	EXACT(TCGETS),
};

const struct seccomp_profile confine_profiles[] = {
	{ "compositor", compositor_syscalls, ARRAY_SIZE(compositor_syscalls),
	  compositor_ioctls, ARRAY_SIZE(compositor_ioctls), false },
	{ "input-broker", input_broker_syscalls, ARRAY_SIZE(input_broker_syscalls), NULL, 0,
	  false },
	{ "ctl", ctl_syscalls, ARRAY_SIZE(ctl_syscalls), ctl_ioctls, ARRAY_SIZE(ctl_ioctls),
	  false },
	{ "ctl-call", ctl_call_syscalls, ARRAY_SIZE(ctl_call_syscalls), ctl_call_ioctls,
	  ARRAY_SIZE(ctl_call_ioctls), false },
	{ "domain-manager", domain_manager_syscalls, ARRAY_SIZE(domain_manager_syscalls), NULL,
	  0, true },
	{ "filecopy-unpack", filecopy_unpack_syscalls, ARRAY_SIZE(filecopy_unpack_syscalls), NULL,
	  0, false },
	{ "filecopy-pack", filecopy_pack_syscalls, ARRAY_SIZE(filecopy_pack_syscalls),
	  filecopy_pack_ioctls, ARRAY_SIZE(filecopy_pack_ioctls), false },
};
const size_t confine_nprofiles = ARRAY_SIZE(confine_profiles);

/* The compositor decodes every domain's bytes and maps their grants: it
 * runs as a uid that owns nothing.  (900: in Debian's range of system
 * users, 100-999, which adduser fills from the bottom.) */
static const struct confine_role roles[] = {
	{ "compositor", "bulkhead-compositor", 900, "compositor" },
	/* dom0's calls read a domain's frames: as the user who owns nothing. */
	{ "ctl-call", "nobody", 65534, "ctl-call" },
};

const struct confine_role *confine_role(const char *role)
{
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++)
		if (strcmp(roles[i].role, role) == 0)
			return &roles[i];
	return NULL;
}

int confine_role_ids(const char *role, const char *passwd, uid_t *uid, gid_t *gid)
{
	const struct confine_role *r = confine_role(role);

	if (!r)
		return -ENOENT;
	if (confine_user(r->user, passwd, uid, gid) < 0)
		*uid = *gid = r->id;
	return 0;
}
