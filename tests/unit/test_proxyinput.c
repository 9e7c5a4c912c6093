/*
 * test_proxyinput.c - a USB domain's keyboards and pointers in dom0
 * (drm-compositor/proxyinput.h) on a recording sink: nothing before the
 * user accepts, nothing ever once refused, reports as the sink takes
 * them, the budget a second, and no key left down whatever the domain
 * does.
 */
#include "tests/unit/test_helpers.h"

#include "drm-compositor/proxyinput.h"

static char said[4096];

static void rec(const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(said);
	va_start(ap, fmt);
	vsnprintf(said + n, sizeof(said) - n, fmt, ap);
	va_end(ap);
}

static void f_key(void *ctx, uint32_t code, uint32_t value, uint64_t time_us)
{
	(void)ctx;
	(void)time_us;
	rec("key %u %u|", code, value);
}

static void f_motion(void *ctx, int32_t dx, int32_t dy)
{
	(void)ctx;
	rec("motion %d %d|", dx, dy);
}

static void f_axis(void *ctx, uint32_t axis, int32_t steps)
{
	(void)ctx;
	rec("axis %u %d|", axis, steps);
}

static const struct input_sink sink = { .key = f_key, .motion = f_motion, .axis = f_axis };

static struct gui_msg device(uint32_t id, enum gui_input_kind kind, const char *name)
{
	struct gui_msg m = { .type = GUI_INPUT_DEVICE };
	m.u.input_device.id = id;
	m.u.input_device.kind = kind;
	snprintf(m.u.input_device.name, sizeof(m.u.input_device.name), "%s", name);
	return m;
}

static struct gui_msg events(uint32_t id, const struct gui_input_event *ev, uint32_t n)
{
	struct gui_msg m = { .type = GUI_INPUT_EVENTS };
	m.u.input_events.id = id;
	m.u.input_events.count = n;
	memcpy(m.u.input_events.ev, ev, n * sizeof(*ev));
	return m;
}

static const struct gui_input_event type_a[] = {
	{ EV_KEY, KEY_A, 1 }, { EV_SYN, SYN_REPORT, 0 }, { EV_KEY, KEY_A, 0 },
	{ EV_SYN, SYN_REPORT, 0 },
};

static void nothing_before_the_user_accepts(void **state)
{
	static struct proxy_input p;
	const char *why = NULL;
	(void)state;
	memset(&p, 0, sizeof(p));
	said[0] = '\0';
	struct gui_msg m = device(1, GUI_INPUT_KEYBOARD, "QEMU USB Keyboard");
	assert_int_equal(proxy_device_msg(&p, &m, 0, &sink, &why), PROXY_ASK);
	assert_string_equal(p.dev[1].name, "QEMU USB Keyboard");
	/* Typed while asked: nowhere, and not held afterwards. */
	m = events(1, type_a, 1);
	assert_int_equal(proxy_events_msg(&p, &m, 0, &sink, &why), PROXY_OK);
	assert_string_equal(said, "");
	assert_true(proxy_answer(&p, 1, true));
	assert_false(proxy_answer(&p, 1, true));	/* answered once */
	/* The release and a repeat of the key pressed before: nowhere. */
	static const struct gui_input_event before[] = { { EV_KEY, KEY_A, 2 },
							 { EV_KEY, KEY_A, 0 } };
	m = events(1, before, 2);
	proxy_events_msg(&p, &m, 1, &sink, &why);
	assert_string_equal(said, "");
	m = events(1, type_a, 4);
	proxy_events_msg(&p, &m, 2, &sink, &why);
	assert_string_equal(said, "key 30 1|key 30 0|");

	/* A refused device never types, whatever it sends. */
	said[0] = '\0';
	m = device(2, GUI_INPUT_KEYBOARD, "evil");
	assert_int_equal(proxy_device_msg(&p, &m, 0, &sink, &why), PROXY_ASK);
	assert_true(proxy_answer(&p, 2, false));
	assert_false(proxy_answer(&p, 2, true));
	m = events(2, type_a, 4);
	assert_int_equal(proxy_events_msg(&p, &m, 3, &sink, &why), PROXY_OK);
	assert_string_equal(said, "");
	/* Nor does it come back by being announced again without going. */
	m = device(2, GUI_INPUT_KEYBOARD, "evil");
	assert_int_equal(proxy_device_msg(&p, &m, 0, &sink, &why), PROXY_MALFORMED);
	assert_string_equal(why, "a keyboard or pointer announced twice without going in between");
	/* Events of a device never announced drop the channel. */
	m = events(5, type_a, 1);
	assert_int_equal(proxy_events_msg(&p, &m, 4, &sink, &why), PROXY_MALFORMED);
	assert_string_equal(why, "events of a keyboard or pointer it never announced");
	/* Gone and back: asked again. */
	m = device(2, GUI_INPUT_GONE, "");
	assert_int_equal(proxy_device_msg(&p, &m, 0, &sink, &why), PROXY_GONE);
	m = device(2, GUI_INPUT_KEYBOARD, "evil");
	assert_int_equal(proxy_device_msg(&p, &m, 0, &sink, &why), PROXY_ASK);
	assert_false(proxy_answer(&p, 0, true));
	assert_false(proxy_answer(&p, GUI_INPUT_DEVICES_MAX + 1, true));
}

