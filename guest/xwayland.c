/*
 * xwayland.c - Xwayland on demand and the agent as its window manager
 * (xwayland.h).  The server's life: the display's sockets, the start at
 * the first client, -displayfd for when it is ready, the end.  The window
 * manager: X windows paired with their wl_surfaces, each shown as one of
 * the agent's windows (struct xwindow, as xdg-shell's are).
 */
#include "guest/xwayland.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wayland-server-core.h>
#include <xcb/composite.h>
#include <xcb/xcb.h>

#include "guest/wayland_impl.h"
#include "lib/log.h"
#include "lib/util.h"

#define TAG "agent"
#define DISPLAYS_MAX 32
#define XWAYLAND_PATH "Xwayland"

enum atom {
	ATOM_WL_SURFACE_ID,
	ATOM_WM_PROTOCOLS,
	ATOM_WM_DELETE_WINDOW,
	ATOM_WM_TAKE_FOCUS,
	ATOM_NET_WM_NAME,
	ATOM_UTF8_STRING,
	ATOM_WM_STATE,
	ATOM_WM_S0,
	ATOM_NET_WM_S0,
	ATOMS,
};

static const char *const atom_names[ATOMS] = {
	"WL_SURFACE_ID", "WM_PROTOCOLS", "WM_DELETE_WINDOW", "WM_TAKE_FOCUS",
	"_NET_WM_NAME",	 "UTF8_STRING",	 "WM_STATE",	  "WM_S0",	      "_NET_WM_S0",
};

/* An X window the manager knows of (every child of the root). */
struct xwin {
	struct wl_list link;		/* xwayland.windows */
	struct xwayland *x;
	xcb_window_t id;
	int16_t x_pos, y_pos;
	uint16_t width, height;
	bool override_redirect, mapped;
	uint32_t surface_id;		/* from WL_SURFACE_ID, 0: none yet */
	struct xsurface xs;		/* its surface's role while shown */
	struct xwindow *shown;		/* one of the agent's windows, or NULL */
	char title[GUI_TITLE_MAX + 1];
};

struct xwayland {
	struct wayland *wl;
	int display;			/* :N */
	int lock_fd;
	int listen[2];			/* /tmp/.X11-unix/XN, and its abstract twin */
	struct wl_event_source *listen_src[2];
	pid_t pid;			/* Xwayland, 0: not running */
	int ready_fd;			/* -displayfd's end: readable when it is up */
	struct wl_event_source *ready_src;
	int wm_fd;			/* our end of -wm, until connected */
	struct wl_client *client;	/* its Wayland connection, NULL once gone */
	struct wl_listener client_gone;
	xcb_connection_t *xcb;		/* the window manager's */
	struct wl_event_source *xcb_src;
	xcb_window_t root, me;		/* me: the manager's own window */
	xcb_atom_t atoms[ATOMS];
	struct wl_list windows;		/* struct xwin.link */
};

static void stop(struct xwayland *x);

/* --- the window manager ---------------------------------------------------- */

static struct xwin *find(struct xwayland *x, xcb_window_t id)
{
	struct xwin *w;
	wl_list_for_each(w, &x->windows, link)
		if (w->id == id)
			return w;
	return NULL;
}

static struct xwin *x11_of(struct xwindow *t)
{
	return t->x11;
}

/* The X toplevel a menu belongs to: the one with the keyboard, else the
 * newest shown. */
static struct xwin *menu_parent(struct xwayland *x)
{
	struct xwin *w, *newest = NULL;

	if (x->wl->focused && x->wl->focused->x11 && !x->wl->focused->popup)
		return x11_of(x->wl->focused);
	wl_list_for_each(w, &x->windows, link)
		if (w->shown && !w->override_redirect && !w->shown->popup)
			newest = w;
	return newest;
}

/* W is no longer one of the agent's windows (unmapped, gone, or its
 * surface went); its surface, if any, loses its role. */
