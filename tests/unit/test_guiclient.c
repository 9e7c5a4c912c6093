/* The client library (gui/guiclient.c) on the fake transport, the test
 * playing dom0: a window's buffers are taken back only once dom0 has said
 * MAPPED for them.  Before, a buffer replaced by a second CONFIGURE that
 * came before dom0 had mapped the first was ungranted at once, and dom0's
 * map of it failed: the channel dropped (seen after every compositor
 * restart, when windows come back together and re-tile twice). */
#include "tests/unit/test_helpers.h"

#include "gui/guiclient.h"
#include "tests/fake_transport.h"

static struct fake_transport *F;
static struct gui_client *C;
static struct gui_window *W;

static void from_dom0(const struct gui_msg *m)
{
	uint8_t buf[64];
	size_t len = gui_encode(m, buf, sizeof(buf));
	assert_true(len > 0);
	assert_true(fake_push(F, buf, len));
}

static void configure(uint32_t width, uint32_t height)
{
	struct gui_msg m = { .type = GUI_CONFIGURE, .window = gui_window_id(W) };
	m.u.size.width = width;
	m.u.size.height = height;
	from_dom0(&m);
}

static void mapped(uint32_t window)
{
	struct gui_msg m = { .type = GUI_MAPPED, .window = window };
	from_dom0(&m);
}

/* Takes every event waiting; the number of CONFIGUREs among them, the
 * last one's size in *W_OUT x *H_OUT. */
static int events(uint32_t *w_out, uint32_t *h_out)
{
	struct gui_event ev;
	char err[200];
	int rc, n = 0;
	while ((rc = gui_client_next_event(C, &ev, err, sizeof(err))) > 0) {
		if (ev.type != GUI_EV_CONFIGURE)
			continue;
		n++;
		if (w_out)
			*w_out = ev.width, *h_out = ev.height;
	}
	assert_int_equal(rc, 0);
	return n;
}

static int setup(void **state)
{
	struct gui_msg welcome = { .type = GUI_WELCOME };
	char err[200];
	(void)state;
	F = fake_new_client();
	C = gui_client_start(&F->t, err, sizeof(err));
	assert_non_null(C);
	welcome.u.welcome.version = GUI_VERSION;
	welcome.u.welcome.max_width = welcome.u.welcome.max_height = 8192;
	from_dom0(&welcome);
	W = gui_window_new(C, 640, 480, "t");
	assert_non_null(W);
	assert_int_equal(events(NULL, NULL), 0);
	assert_true(gui_client_welcomed(C));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	gui_client_free(C);	/* traps if a buffer was left behind */
	return 0;
}

/* Two CONFIGUREs before dom0 has mapped the first buffer: both buffers
 * stay until dom0 says MAPPED for the first. */
static void test_replaced_buffer_kept_until_mapped(void **state)
{
	(void)state;
	configure(640, 480);
	configure(320, 480);
	assert_int_equal(events(NULL, NULL), 2);
	assert_int_equal(F->sent_of[GUI_BUFFER], 2);
	assert_int_equal(F->buffers_now, 2);
	mapped(gui_window_id(W));
	assert_int_equal(events(NULL, NULL), 0);
	assert_int_equal(F->buffers_now, 1);	/* the first, replaced and mapped: gone */
	mapped(gui_window_id(W));
	assert_int_equal(events(NULL, NULL), 0);
	assert_int_equal(F->buffers_now, 1);	/* the second is the window's */
	/* Replaced once dom0 has it mapped: taken back at once. */
	configure(200, 100);
	assert_int_equal(events(NULL, NULL), 1);
	assert_int_equal(F->buffers_now, 1);
	mapped(gui_window_id(W));
	events(NULL, NULL);
	assert_int_equal(F->buffers_now, 1);
}

/* A CONFIGURE storm: at most GUI_BUFFERS_IN_FLIGHT buffers wait for dom0;
 * the sizes in between are never made, and the latest comes with the
 * next MAPPED. */
