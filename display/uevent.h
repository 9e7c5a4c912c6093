/*
 * uevent.h - the kernel's device events (NETLINK_KOBJECT_UEVENT), as the
 * DRM output needs them (a monitor plugged in or out) and a domain's agent
 * (a USB or block device came or went: guest/usbdevs.h, guest/blockdevs.h;
 * a keyboard or pointer came: guest/inputfwd.h).  The kernel's hotplug
 * event is the one sign many drivers give (virtio-gpu, most with a
 * hotplug interrupt): the connector's state is brought up to date only by
 * a probe, which reads the monitors' EDIDs and so is slow; it is made when
 * this says so, not every second.
 *
 * The messages are the kernel's, not a domain's: only those sent by the
 * kernel (port 0) are read, each as at most UEVENT_MSG_MAX bytes, and
 * nothing in them is used but whether it is of the kind asked for.
 */
#ifndef BULKHEAD_DISPLAY_UEVENT_H
#define BULKHEAD_DISPLAY_UEVENT_H

#include <stdbool.h>
#include <stddef.h>

#define UEVENT_MSG_MAX 4096

/* A non-blocking socket on the kernel's uevent group, or -errno.  Opened
 * while the caller may still make sockets (the compositor: before it is
 * confined); reading it needs only recvmsg.  The caller closes it. */
int uevent_open(void);

/* Reads every message waiting on FD: whether one was of the kind MATCH
 * says, or some were lost (the socket's buffer overflowed: one may have
 * been). */
bool uevent_read(int fd, bool (*match)(const char *msg, size_t len));

/* Whether MSG (LEN bytes: "ACTION@DEVPATH" then NUL-separated KEY=VALUE
 * fields) is a DRM device's hotplug: SUBSYSTEM=drm and HOTPLUG=1. */
bool uevent_is_drm_hotplug(const char *msg, size_t len);

/* Whether MSG is a USB device's (not an interface's) event: SUBSYSTEM=usb
 * and DEVTYPE=usb_device (added, removed, bound to its driver). */
bool uevent_is_usb_device(const char *msg, size_t len);

/* Whether MSG is a block device's event: SUBSYSTEM=block (a disk or a
 * partition added or removed, a loop device given a file: "change"). */
bool uevent_is_block(const char *msg, size_t len);

/* Whether MSG is an input device's event: SUBSYSTEM=input (an input
 * device, or one of its handlers' nodes, such as eventN, added or
 * removed). */
bool uevent_is_input(const char *msg, size_t len);

#endif