static void hide(struct xwin *w)
{
	if (w->xs.surface)
		w->xs.surface->role = NULL;
	w->xs.surface = NULL;
	if (w->shown)
		ws_window_destroy(w->shown);
	w->shown = NULL;
}

/* W, mapped and paired with surface S, becomes one of the agent's
 * windows: a popup when it is override-redirect and there is a toplevel
 * for it, else a toplevel. */
static void show(struct xwin *w, struct surface *s)
{
	struct xwin *parent = w->override_redirect ? menu_parent(w->x) : NULL;
	struct xwindow *t = calloc(1, sizeof(*t));

	if (!t || s->role || s->sub) {
		free(t);
		return;
	}
	w->xs = (struct xsurface){ .surface = s, .window = t };
	s->role = &w->xs;
	t->wl = w->x->wl;
	t->xs = &w->xs;
	t->x11 = w;
	str_copy(t->title, w->title, sizeof(t->title));
	if (parent && parent->shown) {
		t->popup = true;
		t->parent = parent->shown;
		t->x = w->x_pos - parent->x_pos;
		t->y = w->y_pos - parent->y_pos;
		t->want_w = w->width;
		t->want_h = w->height;
	}
	wl_list_insert(&t->wl->windows, &t->link);
	w->shown = t;
	/* Xwayland may have committed its first buffer before it said
	 * which surface is the window's. */
	ws_window_committed(t);
}

static void try_show(struct xwin *w)
{
	struct wl_resource *res;

	if (w->shown || !w->mapped || !w->surface_id || !w->x->client)
		return;
	res = wl_client_get_object(w->x->client, w->surface_id);
	struct surface *s = res ? ws_surface_of(res) : NULL;
	if (s)
		show(w, s);
}

void ws_x11_surface_new(struct wayland *wl, struct surface *s)
{
	struct xwayland *x = wl->xwayland;
	struct xwin *w;

	if (!x || !x->client || wl_resource_get_client(s->res) != x->client)
		return;
	wl_list_for_each(w, &x->windows, link)
		if (w->surface_id == wl_resource_get_id(s->res) && !w->shown && w->mapped)
			show(w, s);
}

static void send_protocol(struct xwayland *x, xcb_window_t win, xcb_atom_t what)
{
	xcb_client_message_event_t ev = {
		.response_type = XCB_CLIENT_MESSAGE,
		.format = 32,
		.window = win,
		.type = x->atoms[ATOM_WM_PROTOCOLS],
		.data.data32 = { what, XCB_CURRENT_TIME },
	};
	xcb_send_event(x->xcb, 0, win, XCB_EVENT_MASK_NO_EVENT, (const char *)&ev);
}

/* Whether WIN's WM_PROTOCOLS hold WHAT. */
static bool has_protocol(struct xwayland *x, xcb_window_t win, xcb_atom_t what)
{
	xcb_get_property_reply_t *r = xcb_get_property_reply(
		x->xcb, xcb_get_property(x->xcb, 0, win, x->atoms[ATOM_WM_PROTOCOLS],
					 XCB_ATOM_ATOM, 0, 32), NULL);
	bool has = false;

	if (r && r->format == 32) {
		const xcb_atom_t *a = xcb_get_property_value(r);
		int n = xcb_get_property_value_length(r) / 4;
		for (int i = 0; i < n; i++)
			has = has || a[i] == what;
	}
	free(r);
	return has;
}

