/*
 * wayland.h - the agent as the domain's Wayland compositor: the domain's
 * own programs (foot, GTK, weston's clients) connect to it as to any
 * compositor, and each xdg_toplevel becomes one window on dom0's desktop
 * (gui/guiclient.h).
 *
 * What it offers: wl_compositor (surfaces, regions, frame callbacks),
 * wl_subcompositor, wl_shm (XRGB8888, ARGB8888; libwayland's pools),
 * xdg_wm_base (toplevels, their window geometry; popups, each one of
 * dom0's popups inside its toplevel's window, placed by its positioner,
 * taking the keys while it holds a grab), xdg-decoration (always
 * server side: dom0 draws the frame), wl_seat (a keyboard with the
 * domain's xkb keymap, a pointer), wl_output, wl_data_device_manager and
 * zwp_primary_selection_device_manager_v1 (the clipboard and the primary
 * selection inside the domain; between domains, dom0's copy and paste).  dom0 decides every window's size: its
 * CONFIGURE becomes xdg_toplevel.configure with the size and the states
 * (activated when focused); a toplevel's wishes (maximize, fullscreen,
 * move, resize) are ignored.  A commit's damage (at most
 * WAYLAND_DAMAGE_RECTS rectangles, else their bounding box) is drawn from
 * the toplevel's tree of surfaces into the window's granted buffer and
 * sent to dom0 as DAMAGE (a new buffer of the same size: only what the
 * client damaged; of another size: all of it); a surface's buffer is held
 * until the next one replaces it, and the frame callbacks of its commits
 * are done together every WAYLAND_FRAME_MS, so that no client draws
 * faster than dom0 shows.
 *
 * A client's bytes are the domain's own programs': libwayland checks the
 * protocol (a wrong request is a protocol error that disconnects that
 * client alone), the sizes it gives are clipped to its buffer and to the
 * window, and a buffer's memory is read under wl_shm_buffer_begin_access
 * (a pool truncated under us is not a crash).
 *
 * The agent owns it; main loop only.
 */
#ifndef BULKHEAD_GUEST_WAYLAND_H
#define BULKHEAD_GUEST_WAYLAND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "gui/guiclient.h"
#include "lib/limits.h"

#define WAYLAND_DAMAGE_RECTS 16
/* How often the clients' frame callbacks are done: about dom0's 60 Hz. */
#define WAYLAND_FRAME_MS 16
/* Toplevels and popups with a window at once: what dom0 allows a domain,
 * less the agent's own terminals. */
#define WAYLAND_WINDOWS_MAX (GUI_WINDOWS_MAX - AGENT_TERMINALS_MAX)

struct wayland;

/* Listens at $XDG_RUNTIME_DIR/SOCKET_NAME, with the keymap of LAYOUT for
 * its keyboards.  NULL with ERR (ERRLEN bytes) saying why. */
struct wayland *wayland_new(const char *socket_name, const char *layout, char *err,
			    size_t errlen);
void wayland_free(struct wayland *wl);

/* X11 programs too (guest/xwayland.h): DISPLAY set, Xwayland started by
 * the first of them.  False with ERR (ERRLEN bytes) saying why. */
bool wayland_x11(struct wayland *wl, char *err, size_t errlen);
/* A child PID ended with STATUS: whether it was the compositor's own
 * (Xwayland). */
bool wayland_reaped(struct wayland *wl, pid_t pid, int status);

/* The fd to poll (POLLIN) and what to do when it is ready; what the
 * clients are sent is flushed by wayland_flush(), once a round. */
int wayland_fd(const struct wayland *wl);
void wayland_dispatch(struct wayland *wl);
void wayland_flush(struct wayland *wl);

/* dom0's channel came (a window for each toplevel) or went (the windows
 * are gone with it; the toplevels wait for the next channel). */
void wayland_show(struct wayland *wl, struct gui_client *c);
void wayland_hide(struct wayland *wl);

/* dom0's paste: LEN bytes of DATA (text) become the domain's selection,
 * the agent's own, offered to its clients as text until one sets its own. */
void wayland_clip_set(struct wayland *wl, const uint8_t *data, size_t len);
/* dom0's copy: the domain's selection as text, to DONE once (now, or when
 * the client that has it has written it all, at most 3 s later; EMPTY
 * when there is none, or it is not text, or the client fails). */
void wayland_clip_ask(struct wayland *wl,
		      void (*done)(void *ctx, enum gui_clip_status status, const uint8_t *data,
				   size_t len),
		      void *ctx);

/* An event of dom0's for a window; false if the window is not one of a
 * toplevel's. */
bool wayland_event(struct wayland *wl, const struct gui_event *ev);

#endif
