/*
 * wayland_impl.h - inside the agent's Wayland compositor (wayland.h): the
 * objects its modules share.  wayland.c holds the display, the seat and
 * the agent's side; ws_surface.c the surfaces, subsurfaces and how a
 * window's tree is composed into it; ws_xdg.c xdg-shell and
 * xdg-decoration; ws_data.c the clipboard inside the domain; xwayland.c
 * X windows as xwindows.  Nothing outside guest/wayland*.c, guest/ws_*.c
 * and guest/xwayland.c includes it.
 *
 * Lifetimes: every struct below belongs to its wl_resource and is freed by
 * its destructor (an X window's xwindow and xsurface belong to its struct
 * xwin instead: xwayland.c frees them); the others' pointers to it are
 * cleared there (a surface forgets its role, a role its surface, a parent
 * its children).
 */
#ifndef BULKHEAD_GUEST_WAYLAND_IMPL_H
#define BULKHEAD_GUEST_WAYLAND_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <wayland-server-core.h>

#include "gui/guiclient.h"
#include "guest/positioner.h"
#include "guest/wayland.h"
#include "input/keymap.h"
#include "lib/limits.h"

/* Subsurfaces nested deeper than this are a protocol error: the tree is
 * walked recursively when composed. */
#define WAYLAND_SUBSURFACE_DEPTH 8

/* Rectangles to copy, at most WAYLAND_DAMAGE_RECTS (then their bounding
 * box). */
struct damage {
	struct box box[WAYLAND_DAMAGE_RECTS];
	size_t n;
};

/* A client's wl_buffer held by us; forgotten if the client destroys it. */
struct bufref {
	struct wl_resource *res;
	struct wl_listener gone;
};

struct xwin;

/* The domain's two selections (ws_data.c): the clipboard, and the primary
 * selection (what a program selects with the mouse). */
enum sel_kind { SEL_CLIPBOARD, SEL_PRIMARY, SEL_KINDS };

struct selection {
	struct wayland *wl;
	enum sel_kind kind;
	struct wl_list devices;		/* its devices' resources' links */
	struct wl_resource *source;	/* a client's source, or NULL */
	bool dom0;			/* dom0's paste is it (wayland.dom0_clip) */
};

struct wayland {
	struct wl_display *display;
	struct xwayland *xwayland;	/* NULL: no X11 programs */
	struct gui_client *gui;		/* NULL: no channel now */
	struct keymap *keymap;
	int keymap_fd;			/* a memfd holding its text, sealed */
	uint32_t keymap_size;
	struct wl_list windows;		/* struct xwindow.link, newest first */
	struct wl_list keyboards;	/* wl_keyboard resources' links */
	struct wl_list pointers;	/* wl_pointer resources' links */
	struct xwindow *focused;	/* dom0 gave it the keyboard */
	struct xwindow *kb_window;	/* whose surface the keyboards entered: the
					 * focused one, or its topmost grabbing popup */
	struct xwindow *pointed;	/* under dom0's pointer */

	uint32_t output_width, output_height;	/* what wl_output says */
	struct selection sel[SEL_KINDS];
	enum sel_kind last_set;		/* the one a program set last: dom0's copy's */
	/* dom0's paste (CLIP_PASTE): the bytes of each selection whose dom0
	 * is set, the agent's own. */
	uint8_t *dom0_clip;
	size_t dom0_clip_len;
	struct clip_read *clip_read;	/* dom0's ask being answered, or NULL */
	/* Frame callbacks of commits drawn, done together at the next tick
	 * (WAYLAND_FRAME_MS): a client draws at most that often, however
	 * fast it could. */
	struct wl_list frame_done;
	struct wl_event_source *frame_timer;
};

struct subsurface {
	struct wl_resource *res;
	struct surface *surface;	/* NULL once destroyed */
	struct surface *parent;		/* NULL once destroyed */
	struct wl_list link;		/* parent->children, bottom to top */
	int32_t x, y, pending_x, pending_y;
	bool sync;
};

struct surface {
	struct wayland *wl;
	struct wl_resource *res;
	/* pending (attach), committed but cached (a synchronized
	 * subsurface's), current (shown; released when replaced) */
	struct bufref pending, cached, current;
	bool attached, has_cache, cache_attached;
	struct damage damage, cached_damage;
	struct wl_list frames;		/* wl_callback resources' links */
	struct xsurface *role;		/* xdg_surface, or NULL */
	struct subsurface *sub;		/* as a subsurface, or NULL */
	struct wl_list children;	/* struct subsurface.link */
};

