/*
 * test_inputfwd.c - a USB domain's keyboards and pointers on their way to
 * dom0 (guest/inputfwd.h), the pure part: which devices are forwarded,
 * which events, how they are cut into batches, what happens when events
 * are lost; and, for random kernel events, that every batch it makes is
 * one dom0's gui_decode() takes (dom0 drops the channel for one it does
 * not) and that the keys dom0 holds are the device's after each report.
 */
#include "tests/unit/test_helpers.h"

#include "guest/inputfwd.h"

static void set(unsigned long *bits, unsigned n)
{
	bits[n / LONG_BIT] |= 1ul << (n % LONG_BIT);
}

static bool is_set(const unsigned long *bits, unsigned n)
{
	return bits[n / LONG_BIT] >> (n % LONG_BIT) & 1;
}

/* --- classification -------------------------------------------------- */

static void keyboard_caps(struct inputfwd_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->bustype = BUS_USB;
	set(c->ev, EV_SYN);
	set(c->ev, EV_KEY);
	set(c->ev, EV_MSC);
	set(c->ev, EV_LED);
	set(c->ev, EV_REP);
	for (unsigned code = KEY_ESC; code <= KEY_KPDOT; code++)
		set(c->key, code);
}

static void mouse_caps(struct inputfwd_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->bustype = BUS_USB;
	set(c->ev, EV_SYN);
	set(c->ev, EV_KEY);
	set(c->ev, EV_REL);
	set(c->ev, EV_MSC);
	for (unsigned code = BTN_LEFT; code <= BTN_TASK; code++)
		set(c->key, code);
	set(c->rel, REL_X);
	set(c->rel, REL_Y);
	set(c->rel, REL_WHEEL);
	set(c->rel, REL_WHEEL_HI_RES);
}

static void devices_are_classified(void **state)
{
	struct inputfwd_caps c;
	(void)state;

	keyboard_caps(&c);
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_KEYBOARD);
	/* The same keyboard on another bus: PS/2 (an HVM domain's device
	 * model), Xen's virtual one, Bluetooth. */
	c.bustype = BUS_I8042;
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	c.bustype = BUS_VIRTUAL;
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	mouse_caps(&c);
	c.bustype = BUS_I8042;
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	keyboard_caps(&c);
	/* A keypad, or a keyboard missing one letter: not one. */
	c.key[KEY_M / LONG_BIT] &= ~(1ul << (KEY_M % LONG_BIT));
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	keyboard_caps(&c);
	c.key[KEY_ENTER / LONG_BIT] &= ~(1ul << (KEY_ENTER % LONG_BIT));
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	/* Keys but no EV_KEY: nothing it would send. */
	keyboard_caps(&c);
	c.ev[0] &= ~(1ul << EV_KEY);
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);

	mouse_caps(&c);
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_POINTER);
	/* A keyboard with a trackpoint is asked about as a keyboard. */
	for (unsigned code = KEY_ESC; code <= KEY_KPDOT; code++)
		set(c.key, code);
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_KEYBOARD);
	/* No left button, no Y, no EV_REL: not a pointer. */
	mouse_caps(&c);
	c.key[BTN_LEFT / LONG_BIT] &= ~(1ul << (BTN_LEFT % LONG_BIT));
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	mouse_caps(&c);
	c.rel[0] &= ~(1ul << REL_Y);
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	mouse_caps(&c);
	c.ev[0] &= ~(1ul << EV_REL);
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);

	/* QEMU's usb-tablet: absolute, with buttons. */
	memset(&c, 0, sizeof(c));
	c.bustype = BUS_USB;
	set(c.ev, EV_SYN);
	set(c.ev, EV_KEY);
	set(c.ev, EV_ABS);
	set(c.ev, EV_REL);
	set(c.key, BTN_LEFT);
	set(c.key, BTN_RIGHT);
	set(c.key, BTN_MIDDLE);
	set(c.rel, REL_WHEEL);
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	/* A touchscreen. */
	memset(&c, 0, sizeof(c));
	set(c.ev, EV_SYN);
	set(c.ev, EV_KEY);
	set(c.ev, EV_ABS);
	set(c.key, BTN_TOUCH);
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	/* A power button; a headset's volume keys. */
	memset(&c, 0, sizeof(c));
	set(c.ev, EV_SYN);
	set(c.ev, EV_KEY);
	set(c.key, KEY_POWER);
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	set(c.key, KEY_VOLUMEUP);
	set(c.key, KEY_VOLUMEDOWN);
	set(c.key, KEY_MUTE);
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
	/* Nothing at all. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(inputfwd_classify(&c), GUI_INPUT_GONE);
}

/* --- translation ----------------------------------------------------- */