static void test_configure_storm_bounded(void **state)
{
	uint32_t w = 0, h = 0;
	(void)state;
	for (uint32_t i = 0; i < 50; i++)
		configure(100 + i, 100);
	assert_int_equal(events(&w, &h), GUI_BUFFERS_IN_FLIGHT);
	assert_int_equal(F->buffers_now, GUI_BUFFERS_IN_FLIGHT);
	mapped(gui_window_id(W));
	assert_int_equal(events(&w, &h), 1);
	assert_int_equal(w, 149);
	assert_int_equal(F->last_buffer[0], 149);
	for (int i = 0; i < GUI_BUFFERS_IN_FLIGHT; i++)
		mapped(gui_window_id(W));
	assert_int_equal(events(NULL, NULL), 0);
	assert_int_equal(F->buffers_now, 1);
}

/* A window destroyed before dom0 mapped its buffer: the buffer stays
 * until dom0's MAPPED for it, which names a window that is gone. */
static void test_destroyed_window_buffer_kept_until_mapped(void **state)
{
	(void)state;
	uint32_t id = gui_window_id(W);
	configure(640, 480);
	events(NULL, NULL);
	gui_window_destroy(W);
	assert_int_equal(F->buffers_now, 1);
	mapped(id);
	events(NULL, NULL);
	assert_int_equal(F->buffers_now, 0);
	/* A MAPPED nobody waits for is ignored. */
	mapped(id);
	mapped(77);
	assert_int_equal(events(NULL, NULL), 0);
}

/* A popup: sent as POPUP with its parent and place, sized by its own
 * CONFIGURE; refused (ENOTSUP) to a client dom0 welcomed in version 2. */
static void test_popup(void **state)
{
	char err[200];
	(void)state;
	struct gui_window *p = gui_popup_new(W, -5, 7, 100, 50);
	assert_non_null(p);
	assert_int_equal(F->sent_of[GUI_POPUP], 1);
	struct gui_msg m = { .type = GUI_CONFIGURE, .window = gui_window_id(p) };
	m.u.size.width = 90;
	m.u.size.height = 50;
	from_dom0(&m);
	assert_int_equal(events(NULL, NULL), 1);
	assert_int_equal(F->last_buffer[0], 90);
	mapped(gui_window_id(p));
	events(NULL, NULL);
	gui_window_destroy(p);

	struct fake_transport *old = fake_new_client();
	struct gui_client *c = gui_client_start(&old->t, err, sizeof(err));
	struct gui_msg welcome = { .type = GUI_WELCOME };
	struct fake_transport *keep = F;
	assert_non_null(c);
	welcome.u.welcome.version = 2;
	welcome.u.welcome.max_width = welcome.u.welcome.max_height = 8192;
	F = old;
	from_dom0(&welcome);
	struct gui_event ev;
	assert_int_equal(gui_client_next_event(c, &ev, err, sizeof(err)), 0);
	struct gui_window *w = gui_window_new(c, 10, 10, "old");
	assert_non_null(w);
	errno = 0;
	assert_null(gui_popup_new(w, 0, 0, 10, 10));
	assert_int_equal(errno, ENOTSUP);
	assert_int_equal(old->sent_of[GUI_POPUP], 0);
	gui_client_free(c);
	F = keep;
}

/* INPUT_DEVICE and INPUT_EVENTS: sent as dom0 decodes them (the fake
 * traps on anything else), refused when they would not decode, and
 * refused (ENOTSUP) to a client dom0 welcomed in version 5. */
