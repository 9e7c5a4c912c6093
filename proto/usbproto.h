/*
 * usbproto.h - a USB domain's inventory of its USB devices, as its agent
 * writes it and dom0 reads it (docs/DEVICES.md), in the domain's own
 * directory /local/domain/DOMID:
 *
 *   data/bulkhead-usb/BUSID   written by the domain: one key a device on
 *                             its controllers (hubs and root hubs left
 *                             out), at most USB_DEVICES_PER_DOMAIN;
 *                             the value "VVVV:PPPP CLASSES NAME"
 *
 * BUSID is Linux's name of the device (1-1, 3-1.4.2) and VVVV:PPPP its
 * vendor and product ids, as config/usbid.h has them; CLASSES its
 * interfaces' classes, as two lower-case hex digits each, comma-separated, in the device's order, at most USB_CLASSES_MAX
 * (or "-": none); NAME its manufacturer's and product's strings, printable
 * ASCII, 1..USB_NAME_MAX bytes.
 *
 * dom0 reads every byte of it as hostile: usb_device_parse() is the one
 * place that looks at them.  Pure functions, safe anywhere.
 */
#ifndef BULKHEAD_USBPROTO_H
#define BULKHEAD_USBPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/usbid.h"
#include "lib/limits.h"

#define USB_KEY_DIR "data/bulkhead-usb"

struct usb_device {
	char busid[USB_BUSID_MAX + 1];
	uint16_t vendor, product;
	uint8_t classes[USB_CLASSES_MAX];
	size_t nclasses;
	char name[USB_NAME_MAX + 1];
};

/* The key's last part UNTRUSTED_BUSID (BLEN bytes) and its value
 * UNTRUSTED (LEN bytes, not NUL-ended) into OUT: NULL, or what is wrong
 * (static text).  OUT is zeroed first: two parses of the same bytes are
 * the same bytes. */
const char *usb_device_parse(const char *untrusted_busid, size_t blen, const char *untrusted,
			     size_t len, struct usb_device *out);

/* D's value (not its BUSID) into OUT (CAP >= USB_VALUE_MAX + 1): its
 * length, or 0 when D would not parse (a name with a byte that is not
 * printable ASCII, too many classes). */
size_t usb_device_format(const struct usb_device *d, char *out, size_t cap);

/* The device of DEVS (N) with BUSID, or NULL. */
const struct usb_device *usb_device_find(const struct usb_device *devs, size_t n,
					 const char *busid);

/* A class's word, as `ctl usb list' says it: "hid", "storage", "video",
 * ..., "other". */
const char *usb_class_name(uint8_t class);

/*
 * A device's stream (docs/DEVICES.md, "Attaching a USB device"): the call
 * USB_SERVICE+BUSID to the USB domain, whose service binds the device to
 * usbip-host and answers first with one line, the offer:
 *
 *   "usbip BUSNUM DEVNUM SPEED\n"   then USB/IP's own bytes, both ways,
 *                                   between the two domains' kernels
 *   "error WHY\n"                   and the end
 *
 * BUSNUM 1..USB_BUSNUM_MAX, DEVNUM 1..USB_DEVNUM_MAX (the device's numbers
 * in the USB domain: vhci-hcd's devid is BUSNUM << 16 | DEVNUM), SPEED
 * Linux's enum usb_device_speed, 1 (low) .. USB_SPEED_TOP (super: what
 * vhci-hcd takes); WHY printable ASCII.  The whole line at most
 * USBIP_OFFER_MAX bytes.  The importing domain reads it as hostile.
 */
#define USB_SERVICE "bulkhead.USB"
#define USB_SPEED_TOP 5
struct usbip_offer {
	bool ok;
	unsigned busnum, devnum, speed;	/* ok */
	char why[USBIP_OFFER_MAX];	/* !ok */
};

/* O as its line, '\n' ended, into OUT (CAP >= USBIP_OFFER_MAX + 1): its
 * length, or 0 when O would not parse (a number out of range; a WHY cut
 * to fit, its bytes that are not printable ASCII made '?', parses). */
size_t usbip_offer_format(const struct usbip_offer *o, char *out, size_t cap);

/* The line UNTRUSTED (LEN bytes, its '\n' not among them) into OUT: NULL,
 * or what is wrong (static text). */
const char *usbip_offer_parse(const char *untrusted, size_t len, struct usbip_offer *out);

/*
 * A device a domain's config attaches (`usb_attach', config/usbid.h):
 * dom0's manager asks the domain's agent to take it, in a key of the
 * domain's that the domain may read but not write:
 *
 *   bulkhead/usb-attach/SEQ   "BACKEND BUSID"
 *
 * SEQ a decimal number, a new one for each request.  The agent runs
 * `usb-import BACKEND BUSID' once for each key it has not seen, as `ctl
 * usb attach' would have it run: the call goes under dom0's policy.  dom0
 * removes the key when the device goes; the agent then forgets it.
 */
#define USB_ATTACH_DIR "bulkhead/usb-attach"

/* BACKEND and BUSID as the key's value into OUT (CAP >= DOMAIN_NAME_MAX +
 * USB_BUSID_MAX + 2): its length, 0 when they are not a name and a bus id. */
size_t usb_attach_format(const char *backend, const char *busid, char *out, size_t cap);
/* The key's value (LEN bytes, not NUL-ended) into BACKEND and BUSID:
 * false when it is not one. */
bool usb_attach_parse(const char *value, size_t len, char backend[DOMAIN_NAME_MAX + 1],
		      char busid[USB_BUSID_MAX + 1]);

#endif