static struct input_event kev(uint16_t type, uint16_t code, int32_t value)
{
	return (struct input_event){ .type = type, .code = code, .value = value };
}

static bool translates(uint16_t type, uint16_t code, int32_t value, struct gui_input_event *out)
{
	struct input_event ev = kev(type, code, value);
	return inputfwd_translate(&ev, out);
}

static void what_dom0_refuses_is_left_out(void **state)
{
	struct gui_input_event e;
	(void)state;

	static const struct { uint16_t type, code; int32_t value; } out[] = {
		{ EV_SYN, SYN_CONFIG, 0 }, { EV_SYN, SYN_MT_REPORT, 0 }, { EV_SYN, SYN_DROPPED, 0 },
		{ EV_SYN, 4, 0 }, { EV_KEY, KEY_RESERVED, 1 }, { EV_KEY, KEY_A, 3 },
		{ EV_KEY, KEY_A, -1 }, { EV_KEY, KEY_A, INT32_MAX }, { EV_KEY, KEY_CNT, 1 },
		{ EV_KEY, 0xffff, 0 }, { EV_REL, REL_X, 0 }, { EV_REL, REL_WHEEL, 0 },
		{ EV_REL, REL_Z, 1 }, { EV_REL, REL_RX, 1 }, { EV_REL, REL_DIAL, 1 },
		{ EV_REL, REL_MISC, 1 }, { EV_REL, REL_WHEEL_HI_RES, 120 },
		{ EV_REL, REL_HWHEEL_HI_RES, -120 }, { EV_REL, REL_CNT, 1 }, { EV_ABS, ABS_X, 100 },
		{ EV_ABS, ABS_MT_SLOT, 0 }, { EV_MSC, MSC_SCAN, 0x70004 }, { EV_MSC, MSC_TIMESTAMP, 9 },
		{ EV_LED, LED_CAPSL, 1 }, { EV_SND, SND_BELL, 1 }, { EV_REP, REP_DELAY, 250 },
		{ EV_FF, 0, 1 }, { EV_PWR, 0, 1 }, { EV_FF_STATUS, 0, 1 }, { EV_SW, SW_LID, 1 },
		{ EV_MAX, 0, 0 }, { EV_CNT, 0, 0 }, { 0xffff, 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(out); i++)
		assert_false(translates(out[i].type, out[i].code, out[i].value, &e));

	assert_true(translates(EV_SYN, SYN_REPORT, 0, &e));
	assert_true(e.type == EV_SYN && e.code == SYN_REPORT && e.value == 0);
	/* The kernel's own report (keys released as a device goes) says 1. */
	assert_true(translates(EV_SYN, SYN_REPORT, 1, &e));
	assert_int_equal(e.value, 0);
	for (int32_t v = 0; v <= 2; v++) {
		assert_true(translates(EV_KEY, KEY_A, v, &e));
		assert_true(e.type == EV_KEY && e.code == KEY_A && e.value == v);
	}
	assert_true(translates(EV_KEY, BTN_LEFT, 1, &e));
	assert_true(translates(EV_KEY, KEY_MAX, 0, &e));
	assert_true(translates(EV_KEY, 1, 1, &e));
	assert_true(translates(EV_REL, REL_X, -7, &e));
	assert_true(e.type == EV_REL && e.code == REL_X && e.value == -7);
	assert_true(translates(EV_REL, REL_Y, 1, &e));
	assert_true(translates(EV_REL, REL_WHEEL, -1, &e));
	assert_true(translates(EV_REL, REL_HWHEEL, 1, &e));
}

/* Clamped, not split: one kernel event stays one event. */
static void a_rel_beyond_bounds_is_clamped(void **state)
{
	struct gui_input_event e;
	(void)state;

	assert_true(translates(EV_REL, REL_X, 5000, &e));
	assert_int_equal(e.value, GUI_INPUT_REL_MAX);
	assert_true(translates(EV_REL, REL_Y, -5000, &e));
	assert_int_equal(e.value, -GUI_INPUT_REL_MAX);
	assert_true(translates(EV_REL, REL_WHEEL, INT32_MAX, &e));
	assert_int_equal(e.value, GUI_INPUT_REL_MAX);
	assert_true(translates(EV_REL, REL_HWHEEL, INT32_MIN, &e));
	assert_int_equal(e.value, -GUI_INPUT_REL_MAX);
	assert_true(translates(EV_REL, REL_X, GUI_INPUT_REL_MAX, &e));
	assert_int_equal(e.value, GUI_INPUT_REL_MAX);
	assert_true(translates(EV_REL, REL_X, -GUI_INPUT_REL_MAX, &e));
	assert_int_equal(e.value, -GUI_INPUT_REL_MAX);
	assert_true(translates(EV_REL, REL_X, GUI_INPUT_REL_MAX + 1, &e));
	assert_int_equal(e.value, GUI_INPUT_REL_MAX);
}

/* --- the stream: a fake dom0 on the sink ----------------------------- */

#define SENT_MAX 4096

/* What went to dom0, each batch checked as dom0 checks it. */
struct fake_dom0 {
	size_t batches;
	uint32_t count[SENT_MAX];		/* events of each batch */
	struct gui_input_event ev[SENT_MAX][GUI_INPUT_BATCH_MAX];
	unsigned long held[INPUTFWD_LONGS(KEY_CNT)];	/* as proxyinput.c keeps it */
	unsigned fail_next;			/* sends that fail from now */
	unsigned fail_percent;			/* or at random */
	/* The device: its keys down (EVIOCGKEY), readable or not. */
	unsigned long kernel[INPUTFWD_LONGS(KEY_CNT)];
	bool keys_fail;
	uint64_t rng;
};

static uint64_t rnd(struct fake_dom0 *d)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return d->rng;
}

