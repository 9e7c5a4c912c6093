/* libFuzzer target: sequences of messages from several domains against
 * dom0's state (drm-compositor/client.c with the real desktop), mixed
 * with what else happens to a channel: a domain that stops reading, a
 * send that fails, a buffer dom0 cannot map, time passing, the user's
 * keys, the launcher's focus, drops, reaps, reconnections.
 *
 * The input is a list of operations (one byte, then its arguments):
 *   0x00-0x7f  a packet from domain (op % CLIENTS): u16 length, the bytes
 *   0x80       domain a: reads at most the next byte's messages (255: all)
 *   0x81       domain a: its channel breaks (sends fail) or mends
 *   0x82       domain a: its buffers cannot be mapped, or can again
 *   0x83       dom0 serves domain a (one turn)
 *   0x84       time passes: the next byte times 20 ms
 *   0x85       the loop reaps dropped channels
 *   0x86       the user presses, repeats or releases a key (two bytes)
 *   0x87       the user asked for the next window (the launcher)
 *   0x88       dom0 drops domain a
 *   0x89       the user moves the focus, or switches workspace (a byte)
 *   0x8a       the launcher asks domain a to run a command
 *   0x8b       domain a closes its channel
 *   0x8c       domain a connects again (once its old channel is freed)
 *   0x8d       the pointer moves to a*5, b*3 (b the next byte) and, over
 *              the focused window or one of its popups, goes to it
 *   0x8e       the wheel turns (int8_t)a steps there (0: one step up)
 *   0x8f       the user's copy: dom0 asks domain a for its clipboard
 *   0x90       the user's paste: dom0 gives domain a the next byte's count
 *              of bytes (from the input)
 *   0x91       the user answers domain a's question about its device
 *              (the next byte: its id, bit 7 set: accepted)
 * where a is the byte after the op.  The seeds are real sessions of the
 * project's clients (fuzz/record_gui.py) in this form.
 *
 * After every operation dom0's books must balance: the desktop holds
 * exactly the placed windows of the channels not yet freed; mapped bytes
 * add up per window, per domain and in all; no live domain is over its
 * budget; no queue is over its bound; a popup is never on the desktop
 * itself, and on the screen only inside its top-level window's pixels;
 * every message dom0 sends decodes as
 * a domain would decode it (fake_transport.h traps otherwise); a domain's
 * clipboard reaches dom0 only as the answer to its one ask.  Only gamma,
 * the USB domain, may forward keyboards and pointers (the others are
 * dropped for it); what its devices send reaches dom0's input sink only
 * once the user accepted one, and every key the sink holds down is one
 * that a live channel's accepted device holds (none is left down when a
 * channel goes).  ASan
 * catches any use of what a drop freed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/input-event-codes.h>

#include "drm-compositor/client.h"
#include "lib/log.h"
#include "tests/fake_desktop.h"
#include "tests/fake_transport.h"

#define CLIENTS 3

static struct desktop D;
static struct bindings B;
static struct clients CS;
static struct client *chan[CLIENTS];
static struct fake_transport *fake[CLIENTS];
static const char *const names[CLIENTS] = { "alpha", "beta", "gamma" };
static uint64_t now;

static void s_action(void *ctx, const struct binding *b, struct desktop_window *dw)
{
	(void)ctx;
	if (b->action == ACT_CLOSE && dw) {
		struct window *w = dw->owner;
		struct gui_msg m = { .type = GUI_CLOSE, .window = w->id };
		client_send(w->client, &m);
	}
}

static void e_gone(void *ctx, struct client *c)
{
	(void)ctx;
	for (int i = 0; i < CLIENTS; i++)
		if (chan[i] == c)
			chan[i] = NULL, fake[i] = NULL;
}

/* Popup W, if shown, lies inside its top-level window's pixels. */
static void check_popup(const struct window *w)
{
	struct rect o, within;

	if (w->placed)
		__builtin_trap();
	if (!window_on_screen(w, &o, NULL))
		return;
	if (!window_on_screen(window_root(w), NULL, &within) ||
	    o.x < within.x || o.y < within.y || o.x + o.w > within.x + within.w ||
	    o.y + o.h > within.y + within.h)
		__builtin_trap();
}

