/*
 * usbid.h - a USB device's names, as a domain's config writes them
 * (`usb_attach', config/domain_config.h) and as a USB domain's inventory
 * does (proto/usbproto.h): Linux's bus id "BUS-PORT[.PORT]..." (the bus
 * 1..999, at most USB_PORTS_MAX ports 1..99 deep) and the vendor:product
 * id "VVVV:PPPP" (four lower-case hex digits each).
 *
 * The inventory's parser (hostile bytes) and the config's (the user's)
 * share this grammar, so that a config names a device exactly as `ctl usb
 * list' shows it.  Pure functions, safe anywhere.
 */
#ifndef BULKHEAD_USBID_H
#define BULKHEAD_USBID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

/* Whether LEN bytes at UNTRUSTED are a bus id. */
bool usb_busid_valid(const char *untrusted, size_t len);

/* A decimal number of 1..MAXDIGITS digits, not 0 and no leading 0, at *P
 * (before END): *P moved past it. */
bool usb_decimal(const char **p, const char *end, int maxdigits);

/* N lower-case hex digits at P (the caller checked there are N bytes)
 * into *OUT. */
bool usb_hex(const char *p, int n, unsigned *out);

/* One item of a config's `usb_attach': the device that domain takes from
 * BACKEND (a domain of class usb) whenever both run, named by its port
 * ("sys-usb:2-1") or by its ids, on any port ("sys-usb:046d:c52b"). */
struct usb_match {
	char backend[DOMAIN_NAME_MAX + 1];
	char busid[USB_BUSID_MAX + 1];	/* "": by its ids */
	uint16_t vendor, product;
};

/* S into OUT: NULL, or what is wrong with it (static text). */
const char *usb_match_parse(const char *s, struct usb_match *out);

/* Whether the device BUSID of BACKEND, of ids VENDOR:PRODUCT, is M's. */
bool usb_match_is(const struct usb_match *m, const char *backend, const char *busid,
		  uint16_t vendor, uint16_t product);

#endif