static void pointer_reports_and_wheels(void **state)
{
	static struct proxy_input p;
	const char *why = NULL;
	(void)state;
	memset(&p, 0, sizeof(p));
	said[0] = '\0';
	struct gui_msg m = device(3, GUI_INPUT_POINTER, "mouse");
	proxy_device_msg(&p, &m, 0, &sink, &why);
	proxy_answer(&p, 3, true);
	static const struct gui_input_event ev[] = {
		{ EV_REL, REL_X, 5 }, { EV_REL, REL_Y, -2 }, { EV_REL, REL_X, 1 },
		{ EV_SYN, SYN_REPORT, 0 }, { EV_REL, REL_WHEEL, 1 }, { EV_REL, REL_HWHEEL, -2 },
		{ EV_SYN, SYN_REPORT, 0 }, { EV_KEY, BTN_LEFT, 1 }, { EV_SYN, SYN_REPORT, 0 },
		{ EV_REL, REL_Y, 3 },
	};
	m = events(3, ev, 10);
	proxy_events_msg(&p, &m, 0, &sink, &why);
	/* The last move waits for its report's end. */
	assert_string_equal(said, "motion 6 -2|axis 0 -1|axis 1 -2|key 272 1|");
	static const struct gui_input_event end[] = { { EV_SYN, SYN_REPORT, 0 } };
	m = events(3, end, 1);
	proxy_events_msg(&p, &m, 1, &sink, &why);
	assert_string_equal(said, "motion 6 -2|axis 0 -1|axis 1 -2|key 272 1|motion 0 3|");
	/* It goes holding the button: released. */
	said[0] = '\0';
	m = device(3, GUI_INPUT_GONE, "");
	assert_int_equal(proxy_device_msg(&p, &m, 0, &sink, &why), PROXY_GONE);
	assert_string_equal(said, "key 272 0|");
	/* Gone twice, or one never there: nothing. */
	assert_int_equal(proxy_device_msg(&p, &m, 0, &sink, &why), PROXY_OK);
	assert_string_equal(said, "key 272 0|");
}

/* A flood: PROXY_EVENTS_PER_S a second go through, the rest are dropped
 * and counted; a held key's release always goes through; the channel's
 * drop releases every key still down. */
