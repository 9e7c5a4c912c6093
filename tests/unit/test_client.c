/* A domain's GUI channel in dom0 (drm-compositor/client.c) on the fake
 * transport, with the real desktop: hostile domains against honest ones,
 * for every fairness rule of client.h. */
#include "tests/unit/test_helpers.h"

#include "drm-compositor/client.h"
#include "drm-compositor/clipboard.h"
#include "lib/bytes.h"
#include "tests/fake_desktop.h"
#include "tests/fake_transport.h"

static struct desktop D;
static struct bindings B;
static struct clients CS;
static unsigned closed, gone;
static uint64_t now_ms;

static void s_action(void *ctx, const struct binding *b, struct desktop_window *w)
{
	(void)ctx, (void)b, (void)w;
}

static void e_gone(void *ctx, struct client *c)
{
	(void)ctx, (void)c;
	gone++;
}

static int setup(void **state)
{
	(void)state;
	now_ms = 1000000;
	fake_desktop_init(&D, &B, &CS, 1920, 1080, s_action, e_gone, now_ms);
	closed = gone = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (struct client *c = CS.list; c; c = c->next)
		client_drop(c, "the test ends");
	clients_reap(&CS);
	assert_null(CS.list);
	assert_int_equal(D.nwindows, 0);
	assert_int_equal(CS.mapped, 0);
	return 0;
}

/* --- a domain, as its bytes ------------------------------------------- */

struct dom {
	struct fake_transport *f;
	struct client *c;
};

static void push(struct dom *d, const struct gui_msg *m)
{
	uint8_t buf[64];
	size_t len = gui_encode(m, buf, sizeof(buf));
	assert_true(len > 0);
	assert_true(fake_push(d->f, buf, len));
}

static void hello(struct dom *d)
{
	struct gui_msg m = { .type = GUI_HELLO, .u.hello.version = GUI_VERSION };
	push(d, &m);
}

static void create(struct dom *d, uint32_t id)
{
	struct gui_msg m = { .type = GUI_CREATE, .window = id };
	m.u.size.width = 640;
	m.u.size.height = 480;
	push(d, &m);
}

static void popup(struct dom *d, uint32_t id, uint32_t parent, int32_t x, int32_t y,
		  uint32_t w, uint32_t h)
{
	struct gui_msg m = { .type = GUI_POPUP, .window = id };
	m.u.popup.parent = parent;
	m.u.popup.x = x;
	m.u.popup.y = y;
	m.u.popup.width = w;
	m.u.popup.height = h;
	push(d, &m);
}

static void destroy(struct dom *d, uint32_t id)
{
	struct gui_msg m = { .type = GUI_DESTROY, .window = id };
	push(d, &m);
}

static void buffer(struct dom *d, uint32_t id, uint32_t w, uint32_t h)
{
	uint8_t buf[64];
	size_t len = gui_encode_buffer(id, w, h, w * 4, NULL, 0, buf, sizeof(buf));
	assert_true(len > 0);
	assert_true(fake_push(d->f, buf, len));
}

/* Lets dom0 handle all that D sent, in as many turns as it takes. */
static void serve(struct dom *d)
{
	while (!d->c->dropping && d->f->count)
		client_io(d->c, true);
}

static struct dom dom_connect(const char *name)
{
	struct dom d = { .f = fake_new(&closed) };
	d.c = client_new(&CS, &d.f->t, name, NULL, -1);
	assert_non_null(d.c);
	hello(&d);
	serve(&d);
	assert_true(d.c->greeted);
	return d;
}

static size_t placed_windows(const struct client *c)
{
	size_t n = 0;
	for (const struct window *w = c->windows; w; w = w->next)
		n += w->placed;
	return n;
}

static void tick(uint64_t ms)
{
	now_ms += ms;
	clients_tick(&CS, now_ms);
}

/* --- the tests ------------------------------------------------------------ */

/* A send that fails deep inside a re-tiling (another domain's CREATE)
 * marks the failing domain; its windows stay on the desktop, and stay
 * allocated, until the loop's reap: nothing is freed under relayout(). */
static void test_drop_is_deferred_to_the_reap(void **state)
{
	(void)state;
	struct dom evil = dom_connect("evil"), honest = dom_connect("honest");
	create(&evil, 1);
	create(&evil, 2);
	serve(&evil);
	assert_int_equal(D.nwindows, 2);
	evil.f->send_error = EPIPE;
	capture_begin();
	create(&honest, 1);
	serve(&honest);
	const char *log = capture_end();
	assert_true(evil.c->dropping);
	assert_non_null(strstr(log, "domain evil: GUI channel dropped: cannot send CONFIGURE"));
	assert_int_equal(D.nwindows, 3);	/* still there */
	assert_int_equal(gone, 0);
	clients_reap(&CS);
	assert_int_equal(gone, 1);
	assert_int_equal(closed, 1);
	assert_int_equal(D.nwindows, 1);
	assert_ptr_equal(CS.list, honest.c);
	assert_false(honest.c->dropping);
}

/* The crash: a domain that never reads, then HELLO, CREATE 1..m
 * and CREATE 100 / DESTROY 100 in a loop.  No send fails now (they wait
 * in its queue), its churn beyond its layout budget re-tiles nothing,
 * and the honest domain's windows are told their size once each. */