void ws_x11_configure(struct xwindow *t)
{
	struct xwin *w = x11_of(t);
	struct xwayland *x = w->x;

	if (t->popup || !t->width)
		return;
	uint32_t geo[] = { 0, 0, t->width, t->height };
	xcb_configure_window(x->xcb, w->id,
			     XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y | XCB_CONFIG_WINDOW_WIDTH |
				     XCB_CONFIG_WINDOW_HEIGHT, geo);
	w->x_pos = w->y_pos = 0;
	if (t->activated) {
		xcb_set_input_focus(x->xcb, XCB_INPUT_FOCUS_POINTER_ROOT, w->id, XCB_CURRENT_TIME);
		if (has_protocol(x, w->id, x->atoms[ATOM_WM_TAKE_FOCUS]))
			send_protocol(x, w->id, x->atoms[ATOM_WM_TAKE_FOCUS]);
	}
	xcb_flush(x->xcb);
}

void ws_x11_close(struct xwindow *t)
{
	struct xwin *w = x11_of(t);
	struct xwayland *x = w->x;

	if (has_protocol(x, w->id, x->atoms[ATOM_WM_DELETE_WINDOW]))
		send_protocol(x, w->id, x->atoms[ATOM_WM_DELETE_WINDOW]);
	else
		xcb_kill_client(x->xcb, w->id);
	xcb_flush(x->xcb);
}

/* W's title from _NET_WM_NAME, else WM_NAME. */
static void read_title(struct xwayland *x, struct xwin *w)
{
	xcb_atom_t props[] = { x->atoms[ATOM_NET_WM_NAME], XCB_ATOM_WM_NAME };

	for (size_t i = 0; i < 2; i++) {
		xcb_get_property_reply_t *r = xcb_get_property_reply(
			x->xcb, xcb_get_property(x->xcb, 0, w->id, props[i], XCB_GET_PROPERTY_TYPE_ANY,
						 0, GUI_TITLE_MAX / 4), NULL);
		int len = r && r->format == 8 ? xcb_get_property_value_length(r) : 0;
		if (len > 0) {
			size_t n = (size_t)len < sizeof(w->title) - 1 ? (size_t)len : sizeof(w->title) - 1;
			memcpy(w->title, xcb_get_property_value(r), n);
			w->title[n] = '\0';
		}
		free(r);
		if (len > 0)
			break;
	}
	if (w->shown) {
		str_copy(w->shown->title, w->title, sizeof(w->shown->title));
		if (w->shown->win)
			gui_window_set_title(w->shown->win, w->title);
	}
}

static void on_create(struct xwayland *x, const xcb_create_notify_event_t *ev)
{
	struct xwin *w;

	if (ev->parent != x->root || ev->window == x->me || find(x, ev->window) ||
	    !(w = calloc(1, sizeof(*w))))
		return;
	w->x = x;
	w->id = ev->window;
	w->x_pos = ev->x;
	w->y_pos = ev->y;
	w->width = ev->width;
	w->height = ev->height;
	w->override_redirect = ev->override_redirect;
	wl_list_insert(x->windows.prev, &w->link);
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE;
	xcb_change_window_attributes(x->xcb, w->id, XCB_CW_EVENT_MASK, &mask);
}

static void forget(struct xwin *w)
{
	hide(w);
	wl_list_remove(&w->link);
	free(w);
}

static void on_map_request(struct xwayland *x, const xcb_map_request_event_t *ev)
{
	struct xwin *w = find(x, ev->window);
	uint32_t normal[] = { 1, XCB_WINDOW_NONE };	/* WM_STATE NormalState */

	if (w)
		read_title(x, w);
	xcb_change_property(x->xcb, XCB_PROP_MODE_REPLACE, ev->window, x->atoms[ATOM_WM_STATE],
			    x->atoms[ATOM_WM_STATE], 32, 2, normal);
	xcb_map_window(x->xcb, ev->window);
}

/* Before dom0 sizes a window, it may be the size it asks for; after,
 * dom0's size is said again. */
