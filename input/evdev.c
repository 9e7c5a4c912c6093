#include "input/evdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

#define TAG "input"

struct device {
	struct libevdev *dev;
	int fd;
	char name[INPUT_NAME_MAX];		/* "event3" */
	bool dropping;		/* private: after SYN_DROPPED, until SYN_REPORT */
};

struct input {
	char dir[PATH_MAX];
	int watch_fd;		/* inotify, or (fed) the broker's socket; -1 once it is gone */
	bool fed;		/* input_open_fed */
	struct device devs[INPUT_DEVICES_MAX];
	size_t n;
	struct input_sink sink;
	bool private_events;	/* input_open_private */
	struct input_event events[INPUT_EVENTS_PER_READ];	/* private: wiped */
};

static bool wanted(struct libevdev *dev)
{
	bool keyboard = libevdev_has_event_code(dev, EV_KEY, KEY_A) &&
			libevdev_has_event_code(dev, EV_KEY, KEY_ENTER);
	bool pointer = libevdev_has_event_code(dev, EV_KEY, BTN_LEFT) &&
		       (libevdev_has_event_code(dev, EV_REL, REL_X) ||
			libevdev_has_event_code(dev, EV_ABS, ABS_X));
	return keyboard || pointer;
}

static bool known(const struct input *in, const char *name)
{
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->devs[i].name, name) == 0)
			return true;
	return false;
}

/* Takes FD, device NAME of the directory: kept when it is a keyboard or a
 * pointer not open already, closed otherwise. */
static void adopt_device(struct input *in, const char *name, int fd)
{
	char path[PATH_MAX + 32];
	struct libevdev *dev = NULL;

	if (in->n >= INPUT_DEVICES_MAX || known(in, name))
		goto skip;
	snprintf(path, sizeof(path), "%s/%s", in->dir, name);
	if (libevdev_new_from_fd(fd, &dev) < 0 || !wanted(dev))
		goto skip;
	/* Event times on the clock the compositor reads, for its latency. */
	libevdev_set_clock_id(dev, CLOCK_MONOTONIC);
	if (libevdev_grab(dev, LIBEVDEV_GRAB) < 0) {
		log_warn(TAG, "%s (%s): cannot grab it: %s; left alone", path,
			 libevdev_get_name(dev), strerror(errno));
		goto skip;
	}
	struct device *d = &in->devs[in->n++];
	d->dev = dev;
	d->fd = fd;
	str_copy(d->name, name, sizeof(d->name));
	log_info(TAG, "%s: %s", path, libevdev_get_name(dev));
	log_event(TAG, "input-device", "path=%s bus=%d keyboard=%d", path,
		  libevdev_get_id_bustype(dev), libevdev_has_event_code(dev, EV_KEY, KEY_A));
	return;
skip:
	if (dev)
		libevdev_free(dev);
	close(fd);
}

static void add_device(struct input *in, const char *name)
{
	char path[PATH_MAX + 32];

	if (!input_device_name(name) || in->n >= INPUT_DEVICES_MAX || known(in, name))
		return;
	snprintf(path, sizeof(path), "%s/%s", in->dir, name);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;	/* not ready yet (IN_ATTRIB brings us back) or gone */
	adopt_device(in, name, fd);
}

bool input_device_name(const char *name)
{
	size_t len = strlen(name);

	if (len <= 5 || len >= INPUT_NAME_MAX || strncmp(name, "event", 5) != 0)
		return false;
	return strspn(name + 5, "0123456789") == len - 5;
}

/* A device going away releases what it held: no key stays down. */
static void remove_device(struct input *in, size_t i)
{
	struct device *d = &in->devs[i];

	for (unsigned code = 0; code <= KEY_MAX; code++)
		if (libevdev_has_event_code(d->dev, EV_KEY, code) &&
		    libevdev_get_event_value(d->dev, EV_KEY, code))
			in->sink.key(in->sink.ctx, code, 0, 0);
	log_info(TAG, "%s/%s: gone", in->dir, d->name);
	log_event(TAG, "input-gone", "path=%s/%s", in->dir, d->name);
	libevdev_free(d->dev);
	close(d->fd);
	in->devs[i] = in->devs[--in->n];
}

static struct input *new_input(const char *dir, const struct input_sink *sink, bool private_events)
{
	struct input *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	str_copy(in->dir, dir, sizeof(in->dir));
	in->sink = *sink;
	in->private_events = private_events;
	return in;
}

