/*
 * usbnotes.h - a USB device that comes to a USB domain, told to the user
 * in the bar (docs/DEVICES.md): the domain manager's list (USB on its
 * control socket, every USBNOTES_POLL_S) compared with the last
 * one; a device in it that was not there before is said, with how to give
 * it to a domain.  Nothing is attached: a device goes to a domain only by
 * the user's `ctl usb attach' (and the policy).  The devices of the first
 * list were there before the desktop: not said.
 *
 * The names are the USB domain's words, checked by dom0 when it read them
 * (usb_device_parse: printable ASCII) and again by ctl_decode_usb().
 * A client of the manager's socket that never waits (domstatus.h's
 * manager_ask).  Main loop only.
 */
#ifndef BULKHEAD_USBNOTES_H
#define BULKHEAD_USBNOTES_H

#include <stdbool.h>
#include <stddef.h>

#include "drm-compositor/domstatus.h"
#include "proto/ctlproto.h"

/* How often the list is asked for, in the bar clock's seconds. */
#define USBNOTES_POLL_S 3

struct usbnotes {
	struct ctl_usb known[CTL_USB_MAX];
	size_t n;
	bool listed;			/* a first list came */
	struct manager_ask conn;
};

void usbnotes_init(struct usbnotes *u);
void usbnotes_close(struct usbnotes *u);
/* The list asked of the manager, unless a request is out. */
void usbnotes_poll(struct usbnotes *u);
int usbnotes_fd(const struct usbnotes *u);	/* -1 when no reply is awaited */
/* The reply read: what to tell the user into TEXT (CAP bytes), true; or
 * false: nothing new. */
bool usbnotes_read(struct usbnotes *u, char *text, size_t cap);

/* What to say of NOW's devices (N) that are not in BEFORE (NB), into TEXT
 * (CAP bytes): the first one's name, and how many more came; false when
 * none came.  Pure. */
bool usbnotes_say(const struct ctl_usb *before, size_t nb, const struct ctl_usb *now, size_t n,
		  char *text, size_t cap);

#endif
