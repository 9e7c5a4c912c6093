#include "gui/guiclient.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

struct gui_window {
	struct gui_client *client;
	struct gui_window *next;
	uint32_t id;
	uint32_t width, height, stride;
	struct gui_mapping map;		/* the buffer drawn into: the last one sent */
	/* A CONFIGURE not acted on yet: GUI_BUFFERS_IN_FLIGHT of this window's
	 * buffers wait for dom0's MAPPED. */
	bool deferred;
	uint32_t want_width, want_height;
};

/* A buffer sent in a BUFFER that dom0 has not said MAPPED for: until it
 * does, the buffer may not be taken back, even once replaced or its
 * window destroyed (dom0 would then map a grant that is gone, and drop
 * the channel). */
struct gui_sent {
	struct gui_sent *next;		/* in the order sent */
	uint32_t window;
	struct gui_mapping map;
	bool current;			/* still its window's buffer: kept at MAPPED */
};

struct gui_client {
	struct gui_transport *t;
	struct gui_window *windows;
	struct gui_sent *sent;
	bool welcomed;
	uint32_t version;		/* WELCOME's */
	uint32_t next_id;
	uint8_t buf[GUI_MSG_MAX];
	uint32_t grants[GUI_GRANTS_MAX];
};

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int send_msg(struct gui_client *c, const struct gui_msg *m)
{
	uint8_t buf[64];
	size_t len = gui_encode(m, buf, sizeof(buf));
	if (len == 0)
		return -EINVAL;
	return gui_transport_send(c->t, buf, len, -1);
}

/* Reads and decodes one message from dom0: 1, 0 (none waiting) or -errno. */
static int read_msg(struct gui_client *c, struct gui_msg *m, char *err, size_t errlen)
{
	int fd = -1;
	const char *why = NULL;
	ssize_t n = gui_transport_recv(c->t, c->buf, sizeof(c->buf), &fd);

	if (fd >= 0)
		close(fd);
	if (n == -EAGAIN)
		return 0;
	if (n == 0) {
		say(err, errlen, "dom0 closed the GUI channel");
		return -EPIPE;
	}
	if (n < 0) {
		say(err, errlen, "GUI channel: %s", strerror((int)-n));
		return (int)n;
	}
	if (fd >= 0 || gui_decode(c->buf, (size_t)n, GUI_FROM_DOM0, m, &why) != n) {
		say(err, errlen, "bad message from dom0: %s", why ? why : "unexpected fd");
		return -EPROTO;
	}
	return 1;
}

struct gui_client *gui_client_start(struct gui_transport *t, char *err, size_t errlen)
{
	struct gui_msg m = { .type = GUI_HELLO, .u.hello.version = GUI_VERSION };
	struct gui_client *c = calloc(1, sizeof(*c));

	if (!c) {
		say(err, errlen, "out of memory");
		gui_transport_close(t);
		return NULL;
	}
	c->t = t;
	c->next_id = 1;
	int rc = send_msg(c, &m);
	if (rc < 0) {
		say(err, errlen, "cannot say HELLO: %s", strerror(-rc));
		gui_client_free(c);
		return NULL;
	}
	return c;
}

/* WELCOME is the answer to HELLO and nothing else: first, and once. */
static int welcome(struct gui_client *c, const struct gui_msg *m, char *err, size_t errlen)
{
	if (c->welcomed || m->type != GUI_WELCOME) {
		say(err, errlen, "dom0 sent %s %s", gui_type_name(m->type),
		    c->welcomed ? "after WELCOME" : "before WELCOME");
		return -EPROTO;
	}
	c->welcomed = true;
	c->version = m->u.welcome.version;
	return 0;
}

struct gui_client *gui_client_new(struct gui_transport *t, int timeout_ms, char *err,
				  size_t errlen)
{
	struct gui_msg m;
	struct gui_client *c = gui_client_start(t, err, errlen);
	int rc;

	if (!c)
		return NULL;
	/* A wake-up may carry no message yet (vchan: dom0 connecting). */
	uint64_t deadline = monotonic_ms() + (uint64_t)timeout_ms;
	for (;;) {
		struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
		uint64_t now = monotonic_ms();
		if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) <= 0) {
			say(err, errlen, "no WELCOME from dom0 within %d ms", timeout_ms);
			goto fail;
		}
		t->ops->woken(t);
		rc = read_msg(c, &m, err, errlen);
		if (rc < 0)
			goto fail;
		if (rc > 0)
			break;
	}
	if (welcome(c, &m, err, errlen) < 0)
		goto fail;
	return c;
