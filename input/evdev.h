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
 */
#ifndef BULKHEAD_EVDEV_H
#define BULKHEAD_EVDEV_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#define INPUT_DEVICES_MAX 32

struct input_sink {
	/* Keys and buttons; TIME_US is the kernel's CLOCK_MONOTONIC stamp of
	 * the event, 0 for one made up here (a release on unplug). */
	void (*key)(void *ctx, uint32_t code, uint32_t value, uint64_t time_us);
	void (*motion)(void *ctx, int32_t dx, int32_t dy);
	void *ctx;
};

struct input;

/* Opens the devices in DIR (/dev/input) and watches it.  NULL with errno
 * when DIR cannot be watched; no device at all is fine (hot-plug). */
struct input *input_open(const char *dir, const struct input_sink *sink);
void input_close(struct input *in);

/* Its fds into PFD (room for 1 + INPUT_DEVICES_MAX); returns how many. */
size_t input_pollfds(const struct input *in, struct pollfd *pfd);
/* Handles what poll() reported on the N entries input_pollfds() gave. */
void input_dispatch(struct input *in, const struct pollfd *pfd, size_t n);

/* How many devices are open now. */
size_t input_count(const struct input *in);

#endif
