/*
 * ws_xdg.c - xdg-shell in the agent's compositor: each toplevel one window
 * of dom0's, sized by dom0 (its wishes to move, resize, maximize or go
 * fullscreen ignored); a popup dismissed as it comes until dom0 can show
 * it inside its parent; xdg-decoration answering "server side" always
 * (dom0 draws every frame).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <wayland-server-protocol.h>

#include "xdg-decoration-unstable-v1-server-protocol.h"
#include "xdg-shell-server-protocol.h"

#include "guest/wayland_impl.h"
#include "lib/log.h"
#include "lib/util.h"

#define TAG "agent"
#define XDG_WM_BASE_VERSION 2

struct surface *ws_toplevel_surface(struct toplevel *t)
{
	return t->xs ? t->xs->surface : NULL;
}

/* --- dom0's windows ------------------------------------------------------ */

static size_t windows_held(const struct wayland *wl)
{
	const struct toplevel *t;
	size_t n = 0;

	wl_list_for_each(t, &wl->toplevels, link)
		n += t->win != NULL;
	return n;
}

void ws_window_for(struct toplevel *t)
{
	if (!t->wl->gui || t->win)
		return;
	/* dom0 drops a domain that has more than GUI_WINDOWS_MAX windows, all
	 * of them: a program that makes too many gets none beyond these. */
	if (windows_held(t->wl) >= WAYLAND_WINDOWS_MAX) {
		log_warn(TAG, "no window for \"%s\": %d toplevels have windows already", t->title,
			 WAYLAND_WINDOWS_MAX);
		return;
	}
	t->win = gui_window_new(t->wl->gui, 640, 480, t->title[0] ? t->title : "wayland");
	if (!t->win)
		log_warn(TAG, "no window for \"%s\": %s", t->title, strerror(errno));
	t->width = t->height = 0;
}

/* The size and states dom0 decided, as xdg-shell says them. */
void ws_send_configure(struct toplevel *t)
{
	struct wl_array states;

	if (!t->xs)
		return;
	wl_array_init(&states);
	uint32_t *s = t->activated ? wl_array_add(&states, sizeof(*s)) : NULL;
	if (s)
		*s = XDG_TOPLEVEL_STATE_ACTIVATED;
	xdg_toplevel_send_configure(t->res, (int32_t)t->width, (int32_t)t->height, &states);
	wl_array_release(&states);
	xdg_surface_send_configure(t->xs->res, wl_display_next_serial(t->wl->display));
}

/* --- xdg_toplevel --------------------------------------------------------- */

static void toplevel_title(struct wl_client *client, struct wl_resource *res, const char *title)
{
	struct toplevel *t = wl_resource_get_user_data(res);
	(void)client;
	str_copy(t->title, title, sizeof(t->title));
	if (t->win)
		gui_window_set_title(t->win, t->title);
}

static void toplevel_string(struct wl_client *client, struct wl_resource *res, const char *s)
{
	(void)client, (void)res, (void)s;
}

static void toplevel_parent(struct wl_client *client, struct wl_resource *res,
			    struct wl_resource *parent)
{
	(void)client, (void)res, (void)parent;
}

/* Moving, resizing, a window menu: dom0 tiles, and these are ignored. */
static void toplevel_seat_serial(struct wl_client *client, struct wl_resource *res,
				 struct wl_resource *seat, uint32_t serial)
{
	(void)client, (void)res, (void)seat, (void)serial;
}

static void toplevel_menu(struct wl_client *client, struct wl_resource *res,
			  struct wl_resource *seat, uint32_t serial, int32_t x, int32_t y)
{
	(void)client, (void)res, (void)seat, (void)serial, (void)x, (void)y;
}

static void toplevel_resize(struct wl_client *client, struct wl_resource *res,
			    struct wl_resource *seat, uint32_t serial, uint32_t edges)
{
	(void)client, (void)res, (void)seat, (void)serial, (void)edges;
}

static void toplevel_size(struct wl_client *client, struct wl_resource *res, int32_t w, int32_t h)
{
	(void)client, (void)res, (void)w, (void)h;
}

static void toplevel_wish(struct wl_client *client, struct wl_resource *res)
{
	(void)client, (void)res;
}

static void toplevel_fullscreen(struct wl_client *client, struct wl_resource *res,
				struct wl_resource *output)
{
	(void)client, (void)res, (void)output;
}