struct xsurface {
	struct wl_resource *res;
	struct surface *surface;	/* NULL once it is destroyed */
	struct xwindow *window;
	/* Where the window is in the surface (without the client's own
	 * shadows): its top left is the window's; applied at commit. */
	int32_t geo_x, geo_y, pending_geo_x, pending_geo_y;
};

/* What xdg-shell makes one of dom0's windows: a toplevel, or a popup
 * (dom0 shows it inside its toplevel's window). */
struct xwindow {
	struct wl_list link;
	struct wayland *wl;
	struct wl_resource *res;	/* the xdg_toplevel or xdg_popup */
	struct xsurface *xs;		/* NULL once it is destroyed */
	struct gui_window *win;		/* NULL: no channel, or dom0 took no more */
	char title[GUI_TITLE_MAX + 1];
	uint32_t width, height;		/* dom0's size, 0: none yet */
	bool activated;
	bool committed;			/* the initial commit came */
	/* A popup: PARENT NULL once the parent has gone (it was dismissed
	 * then); X,Y where it is in its parent's window, as its positioner
	 * and its toplevel's size placed it. */
	bool popup;
	struct xwin *x11;		/* an X window's (guest/xwayland.c), or NULL */
	bool grab;			/* it asked for the keyboard and pointer */
	bool done;			/* dismissed: no window, no events */
	struct xwindow *parent;
	int32_t x, y, want_w, want_h;
	/* What it cost (logged when it goes, for `make bench'): commits
	 * drawn, and the pixels copied into its window's buffer for them. */
	uint64_t commits, copied_px;
};

/* ws_surface.c */
bool ws_surface_globals(struct wayland *wl);
/* RES's surface if it is a wl_surface, else NULL. */
struct surface *ws_surface_of(struct wl_resource *res);
/* T's whole window drawn again from its surfaces (a new window buffer). */
void ws_compose_all(struct xwindow *t);

/* ws_xdg.c */
bool ws_xdg_globals(struct wayland *wl);
/* The toplevel W is in (W itself if it is one), or NULL. */
struct xwindow *ws_root(struct xwindow *w);
/* Dismisses ROOT's popups, topmost first: they lose their windows and
 * their clients are told (popup_done). */
void ws_dismiss_popups(struct xwindow *root);
/* Popup W is gone from dom0's screen and its client is told (once). */
void ws_popup_done(struct xwindow *w);
/* T is no more: its popups dismissed, its window gone, T freed. */
void ws_window_destroy(struct xwindow *t);

/* xwayland.c: X windows as xwindows (x11 set; no resource of theirs) */
/* A new wl_surface: Xwayland's may be the one an X window waits for. */
void ws_x11_surface_new(struct wayland *wl, struct surface *s);
/* dom0's size and focus (T's width, height, activated) to X window T. */
void ws_x11_configure(struct xwindow *t);
/* dom0's CLOSE to X window T: WM_DELETE_WINDOW, or its client killed. */
void ws_x11_close(struct xwindow *t);
/* The root surface of T, or NULL. */
struct surface *ws_window_surface(struct xwindow *t);
/* T's first commit: a window for it, and xdg-shell's first configure. */
void ws_window_committed(struct xwindow *t);
void ws_window_for(struct xwindow *t);
void ws_send_configure(struct xwindow *t);

/* ws_data.c */
bool ws_data_globals(struct wayland *wl);
/* The clipboard's reads and dom0's bytes, at the end. */
void ws_data_free(struct wayland *wl);
/* The client that has the keyboard now is offered the selection. */
void ws_data_focus(struct wayland *wl);

/* wayland.c */
/* The keyboards enter the surface keys go to now (the focused toplevel's,
 * or its topmost grabbing popup's) if it changed, leaving the one before. */
void ws_keyboard_retarget(struct wayland *wl);
/* The keyboards leave the surface they entered (kb_window NULL after). */
void ws_keyboard_leave(struct wayland *wl);
/* A resource of IFACE for CLIENT with IMPL, DATA and DESTROY; NULL when
 * out of memory (the client is told so). */
struct wl_resource *ws_resource(struct wl_client *client, const struct wl_interface *iface,
				int version, uint32_t id, const void *impl, void *data,
				wl_resource_destroy_func_t destroy);
/* A zeroed object of SIZE bytes for a new resource (in *RES) whose data
 * it is; NULL when out of memory (the client is told so). */
void *ws_object(struct wl_client *client, size_t size, const struct wl_interface *iface,
		int version, uint32_t id, const void *impl, wl_resource_destroy_func_t destroy,
		struct wl_resource **res);
/* Whether RES belongs to the client of surface S. */
bool ws_same_client(struct wl_resource *res, const struct surface *s);
void ws_destroy_resource(struct wl_client *client, struct wl_resource *res);

#endif
