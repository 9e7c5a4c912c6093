/*
 * ws_data.c - the selections inside one domain: the clipboard
 * (wl_data_device_manager) and the primary selection (what a program
 * selects with the mouse; zwp_primary_selection_device_manager_v1, which
 * foot and GTK use for middle-click and Shift+Insert).  A client's
 * selection is offered to the client that has the keyboard, as it gets
 * it, and its bytes go straight from one client to the other over the pipe
 * the receiver gives.
 *
 * Between domains the clipboard is dom0's: dom0's copy (CLIP_ASK) reads,
 * as text through a pipe, the selection the domain's programs set last
 * (the user's last copy or mouse selection; wayland_clip_ask), and dom0's
 * paste (CLIP_PASTE) makes the agent's own bytes both selections, offered
 * as text (wayland_clip_set).  Drag and drop is not offered: a drag is
 * cancelled as it starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wayland-server-protocol.h>

#include "guest/wayland_impl.h"
#include "lib/util.h"
#include "primary-selection-unstable-v1-server-protocol.h"

#define DATA_DEVICE_MANAGER_VERSION 3
#define PRIMARY_MANAGER_VERSION 1
/* What one source may offer: mime types and their length. */
#define DATA_MIME_TYPES_MAX 32
#define DATA_MIME_TYPE_LEN 255
/* How long a client may take to hand over its selection for dom0's copy. */
#define CLIP_READ_MS 3000

/* The text types, best first: what dom0's paste offers, and what dom0's
 * copy asks a client's selection for. */
static const char *const text_types[] = {
	"text/plain;charset=utf-8", "UTF8_STRING", "text/plain", "TEXT", "STRING", NULL,
};

/* dom0's copy under way: the selection's bytes coming through a pipe. */
struct clip_read {
	struct wayland *wl;
	int fd;
	struct wl_event_source *readable, *timer;
	size_t len;
	void (*done)(void *ctx, enum gui_clip_status status, const uint8_t *data, size_t len);
	void *ctx;
	uint8_t buf[GUI_CLIPBOARD_MAX + 1];	/* one more: too large */
};

/* What differs between the two selections: their interfaces' events. */
struct sel_ops {
	const struct wl_interface *offer_iface;
	const void *offer_impl;
	void (*send_send)(struct wl_resource *source, const char *mime, int32_t fd);
	void (*send_cancelled)(struct wl_resource *source);
	void (*send_data_offer)(struct wl_resource *device, struct wl_resource *offer);
	void (*send_offer)(struct wl_resource *offer, const char *mime);
	void (*send_selection)(struct wl_resource *device, struct wl_resource *offer);
};

static const struct sel_ops *const ops_of[SEL_KINDS];

struct source {
	struct wl_resource *res;
	struct selection *sel;
	char *mime[DATA_MIME_TYPES_MAX];
	size_t nmime;
};

static void source_offer(struct wl_client *client, struct wl_resource *res, const char *mime)
{
	struct source *s = wl_resource_get_user_data(res);
	(void)client;
	if (s->nmime == DATA_MIME_TYPES_MAX || strlen(mime) > DATA_MIME_TYPE_LEN)
		return;	/* the first ones are offered, the rest not */
	s->mime[s->nmime] = strdup(mime);
	if (s->mime[s->nmime])
		s->nmime++;
}

static void source_actions(struct wl_client *client, struct wl_resource *res, uint32_t actions)
{
	(void)client, (void)res, (void)actions;
}

static const struct wl_data_source_interface source_impl = {
	.offer = source_offer, .destroy = ws_destroy_resource, .set_actions = source_actions,
};

static const struct zwp_primary_selection_source_v1_interface primary_source_impl = {
	.offer = source_offer, .destroy = ws_destroy_resource,
};

/* The devices of the client that has the keyboard are told of SEL (or that
 * there is none). */
static void offer_selection(struct selection *sel);

static void source_gone(struct wl_resource *res)
{
	struct source *s = wl_resource_get_user_data(res);

	for (size_t i = 0; i < s->nmime; i++)
		free(s->mime[i]);
	if (s->sel->source == res) {
		s->sel->source = NULL;
		offer_selection(s->sel);
	}
	free(s);
}

/* --- offers --------------------------------------------------------------- */

/* dom0's bytes into a client's pipe, never waiting on it: a pipe is made
 * large enough to take them at once (a clipboard is at most 64 KiB). */
static void write_dom0_clip(struct wayland *wl, int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return;
	if ((long)wl->dom0_clip_len > fcntl(fd, F_GETPIPE_SZ))
		fcntl(fd, F_SETPIPE_SZ, (int)wl->dom0_clip_len);
	if (!write_all(fd, wl->dom0_clip, wl->dom0_clip_len))
		fprintf(stderr, "agent: a client did not take the clipboard at once (%s): it gets "
				"part of it\n", strerror(errno));
}

