/*
 * ws_xdg.c - xdg-shell in the agent's compositor: each toplevel one window
 * of dom0's, sized by dom0 (its wishes to move, resize, maximize or go
 * fullscreen ignored); each popup one of dom0's popups, placed by its
 * positioner inside its toplevel's window (guest/positioner.h) and
 * dismissed when the user clicks elsewhere or the toplevel loses the
 * keyboard; xdg-decoration answering "server side" always (dom0 draws
 * every frame).
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

struct surface *ws_window_surface(struct xwindow *t)
{
	return t->xs ? t->xs->surface : NULL;
}

struct xwindow *ws_root(struct xwindow *w)
{
	while (w && w->popup)
		w = w->parent;
	return w;
}

/* Whether W is ANCESTOR's popup, or its popup's, and so on. */
static bool descends(const struct xwindow *w, const struct xwindow *ancestor)
{
	for (w = w->parent; w; w = w->popup ? w->parent : NULL)
		if (w == ancestor)
			return true;
	return false;
}

void ws_popup_done(struct xwindow *w)
{
	if (w->done)
		return;
	w->done = true;
	if (w->win)
		gui_window_destroy(w->win);
	w->win = NULL;
	if (w->res)
		xdg_popup_send_popup_done(w->res);
}

void ws_dismiss_popups(struct xwindow *root)
{
	struct xwindow *w;

	/* Newest first: a popup's own popups before it. */
	wl_list_for_each(w, &root->wl->windows, link)
		if (w->popup && descends(w, root))
			ws_popup_done(w);
	ws_keyboard_retarget(root->wl);
}

/* --- dom0's windows ------------------------------------------------------ */

static size_t windows_held(const struct wayland *wl)
{
	const struct xwindow *t;
	size_t n = 0;

	wl_list_for_each(t, &wl->windows, link)
		n += t->win != NULL;
	return n;
}

/* A popup's window, inside its parent's; none (it is dismissed) when the
 * parent has none. */
static void popup_window(struct xwindow *t)
{
	if (t->done || !t->parent || !t->parent->win) {
		ws_popup_done(t);
		return;
	}
	t->win = gui_popup_new(t->parent->win, t->x, t->y, (uint32_t)t->want_w,
			       (uint32_t)t->want_h);
	if (!t->win) {
		log_warn(TAG, "no popup window: %s", strerror(errno));
		ws_popup_done(t);
	}
}

void ws_window_for(struct xwindow *t)
{
	if (!t->wl->gui || t->win || t->done)
		return;
	t->width = t->height = 0;
	/* dom0 drops a domain that has more than GUI_WINDOWS_MAX windows, all
	 * of them: a program that makes too many gets none beyond these. */
	if (windows_held(t->wl) >= WAYLAND_WINDOWS_MAX) {
		log_warn(TAG, "no window for \"%s\": %d windows are shown already", t->title,
			 WAYLAND_WINDOWS_MAX);
		if (t->popup)
			ws_popup_done(t);
		return;
	}
	if (t->popup) {
		popup_window(t);
		return;
	}
	t->win = gui_window_new(t->wl->gui, 640, 480, t->title[0] ? t->title : "wayland");
	if (!t->win)
		log_warn(TAG, "no window for \"%s\": %s", t->title, strerror(errno));
}