fail:
	gui_client_free(c);
	return NULL;
}

bool gui_client_welcomed(const struct gui_client *c)
{
	return c->welcomed;
}

void gui_client_free(struct gui_client *c)
{
	if (!c)
		return;
	while (c->windows)
		gui_window_destroy(c->windows);
	/* The channel goes: what dom0 maps it keeps until it lets go (the
	 * domain's kernel ends the grants then); what it never mapped it
	 * never will. */
	while (c->sent) {
		struct gui_sent *s = c->sent;
		c->sent = s->next;
		c->t->ops->unmap(c->t, &s->map);
		free(s);
	}
	gui_transport_close(c->t);
	free(c);
}

int gui_client_fd(const struct gui_client *c)
{
	return c->t->fd;
}

static struct gui_window *find_window(struct gui_client *c, uint32_t id)
{
	for (struct gui_window *w = c->windows; w; w = w->next)
		if (w->id == id)
			return w;
	return NULL;
}

static unsigned in_flight(const struct gui_client *c, uint32_t window)
{
	unsigned n = 0;
	for (const struct gui_sent *s = c->sent; s; s = s->next)
		n += s->window == window;
	return n;
}

/* W's buffer is replaced or its window goes: taken back now if dom0 has
 * mapped it, else when dom0 says MAPPED for it. */
static void let_go(struct gui_window *w)
{
	struct gui_client *c = w->client;

	for (struct gui_sent *s = c->sent; s; s = s->next) {
		if (s->window == w->id && s->current) {
			s->current = false;
			w->map = (struct gui_mapping){ 0 };
			return;
		}
	}
	c->t->ops->unmap(c->t, &w->map);
}

/* Remembers MAP, just sent for W in a BUFFER, in S, until dom0 has
 * mapped it. */
static void track(struct gui_window *w, struct gui_sent *s, const struct gui_mapping *map)
{
	struct gui_sent **tail = &w->client->sent;

	s->window = w->id;
	s->map = *map;
	s->current = true;
	while (*tail)
		tail = &(*tail)->next;
	*tail = s;
}

/* A buffer for the size dom0 gave, announced before the old one goes;
 * deferred (1) while GUI_BUFFERS_IN_FLIGHT of W's buffers wait for
 * dom0's MAPPED: made when one comes. */
static int resize(struct gui_window *w, uint32_t width, uint32_t height)
{
	struct gui_client *c = w->client;
	struct gui_mapping map = { 0 };
	uint32_t stride = width * 4, ngrants = 0;
	int fd = -1;
	size_t len;

	w->deferred = false;
	if (width == w->width && height == w->height && w->map.pixels)
		return 0;
	if (in_flight(c, w->id) >= GUI_BUFFERS_IN_FLIGHT) {
		w->deferred = true;
		w->want_width = width;
		w->want_height = height;
		return 1;
	}
	struct gui_sent *sent = calloc(1, sizeof(*sent));
	if (!sent)
		return -ENOMEM;
	int rc = c->t->ops->alloc_buffer(c->t, (size_t)stride * height, &map, &fd, c->grants,
					 &ngrants);
	if (rc < 0) {
		free(sent);
		return rc;
	}
	len = gui_encode_buffer(w->id, width, height, stride, c->grants, ngrants, c->buf,
				sizeof(c->buf));
	rc = len ? gui_transport_send(c->t, c->buf, len, fd) : -EINVAL;
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		c->t->ops->unmap(c->t, &map);
		free(sent);
		return rc;
	}
	let_go(w);
	track(w, sent, &map);
	w->map = map;
	w->width = width;
	w->height = height;
	w->stride = stride;
	/* New memory is black, and dom0 shows it as soon as it has it. */
	return 0;
}

/* dom0 mapped the oldest buffer it was sent for WINDOW: the ones replaced
 * before it may go.  1 with *W set when a CONFIGURE deferred for lack of
 * buffers in flight can be acted on now. */
static int mapped(struct gui_client *c, uint32_t window, struct gui_window **w)
{
	for (struct gui_sent **p = &c->sent; *p; p = &(*p)->next) {
		struct gui_sent *s = *p;
		if (s->window != window)
			continue;
		*p = s->next;
		if (!s->current)
			c->t->ops->unmap(c->t, &s->map);
		free(s);
		break;
	}
	*w = find_window(c, window);
	return *w && (*w)->deferred;
}