static void test_churn_costs_another_domain_nothing(void **state)
{
	(void)state;
	struct dom honest = dom_connect("honest"), evil = dom_connect("evil");
	create(&honest, 1);
	create(&honest, 2);
	serve(&honest);
	unsigned long before = honest.f->sent_of[GUI_CONFIGURE];
	honest.f->room = 0;	/* it reads slowly: nothing for now */
	evil.f->room = 0;	/* it never reads */
	for (uint32_t m = 1; m <= 4; m++)
		create(&evil, m);
	serve(&evil);
	for (int i = 0; i < 2000; i++) {
		create(&evil, 100);
		destroy(&evil, 100);
		serve(&evil);
		if (i % 100 == 0)
			tick(50);
	}
	assert_false(honest.c->dropping);
	/* One CONFIGURE each at most waits for the honest domain's windows. */
	assert_true(honest.c->qlen <= 2);
	/* The churn placed at most its budget: the burst and 8 a second. */
	size_t seconds = 2000 / 100 * 50 / 1000 + 1;
	assert_true(evil.f->sent_of[GUI_CONFIGURE] + evil.c->qlen <=
		    GUI_LAYOUT_BURST + GUI_LAYOUT_PER_SEC * seconds + 4);
	/* When the honest domain reads, it gets its windows' sizes as they
	 * are now, once each. */
	honest.f->room = -1;
	client_io(honest.c, true);
	assert_int_equal(honest.c->qlen, 0);
	assert_true(honest.f->sent_of[GUI_CONFIGURE] - before <= 2);
	struct window *w1 = client_window(honest.c, 1);
	assert_true(w1->placed);
	clients_reap(&CS);
	assert_int_equal(gone, 0);
}

/* A domain's windows beyond its layout budget wait unshown; the budget
 * comes back with time, and a waiting window's DESTROY costs nothing. */
static void test_layout_budget(void **state)
{
	(void)state;
	struct dom d = dom_connect("burst");
	for (uint32_t i = 1; i <= GUI_LAYOUT_BURST + 10; i++)
		create(&d, i);
	serve(&d);
	assert_int_equal(placed_windows(d.c), GUI_LAYOUT_BURST);
	assert_int_equal(D.nwindows, GUI_LAYOUT_BURST);
	uint64_t next = clients_next_tick(&CS);
	assert_true(next > now_ms && next <= now_ms + 1000 / GUI_LAYOUT_PER_SEC + 1);
	destroy(&d, GUI_LAYOUT_BURST + 10);	/* waiting: gone without a re-tiling */
	serve(&d);
	tick(1000);
	assert_int_equal(placed_windows(d.c), GUI_LAYOUT_BURST + GUI_LAYOUT_PER_SEC);
	tick(1000);
	assert_int_equal(placed_windows(d.c), GUI_LAYOUT_BURST + 9);
	assert_int_equal(clients_next_tick(&CS), UINT64_MAX);
	assert_false(d.c->dropping);
}

/* A window appears with the keyboard only when the user asked for it. */
static void test_unsolicited_window_takes_no_focus(void **state)
{
	(void)state;
	struct dom a = dom_connect("a"), b = dom_connect("b");
	create(&a, 1);
	serve(&a);
	assert_null(desktop_focused(&D));
	assert_int_equal(a.f->sent_of[GUI_FOCUS], 0);
	fake_grant_focus = true;	/* the user ran the launcher for b */
	create(&b, 7);
	serve(&b);
	assert_ptr_equal(desktop_focused(&D), &client_window(b.c, 7)->dw);
	assert_int_equal(b.f->sent_of[GUI_FOCUS], 1);
	/* The focused window goes; the next new ones, of either domain,
	 * take nothing. */
	destroy(&b, 7);
	serve(&b);
	assert_null(desktop_focused(&D));
	for (uint32_t i = 2; i < 10; i++)
		create(&a, i);
	create(&b, 8);
	serve(&a);
	serve(&b);
	assert_null(desktop_focused(&D));
	desktop_key(&D, KEY_A, 1);
	assert_int_equal(a.f->sent_of[GUI_KEY], 0);
	assert_int_equal(b.f->sent_of[GUI_KEY], 0);
}

/* Mapped bytes: a domain over its own budget is dropped, alone. */
static void test_budget_of_a_domain(void **state)
{
	(void)state;
	struct dom honest = dom_connect("honest"), hog = dom_connect("hog");
	create(&honest, 1);
	buffer(&honest, 1, 1920, 1080);
	serve(&honest);
	for (uint32_t i = 1; i <= 3; i++) {
		create(&hog, i);
		buffer(&hog, i, 4096, 4096);	/* 64 MiB each: two fit */
	}
	capture_begin();
	serve(&hog);
	const char *log = capture_end();
	assert_true(hog.c->dropping);
	assert_non_null(strstr(log, "domain hog: GUI channel dropped: window 3: a 64.0 MiB BUFFER "
				    "would make its buffers 192.0 MiB, over the budget of 128 MiB"));
	assert_false(honest.c->dropping);
	clients_reap(&CS);
	assert_int_equal(CS.mapped, 1920 * 1080 * 4);
	assert_int_equal(honest.f->mapped_now, 1);
}

/* Replacing a buffer counts what is replaced: the same window may get a
 * new buffer of its budget's size for ever. */
static void test_budget_counts_replaced_buffers(void **state)
{
	(void)state;
	struct dom d = dom_connect("resizer");
	create(&d, 1);
	create(&d, 2);
	serve(&d);
	for (int i = 0; i < 20; i++) {
		buffer(&d, 1, 4096, 4096);
		buffer(&d, 2, 4096, 4000 + (uint32_t)i);
		serve(&d);
	}
	assert_false(d.c->dropping);
	assert_int_equal(d.f->mapped_now, 2);
	assert_int_equal(CS.mapped, d.c->mapped);
}