/* The size and states dom0 decided, as xdg-shell says them. */
void ws_send_configure(struct xwindow *t)
{
	struct wl_array states;

	if (!t->xs || t->done)
		return;
	if (t->x11) {
		ws_x11_configure(t);
		return;
	}
	if (t->popup) {
		/* A popup is configured once dom0 has given it its size. */
		if (!t->width)
			return;
		xdg_popup_send_configure(t->res, t->x, t->y, (int32_t)t->width,
					 (int32_t)t->height);
		xdg_surface_send_configure(t->xs->res, wl_display_next_serial(t->wl->display));
		return;
	}
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
	struct xwindow *t = wl_resource_get_user_data(res);
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

/* Its popups are dismissed (and forget it), its window goes after
 * theirs. */
void ws_window_destroy(struct xwindow *t)
{
	struct wayland *wl = t->wl;
	struct xwindow *o;

	if (t->commits)
		log_event(TAG, "window-stats", "window=%u commits=%llu copied_px=%llu "
			  "window_px=%llu", t->win ? gui_window_id(t->win) : 0,
			  (unsigned long long)t->commits,
			  (unsigned long long)t->copied_px,
			  (unsigned long long)t->width * t->height);

	wl_list_for_each(o, &wl->windows, link)
		if (o->popup && descends(o, t))
			ws_popup_done(o);
	wl_list_for_each(o, &wl->windows, link)
		if (o->parent == t)
			o->parent = NULL;
	if (wl->focused == t)
		wl->focused = NULL;
	if (wl->pointed == t)
		wl->pointed = NULL;
	if (wl->kb_window == t)
		ws_keyboard_leave(wl);
	if (t->win)
		gui_window_destroy(t->win);
	if (t->xs)
		t->xs->window = NULL;
	wl_list_remove(&t->link);
	free(t);
	ws_keyboard_retarget(wl);
}

static void xwindow_gone(struct wl_resource *res)
{
	ws_window_destroy(wl_resource_get_user_data(res));
}

/* --- xdg_popup, xdg_positioner -------------------------------------------- */

/* A grab is the client's wish for the keys while its menu is open: kept
 * while its toplevel has the keyboard, refused (dismissed) otherwise. */
static void popup_grab(struct wl_client *client, struct wl_resource *res,
		       struct wl_resource *seat, uint32_t serial)
{
	struct xwindow *t = wl_resource_get_user_data(res);

	(void)client, (void)seat, (void)serial;
	if (t->done)
		return;
	if (!t->wl->focused || ws_root(t) != t->wl->focused) {
		ws_popup_done(t);
		return;
	}
	t->grab = true;
	ws_keyboard_retarget(t->wl);
}

static const struct xdg_popup_interface popup_impl = {
	.destroy = ws_destroy_resource, .grab = popup_grab,
};

static struct positioner *positioner_of(struct wl_resource *res)
{
	return wl_resource_get_user_data(res);
}

static bool coord_ok(int32_t v)
{
	return v >= -POS_COORD_MAX && v <= POS_COORD_MAX;
}

static void positioner_size(struct wl_client *client, struct wl_resource *res, int32_t w,
			    int32_t h)
{
	(void)client;
	if (w < 1 || h < 1 || w > GUI_WIDTH_MAX || h > GUI_HEIGHT_MAX) {
		wl_resource_post_error(res, XDG_POSITIONER_ERROR_INVALID_INPUT,
				       "popup size %dx%d outside 1..%d x 1..%d", w, h, GUI_WIDTH_MAX,
				       GUI_HEIGHT_MAX);
		return;
	}
	positioner_of(res)->w = w;
	positioner_of(res)->h = h;
}

static void positioner_anchor_rect(struct wl_client *client, struct wl_resource *res, int32_t x,
				   int32_t y, int32_t w, int32_t h)
{
	(void)client;
	if (!coord_ok(x) || !coord_ok(y) || w < 0 || h < 0 || w > POS_COORD_MAX ||
	    h > POS_COORD_MAX) {
		wl_resource_post_error(res, XDG_POSITIONER_ERROR_INVALID_INPUT,
				       "anchor rectangle %dx%d+%d+%d", w, h, x, y);
		return;
	}
	positioner_of(res)->anchor = (struct box){ x, y, w, h };
}

static void positioner_edge(struct wl_resource *res, uint32_t *field, uint32_t v)
{
	if (v > POS_EDGE_LAST) {
		wl_resource_post_error(res, XDG_POSITIONER_ERROR_INVALID_INPUT,
				       "anchor or gravity %u", v);
		return;
	}
	*field = v;
}

static void positioner_anchor(struct wl_client *client, struct wl_resource *res, uint32_t v)
{
	(void)client;
	positioner_edge(res, &positioner_of(res)->anchor_edge, v);
}

static void positioner_gravity(struct wl_client *client, struct wl_resource *res, uint32_t v)
{
	(void)client;
	positioner_edge(res, &positioner_of(res)->gravity, v);
}

static void positioner_adjust(struct wl_client *client, struct wl_resource *res, uint32_t v)
{
	(void)client;
	positioner_of(res)->adjust = v;
}

static void positioner_offset(struct wl_client *client, struct wl_resource *res, int32_t x,
			      int32_t y)
{
	(void)client;
	if (!coord_ok(x) || !coord_ok(y)) {
		wl_resource_post_error(res, XDG_POSITIONER_ERROR_INVALID_INPUT, "offset %d,%d", x,
				       y);
		return;
	}
	positioner_of(res)->dx = x;
	positioner_of(res)->dy = y;
}

static const struct xdg_positioner_interface positioner_impl = {
	.destroy = ws_destroy_resource,
	.set_size = positioner_size,
	.set_anchor_rect = positioner_anchor_rect,
	.set_anchor = positioner_anchor,
	.set_gravity = positioner_gravity,
	.set_constraint_adjustment = positioner_adjust,
	.set_offset = positioner_offset,
};

static void positioner_gone(struct wl_resource *res)
{
	free(positioner_of(res));
}

/* Where popup T goes by P, in its parent's window: inside its toplevel's
 * window less the border dom0 draws round a popup. */
static void popup_place(struct xwindow *t, const struct positioner *p)
{
	struct xwindow *root = ws_root(t);
	int32_t px = 0, py = 0;

	for (struct xwindow *a = t->parent; a && a->popup; a = a->parent) {
		px += a->x;
		py += a->y;
	}
	struct box bounds = { GUI_POPUP_BORDER - px, GUI_POPUP_BORDER - py,
			      (int32_t)root->width - 2 * GUI_POPUP_BORDER,
			      (int32_t)root->height - 2 * GUI_POPUP_BORDER };
	struct box b = positioner_place(p, bounds);
	t->x = b.x;
	t->y = b.y;
	t->want_w = b.w;
	t->want_h = b.h;
}

static unsigned popup_depth(const struct xwindow *w)
{
	unsigned n = 0;
	for (; w && w->popup; w = w->parent)
		n++;
	return n;
}

/* Whether xdg_surface RES may take a role (it has none, and a surface):
 * else the client is told. */
static bool role_free(struct wl_resource *res)
{
	struct xsurface *xs = wl_resource_get_user_data(res);

	if (!xs->window && xs->surface)
		return true;
	wl_resource_post_error(res, XDG_SURFACE_ERROR_ALREADY_CONSTRUCTED,
			       "this xdg_surface has a role already or no surface");
	return false;
}

/* The xwindow of xdg_surface RES's new role ID, of IFACE with IMPL, in
 * the display's list; NULL when out of memory (the client is told). */
static struct xwindow *new_xwindow(struct wl_client *client, struct wl_resource *res,
				   uint32_t id, const struct wl_interface *iface, const void *impl)
{
	struct xsurface *xs = wl_resource_get_user_data(res);
	struct wl_resource *r;
	struct xwindow *t = ws_object(client, sizeof(*t), iface, wl_resource_get_version(res),
				      id, impl, xwindow_gone, &r);

	if (!t)
		return NULL;
	t->res = r;
	t->wl = xs->surface->wl;
	t->xs = xs;
	xs->window = t;
	wl_list_insert(&t->wl->windows, &t->link);
	return t;
}

static void get_toplevel(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	if (role_free(res))
		new_xwindow(client, res, id, &xdg_toplevel_interface, &toplevel_impl);
}

/* A popup of a toplevel's or a popup's, placed now by its positioner; its
 * window comes at its first commit. */
static void get_popup(struct wl_client *client, struct wl_resource *res, uint32_t id,
		      struct wl_resource *parent, struct wl_resource *positioner)
{
	struct xsurface *pxs = parent ? wl_resource_get_user_data(parent) : NULL;
	const struct positioner *p = positioner_of(positioner);

	if (!role_free(res))
		return;
	if (!pxs || !pxs->window || !ws_root(pxs->window) ||
	    popup_depth(pxs->window) >= GUI_POPUP_DEPTH) {
		wl_resource_post_error(res, XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
				       "a popup's parent is a toplevel or a popup, at most %d deep",
				       GUI_POPUP_DEPTH);
		return;
	}
	if (!p->w || p->anchor.w < 0) {
		wl_resource_post_error(res, XDG_WM_BASE_ERROR_INVALID_POSITIONER,
				       "the positioner has no size or no anchor rectangle");
		return;
	}
	struct xwindow *t = new_xwindow(client, res, id, &xdg_popup_interface, &popup_impl);
	if (!t)
		return;
	t->popup = true;
	t->parent = pxs->window;
	popup_place(t, p);
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
	if (xs->window)
		xs->window->xs = NULL;
	free(xs);
}

/* --- xdg_wm_base ---------------------------------------------------------- */

static void create_positioner(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	struct wl_resource *r;
	struct positioner *p = ws_object(client, sizeof(*p), &xdg_positioner_interface,
					 wl_resource_get_version(res), id, &positioner_impl,
					 positioner_gone, &r);
	if (p)
		p->anchor.w = -1;	/* not set yet */
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


void ws_window_committed(struct xwindow *t)
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
