/*
 * desktop.h - the window manager's state and rules, without any I/O:
 * windows on workspaces, the tiling, focus, and where each key goes.
 * The compositor feeds it events (a window appears, a key is pressed) and
 * it answers through the desktop_sink callbacks (tell a window its size,
 * its focus, a key; redraw a rectangle).
 *
 * The rules that make it a security boundary live here:
 *   - focus changes only by the user's act: a key, a click, or a window
 *     the user asked a domain for (the caller says so at desktop_add); a
 *     window nobody asked for never takes it, not even on a workspace where
 *     nothing has focus;
 *   - keys go to the focused window only, or to dom0's own UI while it has
 *     grabbed them, never to both; a key that completes one of dom0's
 *     bindings is swallowed whole (its press and its release), and so are
 *     the modifiers held for it: a modifier's press is held back until a
 *     key that is no binding's comes (then it is sent first) or it is
 *     released unused (then press and release go together), so that the
 *     Super of Super+Tab never reaches any domain;
 *   - the keys held when focus moves are released in the window that loses
 *     focus and pressed again in the one that gains it;
 *   - a window the user closed (dom0's close binding) hands the focus to
 *     the window of its workspace that had it before (never to one that
 *     never had it: a domain's flood of new windows wins nothing); a window
 *     its domain took away hands it only to such a window of the same
 *     domain, or to none: a domain cannot make the user's typing go to
 *     another domain.
 *
 * Windows are owned by the caller (struct desktop_window is embedded in
 * the compositor's window); the desktop only links them.  Main loop only.
 */
#ifndef BULKHEAD_DESKTOP_H
#define BULKHEAD_DESKTOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drm-compositor/layout.h"
#include "lib/limits.h"
#include "input/bindings.h"

#define DESKTOP_WORKSPACES	9
#define DESKTOP_HEADS_MAX	4	/* outputs (display/output.h's OUTPUT_HEADS_MAX) */
#define DESKTOP_WINDOWS_MAX	(GUI_CLIENTS_MAX * GUI_WINDOWS_MAX)

struct desktop_window {
	unsigned workspace;
	struct rect outer;		/* where its frame is, while shown */
	uint32_t width, height;		/* content size last told to it */
	bool fullscreen;
	void *owner;			/* the compositor's window */
	const void *domain;		/* whose window: windows of one domain share it */
	uint64_t focused_at;		/* when it last took the focus (0: never) */
};

struct desktop_sink {
	void (*configure)(void *ctx, struct desktop_window *w, uint32_t width, uint32_t height);
	void (*focus)(void *ctx, struct desktop_window *w, bool focused);
	void (*key)(void *ctx, struct desktop_window *w, uint32_t code, uint32_t value);
	/* The user asked for something that is not the desktop's own. */
	void (*action)(void *ctx, const struct binding *b, struct desktop_window *focused);
	void (*damage)(void *ctx, struct rect r);
	/* A key for dom0's own UI, while it has the keyboard (desktop_grab). */
	void (*dom0_key)(void *ctx, uint32_t code, uint32_t value);
	void *ctx;
};

/* Heads (outputs) side by side on one canvas, each showing a workspace of
 * its own; the active head's is `current': new windows go there, keys go
 * to its focused window.  A click on another head's window makes that
 * head active. */
struct desktop {
	struct rect heads[DESKTOP_HEADS_MAX];		/* on the canvas */
	size_t nheads;
	unsigned shown[DESKTOP_HEADS_MAX];		/* the workspace each head shows */
	struct desktop_window *windows[DESKTOP_WINDOWS_MAX];	/* tiling order */
	size_t nwindows;
	unsigned current;
	struct desktop_window *focus[DESKTOP_WORKSPACES];
	const struct bindings *bindings;
	struct desktop_sink sink;
	uint8_t held[(KEY_CODES_MAX + 7) / 8];		/* pressed, forwarded */
	uint8_t swallowed[(KEY_CODES_MAX + 7) / 8];	/* pressed, a binding's */
	uint8_t pending[(KEY_CODES_MAX + 7) / 8];	/* modifiers pressed, held back */
	uint8_t spent[(KEY_CODES_MAX + 7) / 8];		/* pending, used by a binding */
	bool grabbed;					/* dom0's UI has the keys */
	bool bindings_off;				/* the lock screen: keys only */
	uint64_t focus_clock;				/* counts focus changes */
};

/* One head of WIDTH x HEIGHT, showing workspace 1. */
void desktop_init(struct desktop *d, int32_t width, int32_t height,
		  const struct bindings *bindings, const struct desktop_sink *sink);
/* The heads are now HEADS (N, 1..DESKTOP_HEADS_MAX; more are left out): a
 * head that stays keeps its workspace, a new one shows the first workspace
 * no head shows; when the active head goes the first becomes active (the
 * windows of a workspace no head shows stay there, Super+N shows them).
 * Every shown workspace is placed again. */
void desktop_set_heads(struct desktop *d, const struct rect *heads, size_t n);
/* The head showing workspace WS, or -1. */
int desktop_head_of(const struct desktop *d, unsigned ws);

/* W (not yet on the desktop) goes on the current workspace, and takes
 * the focus there when FOCUS (the user asked for it).  -ENOSPC when the
 * desktop is full. */
int desktop_add(struct desktop *d, struct desktop_window *w, bool focus);
/* W leaves the desktop.  BY_USER: the user closed it (dom0's close
 * binding), and the focus, if W had it, goes to the window of its
 * workspace focused last before it; else only to such a window of W's
 * domain. */
void desktop_remove(struct desktop *d, struct desktop_window *w, bool by_user);

/* Gives the keyboard to dom0's own UI (the launcher) or back.  The keys
 * held at either moment are released where they went and their releases
 * swallowed: the Enter that closes the launcher never reaches a domain. */
void desktop_grab(struct desktop *d, bool on);
/* The modifiers held (binding_mod bits), for dom0's UI. */
unsigned desktop_held_mods(const struct desktop *d);
/* Whether dom0's bindings work (not on the lock screen: while grabbed, every
 * key goes to dom0's UI, a binding's too). */
void desktop_bindings(struct desktop *d, bool on);

/* A key from the user (evdev code, value 0 release, 1 press, 2 repeat). */
void desktop_key(struct desktop *d, uint32_t code, uint32_t value);

/* The modifiers held back are sent to the focused window now: a button or
 * a wheel is about to go there, and Shift+click must reach it as one. */
void desktop_commit_modifiers(struct desktop *d);

/* What the bindings call; public for the launcher and for tests. */
void desktop_focus_next(struct desktop *d, int step);
/* The user clicked W (on a shown workspace: its head becomes active). */
void desktop_focus(struct desktop *d, struct desktop_window *w);
/* The window whose frame holds X,Y on a shown workspace, or NULL. */
struct desktop_window *desktop_window_at(const struct desktop *d, int32_t x, int32_t y);
void desktop_switch(struct desktop *d, unsigned workspace);
void desktop_move_focused(struct desktop *d, unsigned workspace);
void desktop_toggle_fullscreen(struct desktop *d);

struct desktop_window *desktop_focused(const struct desktop *d);
/* The windows on the shown workspaces, bottom to top, head by head, into
 * OUT (room for DESKTOP_WINDOWS_MAX); returns how many. */
size_t desktop_visible(const struct desktop *d, struct desktop_window **out);
/* Bit i: workspace i has windows. */
uint32_t desktop_busy_workspaces(const struct desktop *d);

#endif
