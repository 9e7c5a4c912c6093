/*
 * guiclient.h - the client side of the GUI protocol: what a program in a
 * domain (the guest agent, the demo client) uses to put windows on dom0's
 * desktop.
 *
 * Windows are sized by dom0 (the desktop tiles them): a new window has no
 * pixels until the first GUI_EV_CONFIGURE, at which the library has already
 * allocated a buffer of the new size and told dom0 about it; the program
 * draws into gui_window_pixels() and calls gui_window_damage().
 *
 * Ownership: the client owns its transport (closed by gui_client_free())
 * and its windows (freed by gui_window_destroy() or gui_client_free()).
 * Messages from dom0 are decoded with gui_decode() like any others: a
 * client trusts dom0, but a bug there must not become one here.  One thread.
 */
#ifndef BULKHEAD_GUICLIENT_H
#define BULKHEAD_GUICLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gui/transport.h"

struct gui_client;
struct gui_window;

enum gui_event_type {
	GUI_EV_CONFIGURE,	/* new size; pixels reallocated, redraw all */
	GUI_EV_FOCUS,
	GUI_EV_KEY,
	GUI_EV_MOTION,
	GUI_EV_BUTTON,
	GUI_EV_AXIS,		/* a wheel: code the axis (0 vertical), steps > 0 down */
	GUI_EV_CLOSE,		/* the user asks to close: destroy it or not */
	GUI_EV_RUN,		/* the user asks the domain to run a command */
	/* The user asks for the domain's clipboard (window: where, or NULL
	 * for one destroyed meanwhile): answer with one gui_client_clip_data(). */
	GUI_EV_CLIP_ASK,
	GUI_EV_CLIP_PASTE,	/* the user gives the domain dom0's clipboard: data, len */
};

struct gui_event {
	enum gui_event_type type;
	struct gui_window *window;
	uint32_t width, height;		/* CONFIGURE */
	uint32_t focused;		/* FOCUS */
	uint32_t code, value;		/* KEY, BUTTON (evdev codes) */
	int32_t x, y;			/* MOTION */
	int32_t steps;			/* AXIS */
	char command[GUI_COMMAND_MAX + 1];	/* RUN (window NULL) */
	/* CLIP_PASTE: the bytes, valid until the next gui_client_next_event(). */
	const uint8_t *data;
	uint32_t len;
};

/* Says HELLO over T and waits up to TIMEOUT_MS for WELCOME.  Takes T in
 * every case.  NULL with ERR (ERRLEN bytes) saying why. */
struct gui_client *gui_client_new(struct gui_transport *t, int timeout_ms, char *err,
				  size_t errlen);
/* The same without waiting: says HELLO and returns at once; WELCOME is
 * taken by gui_client_next_event() when it comes.  Windows may be made at
 * once: dom0 reads them after HELLO.  For a program with other work, whose
 * dom0 may take minutes to connect (the agent). */
struct gui_client *gui_client_start(struct gui_transport *t, char *err, size_t errlen);
bool gui_client_welcomed(const struct gui_client *c);
void gui_client_free(struct gui_client *c);

/* The fd to poll for dom0's messages. */
int gui_client_fd(const struct gui_client *c);

/* The next event, if one is waiting: 1 with *EV filled, 0 when none is,
 * -errno when the channel is gone or broken (ERR says why).  Never blocks. */
int gui_client_next_event(struct gui_client *c, struct gui_event *ev, char *err,
			  size_t errlen);

/* A window asking for WIDTH x HEIGHT, with TITLE (UTF-8; dom0 shows it as
 * printable ASCII).  NULL and errno on failure. */
struct gui_window *gui_window_new(struct gui_client *c, uint32_t width, uint32_t height,
				  const char *title);
/* A popup (a menu, a tooltip) of PARENT's (a window or a popup): its
 * pixels wanted at X,Y of PARENT's and WIDTH x HEIGHT large.  dom0 shows it
 * inside PARENT's top-level window, in its frame's colour, moved and cut to
 * fit there; like a window, it has pixels from its first CONFIGURE (the
 * size it got).  Its events come as a window's (MOTION, BUTTON in its
 * pixels); the keys go to its top-level window.  NULL and errno: ENOTSUP
 * before WELCOME, or when dom0 speaks a version without popups. */
struct gui_window *gui_popup_new(struct gui_window *parent, int32_t x, int32_t y,
				 uint32_t width, uint32_t height);
int gui_window_set_title(struct gui_window *w, const char *title);
/* XRGB8888 pixels, or NULL before the first CONFIGURE. */
uint32_t *gui_window_pixels(struct gui_window *w, uint32_t *width, uint32_t *height,
			    uint32_t *stride);
int gui_window_damage(struct gui_window *w, uint32_t x, uint32_t y, uint32_t width,
		      uint32_t height);
uint32_t gui_window_id(const struct gui_window *w);
void gui_window_destroy(struct gui_window *w);

/* The answer to a GUI_EV_CLIP_ASK: STATUS, and with GUI_CLIP_TEXT the LEN
 * (at most GUI_CLIPBOARD_MAX) bytes of DATA.  0 or -errno. */
int gui_client_clip_data(struct gui_client *c, enum gui_clip_status status, const void *data,
			 size_t len);
/* Says that COMMAND, which dom0 asked this domain to run (GUI_EV_RUN),
 * failed as it started: STATUS 1..255 its exit code, GUI_EXIT_SIGNAL + N
 * killed by signal N.  One per RUN at most, and only for a RUN of this
 * channel (dom0 drops a domain saying more).  0 or -errno (-ENOTSUP: dom0
 * speaks a version without EXITED). */
int gui_client_exited(struct gui_client *c, uint32_t status, const char *command);
/* A USB domain's keyboard or pointer (guest/inputfwd.h), as device ID
 * (1..GUI_INPUT_DEVICES_MAX): come as KIND with NAME (at most
 * GUI_INPUT_NAME_MAX bytes; dom0 makes it printable), or gone
 * (GUI_INPUT_GONE, NAME NULL or "").  Once per device and channel: dom0
 * drops a channel that announces an id twice without its GONE between.
 * 0 or -errno (-ENOTSUP: dom0 speaks a version without input devices;
 * -EINVAL: an id, kind or name out of bounds). */
int gui_client_input_device(struct gui_client *c, uint32_t id, enum gui_input_kind kind,
			    const char *name);
/* COUNT (1..GUI_INPUT_BATCH_MAX) events of the device ID announced on this
 * channel, each one struct gui_input_event allows (dom0 drops the channel
 * otherwise; inputfwd_translate() makes them so).  0 or -errno, as above. */
int gui_client_input_events(struct gui_client *c, uint32_t id, const struct gui_input_event *ev,
			    uint32_t count);
/* Bytes as they are (and FD if >= 0), for tests of dom0's defences (the
 * demo's --misbehave). */
int gui_client_send_raw(struct gui_client *c, const void *buf, size_t len, int fd);

#endif
