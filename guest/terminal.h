/*
 * terminal.h - one terminal of the guest agent: a program on a pty, its
 * screen kept by libvterm's state and guest/vtscreen, drawn with Cairo into
 * a window on dom0's desktop.
 *
 * A terminal outlives its window: when the GUI channel goes (dom0's
 * compositor restarting), the program keeps running and its screen is
 * kept; terminal_show() gives it a window on the next channel, drawn as it
 * was.  Keys come from dom0 as evdev codes and become text through the
 * terminal's own xkbcommon state (the domain's layout, not dom0's).
 *
 * Ownership: the agent owns each terminal (terminal_free(), which hangs up
 * the program's session); a terminal owns its pty, its vterm and its
 * window, not the client the window lives on.  The caller reaps the
 * program (terminal_pid()) and polls terminal_fd().  One thread.
 */
#ifndef BULKHEAD_TERMINAL_H
#define BULKHEAD_TERMINAL_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "gui/guiclient.h"
#include "input/keymap.h"

struct terminal;

struct terminal_style {
	cairo_font_face_t *font;	/* not owned; outlives every terminal */
	double font_size;		/* pixels */
	const char *layout;		/* XKB layout for the keys, "us" ... */
};

/* Starts COMMAND with SHELL -c on a new pty, or SHELL itself (an
 * interactive shell) for the command "terminal".  NULL with ERR saying why. */
struct terminal *terminal_new(const char *command, const char *shell,
			      const struct terminal_style *style, char *err, size_t errlen);
void terminal_free(struct terminal *t);

int terminal_fd(const struct terminal *t);
pid_t terminal_pid(const struct terminal *t);

/* A window for it on C, asking for its current size (0 or -errno). */
int terminal_show(struct terminal *t, struct gui_client *c);
/* Its window went with the channel (the client is about to be freed). */
void terminal_hide(struct terminal *t);
bool terminal_has_window(const struct terminal *t, const struct gui_window *w);

/* CONFIGURE, FOCUS, KEY, MOTION and BUTTON for its window (the left
 * button selects text, shown reversed, until the program writes over it);
 * the rest is ignored. */
void terminal_event(struct terminal *t, const struct gui_event *ev);
/* The selected text into OUT (at most CAP bytes, not NUL-ended), rows
 * joined by '\n', each row's trailing blanks left out: its length; 0 when
 * nothing is selected; CAP + 1 when it does not fit. */
size_t terminal_selection(struct terminal *t, char *out, size_t cap);
/* dom0's paste (CLIP_PASTE) into this terminal: LEN bytes of DATA typed
 * to the program as a terminal pastes (line ends as CR, control
 * characters left out, inside bracketed-paste marks when the program asked
 * for them), as fast as it reads them: while terminal_pasting(), poll
 * terminal_fd() for POLLOUT and call terminal_write_pending().  A new
 * paste replaces what is left of the one before. */
void terminal_paste(struct terminal *t, const uint8_t *data, size_t len);
bool terminal_pasting(const struct terminal *t);
void terminal_write_pending(struct terminal *t);
/* Takes what the program wrote.  False when the pty has closed: the
 * program and everything that held the pty are gone. */
bool terminal_read(struct terminal *t);
/* Draws what changed since the last call and tells dom0: once per turn of
 * the caller's loop, so a burst of output is one frame. */
void terminal_flush(struct terminal *t);

#endif