static void offer_accept(struct wl_client *client, struct wl_resource *res, uint32_t serial,
			 const char *mime)
{
	(void)client, (void)res, (void)serial, (void)mime;
}

static void offer_receive(struct wl_client *client, struct wl_resource *res, const char *mime,
			  int32_t fd)
{
	struct selection *sel = wl_resource_get_user_data(res);
	(void)client;
	/* The selection now: an older offer's client was told of the new
	 * one, and drops the old offer. */
	if (sel->source)
		ops_of[sel->kind]->send_send(sel->source, mime, fd);
	else if (sel->dom0)
		write_dom0_clip(sel->wl, fd);
	close(fd);
}

static void offer_finish(struct wl_client *client, struct wl_resource *res)
{
	(void)client, (void)res;
}

static void offer_actions(struct wl_client *client, struct wl_resource *res, uint32_t actions,
			  uint32_t preferred)
{
	(void)client, (void)res, (void)actions, (void)preferred;
}

static const struct wl_data_offer_interface offer_impl = {
	.accept = offer_accept,
	.receive = offer_receive,
	.destroy = ws_destroy_resource,
	.finish = offer_finish,
	.set_actions = offer_actions,
};

static const struct zwp_primary_selection_offer_v1_interface primary_offer_impl = {
	.receive = offer_receive, .destroy = ws_destroy_resource,
};

static void offer_to(struct selection *sel, struct wl_resource *device)
{
	const struct sel_ops *o = ops_of[sel->kind];
	struct wl_client *client = wl_resource_get_client(device);

	if (!sel->source && !sel->dom0) {
		o->send_selection(device, NULL);
		return;
	}
	struct wl_resource *offer = ws_resource(client, o->offer_iface,
					wl_resource_get_version(device), 0, o->offer_impl, sel, NULL);
	if (!offer)
		return;
	o->send_data_offer(device, offer);
	if (sel->source) {
		struct source *s = wl_resource_get_user_data(sel->source);
		for (size_t i = 0; i < s->nmime; i++)
			o->send_offer(offer, s->mime[i]);
	} else {
		for (size_t i = 0; text_types[i]; i++)
			o->send_offer(offer, text_types[i]);
	}
	o->send_selection(device, offer);
}

static void offer_selection(struct selection *sel)
{
	struct wayland *wl = sel->wl;
	struct surface *s = wl->focused ? ws_window_surface(wl->focused) : NULL;
	struct wl_resource *dev;

	if (!s)
		return;
	wl_resource_for_each(dev, &sel->devices)
		if (ws_same_client(dev, s))
			offer_to(sel, dev);
}

void ws_data_focus(struct wayland *wl)
{
	for (int k = 0; k < SEL_KINDS; k++)
		offer_selection(&wl->sel[k]);
}

/* --- devices -------------------------------------------------------------- */

/* dom0's bytes, no longer either selection. */
static void forget_dom0_clip(struct wayland *wl)
{
	if (wl->dom0_clip)
		explicit_bzero(wl->dom0_clip, wl->dom0_clip_len);
	free(wl->dom0_clip);
	wl->dom0_clip = NULL;
	wl->dom0_clip_len = 0;
	for (int k = 0; k < SEL_KINDS; k++)
		wl->sel[k].dom0 = false;
}

/* SOURCE (a client's, or NULL) becomes SEL, the one set last. */
static void set_selection(struct selection *sel, struct wl_resource *source)
{
	struct wayland *wl = sel->wl;
	if (sel->source == source && (source || !sel->dom0))
		return;
	if (sel->source)
		ops_of[sel->kind]->send_cancelled(sel->source);
	sel->source = source;
	sel->dom0 = false;
	if (!wl->sel[!sel->kind].dom0)
		forget_dom0_clip(wl);
	wl->last_set = sel->kind;
	offer_selection(sel);
}

static void device_selection(struct wl_client *client, struct wl_resource *res,
			     struct wl_resource *source, uint32_t serial)
{
	(void)client, (void)serial;
	set_selection(wl_resource_get_user_data(res), source);
}

static void device_drag(struct wl_client *client, struct wl_resource *res,
			struct wl_resource *source, struct wl_resource *origin,
			struct wl_resource *icon, uint32_t serial)
{
	(void)client, (void)res, (void)origin, (void)icon, (void)serial;
	if (source)
		wl_data_source_send_cancelled(source);
}

static const struct wl_data_device_interface device_impl = {
	.start_drag = device_drag,
	.set_selection = device_selection,
	.release = ws_destroy_resource,
};