static void on_configure_request(struct xwayland *x, const xcb_configure_request_event_t *ev)
{
	struct xwin *w = find(x, ev->window);

	if (w && w->shown && !w->shown->popup && w->shown->width) {
		ws_x11_configure(w->shown);
		return;
	}
	uint32_t v[4], n = 0;
	uint16_t mask = ev->value_mask & (XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y |
					  XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT);
	if (mask & XCB_CONFIG_WINDOW_X)
		v[n++] = (uint32_t)ev->x;
	if (mask & XCB_CONFIG_WINDOW_Y)
		v[n++] = (uint32_t)ev->y;
	if (mask & XCB_CONFIG_WINDOW_WIDTH)
		v[n++] = ev->width;
	if (mask & XCB_CONFIG_WINDOW_HEIGHT)
		v[n++] = ev->height;
	xcb_configure_window(x->xcb, ev->window, mask, v);
}

static void on_client_message(struct xwayland *x, const xcb_client_message_event_t *ev)
{
	struct xwin *w = find(x, ev->window);

	if (!w || ev->type != x->atoms[ATOM_WL_SURFACE_ID])
		return;
	hide(w);
	w->surface_id = ev->data.data32[0];
	try_show(w);
}

static void handle(struct xwayland *x, xcb_generic_event_t *e)
{
	struct xwin *w;

	switch (e->response_type & 0x7f) {
	case XCB_CREATE_NOTIFY:
		on_create(x, (xcb_create_notify_event_t *)e);
		break;
	case XCB_DESTROY_NOTIFY:
		if ((w = find(x, ((xcb_destroy_notify_event_t *)e)->window)))
			forget(w);
		break;
	case XCB_MAP_REQUEST:
		on_map_request(x, (xcb_map_request_event_t *)e);
		break;
	case XCB_MAP_NOTIFY:
		if ((w = find(x, ((xcb_map_notify_event_t *)e)->window))) {
			w->mapped = true;
			try_show(w);
		}
		break;
	case XCB_UNMAP_NOTIFY:
		if ((w = find(x, ((xcb_unmap_notify_event_t *)e)->window))) {
			w->mapped = false;
			w->surface_id = 0;
			hide(w);
		}
		break;
	case XCB_CONFIGURE_REQUEST:
		on_configure_request(x, (xcb_configure_request_event_t *)e);
		break;
	case XCB_CONFIGURE_NOTIFY: {
		xcb_configure_notify_event_t *ev = (xcb_configure_notify_event_t *)e;
		if ((w = find(x, ev->window))) {
			w->x_pos = ev->x;
			w->y_pos = ev->y;
			w->width = ev->width;
			w->height = ev->height;
		}
		break;
	}
	case XCB_PROPERTY_NOTIFY: {
		xcb_property_notify_event_t *ev = (xcb_property_notify_event_t *)e;
		if ((ev->atom == XCB_ATOM_WM_NAME || ev->atom == x->atoms[ATOM_NET_WM_NAME]) &&
		    (w = find(x, ev->window)))
			read_title(x, w);
		break;
	}
	case XCB_CLIENT_MESSAGE:
		on_client_message(x, (xcb_client_message_event_t *)e);
		break;
	default:
		break;
	}
}

static int xcb_ready(int fd, uint32_t mask, void *data)
{
	struct xwayland *x = data;
	xcb_generic_event_t *e;

	(void)fd;
	if ((mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) || xcb_connection_has_error(x->xcb)) {
		log_warn(TAG, "Xwayland's window manager connection is gone");
		stop(x);
		return 0;
	}
	while ((e = xcb_poll_for_event(x->xcb))) {
		handle(x, e);
		free(e);
	}
	xcb_flush(x->xcb);
	return 0;
}

/* Xwayland is up: the window manager connects, takes the root's
 * children's events (SubstructureRedirect: no other manager) and the
 * atoms it speaks. */