/* Mapped bytes of all domains: past the global budget, the domain that
 * holds the most goes, not the honest one that asked for a little. */
static void test_global_budget_drops_the_largest(void **state)
{
	(void)state;
	struct dom hogs[4], honest = dom_connect("honest");
	static char names[4][16];
	for (int h = 0; h < 4; h++) {
		snprintf(names[h], sizeof(names[h]), "hog%d", h);
		hogs[h] = dom_connect(names[h]);
		create(&hogs[h], 1);
		create(&hogs[h], 2);
		buffer(&hogs[h], 1, 4096, 4096);
		buffer(&hogs[h], 2, 4096, 4096 - (uint32_t)h);
		serve(&hogs[h]);
		assert_false(hogs[h].c->dropping);
	}
	assert_true(CS.mapped <= GUI_MAPPED_TOTAL_MAX);
	create(&honest, 1);
	buffer(&honest, 1, 1920, 1080);
	capture_begin();
	serve(&honest);
	const char *log = capture_end();
	assert_false(honest.c->dropping);
	assert_true(hogs[0].c->dropping);	/* the largest: 128 MiB */
	assert_non_null(strstr(log, "domain hog0: GUI channel dropped: dom0's budget of 512 MiB for "
				    "mapped buffers is spent, this domain holds the most (128.0 MiB, "
				    "its fair share 102.4 MiB), and domain honest asks for room "
				    "within its share"));
	for (int h = 1; h < 4; h++)
		assert_false(hogs[h].c->dropping);
	clients_reap(&CS);
	assert_true(CS.mapped <= GUI_MAPPED_TOTAL_MAX);
	/* A domain that asks for more than its fair share when the budget is
	 * spent pays itself, even when another holds more. */
	struct dom late = dom_connect("late");
	create(&late, 1);
	create(&late, 2);
	buffer(&late, 1, 4096, 4096);
	buffer(&late, 2, 4096, 4096);
	capture_begin();
	serve(&late);
	log = capture_end();
	assert_true(late.c->dropping);
	assert_non_null(strstr(log, "domain late: GUI channel dropped: window 2: a 64.0 MiB BUFFER "
				    "would make its buffers 128.0 MiB, more than its fair share "
				    "(102.4 MiB) of dom0's budget of 512 MiB, which is spent"));
	for (int h = 1; h < 4; h++)
		assert_false(hogs[h].c->dropping);
	assert_false(honest.c->dropping);
}

/* Four domains with 120 MiB each against an honest one with three 4K
 * screens (92 MiB, within its fair share of a fifth: 102.4 MiB), in
 * either order: the honest one always keeps its buffers; the budget is
 * kept by dropping an attacker, the one that asks beyond its share or
 * the largest holder when the asker is within it. */
static void honest_against_four(bool honest_first)
{
	struct dom honest = dom_connect("honest"), evil[4];
	static char names[4][16];
	for (uint32_t i = 1; i <= 3; i++) {
		create(&honest, i);
		buffer(&honest, i, 3826, 2104);
	}
	if (honest_first)
		serve(&honest);
	for (int e = 0; e < 4; e++) {
		snprintf(names[e], sizeof(names[e]), "evil%d", e);
		evil[e] = dom_connect(names[e]);
	}
	for (int e = 0; e < 4; e++) {
		create(&evil[e], 1);
		create(&evil[e], 2);
		buffer(&evil[e], 1, 4096, 3840);	/* 60 MiB */
		buffer(&evil[e], 2, 4096, 3840);
		serve(&evil[e]);
	}
	serve(&honest);
	assert_false(honest.c->dropping);
	int dropped = 0;
	for (int e = 0; e < 4; e++)
		dropped += evil[e].c->dropping;
	assert_int_equal(dropped, 1);
	clients_reap(&CS);
	assert_true(CS.mapped <= GUI_MAPPED_TOTAL_MAX);
}

static void test_global_budget_spares_the_fair(void **state)
{
	(void)state;
	honest_against_four(true);
	teardown(NULL);
	setup(NULL);
	honest_against_four(false);
}

/* At most GUI_MSGS_PER_TURN messages a turn; what is left is served on
 * the next turn whether the fd says so or not (client_has_input). */
static void test_turn_bound_and_what_is_left(void **state)
{
	(void)state;
	struct dom d = dom_connect("talker");
	create(&d, 1);
	for (int i = 0; i < 99; i++) {
		uint8_t buf[64];
		size_t len = gui_encode_title(1, "t", 1, buf, sizeof(buf));
		assert_true(fake_push(d.f, buf, len));
	}
	d.f->pending = true;
	uint64_t before = d.c->received;
	client_io(d.c, true);
	assert_int_equal(d.c->received - before, GUI_MSGS_PER_TURN);
	assert_true(client_has_input(d.c));
	client_io(d.c, false);
	assert_int_equal(d.c->received - before, 100);
	assert_false(client_has_input(d.c));
}

/* A domain that reads nothing while the user types to it fills its own
 * queue and is dropped; another domain's keys are not held up. */