int gui_client_next_event(struct gui_client *c, struct gui_event *ev, char *err,
			  size_t errlen)
{
	struct gui_msg m;

	c->t->ops->woken(c->t);
	for (;;) {
		int rc = read_msg(c, &m, err, errlen);
		if (rc <= 0)
			return rc;
		if (!c->welcomed || m.type == GUI_WELCOME) {
			rc = welcome(c, &m, err, errlen);
			if (rc < 0)
				return rc;
			continue;
		}
		if (m.type == GUI_RUN) {
			memset(ev, 0, sizeof(*ev));
			ev->type = GUI_EV_RUN;
			memcpy(ev->command, m.u.run.command, sizeof(ev->command));
			return 1;
		}
		struct gui_window *w;
		/* The clipboard is the domain's: asked and given even for a
		 * window destroyed meanwhile (window NULL), and dom0 waits
		 * for the answer to its ask. */
		if (m.type == GUI_CLIP_ASK || m.type == GUI_CLIP_PASTE) {
			memset(ev, 0, sizeof(*ev));
			ev->type = m.type == GUI_CLIP_ASK ? GUI_EV_CLIP_ASK : GUI_EV_CLIP_PASTE;
			ev->window = find_window(c, m.window);
			ev->data = m.u.clip.data;
			ev->len = m.u.clip.len;
			return 1;
		}
		if (m.type == GUI_MAPPED) {
			if (!mapped(c, m.window, &w))
				continue;
			m.type = GUI_CONFIGURE;	/* the deferred one, now */
			m.u.size.width = w->want_width;
			m.u.size.height = w->want_height;
		}
		w = find_window(c, m.window);
		/* Messages for a window we destroyed while they were on the
		 * way are expected; nothing else is. */
		if (!w)
			continue;
		memset(ev, 0, sizeof(*ev));
		ev->window = w;
		switch (m.type) {
		case GUI_CONFIGURE:
			rc = resize(w, m.u.size.width, m.u.size.height);
			if (rc < 0) {
				say(err, errlen, "cannot make a %ux%u buffer: %s", m.u.size.width,
				    m.u.size.height, strerror(-rc));
				return rc;
			}
			if (rc > 0)
				continue;	/* when dom0 has mapped one */
			ev->type = GUI_EV_CONFIGURE;
			ev->width = m.u.size.width;
			ev->height = m.u.size.height;
			return 1;
		case GUI_FOCUS:
			ev->type = GUI_EV_FOCUS;
			ev->focused = m.u.focus.focused;
			return 1;
		case GUI_KEY:
		case GUI_BUTTON:
			ev->type = m.type == GUI_KEY ? GUI_EV_KEY : GUI_EV_BUTTON;
			ev->code = m.u.input.code;
			ev->value = m.u.input.value;
			return 1;
		case GUI_MOTION:
			ev->type = GUI_EV_MOTION;
			ev->x = m.u.motion.x;
			ev->y = m.u.motion.y;
			return 1;
		case GUI_AXIS:
			ev->type = GUI_EV_AXIS;
			ev->code = m.u.axis.axis;
			ev->steps = m.u.axis.steps;
			return 1;
		case GUI_CLOSE:
			ev->type = GUI_EV_CLOSE;
			return 1;
		default:
			say(err, errlen, "dom0 sent %s", gui_type_name(m.type));
			return -EPROTO;
		}
	}
}

/* A window made by M (CREATE or POPUP, its fields filled but the id),
 * with TITLE unless NULL. */
static struct gui_window *new_window(struct gui_client *c, struct gui_msg *m, const char *title)
{
	struct gui_window *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return NULL;
	w->client = c;
	w->id = c->next_id++;
	m->window = w->id;
	rc = send_msg(c, m);
	if (rc == 0 && title)
		rc = gui_window_set_title(w, title);
	if (rc < 0) {
		free(w);
		errno = -rc;
		return NULL;
	}
	w->next = c->windows;
	c->windows = w;
	return w;
}

struct gui_window *gui_window_new(struct gui_client *c, uint32_t width, uint32_t height,
				  const char *title)
{
	struct gui_msg m = { .type = GUI_CREATE };

	m.u.size.width = width;
	m.u.size.height = height;
	return new_window(c, &m, title);
}