/* Encoded as the agent's client does and decoded as dom0 does: any
 * batch dom0 would refuse fails the test. */
static void decoded_by_dom0(const struct gui_input_event *ev, uint32_t n)
{
	uint8_t buf[GUI_HEADER_SIZE + 8 + 8 * GUI_INPUT_BATCH_MAX];
	struct gui_msg m;
	const char *why = NULL;

	assert_true(n >= 1 && n <= GUI_INPUT_BATCH_MAX);
	size_t len = gui_encode_input_events(3, ev, n, buf, sizeof(buf));
	assert_true(len > 0);
	long rc = gui_decode(buf, len, GUI_FROM_CLIENT, &m, &why);
	if (rc != (long)len)
		fail_msg("dom0 refuses the batch: %s", why ? why : "?");
	assert_int_equal(m.type, GUI_INPUT_EVENTS);
	assert_int_equal(m.u.input_events.count, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(m.u.input_events.ev[i].type, ev[i].type);
		assert_int_equal(m.u.input_events.ev[i].code, ev[i].code);
		assert_int_equal(m.u.input_events.ev[i].value, ev[i].value);
	}
}

static bool fake_send(void *ctx, const struct gui_input_event *ev, uint32_t n)
{
	struct fake_dom0 *d = ctx;

	decoded_by_dom0(ev, n);
	if (d->fail_next) {
		d->fail_next--;
		return false;
	}
	if (d->fail_percent && rnd(d) % 100 < d->fail_percent)
		return false;
	if (d->batches < SENT_MAX) {
		d->count[d->batches] = n;
		memcpy(d->ev[d->batches], ev, n * sizeof(*ev));
	}
	d->batches++;
	for (uint32_t i = 0; i < n; i++) {
		if (ev[i].type != EV_KEY)
			continue;
		/* proxyinput.c: a repeat of a key not held goes nowhere. */
		if (ev[i].value == 1)
			set(d->held, ev[i].code);
		else if (ev[i].value == 0)
			d->held[ev[i].code / LONG_BIT] &= ~(1ul << (ev[i].code % LONG_BIT));
	}
	return true;
}

