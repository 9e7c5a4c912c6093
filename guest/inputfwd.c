/*
 * inputfwd.c - a USB domain's keyboards and pointers, forwarded to dom0
 * (inputfwd.h).
 */
#include "guest/inputfwd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input/evdev.h"
#include "lib/log.h"
#include "lib/util.h"

#define TAG "agent"

static bool bit(const unsigned long *bits, unsigned n)
{
	return bits[n / LONG_BIT] >> (n % LONG_BIT) & 1;
}

static void set_bit(unsigned long *bits, unsigned n, bool on)
{
	if (on)
		bits[n / LONG_BIT] |= 1ul << (n % LONG_BIT);
	else
		bits[n / LONG_BIT] &= ~(1ul << (n % LONG_BIT));
}

/* --- pure ------------------------------------------------------------ */

/* The letter keys: three runs of codes, the rows of a QWERTY keyboard. */
static const struct { unsigned first, last; } letters[] = {
	{ KEY_Q, KEY_P }, { KEY_A, KEY_L }, { KEY_Z, KEY_M },
};

static bool types_letters(const struct inputfwd_caps *caps)
{
	for (size_t i = 0; i < ARRAY_SIZE(letters); i++)
		for (unsigned code = letters[i].first; code <= letters[i].last; code++)
			if (!bit(caps->key, code))
				return false;
	return bit(caps->key, KEY_ENTER);
}

enum gui_input_kind inputfwd_classify(const struct inputfwd_caps *caps)
{
	if (caps->bustype != BUS_USB || !bit(caps->ev, EV_KEY))
		return GUI_INPUT_GONE;
	if (types_letters(caps))
		return GUI_INPUT_KEYBOARD;
	if (bit(caps->ev, EV_REL) && bit(caps->rel, REL_X) && bit(caps->rel, REL_Y) &&
	    bit(caps->key, BTN_LEFT))
		return GUI_INPUT_POINTER;
	return GUI_INPUT_GONE;
}

bool inputfwd_translate(const struct input_event *ev, struct gui_input_event *out)
{
	int32_t value = ev->value;

	/* What dom0 would refuse made what it takes, where that keeps the
	 * event's meaning: a report's end with 0, a motion clamped. */
	if (ev->type == EV_SYN && ev->code == SYN_REPORT)
		value = 0;
	else if (ev->type == EV_REL)
		value = value > GUI_INPUT_REL_MAX ? GUI_INPUT_REL_MAX :
			value < -GUI_INPUT_REL_MAX ? -GUI_INPUT_REL_MAX : value;
	if (!gui_input_event_ok(ev->type, ev->code, value))
		return false;
	*out = (struct gui_input_event){ .type = ev->type, .code = ev->code, .value = value };
	return true;
}

void inputfwd_stream_reset(struct inputfwd_stream *s)
{
	memset(s, 0, sizeof(*s));
}

/* Events were lost: what is batched goes, and so does the rest of the
 * report. */
static void lost(struct inputfwd_stream *s)
{
	s->n = 0;
	s->in_report = false;
	s->dropping = true;
}

/* The batch to dom0; once it has it, the keys it holds are what the
 * batch left them (a repeat changes nothing, as in dom0's table). */
static void flush(struct inputfwd_stream *s, const struct inputfwd_sink *sink)
{
	if (s->n == 0)
		return;
	if (!sink->send(sink->ctx, s->batch, s->n)) {
		lost(s);
		return;
	}
	for (uint32_t i = 0; i < s->n; i++)
		if (s->batch[i].type == EV_KEY && s->batch[i].value != 2)
			set_bit(s->held, s->batch[i].code, s->batch[i].value == 1);
	s->n = 0;
}

static void append(struct inputfwd_stream *s, const struct gui_input_event *e,
		   const struct inputfwd_sink *sink)
{
	s->batch[s->n++] = *e;
	if (s->n == GUI_INPUT_BATCH_MAX)
		flush(s, sink);
}

static void push(struct inputfwd_stream *s, const struct gui_input_event *e,
		 const struct inputfwd_sink *sink)
{
	s->in_report = true;
	append(s, e, sink);
}

/* A report ends: sent with its SYN_REPORT, unless nothing of it was. */
static void end_report(struct inputfwd_stream *s, const struct inputfwd_sink *sink)
{
	static const struct gui_input_event syn = { .type = EV_SYN, .code = SYN_REPORT };

	if (!s->in_report)
		return;
	s->in_report = false;
	append(s, &syn, sink);
	flush(s, sink);
}

