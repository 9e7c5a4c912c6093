/*
 * usbip.h - a USB device of one domain given to another (docs/DEVICES.md,
 * "Attaching a USB device"): USB/IP between the two domains' kernels, its
 * bytes carried by a call between the two (docs/RPC.md), as Qubes' qvm-usb
 * does over qrexec.
 *
 *   bulkhead usb-export BUSID            in the USB domain: the service
 *                                        bulkhead.USB+BUSID (its agent runs
 *                                        it); stdin and stdout the call's
 *   bulkhead usb-import BACKEND BUSID    in the domain that gets it: calls
 *                                        BACKEND's bulkhead.USB+BUSID, under
 *                                        dom0's policy, and hands the stream
 *                                        to vhci-hcd; it stays, in the
 *                                        background, as long as the call
 *
 * The export binds the device to usbip-host (its own driver let go), gives
 * the kernel one end of a socket pair (usbip_sockfd), answers the offer
 * (proto/usbproto.h) and copies between the call and the socket until
 * either ends; then gives the device back to its drivers.  The import
 * gives vhci-hcd its end of the call's stream as the socket of a free port
 * of the offer's speed.  Neither end runs in dom0; the call ends (the
 * caller or dom0 ends it, or either domain goes) and the device leaves the
 * importing domain, and goes back to the USB domain's drivers.
 *
 * Both run as root in their domains (the agent runs services as root);
 * CAP_SYS_MODULE kept to load usbip-host or vhci-hcd when missing.
 * The steps take SYSFS, a directory fd of /sys (a test's tree).
 */
#ifndef BULKHEAD_GUEST_USBIP_H
#define BULKHEAD_GUEST_USBIP_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/usbproto.h"

/*
 * BUSID (valid) in SYSFS bound to usbip-host, its numbers and speed into
 * OFFER (ok).  0; or -1 with OFFER's why saying what is wrong (no such
 * device, a hub, already given to a domain, usbip-host missing), anything
 * done undone.
 */
int usbip_export_bind(int sysfs, const char *busid, struct usbip_offer *offer);

/* The kernel's end SOCK of the stream given to BUSID (bound): 0, or -1
 * with WHY (CAP bytes) saying why. */
int usbip_export_give(int sysfs, const char *busid, int sock, char *why, size_t cap);

/* BUSID let go of by usbip-host, and given back to its own drivers. */
void usbip_export_release(int sysfs, const char *busid);

/* Bytes from IN to SOCK and from SOCK to OUT until either ends (EOF or an
 * error), each write whole. */
void usbip_copy(int in, int out, int sock);

/*
 * vhci-hcd's free port for a device of SPEED, from its status file's text
 * STATUS (LEN bytes: "hub port sta spd dev sockfd local_busid" lines; a
 * free port's sta is 004), or -1: none.  Super speed on an "ss" port, the
 * others on "hs".
 */
int usbip_vhci_free_port(const char *status, size_t len, unsigned speed);

/*
 * The agent's side of the devices its domain's config attaches (proto/
 * usbproto.h, USB_ATTACH_DIR): the request keys it has seen, so that each
 * runs usb-import once.  usb_attach_fresh() takes the directory's listing
 * NAMES (N; the first USB_ATTACH_KEYS_MAX count), puts into FRESH those it
 * had not seen (pointers into NAMES), and remembers the listing: a key
 * dom0 removed is forgotten.  Its count of FRESH.
 */
struct usb_attach_seen {
	char key[USB_ATTACH_KEYS_MAX][24];
	size_t n;
};
size_t usb_attach_fresh(struct usb_attach_seen *s, char *const *names, size_t n,
			const char *fresh[USB_ATTACH_KEYS_MAX]);

int usb_export_main(int argc, char **argv);
int usb_import_main(int argc, char **argv);

#endif