static bool fake_keys(void *ctx, unsigned long *keys)
{
	struct fake_dom0 *d = ctx;
	if (d->keys_fail)
		return false;
	memcpy(keys, d->kernel, sizeof(d->kernel));
	return true;
}

static struct fake_dom0 D;
static struct inputfwd_stream S;
static struct inputfwd_sink SINK = { .send = fake_send, .keys = fake_keys, .ctx = &D };

static int stream_setup(void **state)
{
	(void)state;
	memset(&D, 0, sizeof(D));
	D.rng = 0x9e3779b97f4a7c15ull;
	inputfwd_stream_reset(&S);
	return 0;
}

/* The device sends an event: the kernel's key state follows its keys. */
static void take(uint16_t type, uint16_t code, int32_t value)
{
	struct input_event ev = kev(type, code, value);
	if (type == EV_KEY && code >= 1 && code <= KEY_MAX && (value == 0 || value == 1)) {
		if (value)
			set(D.kernel, code);
		else
			D.kernel[code / LONG_BIT] &= ~(1ul << (code % LONG_BIT));
	}
	inputfwd_take(&S, &ev, &SINK);
}

static void assert_event(size_t batch, uint32_t i, uint16_t type, uint16_t code, int32_t value)
{
	assert_true(batch < D.batches && i < D.count[batch]);
	assert_int_equal(D.ev[batch][i].type, type);
	assert_int_equal(D.ev[batch][i].code, code);
	assert_int_equal(D.ev[batch][i].value, value);
}

static void a_report_is_one_batch(void **state)
{
	(void)state;
	/* A key press as a USB keyboard reports it: the scan code goes. */
	take(EV_MSC, MSC_SCAN, 0x70004);
	take(EV_KEY, KEY_A, 1);
	assert_int_equal(D.batches, 0);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 1);
	assert_int_equal(D.count[0], 2);
	assert_event(0, 0, EV_KEY, KEY_A, 1);
	assert_event(0, 1, EV_SYN, SYN_REPORT, 0);
	assert_true(is_set(D.held, KEY_A));
	/* A report with nothing dom0 takes is not sent: an LED's echo. */
	take(EV_LED, LED_CAPSL, 1);
	take(EV_SYN, SYN_REPORT, 0);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 1);
	/* A mouse's: motion, the high-resolution wheel left out. */
	take(EV_REL, REL_X, 3);
	take(EV_REL, REL_Y, -2);
	take(EV_REL, REL_WHEEL, 1);
	take(EV_REL, REL_WHEEL_HI_RES, 120);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 2);
	assert_int_equal(D.count[1], 4);
	assert_event(1, 2, EV_REL, REL_WHEEL, 1);
	assert_event(1, 3, EV_SYN, SYN_REPORT, 0);
	/* Movement of 5000 counts: clamped (above). */
	take(EV_REL, REL_X, 5000);
	take(EV_SYN, SYN_REPORT, 0);
	assert_event(2, 0, EV_REL, REL_X, GUI_INPUT_REL_MAX);
}

/* More than GUI_INPUT_BATCH_MAX events in one report (a keyboard's every
 * key at once): several messages, each of 1..64 events, the report's
 * SYN_REPORT at the end of the last. */
static void a_long_report_is_split(void **state)
{
	(void)state;
	for (unsigned code = KEY_ESC; code < KEY_ESC + 100; code++) {
		take(EV_MSC, MSC_SCAN, (int32_t)code);
		take(EV_KEY, (uint16_t)code, 1);
	}
	assert_int_equal(D.batches, 1);
	assert_int_equal(D.count[0], GUI_INPUT_BATCH_MAX);
	for (uint32_t i = 0; i < GUI_INPUT_BATCH_MAX; i++)
		assert_int_equal(D.ev[0][i].type, EV_KEY);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 2);
	assert_int_equal(D.count[1], 100 - GUI_INPUT_BATCH_MAX + 1);
	assert_event(1, 100 - GUI_INPUT_BATCH_MAX, EV_SYN, SYN_REPORT, 0);
	/* Exactly 63 events and the SYN_REPORT: one full batch... */
	for (unsigned code = KEY_ESC; code < KEY_ESC + 63; code++)
		take(EV_KEY, (uint16_t)code, 0);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 3);
	assert_int_equal(D.count[2], GUI_INPUT_BATCH_MAX);
	/* ... and 64: the SYN_REPORT alone after them. */
	for (unsigned code = KEY_ESC; code < KEY_ESC + 64; code++)
		take(EV_REL, REL_X, 1);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 5);
	assert_int_equal(D.count[3], GUI_INPUT_BATCH_MAX);
	assert_int_equal(D.count[4], 1);
	assert_event(4, 0, EV_SYN, SYN_REPORT, 0);
}

