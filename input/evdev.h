/*
 * evdev.h - dom0's keyboards and pointers: every /dev/input/event* that
 * has keys or a pointer, opened with libevdev and grabbed (EVIOCGRAB), so
 * that nothing else in dom0 reads them; devices that come and go are
 * followed with inotify.  Events go to the sink as they are: key codes
 * with press/release/repeat, relative motion, buttons.
 *
 * After SYN_DROPPED (the kernel's queue overflowed) libevdev's sync events
 * bring the key state back, so that no key stays stuck; a device that goes
 * away has its held keys released first.
 *
 * The compositor owns it (input_open/input_close).  Main loop only.
 *
 * For a passphrase (input_open_private, the unlock screen), no copy of a
 * key's event is left in memory: each device is read with read(2) into
 * the input's own buffer, which is wiped after every read, and libevdev
 * is only asked what a device is (its queue never holds an event); after
 * SYN_DROPPED the keys are brought back from the kernel's key state
 * (EVIOCGKEY, wiped too).
 */
#ifndef BULKHEAD_EVDEV_H
#define BULKHEAD_EVDEV_H

#include <linux/input.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/loop.h"

#define INPUT_DEVICES_MAX 32
/* Room for a device's name in the directory, "event31" and its NUL. */
#define INPUT_NAME_MAX 16
/* Events one read(2) takes in the private mode. */
#define INPUT_EVENTS_PER_READ 64

struct input_sink {
	/* Keys and buttons; TIME_US is the kernel's CLOCK_MONOTONIC stamp of
	 * the event, 0 for one made up here (a release on unplug). */
	void (*key)(void *ctx, uint32_t code, uint32_t value, uint64_t time_us);
	void (*motion)(void *ctx, int32_t dx, int32_t dy);
	/* A wheel turned: AXIS 0 vertical, 1 horizontal; STEPS > 0 down or
	 * right. */
	void (*axis)(void *ctx, uint32_t axis, int32_t steps);
	void *ctx;
};

struct input;

/* Opens the devices in DIR (/dev/input) and watches it.  NULL with errno
 * when DIR cannot be watched; no device at all is fine (hot-plug). */
struct input *input_open(const char *dir, const struct input_sink *sink);
/* The same, for a passphrase's keys (above). */
struct input *input_open_private(const char *dir, const struct input_sink *sink);
/* The devices the input broker (broker.h) passes over SOCK, which the
 * input owns from now on; DIR only names them in the log.  NULL if out of
 * memory (SOCK is still the caller's then). */
struct input *input_open_fed(int sock, const char *dir, const struct input_sink *sink);
void input_close(struct input *in);

/* Its fds into PFD (room for 1 + INPUT_DEVICES_MAX); returns how many. */
size_t input_pollfds(const struct input *in, struct pollfd *pfd);
/* Handles what poll() reported on the N entries input_pollfds() gave. */
void input_dispatch(struct input *in, const struct pollfd *pfd, size_t n);
/* The two above as one watch, for loop_fdset_add. */
struct loop_fdset input_fdset(struct input *in);

/* Whether NAME is an event device's ("event" and digits, shorter than
 * INPUT_NAME_MAX). */
bool input_device_name(const char *name);

/* How many devices are open now. */
size_t input_count(const struct input *in);

/* The private mode's reading, on its own for tests: reads FD (evdev's
 * records, non-blocking) into BUF (CAP events) until it would block, hands
 * each event to EACH, and wipes what it read into BUF after each read.
 * 0 once FD has no more, -errno when it is gone or failed (0 bytes read:
 * -ENODEV). */
int input_read_wiped(int fd, struct input_event *buf, size_t cap,
		     void (*each)(void *ctx, const struct input_event *ev), void *ctx);

#endif
