/*
 * inputasks.h - the questions about a USB domain's new keyboards and
 * pointers (docs/DEVICES.md, "USB keyboards and mice"): "sys-usb has a new
 * keyboard: NAME.  Return: use it  Escape: ignore it", one at a time over
 * the desktop, in the box a call's question uses (drm-compositor/asks.h),
 * which goes first.  While one is shown the keyboard is dom0's.  Return is
 * taken only INPUT_ASKS_ARM_MS after the question was shown, so that a user
 * typing Return into a window as it comes does not accept a device unseen.
 * The device's own keys never answer: its events go nowhere until it is
 * accepted (drm-compositor/proxyinput.h).
 *
 * Pure: the clock comes in as NOW; the compositor's loop only.  WHO is the
 * compositor's handle of the domain's channel, never dereferenced here;
 * the caller takes a channel's questions back (inputasks_forget) before
 * that handle is freed.
 */
#ifndef BULKHEAD_INPUTASKS_H
#define BULKHEAD_INPUTASKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"
#include "proto/guiproto.h"

#define INPUT_ASKS_ARM_MS 1000
/* Questions waiting, all domains together; one more is refused unasked
 * (each domain's own budget, proxyinput.h, keeps far below it). */
#define INPUT_ASKS_MAX 16

struct input_ask {
	const void *who;
	uint32_t id;
	enum gui_input_kind kind;
	char domain[DOMAIN_NAME_MAX + 1];
	char name[GUI_INPUT_NAME_MAX + 1];
};

struct input_asks {
	struct input_ask q[INPUT_ASKS_MAX];	/* q[0] is the one shown */
	size_t n;
	uint64_t shown_at;			/* q[0] on the screen since; 0: not yet */
};

/* A question about WHO's device ID: false when INPUT_ASKS_MAX wait. */
bool inputasks_add(struct input_asks *a, const void *who, const char *domain, uint32_t id,
		   enum gui_input_kind kind, const char *name);
/* WHO's device ID went (ID 0: WHO's channel went, all of them): its
 * questions go.  Whether the one shown changed. */
bool inputasks_forget(struct input_asks *a, const void *who, uint32_t id);
/* The caller shows q[0] now (from NOW on, for the arming): whether it
 * was not shown before.  Until then no key answers it. */
bool inputasks_shown(struct input_asks *a, uint64_t now);

enum inputasks_answer {
	INPUT_ASKS_NONE,	/* not an answer (or Return too early) */
	INPUT_ASKS_ACCEPT,
	INPUT_ASKS_REFUSE,
};

/* A key (evdev code, value 0..2) at NOW while q[0] is shown: the answer,
 * with the question it answered in *OUT (taken off the list). */
enum inputasks_answer inputasks_key(struct input_asks *a, uint32_t code, uint32_t value,
				    uint64_t now, struct input_ask *out);

/* q[0] as the box's two lines, CAP bytes each. */
void inputasks_describe(const struct input_asks *a, char *text, char *choices, size_t cap);

#endif
