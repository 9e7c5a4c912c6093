/*
 * usbdevs.h - a domain's USB devices, as its agent tells dom0 of them
 * (proto/usbproto.h): read from sysfs (/sys/bus/usb/devices), kept in
 * xenstore under data/bulkhead-usb (guest/inventory.h), again whenever the kernel says a USB
 * device came or went (display/uevent.h).  A domain with no USB
 * controller writes nothing.
 *
 * The agent's; one thread.
 */
#ifndef BULKHEAD_GUEST_USBDEVS_H
#define BULKHEAD_GUEST_USBDEVS_H

#include <stdbool.h>
#include <stddef.h>

#include "guest/inventory.h"
#include "proto/usbproto.h"

/*
 * The devices in DIRFD (/sys/bus/usb/devices, or a test's tree): every
 * entry named by a bus id (root hubs and interfaces are not), hubs left
 * out, at most CAP into OUT, sorted by bus id; how many.  *MORE says
 * whether there were more than CAP.  A device whose ids cannot be read
 * (gone while it was read) is left out.
 */
size_t usbdevs_scan(int dirfd, struct usb_device *out, size_t cap, bool *more);

/* The devices in DIRFD as dom0 reads them (USB_KEY_DIR's keys and
 * values) into OUT: whether there were more than USB_DEVICES_PER_DOMAIN. */
bool usbdevs_inventory(int dirfd, struct inventory *out);

#endif