/* The report that ends a loss: each key dom0 was told of brought to the
 * kernel's state, as one report.  A batch lost on the way makes it wait
 * for the next report again. */
static void resync(struct inputfwd_stream *s, const struct inputfwd_sink *sink)
{
	unsigned long now[INPUTFWD_LONGS(KEY_CNT)];

	if (!sink->keys(sink->ctx, now))
		memset(now, 0, sizeof(now));
	s->dropping = false;
	for (unsigned code = 1; code <= KEY_MAX && !s->dropping; code++) {
		if (bit(now, code) == bit(s->held, code))
			continue;
		struct gui_input_event e = { .type = EV_KEY, .code = (uint16_t)code,
					     .value = bit(now, code) };
		push(s, &e, sink);
	}
	if (!s->dropping)
		end_report(s, sink);
}

void inputfwd_take(struct inputfwd_stream *s, const struct input_event *ev,
		   const struct inputfwd_sink *sink)
{
	struct gui_input_event e;

	if (ev->type == EV_SYN && ev->code == SYN_DROPPED) {
		lost(s);
		return;
	}
	if (s->dropping) {
		if (ev->type == EV_SYN && ev->code == SYN_REPORT)
			resync(s, sink);
		return;
	}
	if (!inputfwd_translate(ev, &e))
		return;
	if (e.type == EV_SYN)
		end_report(s, sink);
	else
		push(s, &e, sink);
}

/* --- the devices ----------------------------------------------------- */

struct device {
	struct inputfwd *f;
	uint32_t id;			/* its index + 1 */
	int fd;				/* -1: none */
	/* dom0 was not told this id's device went (the GONE was not sent):
	 * the id is not given again on this channel until it is. */
	bool gone_unsaid;
	dev_t node_dev;			/* its node's: each node opened once */
	ino_t node_ino;
	char node[INPUT_NAME_MAX];	/* "event3" */
	enum gui_input_kind kind;
	char name[GUI_INPUT_NAME_MAX + 1];
	bool announced;			/* on this channel */
	bool failing;			/* a send failed: said once */
	struct inputfwd_stream stream;
};

struct inputfwd {
	const char *dir;
	struct gui_client *client;	/* NULL: no channel (or not welcomed yet) */
	bool unsupported;		/* its dom0 speaks a version before 6 */
	struct device dev[GUI_INPUT_DEVICES_MAX];
};

static const char *kind_name(enum gui_input_kind kind)
{
	return kind == GUI_INPUT_KEYBOARD ? "keyboard" : "pointer";
}

/* Told to dom0, when there is a channel.  The stream starts again: dom0
 * holds none of its keys. */
static void announce(struct inputfwd *f, struct device *d)
{
	if (!f->client || f->unsupported || d->announced)
		return;
	int rc = gui_client_input_device(f->client, d->id, d->kind, d->name);
	if (rc == -ENOTSUP) {
		f->unsupported = true;
		log_warn(TAG, "dom0's compositor speaks a GUI protocol before version 6: this "
			 "domain's keyboards and pointers are not forwarded to it (a dom0 of this "
			 "bulkhead's version takes them)");
		return;
	}
	if (rc < 0) {
		if (!d->failing)
			log_warn(TAG, "%s/%s: cannot tell dom0 of it (%s): its events are thrown "
				 "away until it can", f->dir, d->node, strerror(-rc));
		d->failing = true;
		return;
	}
	d->failing = false;
	d->announced = true;
	inputfwd_stream_reset(&d->stream);
	log_event(TAG, "input-announced", "id=%u kind=%s", d->id, kind_name(d->kind));
}

/* dom0 told that D's id is gone (it releases the keys D held there):
 * whether it was, or never knew of D. */
static bool say_gone(struct inputfwd *f, struct device *d)
{
	if (!d->announced && !d->gone_unsaid)
		return true;
	/* Either means a channel (inputfwd_down clears both). */
	int rc = gui_client_input_device(f->client, d->id, GUI_INPUT_GONE, NULL);
	d->announced = false;
	d->gone_unsaid = rc < 0;
	return rc == 0;
}