static void test_queue_overflow_drops_only_that_domain(void **state)
{
	(void)state;
	struct dom deaf = dom_connect("deaf"), other = dom_connect("other");
	fake_grant_focus = true;
	create(&deaf, 1);
	serve(&deaf);
	create(&other, 1);
	serve(&other);
	deaf.f->room = 0;
	capture_begin();
	desktop_key(&D, KEY_A, 1);
	for (int i = 0; i < 2 * GUI_SEND_QUEUE_MAX; i++)
		desktop_key(&D, KEY_A, 2);	/* held: its repeats fill the queue */
	desktop_key(&D, KEY_A, 0);
	const char *log = capture_end();
	assert_true(deaf.c->dropping);
	assert_non_null(strstr(log, "domain deaf: GUI channel dropped: it reads nothing: 512 "
				    "messages wait for it"));
	clients_reap(&CS);
	desktop_focus_next(&D, 1);
	desktop_key(&D, KEY_B, 1);
	assert_int_equal(other.f->sent_of[GUI_KEY], 1);
	assert_false(other.c->dropping);
}

/* Pointer motion not yet sent is replaced by the latest, but never moved
 * past a button that came after it. */
static void test_motion_coalesced_at_the_tail_only(void **state)
{
	(void)state;
	struct dom d = dom_connect("pointer");
	fake_grant_focus = true;
	create(&d, 1);
	serve(&d);
	d.f->room = 0;
	struct gui_msg m = { .type = GUI_MOTION, .window = 1 };
	for (int i = 0; i < 100; i++) {
		m.u.motion.x = i;
		client_send(d.c, &m);
	}
	assert_int_equal(d.c->qlen, 1);
	struct gui_msg b = { .type = GUI_BUTTON, .window = 1 };
	b.u.input.code = BTN_LEFT;
	b.u.input.value = 1;
	client_send(d.c, &b);
	client_send(d.c, &m);
	assert_int_equal(d.c->qlen, 3);
	/* RUN is not queued behind them: the launcher says to try later. */
	assert_int_equal(client_run(d.c, "xterm"), -EAGAIN);
	d.f->room = -1;
	client_io(d.c, true);
	assert_int_equal(d.c->qlen, 0);
	assert_int_equal(client_run(d.c, "xterm"), 0);
}

/* Wheel steps not yet sent add up at the queue's tail, within
 * GUI_AXIS_MAX; a version 2 client is never sent AXIS. */
static void test_axis_coalesced_and_versioned(void **state)
{
	(void)state;
	struct dom d = dom_connect("wheel");
	create(&d, 1);
	serve(&d);
	d.f->room = 0;
	unsigned before = d.c->qlen;
	struct gui_msg m = { .type = GUI_AXIS, .window = 1 };
	m.u.axis.steps = 100;
	client_send(d.c, &m);
	client_send(d.c, &m);	/* 200 > GUI_AXIS_MAX: a second message */
	m.u.axis.steps = -30;
	client_send(d.c, &m);	/* added to the second: 70 */
	assert_int_equal(d.c->qlen, before + 2);
	d.f->room = -1;
	client_io(d.c, true);
	assert_int_equal(d.f->sent_of[GUI_AXIS], 2);

	struct dom old = { .f = fake_new(&closed) };
	struct gui_msg hello = { .type = GUI_HELLO, .u.hello.version = 2 };
	old.c = client_new(&CS, &old.f->t, "old", NULL, -1);
	push(&old, &hello);
	create(&old, 1);
	serve(&old);
	m.u.axis.steps = 1;
	client_send(old.c, &m);
	client_io(old.c, true);
	assert_int_equal(old.f->sent_of[GUI_AXIS], 0);
	assert_false(old.c->dropping);
}

/* A CONFIGURE held back (no room) carries the window's latest size when
 * it goes. */
static void test_configure_carries_the_latest_size(void **state)
{
	(void)state;
	struct dom slow = dom_connect("slow"), other = dom_connect("other");
	create(&slow, 1);
	serve(&slow);
	slow.f->room = 0;
	for (uint32_t i = 1; i <= 5; i++)
		create(&other, i);
	serve(&other);
	assert_int_equal(slow.c->qlen, 1);
	slow.f->room = -1;
	client_io(slow.c, true);
	struct window *w = client_window(slow.c, 1);
	assert_int_equal(slow.f->last_configure[0], w->dw.width);
	assert_int_equal(slow.f->last_configure[1], w->dw.height);
}

/* OUTER lies inside WITHIN. */
static void assert_inside(struct rect outer, struct rect within)
{
	assert_false(rect_empty(outer));
	assert_true(outer.x >= within.x && outer.y >= within.y);
	assert_true(outer.x + outer.w <= within.x + within.w);
	assert_true(outer.y + outer.h <= within.y + within.h);
}

/* A popup is never outside its top-level window's pixels, however it asks
 * (far off, larger than the screen, nested and pushed further), never on
 * the desktop by itself, and sized to what fits. */
