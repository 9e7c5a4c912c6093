#include "drm-compositor/client.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

#define TAG "compositor"
#define MIB (1024.0 * 1024.0)

/* Scratch for one message each way: the loop is single-threaded. */
static uint8_t in_buf[GUI_MSG_MAX];

static void damage(struct clients *cs, struct rect r)
{
	if (!rect_empty(r))
		cs->env.damage(cs->env.ctx, r);
}

static bool live(const struct client *c)
{
	return !c->dropping;
}

void client_drop(struct client *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (c->dropping)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warn(TAG, "domain %s: GUI channel dropped: %s", c->name, why);
	log_event(TAG, "gui-dropped", "name=%s reason=%s", c->name, why);
	c->dropping = true;
	c->cs->reap_due = true;
	if (c->cs->env.reap_due)
		c->cs->env.reap_due(c->cs->env.ctx);
}

/* --- what dom0 sends: queued, coalesced, flushed as the channel takes it -- */

struct window *client_window(struct client *c, uint32_t id)
{
	for (struct window *w = c->windows; w; w = w->next)
		if (w->id == id)
			return w;
	return NULL;
}

/* The message queue entry Q stands for; false when it is to be skipped (a
 * CONFIGURE of a window that has gone or was told its size already).
 * Changes nothing: the entry may not go out yet. */
static bool out_msg(struct client *c, const struct client_out *q, struct gui_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = (enum gui_type)q->type;
	m->window = q->window;
	switch (m->type) {
	case GUI_WELCOME:
		m->u.welcome.version = c->version;
		m->u.welcome.max_width = q->a;
		m->u.welcome.max_height = q->b;
		return true;
	case GUI_CONFIGURE: {
		struct window *w = client_window(c, q->window);
		if (!w || !w->configure_queued)
			return false;
		m->u.size.width = w->dw.width;
		m->u.size.height = w->dw.height;
		return true;
	}
	case GUI_MOTION:
		m->u.motion.x = (int32_t)q->a;
		m->u.motion.y = (int32_t)q->b;
		return true;
	case GUI_FOCUS:
		m->u.focus.focused = q->a;
		return true;
	case GUI_AXIS:
		m->u.axis.axis = q->a;
		m->u.axis.steps = (int32_t)q->b;
		return true;
	default:
		/* KEY, BUTTON; CLOSE and MAPPED have no fields. */
		m->u.input.code = q->a;
		m->u.input.value = q->b;
		return true;
	}
}

/* Sends queued messages until the channel takes no more. */
static void flush(struct client *c)
{
	uint8_t buf[64];
	struct gui_msg m;

	while (live(c) && c->qlen) {
		const struct client_out *q = &c->queue[c->qhead];
		if (out_msg(c, q, &m)) {
			size_t len = gui_encode(&m, buf, sizeof(buf));
			int rc = len ? gui_transport_send(c->t, buf, len, -1) : -EINVAL;
			if (rc == -EAGAIN)
				return;	/* it stays first in the queue */
			if (rc < 0) {
				client_drop(c, "cannot send %s: %s", gui_type_name(m.type),
					    strerror(-rc));
				return;
			}
			if (m.type == GUI_CONFIGURE)
				client_window(c, q->window)->configure_queued = false;
		}
		c->qhead = (c->qhead + 1) % GUI_SEND_QUEUE_MAX;
		c->qlen--;
	}
}

static struct client_out *queue_tail(struct client *c)
{
	if (!c->qlen)
		return NULL;
	return &c->queue[(c->qhead + c->qlen - 1) % GUI_SEND_QUEUE_MAX];
}

/* Appends Q; a domain whose queue is full has read nothing for that long
 * and is dropped (only the user's own input and its own windows' sizes
 * fill it: nothing another domain does). */
static void enqueue(struct client *c, const struct client_out *q)
{
	if (!live(c))
		return;
	if (c->qlen == GUI_SEND_QUEUE_MAX) {
		client_drop(c, "it reads nothing: %d messages wait for it", GUI_SEND_QUEUE_MAX);
		return;
	}
	c->queue[(c->qhead + c->qlen) % GUI_SEND_QUEUE_MAX] = *q;
	c->qlen++;
	flush(c);
}

