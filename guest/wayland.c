/*
 * wayland.c - the agent's Wayland display: its globals, the seat (dom0's
 * keys and pointer to the focused toplevel's client) and the agent's side
 * (wayland.h).  Surfaces are ws_surface.c's, xdg-shell ws_xdg.c's.
 */
#include "guest/wayland.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-server-core.h>
#include <wayland-server-protocol.h>

#include "xdg-shell-server-protocol.h"

#include "guest/wayland_impl.h"
#include "guest/xwayland.h"
#include "lib/log.h"
#include "lib/util.h"

#define TAG "agent"
/* What each global is offered at: the versions whose requests are all
 * handled below. */
#define SEAT_VERSION 5
#define OUTPUT_VERSION 3
#define OUTPUT_REFRESH_MHZ 60000
/* The output's size until dom0 has sized a window larger. */
#define OUTPUT_WIDTH 1280
#define OUTPUT_HEIGHT 800
/* Key repeat is the client's: 25 a second after 600 ms, as most desktops. */
#define REPEAT_RATE 25
#define REPEAT_DELAY_MS 600

struct wl_resource *ws_resource(struct wl_client *client, const struct wl_interface *iface,
				int version, uint32_t id, const void *impl, void *data,
				wl_resource_destroy_func_t destroy)
{
	struct wl_resource *res = wl_resource_create(client, iface, version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	wl_resource_set_implementation(res, impl, data, destroy);
	return res;
}

void *ws_object(struct wl_client *client, size_t size, const struct wl_interface *iface,
		int version, uint32_t id, const void *impl, wl_resource_destroy_func_t destroy,
		struct wl_resource **res)
{
	void *obj = calloc(1, size);
	if (!obj) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	*res = ws_resource(client, iface, version, id, impl, obj, destroy);
	if (!*res) {
		free(obj);
		return NULL;
	}
	return obj;
}

bool ws_same_client(struct wl_resource *res, const struct surface *s)
{
	return wl_resource_get_client(res) == wl_resource_get_client(s->res);
}

void ws_destroy_resource(struct wl_client *client, struct wl_resource *res)
{
	(void)client;
	wl_resource_destroy(res);
}


/* --- wl_seat: dom0's keys and pointer ------------------------------------- */

static void input_gone(struct wl_resource *res)
{
	wl_list_remove(wl_resource_get_link(res));
}

static void pointer_cursor(struct wl_client *client, struct wl_resource *res, uint32_t serial,
			   struct wl_resource *surface, int32_t x, int32_t y)
{
	/* dom0 draws its own pointer. */
	(void)client, (void)res, (void)serial, (void)surface, (void)x, (void)y;
}

static const struct wl_pointer_interface pointer_impl = {
	.set_cursor = pointer_cursor, .release = ws_destroy_resource,
};

static const struct wl_keyboard_interface keyboard_impl = { .release = ws_destroy_resource };

static void keyboard_enter(struct wayland *wl, struct wl_resource *kb, struct xwindow *t)
{
	struct surface *s = ws_window_surface(t);
	struct wl_array keys;

	if (!s || !ws_same_client(kb, s))
		return;
	struct keymap_mods m = keymap_modifiers(wl->keymap);
	uint32_t serial = wl_display_next_serial(wl->display);
	wl_array_init(&keys);
	wl_keyboard_send_enter(kb, serial, s->res, &keys);
	wl_keyboard_send_modifiers(kb, serial, m.depressed, m.latched, m.locked, m.group);
	wl_array_release(&keys);
}

static void get_keyboard(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	struct wayland *wl = wl_resource_get_user_data(res);
	struct wl_resource *kb = ws_resource(client, &wl_keyboard_interface,
					wl_resource_get_version(res), id, &keyboard_impl, wl, input_gone);
	if (!kb)
		return;
	wl_list_insert(&wl->keyboards, wl_resource_get_link(kb));
	wl_keyboard_send_keymap(kb, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, wl->keymap_fd,
				wl->keymap_size);
	if (wl_resource_get_version(kb) >= WL_KEYBOARD_REPEAT_INFO_SINCE_VERSION)
		wl_keyboard_send_repeat_info(kb, REPEAT_RATE, REPEAT_DELAY_MS);
	if (wl->kb_window)
		keyboard_enter(wl, kb, wl->kb_window);
}

static void get_pointer(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	struct wayland *wl = wl_resource_get_user_data(res);
	struct wl_resource *p = ws_resource(client, &wl_pointer_interface,
					wl_resource_get_version(res), id, &pointer_impl, wl, input_gone);
	if (!p)
		return;
	wl_list_insert(&wl->pointers, wl_resource_get_link(p));
}

static void get_touch(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	(void)client, (void)id;
	wl_resource_post_error(res, WL_SEAT_ERROR_MISSING_CAPABILITY, "no touch");
}

static const struct wl_seat_interface seat_impl = {
	.get_pointer = get_pointer,
	.get_keyboard = get_keyboard,
	.get_touch = get_touch,
	.release = ws_destroy_resource,
};

static void bind_seat(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = ws_resource(client, &wl_seat_interface,
					(int)version, id, &seat_impl, data, NULL);
	if (!res)
		return;
	wl_seat_send_capabilities(res, WL_SEAT_CAPABILITY_KEYBOARD | WL_SEAT_CAPABILITY_POINTER);
	if (version >= WL_SEAT_NAME_SINCE_VERSION)
		wl_seat_send_name(res, "seat0");
}

/* --- wl_output: what a client may size itself by ------------------------ */

static const struct wl_output_interface output_impl = { .release = ws_destroy_resource };

/* One output as large as the largest window dom0 has given (dom0 says
 * nothing of its screen), at scale 1. */
static void bind_output(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wayland *wl = data;
	struct wl_resource *res = ws_resource(client, &wl_output_interface, (int)version, id,
					      &output_impl, wl, NULL);
	if (!res)
		return;
	wl_output_send_geometry(res, 0, 0, 0, 0, WL_OUTPUT_SUBPIXEL_UNKNOWN, "bulkhead",
				"dom0's window", WL_OUTPUT_TRANSFORM_NORMAL);
	wl_output_send_mode(res, WL_OUTPUT_MODE_CURRENT, (int32_t)wl->output_width,
			    (int32_t)wl->output_height, OUTPUT_REFRESH_MHZ);
	if (version >= WL_OUTPUT_SCALE_SINCE_VERSION)
		wl_output_send_scale(res, 1);
	if (version >= WL_OUTPUT_DONE_SINCE_VERSION)
		wl_output_send_done(res);
}

/* The keymap's text in a sealed memfd: every keyboard is sent the same. */
static int keymap_fd(struct wayland *wl, const char *layout, char *err, size_t errlen)
{
	wl->keymap = keymap_new(layout);
	char *text = wl->keymap ? keymap_text(wl->keymap) : NULL;
	if (!text) {
		snprintf(err, errlen, "cannot compile the keymap \"%s\"", layout);
		return -1;
	}
	wl->keymap_size = (uint32_t)strlen(text) + 1;
	wl->keymap_fd = memfd_create("keymap", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	bool ok = wl->keymap_fd >= 0 && write_all(wl->keymap_fd, text, wl->keymap_size) &&
		  fcntl(wl->keymap_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
						    F_SEAL_SEAL) == 0;
	free(text);
	if (!ok)
		snprintf(err, errlen, "cannot put the keymap in a memfd: %s", strerror(errno));
	return ok ? 0 : -1;
}

/* --- the agent's side ----------------------------------------------------- */

struct wayland *wayland_new(const char *socket_name, const char *layout, char *err,
			    size_t errlen)
{
	struct wayland *wl = calloc(1, sizeof(*wl));

	if (!wl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	wl->keymap_fd = -1;
	wl_list_init(&wl->windows);
	wl_list_init(&wl->keyboards);
	wl_list_init(&wl->pointers);
	wl->output_width = OUTPUT_WIDTH;
	wl->output_height = OUTPUT_HEIGHT;
	wl->display = wl_display_create();
	if (!wl->display) {
		snprintf(err, errlen, "cannot make a Wayland display");
		goto fail;
	}
	if (keymap_fd(wl, layout, err, errlen) < 0)
		goto fail;
	if (wl_display_init_shm(wl->display) != 0 || !ws_surface_globals(wl) ||
	    !ws_xdg_globals(wl) || !ws_data_globals(wl) ||
	    !wl_global_create(wl->display, &wl_output_interface, OUTPUT_VERSION, wl, bind_output) ||
	    !wl_global_create(wl->display, &wl_seat_interface, SEAT_VERSION, wl, bind_seat)) {
		snprintf(err, errlen, "cannot offer the Wayland globals");
		goto fail;
	}
	if (wl_display_add_socket(wl->display, socket_name) != 0) {
		snprintf(err, errlen, "cannot listen at $XDG_RUNTIME_DIR/%s (XDG_RUNTIME_DIR=%s): %s",
			 socket_name, getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "unset",
			 strerror(errno));
		goto fail;
	}
	return wl;
fail:
	wayland_free(wl);
	return NULL;
}

void wayland_free(struct wayland *wl)
{
	if (!wl)
		return;
	xwayland_free(wl->xwayland);
	wl->xwayland = NULL;
	wayland_hide(wl);
	if (wl->display)
		ws_data_free(wl);
	if (wl->display) {
		wl_display_destroy_clients(wl->display);
		wl_display_destroy(wl->display);
	}
	if (wl->keymap_fd >= 0)
		close(wl->keymap_fd);
	keymap_free(wl->keymap);
	free(wl);
}

bool wayland_x11(struct wayland *wl, char *err, size_t errlen)
{
	wl->xwayland = xwayland_new(wl, err, errlen);
	return wl->xwayland != NULL;
}

bool wayland_reaped(struct wayland *wl, pid_t pid, int status)
{
	return wl && xwayland_reaped(wl->xwayland, pid, status);
}

int wayland_fd(const struct wayland *wl)
{
	return wl_event_loop_get_fd(wl_display_get_event_loop(wl->display));
}

void wayland_dispatch(struct wayland *wl)
{
	wl_event_loop_dispatch(wl_display_get_event_loop(wl->display), 0);
}

void wayland_flush(struct wayland *wl)
{
	wl_display_flush_clients(wl->display);
}

void wayland_show(struct wayland *wl, struct gui_client *c)
{
	struct xwindow *t;

	wl->gui = c;
	wl_list_for_each(t, &wl->windows, link)
		if (t->committed)
			ws_window_for(t);
}

void wayland_hide(struct wayland *wl)
{
	struct xwindow *t;

	/* Newest first: popups before their parents. */
	wl_list_for_each(t, &wl->windows, link) {
		if (t->popup)
			ws_popup_done(t);
		if (t->win)
			gui_window_destroy(t->win);
		t->win = NULL;
	}
	wl->gui = NULL;
}

static struct xwindow *window_of(struct wayland *wl, const struct gui_window *w)
{
	struct xwindow *t;

	wl_list_for_each(t, &wl->windows, link)
		if (w && t->win == w)
			return t;
	return NULL;
}

void ws_keyboard_leave(struct wayland *wl)
{
	struct surface *s = wl->kb_window ? ws_window_surface(wl->kb_window) : NULL;
	struct wl_resource *kb;

	wl->kb_window = NULL;
	if (!s)
		return;
	wl_resource_for_each(kb, &wl->keyboards)
		if (ws_same_client(kb, s))
			wl_keyboard_send_leave(kb, wl_display_next_serial(wl->display), s->res);
}

/* Where the keys go: the newest grabbing popup of the focused toplevel
 * (menus nest: the newest is the innermost), else the toplevel. */
static struct xwindow *keyboard_target(struct wayland *wl)
{
	struct xwindow *w;

	if (!wl->focused)
		return NULL;
	wl_list_for_each(w, &wl->windows, link)
		if (w->popup && w->grab && !w->done && ws_window_surface(w) &&
		    ws_root(w) == wl->focused)
			return w;
	return wl->focused;
}

void ws_keyboard_retarget(struct wayland *wl)
{
	struct xwindow *to = keyboard_target(wl);
	struct wl_resource *kb;

	if (to == wl->kb_window)
		return;
	ws_keyboard_leave(wl);
	wl->kb_window = to;
	if (!to)
		return;
	wl_resource_for_each(kb, &wl->keyboards)
		keyboard_enter(wl, kb, to);
	ws_data_focus(wl);
}

/* dom0 gave T the keyboard or took it: a toplevel that loses it loses its
 * popups too, as on any desktop. */
static void focus(struct wayland *wl, struct xwindow *t, bool focused)
{
	t->activated = focused;
	ws_send_configure(t);
	if (focused) {
		wl->focused = t;
	} else {
		if (wl->focused == t)
			wl->focused = NULL;
		ws_dismiss_popups(t);
	}
	ws_keyboard_retarget(wl);
}

static void key(struct wayland *wl, const struct gui_event *ev)
{
	struct surface *s = wl->kb_window ? ws_window_surface(wl->kb_window) : NULL;
	struct wl_resource *kb;

	keymap_key(wl->keymap, ev->code, ev->value, NULL, 0);
	/* A repeat is the client's own to make. */
	if (!s || ev->value == 2)
		return;
	struct keymap_mods m = keymap_modifiers(wl->keymap);
	wl_resource_for_each(kb, &wl->keyboards) {
		if (!ws_same_client(kb, s))
			continue;
		uint32_t serial = wl_display_next_serial(wl->display);
		wl_keyboard_send_key(kb, serial, (uint32_t)monotonic_ms(), ev->code,
				     ev->value ? WL_KEYBOARD_KEY_STATE_PRESSED :
						 WL_KEYBOARD_KEY_STATE_RELEASED);
		wl_keyboard_send_modifiers(kb, serial, m.depressed, m.latched, m.locked, m.group);
	}
}

static void pointer_frame(struct wl_resource *p)
{
	if (wl_resource_get_version(p) >= WL_POINTER_FRAME_SINCE_VERSION)
		wl_pointer_send_frame(p);
}

/* Whether a popup of T's toplevel holds a grab and T is not in it: a
 * click on T then closes the menus, and goes no further. */
static bool outside_grab(struct wayland *wl, struct xwindow *t)
{
	struct xwindow *w, *root = ws_root(t);

	if (t->popup && t->grab)
		return false;
	wl_list_for_each(w, &wl->windows, link)
		if (w->popup && w->grab && !w->done && ws_root(w) == root)
			return true;
	return false;
}

static void pointer(struct wayland *wl, struct xwindow *t, const struct gui_event *ev)
{
	struct surface *s = ws_window_surface(t);
	struct surface *old = wl->pointed ? ws_window_surface(wl->pointed) : NULL;
	struct wl_resource *p;

	if (!s || t->done)
		return;
	if (ev->type == GUI_EV_BUTTON && ev->value == 1 && outside_grab(wl, t)) {
		ws_dismiss_popups(ws_root(t));
		return;
	}
	/* dom0 says where in the window; the client hears where in its
	 * surface, whose window starts at the geometry's origin. */
	wl_fixed_t sx = wl_fixed_from_int(ev->x + t->xs->geo_x);
	wl_fixed_t sy = wl_fixed_from_int(ev->y + t->xs->geo_y);
	wl_resource_for_each(p, &wl->pointers) {
		if (ev->type == GUI_EV_MOTION && wl->pointed != t) {
			if (old && ws_same_client(p, old))
				wl_pointer_send_leave(p, wl_display_next_serial(wl->display),
						      old->res);
			if (ws_same_client(p, s))
				wl_pointer_send_enter(p, wl_display_next_serial(wl->display), s->res,
						      sx, sy);
		}
		if (!ws_same_client(p, s))
			continue;
		if (ev->type == GUI_EV_MOTION)
			wl_pointer_send_motion(p, (uint32_t)monotonic_ms(), sx, sy);
		else
			wl_pointer_send_button(p, wl_display_next_serial(wl->display), (uint32_t)monotonic_ms(),
					       ev->code, ev->value ? WL_POINTER_BUTTON_STATE_PRESSED :
								     WL_POINTER_BUTTON_STATE_RELEASED);
		pointer_frame(p);
	}
	if (ev->type == GUI_EV_MOTION)
		wl->pointed = t;
}

/* Wayland's wheel: 10 units a step (as weston and libinput give), its
 * source and discrete steps for the clients that know them. */
static void wheel(struct wayland *wl, struct xwindow *t, const struct gui_event *ev)
{
	struct surface *s = ws_window_surface(t);
	struct wl_resource *p;
	uint32_t axis = ev->code ? WL_POINTER_AXIS_HORIZONTAL_SCROLL :
				   WL_POINTER_AXIS_VERTICAL_SCROLL;

	if (!s || t->done || wl->pointed != t)
		return;
	wl_resource_for_each(p, &wl->pointers) {
		if (!ws_same_client(p, s))
			continue;
		if (wl_resource_get_version(p) >= WL_POINTER_AXIS_SOURCE_SINCE_VERSION) {
			wl_pointer_send_axis_source(p, WL_POINTER_AXIS_SOURCE_WHEEL);
			wl_pointer_send_axis_discrete(p, axis, ev->steps);
		}
		wl_pointer_send_axis(p, (uint32_t)monotonic_ms(), axis,
				     wl_fixed_from_int(ev->steps * 10));
		pointer_frame(p);
	}
}

bool wayland_event(struct wayland *wl, const struct gui_event *ev)
{
	struct xwindow *t = window_of(wl, ev->window);

	if (!t)
		return false;
	switch (ev->type) {
	case GUI_EV_CONFIGURE:
		/* A new, blank buffer: drawn from what the client shows now,
		 * while it draws at the new size. */
		t->width = ev->width;
		t->height = ev->height;
		if (!t->popup && ev->width > wl->output_width)
			wl->output_width = ev->width;
		if (!t->popup && ev->height > wl->output_height)
			wl->output_height = ev->height;
		ws_compose_all(t);
		ws_send_configure(t);
		break;
	case GUI_EV_FOCUS:
		if (!t->popup)
			focus(wl, t, ev->focused != 0);
		break;
	case GUI_EV_KEY:
		key(wl, ev);
		break;
	case GUI_EV_MOTION:
	case GUI_EV_BUTTON:
		pointer(wl, t, ev);
		break;
	case GUI_EV_AXIS:
		wheel(wl, t, ev);
		break;
	case GUI_EV_CLOSE:
		if (t->x11)
			ws_x11_close(t);
		else if (!t->popup)
			xdg_toplevel_send_close(t->res);
		break;
	case GUI_EV_RUN:
	case GUI_EV_CLIP_ASK:	/* the domain's, not a window's: the agent's */
	case GUI_EV_CLIP_PASTE:
		break;
	}
	return true;
}
