#include "drm-compositor/desktop.h"

#include <errno.h>
#include <string.h>

static bool bit(const uint8_t *set, uint32_t code)
{
	return set[code / 8] & (1u << (code % 8));
}

static void set_bit(uint8_t *set, uint32_t code, bool on)
{
	if (on)
		set[code / 8] |= (uint8_t)(1u << (code % 8));
	else
		set[code / 8] &= (uint8_t)~(1u << (code % 8));
}

static const uint16_t modifier_keys[] = { KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_LEFTCTRL,
					  KEY_RIGHTCTRL, KEY_LEFTALT,	KEY_RIGHTALT,
					  KEY_LEFTMETA,	 KEY_RIGHTMETA };

void desktop_init(struct desktop *d, int32_t width, int32_t height,
		  const struct bindings *bindings, const struct desktop_sink *sink)
{
	memset(d, 0, sizeof(*d));
	d->heads[0] = (struct rect){ 0, 0, width, height };
	d->nheads = 1;
	d->bindings = bindings;
	d->sink = *sink;
}

int desktop_head_of(const struct desktop *d, unsigned ws)
{
	for (size_t h = 0; h < d->nheads; h++)
		if (d->shown[h] == ws)
			return (int)h;
	return -1;
}

static void damage(struct desktop *d, struct rect r)
{
	if (!rect_empty(r))
		d->sink.damage(d->sink.ctx, r);
}

static size_t on_workspace(const struct desktop *d, unsigned ws, struct desktop_window **out)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nwindows; i++)
		if (d->windows[i]->workspace == ws)
			out[n++] = d->windows[i];
	return n;
}

/* Places the windows of workspace WS on the head that shows it (one that
 * is shown nowhere as on the first head: placed again when it is shown);
 * they get new frames and sizes, and that head is redrawn. */
static void relayout(struct desktop *d, unsigned ws)
{
	struct desktop_window *w[DESKTOP_WINDOWS_MAX];
	struct rect r[DESKTOP_WINDOWS_MAX];
	struct desktop_window *full = NULL;
	size_t n = on_workspace(d, ws, w);
	int shown = desktop_head_of(d, ws);
	struct rect head = d->heads[shown < 0 ? 0 : shown];

	for (size_t i = 0; i < n; i++)
		if (w[i]->fullscreen)
			full = w[i];
	if (full) {
		n = 1;
		w[0] = full;
		r[0] = head;
	} else {
		struct rect area = layout_work_area(head.w, head.h);
		area.x += head.x;
		area.y += head.y;
		layout_tile(area, n, r);
	}
	for (size_t i = 0; i < n; i++) {
		struct rect c = frame_content(r[i]);
		uint32_t cw = c.w > 0 ? (uint32_t)c.w : 1, ch = c.h > 0 ? (uint32_t)c.h : 1;
		w[i]->outer = r[i];
		if (cw != w[i]->width || ch != w[i]->height) {
			w[i]->width = cw;
			w[i]->height = ch;
			d->sink.configure(d->sink.ctx, w[i], cw, ch);
		}
	}
	if (shown >= 0)
		damage(d, head);
}

struct desktop_window *desktop_focused(const struct desktop *d)
{
	return d->focus[d->current];
}

/* Releases the held keys in the window losing focus and presses them
 * again in the one gaining it, so that neither sees a key stuck or lost. */
static void move_held_keys(struct desktop *d, struct desktop_window *from,
			   struct desktop_window *to)
{
	for (uint32_t code = 0; code < KEY_CODES_MAX; code++) {
		if (!bit(d->held, code))
			continue;
		if (from)
			d->sink.key(d->sink.ctx, from, code, 0);
		if (to)
			d->sink.key(d->sink.ctx, to, code, 1);
	}
}

static void set_focus(struct desktop *d, unsigned ws, struct desktop_window *w)
{
	struct desktop_window *old = d->focus[ws];

	if (old == w)
		return;
	d->focus[ws] = w;
	if (ws == d->current && !d->grabbed)
		move_held_keys(d, old, w);
	if (old) {
		d->sink.focus(d->sink.ctx, old, false);
		damage(d, old->outer);
	}
	if (w) {
		w->focused_at = ++d->focus_clock;
		d->sink.focus(d->sink.ctx, w, true);
		damage(d, w->outer);
	}
}

