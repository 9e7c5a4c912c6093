/*
 * inputfwd.h - a USB domain's keyboards and pointers, forwarded to dom0's
 * compositor on the GUI channel (INPUT_DEVICE, INPUT_EVENTS:
 * proto/guiproto.h; docs/DEVICES.md, "USB keyboards and mice").
 *
 * The agent of a domain of class usb (agent --input) opens every keyboard
 * and pointer of its /dev/input, grabs it (EVIOCGRAB: nothing else in the
 * domain reads it), gives it one of GUI_INPUT_DEVICES_MAX ids (an id is
 * free again once its device is gone and dom0 was told so), and announces
 * it on each channel once dom0 has welcomed it: dom0 forgets a channel's
 * devices when the channel goes.  Its events go to dom0 a report at a
 * time, as the kernel reports them but cut to what gui_decode() takes:
 * dom0 drops the whole channel for one event out of bounds, so every
 * event passes inputfwd_translate() first.  While there is no channel the
 * events are read and thrown away: the kernel's queue does not overflow,
 * and nothing typed then reaches dom0 later.
 *
 * What dom0 holds down stays what the device holds down: when events were
 * lost on the way (the kernel's queue overflowed: SYN_DROPPED; a batch
 * the channel did not take) nothing is sent until the next report ends,
 * and then each key whose state differs from what dom0 was told is
 * released or pressed from the kernel's key state (EVIOCGKEY), as libevdev
 * does.  A device gone is said (GUI_INPUT_GONE): dom0 releases its keys.
 *
 * Two parts: the pure one (which devices, which events, the batches),
 * tested on made-up events, and the devices' I/O, driven by the agent's
 * loop.  The values come from the domain's hardware; what they become is
 * bounded here all the same, because dom0 checks it.  One thread.
 */
#ifndef BULKHEAD_GUEST_INPUTFWD_H
#define BULKHEAD_GUEST_INPUTFWD_H

#include <limits.h>
#include <linux/input.h>
#include <stdbool.h>
#include <stdint.h>

#include "gui/guiclient.h"
#include "lib/loop.h"
#include "proto/guiproto.h"

/* unsigned longs for a bitmap of BITS bits, as the EVIOCG* ioctls fill. */
#define INPUTFWD_LONGS(bits) (((bits) + LONG_BIT - 1) / LONG_BIT)

/* --- pure ------------------------------------------------------------ */

/* What a device is (EVIOCGID's bus) and can send, as EVIOCGBIT says:
 * event types, keys and buttons, relative axes. */
struct inputfwd_caps {
	uint16_t bustype;
	unsigned long ev[INPUTFWD_LONGS(EV_CNT)];
	unsigned long key[INPUTFWD_LONGS(KEY_CNT)];
	unsigned long rel[INPUTFWD_LONGS(REL_CNT)];
};

/* Only a USB device (BUS_USB) is forwarded: a virtual keyboard of Xen's
 * or the PS/2 one an HVM domain's device model emulates is no device of
 * the user's to ask about.  Of those, GUI_INPUT_KEYBOARD for a device
 * with every letter key and Enter,
 * GUI_INPUT_POINTER for one that moves relatively (REL_X, REL_Y) and has
 * BTN_LEFT, GUI_INPUT_GONE for anything else, which is not forwarded: an
 * absolute pointer (a tablet, a touchscreen: dom0 takes relative motion
 * only), a power button, a headset's or a remote's keys.  A keyboard that
 * points too is a keyboard: dom0 asks the user about what can type. */
enum gui_input_kind inputfwd_classify(const struct inputfwd_caps *caps);

/*
 * EV as dom0 takes it into *OUT, or false when it is not forwarded.  Kept:
 * SYN_REPORT (its value made 0: the kernel says 1 in the report it makes
 * up to release the keys of a device reset or going); EV_KEY 1..KEY_MAX
 * with 0, 1 or 2; REL_X, REL_Y, REL_WHEEL and REL_HWHEEL but 0, a value
 * beyond +-GUI_INPUT_REL_MAX clamped to it.  Clamped, not split: no hand
 * moves a mouse that far in one report (1024 counts a report at 125
 * reports a second, the slowest USB mice's, are a 3200 dpi mouse thrown
 * at a metre a second), so such a value is a glitch or a hostile device,
 * and one kernel event stays at most one event of dom0's budget.  Left
 * out: the rest of EV_SYN (SYN_DROPPED is inputfwd_take's), EV_MSC (scan
 * codes), EV_LED, EV_ABS, the high-resolution wheels (their REL_WHEEL
 * comes with them), every other type.
 */
bool inputfwd_translate(const struct input_event *ev, struct gui_input_event *out);

/* Where a device's events go, for inputfwd_take(). */
struct inputfwd_sink {
	/* N (1..GUI_INPUT_BATCH_MAX) events for dom0: whether dom0 has them
	 * now (false: lost on the way). */
	bool (*send)(void *ctx, const struct gui_input_event *ev, uint32_t n);
	/* The device's keys held down now (EVIOCGKEY) into KEYS: false when
	 * they cannot be read (then every key counts as up). */
	bool (*keys)(void *ctx, unsigned long *keys);
	void *ctx;
};

/* One device's events on their way to dom0.  All zero (or
 * inputfwd_stream_reset) when it is announced on a channel. */
struct inputfwd_stream {
	bool dropping;		/* events lost: none sent until SYN_REPORT */
	bool in_report;		/* an event of this report was batched */
	uint32_t n;
	struct gui_input_event batch[GUI_INPUT_BATCH_MAX];
	unsigned long held[INPUTFWD_LONGS(KEY_CNT)];	/* what dom0 was told is down */
};

void inputfwd_stream_reset(struct inputfwd_stream *s);

/* Takes the kernel's EV: batched, and the batch sent through SINK when a
 * report ends (SYN_REPORT; a report with nothing forwarded is not sent)
 * or when it is full (a report of more than GUI_INPUT_BATCH_MAX events
 * goes in several messages).  SYN_DROPPED, or a batch SINK did not send,
 * throws away what is batched and every event until the next SYN_REPORT,
 * where the keys are brought back (above). */
void inputfwd_take(struct inputfwd_stream *s, const struct input_event *ev,
		   const struct inputfwd_sink *sink);

/* --- the devices ----------------------------------------------------- */

struct inputfwd;

/* The keyboards and pointers of DIR (/dev/input, or a test's; kept as
 * given), none opened yet.  NULL when out of memory. */
struct inputfwd *inputfwd_new(const char *dir);
/* Closes every device (their grabs end with them). */
void inputfwd_free(struct inputfwd *f);

/* Opens every keyboard and pointer of DIR not open yet: at start, and each
 * time the kernel says an input device came (display/uevent.h).  A node
 * not there yet (devtmpfs makes it before the event device's own uevent,
 * after its input device's) or gone again is left to the next scan. */
void inputfwd_scan(struct inputfwd *f);

/* C, a channel dom0 has welcomed, is up: every device announced on it
 * and forwarded from now on (dom0 speaking a version before 6: said once,
 * and none is). */
void inputfwd_up(struct inputfwd *f, struct gui_client *c);
/* The channel went: the events are thrown away until the next one. */
void inputfwd_down(struct inputfwd *f);

/* The devices' fds as one watch, for loop_fdset_add (max
 * GUI_INPUT_DEVICES_MAX): each readable one is read once a round. */
struct loop_fdset inputfwd_fdset(struct inputfwd *f);

#endif