static const struct zwp_primary_selection_device_v1_interface primary_device_impl = {
	.set_selection = device_selection, .destroy = ws_destroy_resource,
};

static void device_gone(struct wl_resource *res)
{
	wl_list_remove(wl_resource_get_link(res));
}

/* --- the managers --------------------------------------------------------- */

static void create_source(struct selection *sel, struct wl_client *client,
			  const struct wl_interface *iface, const void *impl, int version,
			  uint32_t id)
{
	struct wl_resource *r;
	struct source *s = ws_object(client, sizeof(*s), iface, version, id, impl, source_gone, &r);
	if (!s)
		return;
	s->res = r;
	s->sel = sel;
}

static void get_device(struct selection *sel, struct wl_client *client,
		       const struct wl_interface *iface, const void *impl, int version,
		       uint32_t id)
{
	struct wl_resource *dev = ws_resource(client, iface, version, id, impl, sel, device_gone);
	if (dev)
		wl_list_insert(&sel->devices, wl_resource_get_link(dev));
}

static void data_create_source(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	struct wayland *wl = wl_resource_get_user_data(res);
	create_source(&wl->sel[SEL_CLIPBOARD], client, &wl_data_source_interface, &source_impl,
		      wl_resource_get_version(res), id);
}

static void data_get_device(struct wl_client *client, struct wl_resource *res, uint32_t id,
			    struct wl_resource *seat)
{
	struct wayland *wl = wl_resource_get_user_data(res);
	(void)seat;
	get_device(&wl->sel[SEL_CLIPBOARD], client, &wl_data_device_interface, &device_impl,
		   wl_resource_get_version(res), id);
}

static const struct wl_data_device_manager_interface data_manager_impl = {
	.create_data_source = data_create_source, .get_data_device = data_get_device,
};

static void primary_create_source(struct wl_client *client, struct wl_resource *res,
				  uint32_t id)
{
	struct wayland *wl = wl_resource_get_user_data(res);
	create_source(&wl->sel[SEL_PRIMARY], client, &zwp_primary_selection_source_v1_interface,
		      &primary_source_impl, wl_resource_get_version(res), id);
}

static void primary_get_device(struct wl_client *client, struct wl_resource *res, uint32_t id,
			       struct wl_resource *seat)
{
	struct wayland *wl = wl_resource_get_user_data(res);
	(void)seat;
	get_device(&wl->sel[SEL_PRIMARY], client, &zwp_primary_selection_device_v1_interface,
		   &primary_device_impl, wl_resource_get_version(res), id);
}

static const struct zwp_primary_selection_device_manager_v1_interface primary_manager_impl = {
	.create_source = primary_create_source,
	.get_device = primary_get_device,
	.destroy = ws_destroy_resource,
};

static void bind_data_manager(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	ws_resource(client, &wl_data_device_manager_interface, (int)version, id, &data_manager_impl,
		    data, NULL);
}

static void bind_primary_manager(struct wl_client *client, void *data, uint32_t version,
				 uint32_t id)
{
	ws_resource(client, &zwp_primary_selection_device_manager_v1_interface, (int)version, id,
		    &primary_manager_impl, data, NULL);
}

/* --- the two selections' events -------------------------------------------- */

static void data_send_send(struct wl_resource *s, const char *mime, int32_t fd)
{
	wl_data_source_send_send(s, mime, fd);
}

static void primary_send_send(struct wl_resource *s, const char *mime, int32_t fd)
{
	zwp_primary_selection_source_v1_send_send(s, mime, fd);
}

static const struct sel_ops clipboard_ops = {
	.offer_iface = &wl_data_offer_interface,
	.offer_impl = &offer_impl,
	.send_send = data_send_send,
	.send_cancelled = wl_data_source_send_cancelled,
	.send_data_offer = wl_data_device_send_data_offer,
	.send_offer = wl_data_offer_send_offer,
	.send_selection = wl_data_device_send_selection,
};

static const struct sel_ops primary_ops = {
	.offer_iface = &zwp_primary_selection_offer_v1_interface,
	.offer_impl = &primary_offer_impl,
	.send_send = primary_send_send,
	.send_cancelled = zwp_primary_selection_source_v1_send_cancelled,
	.send_data_offer = zwp_primary_selection_device_v1_send_data_offer,
	.send_offer = zwp_primary_selection_offer_v1_send_offer,
	.send_selection = zwp_primary_selection_device_v1_send_selection,
};

static const struct sel_ops *const ops_of[SEL_KINDS] = {
	[SEL_CLIPBOARD] = &clipboard_ops,
	[SEL_PRIMARY] = &primary_ops,
};