int desktop_add(struct desktop *d, struct desktop_window *w, bool focus)
{
	if (d->nwindows >= DESKTOP_WINDOWS_MAX)
		return -ENOSPC;
	w->workspace = d->current;
	w->width = w->height = 0;
	w->fullscreen = false;
	w->focused_at = 0;
	d->windows[d->nwindows++] = w;
	relayout(d, w->workspace);
	if (focus)
		set_focus(d, w->workspace, w);
	return 0;
}

/* Who takes the focus from W, focused on its workspace, as it goes: the
 * window there that had it last before W (one the user chose, never one
 * that only appeared), of W's own domain unless the user closed W. */
static struct desktop_window *heir(const struct desktop *d, struct desktop_window *w,
				   bool by_user)
{
	struct desktop_window *ws[DESKTOP_WINDOWS_MAX], *best = NULL;
	size_t n = on_workspace(d, w->workspace, ws);

	for (size_t i = 0; i < n; i++) {
		if (ws[i] == w || !ws[i]->focused_at || (!by_user && ws[i]->domain != w->domain))
			continue;
		if (!best || ws[i]->focused_at > best->focused_at)
			best = ws[i];
	}
	return best;
}

void desktop_remove(struct desktop *d, struct desktop_window *w, bool by_user)
{
	size_t i;

	for (i = 0; i < d->nwindows && d->windows[i] != w; i++)
		;
	if (i == d->nwindows)
		return;
	bool had_focus = d->focus[w->workspace] == w;
	struct desktop_window *next = had_focus ? heir(d, w, by_user) : NULL;
	memmove(&d->windows[i], &d->windows[i + 1], (d->nwindows - i - 1) * sizeof(w));
	d->nwindows--;
	damage(d, w->outer);
	relayout(d, w->workspace);
	if (had_focus) {
		d->focus[w->workspace] = NULL;
		set_focus(d, w->workspace, next);
	}
}

void desktop_focus_next(struct desktop *d, int step)
{
	struct desktop_window *w[DESKTOP_WINDOWS_MAX];
	size_t n = on_workspace(d, d->current, w), i;

	if (n == 0)
		return;
	for (i = 0; i < n && w[i] != d->focus[d->current]; i++)
		;
	size_t next = i == n ? 0 : (i + n + (size_t)(step > 0 ? 1 : n - 1)) % n;
	if (i == n && step < 0)
		next = n - 1;
	set_focus(d, d->current, w[next]);
}

/* The head showing WS becomes the active one: the keys follow its focus. */
static void activate(struct desktop *d, unsigned ws)
{
	if (ws == d->current)
		return;
	struct desktop_window *old = d->focus[d->current];
	d->current = ws;
	/* While dom0's UI has the keyboard, the held keys are its own. */
	if (!d->grabbed)
		move_held_keys(d, old, d->focus[ws]);
}

void desktop_focus(struct desktop *d, struct desktop_window *w)
{
	if (!w || desktop_head_of(d, w->workspace) < 0)
		return;
	activate(d, w->workspace);
	set_focus(d, d->current, w);
}

struct desktop_window *desktop_window_at(const struct desktop *d, int32_t x, int32_t y)
{
	struct desktop_window *vis[DESKTOP_WINDOWS_MAX];
	size_t n = desktop_visible(d, vis);

	while (n-- > 0)
		if (rect_contains(vis[n]->outer, x, y))
			return vis[n];
	return NULL;
}

/* WS on the active head; one another head shows trades places with the
 * active head's (as xmonad's greedy view): every head always shows one. */