void client_send(struct client *c, const struct gui_msg *m)
{
	struct client_out q = { .type = (uint8_t)m->type, .window = m->window };

	switch (m->type) {
	case GUI_WELCOME:
		q.a = m->u.welcome.max_width;
		q.b = m->u.welcome.max_height;
		break;
	case GUI_MOTION: {
		/* Only where the pointer is now matters, but not past a button
		 * or a key: the latest position replaces one not sent yet at
		 * the queue's tail. */
		struct client_out *t = queue_tail(c);
		q.a = (uint32_t)m->u.motion.x;
		q.b = (uint32_t)m->u.motion.y;
		if (t && t->type == GUI_MOTION && t->window == m->window && live(c)) {
			t->a = q.a;
			t->b = q.b;
			return;
		}
		break;
	}
	case GUI_FOCUS:
		q.a = m->u.focus.focused;
		break;
	case GUI_AXIS: {
		/* Version 2 knows no AXIS.  A turn is at most GUI_AXIS_MAX
		 * steps; steps not sent yet add up, at the queue's tail only,
		 * within that. */
		struct client_out *t = queue_tail(c);
		int32_t steps = m->u.axis.steps < -GUI_AXIS_MAX ? -GUI_AXIS_MAX :
				m->u.axis.steps > GUI_AXIS_MAX	? GUI_AXIS_MAX :
								  m->u.axis.steps;
		int32_t sum = t && t->type == GUI_AXIS && t->window == m->window &&
					      t->a == m->u.axis.axis ?
				      (int32_t)t->b + steps :
				      0;
		if (c->version < 3 || !steps || m->u.axis.axis > 1)
			return;
		if (sum && sum >= -GUI_AXIS_MAX && sum <= GUI_AXIS_MAX && live(c)) {
			t->b = (uint32_t)sum;
			return;
		}
		q.a = m->u.axis.axis;
		q.b = (uint32_t)steps;
		break;
	}
	case GUI_KEY:
	case GUI_BUTTON:
		q.a = m->u.input.code;
		q.b = m->u.input.value;
		break;
	case GUI_CLOSE:
	case GUI_MAPPED:
	case GUI_CLIP_ASK:
		break;
	default:
		/* CONFIGURE goes through client_configure, RUN client_run,
		 * CLIP_PASTE client_clip_paste. */
		log_err(TAG, "domain %s: %s cannot be queued", c->name, gui_type_name(m->type));
		return;
	}
	enqueue(c, &q);
}

void client_configure(struct window *w)
{
	struct client *c = w->client;
	struct client_out q = { .type = GUI_CONFIGURE, .window = w->id };

	if (w->configure_queued)
		return;	/* the queued one will carry the new size */
	w->configure_queued = true;
	enqueue(c, &q);
}

/* --- popups: inside their top-level window, always -------------------- */

struct window *window_root(const struct window *w)
{
	/* Depth was checked at each POPUP: a parent exists when its popup
	 * is made, so there is no loop. */
	while (w && w->popup)
		w = w->parent;
	return (struct window *)w;
}

/* Where popup W's frame goes inside WITHIN, the pixels of its top-level
 * window: false when a parent on the way has gone, or there is no room.
 * At most GUI_POPUP_DEPTH deep. */
static bool popup_place(const struct window *w, struct rect within, struct rect *outer)
{
	struct rect origin = within, po;

	if (!w->parent)
		return false;
	if (w->parent->popup) {
		if (!popup_place(w->parent, within, &po))
			return false;
		origin = popup_content(po);
	}
	struct rect want = { origin.x + w->want.x, origin.y + w->want.y, w->want.w, w->want.h };
	*outer = popup_frame(within, want);
	return !rect_empty(*outer);
}

bool window_on_screen(const struct window *w, struct rect *outer, struct rect *content)
{
	struct window *root = window_root(w);
	struct rect o, within;

	if (!root || !root->placed || root->dw.workspace != root->client->cs->desk->current)
		return false;
	o = root->dw.outer;
	if (w->popup) {
		within = frame_content(root->dw.outer);
		if (!w->map.pixels || !popup_place(w, within, &o))
			return false;
	}
	if (outer)
		*outer = o;
	if (content)
		*content = w->popup ? popup_content(o) : frame_content(o);
	return true;
}

struct window *window_at(struct window *root, int32_t px, int32_t py, int32_t *x, int32_t *y)
{
	struct window *hit = NULL;
	struct rect o, c, hit_c = { 0, 0, 0, 0 };

