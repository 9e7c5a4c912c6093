/*
 * proxyinput.h - a USB domain's keyboards and pointers, as dom0's
 * compositor takes them from its GUI channel (INPUT_DEVICE, INPUT_EVENTS:
 * proto/guiproto.h; docs/DEVICES.md, "USB keyboards and mice").
 *
 * Each device the domain announces is asked about first: until the user
 * accepts it (dom0's question, answered with dom0's own keyboard) its
 * events go nowhere, and once refused they never go anywhere.  An
 * accepted device's events go to the sink dom0's own keyboards and
 * pointers feed (input/evdev.h), as one report each: keys and buttons as
 * they come, motion added up to the report's end, wheels as steps.
 *
 * Budget: PROXY_EVENTS_PER_S a second for the domain's devices together
 * (a 1000 Hz mouse's three events a report fit), a second's worth at
 * most saved up; what is over it is dropped, and counted for the caller
 * to say.  A release of a key a device holds always goes through, so that
 * no key stays down: the device going, being refused, or its channel
 * dropping (proxy_release_all) releases what it holds.
 *
 * Questions: a domain gets PROXY_ASKS_BURST of them at once, then one
 * every PROXY_ASK_EVERY_MS: a device announced, gone and announced again
 * in a loop would otherwise keep a question over the desktop (and dom0's
 * keyboard away from the user's windows).  One over that is refused
 * unasked (PROXY_UNASKED), until it goes and comes again.
 *
 * Pure: the clock comes in as NOW_MS; one per domain channel, the
 * compositor's loop only.
 */
#ifndef BULKHEAD_PROXYINPUT_H
#define BULKHEAD_PROXYINPUT_H

#include <linux/input-event-codes.h>
#include <stdbool.h>
#include <stdint.h>

#include "input/evdev.h"
#include "proto/guiproto.h"

#define PROXY_EVENTS_PER_S 4000
#define PROXY_ASKS_BURST 4
#define PROXY_ASK_EVERY_MS 15000

enum proxy_state {
	PROXY_NONE,		/* no such device */
	PROXY_ASKED,		/* announced; the user has not answered */
	PROXY_ACCEPTED,
	PROXY_REFUSED,
};

struct proxy_device {
	enum proxy_state state;
	enum gui_input_kind kind;
	char name[GUI_INPUT_NAME_MAX + 1];
	uint8_t held[(KEY_MAX + 1 + 7) / 8];	/* keys it holds down (accepted) */
	int32_t dx, dy;				/* motion of the report so far */
};

struct proxy_input {
	struct proxy_device dev[GUI_INPUT_DEVICES_MAX + 1];	/* by id; 0 unused */
	uint32_t tokens;		/* events the budget allows now */
	uint64_t refilled_ms;
	bool started;
	uint32_t dropped;		/* over the budget since proxy_take_dropped() */
	uint32_t asks_milli;		/* questions the budget allows, in thousandths */
	uint64_t asks_at_ms;		/* when that was last topped up */
	bool asks_started;
};

/* What a message asks of the caller. */
enum proxy_verdict {
	PROXY_OK,		/* nothing more */
	PROXY_ASK,		/* a new device: ask the user about the message's id */
	PROXY_GONE,		/* the device went: its question, if shown, goes */
	PROXY_UNASKED,		/* a new device over the questions' budget: refused */
	PROXY_MALFORMED,	/* a device announced twice, or events of one never
				 * announced: drop the channel (*why) */
};

/* INPUT_DEVICE M (decoded) at NOW_MS. */
enum proxy_verdict proxy_device_msg(struct proxy_input *p, const struct gui_msg *m,
				    uint64_t now_ms, const struct input_sink *sink,
				    const char **why);

/* INPUT_EVENTS M (decoded) at NOW_MS. */
enum proxy_verdict proxy_events_msg(struct proxy_input *p, const struct gui_msg *m,
				    uint64_t now_ms, const struct input_sink *sink,
				    const char **why);

/* The user's answer about device ID (asked): false when it is no longer
 * asked about (it went meanwhile). */
bool proxy_answer(struct proxy_input *p, uint32_t id, bool accept);

/* Every key an accepted device holds, released (the channel goes). */
void proxy_release_all(struct proxy_input *p, const struct input_sink *sink);

/* Events dropped over the budget since the last call. */
uint32_t proxy_take_dropped(struct proxy_input *p);

#endif