void desktop_switch(struct desktop *d, unsigned ws)
{
	if (ws >= DESKTOP_WORKSPACES || ws == d->current)
		return;
	int active = desktop_head_of(d, d->current), other = desktop_head_of(d, ws);
	unsigned was = d->current;
	if (other >= 0)
		d->shown[other] = was;
	d->shown[active < 0 ? 0 : active] = ws;
	activate(d, ws);
	if (other >= 0)
		relayout(d, was);
	relayout(d, ws);
}

void desktop_set_heads(struct desktop *d, const struct rect *heads, size_t n)
{
	if (n == 0)
		return;
	n = n < DESKTOP_HEADS_MAX ? n : DESKTOP_HEADS_MAX;
	for (size_t h = d->nheads; h < n; h++) {
		/* A new head shows the first workspace no head shows. */
		unsigned ws = 0;
		while (ws < DESKTOP_WORKSPACES && desktop_head_of(d, ws) >= 0)
			ws++;
		d->shown[h] = ws < DESKTOP_WORKSPACES ? ws : 0;
		d->nheads = h + 1;
	}
	d->nheads = n;
	memcpy(d->heads, heads, n * sizeof(*heads));
	/* The active head gone: the first one is active; its workspace's
	 * windows stay, shown once a head shows it. */
	if (desktop_head_of(d, d->current) < 0)
		activate(d, d->shown[0]);
	for (unsigned ws = 0; ws < DESKTOP_WORKSPACES; ws++)
		relayout(d, ws);
}

void desktop_move_focused(struct desktop *d, unsigned ws)
{
	struct desktop_window *w = desktop_focused(d);

	if (!w || ws >= DESKTOP_WORKSPACES || ws == d->current)
		return;
	set_focus(d, d->current, NULL);
	w->workspace = ws;
	w->fullscreen = false;
	relayout(d, d->current);
	relayout(d, ws);
	if (!d->focus[ws])
		d->focus[ws] = w;
	else
		d->sink.focus(d->sink.ctx, w, false);
}

void desktop_toggle_fullscreen(struct desktop *d)
{
	struct desktop_window *w = desktop_focused(d);

	if (!w)
		return;
	w->fullscreen = !w->fullscreen;
	relayout(d, d->current);
}

static void run_binding(struct desktop *d, const struct binding *b)
{
	switch (b->action) {
	case ACT_FOCUS_NEXT:
		desktop_focus_next(d, 1);
		break;
	case ACT_FOCUS_PREV:
		desktop_focus_next(d, -1);
		break;
	case ACT_WORKSPACE:
		desktop_switch(d, b->arg - 1);
		break;
	case ACT_MOVE_TO:
		desktop_move_focused(d, b->arg - 1);
		break;
	case ACT_FULLSCREEN:
		desktop_toggle_fullscreen(d);
		break;
	case ACT_CLOSE:
	case ACT_LAUNCHER:
	case ACT_COPY:
	case ACT_PASTE:
	case ACT_MENU:
	case ACT_LOCK:
		d->sink.action(d->sink.ctx, b, desktop_focused(d));
		break;
	}
}

static unsigned held_mods(const struct desktop *d)
{
	unsigned mods = 0;
	for (size_t i = 0; i < sizeof(modifier_keys) / sizeof(modifier_keys[0]); i++)
		if (bit(d->held, modifier_keys[i]) || bit(d->swallowed, modifier_keys[i]) ||
		    bit(d->pending, modifier_keys[i]))
			mods |= binding_mod_of_key(modifier_keys[i]);
	return mods;
}

/* Each modifier held back: ACT on it, then it is no longer pending. */
static void settle_pending(struct desktop *d, void (*act)(struct desktop *, uint32_t))
{
	for (size_t i = 0; i < sizeof(modifier_keys) / sizeof(modifier_keys[0]); i++) {
		if (!bit(d->pending, modifier_keys[i]))
			continue;
		set_bit(d->pending, modifier_keys[i], false);
		set_bit(d->spent, modifier_keys[i], false);
		act(d, modifier_keys[i]);
	}
}

/* A pending modifier sent to the focused window: from now on it is held
 * there like any key. */
