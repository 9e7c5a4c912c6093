/*
 * usbdevs.h - a domain's USB devices, as its agent tells dom0 of them
 * (proto/usbproto.h): read from sysfs (/sys/bus/usb/devices), kept in
 * xenstore under data/bulkhead-usb, again whenever the kernel says a USB
 * device came or went (display/uevent.h).  A domain with no USB
 * controller writes nothing.
 *
 * The agent's; one thread.
 */
#ifndef BULKHEAD_GUEST_USBDEVS_H
#define BULKHEAD_GUEST_USBDEVS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/usbproto.h"

struct xs_handle;

/*
 * The devices in DIRFD (/sys/bus/usb/devices, or a test's tree): every
 * entry named by a bus id (root hubs and interfaces are not), hubs left
 * out, at most CAP into OUT, sorted by bus id; how many.  *MORE says
 * whether there were more than CAP.  A device whose ids cannot be read
 * (gone while it was read) is left out.
 */
size_t usbdevs_scan(int dirfd, struct usb_device *out, size_t cap, bool *more);

/* What the agent last wrote, to write only what changed. */
struct usbdevs {
	struct usb_device dev[USB_DEVICES_PER_DOMAIN];
	size_t n;
};

/*
 * DIRFD scanned again and XS (the domain's own directory, DOMID's) brought
 * up to date with it: the keys of devices that are new or changed written,
 * those of devices gone removed.  0, or -1 when a write failed (said on
 * stderr; the next call writes again what is not as it should be).
 */
int usbdevs_publish(struct usbdevs *u, int dirfd, struct xs_handle *xs, unsigned domid);

#endif
