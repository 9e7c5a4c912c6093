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
#include <stdint.h>

#include "drm-compositor/domstatus.h"
#include "proto/ctlproto.h"

/* How often the list is asked for, in the bar clock's seconds. */
#define USBNOTES_POLL_S 3
/* After a notice, none for this long: a USB domain that makes devices
 * come and go without end holds at most a fifth of the bar's notices
 * (each is shown 6 s), and dom0's own (a refused launch) still show.  The
 * devices that come meanwhile are said together when it is over. */
#define USBNOTES_QUIET_S 30

struct usbnotes {
	struct ctl_usb known[CTL_USB_MAX];
	size_t n;
	bool listed;			/* a first list came */
	uint64_t quiet_until_s;		/* no notice before (USBNOTES_QUIET_S) */
	struct manager_ask conn;
};

void usbnotes_init(struct usbnotes *u);
void usbnotes_close(struct usbnotes *u);
/* The list asked of the manager, unless a request is out. */
void usbnotes_poll(struct usbnotes *u);
int usbnotes_fd(const struct usbnotes *u);	/* -1 when no reply is awaited */
/* The reply read at NOW_S (a monotonic clock's seconds): what to tell the
 * user into TEXT (CAP bytes), true; or false: nothing new, or it waits
 * for the quiet's end (usbnotes_update). */
bool usbnotes_read(struct usbnotes *u, uint64_t now_s, char *text, size_t cap);

/* The manager's list NOW (N devices) taken at NOW_S: true with TEXT (CAP
 * bytes) when a device came since the last notice (usbnotes_say) and the
 * quiet after it is over; the first list says nothing.  During the quiet
 * the list said last is kept, so that what came meanwhile is said at its
 * end.  Pure. */
bool usbnotes_update(struct usbnotes *u, const struct ctl_usb *now, size_t n, uint64_t now_s,
		     char *text, size_t cap);

/* What to say of NOW's devices (N) that are not in BEFORE (NB), into TEXT
 * (CAP bytes): the first one's name, and how many more came; false when
 * none came.  Pure. */
bool usbnotes_say(const struct ctl_usb *before, size_t nb, const struct ctl_usb *now, size_t n,
		  char *text, size_t cap);

#endif