static void test_popup_stays_inside_its_window(void **state)
{
	(void)state;
	struct dom d = dom_connect("menus");
	struct rect o, c, root_c;
	create(&d, 1);
	serve(&d);
	struct window *root = client_window(d.c, 1);
	buffer(&d, 1, root->dw.width, root->dw.height);
	popup(&d, 2, 1, -5000, -5000, GUI_WIDTH_MAX, GUI_HEIGHT_MAX);
	popup(&d, 3, 2, 8000, 8000, 100, 50);
	popup(&d, 4, 1, 10, 20, 100, 50);
	serve(&d);
	assert_false(d.c->dropping);
	assert_int_equal(D.nwindows, 1);
	struct window *big = client_window(d.c, 2), *sub = client_window(d.c, 3);
	struct window *small = client_window(d.c, 4);
	/* Told the size that fits, within the window less the border. */
	assert_int_equal(big->dw.width, root->dw.width - 2 * POPUP_BORDER);
	assert_int_equal(big->dw.height, root->dw.height - 2 * POPUP_BORDER);
	assert_int_equal(small->dw.width, 100);
	assert_int_equal(small->dw.height, 50);
	/* No pixels yet: not shown. */
	assert_false(window_on_screen(big, NULL, NULL));
	buffer(&d, 2, big->dw.width, big->dw.height);
	buffer(&d, 3, sub->dw.width, sub->dw.height);
	buffer(&d, 4, 100, 50);
	serve(&d);
	assert_true(window_on_screen(root, NULL, &root_c));
	for (uint32_t id = 2; id <= 4; id++) {
		assert_true(window_on_screen(client_window(d.c, id), &o, &c));
		assert_inside(o, root_c);
		assert_inside(c, o);
	}
	/* Where it asked, when that fits: 10,20 of the window's pixels. */
	assert_true(window_on_screen(small, &o, &c));
	assert_int_equal(c.x, root_c.x + 10);
	assert_int_equal(c.y, root_c.y + 20);
	/* The pointer: in a popup's pixels it is the popup's, in its border
	 * nobody's, elsewhere in the window the window's. */
	int32_t x, y;
	assert_ptr_equal(window_at(root, c.x + 5, c.y + 6, &x, &y), small);
	assert_int_equal(x, 5);
	assert_int_equal(y, 6);
	assert_null(window_at(root, o.x, o.y, &x, &y));
	destroy(&d, 2);
	destroy(&d, 4);
	serve(&d);
	assert_ptr_equal(window_at(root, root_c.x + 1, root_c.y + 1, &x, &y), root);
	assert_int_equal(x, 1);
	assert_int_equal(y, 1);
	assert_false(d.c->dropping);
}

/* The window shrinking (another one comes and the desktop re-tiles)
 * tells its popups their new size. */
static void test_popup_follows_its_window(void **state)
{
	(void)state;
	struct dom d = dom_connect("menus"), other = dom_connect("other");
	create(&d, 1);
	serve(&d);
	struct window *root = client_window(d.c, 1);
	assert_true(root->dw.width >= 1800 + 2 * POPUP_BORDER);
	popup(&d, 2, 1, 0, 0, 1800, 100);
	serve(&d);
	struct window *p = client_window(d.c, 2);
	assert_int_equal(p->dw.width, 1800);
	unsigned long configures = d.f->sent_of[GUI_CONFIGURE];
	create(&other, 1);
	serve(&other);
	assert_true(root->dw.width < 1800);
	assert_int_equal(p->dw.width, root->dw.width - 2 * POPUP_BORDER);
	assert_int_equal(d.f->sent_of[GUI_CONFIGURE], configures + 2);
	assert_int_equal(d.f->last_configure[0], p->dw.width);
}

/* A parent that goes first leaves its popups hidden, to be destroyed
 * later; popups nest GUI_POPUP_DEPTH deep and no deeper; they count among
 * the domain's GUI_WINDOWS_MAX. */
static void test_popup_rules(void **state)
{
	(void)state;
	struct dom d = dom_connect("menus");
	create(&d, 1);
	popup(&d, 2, 1, 0, 0, 10, 10);
	buffer(&d, 2, 10, 10);
	destroy(&d, 1);
	serve(&d);
	assert_false(d.c->dropping);
	assert_null(client_window(d.c, 2)->parent);
	assert_false(window_on_screen(client_window(d.c, 2), NULL, NULL));
	destroy(&d, 2);
	create(&d, 10);
	for (uint32_t i = 0; i < GUI_POPUP_DEPTH; i++)
		popup(&d, 11 + i, 10 + i, 1, 1, 10, 10);
	serve(&d);
	assert_false(d.c->dropping);
	assert_int_equal(d.c->nwindows, 1 + GUI_POPUP_DEPTH);
	capture_begin();
	popup(&d, 11 + GUI_POPUP_DEPTH, 10 + GUI_POPUP_DEPTH, 1, 1, 10, 10);
	serve(&d);
	assert_true(d.c->dropping);
	assert_non_null(strstr(capture_end(), "deeper than 8 popups"));

	struct dom many = dom_connect("many");
	create(&many, 1);
	for (uint32_t i = 2; i <= GUI_WINDOWS_MAX + 1; i++)
		popup(&many, i, 1, 0, 0, 10, 10);
	capture_begin();
	serve(&many);
	assert_non_null(strstr(capture_end(), "more than 64 windows"));
	assert_true(many.c->dropping);

	struct dom unknown = dom_connect("unknown");
	capture_begin();
	popup(&unknown, 2, 1, 0, 0, 10, 10);
	serve(&unknown);
	assert_non_null(strstr(capture_end(), "POPUP 2 of window 1, which does not exist"));
	assert_true(unknown.c->dropping);
}

/* A client of version 2 is spoken to in version 2 (WELCOME says so), and
 * a POPUP from it is refused. */