static void close_device(struct inputfwd *f, struct device *d, const char *why)
{
	log_info(TAG, "%s/%s (%s): %s", f->dir, d->node, d->name, why);
	log_event(TAG, "input-gone", "id=%u", d->id);
	if (!say_gone(f, d))
		log_warn(TAG, "cannot tell dom0 that %s/%s went: its id %u is not given again "
			 "until the channel is new", f->dir, d->node, d->id);
	close(d->fd);
	d->fd = -1;
	inputfwd_stream_reset(&d->stream);
}

/* A free id: a device's whose GONE was not said is one once it is. */
static struct device *free_slot(struct inputfwd *f)
{
	for (size_t i = 0; i < GUI_INPUT_DEVICES_MAX; i++)
		if (f->dev[i].fd < 0 && !f->dev[i].gone_unsaid)
			return &f->dev[i];
	for (size_t i = 0; i < GUI_INPUT_DEVICES_MAX; i++)
		if (f->dev[i].fd < 0 && say_gone(f, &f->dev[i]))
			return &f->dev[i];
	return NULL;
}

static bool is_open(const struct inputfwd *f, const struct stat *st)
{
	for (size_t i = 0; i < GUI_INPUT_DEVICES_MAX; i++)
		if (f->dev[i].fd >= 0 && f->dev[i].node_dev == st->st_dev &&
		    f->dev[i].node_ino == st->st_ino)
			return true;
	return false;
}

/* What FD can send; false (errno) when it is no event device. */
static bool read_caps(int fd, struct inputfwd_caps *caps)
{
	struct input_id id;
	memset(caps, 0, sizeof(*caps));
	if (ioctl(fd, EVIOCGID, &id) < 0)
		return false;
	caps->bustype = id.bustype;
	return ioctl(fd, EVIOCGBIT(0, sizeof(caps->ev)), caps->ev) >= 0 &&
	       ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(caps->key)), caps->key) >= 0 &&
	       ioctl(fd, EVIOCGBIT(EV_REL, sizeof(caps->rel)), caps->rel) >= 0;
}

/* FD, the node NAME of the directory: kept (grabbed, given an id) when it
 * is a keyboard or a pointer; whether it was. */
static bool adopt(struct inputfwd *f, const char *name, int fd)
{
	struct inputfwd_caps caps;
	struct stat st;
	char dev_name[GUI_INPUT_NAME_MAX + 1] = "";

	if (fstat(fd, &st) < 0 || !read_caps(fd, &caps)) {
		log_warn(TAG, "%s/%s: not an event device (%s); left alone", f->dir, name,
			 strerror(errno));
		return false;
	}
	enum gui_input_kind kind = inputfwd_classify(&caps);
	if (kind == GUI_INPUT_GONE)
		return false;	/* a tablet, a power button, not USB: not forwarded */
	/* At most GUI_INPUT_NAME_MAX bytes, the NUL kept: dom0 takes no more. */
	if (ioctl(fd, EVIOCGNAME(sizeof(dev_name) - 1), dev_name) < 0)
		dev_name[0] = '\0';	/* dom0 shows the kind alone */
	struct device *d = free_slot(f);
	if (!d) {
		log_warn(TAG, "%s/%s (%s): not forwarded: %d keyboards and pointers are "
			 "already (dom0 takes no more of a domain); unplug one first", f->dir, name,
			 dev_name, GUI_INPUT_DEVICES_MAX);
		return false;
	}
	if (ioctl(fd, EVIOCGRAB, 1) < 0) {
		log_warn(TAG, "%s/%s (%s): not forwarded: cannot grab it (%s; something else in "
			 "this domain holds it)", f->dir, name, dev_name, strerror(errno));
		return false;
	}
	d->fd = fd;
	d->node_dev = st.st_dev;
	d->node_ino = st.st_ino;
	str_copy(d->node, name, sizeof(d->node));
	d->kind = kind;
	memcpy(d->name, dev_name, sizeof(d->name));
	d->failing = false;
	inputfwd_stream_reset(&d->stream);
	log_info(TAG, "%s/%s (%s): a %s, forwarded to dom0 as input device %u", f->dir, name,
		 d->name, kind_name(kind), d->id);
	log_event(TAG, "input-device", "id=%u kind=%s node=%s", d->id, kind_name(kind), name);
	announce(f, d);
	return true;
}

/* The node NAME of the directory DIRFD, unless it is open already. */
static void consider(struct inputfwd *f, int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, 0) < 0 || is_open(f, &st))
		return;	/* gone meanwhile, or ours */
	int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		/* Gone again, or its driver not ready: the next scan. */
		if (errno != ENOENT && errno != ENODEV && errno != ENXIO)
			log_warn(TAG, "cannot open %s/%s: %s", f->dir, name, strerror(errno));
		return;
	}
	if (!adopt(f, name, fd))
		close(fd);
}

