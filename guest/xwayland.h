/*
 * xwayland.h - X11 programs in a domain, through the agent: Xwayland
 * rootless, started on demand, with the agent as its window manager, so
 * that each X toplevel is one of dom0's windows and each override-redirect
 * window (a menu, a tooltip) one of dom0's popups, as Wayland programs'
 * are (guest/wayland.h).
 *
 * On demand: the agent listens at DISPLAY :N (the first N whose lock file
 * /tmp/.XN-lock it can take, and /tmp/.X11-unix/XN and its abstract twin)
 * and sets DISPLAY for the programs it starts; the first X client that
 * connects starts Xwayland with those listening sockets (-listenfd), a
 * Wayland connection of its own (WAYLAND_SOCKET) and one for its window
 * manager (-wm).  Xwayland ends with its last client (-terminate) and
 * the next client starts it again.
 *
 * The window manager: toplevels get the size dom0 gives them, the input
 * focus when dom0 gives theirs the keyboard, WM_DELETE_WINDOW (or a
 * kill) at dom0's CLOSE; their titles are WM_NAME / _NET_WM_NAME.  What
 * Xwayland says (WL_SURFACE_ID) pairs an X window with its wl_surface.
 * Xwayland is the domain's own program, as trusted as the others: what it
 * says only ever shapes the domain's own windows.
 *
 * Main loop only: its fds are sources of the Wayland display's loop.
 */
#ifndef BULKHEAD_GUEST_XWAYLAND_H
#define BULKHEAD_GUEST_XWAYLAND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct wayland;
struct xwayland;

/* Listens for X clients for WL's display and sets DISPLAY.  NULL with
 * ERR (ERRLEN bytes) saying why. */
struct xwayland *xwayland_new(struct wayland *wl, char *err, size_t errlen);
/* Stops Xwayland (if running) and closes the display. */
void xwayland_free(struct xwayland *x);

/* PID ended (the agent reaps every child): whether it was Xwayland (then
 * it is started again by the next client). */
bool xwayland_reaped(struct xwayland *x, pid_t pid, int status);

#endif