static void send_pending(struct desktop *d, uint32_t code)
{
	struct desktop_window *w = desktop_focused(d);

	set_bit(d->held, code, true);
	if (w)
		d->sink.key(d->sink.ctx, w, code, 1);
}

static void swallow_pending(struct desktop *d, uint32_t code)
{
	set_bit(d->swallowed, code, true);
}

void desktop_commit_modifiers(struct desktop *d)
{
	if (!d->grabbed)
		settle_pending(d, send_pending);
}

static void mark_spent(struct desktop *d)
{
	for (size_t i = 0; i < sizeof(d->spent); i++)
		d->spent[i] |= d->pending[i];
}

void desktop_grab(struct desktop *d, bool on)
{
	struct desktop_window *w = desktop_focused(d);

	if (on == d->grabbed)
		return;
	settle_pending(d, swallow_pending);
	for (uint32_t code = 0; code < KEY_CODES_MAX; code++) {
		if (!bit(d->held, code))
			continue;
		if (w && !d->grabbed)
			d->sink.key(d->sink.ctx, w, code, 0);
		else if (d->grabbed)
			d->sink.dom0_key(d->sink.ctx, code, 0);
		set_bit(d->held, code, false);
		set_bit(d->swallowed, code, true);
	}
	d->grabbed = on;
}

unsigned desktop_held_mods(const struct desktop *d)
{
	return held_mods(d);
}

void desktop_bindings(struct desktop *d, bool on)
{
	d->bindings_off = !on;
}

/* The release of a modifier held back: a tap nobody's binding used goes to
 * the focused window whole; one a binding used goes nowhere. */
static void release_pending(struct desktop *d, uint32_t code)
{
	struct desktop_window *w = desktop_focused(d);
	bool spent = bit(d->spent, code);

	set_bit(d->pending, code, false);
	set_bit(d->spent, code, false);
	if (spent || !w)
		return;
	d->sink.key(d->sink.ctx, w, code, 1);
	d->sink.key(d->sink.ctx, w, code, 0);
}

void desktop_key(struct desktop *d, uint32_t code, uint32_t value)
{
	if (code >= KEY_CODES_MAX || value > 2)
		return;
	if (value == 0) {
		if (bit(d->swallowed, code)) {
			set_bit(d->swallowed, code, false);
			return;
		}
		if (bit(d->pending, code)) {
			release_pending(d, code);
			return;
		}
		if (!bit(d->held, code))
			return;
		set_bit(d->held, code, false);
	} else if (value == 1) {
		const struct binding *b = d->bindings_off ? NULL :
					  bindings_match(d->bindings, held_mods(d), code);
		if (b) {
			set_bit(d->swallowed, code, true);
			mark_spent(d);
			run_binding(d, b);
			return;
		}
		if (!d->grabbed && binding_mod_of_key(code)) {
			set_bit(d->pending, code, true);
			return;
		}
		desktop_commit_modifiers(d);
		set_bit(d->held, code, true);
	} else if (bit(d->swallowed, code) || !bit(d->held, code)) {
		return;
	}
	if (d->grabbed) {
		d->sink.dom0_key(d->sink.ctx, code, value);
		return;
	}
	struct desktop_window *w = desktop_focused(d);
	if (w)
		d->sink.key(d->sink.ctx, w, code, value);
}

/* The windows WS shows on its head, into OUT: its fullscreen one alone. */
static size_t shows(const struct desktop *d, unsigned ws, struct desktop_window **out)
{
	size_t n = on_workspace(d, ws, out);
	for (size_t i = 0; i < n; i++) {
		if (out[i]->fullscreen) {
			out[0] = out[i];
			return 1;
		}
	}
	return n;
}

size_t desktop_visible(const struct desktop *d, struct desktop_window **out)
{
	size_t n = 0;
	for (size_t h = 0; h < d->nheads; h++)
		n += shows(d, d->shown[h], out + n);
	return n;
}

uint32_t desktop_busy_workspaces(const struct desktop *d)
{
	uint32_t busy = 0;
	for (size_t i = 0; i < d->nwindows; i++)
		busy |= 1u << d->windows[i]->workspace;
	return busy;
}