	for (struct window *w = root->client->windows; w; w = w->next) {
		if ((w != root && window_root(w) != root) || !window_on_screen(w, &o, &c) ||
		    !rect_contains(w == root ? c : o, px, py))
			continue;
		/* Later windows are drawn over earlier ones; a popup's border
		 * is dom0's, and takes nothing. */
		hit = w;
		hit_c = c;
	}
	if (!hit || !rect_contains(hit_c, px, py))
		return NULL;
	*x = px - hit_c.x;
	*y = py - hit_c.y;
	return hit;
}

/* The size popup W gets from its top-level window's size now: told it
 * when it changes.  Nothing while the top-level window has none. */
static void popup_fit(struct window *w)
{
	struct window *root = window_root(w);
	struct rect o;

	if (!root || !root->dw.width ||
	    !popup_place(w, (struct rect){ 0, 0, (int32_t)root->dw.width,
					   (int32_t)root->dw.height }, &o))
		return;
	struct rect c = popup_content(o);
	if (rect_empty(c) || ((uint32_t)c.w == w->dw.width && (uint32_t)c.h == w->dw.height))
		return;
	w->dw.width = (uint32_t)c.w;
	w->dw.height = (uint32_t)c.h;
	client_configure(w);
}

void clients_sink_configure(void *cs, struct desktop_window *dw, uint32_t width,
			    uint32_t height)
{
	struct window *root = dw->owner;

	(void)cs, (void)width, (void)height;	/* the size is W's: dw.width x dw.height */
	client_configure(root);
	for (struct window *w = root->client->windows; w; w = w->next)
		if (w->popup && window_root(w) == root)
			popup_fit(w);
}

void clients_sink_focus(void *cs, struct desktop_window *dw, bool focused)
{
	struct window *w = dw->owner;
	struct gui_msg m = { .type = GUI_FOCUS, .window = w->id };

	(void)cs;
	m.u.focus.focused = focused;
	/* A close the user asked for hands the focus on only while the
	 * window kept it since: not a chance kept for a later moment. */
	if (!focused)
		w->close_asked = false;
	log_event(TAG, "window-focus", "name=%s window=%u focused=%d", w->client->name,
		  (unsigned)w->id, focused);
	client_send(w->client, &m);
}

void clients_sink_key(void *cs, struct desktop_window *dw, uint32_t code, uint32_t value)
{
	struct window *w = dw->owner;
	struct gui_msg m = { .type = GUI_KEY, .window = w->id };

	m.u.input.code = code;
	m.u.input.value = value;
	client_send(w->client, &m);
	((struct clients *)cs)->keys_sent++;
}

/* A message sent at once or not at all (RUN, CLIP_PASTE), never queued:
 * whether C can take it now (it speaks VERSION or later, has read what it
 * was sent before), then the send.  0 or -errno, as client_run(). */
static int at_once_ready(struct client *c, uint32_t version)
{
	if (!live(c) || !c->greeted)
		return -EPIPE;
	if (c->version < version)
		return -ENOTSUP;
	flush(c);
	return c->qlen ? -EAGAIN : 0;
}

static int at_once_send(struct client *c, const uint8_t *buf, size_t len, const char *what)
{
	if (len == 0)
		return -EINVAL;
	int rc = gui_transport_send(c->t, buf, len, -1);
	if (rc < 0 && rc != -EAGAIN)
		client_drop(c, "cannot send %s: %s", what, strerror(-rc));
	return rc;
}

int client_run(struct client *c, const char *command)
{
	uint8_t buf[GUI_HEADER_SIZE + GUI_COMMAND_MAX];
	int rc = at_once_ready(c, GUI_VERSION_MIN);

	if (rc == 0)
		rc = at_once_send(c, buf, gui_encode_run(command, buf, sizeof(buf)), "RUN");
	if (rc == 0) {
		if (c->nruns == GUI_RUNS_KEPT)
			memmove(c->runs[0], c->runs[1], --c->nruns * sizeof(c->runs[0]));
		snprintf(c->runs[c->nruns++], sizeof(c->runs[0]), "%s", command);
	}
	return rc;
}

int client_clip_ask(struct client *c, uint32_t window)
{
	if (!live(c) || !c->greeted)
		return -EPIPE;
	if (c->version < 4)
		return -ENOTSUP;
	if (c->clip_asked)
		return 0;	/* the answer to the one out is the answer */
	c->clip_asked = true;
	client_send(c, &(struct gui_msg){ .type = GUI_CLIP_ASK, .window = window });
	return 0;
}