static struct input *open_input(const char *dir, const struct input_sink *sink, bool private_events)
{
	struct input *in = new_input(dir, sink, private_events);
	DIR *dh = NULL;

	if (!in)
		return NULL;
	in->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (in->watch_fd < 0 ||
	    inotify_add_watch(in->watch_fd, dir, IN_CREATE | IN_ATTRIB | IN_DELETE) < 0) {
		int err = errno;
		if (in->watch_fd >= 0)
			close(in->watch_fd);
		free(in);
		errno = err;
		return NULL;
	}
	dh = opendir(dir);
	if (dh) {
		struct dirent *e;
		while ((e = readdir(dh)))
			add_device(in, e->d_name);
		closedir(dh);
	}
	return in;
}

struct input *input_open(const char *dir, const struct input_sink *sink)
{
	return open_input(dir, sink, false);
}

struct input *input_open_private(const char *dir, const struct input_sink *sink)
{
	return open_input(dir, sink, true);
}

struct input *input_open_fed(int sock, const char *dir, const struct input_sink *sink)
{
	struct input *in = new_input(dir, sink, false);

	if (!in)
		return NULL;
	in->watch_fd = sock;
	in->fed = true;
	return in;
}

void input_close(struct input *in)
{
	if (!in)
		return;
	while (in->n)
		remove_device(in, in->n - 1);
	if (in->watch_fd >= 0)
		close(in->watch_fd);
	free(in);
}

size_t input_pollfds(const struct input *in, struct pollfd *pfd)
{
	pfd[0] = (struct pollfd){ .fd = in->watch_fd, .events = POLLIN };
	for (size_t i = 0; i < in->n; i++)
		pfd[i + 1] = (struct pollfd){ .fd = in->devs[i].fd, .events = POLLIN };
	return in->n + 1;
}

size_t input_count(const struct input *in)
{
	return in->n;
}

/* The one fd a message of the broker carries, -1 if none; any other is
 * closed. */
static int take_fd(struct msghdr *m)
{
	int fd = -1;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int got;
			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = got;
			else
				close(got);
		}
	}
	return fd;
}

/* What the broker passed: "eventN" with its device's fd. */
static void receive_devices(struct input *in)
{
	for (;;) {
		char untrusted_name[INPUT_NAME_MAX];
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(2 * sizeof(int))];
		} ctl;
		struct iovec iov = { untrusted_name, sizeof(untrusted_name) - 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		ssize_t n = recvmsg(in->watch_fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			log_err(TAG, "the input broker is gone (%s): devices plugged in from now "
				"on are not seen until the compositor restarts",
				n == 0 ? "closed" : strerror(errno));
			close(in->watch_fd);
			in->watch_fd = -1;
			return;
		}
		int fd = take_fd(&m);
		untrusted_name[n] = '\0';
		const char *why = fd < 0 ? "no fd" :
				  m.msg_flags & MSG_CTRUNC ? "more than one fd" :
				  m.msg_flags & MSG_TRUNC || !input_device_name(untrusted_name) ?
				  "not an event device's name" : NULL;
		if (why) {
			log_warn(TAG, "the input broker sent a malformed message (%zd bytes, %s); "
				 "ignored", n, why);
			if (fd >= 0)
				close(fd);
			continue;
		}
		adopt_device(in, untrusted_name, fd);
	}
}

