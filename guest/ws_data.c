/*
 * ws_data.c - the clipboard inside one domain (wl_data_device_manager):
 * a client's selection is offered to the client that has the keyboard, as
 * it gets it, and its bytes go straight from one client to the other over
 * the pipe the receiver gives.  Nothing leaves the domain here: the
 * clipboard between domains is dom0's (issue 21).  Drag and drop is not
 * offered: a drag is cancelled as it starts.
 */
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

	if (!wl->selection) {
		wl_data_device_send_selection(device, NULL);
		return;
	}
	struct source *s = wl_resource_get_user_data(wl->selection);
	struct wl_resource *offer = ws_resource(client, &wl_data_offer_interface,
					wl_resource_get_version(device), 0, &offer_impl, wl, NULL);
	if (!offer)
		return;
	wl_data_device_send_data_offer(device, offer);
	for (size_t i = 0; i < s->nmime; i++)
		wl_data_offer_send_offer(offer, s->mime[i]);
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

static void device_selection(struct wl_client *client, struct wl_resource *res,
			     struct wl_resource *source, uint32_t serial)
{
	struct wayland *wl = wl_resource_get_user_data(res);
	(void)client, (void)serial;
	if (wl->selection == source)
		return;
	if (wl->selection)
		wl_data_source_send_cancelled(wl->selection);
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