static bool manage(struct xwayland *x)
{
	xcb_intern_atom_cookie_t cookies[ATOMS];

	x->xcb = xcb_connect_to_fd(x->wm_fd, NULL);
	x->wm_fd = -1;	/* xcb's now, in every case */
	if (xcb_connection_has_error(x->xcb))
		return false;
	x->root = xcb_setup_roots_iterator(xcb_get_setup(x->xcb)).data->root;
	for (int i = 0; i < ATOMS; i++)
		cookies[i] = xcb_intern_atom(x->xcb, 0, (uint16_t)strlen(atom_names[i]),
					     atom_names[i]);
	for (int i = 0; i < ATOMS; i++) {
		xcb_intern_atom_reply_t *r = xcb_intern_atom_reply(x->xcb, cookies[i], NULL);
		x->atoms[i] = r ? r->atom : XCB_ATOM_NONE;
		free(r);
	}
	uint32_t mask = XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY | XCB_EVENT_MASK_SUBSTRUCTURE_REDIRECT |
			XCB_EVENT_MASK_PROPERTY_CHANGE;
	xcb_generic_error_t *err = xcb_request_check(
		x->xcb, xcb_change_window_attributes_checked(x->xcb, x->root, XCB_CW_EVENT_MASK,
							     &mask));
	if (err) {
		free(err);
		return false;
	}
	/* Rootless, Xwayland gives a wl_surface only to a window whose
	 * contents are redirected, by a compositing manager: us. */
	xcb_composite_redirect_subwindows(x->xcb, x->root, XCB_COMPOSITE_REDIRECT_MANUAL);
	/* A window of its own, owning the manager's selections: Xwayland
	 * listens for clients only once a manager owns WM_S0. */
	x->me = xcb_generate_id(x->xcb);
	xcb_create_window(x->xcb, XCB_COPY_FROM_PARENT, x->me, x->root, 0, 0, 1, 1, 0,
			  XCB_WINDOW_CLASS_INPUT_ONLY, XCB_COPY_FROM_PARENT, 0, NULL);
	xcb_set_selection_owner(x->xcb, x->me, x->atoms[ATOM_WM_S0], XCB_CURRENT_TIME);
	xcb_set_selection_owner(x->xcb, x->me, x->atoms[ATOM_NET_WM_S0], XCB_CURRENT_TIME);
	x->xcb_src = wl_event_loop_add_fd(wl_display_get_event_loop(x->wl->display),
					  xcb_get_file_descriptor(x->xcb), WL_EVENT_READABLE,
					  xcb_ready, x);
	xcb_flush(x->xcb);
	return x->xcb_src != NULL;
}

/* --- the server ---------------------------------------------------------- */

static int ready(int fd, uint32_t mask, void *data)
{
	struct xwayland *x = data;
	char buf[16];

	(void)mask;
	/* The display's number and a newline, or nothing: it died. */
	ssize_t n = read(fd, buf, sizeof(buf));
	wl_event_source_remove(x->ready_src);
	x->ready_src = NULL;
	close(x->ready_fd);
	x->ready_fd = -1;
	if (n <= 0 || !manage(x)) {
		log_warn(TAG, "Xwayland did not come up as the window manager needs it");
		stop(x);
		return 0;
	}
	log_event(TAG, "xwayland-up", "display=:%d pid=%d", x->display, (int)x->pid);
	return 0;
}

static void listening(struct xwayland *x, bool on);

/* In the child: FD kept across exec, its number as text in BUF. */
static const char *inherit(int fd, char *buf, size_t cap)
{
	int flags = fcntl(fd, F_GETFD);
	if (flags >= 0)
		fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
	snprintf(buf, cap, "%d", fd);
	return buf;
}

static void exec_xwayland(struct xwayland *x, int wl_fd, int wm_fd, int ready_fd)
{
	char display[16], wl[16], wm[16], rd[16], l0[16], l1[16];

	snprintf(display, sizeof(display), ":%d", x->display);
	setenv("WAYLAND_SOCKET", inherit(wl_fd, wl, sizeof(wl)), 1);
	execlp(XWAYLAND_PATH, XWAYLAND_PATH, display, "-rootless", "-terminate", "-core",
	       "-listenfd", inherit(x->listen[0], l0, sizeof(l0)),
	       "-listenfd", inherit(x->listen[1], l1, sizeof(l1)),
	       "-wm", inherit(wm_fd, wm, sizeof(wm)),
	       "-displayfd", inherit(ready_fd, rd, sizeof(rd)), (char *)NULL);
	fprintf(stderr, TAG ": cannot run %s: %s\n", XWAYLAND_PATH, strerror(errno));
	_exit(127);
}