bool ws_data_globals(struct wayland *wl)
{
	for (int k = 0; k < SEL_KINDS; k++) {
		wl->sel[k] = (struct selection){ .wl = wl, .kind = (enum sel_kind)k };
		wl_list_init(&wl->sel[k].devices);
	}
	return wl_global_create(wl->display, &wl_data_device_manager_interface,
				DATA_DEVICE_MANAGER_VERSION, wl, bind_data_manager) &&
	       wl_global_create(wl->display, &zwp_primary_selection_device_manager_v1_interface,
				PRIMARY_MANAGER_VERSION, wl, bind_primary_manager);
}

/* --- dom0's copy and paste ------------------------------------------------ */

void wayland_clip_set(struct wayland *wl, const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return;
	memcpy(copy, data, len);
	forget_dom0_clip(wl);
	wl->dom0_clip = copy;
	wl->dom0_clip_len = len;
	for (int k = 0; k < SEL_KINDS; k++) {
		struct selection *sel = &wl->sel[k];
		if (sel->source)
			ops_of[k]->send_cancelled(sel->source);
		sel->source = NULL;
		sel->dom0 = true;
		offer_selection(sel);
	}
}

static void clip_read_end(struct clip_read *r, enum gui_clip_status status)
{
	r->wl->clip_read = NULL;
	wl_event_source_remove(r->readable);
	wl_event_source_remove(r->timer);
	close(r->fd);
	r->done(r->ctx, status, r->buf, status == GUI_CLIP_TEXT ? r->len : 0);
	explicit_bzero(r->buf, r->len);
	free(r);
}

static int clip_readable(int fd, uint32_t mask, void *data)
{
	struct clip_read *r = data;
	(void)mask;
	for (;;) {
		ssize_t n = read(fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			clip_read_end(r, n == 0 ? GUI_CLIP_TEXT : GUI_CLIP_EMPTY);
			return 0;
		}
		r->len += (size_t)n;
		if (r->len > GUI_CLIPBOARD_MAX) {
			clip_read_end(r, GUI_CLIP_TOO_LARGE);
			return 0;
		}
	}
}

static int clip_timeout(void *data)
{
	struct clip_read *r = data;
	fprintf(stderr, "agent: the selection's client gave no end of its text in %d ms: dom0's "
			"copy gets nothing\n", CLIP_READ_MS);
	clip_read_end(r, GUI_CLIP_EMPTY);
	return 0;
}

/* The best text type the client's source offers, or NULL. */
static const char *text_type_of(const struct source *s)
{
	for (size_t t = 0; text_types[t]; t++)
		for (size_t i = 0; i < s->nmime; i++)
			if (strcmp(s->mime[i], text_types[t]) == 0)
				return text_types[t];
	return NULL;
}

void wayland_clip_ask(struct wayland *wl,
		      void (*done)(void *ctx, enum gui_clip_status status, const uint8_t *data,
				   size_t len),
		      void *ctx)
{
	int p[2];
	struct selection *sel = &wl->sel[wl->last_set];
	const char *type = sel->source ? text_type_of(wl_resource_get_user_data(sel->source))
				       : NULL;
	struct wl_event_loop *loop = wl_display_get_event_loop(wl->display);

	if (sel->dom0) {
		done(ctx, GUI_CLIP_TEXT, wl->dom0_clip, wl->dom0_clip_len);
		return;
	}
	/* One read at a time: dom0 has one ask out at a time. */
	if (!type || wl->clip_read) {
		done(ctx, GUI_CLIP_EMPTY, NULL, 0);
		return;
	}
	struct clip_read *r = calloc(1, sizeof(*r));
	if (!r || pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(r);
		done(ctx, GUI_CLIP_EMPTY, NULL, 0);
		return;
	}
	*r = (struct clip_read){ .wl = wl, .fd = p[0], .done = done, .ctx = ctx };
	r->readable = wl_event_loop_add_fd(loop, p[0], WL_EVENT_READABLE, clip_readable, r);
	r->timer = wl_event_loop_add_timer(loop, clip_timeout, r);
	if (!r->readable || !r->timer) {
		if (r->readable)
			wl_event_source_remove(r->readable);
		if (r->timer)
			wl_event_source_remove(r->timer);
		close(p[0]);
		close(p[1]);
		free(r);
		done(ctx, GUI_CLIP_EMPTY, NULL, 0);
		return;
	}
	wl_event_source_timer_update(r->timer, CLIP_READ_MS);
	wl->clip_read = r;
	ops_of[sel->kind]->send_send(sel->source, type, p[1]);
	close(p[1]);
}

void ws_data_free(struct wayland *wl)
{
	if (wl->clip_read)
		clip_read_end(wl->clip_read, GUI_CLIP_EMPTY);
	forget_dom0_clip(wl);
}