/* SYN_DROPPED: nothing of the broken report goes, nor anything until the
 * next SYN_REPORT; then the keys dom0 holds are brought to the kernel's. */
static void syn_dropped_discards_to_the_next_report(void **state)
{
	(void)state;
	take(EV_KEY, KEY_LEFTSHIFT, 1);
	take(EV_KEY, KEY_A, 1);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 1);
	take(EV_KEY, KEY_B, 1);			/* batched, then lost */
	take(EV_SYN, SYN_DROPPED, 0);
	/* While the queue overflowed: A released, C pressed, unseen. */
	D.kernel[KEY_A / LONG_BIT] &= ~(1ul << (KEY_A % LONG_BIT));
	set(D.kernel, KEY_C);
	take(EV_REL, REL_X, 4);
	take(EV_KEY, KEY_D, 1);
	take(EV_KEY, KEY_D, 0);
	assert_int_equal(D.batches, 1);
	take(EV_SYN, SYN_REPORT, 0);
	/* One report, in the keys' order: A released, C and B (held)
	 * pressed; no X, no D. */
	assert_int_equal(D.batches, 2);
	assert_int_equal(D.count[1], 4);
	assert_event(1, 0, EV_KEY, KEY_A, 0);
	assert_event(1, 1, EV_KEY, KEY_C, 1);
	assert_event(1, 2, EV_KEY, KEY_B, 1);
	assert_event(1, 3, EV_SYN, SYN_REPORT, 0);
	assert_memory_equal(D.held, D.kernel, sizeof(D.held));
	/* And on as before. */
	take(EV_KEY, KEY_C, 0);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 3);
	assert_event(2, 0, EV_KEY, KEY_C, 0);

	/* Nothing changed meanwhile: nothing sent. */
	take(EV_SYN, SYN_DROPPED, 0);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 3);
	/* The key state unreadable (the device going): every key released. */
	take(EV_SYN, SYN_DROPPED, 0);
	D.keys_fail = true;
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 4);
	assert_int_equal(D.count[3], 3);
	assert_event(3, 0, EV_KEY, KEY_LEFTSHIFT, 0);
	assert_event(3, 1, EV_KEY, KEY_B, 0);
	for (unsigned code = 0; code <= KEY_MAX; code++)
		assert_false(is_set(D.held, code));
}

/* A batch the channel did not take is a loss as SYN_DROPPED is: dom0's
 * keys are brought back at the next report's end. */
static void a_batch_not_sent_is_made_up_for(void **state)
{
	(void)state;
	D.fail_next = 1;
	take(EV_KEY, KEY_A, 1);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 0);
	take(EV_REL, REL_X, 1);		/* the report the loss waits for */
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 1);
	assert_int_equal(D.count[0], 2);
	assert_event(0, 0, EV_KEY, KEY_A, 1);
	/* Lost inside a long report: the rest of it goes too. */
	for (unsigned code = KEY_ESC; code < KEY_ESC + 70; code++)
		take(EV_KEY, (uint16_t)code, 1);
	assert_int_equal(D.batches, 2);
	D.fail_next = 1;
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 2);
	for (unsigned code = KEY_ESC; code < KEY_ESC + 70; code++)
		take(EV_KEY, (uint16_t)code, 0);
	take(EV_SYN, SYN_REPORT, 0);
	/* The first 64 were pressed in dom0, and are released now. */
	assert_int_equal(D.batches, 4);
	assert_int_equal(D.count[2] + D.count[3], GUI_INPUT_BATCH_MAX + 1);
	assert_memory_equal(D.held, D.kernel, sizeof(D.held));

	/* A loss made up for in more than one batch, the first of them lost
	 * too: nothing of that attempt is left to go with the next. */
	take(EV_SYN, SYN_DROPPED, 0);
	for (unsigned code = KEY_ESC; code < KEY_ESC + 70; code++)
		set(D.kernel, code);
	D.fail_next = 1;
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 4);
	/* Meanwhile the last key is released: dom0 never sees it pressed. */
	take(EV_KEY, KEY_ESC + 69, 0);
	take(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(D.batches, 6);
	assert_int_equal(D.count[4], GUI_INPUT_BATCH_MAX);
	assert_int_equal(D.count[5], 69 - GUI_INPUT_BATCH_MAX + 1);
	for (size_t b = 4; b < 6; b++)
		for (uint32_t i = 0; i < D.count[b]; i++)
			assert_int_not_equal(D.ev[b][i].code, KEY_ESC + 69);
	assert_memory_equal(D.held, D.kernel, sizeof(D.held));
}