int client_clip_paste(struct client *c, uint32_t window, const uint8_t *data, size_t len)
{
	static uint8_t buf[GUI_HEADER_SIZE + GUI_CLIPBOARD_MAX];
	int rc = at_once_ready(c, 4);

	if (rc)
		return rc;
	size_t n = gui_encode_clip(GUI_CLIP_PASTE, window, 0, data, len, buf, sizeof(buf));
	rc = at_once_send(c, buf, n, "CLIP_PASTE");
	explicit_bzero(buf, n);
	return rc;
}

/* CLIP_DATA: only as the answer to the one CLIP_ASK out. */
static void on_clip_data(struct client *c, const struct gui_msg *m)
{
	if (c->version < 4 || !c->clip_asked) {
		client_drop(c, "CLIP_DATA it was not asked for");
		return;
	}
	c->clip_asked = false;
	if (c->cs->env.clipboard)
		c->cs->env.clipboard(c->cs->env.ctx, c, (enum gui_clip_status)m->u.clip.status,
				     m->u.clip.data, m->u.clip.len);
}

/* A command it was asked to run failed: an EXITED names one of the last
 * RUNs sent, once, so that what it says in dom0's bar is only ever the
 * user's own command and its status. */
static void on_exited(struct client *c, const struct gui_msg *m)
{
	unsigned i = 0;
	while (i < c->nruns && strcmp(c->runs[i], m->u.exited.command) != 0)
		i++;
	if (c->version < 5 || i == c->nruns) {
		client_drop(c, "EXITED for no command it was asked to run");
		return;
	}
	memmove(c->runs[i], c->runs[i + 1], (--c->nruns - i) * sizeof(c->runs[0]));
	if (c->cs->env.exited)
		c->cs->env.exited(c->cs->env.ctx, c, m->u.exited.status, m->u.exited.command);
}

/* --- layout budget: how many windows a domain may place, and when ------- */

/* Tops up C's budget for the time since it was last topped up. */
static void refill(struct client *c, uint64_t now)
{
	uint64_t full = (uint64_t)GUI_LAYOUT_BURST * 1000;
	uint64_t gained = (now - c->layout_at_ms) * GUI_LAYOUT_PER_SEC;
	uint64_t have = c->layout_milli + gained;

	c->layout_milli = (uint32_t)(have > full ? full : have);
	c->layout_at_ms = now;
}

/* Puts W on the desktop: it re-tiles W's workspace, whose windows get
 * CONFIGUREs (queued, coalesced: never a drop of theirs). */
static void place(struct client *c, struct window *w)
{
	struct clients *cs = c->cs;
	bool focus = cs->env.wants_focus(cs->env.ctx, c);

	if (desktop_add(cs->desk, &w->dw, focus) < 0) {
		client_drop(c, "the desktop is full (%d windows)", DESKTOP_WINDOWS_MAX);
		return;
	}
	w->placed = true;
	log_event(TAG, "window-new", "name=%s window=%u focused=%d", c->name, (unsigned)w->id,
		  focus);
}

/* Places C's waiting windows, oldest first, as far as its budget goes. */
static void place_waiting(struct client *c)
{
	refill(c, c->cs->now_ms);
	for (struct window *w = c->windows; w && live(c); w = w->next) {
		if (w->placed || w->popup)
			continue;
		if (c->layout_milli < 1000)
			return;
		c->layout_milli -= 1000;
		place(c, w);
	}
}

/* --- mapped bytes -------------------------------------------------------- */

/* The live client, other than BUT, holding the most; NULL if none. */
static struct client *largest_holder(struct clients *cs, const struct client *but)
{
	struct client *big = NULL;
	for (struct client *c = cs->list; c; c = c->next)
		if (live(c) && c != but && (!big || c->mapped > big->mapped))
			big = c;
	return big;
}

/* What the domains with a channel map (a dropped one's buffers are
 * unmapped at the reap, at the end of this turn), and their fair share of
 * the budget of all: an equal part each. */
static uint64_t live_mapped(const struct clients *cs, uint64_t *fair)
{
	uint64_t n = 0, bytes = 0;
	for (const struct client *c = cs->list; c; c = c->next) {
		n += live(c);
		bytes += live(c) ? c->mapped : 0;
	}
	*fair = GUI_MAPPED_TOTAL_MAX / (n ? n : 1);
	return bytes;
}