static void client_gone(struct wl_listener *l, void *data)
{
	struct xwayland *x = wl_container_of(l, x, client_gone);

	(void)data;
	x->client = NULL;
}

/* The first client knocked: Xwayland, with our listening sockets. */
static void start(struct xwayland *x)
{
	int wl_sv[2] = { -1, -1 }, wm_sv[2] = { -1, -1 }, rd[2] = { -1, -1 };

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wl_sv) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wm_sv) < 0 ||
	    pipe2(rd, O_CLOEXEC) < 0) {
		log_err(TAG, "cannot start Xwayland: %s", strerror(errno));
		goto fail;
	}
	x->pid = fork();
	if (x->pid < 0) {
		log_err(TAG, "cannot start Xwayland: %s", strerror(errno));
		x->pid = 0;
		goto fail;
	}
	if (x->pid == 0)
		exec_xwayland(x, wl_sv[1], wm_sv[1], rd[1]);
	close(wl_sv[1]);
	close(wm_sv[1]);
	close(rd[1]);
	listening(x, false);
	x->client = wl_client_create(x->wl->display, wl_sv[0]);
	if (x->client) {
		x->client_gone.notify = client_gone;
		wl_client_add_destroy_listener(x->client, &x->client_gone);
	}
	x->wm_fd = wm_sv[0];
	x->ready_fd = rd[0];
	x->ready_src = wl_event_loop_add_fd(wl_display_get_event_loop(x->wl->display), rd[0],
					    WL_EVENT_READABLE, ready, x);
	if (!x->client || !x->ready_src) {
		if (!x->client)
			close(wl_sv[0]);
		log_err(TAG, "cannot serve Xwayland");
		stop(x);
	}
	return;
fail:
	for (int i = 0; i < 2; i++) {
		if (wl_sv[i] >= 0)
			close(wl_sv[i]);
		if (wm_sv[i] >= 0)
			close(wm_sv[i]);
		if (rd[i] >= 0)
			close(rd[i]);
	}
}

static int knocked(int fd, uint32_t mask, void *data)
{
	(void)fd, (void)mask;
	start(data);
	return 0;
}

/* Whether the agent watches the display's sockets (while Xwayland does
 * not run). */
static void listening(struct xwayland *x, bool on)
{
	for (int i = 0; i < 2; i++) {
		if (!on && x->listen_src[i]) {
			wl_event_source_remove(x->listen_src[i]);
			x->listen_src[i] = NULL;
		} else if (on && !x->listen_src[i]) {
			x->listen_src[i] = wl_event_loop_add_fd(
				wl_display_get_event_loop(x->wl->display), x->listen[i],
				WL_EVENT_READABLE, knocked, x);
		}
	}
}

/* Xwayland is gone or going: its windows with it; the display listens for
 * the next client. */
static void stop(struct xwayland *x)
{
	struct xwin *w, *tmp;

	wl_list_for_each_safe(w, tmp, &x->windows, link)
		forget(w);
	if (x->xcb_src)
		wl_event_source_remove(x->xcb_src);
	x->xcb_src = NULL;
	if (x->xcb)
		xcb_disconnect(x->xcb);
	x->xcb = NULL;
	if (x->ready_src)
		wl_event_source_remove(x->ready_src);
	x->ready_src = NULL;
	if (x->ready_fd >= 0)
		close(x->ready_fd);
	x->ready_fd = -1;
	if (x->wm_fd >= 0)
		close(x->wm_fd);
	x->wm_fd = -1;
	if (x->client)
		wl_client_destroy(x->client);
	x->client = NULL;
	if (x->pid > 0)
		kill(x->pid, SIGTERM);
}