void inputfwd_scan(struct inputfwd *f)
{
	DIR *dh = opendir(f->dir);

	if (!dh) {
		/* devtmpfs makes the directory with the first input device. */
		if (errno != ENOENT)
			log_warn(TAG, "cannot read %s: %s; keyboards and pointers are not "
				 "forwarded until it can be read", f->dir, strerror(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(dh)))
		if (input_device_name(e->d_name))
			consider(f, dirfd(dh), e->d_name);
	closedir(dh);
}

struct inputfwd *inputfwd_new(const char *dir)
{
	struct inputfwd *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->dir = dir;
	for (size_t i = 0; i < GUI_INPUT_DEVICES_MAX; i++) {
		f->dev[i].f = f;
		f->dev[i].id = (uint32_t)i + 1;
		f->dev[i].fd = -1;
	}
	return f;
}

void inputfwd_free(struct inputfwd *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < GUI_INPUT_DEVICES_MAX; i++)
		if (f->dev[i].fd >= 0)
			close(f->dev[i].fd);
	free(f);
}

void inputfwd_up(struct inputfwd *f, struct gui_client *c)
{
	f->client = c;
	f->unsupported = false;
	for (size_t i = 0; i < GUI_INPUT_DEVICES_MAX; i++)
		if (f->dev[i].fd >= 0)
			announce(f, &f->dev[i]);
}

void inputfwd_down(struct inputfwd *f)
{
	f->client = NULL;
	for (size_t i = 0; i < GUI_INPUT_DEVICES_MAX; i++) {
		struct device *d = &f->dev[i];
		d->announced = false;
		d->gone_unsaid = false;		/* a new channel knows of none */
		d->failing = false;
		inputfwd_stream_reset(&d->stream);
	}
}

static bool send_events(void *ctx, const struct gui_input_event *ev, uint32_t n)
{
	struct device *d = ctx;
	int rc = gui_client_input_events(d->f->client, d->id, ev, n);

	if (rc < 0 && !d->failing)
		log_warn(TAG, "%s/%s: events lost on the way to dom0 (%s); its keys are brought "
			 "back at its next report", d->f->dir, d->node, strerror(-rc));
	d->failing = rc < 0;
	return rc == 0;
}

static bool held_keys(void *ctx, unsigned long *keys)
{
	struct device *d = ctx;
	return ioctl(d->fd, EVIOCGKEY(sizeof(unsigned long) * INPUTFWD_LONGS(KEY_CNT)), keys) >= 0;
}

/* One read of D's events: forwarded when dom0 knows of D, else thrown
 * away; D closed once it is gone. */
static void read_device(struct inputfwd *f, struct device *d)
{
	struct input_event ev[GUI_INPUT_BATCH_MAX];
	const struct inputfwd_sink sink = { .send = send_events, .keys = held_keys, .ctx = d };

	ssize_t n = read(d->fd, ev, sizeof(ev));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_device(f, d, n == 0 || errno == ENODEV ? "gone" : strerror(errno));
		return;
	}
	announce(f, d);		/* again, if it failed before */
	for (size_t i = 0; d->announced && i < (size_t)n / sizeof(ev[0]); i++)
		inputfwd_take(&d->stream, &ev[i], &sink);
}

static size_t fds_fill(void *ctx, struct pollfd *pfd)
{
	struct inputfwd *f = ctx;
	size_t n = 0;

	for (size_t i = 0; i < GUI_INPUT_DEVICES_MAX; i++)
		if (f->dev[i].fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = f->dev[i].fd, .events = POLLIN };
	return n;
}

static void fds_ready(void *ctx, const struct pollfd *pfd, size_t n)
{
	struct inputfwd *f = ctx;

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; pfd[k].revents && i < GUI_INPUT_DEVICES_MAX; i++)
			if (f->dev[i].fd == pfd[k].fd) {
				read_device(f, &f->dev[i]);
				break;
			}
}

struct loop_fdset inputfwd_fdset(struct inputfwd *f)
{
	return (struct loop_fdset){ .max = GUI_INPUT_DEVICES_MAX, .fill = fds_fill,
				    .dispatch = fds_ready, .ctx = f };
}