/* Whether W's buffer may become BYTES (replacing what it maps now).  A
 * domain over its own budget is dropped.  When all domains together would
 * be over theirs, a domain that would hold more than its fair share is
 * refused (dropped): it asks for more when there is no more; one within
 * its fair share takes the room from the domain holding the most, which
 * holds more than its share (the others together hold more than theirs).
 * So no domain within its fair share is ever dropped for what others
 * hold, whatever they do.  False when C is dropped. */
static bool within_budget(struct client *c, const struct window *w, uint64_t bytes)
{
	struct clients *cs = c->cs;
	uint64_t mine = c->mapped - w->map.size + bytes;

	if (mine > GUI_MAPPED_DOMAIN_MAX) {
		client_drop(c, "window %u: a %.1f MiB BUFFER would make its buffers %.1f MiB, over "
			       "the budget of %u MiB a domain", w->id, bytes / MIB, mine / MIB,
			    (unsigned)(GUI_MAPPED_DOMAIN_MAX >> 20));
		return false;
	}
	uint64_t fair, total = live_mapped(cs, &fair) - w->map.size + bytes;
	if (total <= GUI_MAPPED_TOTAL_MAX)
		return true;
	struct client *big = largest_holder(cs, c);
	if (mine > fair || !big) {
		client_drop(c, "window %u: a %.1f MiB BUFFER would make its buffers %.1f MiB, more "
			       "than its fair share (%.1f MiB) of dom0's budget of %u MiB, which is "
			       "spent", w->id, bytes / MIB, mine / MIB, fair / MIB,
			    (unsigned)(GUI_MAPPED_TOTAL_MAX >> 20));
		return false;
	}
	/* Until the reap at the end of the turn unmaps BIG's buffers, dom0
	 * maps them and this one: over by what BIG holds, at most. */
	client_drop(big, "dom0's budget of %u MiB for mapped buffers is spent, this domain holds "
			 "the most (%.1f MiB, its fair share %.1f MiB), and domain %s asks for "
			 "room within its share", (unsigned)(GUI_MAPPED_TOTAL_MAX >> 20),
		    big->mapped / MIB, fair / MIB, c->name);
	return true;
}

static void unmap(struct client *c, struct window *w)
{
	c->mapped -= w->map.size;
	c->cs->mapped -= w->map.size;
	c->t->ops->unmap(c->t, &w->map);
}

/* --- what a domain sends: checked here, against our state ---------------- */

static void on_hello(struct client *c, const struct gui_msg *m)
{
	struct gui_msg w = { .type = GUI_WELCOME };

	c->greeted = true;
	c->version = m->u.hello.version;
	w.u.welcome.max_width = GUI_WIDTH_MAX;
	w.u.welcome.max_height = GUI_HEIGHT_MAX;
	client_send(c, &w);
	if (c->cs->env.greeted)
		c->cs->env.greeted(c->cs->env.ctx, c);
}

/* A new window of C's, last in its list (drawn over the ones before);
 * NULL when C is dropped for it. */
static struct window *new_window(struct client *c, const struct gui_msg *m)
{
	if (client_window(c, m->window)) {
		client_drop(c, "%s of window %u, which exists", gui_type_name(m->type), m->window);
		return NULL;
	}
	if (c->nwindows >= GUI_WINDOWS_MAX) {
		client_drop(c, "more than %d windows", GUI_WINDOWS_MAX);
		return NULL;
	}
	struct window *w = calloc(1, sizeof(*w));
	if (!w) {
		client_drop(c, "out of memory for a window");
		return NULL;
	}
	w->client = c;
	w->id = m->window;
	w->dw.owner = w;
	w->dw.domain = c;
	struct window **tail = &c->windows;
	while (*tail)
		tail = &(*tail)->next;
	*tail = w;
	c->nwindows++;
	return w;
}

static void on_create(struct client *c, const struct gui_msg *m)
{
	if (new_window(c, m))
		place_waiting(c);
}

/* How many popups deep W is below its top-level window. */
static unsigned popup_depth(const struct window *w)
{
	unsigned n = 0;
	for (; w && w->popup; w = w->parent)
		n++;
	return n;
}