static void test_popup_needs_version_3(void **state)
{
	(void)state;
	struct dom d = { .f = fake_new(&closed) };
	struct gui_msg m = { .type = GUI_HELLO, .u.hello.version = 2 };
	d.c = client_new(&CS, &d.f->t, "old", NULL, -1);
	push(&d, &m);
	create(&d, 1);
	serve(&d);
	assert_false(d.c->dropping);
	assert_int_equal(d.c->version, 2);
	assert_int_equal(d.f->sent_of[GUI_WELCOME], 1);
	assert_int_equal(d.f->last_welcome_version, 2);
	capture_begin();
	popup(&d, 2, 1, 0, 0, 10, 10);
	serve(&d);
	assert_non_null(strstr(capture_end(), "POPUP in protocol version 2"));
	assert_true(d.c->dropping);
}

static unsigned clip_answers;
static enum gui_clip_status clip_status;
static size_t clip_len;

static void on_clip(void *ctx, struct client *c, enum gui_clip_status status,
		    const uint8_t *data, size_t len)
{
	(void)ctx, (void)c, (void)data;
	clip_answers++;
	clip_status = status;
	clip_len = len;
}

static void clip_data(struct dom *d, enum gui_clip_status status, const char *text)
{
	uint8_t buf[256];
	size_t len = gui_encode_clip(GUI_CLIP_DATA, 0, status, text, text ? strlen(text) : 0, buf,
				     sizeof(buf));
	assert_true(len > 0);
	assert_true(fake_push(d->f, buf, len));
}

/* dom0 asks, one ask out at a time; a domain answers once, and only when
 * asked: anything else is a clipboard pushed behind the user's back. */
static void test_clipboard_only_when_asked(void **state)
{
	(void)state;
	CS.env.clipboard = on_clip;
	clip_answers = 0;
	struct dom d = dom_connect("src");
	create(&d, 1);
	serve(&d);
	assert_int_equal(client_clip_ask(d.c, 1), 0);
	assert_int_equal(client_clip_ask(d.c, 1), 0);	/* the same ask: not sent again */
	assert_int_equal(d.f->sent_of[GUI_CLIP_ASK], 1);
	clip_data(&d, GUI_CLIP_TEXT, "hello");
	serve(&d);
	assert_false(d.c->dropping);
	assert_int_equal(clip_answers, 1);
	assert_int_equal(clip_status, GUI_CLIP_TEXT);
	assert_int_equal(clip_len, 5);
	/* Asked again, answered with nothing. */
	assert_int_equal(client_clip_ask(d.c, 1), 0);
	clip_data(&d, GUI_CLIP_EMPTY, NULL);
	serve(&d);
	assert_int_equal(clip_answers, 2);
	assert_int_equal(clip_status, GUI_CLIP_EMPTY);
	/* Not asked: dropped, nothing taken. */
	capture_begin();
	clip_data(&d, GUI_CLIP_TEXT, "pushed");
	serve(&d);
	assert_non_null(strstr(capture_end(), "CLIP_DATA it was not asked for"));
	assert_true(d.c->dropping);
	assert_int_equal(clip_answers, 2);
	CS.env.clipboard = NULL;
}

/* A domain says a command failed only as the answer to a RUN: one EXITED
 * per RUN, none without, none from an agent that predates it. */
static unsigned exits;
static uint32_t exit_status;
static char exit_command[GUI_COMMAND_MAX + 1];

static void on_exited(void *ctx, struct client *c, uint32_t status, const char *command)
{
	(void)ctx, (void)c;
	exits++;
	exit_status = status;
	snprintf(exit_command, sizeof(exit_command), "%s", command);
}

static void exited(struct dom *d, uint32_t status, const char *command)
{
	uint8_t buf[GUI_HEADER_SIZE + 4 + GUI_COMMAND_MAX];
	size_t len = gui_encode_exited(status, command, buf, sizeof(buf));
	assert_true(len > 0);
	assert_true(fake_push(d->f, buf, len));
}

static void test_exited_answers_a_run(void **state)
{
	(void)state;
	CS.env.exited = on_exited;
	exits = 0;
	struct dom d = dom_connect("work");
	create(&d, 1);
	serve(&d);
	assert_int_equal(client_run(d.c, "nosuchprog"), 0);
	assert_int_equal(client_run(d.c, "xterm"), 0);
	exited(&d, 127, "nosuchprog");
	serve(&d);
	assert_int_equal(exits, 1);
	assert_int_equal(exit_status, 127);
	assert_string_equal(exit_command, "nosuchprog");
	exited(&d, GUI_EXIT_SIGNAL + 11, "xterm");
	serve(&d);
	assert_int_equal(exits, 2);
	assert_false(d.c->dropping);
	/* Two RUNs, two answers: a third names nothing dom0 sent. */
	assert_int_equal(client_run(d.c, "foot"), 0);
	capture_begin();
	exited(&d, 1, "your session expired");
	serve(&d);
	assert_non_null(strstr(capture_end(), "EXITED for no command it was asked to run"));
	assert_true(d.c->dropping);
	assert_int_equal(exits, 2);

	/* An agent of version 4 has no EXITED to send. */
	struct dom old = { .f = fake_new(&closed) };
	struct gui_msg m = { .type = GUI_HELLO, .u.hello.version = 4 };
	old.c = client_new(&CS, &old.f->t, "old", NULL, -1);
	push(&old, &m);
	serve(&old);
	assert_int_equal(client_run(old.c, "xterm"), 0);
	capture_begin();
	exited(&old, 1, "xterm");
	serve(&old);
	capture_end();
	assert_true(old.c->dropping);
	assert_int_equal(exits, 2);
	CS.env.exited = NULL;
}

/* --- a USB domain's keyboards and pointers ----------------------------- */

static char input_said[512];
static uint32_t input_asked_id;