static void check_books(void)
{
	uint64_t all = 0;
	size_t placed = 0;

	for (struct client *c = CS.list; c; c = c->next) {
		uint64_t mine = 0;
		unsigned n = 0;
		for (struct window *w = c->windows; w; w = w->next) {
			mine += w->map.size;
			placed += w->placed;
			n++;
			if (w->placed && w->dw.owner != w)
				__builtin_trap();
			if (w->popup)
				check_popup(w);
		}
		if (mine != c->mapped || n != c->nwindows || n > GUI_WINDOWS_MAX ||
		    c->qlen > GUI_SEND_QUEUE_MAX || (!c->dropping && mine > GUI_MAPPED_DOMAIN_MAX))
			__builtin_trap();
		all += mine;
	}
	if (all != CS.mapped || placed != D.nwindows)
		__builtin_trap();
	for (size_t i = 0; i < D.nwindows; i++) {
		struct window *w = D.windows[i]->owner;
		bool found = false;
		for (struct client *c = CS.list; c && !found; c = c->next)
			found = c == w->client;
		if (!found)
			__builtin_trap();
	}
}

static bool asked[CLIENTS];

/* dom0's input sink, as the compositor's: keys to the desktop. */
static uint8_t sink_held[KEY_MAX + 1];
static bool accepted_once;

static void sink_key(void *ctx, uint32_t code, uint32_t value, uint64_t time_us)
{
	(void)ctx, (void)time_us;
	if (!accepted_once || code > KEY_MAX || value > 2 || (value == 0 && !sink_held[code]))
		__builtin_trap();
	sink_held[code] = value != 0;
	desktop_key(&D, code, value);
}

static void sink_motion(void *ctx, int32_t dx, int32_t dy)
{
	(void)ctx, (void)dx, (void)dy;
	if (!accepted_once)
		__builtin_trap();
}

static void sink_axis(void *ctx, uint32_t axis, int32_t steps)
{
	(void)ctx;
	if (!accepted_once || axis > 1 || !steps)
		__builtin_trap();
}

static const struct input_sink sink = { sink_key, sink_motion, sink_axis, NULL };

static bool input_allowed(void *ctx, struct client *c)
{
	(void)ctx;
	return c == chan[2];
}

/* The keys the sink holds are exactly those gamma's devices hold. */
static void check_held(void)
{
	for (uint32_t code = 0; code <= KEY_MAX; code++) {
		unsigned n = 0;
		for (struct client *c = CS.list; c; c = c->next)
			for (uint32_t id = 1; id <= GUI_INPUT_DEVICES_MAX; id++)
				n += !!(c->proxy.dev[id].held[code / 8] & (1u << (code % 8)));
		if (n > 1 || n != sink_held[code])
			__builtin_trap();
	}
}

static void connect_client(int i)
{
	if (chan[i])
		return;
	asked[i] = false;
	fake[i] = fake_new(NULL);
	chan[i] = client_new(&CS, &fake[i]->t, names[i], NULL, -1);
}

/* asked: dom0's asks out, by domain: an answer without one is a
 * clipboard pushed behind the user's back, which must never reach dom0's. */
static void on_clipboard(void *ctx, struct client *c, enum gui_clip_status status,
			 const uint8_t *data, size_t len)
{
	(void)ctx, (void)data;
	for (int i = 0; i < CLIENTS; i++) {
		if (chan[i] != c)
			continue;
		if (!asked[i] || len > GUI_CLIPBOARD_MAX || (status != GUI_CLIP_TEXT && len))
			__builtin_trap();
		asked[i] = false;
		return;
	}
	__builtin_trap();
}

static void setup(void)
{
	now = 1000000;
	fake_desktop_init(&D, &B, &CS, 1280, 800, s_action, e_gone, now);
	CS.env.clipboard = on_clipboard;
	CS.env.input_allowed = input_allowed;
	CS.env.input = &sink;
	memset(asked, 0, sizeof(asked));
	memset(sink_held, 0, sizeof(sink_held));
	accepted_once = false;
	for (int i = 0; i < CLIENTS; i++) {
		chan[i] = NULL;
		connect_client(i);
	}
}

static int32_t last_x, last_y;

/* The pointer at PX,PY, as the compositor sends it on. */
static void pointer_to(int32_t px, int32_t py)
{
	last_x = px;
	last_y = py;
	struct desktop_window *focused = desktop_focused(&D);
	int32_t x, y;
	struct window *w = focused ? window_at(focused->owner, px, py, &x, &y) : NULL;

	struct rect c;

	if (!w)
		return;
	/* A point in its pixels, which are on the screen. */
	if (!window_on_screen(w, NULL, &c) || x < 0 || y < 0 || x >= c.w || y >= c.h)
		__builtin_trap();
	struct gui_msg m = { .type = GUI_MOTION, .window = w->id };
	m.u.motion.x = x;
	m.u.motion.y = y;
	client_send(w->client, &m);
}