struct gui_window *gui_popup_new(struct gui_window *parent, int32_t x, int32_t y,
				 uint32_t width, uint32_t height)
{
	struct gui_client *c = parent->client;
	struct gui_msg m = { .type = GUI_POPUP };

	if (!c->welcomed || c->version < 3) {
		errno = ENOTSUP;
		return NULL;
	}
	m.u.popup.parent = parent->id;
	m.u.popup.x = x;
	m.u.popup.y = y;
	m.u.popup.width = width;
	m.u.popup.height = height;
	return new_window(c, &m, NULL);
}

int gui_window_set_title(struct gui_window *w, const char *title)
{
	struct gui_client *c = w->client;
	size_t len = gui_encode_title(w->id, title, strlen(title), c->buf, sizeof(c->buf));
	return len ? gui_transport_send(c->t, c->buf, len, -1) : -EINVAL;
}

uint32_t *gui_window_pixels(struct gui_window *w, uint32_t *width, uint32_t *height,
			    uint32_t *stride)
{
	*width = w->width;
	*height = w->height;
	*stride = w->stride;
	return w->map.pixels;
}

int gui_window_damage(struct gui_window *w, uint32_t x, uint32_t y, uint32_t width,
		      uint32_t height)
{
	struct gui_msg m = { .type = GUI_DAMAGE, .window = w->id };

	if (!w->map.pixels || width == 0 || height == 0 || x >= w->width || y >= w->height)
		return -EINVAL;
	m.u.rect.x = x;
	m.u.rect.y = y;
	m.u.rect.width = width < w->width - x ? width : w->width - x;
	m.u.rect.height = height < w->height - y ? height : w->height - y;
	return send_msg(w->client, &m);
}

uint32_t gui_window_id(const struct gui_window *w)
{
	return w->id;
}

void gui_window_destroy(struct gui_window *w)
{
	struct gui_client *c = w->client;
	struct gui_msg m = { .type = GUI_DESTROY, .window = w->id };

	send_msg(c, &m);
	for (struct gui_window **p = &c->windows; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	let_go(w);
	free(w);
}

int gui_client_clip_data(struct gui_client *c, enum gui_clip_status status, const void *data,
			 size_t len)
{
	static uint8_t buf[GUI_HEADER_SIZE + 4 + GUI_CLIPBOARD_MAX];
	size_t n = gui_encode_clip(GUI_CLIP_DATA, 0, status, data,
				   status == GUI_CLIP_TEXT ? len : 0, buf, sizeof(buf));
	if (n == 0)
		return -EINVAL;
	return gui_transport_send(c->t, buf, n, -1);
}

int gui_client_exited(struct gui_client *c, uint32_t status, const char *command)
{
	uint8_t buf[GUI_HEADER_SIZE + 4 + GUI_COMMAND_MAX];
	if (!c->welcomed || c->version < 5)
		return -ENOTSUP;
	size_t n = gui_encode_exited(status, command, buf, sizeof(buf));
	return n ? gui_transport_send(c->t, buf, n, -1) : -EINVAL;
}

int gui_client_input_device(struct gui_client *c, uint32_t id, enum gui_input_kind kind,
			    const char *name)
{
	uint8_t buf[GUI_HEADER_SIZE + 8 + GUI_INPUT_NAME_MAX];
	if (!c->welcomed || c->version < 6)
		return -ENOTSUP;
	if (!name)
		name = "";	/* memcpy's source, even of 0 bytes */
	size_t n = gui_encode_input_device(id, kind, name, strlen(name), buf, sizeof(buf));
	return n ? gui_transport_send(c->t, buf, n, -1) : -EINVAL;
}

int gui_client_input_events(struct gui_client *c, uint32_t id, const struct gui_input_event *ev,
			    uint32_t count)
{
	uint8_t buf[GUI_HEADER_SIZE + 8 + 8 * GUI_INPUT_BATCH_MAX];
	if (!c->welcomed || c->version < 6)
		return -ENOTSUP;
	size_t n = gui_encode_input_events(id, ev, count, buf, sizeof(buf));
	return n ? gui_transport_send(c->t, buf, n, -1) : -EINVAL;
}

int gui_client_send_raw(struct gui_client *c, const void *buf, size_t len, int fd)
{
	return gui_transport_send(c->t, buf, len, fd);
}