static void input_key(void *ctx, uint32_t code, uint32_t value, uint64_t time_us)
{
	(void)ctx, (void)time_us;
	str_append(input_said, sizeof(input_said), "key %u %u|", code, value);
}

static void input_motion(void *ctx, int32_t dx, int32_t dy)
{
	(void)ctx;
	str_append(input_said, sizeof(input_said), "motion %d %d|", dx, dy);
}

static const struct input_sink input_sink = { .key = input_key, .motion = input_motion };

static bool input_allowed(void *ctx, struct client *c)
{
	(void)ctx;
	return strcmp(c->name, "sys-usb") == 0;
}

static void input_ask(void *ctx, struct client *c, uint32_t id, enum gui_input_kind kind,
		      const char *name)
{
	(void)ctx, (void)c;
	input_asked_id = id;
	str_append(input_said, sizeof(input_said), "ask %u %u %s|", id, kind, name);
}

static void input_gone(void *ctx, struct client *c, uint32_t id)
{
	(void)ctx, (void)c;
	str_append(input_said, sizeof(input_said), "gone %u|", id);
}

static void input_device(struct dom *d, uint32_t id, enum gui_input_kind kind, const char *name)
{
	uint8_t buf[GUI_HEADER_SIZE + 8 + GUI_INPUT_NAME_MAX];
	size_t len = gui_encode_input_device(id, kind, name, strlen(name), buf, sizeof(buf));
	assert_true(len > 0);
	assert_true(fake_push(d->f, buf, len));
}

static void input_events(struct dom *d, uint32_t id, const struct gui_input_event *ev,
			 uint32_t n)
{
	uint8_t buf[GUI_HEADER_SIZE + 8 + 8 * GUI_INPUT_BATCH_MAX];
	size_t len = gui_encode_input_events(id, ev, n, buf, sizeof(buf));
	assert_true(len > 0);
	assert_true(fake_push(d->f, buf, len));
}

static struct dom dom_connect_version(const char *name, uint32_t version)
{
	struct dom d = { .f = fake_new(&closed) };
	struct gui_msg m = { .type = GUI_HELLO, .u.hello.version = version };
	d.c = client_new(&CS, &d.f->t, name, NULL, -1);
	assert_non_null(d.c);
	push(&d, &m);
	serve(&d);
	return d;
}

/* A USB domain's keyboard: asked about, silent until the user accepts it,
 * then its keys reach dom0's sink; the keys it holds when its channel
 * goes are released in the reap. */
static void test_usb_input_only_once_accepted(void **state)
{
	static const struct gui_input_event type_a[] = {
		{ EV_KEY, KEY_A, 1 }, { EV_SYN, SYN_REPORT, 0 }, { EV_KEY, KEY_A, 0 },
		{ EV_SYN, SYN_REPORT, 0 },
	};
	static const struct gui_input_event hold_shift[] = { { EV_KEY, KEY_LEFTSHIFT, 1 },
							     { EV_SYN, SYN_REPORT, 0 } };
	static const struct gui_input_event move[] = { { EV_REL, REL_X, 3 }, { EV_REL, REL_Y, -1 },
						       { EV_SYN, SYN_REPORT, 0 } };
	(void)state;
	CS.env.input_allowed = input_allowed;
	CS.env.input_ask = input_ask;
	CS.env.input_gone = input_gone;
	CS.env.input = &input_sink;
	input_said[0] = '\0';
	struct dom usb = dom_connect("sys-usb");
	input_device(&usb, 1, GUI_INPUT_KEYBOARD, "QEMU USB Keyboard");
	input_device(&usb, 2, GUI_INPUT_POINTER, "QEMU USB Mouse");
	input_events(&usb, 1, type_a, 4);
	input_events(&usb, 2, move, 3);
	serve(&usb);
	assert_string_equal(input_said, "ask 1 1 QEMU USB Keyboard|ask 2 2 QEMU USB Mouse|");
	assert_true(client_input_answer(usb.c, 1, true));
	assert_true(client_input_answer(usb.c, 2, false));
	assert_false(client_input_answer(usb.c, 3, true));
	input_said[0] = '\0';
	input_events(&usb, 1, type_a, 4);
	input_events(&usb, 2, move, 3);
	input_events(&usb, 1, hold_shift, 2);
	serve(&usb);
	assert_string_equal(input_said, "key 30 1|key 30 0|key 42 1|");
	assert_false(usb.c->dropping);
	/* The mouse goes, and comes back: asked about again. */
	input_said[0] = '\0';
	input_device(&usb, 2, GUI_INPUT_GONE, "");
	input_device(&usb, 2, GUI_INPUT_POINTER, "QEMU USB Mouse");
	serve(&usb);
	assert_string_equal(input_said, "gone 2|ask 2 2 QEMU USB Mouse|");
	assert_true(client_input_answer(usb.c, input_asked_id, true));
	input_said[0] = '\0';
	input_events(&usb, 2, move, 3);
	serve(&usb);
	assert_string_equal(input_said, "motion 3 -1|");
	/* Dropped (here by a device of its never announced): Shift is let go
	 * of in the reap, not before. */
	input_said[0] = '\0';
	capture_begin();
	input_events(&usb, 7, type_a, 1);
	serve(&usb);
	assert_non_null(strstr(capture_end(), "events of a keyboard or pointer it never announced"));
	assert_true(usb.c->dropping);
	assert_string_equal(input_said, "");
	clients_reap(&CS);
	assert_string_equal(input_said, "key 42 0|");
}

