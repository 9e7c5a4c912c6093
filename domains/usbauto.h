/*
 * usbauto.h - the USB devices domains' configs attach (`usb_attach',
 * config/usbid.h; docs/DEVICES.md): which device to ask which domain's
 * agent to take, and which request to withdraw.  Pure: the manager gives
 * what runs and what the USB domains have (domains/xs_usb.c) and carries
 * out the effects.
 *
 * The rules, so that the config only ever starts what the user could:
 * - a device is asked for when its USB domain and a domain whose config
 *   names it both run and it is given to no one (the domain's agent takes
 *   the request when it starts, if it was not up yet);
 *   the domains in the order given, each one's items in its config's
 *   order: the first that names a device asks for it;
 * - once per device's coming and per life of the domain: a request the
 *   policy refused, or a device the user detached, is not asked for again
 *   until the device comes again (unplugged, a USB domain's restart) or
 *   the domain starts again;
 * - a request is withdrawn when its device goes; forgotten when its domain
 *   goes (its xenstore goes with it);
 * - a manager that starts again takes the requests an earlier one left in
 *   the running domains as its own (usbauto_adopt): a manager's restart
 *   asks for nothing the user refused or took back.
 * The call itself goes under dom0's policy for bulkhead.USB, as `ctl usb
 * attach''s would.
 */
#ifndef BULKHEAD_USBAUTO_H
#define BULKHEAD_USBAUTO_H

#include <stddef.h>
#include <stdint.h>

#include "config/usbid.h"
#include "lib/limits.h"
#include "proto/usbproto.h"

/* A device is asked for at most once at a time. */
#define USBAUTO_REQUESTS_MAX (USB_DOMAINS_MAX * USB_DEVICES_PER_DOMAIN)

struct usbauto_request {
	char domain[DOMAIN_NAME_MAX + 1];	/* that takes it */
	uint32_t domid;
	char backend[DOMAIN_NAME_MAX + 1];
	uint32_t backend_domid;
	char busid[USB_BUSID_MAX + 1];
	uint64_t seq;			/* its key's name (proto/usbproto.h) */
};

struct usbauto {
	struct usbauto_request req[USBAUTO_REQUESTS_MAX];
	size_t n;
	uint64_t next_seq;	/* set once by the caller: unlike an earlier manager's */
};

/* A running domain, with its config's items. */
struct usbauto_domain {
	const char *name;
	uint32_t domid;
	const struct usb_match *want;
	size_t nwant;
};

/* A running USB domain's devices; GIVEN[i]: DEV[i] is some domain's. */
struct usbauto_backend {
	const char *name;
	uint32_t domid;
	const struct usb_device *dev;
	const bool *given;
	size_t n;
};

struct usbauto_effects {
	/* R's key written (a failure said by the caller: R is not asked
	 * again until its device comes again). */
	void (*ask)(void *ctx, const struct usbauto_request *r);
	/* R's key removed (its domain still runs). */
	void (*withdraw)(void *ctx, const struct usbauto_request *r);
	void *ctx;
};

/* R, an earlier manager's request still in its domain's xenstore, kept as
 * if made here (before the first usbauto_plan): false when its device is
 * asked for already or there is no room (the caller removes its key). */
bool usbauto_adopt(struct usbauto *a, const struct usbauto_request *r);

/* One pass over DOMS (N) and BACKENDS (NB): the requests that are due
 * made, the ones whose device or domain went withdrawn or forgotten. */
void usbauto_plan(struct usbauto *a, const struct usbauto_domain *doms, size_t n,
		  const struct usbauto_backend *backends, size_t nb,
		  const struct usbauto_effects *fx);

#endif