static void test_input(void **state)
{
	char err[200], name[GUI_INPUT_NAME_MAX + 2];
	struct gui_input_event ev[GUI_INPUT_BATCH_MAX + 1];
	(void)state;

	memset(name, 'k', sizeof(name));
	name[GUI_INPUT_NAME_MAX] = '\0';
	assert_int_equal(gui_client_input_device(C, 1, GUI_INPUT_KEYBOARD, name), 0);
	assert_int_equal(gui_client_input_device(C, GUI_INPUT_DEVICES_MAX, GUI_INPUT_POINTER, ""),
			 0);
	assert_int_equal(gui_client_input_device(C, 1, GUI_INPUT_GONE, NULL), 0);
	assert_int_equal(F->sent_of[GUI_INPUT_DEVICE], 3);
	name[GUI_INPUT_NAME_MAX] = 'k';
	name[GUI_INPUT_NAME_MAX + 1] = '\0';
	assert_int_equal(gui_client_input_device(C, 2, GUI_INPUT_KEYBOARD, name), -EINVAL);
	assert_int_equal(gui_client_input_device(C, 0, GUI_INPUT_KEYBOARD, "k"), -EINVAL);
	assert_int_equal(gui_client_input_device(C, GUI_INPUT_DEVICES_MAX + 1, GUI_INPUT_KEYBOARD,
						 "k"), -EINVAL);
	assert_int_equal(gui_client_input_device(C, 2, GUI_INPUT_GONE, "k"), -EINVAL);
	assert_int_equal(gui_client_input_device(C, 2, 3, "k"), -EINVAL);
	assert_int_equal(F->sent_of[GUI_INPUT_DEVICE], 3);

	for (size_t i = 0; i < ARRAY_SIZE(ev); i++)
		ev[i] = (struct gui_input_event){ .type = EV_REL, .code = REL_X, .value = -3 };
	assert_int_equal(gui_client_input_events(C, 2, ev, GUI_INPUT_BATCH_MAX), 0);
	assert_int_equal(gui_client_input_events(C, 2, ev, 1), 0);
	assert_int_equal(F->sent_of[GUI_INPUT_EVENTS], 2);
	assert_int_equal(gui_client_input_events(C, 2, ev, 0), -EINVAL);
	assert_int_equal(gui_client_input_events(C, 2, ev, GUI_INPUT_BATCH_MAX + 1), -EINVAL);
	ev[0].value = GUI_INPUT_REL_MAX + 1;
	assert_int_equal(gui_client_input_events(C, 2, ev, 1), -EINVAL);
	ev[0] = (struct gui_input_event){ .type = EV_SYN, .code = SYN_REPORT, .value = 1 };
	assert_int_equal(gui_client_input_events(C, 2, ev, 1), -EINVAL);
	assert_int_equal(F->sent_of[GUI_INPUT_EVENTS], 2);

	struct fake_transport *old = fake_new_client();
	struct gui_client *c = gui_client_start(&old->t, err, sizeof(err));
	struct gui_msg welcome = { .type = GUI_WELCOME };
	struct fake_transport *keep = F;
	assert_non_null(c);
	ev[0] = (struct gui_input_event){ .type = EV_SYN, .code = SYN_REPORT };
	assert_int_equal(gui_client_input_device(c, 1, GUI_INPUT_KEYBOARD, "k"), -ENOTSUP);
	welcome.u.welcome.version = 5;
	welcome.u.welcome.max_width = welcome.u.welcome.max_height = 8192;
	F = old;
	from_dom0(&welcome);
	struct gui_event e;
	assert_int_equal(gui_client_next_event(c, &e, err, sizeof(err)), 0);
	assert_int_equal(gui_client_input_device(c, 1, GUI_INPUT_KEYBOARD, "k"), -ENOTSUP);
	assert_int_equal(gui_client_input_events(c, 1, ev, 1), -ENOTSUP);
	assert_int_equal(old->sent_of[GUI_INPUT_DEVICE] + old->sent_of[GUI_INPUT_EVENTS], 0);
	gui_client_free(c);
	F = keep;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replaced_buffer_kept_until_mapped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_configure_storm_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_popup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroyed_window_buffer_kept_until_mapped,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