/* A random event of the kinds a device sends, many out of dom0's bounds;
 * the kernel's keys follow the keys. */
static struct input_event random_event(void)
{
	static const uint16_t types[] = { EV_SYN, EV_KEY, EV_KEY, EV_KEY, EV_REL, EV_REL, EV_REL,
					  EV_ABS, EV_MSC, EV_LED, EV_SW, EV_SND, EV_REP, EV_FF,
					  EV_PWR, EV_FF_STATUS, 0x0b, EV_MAX };
	static const int32_t values[] = { 0, 1, -1, 2, 3, 120, -120, 1023, 1024, 1025, -1024,
					  -1025, 5000, -5000, INT32_MAX, INT32_MIN };
	uint64_t r = rnd(&D);
	struct input_event ev = { .type = types[r % ARRAY_SIZE(types)] };
	r >>= 8;
	switch (ev.type) {
	case EV_SYN:
		ev.code = r % 8 < 6 ? SYN_REPORT : (uint16_t)(r % 8 == 6 ? SYN_DROPPED : r % 5);
		ev.value = r % 16 == 0 ? 1 : 0;
		break;
	case EV_KEY:
		/* A press of a key that is up, a release or repeat of one
		 * that is down, as the kernel sends them; now and then a code
		 * or value it never would. */
		ev.code = (uint16_t)(r % 16 ? (r >> 4) % 24 + KEY_Q : (r >> 4) % (KEY_CNT + 2));
		if (ev.code <= KEY_MAX && is_set(D.kernel, ev.code))
			ev.value = (r >> 20) % 2 ? 0 : 2;
		else
			ev.value = 1;
		if ((r >> 24) % 64 == 0)
			ev.value = values[(r >> 30) % ARRAY_SIZE(values)];
		break;
	default:
		ev.code = (uint16_t)(r % 4 ? r % 16 : r % 0x10000);
		ev.value = values[(r >> 16) % ARRAY_SIZE(values)];
		break;
	}
	return ev;
}

/* The property: whatever the device sends, every batch is one dom0 takes
 * (checked in fake_send), and once a report has gone through whole, dom0
 * holds down exactly the keys the device holds down. */
static void every_batch_is_one_dom0_takes(void **state)
{
	(void)state;
	for (unsigned run = 0; run < 200; run++) {
		memset(&D, 0, sizeof(D));
		D.rng = 0x2545f4914f6cdd1dull * (run + 1);
		D.fail_percent = run % 4 == 3 ? 20 : 0;
		inputfwd_stream_reset(&S);
		for (unsigned i = 0; i < 5000; i++) {
			struct input_event ev = random_event();
			take(ev.type, ev.code, ev.value);
			if (ev.type == EV_SYN && ev.code == SYN_REPORT && !S.dropping)
				assert_memory_equal(D.held, D.kernel, sizeof(D.held));
		}
		assert_true(D.batches > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(devices_are_classified),
		cmocka_unit_test(what_dom0_refuses_is_left_out),
		cmocka_unit_test(a_rel_beyond_bounds_is_clamped),
		cmocka_unit_test_setup(a_report_is_one_batch, stream_setup),
		cmocka_unit_test_setup(a_long_report_is_split, stream_setup),
		cmocka_unit_test_setup(syn_dropped_discards_to_the_next_report, stream_setup),
		cmocka_unit_test_setup(a_batch_not_sent_is_made_up_for, stream_setup),
		cmocka_unit_test(every_batch_is_one_dom0_takes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
