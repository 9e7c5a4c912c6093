/*
 * client.h - one domain's GUI channel as dom0 sees it: the domain's
 * windows, every message it sends checked against their state, what dom0
 * sends it queued and coalesced, and the budgets that keep one domain from
 * costing another anything.  No clock, no poll, no process of its own: the
 * compositor's loop drives it (client_io, clients_tick, clients_reap), and
 * the unit tests and fuzz_guisession drive it the same way on a fake
 * transport.
 *
 * What one domain can cost the others (docs/GUI-PROTOCOL.md, "Fairness"):
 *   queue space  dom0 never waits for a domain.  What its channel does not
 *                take at once waits in the channel's own queue, at most
 *                GUI_SEND_QUEUE_MAX messages; a CONFIGURE replaces the
 *                window's earlier unsent one (the latest size wins), so a
 *                domain's window churn re-tiling the desktop cannot fill
 *                another domain's queue.  A queue that overflows all the
 *                same (the domain reads nothing while the user types to it)
 *                drops that domain.
 *   CPU per turn client_io() handles at most GUI_MSGS_PER_TURN messages;
 *                what is left waits for the next turn, which does not wait
 *                for the domain to write again (client_has_input()).
 *   layout       placing a window re-tiles its workspace and resizes the
 *                others there: a domain places GUI_LAYOUT_BURST windows at
 *                once, then GUI_LAYOUT_PER_SEC a second; a window beyond
 *                that waits unshown for the domain's next turn (and its
 *                DESTROY then costs nothing).
 *   mapped bytes a domain's buffers together at most GUI_MAPPED_DOMAIN_MAX;
 *                all domains' together GUI_MAPPED_TOTAL_MAX.  When that is
 *                spent, a domain asking for more than its fair share (an
 *                equal part for each domain with a channel) is dropped, and
 *                one asking within its share takes the room from the one
 *                holding the most: a domain within its share is never
 *                dropped for what the others hold.
 *   focus        a new window takes the keyboard only when env.wants_focus
 *                says the user asked that domain for it (the launcher).
 *
 * Lifetimes.  Nothing here is freed while a caller up the stack may hold
 * it: client_drop() only marks the client (nothing more is read from it
 * or sent to it, and its windows stay where they are), and
 * clients_reap() frees it later.  The main loop calls clients_reap()
 * between events, never from inside a desktop or client call; that is
 * the only place a client, its transport and its windows (but one a
 * DESTROY names, freed as client_io() handles it) are freed.  So a send
 * that fails deep inside a re-tiling never pulls a window out from under
 * desktop code.  Main loop only; one thread.
 */
#ifndef BULKHEAD_CLIENT_H
#define BULKHEAD_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "drm-compositor/desktop.h"
#include "drm-compositor/proxyinput.h"
#include "proto/guiproto.h"
#include "gui/transport.h"
#include "lib/limits.h"

struct client;

/* A window of a domain's.  The compositor reads it to draw; only client.c
 * writes it. */
struct window {
	struct desktop_window dw;	/* first: desktop callbacks give us this */
	struct client *client;
	struct window *next;		/* the client's, in the order of CREATE */
	uint32_t id;
	char title[GUI_TITLE_MAX + 1];
	struct gui_mapping map;		/* the domain's pixels, read-only */
	uint32_t buf_width, buf_height, stride;
	bool placed;			/* on the desktop (else waiting for layout budget) */
	bool configure_queued;		/* a CONFIGURE of dw.width x dw.height not sent yet */
	bool close_asked;		/* the user closed it: the focus goes on when it goes */
	/* A popup (POPUP) is never on the desktop itself: it is drawn over
	 * its top-level window, inside it, in its colour.  Its parent NULL:
	 * the parent went first, and the popup is shown no more. */
	bool popup;
	struct window *parent;
	struct rect want;		/* where and how large it asked to be, in its
					 * parent's pixels */
};

/* What dom0 sends a domain, as queued: every type but RUN, whose command
 * is sent at once or not at all (client_run). */
struct client_out {
	uint8_t type;			/* enum gui_type */
	uint32_t window;
	uint32_t a, b;			/* the message's u32 fields, in order */
};

