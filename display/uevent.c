/*
 * uevent.c - the kernel's device events (uevent.h).
 */
#include "display/uevent.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

/* The group the kernel sends its uevents to (udevd's own are group 2). */
#define UEVENT_KERNEL_GROUP 1
/* Messages read in one call: a storm of device events (a dock's dozens)
 * is not read to its end in one turn; what is left is taken as a hotplug. */
#define UEVENT_READS_MAX 64

int uevent_open(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = UEVENT_KERNEL_GROUP };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Whether FIELD (N bytes, no NUL) is WANT exactly. */
static bool field_is(const char *field, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(field, want, n) == 0;
}

/* Whether MSG has the fields A and B.  The header ("change@/devices/...")
 * is a field like the others: it never reads as either. */
static bool has_both(const char *msg, size_t len, const char *a, const char *b)
{
	bool has_a = false, has_b = false;
	for (size_t at = 0; at < len;) {
		const char *field = msg + at;
		const char *end = memchr(field, '\0', len - at);
		size_t n = end ? (size_t)(end - field) : len - at;
		has_a = has_a || field_is(field, n, a);
		has_b = has_b || field_is(field, n, b);
		at += n + 1;
	}
	return has_a && has_b;
}

bool uevent_is_drm_hotplug(const char *msg, size_t len)
{
	return has_both(msg, len, "SUBSYSTEM=drm", "HOTPLUG=1");
}

bool uevent_is_usb_device(const char *msg, size_t len)
{
	return has_both(msg, len, "SUBSYSTEM=usb", "DEVTYPE=usb_device");
}

bool uevent_is_block(const char *msg, size_t len)
{
	return has_both(msg, len, "SUBSYSTEM=block", "SUBSYSTEM=block");
}

bool uevent_is_input(const char *msg, size_t len)
{
	return has_both(msg, len, "SUBSYSTEM=input", "SUBSYSTEM=input");
}

bool uevent_read(int fd, bool (*match)(const char *msg, size_t len))
{
	char buf[UEVENT_MSG_MAX];
	bool seen = false;
	for (int reads = 0; reads < UEVENT_READS_MAX; reads++) {
		struct sockaddr_nl from = { 0 };
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
				     .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;	/* counted: a signal storm ends too */
		if (n < 0)
			return seen || errno == ENOBUFS;
		/* Only the kernel's, and whole: a cut one is not read. */
		if (from.nl_pid == 0 && !(mh.msg_flags & MSG_TRUNC))
			seen = seen || match(buf, (size_t)n);
	}
	return true;
}