bool xwayland_reaped(struct xwayland *x, pid_t pid, int status)
{
	if (!x || pid != x->pid || pid <= 0)
		return false;
	log_event(TAG, "xwayland-exited", "status=%d",
		  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	x->pid = 0;
	stop(x);
	listening(x, true);
	return true;
}

/* A listening socket at PATH (abstract when it starts with '@'). */
static int listen_at(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memcpy(a.sun_path, path, len);
	if (path[0] == '@')
		a.sun_path[0] = '\0';
	else
		unlink(path);
	if (bind(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) <
		    0 ||
	    listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether LOCK names a process that is gone (an X server or agent that
 * was killed): then the lock is taken back. */
static bool stale(const char *lock)
{
	char buf[16] = "";
	int fd = open(lock, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
	return pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH && unlink(lock) == 0;
}

/* The first display whose lock we can take, and its sockets. */
static int claim_display(struct xwayland *x)
{
	char lock[32], path[40], pid[16];

	if (mkdir("/tmp/.X11-unix", 01777) < 0 && errno != EEXIST)
		return -1;
	for (int n = 0; n < DISPLAYS_MAX; n++) {
		snprintf(lock, sizeof(lock), "/tmp/.X%d-lock", n);
		x->lock_fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
		if (x->lock_fd < 0 && errno == EEXIST && stale(lock))
			x->lock_fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
		if (x->lock_fd < 0)
			continue;
		/* What X servers write there: their pid, in 10 columns. */
		snprintf(pid, sizeof(pid), "%10d\n", (int)getpid());
		if (!write_all(x->lock_fd, pid, strlen(pid)))
			goto next;
		snprintf(path, sizeof(path), "@/tmp/.X11-unix/X%d", n);
		x->listen[0] = listen_at(path + 1);
		x->listen[1] = listen_at(path);
		if (x->listen[0] >= 0 && x->listen[1] >= 0) {
			x->display = n;
			return 0;
		}
next:
		for (int i = 0; i < 2; i++)
			if (x->listen[i] >= 0)
				close(x->listen[i]);
		x->listen[0] = x->listen[1] = -1;
		close(x->lock_fd);
		x->lock_fd = -1;
		unlink(lock);
	}
	errno = EADDRINUSE;
	return -1;
}

struct xwayland *xwayland_new(struct wayland *wl, char *err, size_t errlen)
{
	struct xwayland *x = calloc(1, sizeof(*x));
	char display[16];

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->wl = wl;
	x->lock_fd = x->ready_fd = x->wm_fd = -1;
	x->listen[0] = x->listen[1] = -1;
	wl_list_init(&x->windows);
	if (claim_display(x) < 0) {
		snprintf(err, errlen, "no X display of :0 to :%d is free: %s", DISPLAYS_MAX - 1,
			 strerror(errno));
		free(x);
		return NULL;
	}
	snprintf(display, sizeof(display), ":%d", x->display);
	setenv("DISPLAY", display, 1);
	listening(x, true);
	log_event(TAG, "xwayland-listening", "display=:%d", x->display);
	return x;
}

void xwayland_free(struct xwayland *x)
{
	char path[40];

	if (!x)
		return;
	stop(x);
	listening(x, false);
	for (int i = 0; i < 2; i++)
		if (x->listen[i] >= 0)
			close(x->listen[i]);
	snprintf(path, sizeof(path), "/tmp/.X11-unix/X%d", x->display);
	unlink(path);
	snprintf(path, sizeof(path), "/tmp/.X%d-lock", x->display);
	unlink(path);
	if (x->lock_fd >= 0)
		close(x->lock_fd);
	free(x);
}