struct client {
	struct clients *cs;
	struct client *next;		/* in cs->list */
	struct gui_transport *t;
	void *owner;			/* the compositor's domain, for env.gone */
	const char *name;		/* the domain's name: the owner's storage */
	int domid;			/* vchan: the domain at the other end; -1 local */
	bool greeted;
	uint32_t version;		/* HELLO's */
	bool dropping;			/* dropped: freed at the next clients_reap() */
	bool clip_asked;		/* a CLIP_ASK is out: one CLIP_DATA may come */
	/* The last RUNs sent, oldest first: an EXITED may name one of them,
	 * once, and nothing else. */
	char runs[GUI_RUNS_KEPT][GUI_COMMAND_MAX + 1];
	unsigned nruns;
	struct window *windows;
	unsigned nwindows;
	uint64_t mapped;		/* bytes of its buffers mapped */
	uint32_t layout_milli;		/* layout budget, in thousandths of a window */
	uint64_t layout_at_ms;		/* when it was last topped up */
	struct client_out queue[GUI_SEND_QUEUE_MAX];
	unsigned qhead, qlen;
	/* A USB domain's keyboards and pointers (version 6), and when their
	 * events over the budget were last said in the log. */
	struct proxy_input proxy;
	uint64_t proxy_said_ms;
	/* Only for the fuzzer's and tests' checks. */
	uint64_t received;
};

struct clients_env {
	void (*damage)(void *ctx, struct rect r);
	/* Whether C's window appearing now takes the keyboard: the user asked
	 * C's domain for it.  Asked once per window, as it is placed. */
	bool (*wants_focus)(void *ctx, struct client *c);
	/* C said HELLO: dom0 may ask things of it now.  NULL: nobody cares. */
	void (*greeted)(void *ctx, struct client *c);
	/* C is being freed (clients_reap): forget it. */
	void (*gone)(void *ctx, struct client *c);
	/* A client was dropped: clients_reap() is due, once no desktop or
	 * client call is up the stack.  NULL: the caller reaps anyway. */
	void (*reap_due)(void *ctx);
	/* C answered dom0's CLIP_ASK: STATUS, and LEN bytes at DATA (valid
	 * for this call only) with GUI_CLIP_TEXT.  NULL: ignored. */
	void (*clipboard)(void *ctx, struct client *c, enum gui_clip_status status,
			  const uint8_t *data, size_t len);
	/* A command C was asked to RUN failed as it started (EXITED, version
	 * 5): STATUS (as guiproto.h says), COMMAND printable ASCII.  NULL:
	 * ignored. */
	void (*exited)(void *ctx, struct client *c, uint32_t status, const char *command);
	/* A USB domain's keyboards and pointers (INPUT_DEVICE, INPUT_EVENTS,
	 * version 6: drm-compositor/proxyinput.h).  input_allowed: whether C
	 * may forward any (a domain of class usb); else, or with
	 * input_allowed NULL, the first such message drops C.  input_ask: C
	 * announced device ID: ask the user (answer with client_input_answer).
	 * input_gone: it went, its question with it.  input: where an
	 * accepted device's events go (dom0's own devices' sink). */
	bool (*input_allowed)(void *ctx, struct client *c);
	void (*input_ask)(void *ctx, struct client *c, uint32_t id, enum gui_input_kind kind,
			  const char *name);
	void (*input_gone)(void *ctx, struct client *c, uint32_t id);
	const struct input_sink *input;
	void *ctx;
};

struct clients {
	struct desktop *desk;
	struct clients_env env;
	struct client *list;
	uint64_t now_ms;		/* the loop's clock, from clients_tick() */
	uint64_t mapped;		/* bytes mapped for every client's buffers */
	uint64_t keys_sent;		/* KEY messages queued so far */
	uint64_t damages;		/* DAMAGE messages taken so far (make bench) */
	bool reap_due;			/* some client is dropping */
};

void clients_init(struct clients *cs, struct desktop *desk, const struct clients_env *env,
		  uint64_t now_ms);

/* T (taken in every case) becomes a channel of domain NAME (a string that
 * outlives the client), OWNER the compositor's handle for it.  NULL when
 * out of memory (T closed). */
