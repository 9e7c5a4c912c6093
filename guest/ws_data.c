/*
 * ws_data.c - the clipboard inside one domain (wl_data_device_manager):
 * a client's selection is offered to the client that has the keyboard, as
 * it gets it, and its bytes go straight from one client to the other over
 * the pipe the receiver gives.  Between domains the clipboard is dom0's:
 * dom0's copy (CLIP_ASK) reads the selection as text through a pipe
 * (wayland_clip_ask), and dom0's paste (CLIP_PASTE) makes the agent's own
 * bytes the selection, offered to the clients as text (wayland_clip_set).
 * Drag and drop is not offered: a drag is cancelled as it starts.
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

#define DATA_DEVICE_MANAGER_VERSION 3
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

struct source {
	struct wl_resource *res;
	struct wayland *wl;
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

/* The devices of the client that has the keyboard are told of the
 * selection (or that there is none). */
static void offer_selection(struct wayland *wl);

static void source_gone(struct wl_resource *res)
{
	struct source *s = wl_resource_get_user_data(res);

	for (size_t i = 0; i < s->nmime; i++)
		free(s->mime[i]);
	if (s->wl->selection == res) {
		s->wl->selection = NULL;
		offer_selection(s->wl);
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
	struct wayland *wl = wl_resource_get_user_data(res);
	(void)client;
	/* The selection now: an older offer's client was told of the new
	 * one, and drops the old offer. */
	if (wl->selection)
		wl_data_source_send_send(wl->selection, mime, fd);
	else if (wl->dom0_clip)
		write_dom0_clip(wl, fd);
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

static void offer_to(struct wayland *wl, struct wl_resource *device)
{
	struct wl_client *client = wl_resource_get_client(device);

	if (!wl->selection && !wl->dom0_clip) {
		wl_data_device_send_selection(device, NULL);
		return;
	}
	struct wl_resource *offer = ws_resource(client, &wl_data_offer_interface,
					wl_resource_get_version(device), 0, &offer_impl, wl, NULL);
	if (!offer)
		return;
	wl_data_device_send_data_offer(device, offer);
	if (wl->selection) {
		struct source *s = wl_resource_get_user_data(wl->selection);
		for (size_t i = 0; i < s->nmime; i++)
			wl_data_offer_send_offer(offer, s->mime[i]);
	} else {
		for (size_t i = 0; text_types[i]; i++)
			wl_data_offer_send_offer(offer, text_types[i]);
	}
	wl_data_device_send_selection(device, offer);
}

static void offer_selection(struct wayland *wl)
{
	struct surface *s = wl->focused ? ws_window_surface(wl->focused) : NULL;
	struct wl_resource *dev;

	if (!s)
		return;
	wl_resource_for_each(dev, &wl->data_devices)
		if (ws_same_client(dev, s))
			offer_to(wl, dev);
}

void ws_data_focus(struct wayland *wl)
{
	offer_selection(wl);
}

/* --- wl_data_device ------------------------------------------------------- */

static void device_drag(struct wl_client *client, struct wl_resource *res,
			struct wl_resource *source, struct wl_resource *origin,
			struct wl_resource *icon, uint32_t serial)
{
	(void)client, (void)res, (void)origin, (void)icon, (void)serial;
	if (source)
		wl_data_source_send_cancelled(source);
}

/* dom0's bytes, no longer the selection. */
static void forget_dom0_clip(struct wayland *wl)
{
	if (wl->dom0_clip)
		explicit_bzero(wl->dom0_clip, wl->dom0_clip_len);
	free(wl->dom0_clip);
	wl->dom0_clip = NULL;
	wl->dom0_clip_len = 0;
}

static void device_selection(struct wl_client *client, struct wl_resource *res,
			     struct wl_resource *source, uint32_t serial)
{
	struct wayland *wl = wl_resource_get_user_data(res);
	(void)client, (void)serial;
	if (wl->selection == source && (source || !wl->dom0_clip))
		return;
	if (wl->selection)
		wl_data_source_send_cancelled(wl->selection);
	forget_dom0_clip(wl);
	wl->selection = source;
	offer_selection(wl);
}

static const struct wl_data_device_interface device_impl = {
	.start_drag = device_drag,
	.set_selection = device_selection,
	.release = ws_destroy_resource,
};

static void device_gone(struct wl_resource *res)
{
	wl_list_remove(wl_resource_get_link(res));
}

/* --- wl_data_device_manager ----------------------------------------------- */

static void create_source(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	struct wl_resource *r;
	struct source *s = ws_object(client, sizeof(*s), &wl_data_source_interface,
				     wl_resource_get_version(res), id, &source_impl, source_gone, &r);
	if (!s)
		return;
	s->res = r;
	s->wl = wl_resource_get_user_data(res);
}

static void get_device(struct wl_client *client, struct wl_resource *res, uint32_t id,
		       struct wl_resource *seat)
{
	struct wayland *wl = wl_resource_get_user_data(res);
	struct wl_resource *dev = ws_resource(client, &wl_data_device_interface,
					wl_resource_get_version(res), id, &device_impl, wl, device_gone);
	(void)seat;
	if (!dev)
		return;
	wl_list_insert(&wl->data_devices, wl_resource_get_link(dev));
}

static const struct wl_data_device_manager_interface manager_impl = {
	.create_data_source = create_source, .get_data_device = get_device,
};

static void bind_manager(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = ws_resource(client, &wl_data_device_manager_interface,
					(int)version, id, &manager_impl, data, NULL);
	if (!res)
		return;
}

bool ws_data_globals(struct wayland *wl)
{
	return wl_global_create(wl->display, &wl_data_device_manager_interface,
				DATA_DEVICE_MANAGER_VERSION, wl, bind_manager);
}

/* --- dom0's copy and paste ------------------------------------------------ */

void wayland_clip_set(struct wayland *wl, const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return;
	memcpy(copy, data, len);
	if (wl->selection)
		wl_data_source_send_cancelled(wl->selection);
	wl->selection = NULL;
	forget_dom0_clip(wl);
	wl->dom0_clip = copy;
	wl->dom0_clip_len = len;
	offer_selection(wl);
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
	const char *type = wl->selection ? text_type_of(wl_resource_get_user_data(wl->selection))
					 : NULL;
	struct wl_event_loop *loop = wl_display_get_event_loop(wl->display);

	if (wl->dom0_clip) {
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
	wl_data_source_send_send(wl->selection, type, p[1]);
	close(p[1]);
}

void ws_data_free(struct wayland *wl)
{
	if (wl->clip_read)
		clip_read_end(wl->clip_read, GUI_CLIP_EMPTY);
	forget_dom0_clip(wl);
}