static void flood_is_bounded_and_no_key_stays_down(void **state)
{
	static struct proxy_input p;
	const char *why = NULL;
	(void)state;
	memset(&p, 0, sizeof(p));
	struct gui_msg m = device(1, GUI_INPUT_KEYBOARD, "k");
	proxy_device_msg(&p, &m, 0, &sink, &why);
	proxy_answer(&p, 1, true);
	static const struct gui_input_event press[] = { { EV_KEY, KEY_LEFTSHIFT, 1 },
							{ EV_KEY, KEY_B, 1 } };
	m = events(1, press, 2);
	said[0] = '\0';
	proxy_events_msg(&p, &m, 0, &sink, &why);
	assert_string_equal(said, "key 42 1|key 48 1|");
	static struct gui_input_event syn[GUI_INPUT_BATCH_MAX];
	for (size_t i = 0; i < GUI_INPUT_BATCH_MAX; i++)
		syn[i] = (struct gui_input_event){ EV_SYN, SYN_REPORT, 0 };
	m = events(1, syn, GUI_INPUT_BATCH_MAX);
	uint32_t sent = 2;
	for (int i = 0; i < 200; i++, sent += GUI_INPUT_BATCH_MAX)
		proxy_events_msg(&p, &m, 0, &sink, &why);
	assert_int_equal(proxy_take_dropped(&p), sent - PROXY_EVENTS_PER_S);
	assert_int_equal(proxy_take_dropped(&p), 0);
	/* Over the budget, a repeat is dropped but the release is not. */
	static const struct gui_input_event up[] = { { EV_KEY, KEY_B, 2 }, { EV_KEY, KEY_B, 0 } };
	said[0] = '\0';
	m = events(1, up, 2);
	proxy_events_msg(&p, &m, 0, &sink, &why);
	assert_string_equal(said, "key 48 0|");
	assert_int_equal(proxy_take_dropped(&p), 1);
	/* A quarter of a second later, a quarter of the budget. */
	m = events(1, syn, GUI_INPUT_BATCH_MAX);
	for (int i = 0; i < 100; i++)
		proxy_events_msg(&p, &m, 250, &sink, &why);
	assert_int_equal(proxy_take_dropped(&p), 100 * GUI_INPUT_BATCH_MAX - PROXY_EVENTS_PER_S / 4);
	/* The channel drops with shift held: released. */
	said[0] = '\0';
	proxy_release_all(&p, &sink);
	assert_string_equal(said, "key 42 0|");
	proxy_release_all(&p, &sink);
	assert_string_equal(said, "key 42 0|");
	/* A clock that went back starts the budget afresh rather than never. */
	m = events(1, press, 1);
	said[0] = '\0';
	proxy_events_msg(&p, &m, 10, &sink, &why);
	assert_string_equal(said, "key 42 1|");
}

/* A domain announcing devices in a loop: PROXY_ASKS_BURST questions, then
 * one every PROXY_ASK_EVERY_MS, the rest refused unasked (and typing
 * nothing), until they go and come back with the budget. */
static void questions_are_bounded(void **state)
{
	static struct proxy_input p;
	const char *why = NULL;
	uint64_t now = 5000;
	(void)state;
	memset(&p, 0, sizeof(p));
	said[0] = '\0';
	for (uint32_t round = 0; round < 3; round++)
		for (uint32_t id = 1; id <= PROXY_ASKS_BURST / 2; id++) {
			struct gui_msg m = device(id, GUI_INPUT_KEYBOARD, "k");
			enum proxy_verdict v = proxy_device_msg(&p, &m, now++, &sink, &why);
			/* Two rounds of two fit the burst of four. */
			assert_int_equal(v, round < 2 ? PROXY_ASK : PROXY_UNASKED);
			if (v == PROXY_UNASKED) {
				assert_false(proxy_answer(&p, id, true));
				m = events(id, type_a, 4);
				proxy_events_msg(&p, &m, now, &sink, &why);
				assert_string_equal(said, "");
			}
			m = device(id, GUI_INPUT_GONE, "");
			assert_int_equal(proxy_device_msg(&p, &m, now++, &sink, &why), PROXY_GONE);
		}
	/* Announced every millisecond: the time still adds up, to one
	 * question PROXY_ASK_EVERY_MS after the burst was spent. */
	struct gui_msg m = device(1, GUI_INPUT_POINTER, "p");
	struct gui_msg gone = device(1, GUI_INPUT_GONE, "");
	uint64_t t = now;
	while (proxy_device_msg(&p, &m, t, &sink, &why) == PROXY_UNASKED) {
		proxy_device_msg(&p, &gone, t, &sink, &why);
		t++;
		assert_true(t <= 5000 + PROXY_ASK_EVERY_MS);
	}
	assert_true(t >= 5000 + PROXY_ASK_EVERY_MS - 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_before_the_user_accepts),
		cmocka_unit_test(pointer_reports_and_wheels),
		cmocka_unit_test(flood_is_bounded_and_no_key_stays_down),
		cmocka_unit_test(questions_are_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