struct client *client_new(struct clients *cs, struct gui_transport *t, const char *name,
			  void *owner, int domid);

/* The fd to poll and the events to ask for (POLLOUT while messages wait
 * for room, where the transport signals room that way). */
int client_fd(const struct client *c);
short client_poll_events(const struct client *c);

/* The channel's fd was ready (or client_has_input said so): sends what is
 * queued as far as the channel takes it, then handles up to
 * GUI_MSGS_PER_TURN messages from the domain. */
void client_io(struct client *c, bool woken);
/* Whole messages are already buffered on our side: serve again without
 * waiting for the fd. */
bool client_has_input(const struct client *c);

/* What the desktop says to windows (desktop_sink's configure, focus and
 * key, with struct clients as its ctx): a CONFIGURE (coalesced), a FOCUS,
 * a KEY (counted in keys_sent) for the window's domain. */
void clients_sink_configure(void *cs, struct desktop_window *w, uint32_t width, uint32_t height);
void clients_sink_focus(void *cs, struct desktop_window *w, bool focused);
void clients_sink_key(void *cs, struct desktop_window *w, uint32_t code, uint32_t value);

/* Queues M for C (see struct client_out: not RUN) and sends what it can.
 * An AXIS is cut to GUI_AXIS_MAX steps, and not sent with none or to a
 * version 2 client. */
void client_send(struct client *c, const struct gui_msg *m);
/* CONFIGURE of W to its desktop size (dw.width x dw.height), coalesced. */
void client_configure(struct window *w);
/* RUN COMMAND: 0 when sent; -EAGAIN when the domain has not read what
 * was sent before (nothing is sent: the launcher says so); -EPIPE when
 * the channel is not up (or being dropped). */
int client_run(struct client *c, const char *command);

/* The clipboard (version 4).  client_clip_ask(): asks C for its
 * clipboard (the user's copy in WINDOW); the answer comes through
 * env.clipboard; one ask is out at a time (a second while it is: 0, the
 * first's answer serves).  client_clip_paste(): gives C the LEN bytes at
 * DATA (the user's paste in WINDOW), sent at once or not at all, as RUN.
 * 0; -ENOTSUP: C speaks a version without a clipboard; -EAGAIN: C has not
 * read what was sent before; -EPIPE: the channel is not up. */
int client_clip_ask(struct client *c, uint32_t window);
int client_clip_paste(struct client *c, uint32_t window, const uint8_t *data, size_t len);

/* The user's answer about C's device ID (env.input_ask): its events go
 * to env.input from now on, or nowhere ever.  False when C no longer asks
 * about it (it went). */
bool client_input_answer(struct client *c, uint32_t id, bool accept);

/* Drops C: logged at once with the reason, freed at clients_reap(). */
void client_drop(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the clock and places the windows whose domains' layout budget has
 * come back.  Main loop, between events. */
void clients_tick(struct clients *cs, uint64_t now_ms);
/* When clients_tick() has windows to place next, or UINT64_MAX. */
uint64_t clients_next_tick(const struct clients *cs);
/* Frees the dropped clients (their windows off the desktop, their
 * buffers unmapped, their transports closed), calling env.gone for each.
 * Main loop only, between events. */
void clients_reap(struct clients *cs);

/* C's window ID, or NULL. */
struct window *client_window(struct client *c, uint32_t id);

/* The top-level window W is shown in (W itself if it is one), or NULL
 * for a popup whose parent has gone. */
struct window *window_root(const struct window *w);
/* Whether W is on the screen now (a top-level window placed on the
 * current workspace; a popup with pixels whose top-level window is), and
 * if so its OUTER rectangle and the CONTENT its pixels fill (either may
 * be NULL). */
bool window_on_screen(const struct window *w, struct rect *outer, struct rect *content);
/* Of ROOT (a top-level window) and its popups on the screen, the topmost
 * whose pixels hold the screen point PX,PY, and the point in its pixels
 * (*X, *Y); NULL when none does. */
struct window *window_at(struct window *root, int32_t px, int32_t py, int32_t *x, int32_t *y);

#endif