/* STEPS of the wheel where the pointer was last (pointer_to), as the
 * compositor sends them on. */
static void wheel(int32_t steps)
{
	struct desktop_window *focused = desktop_focused(&D);
	int32_t x, y;
	struct window *w = focused ? window_at(focused->owner, last_x, last_y, &x, &y) : NULL;

	if (!w)
		return;
	struct gui_msg m = { .type = GUI_AXIS, .window = w->id };
	m.u.axis.axis = (uint32_t)steps & 1;
	m.u.axis.steps = steps;
	client_send(w->client, &m);
}

/* One operation at DATA[*at]; false at the end of the input. */
static bool step(const uint8_t *data, size_t size, size_t *at)
{
	if (*at >= size)
		return false;
	uint8_t op = data[(*at)++];
	uint8_t a = *at < size ? data[(*at)++] : 0;
	int i = a % CLIENTS;
	struct client *c = chan[i];
	struct fake_transport *f = fake[i];

	if (op < 0x80) {
		i = op % CLIENTS;
		c = chan[i];
		f = fake[i];
		size_t len = a | (size_t)(*at < size ? data[(*at)++] : 0) << 8;
		len = len > size - *at ? size - *at : len;
		if (f && !c->dropping)
			fake_push(f, data + *at, len);
		*at += len;
		return true;
	}
	switch (op) {
	case 0x80:
		if (f)
			f->room = *at < size && data[*at] != 255 ? data[*at] : -1;
		(*at)++;
		break;
	case 0x81:
		if (f)
			f->send_error = f->send_error ? 0 : EPIPE;
		break;
	case 0x82:
		if (f)
			f->map_fails = !f->map_fails;
		break;
	case 0x83:
		if (c) {
			f->pending = true;
			client_io(c, true);
		}
		break;
	case 0x84:
		now += (uint64_t)a * 20;
		clients_tick(&CS, now);
		break;
	case 0x85:
		clients_reap(&CS);
		break;
	case 0x86:
		desktop_key(&D, a, *at < size ? data[(*at)++] % 3 : 1);
		break;
	case 0x87:
		fake_grant_focus = true;
		break;
	case 0x88:
		if (c)
			client_drop(c, "the fuzzer drops it");
		break;
	case 0x89:
		if (a & 0x80)
			desktop_switch(&D, a % DESKTOP_WORKSPACES);
		else
			desktop_focus_next(&D, a & 1 ? 1 : -1);
		break;
	case 0x8a:
		if (c)
			client_run(c, "terminal");
		break;
	case 0x8b:
		if (f)
			f->peer_closed = true;
		break;
	case 0x8c:
		connect_client(i);
		break;
	case 0x8d:
		pointer_to((int32_t)a * 5, (int32_t)(*at < size ? data[(*at)++] : 0) * 3);
		break;
	case 0x8e:
		wheel((int8_t)a ? (int8_t)a : -1);
		break;
	case 0x8f:
		if (c && client_clip_ask(c, 1) == 0)
			asked[i] = true;
		break;
	case 0x90: {
		size_t n = *at < size ? data[(*at)++] : 0;
		n = n > size - *at ? size - *at : n;
		if (c)
			client_clip_paste(c, 1, data + *at, n);
		*at += n;
		break;
	}
	case 0x91: {
		uint8_t b = *at < size ? data[(*at)++] : 0;
		if (c && client_input_answer(c, b & 0x7f, b & 0x80) && (b & 0x80))
			accepted_once = true;
		break;
	}
	default:
		break;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	size_t at = 0;

	if (!quiet) {
		log_set_level(LOG_LVL_ERR);
		quiet = true;
	}
	setup();
	while (step(data, size, &at)) {
		/* The loop's turn: what the fds say, then the reap. */
		for (int i = 0; i < CLIENTS; i++)
			if (chan[i] && client_has_input(chan[i]))
				client_io(chan[i], false);
		check_books();
		check_held();
	}
	for (struct client *c = CS.list; c; c = c->next)
		client_drop(c, "the input ends");
	clients_reap(&CS);
	check_held();
	if (CS.list || D.nwindows || CS.mapped)
		__builtin_trap();
	return 0;
}