static const struct xdg_toplevel_interface toplevel_impl = {
	.destroy = ws_destroy_resource,
	.set_parent = toplevel_parent,
	.set_title = toplevel_title,
	.set_app_id = toplevel_string,
	.show_window_menu = toplevel_menu,
	.move = toplevel_seat_serial,
	.resize = toplevel_resize,
	.set_max_size = toplevel_size,
	.set_min_size = toplevel_size,
	.set_maximized = toplevel_wish,
	.unset_maximized = toplevel_wish,
	.set_fullscreen = toplevel_fullscreen,
	.unset_fullscreen = toplevel_wish,
	.set_minimized = toplevel_wish,
};

static void toplevel_gone(struct wl_resource *res)
{
	struct toplevel *t = wl_resource_get_user_data(res);
	struct wayland *wl = t->wl;

	if (wl->focused == t)
		wl->focused = NULL;
	if (wl->pointed == t)
		wl->pointed = NULL;
	if (t->win)
		gui_window_destroy(t->win);
	if (t->xs)
		t->xs->toplevel = NULL;
	wl_list_remove(&t->link);
	free(t);
}

/* --- xdg_surface, xdg_popup, xdg_positioner ------------------------------- */

static void popup_grab(struct wl_client *client, struct wl_resource *res,
		       struct wl_resource *seat, uint32_t serial)
{
	(void)client, (void)res, (void)seat, (void)serial;
}

static const struct xdg_popup_interface popup_impl = {
	.destroy = ws_destroy_resource, .grab = popup_grab,
};

static void get_toplevel(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	struct xsurface *xs = wl_resource_get_user_data(res);
	struct wl_resource *r;

	if (xs->toplevel || !xs->surface) {
		wl_resource_post_error(res, XDG_SURFACE_ERROR_ALREADY_CONSTRUCTED,
				       "this xdg_surface has a role already or no surface");
		return;
	}
	struct toplevel *t = ws_object(client, sizeof(*t), &xdg_toplevel_interface,
				       wl_resource_get_version(res), id, &toplevel_impl,
				       toplevel_gone, &r);
	if (!t)
		return;
	t->res = r;
	t->wl = xs->surface->wl;
	t->xs = xs;
	xs->toplevel = t;
	wl_list_insert(&t->wl->toplevels, &t->link);
}

/* Until dom0 can show a popup inside its parent (issue 20's next step), a
 * popup is dismissed as it comes: the client carries on without it. */
static void get_popup(struct wl_client *client, struct wl_resource *res, uint32_t id,
		      struct wl_resource *parent, struct wl_resource *positioner)
{
	struct wl_resource *p = ws_resource(client, &xdg_popup_interface,
					wl_resource_get_version(res), id, &popup_impl, NULL, NULL);
	(void)parent, (void)positioner;
	if (!p)
		return;
	xdg_popup_send_popup_done(p);
}

static void xsurface_geometry(struct wl_client *client, struct wl_resource *res, int32_t x,
			      int32_t y, int32_t w, int32_t h)
{
	struct xsurface *xs = wl_resource_get_user_data(res);
	(void)client;
	if (w <= 0 || h <= 0) {
		wl_resource_post_error(res, XDG_SURFACE_ERROR_INVALID_SIZE,
				       "window geometry of %dx%d", w, h);
		return;
	}
	/* Its size is dom0's to decide; where it starts is the client's. */
	xs->pending_geo_x = x;
	xs->pending_geo_y = y;
}

static void xsurface_ack(struct wl_client *client, struct wl_resource *res, uint32_t serial)
{
	(void)client, (void)res, (void)serial;
}

static const struct xdg_surface_interface xsurface_impl = {
	.destroy = ws_destroy_resource,
	.get_toplevel = get_toplevel,
	.get_popup = get_popup,
	.set_window_geometry = xsurface_geometry,
	.ack_configure = xsurface_ack,
};

static void xsurface_gone(struct wl_resource *res)
{
	struct xsurface *xs = wl_resource_get_user_data(res);
	if (xs->surface)
		xs->surface->role = NULL;
	if (xs->toplevel)
		xs->toplevel->xs = NULL;
	free(xs);
}