static void on_popup(struct client *c, const struct gui_msg *m)
{
	struct window *parent = client_window(c, m->u.popup.parent);

	if (c->version < 3) {
		client_drop(c, "POPUP in protocol version %u (popups came in version 3)",
			    c->version);
		return;
	}
	if (!parent) {
		client_drop(c, "POPUP %u of window %u, which does not exist", m->window,
			    m->u.popup.parent);
		return;
	}
	if (popup_depth(parent) >= GUI_POPUP_DEPTH) {
		client_drop(c, "POPUP %u deeper than %d popups", m->window, GUI_POPUP_DEPTH);
		return;
	}
	struct window *w = new_window(c, m);
	if (!w)
		return;
	w->popup = true;
	w->parent = parent;
	w->want = (struct rect){ m->u.popup.x, m->u.popup.y, (int32_t)m->u.popup.width,
				 (int32_t)m->u.popup.height };
	popup_fit(w);
	log_event(TAG, "popup-new", "name=%s window=%u parent=%u width=%u height=%u", c->name,
		  (unsigned)w->id, (unsigned)parent->id, w->dw.width, w->dw.height);
}

static void on_buffer(struct client *c, struct window *w, const struct gui_msg *m, int fd)
{
	struct gui_mapping map = { 0 };
	const char *why = "";
	uint64_t bytes = ((uint64_t)m->u.buffer.stride * m->u.buffer.height + GUI_PAGE_SIZE - 1) /
			 GUI_PAGE_SIZE * GUI_PAGE_SIZE;

	if (!within_budget(c, w, bytes))
		return;
	int rc = c->t->ops->map_buffer(c->t, m, fd, &map, &why);
	if (rc < 0) {
		client_drop(c, "window %u: %s", w->id, why);
		return;
	}
	unmap(c, w);
	w->map = map;
	c->mapped += map.size;
	c->cs->mapped += map.size;
	w->buf_width = m->u.buffer.width;
	w->buf_height = m->u.buffer.height;
	w->stride = m->u.buffer.stride;
	struct rect outer;
	if (window_on_screen(w, &outer, NULL))
		damage(c->cs, outer);
	/* Mapped: the domain may now take back the buffers it replaced. */
	struct gui_msg done = { .type = GUI_MAPPED, .window = w->id };
	client_send(c, &done);
}

static void on_damage(struct client *c, struct window *w, const struct gui_msg *m)
{
	c->cs->damages++;
	if (!w->map.pixels) {
		client_drop(c, "window %u: DAMAGE before any BUFFER", w->id);
		return;
	}
	if (m->u.rect.x + m->u.rect.width > w->buf_width ||
	    m->u.rect.y + m->u.rect.height > w->buf_height) {
		client_drop(c, "window %u: DAMAGE %ux%u+%u+%u outside its %ux%u buffer", w->id,
			    m->u.rect.width, m->u.rect.height, m->u.rect.x, m->u.rect.y,
			    w->buf_width, w->buf_height);
		return;
	}
	struct rect content;
	if (!window_on_screen(w, NULL, &content))
		return;
	struct rect r = { content.x + (int32_t)m->u.rect.x, content.y + (int32_t)m->u.rect.y,
			  (int32_t)m->u.rect.width, (int32_t)m->u.rect.height };
	damage(c->cs, rect_intersect(r, content));
}

/* Unlinks W from C, unmaps its pixels and takes it off the desktop (which
 * may queue CONFIGUREs for the windows that stay), then frees it. */
