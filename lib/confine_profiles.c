#include "lib/confine_profiles.h"

#include <drm.h>
#include <drm_mode.h>
#include <linux/input.h>
#include <string.h>
#include <sys/syscall.h>
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

const struct seccomp_profile confine_profiles[] = {
	{ "compositor", compositor_syscalls, ARRAY_SIZE(compositor_syscalls),
	  compositor_ioctls, ARRAY_SIZE(compositor_ioctls) },
};
const size_t confine_nprofiles = ARRAY_SIZE(confine_profiles);

/* The compositor decodes every domain's bytes and maps their grants: it
 * runs as a uid that owns nothing.  (900: in Debian's range of system
 * users, 100-999, which adduser fills from the bottom.) */
static const struct confine_role roles[] = {
	{ "compositor", "bulkhead-compositor", 900, "compositor" },
};

const struct confine_role *confine_role(const char *role)
{
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++)
		if (strcmp(roles[i].role, role) == 0)
			return &roles[i];
	return NULL;
}