static void positioner_int2(struct wl_client *client, struct wl_resource *res, int32_t a,
			    int32_t b)
{
	(void)client, (void)res, (void)a, (void)b;
}

static void positioner_rect(struct wl_client *client, struct wl_resource *res, int32_t x,
			    int32_t y, int32_t w, int32_t h)
{
	(void)client, (void)res, (void)x, (void)y, (void)w, (void)h;
}

static void positioner_uint(struct wl_client *client, struct wl_resource *res, uint32_t v)
{
	(void)client, (void)res, (void)v;
}

static const struct xdg_positioner_interface positioner_impl = {
	.destroy = ws_destroy_resource,
	.set_size = positioner_int2,
	.set_anchor_rect = positioner_rect,
	.set_anchor = positioner_uint,
	.set_gravity = positioner_uint,
	.set_constraint_adjustment = positioner_uint,
	.set_offset = positioner_int2,
};

/* --- xdg_wm_base ---------------------------------------------------------- */

static void create_positioner(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	struct wl_resource *p = ws_resource(client, &xdg_positioner_interface,
					wl_resource_get_version(res), id, &positioner_impl, NULL, NULL);
	if (!p)
		return;
}

static void get_xdg_surface(struct wl_client *client, struct wl_resource *res, uint32_t id,
			    struct wl_resource *surface)
{
	struct surface *s = wl_resource_get_user_data(surface);
	struct wl_resource *r;

	if (s->role || s->sub) {
		wl_resource_post_error(res, XDG_WM_BASE_ERROR_ROLE, "the surface has a role");
		return;
	}
	struct xsurface *xs = ws_object(client, sizeof(*xs), &xdg_surface_interface,
					wl_resource_get_version(res), id, &xsurface_impl,
					xsurface_gone, &r);
	if (!xs)
		return;
	xs->res = r;
	xs->surface = s;
	s->role = xs;
}

static void wm_pong(struct wl_client *client, struct wl_resource *res, uint32_t serial)
{
	(void)client, (void)res, (void)serial;
}

static const struct xdg_wm_base_interface wm_base_impl = {
	.destroy = ws_destroy_resource,
	.create_positioner = create_positioner,
	.get_xdg_surface = get_xdg_surface,
	.pong = wm_pong,
};

static void bind_wm_base(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = ws_resource(client, &xdg_wm_base_interface,
					(int)version, id, &wm_base_impl, data, NULL);
	if (!res)
		return;
}


void ws_toplevel_committed(struct toplevel *t)
{
	/* The initial commit: xdg-shell's first configure answers it. */
	t->committed = true;
	ws_window_for(t);
	ws_send_configure(t);
}

/* --- xdg-decoration: dom0 draws every frame ------------------------------- */

static void decoration_mode(struct wl_client *client, struct wl_resource *res, uint32_t mode)
{
	(void)client, (void)mode;
	zxdg_toplevel_decoration_v1_send_configure(res,
						   ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
}

static void decoration_unset(struct wl_client *client, struct wl_resource *res)
{
	decoration_mode(client, res, ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
}

static const struct zxdg_toplevel_decoration_v1_interface decoration_impl = {
	.destroy = ws_destroy_resource, .set_mode = decoration_mode, .unset_mode = decoration_unset,
};

static void get_decoration(struct wl_client *client, struct wl_resource *res, uint32_t id,
			   struct wl_resource *toplevel)
{
	struct wl_resource *d = ws_resource(client, &zxdg_toplevel_decoration_v1_interface,
					wl_resource_get_version(res), id, &decoration_impl, NULL, NULL);
	(void)toplevel;
	if (!d)
		return;
	decoration_unset(client, d);
}

static const struct zxdg_decoration_manager_v1_interface decoration_manager_impl = {
	.destroy = ws_destroy_resource, .get_toplevel_decoration = get_decoration,
};

static void bind_decoration(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = ws_resource(client, &zxdg_decoration_manager_v1_interface,
					(int)version, id, &decoration_manager_impl, data, NULL);
	if (!res)
		return;
}

bool ws_xdg_globals(struct wayland *wl)
{
	return wl_global_create(wl->display, &xdg_wm_base_interface, XDG_WM_BASE_VERSION, wl,
				bind_wm_base) &&
	       wl_global_create(wl->display, &zxdg_decoration_manager_v1_interface, 1, wl,
				bind_decoration);
}