static void free_window(struct client *c, struct window *w)
{
	struct rect within;

	/* A popup's going uncovers its top-level window's pixels. */
	if (w->popup && window_on_screen(window_root(w), NULL, &within))
		damage(c->cs, within);
	for (struct window **p = &c->windows; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	/* Its popups are shown no more, and wait for their DESTROY. */
	for (struct window *o = c->windows; o; o = o->next)
		if (o->parent == w)
			o->parent = NULL;
	c->nwindows--;
	unmap(c, w);
	if (w->placed)
		desktop_remove(c->cs->desk, &w->dw, w->close_asked);
	free(w);
}

/* One decoded message; FD came with it (ours to close, or to map). */
/* --- a USB domain's keyboards and pointers (proxyinput.h) ---------------- */

/* Every 10 s at most, the log says how many events were over the budget. */
#define PROXY_SAY_EVERY_MS 10000

/* Whether C may send INPUT_DEVICE or INPUT_EVENTS at all; else dropped. */
static bool input_may(struct client *c, const struct gui_msg *m)
{
	const struct clients_env *env = &c->cs->env;
	if (c->version < 6) {
		client_drop(c, "%s in protocol version %u (keyboards and pointers came in version 6)",
			    gui_type_name(m->type), c->version);
		return false;
	}
	if (!env->input || !env->input_allowed || !env->input_allowed(env->ctx, c)) {
		client_drop(c, "%s from a domain not of class usb: only a USB domain forwards "
			       "keyboards and pointers", gui_type_name(m->type));
		return false;
	}
	return true;
}

static void on_input_device(struct client *c, const struct gui_msg *m)
{
	const struct clients_env *env = &c->cs->env;
	const char *why = "?";
	uint32_t id = m->u.input_device.id;
	const char *kind = m->u.input_device.kind == GUI_INPUT_KEYBOARD ? "keyboard" : "pointer";

	if (!input_may(c, m))
		return;
	switch (proxy_device_msg(&c->proxy, m, c->cs->now_ms, env->input, &why)) {
	case PROXY_OK:
		break;
	case PROXY_ASK:
		log_info(TAG, "domain %s: a new %s, \"%s\" (its device %u): asking the user", c->name,
			 kind, m->u.input_device.name, id);
		if (env->input_ask)
			env->input_ask(env->ctx, c, id, (enum gui_input_kind)m->u.input_device.kind,
				       m->u.input_device.name);
		break;
	case PROXY_UNASKED:
		log_warn(TAG, "domain %s: a new %s, \"%s\" (its device %u), ignored unasked: it "
			      "announced more than %d at once, then one every %d s; announced again "
			      "later, it is asked about", c->name, kind, m->u.input_device.name, id,
			 PROXY_ASKS_BURST, PROXY_ASK_EVERY_MS / 1000);
		break;
	case PROXY_GONE:
		log_info(TAG, "domain %s: its device %u went", c->name, id);
		if (env->input_gone)
			env->input_gone(env->ctx, c, id);
		break;
	case PROXY_MALFORMED:
		client_drop(c, "%s", why);
		break;
	}
}

static void on_input_events(struct client *c, const struct gui_msg *m)
{
	const char *why = "?";
	if (input_may(c, m) && proxy_events_msg(&c->proxy, m, c->cs->now_ms, c->cs->env.input,
						&why) == PROXY_MALFORMED)
		client_drop(c, "%s", why);
}

bool client_input_answer(struct client *c, uint32_t id, bool accept)
{
	return live(c) && proxy_answer(&c->proxy, id, accept);
}

/* What C's devices sent over their budget, said at most every
 * PROXY_SAY_EVERY_MS. */
static void say_dropped_input(struct client *c)
{
	if (!c->proxy.dropped || c->cs->now_ms < c->proxy_said_ms + PROXY_SAY_EVERY_MS)
		return;
	c->proxy_said_ms = c->cs->now_ms;
	log_warn(TAG, "domain %s: %u events of its keyboards and pointers dropped: more than "
		      "%d a second", c->name, proxy_take_dropped(&c->proxy), PROXY_EVENTS_PER_S);
}

static void handle_message(struct client *c, const struct gui_msg *m, int fd)
{
	if (!c->greeted) {
		if (m->type != GUI_HELLO)
			client_drop(c, "%s before HELLO", gui_type_name(m->type));
		else
			on_hello(c, m);
		return;
	}
	/* The messages of no window (or of one they make). */
	switch (m->type) {
	case GUI_HELLO:
		client_drop(c, "a second HELLO");
		return;
	case GUI_CREATE:
		on_create(c, m);
		return;
	case GUI_POPUP:
		on_popup(c, m);
		return;
	case GUI_CLIP_DATA:
		on_clip_data(c, m);
		return;
	case GUI_EXITED:
		on_exited(c, m);
		return;
	case GUI_INPUT_DEVICE:
		on_input_device(c, m);
		return;
	case GUI_INPUT_EVENTS:
		on_input_events(c, m);
		return;
	default:
		break;
	}
	struct window *w = client_window(c, m->window);
	if (!w) {
		client_drop(c, "%s for window %u, which does not exist", gui_type_name(m->type),
			    m->window);
		return;
	}
	switch (m->type) {
	case GUI_TITLE:
		memcpy(w->title, m->u.title.text, sizeof(w->title));
		if (w->placed)
			damage(c->cs, frame_title(w->dw.outer));
		break;
	case GUI_BUFFER:
		on_buffer(c, w, m, fd);
		break;
	case GUI_DAMAGE:
		on_damage(c, w, m);
		break;
	case GUI_DESTROY:
		free_window(c, w);
		break;
	default:
		client_drop(c, "unexpected %s", gui_type_name(m->type));
		break;
	}
}

/* Reads one message and handles it: false when there is none waiting or
 * the client is dropped. */
static bool serve_one(struct client *c)
{
	int fd = -1;
	const char *why = "?";
	struct gui_msg m;
	ssize_t n = gui_transport_recv(c->t, in_buf, sizeof(in_buf), &fd);

	if (n == -EAGAIN)
		return false;
	if (n <= 0) {
		client_drop(c, "%s", n == 0 ? "the domain closed it" :
				     n == -EPROTO ? "a truncated message or stray fds" :
						    strerror((int)-n));
		return false;
	}
	c->received++;
	long len = gui_decode(in_buf, (size_t)n, GUI_FROM_CLIENT, &m, &why);
	if (len != n) {
		client_drop(c, "malformed message: %s", len == 0 ? "cut short" : why);
	} else if (fd >= 0 && m.type != GUI_BUFFER) {
		client_drop(c, "an fd with %s", gui_type_name(m.type));
	} else {
		handle_message(c, &m, fd);
	}
	if (fd >= 0)
		close(fd);
	return live(c);
}

void client_io(struct client *c, bool woken)
{
	if (!live(c))
		return;
	if (woken)
		c->t->ops->woken(c->t);
	flush(c);
	for (int i = 0; i < GUI_MSGS_PER_TURN && serve_one(c); i++)
		;
}

bool client_has_input(const struct client *c)
{
	return live(c) && c->t->ops->has_input(c->t);
}

int client_fd(const struct client *c)
{
	return c->t->fd;
}

short client_poll_events(const struct client *c)
{
	return c->t->ops->poll_events(c->t, c->qlen > 0);
}

/* --- the loop's side ------------------------------------------------------ */

void clients_init(struct clients *cs, struct desktop *desk, const struct clients_env *env,
		  uint64_t now_ms)
{
	memset(cs, 0, sizeof(*cs));
	cs->desk = desk;
	cs->env = *env;
	cs->now_ms = now_ms;
}

struct client *client_new(struct clients *cs, struct gui_transport *t, const char *name,
			  void *owner, int domid)
{
	struct client *c = calloc(1, sizeof(*c));

	if (!c) {
		gui_transport_close(t);
		return NULL;
	}
	c->cs = cs;
	c->t = t;
	c->name = name;
	c->owner = owner;
	c->domid = domid;
	c->layout_milli = GUI_LAYOUT_BURST * 1000;
	c->layout_at_ms = cs->now_ms;
	c->next = cs->list;
	cs->list = c;
	return c;
}

void clients_tick(struct clients *cs, uint64_t now_ms)
{
	cs->now_ms = now_ms;
	for (struct client *c = cs->list; c; c = c->next)
		if (live(c)) {
			place_waiting(c);
			say_dropped_input(c);
		}
}

uint64_t clients_next_tick(const struct clients *cs)
{
	uint64_t next = UINT64_MAX;

	for (const struct client *c = cs->list; c; c = c->next) {
		bool waiting = false;
		for (const struct window *w = c->windows; w; w = w->next)
			waiting = waiting || (!w->placed && !w->popup);
		if (!live(c) || !waiting)
			continue;
		uint32_t missing = c->layout_milli >= 1000 ? 0 : 1000 - c->layout_milli;
		uint64_t at = c->layout_at_ms + (missing + GUI_LAYOUT_PER_SEC - 1) / GUI_LAYOUT_PER_SEC;
		next = at < next ? at : next;
	}
	return next;
}

static void free_client(struct client *c)
{
	struct clients *cs = c->cs;

	while (c->windows)
		free_window(c, c->windows);
	/* No key of its devices stays down in dom0 (here, in the loop: the
	 * sink reaches the desktop and the other domains). */
	if (cs->env.input)
		proxy_release_all(&c->proxy, cs->env.input);
	cs->env.gone(cs->env.ctx, c);
	gui_transport_close(c->t);
	free(c);
}

void clients_reap(struct clients *cs)
{
	/* Freeing a client re-tiles, which queues CONFIGUREs for others,
	 * which may drop one of them: until none is left. */
	while (cs->reap_due) {
		cs->reap_due = false;
		for (struct client **p = &cs->list; *p;) {
			struct client *c = *p;
			if (!c->dropping) {
				p = &c->next;
				continue;
			}
			*p = c->next;
			free_client(c);
		}
	}
}