static void hotplug(struct input *in)
{
	if (in->fed) {
		receive_devices(in);
		return;
	}

	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	while ((len = read(in->watch_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *ev = (struct inotify_event *)(void *)p;
			if (ev->len && (ev->mask & (IN_CREATE | IN_ATTRIB)))
				add_device(in, ev->name);
			p += sizeof(*ev) + ev->len;
		}
	}
}

static void deliver(struct input *in, const struct input_event *ev)
{
	if (ev->type == EV_KEY)
		in->sink.key(in->sink.ctx, ev->code, (uint32_t)ev->value,
			     (uint64_t)ev->input_event_sec * 1000000u + (uint64_t)ev->input_event_usec);
	else if (ev->type == EV_REL && ev->code == REL_X)
		in->sink.motion(in->sink.ctx, ev->value, 0);
	else if (ev->type == EV_REL && ev->code == REL_Y)
		in->sink.motion(in->sink.ctx, 0, ev->value);
	else if (ev->type == EV_REL && ev->code == REL_WHEEL && ev->value && in->sink.axis)
		in->sink.axis(in->sink.ctx, 0, -ev->value);	/* evdev's up is positive */
	else if (ev->type == EV_REL && ev->code == REL_HWHEEL && ev->value && in->sink.axis)
		in->sink.axis(in->sink.ctx, 1, ev->value);
}

int input_read_wiped(int fd, struct input_event *buf, size_t cap,
		     void (*each)(void *ctx, const struct input_event *ev), void *ctx)
{
	for (;;) {
		ssize_t n = read(fd, buf, cap * sizeof(*buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (n == 0)
			return -ENODEV;
		for (size_t i = 0; i < (size_t)n / sizeof(*buf); i++)
			each(ctx, &buf[i]);
		explicit_bzero(buf, (size_t)n);
	}
}

/* After the kernel dropped events: each key whose state changed meanwhile
 * is released or pressed, from the kernel's key state, as libevdev's sync
 * does; that state is a passphrase's too, and is wiped. */
static void resync_keys(struct input *in, struct device *d)
{
	unsigned long down[(KEY_CNT + LONG_BIT - 1) / LONG_BIT];

	if (ioctl(d->fd, EVIOCGKEY(sizeof(down)), down) < 0)
		return;
	for (unsigned code = 0; code < KEY_CNT; code++) {
		int now = (int)(down[code / LONG_BIT] >> (code % LONG_BIT) & 1);
		if (!libevdev_has_event_code(d->dev, EV_KEY, code) ||
		    libevdev_get_event_value(d->dev, EV_KEY, code) == now)
			continue;
		libevdev_set_event_value(d->dev, EV_KEY, code, now);
		in->sink.key(in->sink.ctx, code, (uint32_t)now, 0);
	}
	explicit_bzero(down, sizeof(down));
}

struct private_read {
	struct input *in;
	struct device *d;
};

/* One event read in the private mode.  libevdev keeps the key state (its
 * held keys are released when the device goes), not the event. */
static void take_private(void *ctx, const struct input_event *ev)
{
	struct private_read *r = ctx;

	if (ev->type == EV_SYN && ev->code == SYN_DROPPED) {
		r->d->dropping = true;
	} else if (r->d->dropping) {
		if (ev->type == EV_SYN && ev->code == SYN_REPORT) {
			r->d->dropping = false;
			resync_keys(r->in, r->d);
		}
	} else {
		if (ev->type == EV_KEY)
			libevdev_set_event_value(r->d->dev, EV_KEY, ev->code, ev->value);
		deliver(r->in, ev);
	}
}

/* Reads what device I has; false when it is gone. */
static bool read_device(struct input *in, size_t i)
{
	struct libevdev *dev = in->devs[i].dev;
	unsigned flags = LIBEVDEV_READ_FLAG_NORMAL;
	struct input_event ev;

	if (in->private_events) {
		struct private_read r = { in, &in->devs[i] };
		return input_read_wiped(in->devs[i].fd, in->events, ARRAY_SIZE(in->events),
					take_private, &r) == 0;
	}
	for (;;) {
		int rc = libevdev_next_event(dev, flags, &ev);
		if (rc == LIBEVDEV_READ_STATUS_SYNC) {
			/* The kernel dropped events: these bring the state back. */
			flags = LIBEVDEV_READ_FLAG_SYNC;
			deliver(in, &ev);
		} else if (rc == LIBEVDEV_READ_STATUS_SUCCESS) {
			deliver(in, &ev);
		} else if (rc == -EAGAIN) {
			if (flags == LIBEVDEV_READ_FLAG_SYNC) {
				flags = LIBEVDEV_READ_FLAG_NORMAL;
				continue;
			}
			return true;
		} else {
			return false;
		}
	}
}

static size_t fdset_fill(void *ctx, struct pollfd *pfd)
{
	return input_pollfds(ctx, pfd);
}

static void fdset_dispatch(void *ctx, const struct pollfd *pfd, size_t n)
{
	input_dispatch(ctx, pfd, n);
}

struct loop_fdset input_fdset(struct input *in)
{
	return (struct loop_fdset){ .max = 1 + INPUT_DEVICES_MAX, .fill = fdset_fill,
				    .dispatch = fdset_dispatch, .ctx = in };
}

void input_dispatch(struct input *in, const struct pollfd *pfd, size_t n)
{
	/* Devices first, by fd: hot-plug may reorder the array. */
	for (size_t k = 1; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		for (size_t i = 0; i < in->n; i++) {
			if (in->devs[i].fd != pfd[k].fd)
				continue;
			if (!read_device(in, i))
				remove_device(in, i);
			break;
		}
	}
	if (n > 0 && pfd[0].revents)
		hotplug(in);
}