/* Keyboards and pointers only from a USB domain, and only in version 6. */
static void test_input_from_others_drops_them(void **state)
{
	(void)state;
	CS.env.input_allowed = input_allowed;
	CS.env.input_ask = input_ask;
	CS.env.input = &input_sink;
	input_said[0] = '\0';
	struct dom work = dom_connect("work");
	create(&work, 1);
	serve(&work);
	capture_begin();
	input_device(&work, 1, GUI_INPUT_KEYBOARD, "evil");
	serve(&work);
	assert_non_null(strstr(capture_end(), "INPUT_DEVICE from a domain not of class usb: only a "
					      "USB domain forwards keyboards and pointers"));
	assert_true(work.c->dropping);

	struct dom old = dom_connect_version("sys-usb", 5);
	capture_begin();
	input_device(&old, 1, GUI_INPUT_KEYBOARD, "kbd");
	serve(&old);
	assert_non_null(strstr(capture_end(), "INPUT_DEVICE in protocol version 5 (keyboards and "
					      "pointers came in version 6)"));
	assert_true(old.c->dropping);

	/* Without a sink (a compositor that takes none): dropped too. */
	CS.env.input = NULL;
	struct dom usb = dom_connect("sys-usb");
	capture_begin();
	input_device(&usb, 1, GUI_INPUT_KEYBOARD, "kbd");
	serve(&usb);
	capture_end();
	assert_true(usb.c->dropping);
	assert_string_equal(input_said, "");
}

/* A paste is sent at once or not at all, and never to an older agent. */
static void test_paste_at_once_or_not(void **state)
{
	(void)state;
	struct dom d = dom_connect("dst");
	create(&d, 1);
	serve(&d);
	static const uint8_t text[] = "text";
	assert_int_equal(client_clip_paste(d.c, 1, text, 4), 0);
	assert_int_equal(d.f->sent_of[GUI_CLIP_PASTE], 1);
	d.f->room = 0;
	assert_int_equal(client_clip_paste(d.c, 1, text, 4), -EAGAIN);
	assert_int_equal(d.f->sent_of[GUI_CLIP_PASTE], 1);
	assert_false(d.c->dropping);
	d.f->room = -1;

	struct dom old = { .f = fake_new(&closed) };
	struct gui_msg m = { .type = GUI_HELLO, .u.hello.version = 3 };
	old.c = client_new(&CS, &old.f->t, "old", NULL, -1);
	push(&old, &m);
	create(&old, 1);
	serve(&old);
	assert_int_equal(client_clip_paste(old.c, 1, text, 4), -ENOTSUP);
	assert_int_equal(client_clip_ask(old.c, 1), -ENOTSUP);
	assert_int_equal(old.f->sent_of[GUI_CLIP_PASTE] + old.f->sent_of[GUI_CLIP_ASK], 0);
	capture_begin();
	clip_data(&old, GUI_CLIP_TEXT, "x");
	serve(&old);
	capture_end();
	assert_true(old.c->dropping);
}

/* dom0's clipboard: the policy may forbid a pair; no rule lets it go;
 * forgotten, nothing is pasted; its bytes wiped. */
static void test_clipboard_rules(void **state)
{
	static struct clipboard cb;
	struct pol_rule rule;
	char why[256];
	(void)state;
	assert_int_equal(rpc_policy_parse_line("bulkhead.ClipboardPaste * @label:red @anyvm deny",
					       &rule, why, sizeof(why)), 1);
	rule.file = "p.policy";
	rule.line = 4;
	struct rpc_policy p = { .rules = &rule, .n = 1 };
	const struct pol_domain doms[] = { { "red", LABEL_RED, CLASS_APP, NULL },
					   { "green", LABEL_GREEN, CLASS_APP, NULL } };
	assert_int_equal(clipboard_paste_check(&cb, &p, &doms[1], &doms[0], doms, 2, why,
					       sizeof(why)), CLIPBOARD_EMPTY);
	clipboard_store(&cb, "red", (const uint8_t *)"secret", 6);
	assert_int_equal(clipboard_paste_check(&cb, &p, &doms[0], &doms[1], doms, 2, why,
					       sizeof(why)), CLIPBOARD_DENIED);
	assert_string_equal(why, "the policy (p.policy:4) lets no clipboard go from red to green");
	clipboard_describe(&cb, why, sizeof(why));
	assert_string_equal(why, "clipboard 6 B from red");
	clipboard_store(&cb, "green", (const uint8_t *)"public", 6);
	assert_int_equal(clipboard_paste_check(&cb, &p, &doms[1], &doms[0], doms, 2, why,
					       sizeof(why)), CLIPBOARD_GO);
	clipboard_forget(&cb);
	assert_false(cb.full);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(cb.data[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drop_is_deferred_to_the_reap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn_costs_another_domain_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_layout_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsolicited_window_takes_no_focus, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_budget_of_a_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_counts_replaced_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_budget_drops_the_largest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_budget_spares_the_fair, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_turn_bound_and_what_is_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_overflow_drops_only_that_domain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_motion_coalesced_at_the_tail_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_popup_stays_inside_its_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_popup_follows_its_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_popup_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_popup_needs_version_3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_axis_coalesced_and_versioned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure_carries_the_latest_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_clipboard_only_when_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exited_answers_a_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paste_at_once_or_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usb_input_only_once_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_from_others_drops_them, setup, teardown),
		cmocka_unit_test(test_clipboard_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
